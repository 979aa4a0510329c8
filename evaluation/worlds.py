"""The worlds a model is scored in: replays of real recordings and unseen built-in tracks.

    worlds = plan_worlds(["../shared/data/user_windows_2023"], EvaluationConfig(tracks=5))
    results = [drive_world(world, "127.0.0.1", port, EvaluationConfig(tracks=5), f"eval/{world.folder_name}")
               for world in worlds]

A replay (`simulator.replay`, Bojarski et al. 2016 section 6) drives the
recorded lap of a real recording, re-rendered for the car's deviation from it;
its `mean_abs_path_offset_m` and `max_abs_path_offset_m` are |d|, the lateral
offset from the recorded path, and an intervention is |d| over `threshold_m`. A
built-in track (`simulator.drive`) is the whole closed loop; there the offset
is the cross-track error from the road's centre line (`mean_abs_cte_m`,
`max_abs_cte_m`) and an intervention is leaving the road. Tables and rankings
read either as "the offset from the world's reference line" through
`world_metric` (keys `mean_abs_reference_offset_m`, `max_abs_reference_offset_m`).
Both reach the drive server only through the simulator's wire protocol, so
what is scored is exactly what would drive the Unity simulator.

Tracks are seeds `first_track_seed`, `first_track_seed + 1`, ...; the default
skips seed 0, the track `simulate.py record` and the demo record on, so a model
trained on built-in recordings is scored on tracks it has never seen.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from recorder.config_fields import check_range, setting
from recorder.formats import LOG_NAME
from simulator.autonomous import DriveConfig, drive
from simulator.replay import ReplayConfig, load_path, replay
from simulator.simulation import SimulatorConfig
from simulator.track import TrackConfig

__all__ = ["REFERENCE_OFFSETS", "REPLAY", "TRACK", "EvaluationConfig", "World", "WorldResult", "drive_world",
           "plan_worlds", "world_metric"]

logger = logging.getLogger(__name__)

REPLAY, TRACK = "replay", "track"

# The offset from a world's reference line, one name for both kinds of world -> the metric holding it in
# each kind's metrics.json: a replay's offset from the recorded path, a track's cross-track error from the centre line.
REFERENCE_OFFSETS = {
    "mean_abs_reference_offset_m": {REPLAY: "mean_abs_path_offset_m", TRACK: "mean_abs_cte_m"},
    "max_abs_reference_offset_m": {REPLAY: "max_abs_path_offset_m", TRACK: "max_abs_cte_m"},
}


def world_metric(kind: str, metrics: Mapping[str, Any], key: str) -> Any:
    """`metrics[key]` of a world of this kind (None where absent); a key of `REFERENCE_OFFSETS` reads the kind's own."""
    return metrics.get(REFERENCE_OFFSETS.get(key, {}).get(kind, key))


@dataclass(frozen=True)
class EvaluationConfig:
    """Which built-in tracks are driven, how far, and the replays' intervention threshold."""

    tracks: int = setting(5, "unseen built-in tracks to drive (0: none)")
    first_track_seed: int = setting(1, "seed of the first track; tracks are this seed and the next ones (default: 1)")
    training_track_seed: int = setting(0, "seed of the built-in track the models were trained on, refused among the driven ones " "(default: 0, the track of simulate.py record and the demo)")
    laps: int = setting(1, "laps driven on each track")
    max_sim_s: float = setting(600.0, "simulated seconds after which a track's run stops even if laps are missing")
    threshold_m: float = setting(1.0, "replays: |offset| from the recorded path that counts as an intervention (m; the paper's 1 m)")
    timeout_s: float = setting(30.0, "longest wait for the drive server's answer (s)")

    def __post_init__(self) -> None:
        for name in ("tracks", "first_track_seed", "training_track_seed"):
            check_range(name, getattr(self, name), low=0)
        if self.training_track_seed in self.track_seeds:
            raise ValueError(
                f"first_track_seed {self.first_track_seed} with {self.tracks} tracks drives seed "
                f"{self.training_track_seed}, the training track (training_track_seed); choose seeds a model has not seen")
        check_range("laps", self.laps, low=1)
        for name in ("max_sim_s", "threshold_m", "timeout_s"):
            check_range(name, getattr(self, name), low=0, low_open=True)

    @property
    def track_seeds(self) -> tuple[int, ...]:
        """The seeds of the tracks driven."""
        return tuple(range(self.first_track_seed, self.first_track_seed + self.tracks))


