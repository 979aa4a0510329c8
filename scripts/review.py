"""Review recordings in the browser and mark rows to leave out: `bcloning review` as a script (the code is in bcloning/commands/review.py)."""
from bcloning.commands.review import main

if __name__ == "__main__":
    raise SystemExit(main())
