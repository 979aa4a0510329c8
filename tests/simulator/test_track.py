"""Track geometry: closed, smooth, the asked width and length, curves both ways, seeded."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.track import Track, TrackConfig, make_track


@pytest.fixture(scope="module")
def track() -> Track:
    return make_track(TrackConfig(seed=3))


def test_closed_with_even_spacing(track: Track) -> None:
    config = TrackConfig()
    gaps = np.hypot(*(np.roll(track.points, -1, axis=0) - track.points).T)
    # The closing gap (last point back to the first) is like every other step.
    assert gaps[-1] == pytest.approx(config.spacing, rel=0.05)
    assert gaps.min() > 0.9 * config.spacing and gaps.max() < 1.1 * config.spacing
    assert track.length == pytest.approx(config.length, rel=1e-3)


def test_smooth_and_curves_both_ways(track: Track) -> None:
    config = TrackConfig()
    assert np.abs(track.curvature).max() <= 1 / config.min_radius
    assert track.curvature.max() >= 1 / config.turn_radius  # a left curve
    assert track.curvature.min() <= -1 / config.turn_radius  # a right curve
    # Heading changes little between neighbouring points: no kinks.
    turn = np.angle(np.exp(1j * np.diff(np.append(track.headings, track.headings[0]))))
    assert np.abs(turn).max() < config.spacing / config.min_radius * 1.5


def test_width_and_projection(track: Track) -> None:
    assert track.road_width == TrackConfig().road_width
    assert track.half_width == pytest.approx(4.5)
    x, y, heading = track.point_at(123.0)
    left = (x - 2.0 * np.sin(heading), y + 2.0 * np.cos(heading))
    s, cte = track.project(*left)
    assert s == pytest.approx(123.0, abs=0.3)
    assert cte == pytest.approx(2.0, abs=0.05)
    assert track.project(x + 3.0 * np.sin(heading), y - 3.0 * np.cos(heading))[1] == pytest.approx(-3.0, abs=0.05)


def test_far_parts_of_the_road_stay_apart(track: Track) -> None:
    pts = track.points[::8]
    dist = np.hypot(*(pts[:, None] - pts[None]).transpose(2, 0, 1))
    index = np.arange(len(pts)) * 8 * TrackConfig().spacing
    along = np.abs(index[:, None] - index[None])
    along = np.minimum(along, track.length - along)
    assert dist[along > 60].min() > TrackConfig().clearance


def test_seeds_are_deterministic_and_different() -> None:
    a, b = make_track(TrackConfig(seed=5)), make_track(TrackConfig(seed=5))
    c = make_track(TrackConfig(seed=6))
    np.testing.assert_array_equal(a.points, b.points)
    assert not np.allclose(a.points[: len(c.points)], c.points[: len(a.points)], atol=1.0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"length": 200.0}, "length"),
        ({"road_width": 0.0}, "road_width"),
        ({"harmonics": 1}, "harmonics"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_config_names_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        TrackConfig(**kwargs)
