"""Score models in closed loop (replays and unseen tracks), one table: `bcloning evaluate` as a script (the code is in bcloning/commands/evaluate.py)."""
from bcloning.commands.evaluate import main

if __name__ == "__main__":
    raise SystemExit(main())
