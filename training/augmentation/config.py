"""Parameters of the training augmentations, shared by the per-frame augmentations
on the 320x160 RGB frame (generator and in-memory approaches,
`training.augmentation.frames`) and the per-batch ones on preprocessed YUV frames
(pipeline approach, `training.augmentation.batches`); both are OpenCV and NumPy.

The side cameras' 0.2 steering correction follows the tutorials this field
learned from (naokishibuya's car-behavioral-cloning). The synthesised views
(`training.augmentation.views`) are NVIDIA's; view synthesis with these ranges
and look-ahead drove the replays of other people's laps better than none; wider
ranges with a 4 m look-ahead gave the best single run but not across three seeds
(docs/replay.md, "Recipe study"). By default every approach labels every example
(centre and side cameras, synthesised views, shifts) with one law, pure pursuit
to the lane centre 6 m ahead read from the row's recorded centre frame's yellow
lines (`lane_labels`, `training.augmentation.labels.lane_steering`), and keeps
the path's labels above only where the lines are not read. A horizontal shift
of the frame is the view of a turned camera, so its label is the law's answer
to that turn (`labels.turn_steering_per_px`: 0.0158 per pixel at 6 m); the
tutorials' 0.002 per pixel answered a turn a fifth as hard as the views' labels
did at 10 m, and with it a shorter look-ahead did not bring the car nearer the
lane centre on other people's laps. With shift labels that agree, 6 m (and 20
epochs) drove them with the fewest interventions nearest the lane centre of the
recipes tried over three seeds (docs/replay.md, "Third round"). The tutorials' random shadow darkens either side of a random
line with equal chance; both paths draw the side with `shadow_left_probability`. Saturation
(`saturation_range`) varies the colour the way other renderings of the track
(another version or quality setting of the simulator) do: a model trained without
it changed its steering on its own frames when their colour was washed out or
deepened, and read other people's laps with a bias.
"""

from __future__ import annotations

from dataclasses import dataclass

from recorder.config_fields import check_range, setting
from training.augmentation.labels import turn_steering_per_px

__all__ = ["AugmentConfig", "DEFAULT_AUGMENT"]

# The lane-centre law's look-ahead; the default shift label is that law's answer to the turn a shift shows.
LANE_LOOKAHEAD_M = 6.0


@dataclass(frozen=True)
class AugmentConfig:
    """How each training sample is varied; each field has its unit."""

    camera_correction: float = setting(0.2, "steering added for the left camera, subtracted for the right")
    max_view_offset_m: float = setting(1.0, "synthesised view: camera shifted up to this far sideways (m, either way)")
    max_view_turn_deg: float = setting(5.0, "synthesised view: camera turned up to this far (degrees, either way)")
    view_lookahead_m: float = setting(5.0, "its steering aims at the recorded path this far ahead (m)")
    lane_labels: bool = setting(
        True, "label every example with the steering to the lane centre read from its row's "
              "recorded centre frame's yellow lines, where both are read (recorder.lane_lines)")
    lane_lookahead_m: float = setting(
        LANE_LOOKAHEAD_M, "lane-centre labels: pure pursuit to the lane centre this far ahead (m); change "
             "--augment-steering-per-px with it (labels.turn_steering_per_px)")
    flip_probability: float = setting(0.5, "chance of a horizontal flip (steering negated)")
    max_shift_x: float = setting(50.0, "max horizontal translation, px of the 320-px frame (either way)")
    max_shift_y: float = setting(10.0, "max vertical translation, px of the 160-px frame (either way)")
    steering_per_px: float = setting(
        round(turn_steering_per_px(LANE_LOOKAHEAD_M), 4), "steering added per px of horizontal shift: the lane-centre law's answer to the camera turn one px "
                "of shift shows (0.0158 at 6 m, 0.0136 at 7 m, 0.0095 at 10 m; the tutorials' 0.002)")
    shadow_probability: float = setting(0.5, "chance of a random shadow band")
    shadow_darkness: float = setting(0.5, "brightness factor inside a shadow (0 black, 1 none)")
    shadow_left_probability: float = setting(0.5, "chance a shadow darkens the left side of its line (else the right)")
    brightness_range: tuple[float, float] = setting((0.6, 1.4), "random brightness factor (min, max)")
    saturation_range: tuple[float, float] = setting(
        (0.5, 1.5), "random saturation factor (min, max): colour's distance from grey is scaled, brightness kept")

    def __post_init__(self) -> None:
        for name in ("flip_probability", "shadow_probability", "shadow_darkness", "shadow_left_probability"):
            check_range(name, getattr(self, name), low=0, high=1)
        for name in ("camera_correction", "max_shift_x", "max_shift_y", "steering_per_px",
                     "max_view_offset_m", "max_view_turn_deg"):
            check_range(name, getattr(self, name), low=0)
        for name in ("view_lookahead_m", "lane_lookahead_m"):
            check_range(name, getattr(self, name), low=0, low_open=True)
        low, high = self.brightness_range
        if not 0 < low <= high:
            raise ValueError(f"brightness_range must satisfy 0 < min <= max, got {self.brightness_range}")
        low, high = self.saturation_range
        if not 0 <= low <= high:
            raise ValueError(f"saturation_range must satisfy 0 <= min <= max, got {self.saturation_range}")


DEFAULT_AUGMENT = AugmentConfig()
