"""A video of a recorded run, as Udacity's video.py makes one: `run1/` -> `run1.mp4`.

Frames are the run's centre-camera JPEGs in file-name order (the simulator's
names are timestamps, so name order is time order). PyAV, whose wheels ship
FFmpeg with libx264, encodes them in-process: by default H.264 in `yuv420p`
with the index (`moov`) at the front ("faststart"), which every browser plays
in a `<video>` element and streams before the file has fully arrived;
`--codec mp4v` writes MPEG-4 Part 2, as Udacity's video.py does (VLC plays it,
browsers do not). The file is written to a temporary name beside the target
and renamed when complete, so a half-written video never carries the final name.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from recorder.atomic import atomic_path
from recorder.config_fields import check_range, setting
from recorder.formats import CAMERAS, IMAGE_DIR
from recorder.images import check_inside

__all__ = ["VideoConfig", "VideoError", "CODECS", "default_output", "run_frames", "write_video"]

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
# --codec -> FFmpeg encoder. H.264 is what browsers play; mp4v (MPEG-4 Part 2) is Udacity's.
CODECS = {"h264": "libx264", "mp4v": "mpeg4"}
# yuv420p halves the chroma in both directions, so the encoders need even frame sizes.
PIXEL_FORMAT = "yuv420p"
# Constant quality for each encoder. x264: crf 20 (its default is 23). mpeg4: quantiser 3
# (FFmpeg's `-q:v 3`; a lambda is 118 per quantiser step); at FFmpeg's default 200 kb/s it
# smeared the road (22 dB PSNR). On the first 100 frames of ../shared/data/user_windows_2020:
# H.264 35 dB in 1.3 MB, mp4v 38 dB in 2.7 MB.
ENCODER_OPTIONS = {"h264": {"crf": "20"}, "mp4v": {"flags": "+qscale", "global_quality": str(3 * 118)}}


class VideoError(ValueError):
    """The run folder has no usable frames, or a frame cannot be read."""


@dataclass(frozen=True)
class VideoConfig:
    """How the video is made."""

    fps: float = setting(60.0, "frames per second of the video (Udacity's default 60)")
    camera: str = setting("center", "camera whose frames are used", choices=CAMERAS)
    codec: str = setting("h264", "h264 (plays in browsers) or mp4v (MPEG-4 Part 2, as Udacity's video.py)",
                         choices=tuple(CODECS))

    def __post_init__(self) -> None:
        check_range("fps", self.fps, low=0, high=1000, low_open=True)
        if self.camera not in CAMERAS:
            raise ValueError(f"camera: must be one of {', '.join(CAMERAS)}, got {self.camera!r}")
        if self.codec not in CODECS:
            raise ValueError(f"codec: must be one of {', '.join(CODECS)}, got {self.codec!r}")


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


def _read_rgb(path: Path, size: tuple[int, int] | None) -> np.ndarray:
    """One frame as RGB; `size` (width, height) is the first frame's, which every frame must have."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise VideoError(f"{path}: cannot read image")
    height, width = image.shape[:2]
    if size is not None and (width, height) != size:
        raise VideoError(f"{path}: {width}x{height}, the first frame is {size[0]}x{size[1]}")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _even(image: np.ndarray) -> np.ndarray:
    """The frame padded by one black row or column where its size is odd (see PIXEL_FORMAT)."""
    height, width = image.shape[:2]
    return np.pad(image, ((0, height % 2), (0, width % 2), (0, 0)))


def write_video(folder: str | os.PathLike, output: str | os.PathLike, config: VideoConfig = VideoConfig()) -> int:
    """Write the run's frames to `output` atomically; return the number of frames written."""
    frames = run_frames(folder, config.camera)
    first = _read_rgb(frames[0], None)
    size = (first.shape[1], first.shape[0])
    with atomic_path(output) as tmp:
        # faststart: FFmpeg moves the index to the front once the frames are written.
        with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as container:
            stream = container.add_stream(CODECS[config.codec], rate=Fraction(config.fps).limit_denominator(1001))
            stream.width, stream.height = size[0] + size[0] % 2, size[1] + size[1] % 2
            stream.pix_fmt = PIXEL_FORMAT
            stream.options = ENCODER_OPTIONS[config.codec]
            for path in frames:
                image = first if path == frames[0] else _read_rgb(path, size)
                container.mux(stream.encode(av.VideoFrame.from_ndarray(_even(image), format="rgb24")))
            container.mux(stream.encode())  # flush the encoder's delayed frames
    logger.info("wrote %d frames to %s (%.1f s at %g fps)", len(frames), output, len(frames) / config.fps, config.fps)
    return len(frames)
