"""The user commands, one module each with `main(argv) -> int` (run by `bcloning.cli` and scripts/)."""
