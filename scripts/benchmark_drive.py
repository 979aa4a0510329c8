"""Benchmark the drive server's telemetry-to-steer path: compiled call vs model.predict: `bcloning bench-drive` as a script (the code is in bcloning/commands/benchmark_drive.py)."""
from bcloning.commands.benchmark_drive import main

if __name__ == "__main__":
    raise SystemExit(main())
