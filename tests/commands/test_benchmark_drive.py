"""scripts/benchmark_drive.py prints one row per runtime, the load, and the socket round-trip rate."""

from __future__ import annotations

import re

import pytest

from bcloning.commands import benchmark_drive


@pytest.mark.slow
def test_benchmark_prints_a_row_per_runtime_and_round_trips(capsys, tmp_path):
    plot = tmp_path / "latency.png"
    argv = ["--frames", "5", "--predict-frames", "3", "--round-trips", "20", "--plot", str(plot)]
    assert benchmark_drive.main(argv) == 0
    out = capsys.readouterr().out
    for name, frames in (("keras compiled call", 5), ("onnxruntime", 5), ("ai-edge-litert", 5),
                         ("keras model.predict", 3)):
        assert re.search(rf"{re.escape(name)}\s+{frames}\s+[\d.]+\s+[\d.]+\s+x[\d.]+, x[\d.]+", out), out
    assert re.search(r"onnx export: max \|steering diff\| vs Keras [\d.e-]+ over 200 frames", out)
    assert re.search(r"load average \(1 min\) [\d.]+ before, [\d.]+ after", out)
    assert re.search(r"real socket, \S+.*: \d+ steer round trips/s over 20", out)
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_bad_counts_and_bad_model_exit_2(tmp_path):
    assert benchmark_drive.main(["--frames", "0"]) == 2
    assert benchmark_drive.main(["--model", str(tmp_path / "none.keras")]) == 2
