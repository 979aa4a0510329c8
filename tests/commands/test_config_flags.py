"""Flags built from frozen config dataclasses: defaults, types, prefixes, validation."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

import pytest

from bcloning.flags import add_flags, from_flags


@dataclass(frozen=True)
class Demo:
    """A config with every supported field type."""

    rate: float = field(default=0.5, metadata={"help": "a rate in Hz"})
    count: int = 3
    name: str = field(default="pilot", metadata={"choices": ("pilot", "other")})
    enabled: bool = True
    size: tuple[int, int] = (66, 200)
    limit: int | None = None

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError(f"count must be >= 0, got {self.count}")


def parse(argv, prefix=""):
    parser = argparse.ArgumentParser()
    add_flags(parser, Demo, prefix=prefix)
    return parser, parser.parse_args(argv)


def test_defaults_come_from_the_dataclass():
    _, args = parse([])
    assert from_flags(Demo, args) == Demo()


def test_every_type_parses():
    _, args = parse(["--rate", "2", "--count", "7", "--name", "other", "--enabled", "false", "--size", "3", "4", "--limit", "9"])
    assert from_flags(Demo, args) == Demo(rate=2.0, count=7, name="other", enabled=False, size=(3, 4), limit=9)


def test_a_bare_bool_flag_means_true():
    _, args = parse(["--enabled", "--count", "3"])  # used to be an error: "expected one argument"
    assert args.enabled is True and args.count == 3


def test_prefix_and_overrides():
    _, args = parse(["--demo-count", "5"], prefix="demo")
    assert args.demo_count == 5
    assert from_flags(Demo, args, prefix="demo", rate=9.0) == Demo(count=5, rate=9.0)


def test_help_shows_metadata_help_and_default():
    parser, _ = parse([])
    text = parser.format_help()
    assert "a rate in Hz (default: 0.5)" in text and "--enabled [{true,false}]" in text


@pytest.mark.parametrize("argv", [["--enabled", "maybe"], ["--name", "nobody"], ["--count", "x"]])
def test_bad_values_are_argparse_errors(argv, capsys):
    with pytest.raises(SystemExit) as caught:
        parse(argv)
    assert caught.value.code == 2


def test_dataclass_validation_still_runs():
    _, args = parse(["--count", "-1"])
    with pytest.raises(ValueError, match="count"):
        from_flags(Demo, args)


@pytest.mark.parametrize("command, argv", [
    ("inspect_data", ["REC", "--out", ""]),
    ("train", ["REC", "--out", ""]),
    ("evaluate", ["m.keras", "--out", ""]),
    ("compare", ["run", "--out", ""]),
    ("simulate", ["drive", "--out", ""]),
    ("simulate", ["replay", "REC", "--out", ""]),
    ("simulate", ["replay-check", "REC", "--out", ""]),
    ("simulate", ["lane-check", "REC", "--out", ""]),
    ("simulate", ["record", ""]),
    ("demo", ["--out", ""]),
    ("benchmark_report", ["--out", ""]),
])
def test_an_empty_output_path_is_refused_by_every_command(command, argv, capsys):
    import importlib

    from tests.commands.exit_codes import exit_code

    main = importlib.import_module(f"bcloning.commands.{command}").main
    assert exit_code(main, argv) == 2
    err = capsys.readouterr().err
    assert "must not be empty" in err and ("--out" in err or "OUT_DIR" in err.upper()), err
