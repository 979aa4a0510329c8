"""Make a video of a recorded run: run1/ -> run1.mp4 beside it, as Udacity's video.py does: `bcloning video` as a script (the code is in bcloning/commands/video.py)."""
from bcloning.commands.video import main

if __name__ == "__main__":
    raise SystemExit(main())
