"""Run every benchmark and write docs/benchmarks.md: `bcloning bench-report` as a script (the code is in bcloning/commands/benchmark_report.py)."""
from bcloning.commands.benchmark_report import main

if __name__ == "__main__":
    raise SystemExit(main())
