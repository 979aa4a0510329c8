"""A video of a recorded run, as Udacity's video.py makes one: `run1/` -> `run1.mp4`.

Frames are the run's centre-camera JPEGs in file-name order (the simulator's
names are timestamps, so name order is time order). OpenCV's VideoWriter with
the `mp4v` codec writes the file; it is written to a temporary name beside the
target and renamed when complete, so a half-written video never carries the
final name.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from recorder.atomic import atomic_path
from recorder.formats import CAMERAS, IMAGE_DIR
from recorder.images import check_inside

__all__ = ["VideoConfig", "VideoError", "default_output", "run_frames", "write_video"]

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


class VideoError(ValueError):
    """The run folder has no usable frames, or a frame cannot be read."""


@dataclass(frozen=True)
class VideoConfig:
    """How the video is made."""

    fps: float = field(default=60.0, metadata={"help": "frames per second of the video (Udacity's default 60)"})
    camera: str = field(
        default="center", metadata={"help": "camera whose frames are used", "choices": CAMERAS}
    )
    codec: str = field(default="mp4v", metadata={"help": "OpenCV FourCC of the video codec (4 characters)"})

    def __post_init__(self) -> None:
        if not (0 < self.fps <= 1000):
            raise ValueError(f"fps: must be in (0, 1000], got {self.fps}")
        if self.camera not in CAMERAS:
            raise ValueError(f"camera: must be one of {', '.join(CAMERAS)}, got {self.camera!r}")
        if len(self.codec) != 4:
            raise ValueError(f"codec: a FourCC has 4 characters, got {self.codec!r}")


def default_output(folder: str | os.PathLike) -> Path:
    """`run1` -> `run1.mp4` beside the folder (never inside a recording)."""
    folder = Path(folder).resolve()
    return folder.parent / f"{folder.name}.mp4"


def run_frames(folder: str | os.PathLike, camera: str = "center") -> list[Path]:
    """The frames of a run: `folder/IMG/{camera}_*.jpg`, or the images of a plain image folder.

    A link to a file outside the folder is left out with a warning, as the recorder
    does, so a video never shows (or names) a file the run did not write.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise VideoError(f"{folder}: no such folder")
    image_dir = folder / IMAGE_DIR if (folder / IMAGE_DIR).is_dir() else folder
    images = []
    for path in sorted(p for p in image_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
        problem = check_inside(path, image_dir)
        if problem:
            logger.warning("left out: %s", problem[1])
        else:
            images.append(path)
    named = [p for p in images if p.name.startswith(f"{camera}_")]
    frames = named or images  # a plain image folder (Udacity's drive.py output) has no prefixes
    if not frames:
        raise VideoError(f"{image_dir}: no images (.jpg, .jpeg, .png) to make a video of")
    return frames


def write_video(folder: str | os.PathLike, output: str | os.PathLike, config: VideoConfig = VideoConfig()) -> int:
    """Write the run's frames to `output` atomically; return the number of frames written."""
    frames = run_frames(folder, config.camera)
    first = cv2.imread(str(frames[0]), cv2.IMREAD_COLOR)
    if first is None:
        raise VideoError(f"{frames[0]}: cannot read image")
    height, width = first.shape[:2]
    with atomic_path(output) as tmp:
        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*config.codec), config.fps, (width, height))
        if not writer.isOpened():
            raise VideoError(f"{output}: OpenCV cannot write codec {config.codec!r}")
        try:
            for path in frames:
                image = first if path == frames[0] else cv2.imread(str(path), cv2.IMREAD_COLOR)
                if image is None:
                    raise VideoError(f"{path}: cannot read image")
                if image.shape[:2] != (height, width):
                    raise VideoError(f"{path}: {image.shape[1]}x{image.shape[0]}, the first frame is {width}x{height}")
                writer.write(image)
        finally:
            writer.release()
    logger.info("wrote %d frames to %s (%.1f s at %g fps)", len(frames), output, len(frames) / config.fps, config.fps)
    return len(frames)
