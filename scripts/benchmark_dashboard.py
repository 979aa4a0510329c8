"""What an open dashboard costs the drive server (p99 with and without): `bcloning bench-dashboard` as a script (the code is in bcloning/commands/benchmark_dashboard.py)."""
from bcloning.commands.benchmark_dashboard import main

if __name__ == "__main__":
    raise SystemExit(main())
