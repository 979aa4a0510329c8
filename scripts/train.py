"""Train PilotNet on Udacity recordings with one approach; write a run folder: `bcloning train` as a script (the code is in bcloning/commands/train.py)."""
from bcloning.commands.train import main

if __name__ == "__main__":
    raise SystemExit(main())
