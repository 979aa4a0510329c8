"""Command-line flags built from frozen config dataclasses, one flag per field (shared by all scripts).

`add_flags(parser, LoadConfig)` adds `--min-speed`, `--decode-images` ...; the
help text is the field's `metadata["help"]` (or its name), `metadata["aliases"]`
adds other spellings of the flag, the default is the
dataclass default, so defaults live only in the dataclass. `from_flags` builds
the config back, and the dataclass' own `__post_init__` validates it.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import types
import typing
from pathlib import Path
from typing import Any, Sequence, TypeVar

__all__ = ["add_flags", "from_flags", "add_settings_flags", "settings_from_flags", "output_path",
           "refuse_output_inside", "user_error"]

T = TypeVar("T")


def _flag(prefix: str, name: str) -> str:
    return "--" + (f"{prefix}-" if prefix else "") + name.replace("_", "-")


def _dest(prefix: str, name: str) -> str:
    return (f"{prefix}_" if prefix else "") + name


def _base_type(annotation: Any) -> Any:
    """The scalar type of a field annotation: `int` for `int | None`."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return next(a for a in typing.get_args(annotation) if a is not type(None))
    return annotation


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def add_flags(
    parser: argparse.ArgumentParser | Any, cls: type, prefix: str = "", skip: tuple[str, ...] = ()
) -> None:
    """Add one flag per field of dataclass `cls` (prefix `--{prefix}-` if given)."""
    hints = typing.get_type_hints(cls)
    group = parser.add_argument_group(cls.__name__)
    for f in dataclasses.fields(cls):
        if f.name in skip:
            continue
        kind = _base_type(hints[f.name])
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
        text = f.metadata.get("help", f.name.replace("_", " "))
        kwargs: dict[str, Any] = {"dest": _dest(prefix, f.name), "default": default}
        if kind is bool:
            # `--flag` alone means true; `--flag false` still works
            kwargs.update(type=_parse_bool, metavar="{true,false}", nargs="?", const=True)
        elif typing.get_origin(kind) is tuple:
            items = typing.get_args(kind)
            # tuple[str, ...]: one or more values; tuple[float, float]: exactly two
            kwargs.update(type=items[0], nargs="+" if items[-1] is Ellipsis else len(items))
        elif kind in (int, float, str):
            kwargs["type"] = kind
        else:
            raise TypeError(f"{cls.__name__}.{f.name}: no flag for type {kind}")
        if f.metadata.get("choices"):
            kwargs["choices"] = f.metadata["choices"]
        if "default" not in text:  # a help text that explains its own default keeps it
            text += " (default: none)" if default is None else " (default: %(default)s)"
        # metadata "aliases": older or shorter spellings users know (e.g. "--speed" for --speed-mph)
        group.add_argument(_flag(prefix, f.name), *f.metadata.get("aliases", ()), help=text, **kwargs)


def from_flags(cls: type[T], args: argparse.Namespace, prefix: str = "", **overrides: Any) -> T:
    """Build `cls` from parsed flags added by `add_flags` (plus explicit `overrides`)."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        dest = _dest(prefix, f.name)
        if hasattr(args, dest):
            value = getattr(args, dest)
            values[f.name] = tuple(value) if isinstance(value, list) else value
    values.update(overrides)
    return cls(**values)


def _flag_groups(cls: type) -> list[tuple[str, type, str]]:
    """(field name, config class, flag prefix) of each field of a nested settings class that has flags.

    A field's `metadata["flags"]` is the prefix of its flags ("" for none); a field
    without it (such as the preprocessing a model is saved with) has no flags.
    """
    hints = typing.get_type_hints(cls)
    return [(f.name, _base_type(hints[f.name]), f.metadata["flags"])
            for f in dataclasses.fields(cls) if "flags" in f.metadata]


def add_settings_flags(parser: argparse.ArgumentParser, cls: type, skip: tuple[str, ...] = ()) -> None:
    """Add the flags of every config inside the nested settings class `cls`, one group per config.

    Args:
        skip: dotted names ("train.approach") of fields the command adds itself.
    """
    for name, config, prefix in _flag_groups(cls):
        own = tuple(s.split(".", 1)[1] for s in skip if s.startswith(f"{name}."))
        add_flags(parser, config, prefix=prefix, skip=own)


def settings_from_flags(cls: type[T], args: argparse.Namespace, **overrides: Any) -> T:
    """Build the nested settings `cls` from flags added by `add_settings_flags` (plus whole `overrides`)."""
    values = {name: from_flags(config, args, prefix=prefix) for name, config, prefix in _flag_groups(cls)
              if name not in overrides}
    return cls(**values, **overrides)  # type: ignore[call-arg]


def user_error(parser: argparse.ArgumentParser, message: str, code: int = 2) -> int:
    """Print `PROG: error: MESSAGE` as one line on stderr and return the exit code.

    Every command reports a user's mistake this way (a bad flag value, a missing
    recording, a used run folder): one line naming what is wrong, exit 2; no
    usage dump, no traceback. `code` 1 is for failures that are not the
    user's input (a drive server that stopped answering).
    """
    print(f"{parser.prog}: error: {' '.join(message.split())}", file=sys.stderr)
    return code


def output_path(text: str) -> str:
    """argparse `type` of every output flag (`--out`): refuse an empty value.

    `Path("")` is the current folder, so `--out ""` would scatter a command's
    files into wherever the user stands.
    """
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty (name the folder or file to write)")
    return text


def refuse_output_inside(out: str | os.PathLike, recordings: Sequence[str | os.PathLike], flag: str = "--out") -> None:
    """Raise ValueError if output `out` lies inside one of `recordings` (recordings are never written)."""
    resolved = Path(out).resolve()
    for folder in recordings:
        inside = Path(folder).resolve()
        if Path(folder).is_dir() and (resolved == inside or inside in resolved.parents):
            raise ValueError(f"{flag} {resolved} is inside the recording {folder}; recordings are never written")
