"""The Udacity simulator's camera rig, and the homographies that move a camera on flat ground.

It belongs to the recordings: it says where the frames of every `driving_log.csv` the
simulator writes were taken from. The replay simulator re-renders recorded frames with
it (`simulator.replay`), and training synthesises shifted and turned views with it
(`training.augmentation.views`).

Every value comes from the simulator's Unity project, udacity/self-driving-car-sim
(master, commit 7aeb57cf), `Assets/1_SelfDrivingCar/Prefabs/CarWaypointBased.prefab`,
the car that `Assets/1_SelfDrivingCar/Scenes/LakeTrackTraining.unity` places (renamed
CarTraining; the scene changes only its position, rotation and name):

- "Front Camera (Center)" `m_LocalPosition: {x: 0, y: 1.2, z: 1}`, "(Left)" `{x: -0.806,
  y: 1.2, z: 0.984}`, "(Right)" `{x: 0.825, y: 1.2, z: 0.999}`; all three
  `m_LocalRotation: {x: 0.08286793, y: 0.0054213367, z: 0.009921726, w: 0.99649644}`
  (Euler hint 9.445, 0.702, 1.166 degrees: pitched down, a hair of yaw and roll).
- Each camera's `field of view: 60` (Unity's is vertical), rendered into a texture
  (`Assets/1_SelfDrivingCar/Textures/Waypoint Camera (Center).renderTexture`) of
  `m_Width: 320`, `m_Height: 160`.
- `WheelHubFrontLeft` `m_LocalPosition.z: 1.27`, `WheelHubRearLeft` `z: -1.6`: a
  wheelbase of 2.87 m; `m_MaximumSteerAngle: 25` (the wheel angle at steering 1.0).
- The prefab does not state the road's height below the car's origin: the wheel
  colliders hang from hubs at y = 0.45 (front) and 0.58 (rear) with radii 0.335 and
  0.37 and 0.2 m of suspension travel. The lens height above the road, 1.4 m, is the
  value the side-camera check (`simulator.replay.check`) confirms against the
  recorded left and right frames.

Axes are Unity's: x right, y up, z forward, in metres, in the car's frame. Image
pixels: u to the right, v down, (0, 0) the centre of the top-left pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from recorder.config_fields import check_range

__all__ = [
    "CameraGeometry",
    "MAX_STEER_DEG",
    "UNITY_CAMERAS",
    "UNITY_GEOMETRY",
    "ground_homography",
    "return_steering",
    "rotation_homography",
    "yaw_matrix",
]

# Camera positions in the car's frame (x right, y up, z forward), metres: CarWaypointBased.prefab.
UNITY_CAMERAS = {
    "center": (0.0, 1.2, 1.0),
    "left": (-0.806, 1.2, 0.984),
    "right": (0.825, 1.2, 0.999),
}
# The cameras' m_LocalRotation quaternion (x, y, z, w), the same for all three.
UNITY_CAMERA_ROTATION = (0.08286793, 0.0054213367, 0.009921726, 0.99649644)
# Wheel hubs' z (m): front and rear axle positions along the car.
FRONT_AXLE_Z, REAR_AXLE_Z = 1.27, -1.6
# The wheel angle at steering 1.0 (degrees): m_MaximumSteerAngle.
MAX_STEER_DEG = 25.0


def _quaternion_matrix(x: float, y: float, z: float, w: float) -> np.ndarray:
    """Rotation matrix of a quaternion, normalised first (Unity stores 8 digits): camera axes -> car axes."""
    norm = math.sqrt(x * x + y * y + z * z + w * w)
    x, y, z, w = x / norm, y / norm, z / norm, w / norm
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def yaw_matrix(left_rad: float) -> np.ndarray:
    """Rotation of the car's frame by `left_rad` counter-clockwise seen from above (a turn to the left).

    In Unity's left-handed axes a positive rotation about y turns z towards x (right), so a left turn is negative.
    """
    a = -left_rad
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


@dataclass(frozen=True)
class CameraGeometry:
    """Intrinsics and mounting of the simulator's centre camera (side cameras differ only in x, z)."""

    width: int = 320  # image width (px): the render texture's m_Width
    height: int = 160  # image height (px): m_Height
    vertical_fov_deg: float = 60.0  # Unity's vertical field of view (degrees)
    lens_height_m: float = 1.4  # lens above the road (m), confirmed by the side-camera check
    camera_z_m: float = UNITY_CAMERAS["center"][2]  # lens ahead of the car's origin (m)
    rear_axle_z_m: float = REAR_AXLE_Z  # rear axle's position along the car (m)
    wheelbase_m: float = FRONT_AXLE_Z - REAR_AXLE_Z  # axle to axle (m), 2.87
    rotation: tuple[float, float, float, float] = UNITY_CAMERA_ROTATION  # camera quaternion (x, y, z, w)

    def __post_init__(self) -> None:
        for name in ("width", "height", "lens_height_m", "wheelbase_m"):
            check_range(name, getattr(self, name), low=0, low_open=True)
        check_range("vertical_fov_deg", self.vertical_fov_deg, low=0, high=180, low_open=True, high_open=True)
        if abs(float(np.linalg.norm(self.rotation)) - 1.0) > 1e-3:
            raise ValueError(f"rotation must be a unit quaternion, got {self.rotation}")

    @property
    def focal_px(self) -> float:
        """Focal length in pixels: half the image height over tan(half the vertical field of view)."""
        return self.height / 2 / math.tan(math.radians(self.vertical_fov_deg) / 2)

    @property
    def intrinsics(self) -> np.ndarray:
        """K: camera (x right, y up, z forward) -> pixel (u right, v down)."""
        f = self.focal_px
        return np.array([[f, 0.0, (self.width - 1) / 2], [0.0, -f, (self.height - 1) / 2], [0.0, 0.0, 1.0]])

    @property
    def camera_rotation(self) -> np.ndarray:
        """Camera axes -> car axes."""
        return _quaternion_matrix(*self.rotation)

    @property
    def camera_ahead_of_rear_axle_m(self) -> float:
        """Distance from the rear axle (the bicycle model's reference point) forward to the lens (m)."""
        return self.camera_z_m - self.rear_axle_z_m

    def horizon_row(self) -> float:
        """Image row of the horizon at the image's centre column (px from the top)."""
        k_inv = np.linalg.inv(self.intrinsics)
        r = self.camera_rotation @ k_inv
        # r_y(u, v) = r[1, 0] u + r[1, 1] v + r[1, 2] = 0 at the horizon.
        u = (self.width - 1) / 2
        return float(-(r[1, 0] * u + r[1, 2]) / r[1, 1])


