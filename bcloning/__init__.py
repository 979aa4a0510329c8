"""The `bcloning` command: one entry point for every user command (see `bcloning.cli`)."""
