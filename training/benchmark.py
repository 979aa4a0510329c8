"""Measuring training approaches against the compute ceiling, in one process, on the same data.

The compute ceiling is `model.fit` on uint8 tensors already in memory (same
model, batch and seed): no data work at all. Each approach is then measured as
a run does it: `prepare` (timed) and `fit` (timed per epoch). Throughput is
taken over the epochs after the first (the first also traces the graph), and
every number is reported as a ratio to the ceiling measured in the same run,
because absolute speeds on a shared CPU drift: the ceiling is measured before
and after every approach, and the mean of those two is that approach's reference;
with `repeats` > 1 the rounds are interleaved and the summary shows medians.

Rows are `(label, measure)` pairs; `default_rows()` is the ceiling plus every
registered approach, so a new approach (e.g. `pipeline`) shows up by itself.
With several precisions (`training.precision`) every row is measured in each,
one after the other (`in-memory`, then `in-memory:bf16`), and every ratio is
still to the float32 ceiling, so a mixed-precision row above 1 is faster than
float32 could ever be; the summary adds each row's speed-up over its float32 twin.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from recorder.config_fields import check_range, setting
from recorder.sample import Sample
from training.approaches import PrepareContext, approach_names, get_approach
from training.augmentation.config import DEFAULT_AUGMENT
from training.config import TrainConfig
from training.data.examples import centre_examples, epoch_indices
from training.precision import (
    FLOAT32,
    PRECISIONS,
    check_precision,
    precision_policy,
    short_name,
)
from training.preprocess import DEFAULT_PREPROCESS

__all__ = [
    "BenchConfig",
    "BenchData",
    "Measurement",
    "CEILING",
    "measure_ceiling",
    "measure_approach",
    "default_rows",
    "run_benchmark",
    "summary",
    "row_label",
]

logger = logging.getLogger(__name__)

CEILING = "ceiling"


@dataclass(frozen=True)
class BenchConfig:
    """Size of the benchmark; equal for every row."""

    # examples per epoch
    samples_per_epoch: int = setting(1024, "examples per epoch")
    # epochs per row (the first is warm-up for throughput; >= 2)
    epochs: int = setting(3, "epochs per row; the first is warm-up (>= 2)")
    # examples per batch
    batch_size: int = setting(64, "examples per batch")
    # seed of the model and the example draws
    seed: int = setting(0, "random seed")
    # rows of the synthetic recording made when no LOG_DIR is given
    synthetic_rows: int = setting(200, "rows of the generated recording")
    # decode threads for preparation (0 = one per core)
    threads: int = setting(0, "decode threads for preparation (0 = one per core)")
    # generator approach: Keras PyDataset workers
    loader_workers: int = setting(1, "generator approach: PyDataset workers")
    # rounds of measurements; the summary shows medians (a shared CPU's speed drifts)
    repeats: int = setting(1, "rounds of measurements (summary shows medians)")
    # training precisions each row is measured in (auto: mixed_bfloat16 where the hardware computes it natively)
    precisions: tuple[str, ...] = setting(
        (FLOAT32, "auto"), "precisions to measure every row in (auto: mixed_bfloat16 on bfloat16 hardware, else "
        "float32; default: float32 auto)", choices=PRECISIONS)

    def __post_init__(self) -> None:
        for name in ("samples_per_epoch", "batch_size", "synthetic_rows", "loader_workers", "repeats"):
            check_range(name, getattr(self, name), low=1)
        check_range("epochs", self.epochs, low=2, unit="(the first is warm-up)")
        check_range("threads", self.threads, low=0)
        if not self.precisions:
            raise ValueError("precisions must name at least one precision")
        for name in self.precisions:
            check_precision(name)


@dataclass(frozen=True)
class BenchData:
    """What every row trains on."""

    samples: Sequence[Sample]  # the recording's usable rows
    config: BenchConfig
    work_dir: Path  # scratch folder (a disk-backed store may live here)
    cache: dict = field(default_factory=dict, compare=False)  # the ceiling's tensors, made once

    def train_config(self, approach: str) -> TrainConfig:
        """The TrainConfig an approach is measured with."""
        c = self.config
        return TrainConfig(
            approach=approach, epochs=c.epochs, batch_size=c.batch_size, samples_per_epoch=c.samples_per_epoch,
            seed=c.seed, threads=c.threads, loader_workers=c.loader_workers, verbose=0,
        )


@dataclass
class Measurement:
    """Time spent by one row."""

    label: str
    prepare_seconds: float  # data preparation before fit
    epoch_seconds: list[float]  # wall time of each epoch of fit
    images_per_epoch: int
    ceiling: float | None = None  # ceiling images/s measured around this row (mean before/after)

    @property
    def train_seconds(self) -> float:
        return float(sum(self.epoch_seconds))

    @property
    def total_seconds(self) -> float:
        return self.prepare_seconds + self.train_seconds

    @property
    def images_per_second(self) -> float:
        """Steady training throughput: epochs after the first."""
        steady = self.epoch_seconds[1:] or self.epoch_seconds
        return self.images_per_epoch * len(steady) / sum(steady)


def row_label(name: str, policy: str = FLOAT32) -> str:
    """`name` for float32, `name:bf16` (or `:f16`) for a mixed-precision row."""
    return name if policy == FLOAT32 else f"{name}:{short_name(policy)}"


def _fit(label: str, data: BenchData, x: object, y: object, prepare_seconds: float, policy: str = FLOAT32,
         **fit_kwargs: object) -> Measurement:
    c = data.config
    import keras  # TensorFlow only to measure: `bench-training --help` stays light

    from training.model import build_pilotnet, compile_pilotnet
    from training.run.train import EpochTimer

    keras.backend.clear_session()  # each row starts from a fresh graph, as a run's process does
    keras.utils.set_random_seed(c.seed)
    with precision_policy(policy):
        model = compile_pilotnet(build_pilotnet(DEFAULT_PREPROCESS.output_shape, c.seed))
    history = model.fit(x, y, epochs=c.epochs, callbacks=[EpochTimer()], verbose=0, **fit_kwargs).history
    result = Measurement(label, prepare_seconds, [float(s) for s in history["seconds"]], c.samples_per_epoch)
    logger.info("%s: %.0f images/s", label, result.images_per_second)
    return result


def measure_ceiling(data: BenchData, policy: str = FLOAT32) -> Measurement:
    """model.fit on uint8 tensors already in memory (the frames are centre frames), under `policy`."""
    import tensorflow as tf

    c = data.config
    if "ceiling" not in data.cache:
        rows = epoch_indices(len(data.samples), c.samples_per_epoch, c.seed, 0)
        frames, steering = centre_examples([data.samples[int(i)] for i in rows], DEFAULT_PREPROCESS, c.threads or 1)
        data.cache["ceiling"] = (tf.constant(frames), tf.constant(steering))
    x, y = data.cache["ceiling"]
    return _fit(row_label(CEILING, policy), data, x, y, 0.0, policy, batch_size=c.batch_size, shuffle=False)


def measure_approach(name: str, policy: str = FLOAT32) -> Callable[[BenchData], Measurement]:
    """A row that prepares and fits like `training.run.train` does with approach `name`, under `policy`."""

    def measure(data: BenchData) -> Measurement:
        config = data.train_config(name)
        context = PrepareContext(
            train=data.samples, config=config, samples_per_epoch=config.samples_per_epoch or 0,
            augment=DEFAULT_AUGMENT, preprocess=DEFAULT_PREPROCESS, run_dir=data.work_dir / name,
        )
        start = time.perf_counter()
        prepared = get_approach(name).prepare(context)
        prepare_seconds = time.perf_counter() - start
        return _fit(row_label(name, policy), data, prepared.x, prepared.y, prepare_seconds, policy,
                    **prepared.fit_kwargs)

    return measure


def default_rows(
    policies: Sequence[str] = (FLOAT32,), names: Sequence[str] | None = None
) -> list[tuple[str, Callable[[BenchData], Measurement]]]:
    """The ceiling, then every registered approach (generator, in-memory, then others), each in every
    policy in turn; `names` keeps only those rows (ceiling and approach names)."""
    rows: list[tuple[str, Callable[[BenchData], Measurement]]] = []
    for name in (CEILING, *approach_names()):
        if names is not None and name not in names:
            continue
        for policy in policies:
            if name == CEILING:
                rows.append((row_label(name, policy), lambda data, policy=policy: measure_ceiling(data, policy)))
            else:
                rows.append((row_label(name, policy), measure_approach(name, policy)))
    return rows


def run_benchmark(
    data: BenchData, rows: Sequence[tuple[str, Callable[[BenchData], Measurement]]]
) -> list[Measurement]:
    """Measure the ceiling, then each row followed by the ceiling again, `repeats` rounds.

    A shared CPU's speed drifts, so each row's ratio is taken against the mean of
    the ceilings measured just before and just after it. One untimed fit first
    warms TensorFlow up (thread pools, kernels), which would otherwise slow the
    first row measured.
    """
    _fit("warm-up", data, *_warm_up_data(data), 0.0, batch_size=data.config.batch_size)
    before = measure_ceiling(data)
    results, ceilings = [before], [before]
    for _ in range(data.config.repeats):
        for label, measure in rows:
            if label == CEILING:
                continue
            result = measure(data)
            after = measure_ceiling(data)
            result.ceiling = (before.images_per_second + after.images_per_second) / 2
            results += [result, after]
            ceilings.append(after)
            before = after
    reference = float(np.mean([c.images_per_second for c in ceilings]))
    for ceiling in ceilings:
        ceiling.ceiling = reference
    return results


def _warm_up_data(data: BenchData) -> tuple[np.ndarray, np.ndarray]:
    n = min(4 * data.config.batch_size, data.config.samples_per_epoch)
    return np.zeros((n, *DEFAULT_PREPROCESS.output_shape), np.uint8), np.zeros((n, 1), np.float32)


def _median(values: Sequence[float]) -> float:
    return float(np.median(values))


def summary(results: Sequence[Measurement]) -> str:
    """A text table (medians over rounds): images/s, ratio to the ceiling, and the
    generator/in-memory total cost with its preparation/training breakdown."""
    labels = list(dict.fromkeys(r.label for r in results))
    by_label = {label: [r for r in results if r.label == label] for label in labels}
    lines = [
        f"{'row':<16} {'n':>2} {'prep s':>8} {'train s':>8} {'total s':>8} {'images/s':>9} {'ceiling':>8} {'/ ceiling':>9}"
    ]
    med: dict[str, dict[str, float]] = {}
    for label, group in by_label.items():
        med[label] = {
            "prep": _median([r.prepare_seconds for r in group]),
            "train": _median([r.train_seconds for r in group]),
            "total": _median([r.total_seconds for r in group]),
            "ips": _median([r.images_per_second for r in group]),
        }
        ceiling = [r.ceiling for r in group if r.ceiling]
        ratio = [r.images_per_second / r.ceiling for r in group if r.ceiling]
        m = med[label]
        lines.append(
            f"{label:<16} {len(group):>2} {m['prep']:8.2f} {m['train']:8.2f} {m['total']:8.2f} {m['ips']:9.0f} "
            + (f"{_median(ceiling):8.0f} {_median(ratio):9.2f}" if ratio else f"{'n/a':>8} {'n/a':>9}")
        )
    lines.append(
        "medians over n measurements; images/s over the epochs after the first; "
        "ceiling: mean of the float32 ceilings measured just before and after each measurement"
    )
    mixed = [(label, base) for label in labels if ":" in label and (base := label.split(":")[0]) in med]
    if mixed:
        lines.append("mixed precision, images/s over the same row in float32: " + ", ".join(
            f"{label} {med[label]['ips'] / med[base]['ips']:.2f} x" for label, base in mixed))
    gen, mem = med.get("generator"), med.get("in-memory")
    if gen and mem:
        lines.append(
            f"generator / in-memory total cost: {gen['total'] / mem['total']:.2f} x "
            f"(generator: prep {gen['prep']:.2f} s + train {gen['train']:.2f} s; "
            f"in-memory: prep {mem['prep']:.2f} s + train {mem['train']:.2f} s)"
        )
        lines.append(
            f"generator / in-memory training time: {gen['train'] / mem['train']:.2f} x; "
            "paper (cloud GPU): about 38 x less total time, 96 % less CO2"
        )
    return "\n".join(lines)