# The simulator's own rig, as the prefab gives it.
UNITY_GEOMETRY = CameraGeometry()


def ground_homography(geometry: CameraGeometry, right_m: float, forward_m: float, yaw_left_rad: float) -> np.ndarray:
    """H mapping a pixel of a moved camera to the pixel of the original camera that sees the same road point.

    The moved camera sits `right_m`, `forward_m` from the original (at the same
    height) and is turned `yaw_left_rad` to the left. For a ray r of the moved
    camera (car axes), the road point seen is C1 - h r / r_y, so relative to the
    original camera it is, up to the positive scale -r_y, (h I - t e_y^T) r.
    """
    k = geometry.intrinsics
    r0 = geometry.camera_rotation
    r1 = yaw_matrix(yaw_left_rad) @ r0
    t = np.array([right_m, 0.0, forward_m])
    plane = geometry.lens_height_m * np.eye(3) - np.outer(t, [0.0, 1.0, 0.0])
    return k @ r0.T @ plane @ r1 @ np.linalg.inv(k)


def rotation_homography(geometry: CameraGeometry, yaw_left_rad: float) -> np.ndarray:
    """H for points at infinity (above the horizon): only the turn moves them."""
    k = geometry.intrinsics
    r0 = geometry.camera_rotation
    return k @ r0.T @ yaw_matrix(yaw_left_rad) @ r0 @ np.linalg.inv(k)


def return_steering(
    right_m: np.ndarray | float,
    yaw_left_rad: np.ndarray | float,
    lookahead_m: float,
    geometry: CameraGeometry = UNITY_GEOMETRY,
) -> np.ndarray:
    """Steering (> 0 right, 1.0 = the wheel's 25 degrees) to add for a camera moved and turned off the path.

    Pure pursuit: the path's point `lookahead_m` ahead lies x = L sin(yaw) - d cos(yaw)
    to the right of a car `right_m` (d) right of the path and turned `yaw_left_rad`
    left; the arc through it has curvature 2x / L^2, and the bicycle model's wheel
    angle for it is atan(wheelbase * curvature).
    """
    right_m, yaw_left_rad = np.asarray(right_m, np.float64), np.asarray(yaw_left_rad, np.float64)
    target_right = lookahead_m * np.sin(yaw_left_rad) - right_m * np.cos(yaw_left_rad)
    curvature = 2.0 * target_right / lookahead_m**2  # > 0 turns right
    return np.degrees(np.arctan(geometry.wheelbase_m * curvature)) / MAX_STEER_DEG
