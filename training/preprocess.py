"""The one preprocessing step shared by training and the drive server.

A simulator frame (RGB, 160x320, uint8) becomes a PilotNet input (YUV, 66x200,
uint8): crop the sky and the bonnet, resize with INTER_AREA, convert RGB to YUV,
as in NVIDIA's PilotNet paper. The result stays uint8 (39,600 bytes); scaling to
floats happens inside the model. A model file records the config it was trained
with (`preprocess_spec`), and loading it checks that spec against this code.

The other kind, `RAW_FRAME`, is for models that do their own cropping, resizing
and scaling inside the graph, as users who followed the Udacity course build
them (the published models in ../shared/peers): they take the simulator's frame
as it arrives, so `preprocess` hands it over unchanged and nothing in the drive
path preprocesses such a model twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import cv2
import numpy as np

from recorder.config_fields import check_range
from recorder.formats import FRAME_SHAPE

__all__ = [
    "PreprocessConfig",
    "Preprocessing",
    "RAW_FRAME",
    "RawFrame",
    "DEFAULT_PREPROCESS",
    "PREPROCESS_NAME",
    "PREPROCESS_VERSION",
    "preprocess",
    "preprocess_spec",
    "config_from_spec",
]

PREPROCESS_NAME = "crop-resize-yuv"
# Bump when the function's behaviour changes for the same parameters.
PREPROCESS_VERSION = 1
RAW_FRAME_NAME = "raw-frame"
RAW_FRAME_VERSION = 1


@dataclass(frozen=True)
class PreprocessConfig:
    """Parameters of `preprocess`; recorded in every saved model."""

    crop_top: int = 60  # rows of sky and trees removed from the top (px of 160)
    crop_bottom: int = 25  # rows of the car's bonnet removed from the bottom (px)
    out_height: int = 66  # PilotNet input height (px)
    out_width: int = 200  # PilotNet input width (px)

    def __post_init__(self) -> None:
        for f in fields(self):
            check_range(f.name, getattr(self, f.name), low=0)
        if self.crop_top + self.crop_bottom >= FRAME_SHAPE[0]:
            raise ValueError(
                f"crop_top + crop_bottom must be < {FRAME_SHAPE[0]}, "
                f"got {self.crop_top} + {self.crop_bottom}"
            )
        check_range("out_height", self.out_height, low=1)
        check_range("out_width", self.out_width, low=1)

    @property
    def output_shape(self) -> tuple[int, int, int]:
        """Shape of a preprocessed frame (height, width, channels)."""
        return (self.out_height, self.out_width, 3)


DEFAULT_PREPROCESS = PreprocessConfig()


@dataclass(frozen=True)
class RawFrame:
    """No preprocessing: the model takes the simulator's RGB uint8 160x320 frame and does its own in the graph."""

    @property
    def output_shape(self) -> tuple[int, int, int]:
        """Shape of the frame the model takes: the simulator's (height, width, channels)."""
        return (*FRAME_SHAPE, 3)


RAW_FRAME = RawFrame()
# What a model's contract may name: the PilotNet preprocessing or the raw frame.
Preprocessing = PreprocessConfig | RawFrame


def preprocess(rgb: np.ndarray, config: Preprocessing = DEFAULT_PREPROCESS) -> np.ndarray:
    """Turn one RGB uint8 160x320 frame into a YUV uint8 frame of `config.output_shape`.

    With `RAW_FRAME` the frame itself is returned (checked, not copied).

    Raises:
        ValueError: if the frame is not uint8 of shape (160, 320, 3).
    """
    if rgb.dtype != np.uint8 or rgb.shape != (*FRAME_SHAPE, 3):
        raise ValueError(
            f"expected a uint8 frame of shape {(*FRAME_SHAPE, 3)}, got {rgb.dtype} {rgb.shape}"
        )
    if isinstance(config, RawFrame):
        return rgb
    cropped = rgb[config.crop_top : FRAME_SHAPE[0] - config.crop_bottom]
    resized = cv2.resize(
        cropped, (config.out_width, config.out_height), interpolation=cv2.INTER_AREA
    )
    return cv2.cvtColor(resized, cv2.COLOR_RGB2YUV)


def preprocess_spec(config: Preprocessing = DEFAULT_PREPROCESS) -> dict[str, Any]:
    """The JSON-able record of a preprocessing, stored beside a model."""
    if isinstance(config, RawFrame):
        return {"name": RAW_FRAME_NAME, "version": RAW_FRAME_VERSION, "params": {}}
    return {"name": PREPROCESS_NAME, "version": PREPROCESS_VERSION, "params": asdict(config)}


def config_from_spec(spec: dict[str, Any]) -> Preprocessing:
    """Rebuild the config from a recorded spec; raise ValueError if this code cannot run it."""
    name, version = spec.get("name"), spec.get("version")
    if (name, version) == (RAW_FRAME_NAME, RAW_FRAME_VERSION):
        if spec.get("params"):
            raise ValueError(f"preprocessing {RAW_FRAME_NAME!r} takes no parameters, got {sorted(spec['params'])}")
        return RAW_FRAME
    if name != PREPROCESS_NAME or version != PREPROCESS_VERSION:
        raise ValueError(
            f"model was trained with preprocessing {name!r} v{version}, this code implements "
            f"{PREPROCESS_NAME!r} v{PREPROCESS_VERSION} and {RAW_FRAME_NAME!r} v{RAW_FRAME_VERSION}"
        )
    try:
        return PreprocessConfig(**spec["params"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"bad preprocessing parameters in model record: {exc}") from exc
