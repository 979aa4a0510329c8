"""The Udacity simulator's recording format: one home for each of its facts.

The simulator writes `driving_log.csv` beside an `IMG/` folder of JPEGs from
three cameras, every frame 320 wide and 160 high, JPEG-encoded with Unity's
default quality (its `EncodeToJPG`), which also encodes the centre frame it
sends as telemetry in autonomous mode. The recorder reads and writes this
format, the drive server decodes it, the built-in simulator produces it.
"""

from __future__ import annotations

__all__ = ["LOG_NAME", "IMAGE_DIR", "CAMERAS", "FRAME_SHAPE", "JPEG_QUALITY"]

LOG_NAME = "driving_log.csv"
IMAGE_DIR = "IMG"
# The three cameras, in the column order of driving_log.csv (and of their image names).
CAMERAS = ("center", "left", "right")
# (height, width) of every camera frame, as NumPy holds it: (160, 320, 3) RGB.
FRAME_SHAPE = (160, 320)
# Unity's default quality for Texture2D.EncodeToJPG: recorded frames and telemetry.
JPEG_QUALITY = 75
