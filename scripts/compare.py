"""Compare training runs: a Markdown table in the paper's form and a bar chart: `bcloning compare` as a script (the code is in bcloning/commands/compare.py)."""
from bcloning.commands.compare import main

if __name__ == "__main__":
    raise SystemExit(main())
