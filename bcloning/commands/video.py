"""Make a video of a recorded run: run1/ -> run1.mp4 beside it, as Udacity's video.py does.

    python scripts/video.py run1 --fps 60

Takes the centre-camera frames of run1/IMG/ (or the images of a plain folder)
in time order. The recording folder is only read.
Exit codes: 0 ok, 2 user error (no such folder, no images, unreadable frame, bad flag value).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Sequence

from agent.video import VideoConfig, VideoError, default_output, write_video
from bcloning.flags import add_flags, from_flags, user_error


def build_parser() -> argparse.ArgumentParser:
    """Flags: the run folder, the output, and one flag per VideoConfig field."""
    parser = argparse.ArgumentParser(prog="video.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("image_folder", help="run folder (with IMG/) or a folder of images")
    parser.add_argument("--output", default="", help="video file to write (default: IMAGE_FOLDER.mp4 beside the folder)")
    add_flags(parser, VideoConfig)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Write the video; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    output = Path(args.output) if args.output else default_output(args.image_folder)
    try:
        config = from_flags(VideoConfig, args)
        if Path(args.image_folder).resolve() in output.resolve().parents:
            raise VideoError(f"{output}: would be written inside the recording {args.image_folder}")
        frames = write_video(args.image_folder, output, config)
    except ValueError as exc:  # VideoError, or a config field named by __post_init__
        return user_error(parser, str(exc))
    print(f"{output}: {frames} frames, {frames / config.fps:.1f} s at {config.fps:g} fps")
    return 0

