"""Drive the Udacity simulator's car with a trained model (start this, then autonomous mode): `bcloning drive` as a script (the code is in bcloning/commands/drive.py)."""
from bcloning.commands.drive import main

if __name__ == "__main__":
    raise SystemExit(main())
