"""A command's exit code, whether it returned it or argparse raised SystemExit for a malformed flag."""

from __future__ import annotations

from collections.abc import Callable, Sequence


def exit_code(main: Callable[[Sequence[str]], int], argv: Sequence[str]) -> int:
    """Run `main(argv)`; argparse's own errors (unknown choice, non-number) exit through SystemExit."""
    try:
        return main(list(argv))
    except SystemExit as exc:
        return int(exc.code)
