"""The built-in simulator: record expert laps, drive against a drive server, time the cameras: `bcloning simulate` as a script (the code is in bcloning/commands/simulate.py)."""
from bcloning.commands.simulate import main

if __name__ == "__main__":
    raise SystemExit(main())
