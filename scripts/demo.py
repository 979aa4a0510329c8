"""The whole toolkit in one command, on the built-in simulator: record, inspect, train two ways, compare, drive: `bcloning demo` as a script (the code is in bcloning/commands/demo.py)."""
from bcloning.commands.demo import main

if __name__ == "__main__":
    raise SystemExit(main())
