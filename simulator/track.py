"""A closed, smooth road generated from a seed, and where a car stands on it.

The centre line is a closed curve in polar form, r(theta) = R (1 + sum_k a_k
cos(k theta + phi_k)), with random low harmonics. Curves are drawn from the
seed's generator until one meets the config (tightest radius, curves both ways,
no part of the road close to another part), so one seed always gives one track.
A polar curve with r > 0 never crosses itself.
Coordinates are metres in a world frame with x east and y north; headings are
radians counter-clockwise from +x.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recorder.config_fields import check_range, setting
from simulator.checks import check_ranges

__all__ = ["TrackConfig", "Track", "make_track"]

# Dense samples of the polar curve used to measure its arc length.
_DENSE_SAMPLES = 8192
# A curve is tried this many times per seed before giving up.
_MAX_ATTEMPTS = 500


@dataclass(frozen=True)
class TrackConfig:
    """How a track is generated."""

    seed: int = setting(0, "seed of the track: different seeds give different tracks")
    length: float = setting(800.0, "lap length along the centre line, 500..1500 (m)")
    road_width: float = setting(9.0, "asphalt width, edge to edge (m)")
    harmonics: int = setting(5, "highest harmonic of the radius function (>= 2)")
    roughness: float = setting(0.35, "amplitude scale of the harmonics (fraction of the mean radius)")
    min_radius: float = setting(25.0, "tightest allowed curve radius (m)")
    turn_radius: float = setting(150.0, "a curve this tight must exist both left and right (m)")
    clearance: float = setting(25.0, "least distance between centre-line parts far apart along it (m)")
    spacing: float = setting(0.5, "distance between stored centre-line points (m)")

    def __post_init__(self) -> None:
        check_ranges(self)
        check_range("length", self.length, low=500.0, high=1500.0)
        check_range("harmonics", self.harmonics, low=2)
        if self.min_radius <= self.road_width / 2:
            raise ValueError("min_radius must exceed half the road_width")
        if self.clearance <= self.road_width:
            raise ValueError("clearance must exceed road_width")


class Track:
    """A closed centre line sampled every `spacing` metres, with its road width."""

    def __init__(self, points: np.ndarray, road_width: float, seed: int = 0) -> None:
        self.points = np.ascontiguousarray(points, dtype=np.float64)  # (N, 2) metres
        self.road_width = float(road_width)
        self.seed = seed
        seg = np.roll(self.points, -1, axis=0) - self.points
        self._seg = seg
        self._seg_len = np.hypot(seg[:, 0], seg[:, 1])
        self.s = np.concatenate([[0.0], np.cumsum(self._seg_len)[:-1]])  # arc length (m)
        self.length = float(self._seg_len.sum())
        # Central differences on the closed curve: smooth tangents and curvature.
        d = np.roll(self.points, -1, axis=0) - np.roll(self.points, 1, axis=0)
        self.headings = np.arctan2(d[:, 1], d[:, 0])  # radians, direction of travel
        dh = np.angle(np.exp(1j * (np.roll(self.headings, -1) - np.roll(self.headings, 1))))
        self.curvature = dh / (2 * self._seg_len.mean())  # 1/m, > 0 turns left

    @property
    def half_width(self) -> float:
        """Half the road width (m): farther from the centre line is off the road."""
        return self.road_width / 2

    def normals(self) -> np.ndarray:
        """Unit vectors pointing left of the direction of travel, (N, 2)."""
        return np.stack([-np.sin(self.headings), np.cos(self.headings)], axis=1)

    def offset_curve(self, offset: float) -> np.ndarray:
        """Points `offset` metres left (negative: right) of the centre line, (N, 2)."""
        return self.points + offset * self.normals()

    def point_at(self, s: float) -> tuple[float, float, float]:
        """Centre-line (x, y, heading) at arc length `s` (m, any real; wraps per lap)."""
        s = float(s) % self.length
        i = int(np.searchsorted(self.s, s, side="right") - 1)
        t = (s - self.s[i]) / self._seg_len[i]
        x, y = self.points[i] + t * self._seg[i]
        heading = float(np.arctan2(self._seg[i, 1], self._seg[i, 0]))
        return float(x), float(y), heading

    def project(self, x: float, y: float) -> tuple[float, float]:
        """Nearest centre-line point to (x, y): its arc length `s` (m) and the
        cross-track error (m, signed, > 0 left of the centre line)."""
        p = np.array([x, y])
        rel = p - self.points
        t = np.clip((rel * self._seg).sum(axis=1) / self._seg_len**2, 0.0, 1.0)
        closest = rel - t[:, None] * self._seg
        dist2 = (closest**2).sum(axis=1)
        i = int(np.argmin(dist2))
        seg = self._seg[i]
        cross = seg[0] * rel[i, 1] - seg[1] * rel[i, 0]
        cte = float(np.sqrt(dist2[i])) * (1.0 if cross >= 0 else -1.0)
        s = (self.s[i] + t[i] * self._seg_len[i]) % self.length
        return float(s), cte


def _polar_curve(rng: np.random.Generator, config: TrackConfig):
    """One random radius function: coefficients (k, a_k, phi_k)."""
    ks = np.arange(2, config.harmonics + 1)
    amps = rng.uniform(0.3, 1.0, len(ks)) * config.roughness / ks**0.7
    phases = rng.uniform(0, 2 * np.pi, len(ks))
    return ks, amps, phases


def _sample(ks, amps, phases, theta: np.ndarray) -> np.ndarray:
    r = 1.0 + (amps[:, None] * np.cos(ks[:, None] * theta[None, :] + phases[:, None])).sum(0)
    return np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)


def _acceptable(track: Track, config: TrackConfig) -> bool:
    k = track.curvature
    if np.abs(k).max() > 1.0 / config.min_radius:
        return False
    if k.max() < 1.0 / config.turn_radius or k.min() > -1.0 / config.turn_radius:
        return False
    # Parts of the road far apart along the lap must not come close in space.
    step = max(1, int(round(2.0 / config.spacing)))
    pts, s = track.points[::step], track.s[::step]
    gap = np.abs(s[:, None] - s[None, :])
    gap = np.minimum(gap, track.length - gap)
    dist = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    far_apart = gap > config.clearance * np.pi / 2
    return bool(dist[far_apart].min() > config.clearance) if far_apart.any() else True


def make_track(config: TrackConfig = TrackConfig()) -> Track:
    """Generate the track of `config.seed`; the same config always gives the same track.

    Raises:
        RuntimeError: if no curve from this seed meets the config.
    """
    rng = np.random.default_rng(config.seed)
    theta = np.linspace(0.0, 2 * np.pi, _DENSE_SAMPLES, endpoint=False)
    for _ in range(_MAX_ATTEMPTS):
        ks, amps, phases = _polar_curve(rng, config)
        if amps.sum() >= 0.9:  # keep r(theta) > 0, so the curve cannot loop over itself
            continue
        clockwise = bool(rng.integers(2))
        rotation = rng.uniform(0, 2 * np.pi)
        dense = _sample(ks, amps, phases, theta)
        seg = np.hypot(*(np.roll(dense, -1, axis=0) - dense).T)
        scale = config.length / seg.sum()
        # Resample the analytic curve at equal arc-length steps.
        cum = np.concatenate([[0.0], np.cumsum(seg)]) * scale
        n = int(round(config.length / config.spacing))
        want = np.arange(n) * (cum[-1] / n)
        theta_s = np.interp(want, cum, np.append(theta, 2 * np.pi))
        pts = _sample(ks, amps, phases, theta_s) * scale
        c, s = np.cos(rotation), np.sin(rotation)
        pts = pts @ np.array([[c, s], [-s, c]])
        if clockwise:
            pts = pts[::-1].copy()
        track = Track(pts, config.road_width, seed=config.seed)
        if _acceptable(track, config):
            return track
    raise RuntimeError(f"no track from seed {config.seed} meets {config}")
