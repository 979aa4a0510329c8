"""The side-camera check of the replay's geometry."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from simulator.replay.check import CheckConfig, check_side_cameras
from simulator.replay.plots import plot_check


def test_the_unity_offset_predicts_the_real_side_cameras(shared_data: Path, tmp_path: Path) -> None:
    check = check_side_cameras(shared_data / "user_windows_2020", CheckConfig(frames=6, scales=(0.0, 0.5, 1.0, 1.5)))
    for side in ("left", "right"):
        assert check.structure[side][1.0] < 0.8 * check.structure[side][0.0]
        assert check.best_scale(side) == 1.0
        assert check.photometric[side][1.0] < check.photometric[side][0.0]
    assert len(check.table_rows()) == 2
    assert cv2.imread(str(plot_check([check], tmp_path / "check.png"))) is not None


def test_config_names_the_field() -> None:
    with pytest.raises(ValueError, match="scales"):
        CheckConfig(scales=(0.5, 1.0))
