"""What floods and idle connections do to the driving client: `bcloning bench-flood` as a script (the code is in bcloning/commands/benchmark_flood.py)."""
from bcloning.commands.benchmark_flood import main

if __name__ == "__main__":
    raise SystemExit(main())
