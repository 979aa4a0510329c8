"""Benchmark the training approaches against the compute ceiling, on the same data, in one run: `bcloning bench-training` as a script (the code is in bcloning/commands/benchmark_training.py)."""
from bcloning.commands.benchmark_training import main

if __name__ == "__main__":
    raise SystemExit(main())
