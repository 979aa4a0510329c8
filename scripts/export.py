"""Export a trained model to ONNX or LiteRT, checked against Keras: `bcloning export` as a script (the code is in bcloning/commands/export.py)."""
from bcloning.commands.export import main

if __name__ == "__main__":
    raise SystemExit(main())
