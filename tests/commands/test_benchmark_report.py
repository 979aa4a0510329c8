"""bench-report: runs benchmarks in fresh processes and writes their output as markdown."""

from __future__ import annotations

from bcloning.commands import benchmark_report


def test_writes_each_benchmark_under_its_command_with_machine_and_versions(tmp_path):
    out = tmp_path / "benchmarks.md"
    code = benchmark_report.main(["--only", "render", "--out", str(out), "--data", str(tmp_path)])
    text = out.read_text()
    assert code == 0
    assert "`bcloning simulate bench`" in text
    assert "poses/s" in text  # the benchmark's own output, verbatim
    assert "- machine:" in text and "tensorflow" in text and "python-socketio" in text
    assert "Load average before" in text


def test_a_benchmark_that_needs_a_recording_is_skipped_without_it(tmp_path):
    out = tmp_path / "benchmarks.md"
    code = benchmark_report.main(["--only", "replay", "--out", str(out), "--data", str(tmp_path / "none")])
    assert code == 0
    assert f"Skipped: it needs {tmp_path / 'none' / 'user_windows_2023'}." in out.read_text()


def test_only_refreshes_its_sections_and_keeps_the_others(tmp_path):
    out = tmp_path / "benchmarks.md"
    training = next(b for b in benchmark_report.BENCHMARKS if b.name == "training")
    out.write_text(f"# Benchmarks\n\n- machine: old\n\n## {training.title}\n\nkept figures\n\n"
                   "## Built-in simulator: rendering speed\n\nstale figures\n")
    assert benchmark_report.main(["--only", "render", "--out", str(out), "--data", str(tmp_path)]) == 0
    text = out.read_text()
    assert "kept figures" in text and "stale figures" not in text and "poses/s" in text
    assert text.index(training.title) < text.index("`bcloning simulate bench`")  # the report's order
    assert "- machine: old" not in text


def test_missing_output_folder_is_a_user_error(tmp_path, capsys):
    code = benchmark_report.main(["--only", "render", "--out", str(tmp_path / "no" / "b.md")])
    assert code == 2
    assert "does not exist" in capsys.readouterr().err
