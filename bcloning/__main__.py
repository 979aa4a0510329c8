"""`python -m bcloning SUBCOMMAND ...`, the same as the installed `bcloning` command."""

from bcloning.cli import main

raise SystemExit(main())