@dataclass(frozen=True)
class World:
    """One place a model drives: a recording replayed or a built-in track."""

    kind: str  # REPLAY or TRACK
    name: str  # short label for tables, unique in an evaluation
    source: str  # the recording folder, or the track seed as text

    @property
    def folder_name(self) -> str:
        """The world's sub-folder of an evaluation output folder."""
        return self.name.replace(" ", "-")


@dataclass(frozen=True)
class WorldResult:
    """One world driven: its metrics (the world's metrics.json) and the files written."""

    world: World
    metrics: dict[str, Any]
    files: dict[str, str]

    def lap_time_s(self, laps: int) -> float | None:
        """Seconds per lap where all `laps` laps of a track were driven; None otherwise (and for replays)."""
        done = self.metrics.get("laps", 0)
        if self.world.kind != TRACK or done < laps:
            return None
        return self.metrics["elapsed_s"] / done


def plan_worlds(recordings: Sequence[str | os.PathLike], config: EvaluationConfig) -> list[World]:
    """The replays of `recordings`, then the tracks of `config`, checked before anything runs.

    Each recording is read as the replay will read it, so a bad one fails before any model is driven.

    Raises:
        ValueError: no world at all, or a recording folder without a driving_log.csv.
        RecordingError: a recording the replay cannot use.
    """
    worlds: list[World] = []
    names: set[str] = set()
    for recording in recordings:
        folder = Path(recording)
        if not (folder / LOG_NAME).is_file():
            raise ValueError(f"{folder}: not a recording folder (no {LOG_NAME})")
        load_path(folder, ReplayConfig().max_gap_s)
        name, n = f"replay {folder.resolve().name}", 2
        while name in names:  # two folders of one name (a/rec, b/rec)
            name, n = f"replay {folder.resolve().name}-{n}", n + 1
        names.add(name)
        worlds.append(World(REPLAY, name, str(folder)))
    worlds += [World(TRACK, f"track {seed}", str(seed)) for seed in config.track_seeds]
    if not worlds:
        raise ValueError("nothing to drive: give recordings to replay or tracks > 0")
    return worlds


def drive_world(world: World, host: str, port: int, config: EvaluationConfig,
                out_dir: str | os.PathLike | None = None, progress: bool = False) -> WorldResult:
    """Drive one world against the drive server at host:port; its files go to `out_dir` when given.

    Raises:
        RecordingError: a recording that cannot be replayed.
        FolderNotEmptyError: `out_dir` already holds a run.
        WireError: the server cannot be reached, breaks the protocol or stops answering.
    """
    if world.kind == REPLAY:
        result = replay(world.source, ReplayConfig(host=host, port=port, threshold_m=config.threshold_m,
                                                   timeout_s=config.timeout_s), out_dir, progress=progress)
    else:
        result = drive(
            DriveConfig(host=host, port=port, laps=config.laps, timeout_s=config.timeout_s, max_sim_s=config.max_sim_s),
            SimulatorConfig(track=TrackConfig(seed=int(world.source))), out_dir, progress,
        )
    m = result.metrics
    metrics = m.to_dict()
    logger.info("%s: autonomy %.1f %%, %d interventions, mean |offset| from the reference line %.3f m", world.name,
                m.autonomy_percent, m.interventions, world_metric(world.kind, metrics, "mean_abs_reference_offset_m"))
    return WorldResult(world, metrics, {k: str(v) for k, v in result.files.items()})
