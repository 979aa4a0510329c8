"""Load, validate and summarise Udacity recordings; write report.json and steering_hist.png: `bcloning inspect` as a script (the code is in bcloning/commands/inspect_data.py)."""
from bcloning.commands.inspect_data import main

if __name__ == "__main__":
    raise SystemExit(main())
