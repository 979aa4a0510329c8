"""What both augmentation paths share: camera slots, the side-camera steering correction, the
lane-centre law, pixel scales.

The per-frame path (`frames`, raw RGB) and the per-batch path (`batches`, preprocessed
YUV) must train on the same distribution for the approaches' comparison to be fair;
these are the pieces whose copies would drift apart (tests/training/augmentation/
test_agreement.py checks the two paths' labels agree).
"""

from __future__ import annotations

import math

import numpy as np

from recorder.camera_geometry import UNITY_CAMERAS, UNITY_GEOMETRY, CameraGeometry, return_steering
from recorder.formats import FRAME_SHAPE
from training.preprocess import PreprocessConfig

__all__ = ["CENTER", "LEFT", "RIGHT", "CAMERA_RIGHT_M", "corrected_steering", "lane_steering", "shifted_steering",
           "turn_steering_per_px", "frame_scale"]

# Camera slots, in the driving log's column order.
CENTER, LEFT, RIGHT = 0, 1, 2
# Each slot's camera x in the car (m, > 0 right of the centre camera): the Unity prefab's.
CAMERA_RIGHT_M = np.array([UNITY_CAMERAS[name][0] - UNITY_CAMERAS["center"][0] for name in ("center", "left", "right")])


def corrected_steering(steering: np.ndarray | float, camera: np.ndarray | int, correction: float) -> np.ndarray:
    """Steering for the chosen camera: +correction for the left one, -correction for the right one.

    The left camera sees the road as if the car were further left, so the car must
    steer more to the right; the right camera the opposite.
    """
    camera = np.asarray(camera)
    return np.asarray(steering) + np.select([camera == LEFT, camera == RIGHT], [correction, -correction], 0.0)


def lane_steering(
    steering: np.ndarray | float,
    lane_offset_m: np.ndarray | float,
    camera: np.ndarray | int,
    right_m: np.ndarray | float,
    yaw_left_rad: np.ndarray | float,
    lookahead_m: float,
) -> np.ndarray:
    """One steering law for every example: pure pursuit to the lane centre, where it was read.

    The recorded driver wanders in the lane and mostly steers 0, while the side
    cameras and synthesised views are labelled with the steering back to the
    driver's path: two laws that disagree about the same picture. Here each
    example's camera, `right_m` to the right of the recorded centre camera
    (side camera plus synthesised shift) and turned `yaw_left_rad`, is
    `lane_offset_m + right_m` right of the lane centre (`lane_offset_m`: the
    row's centre frame's, `recorder.lane_lines`), and its label is the
    pure-pursuit steering to the lane centre `lookahead_m` ahead
    (`return_steering`), the law of the replay's lane-line reference driver
    (`simulator.replay.reference`). Where no lane was read (NaN) `steering`, the
    label from the recorded path, is kept. Flips and shifts come after it.
    """
    offset = lane_offset_m + CAMERA_RIGHT_M[camera] + right_m
    to_centre = return_steering(np.nan_to_num(offset), yaw_left_rad, lookahead_m)
    return np.where(np.isnan(lane_offset_m), steering, to_centre).astype(np.float32)


def shifted_steering(steering: np.ndarray | float, dx: np.ndarray | float,
                     steering_per_px: float) -> np.ndarray | float:
    """Steering for a frame shifted `dx` pixels right: the car looks further left, so it steers right.

    Flips negate the steering and synthesised views add `views.return_steering`; a
    shift adds `steering_per_px` per pixel (in the frame the shift is made on).
    """
    return steering + dx * steering_per_px


def turn_steering_per_px(lookahead_m: float, geometry: CameraGeometry = UNITY_GEOMETRY) -> float:
    """The lane-centre law's steering per pixel of horizontal shift of the 320x160 frame.

    Shifting the frame one pixel sideways is, near the image centre, what turning
    the camera by atan(1 / focal length) does, and `lane_steering` answers a turn
    with `return_steering(0, turn, lookahead_m)`. A shift label of this size says
    what the lane-centre labels of the turned synthesised views say; the
    tutorials' 0.002 per pixel is a fifth of it at 10 m and an eighth at 6 m: it
    taught a turned car to steer back far less hard than the rest of its labels did.
    """
    return float(return_steering(0.0, math.atan(1.0 / geometry.focal_px), lookahead_m, geometry))


def frame_scale(preprocess: PreprocessConfig) -> tuple[float, float]:
    """(x, y) pixels of the preprocessed frame per pixel of the 320x160 frame (after the crop)."""
    return (preprocess.out_width / FRAME_SHAPE[1],
            preprocess.out_height / (FRAME_SHAPE[0] - preprocess.crop_top - preprocess.crop_bottom))
