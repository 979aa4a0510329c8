"""scripts/export.py: writes a checked model and prints the check; user errors are one line, exit 2."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bcloning.commands import export
from tests.commands.exit_codes import exit_code
from tests.disk_full import file_size_limit
from training.model import build_pilotnet
from training.model_file import save_model

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    return save_model(build_pilotnet(seed=4), tmp_path_factory.mktemp("run") / "model.keras")


@pytest.mark.slow
def test_export_script_writes_onnx_and_prints_the_check(model_file):
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "export.py"), str(model_file), "--format", "onnx"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = model_file.with_suffix(".onnx")
    assert f"wrote {out} (" in result.stdout and f"and {out}.json" in result.stdout
    figures = re.search(r"equivalence with Keras over 200 frames \(generated .*\): max \|steering diff\| ([\d.e+-]+), "
                        r"mean [\d.e+-]+ \(bound 0\.0001\)", result.stdout)
    assert figures and float(figures.group(1)) <= 1e-4


@pytest.mark.slow
def test_litert_to_a_chosen_path(model_file, tmp_path, capsys):
    out = tmp_path / "deploy" / "pilot.tflite"
    assert export.main([str(model_file), "--format", "litert", "--out", str(out)]) == 0
    assert out.is_file() and (tmp_path / "deploy" / "pilot.tflite.json").is_file()
    assert "ai-edge-litert" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [(["{missing}"], r"none\.keras: no such model file"),
     (["{model}", "--check-frames", "10"], r"check_frames must be >= 200, got 10"),
     (["{model}", "--format", "onnx", "--out", "{tmp}/m.tflite"], r"out must end in \.onnx"),
     (["{model}", "--check-recording", "{tmp}/nowhere"], r"nowhere"),
     (["{model}", "--format", "litert", "--quantize", "int8"], r"quantize int8 needs format litert and a check_recording"),
     (["{tmp}/model.onnx"], r"export reads a trained \.keras model")],
)
def test_user_errors_are_one_line_exit_2(model_file, tmp_path, capsys, argv, message):
    args = [a.format(missing=tmp_path / "none.keras", model=model_file, tmp=tmp_path) for a in argv]
    assert exit_code(export.main, args) == 2
    err = capsys.readouterr().err
    assert re.search(r"^export\.py: error: .*" + message, err) and err.count("\n") == 1, err
    assert not list(tmp_path.glob("*.onnx")) and not list(tmp_path.glob("*.tflite"))


def test_unknown_format_is_an_argparse_error(model_file):
    assert exit_code(export.main, [str(model_file), "--format", "torch"]) == 2


def test_a_model_in_an_unfinished_run_folder_is_refused(model_file, tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    for name in ("model.keras", "model.json"):  # the run was killed right after model.json was written
        (run / name).write_bytes((model_file.parent / name).read_bytes())
    (run / "INCOMPLETE").write_text("{}")
    assert exit_code(export.main, [str(run / "model.keras"), "--format", "onnx"]) == 2
    err = capsys.readouterr().err
    assert "has not finished" in err and str(run) in err and err.count("\n") == 1, err
    assert not list(run.glob("*.onnx*"))


def test_a_full_disk_exits_2_naming_the_file_and_leaves_no_partial_file(model_file, tmp_path, capsys):
    out = tmp_path / "deploy" / "pilot.onnx"
    with file_size_limit(64 * 1024):  # the ONNX file (about 1 MB) cannot be written (the kernel refuses: EFBIG)
        code = exit_code(export.main, [str(model_file), "--format", "onnx", "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("export.py: error:") and str(out) in err and err.count("\n") == 1, err
    assert list(out.parent.iterdir()) == []  # neither a partial model nor a contract without it
