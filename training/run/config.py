"""The training run's own settings, one frozen dataclass (flags come from its fields).

Data settings live with the recorder (`LoadConfig`, `BalanceConfig`,
`SplitConfig`), emissions in `training.co2.emissions`, the CO2 estimate in
`training.co2.estimate`; this holds what makes two runs comparable: approach,
epochs, batch size, samples per epoch and seed, and how checkpoints are scored in
closed loop (`DrivingEvalConfig`; the scoring itself is `evaluation.checkpoints`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from recorder.split import check_seed
from training.data.frame_store import StoreConfig

__all__ = ["DrivingEvalConfig", "TrainConfig"]


@dataclass(frozen=True)
class TrainConfig:
    """How one model is trained; equal values make two approaches' runs comparable."""

    # training approach, a name from training.approaches
    approach: str = field(default="in-memory", metadata={"help": "training approach"})
    # passes over samples_per_epoch examples; 10 x 10 per row is the recipe that drove the real
    # replays best in docs/replay.md's study (about a minute for the Udacity sample on 2 cores)
    epochs: int = field(default=10, metadata={"help": "epochs to train"})
    # examples per gradient step
    batch_size: int = field(default=64, metadata={"help": "examples per batch"})
    # examples drawn (camera, augmentation) per epoch; None = examples_per_row per training row
    samples_per_epoch: int | None = field(
        default=None,
        metadata={"help": "augmented examples per epoch (default: --examples-per-row per training row)"},
    )
    # each row is seen this often per epoch, each time with a fresh camera choice and augmentation
    examples_per_row: int = field(
        default=10, metadata={"help": "augmented examples per training row and epoch, where --samples-per-epoch is not given"}
    )
    # seeds model initialisation, example draws, balance, split and shuffling
    seed: int = field(default=0, metadata={"help": "random seed of the whole run"})
    # Adam's step size
    learning_rate: float = field(default=1e-3, metadata={"help": "Adam learning rate"})
    # dropout before PilotNet's dense layers (0 = none)
    dropout: float = field(default=0.0, metadata={"help": "dropout rate before the dense layers"})
    # decoding threads while preparing data (0 = one per core)
    threads: int = field(
        default=0, metadata={"help": "decode threads for data preparation (0 = one per core)"}
    )
    # keras PyDataset workers of the generator approach (1 = one background loader, as in
    # the tutorials' fit_generator)
    loader_workers: int = field(
        default=1, metadata={"help": "generator approach: Keras PyDataset worker threads"}
    )
    # cap samples per steering bin before the split (recorder.balance)
    balance: bool = field(default=True, metadata={"help": "balance steering bins before the split"})
    # RAM budget of prepared frames (in-memory, pipeline), GB; above it they go to a
    # memory-mapped file in the run folder. None: half the machine's RAM (training.data.frame_store)
    max_memory_gb: float | None = field(
        default=None,
        metadata={"help": "GB of RAM prepared frames may use (in-memory, pipeline); above it they go to "
                          "a memory-mapped file in the run folder (default: half the machine's RAM)"},
    )
    # Keras progress output: 0 silent, 1 progress bar, 2 one line per epoch
    verbose: int = field(default=1, metadata={"help": "Keras output: 0 none, 1 bar, 2 line/epoch"})

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "loader_workers", "examples_per_row"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.samples_per_epoch is not None and self.samples_per_epoch < 1:
            raise ValueError(f"samples_per_epoch must be >= 1, got {self.samples_per_epoch}")
        if self.threads < 0:
            raise ValueError(f"threads must be >= 0, got {self.threads}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.verbose not in (0, 1, 2):
            raise ValueError(f"verbose must be 0, 1 or 2, got {self.verbose}")
        StoreConfig(max_memory_gb=self.max_memory_gb)  # raises ValueError naming max_memory_gb
        check_seed(self.seed)
        if not self.approach:
            raise ValueError("approach must be a name from training.approaches")

    def check_workers(self, workers: int) -> None:
        """Raise ValueError naming the field unless this run can train on `workers` machines together.

        The generator approach feeds batches from a Python loader that
        `MultiWorkerMirroredStrategy` cannot shard, and each worker takes an equal
        share of the global batch.
        """
        if workers > 1 and self.approach == "generator":
            raise ValueError("approach: generator trains on one machine only; with several workers "
                             "use in-memory or pipeline")
        if workers > 1 and self.batch_size % workers:
            raise ValueError(f"batch_size {self.batch_size} (the global batch) must divide by the "
                             f"{workers} workers")


@dataclass(frozen=True)
class DrivingEvalConfig:
    """Closed-loop scoring of checkpoints during training."""

    eval_every: int = field(default=0, metadata={
        "help": "score the model in closed loop every N epochs (and after the last) and keep the best "
                "as best_driving.keras (0: off)"})
    eval_recordings: tuple[str, ...] = field(default=(), metadata={
        "help": "recordings replayed to score the model (other people's laps, not the training data)"})
    eval_tracks: int = field(default=0, metadata={
        "help": "unseen built-in tracks also driven to score the model (seeds 1, 2, ...)"})

    def __post_init__(self) -> None:
        if self.eval_every < 0:
            raise ValueError(f"eval_every must be >= 0 epochs, got {self.eval_every}")
        if self.eval_tracks < 0:
            raise ValueError(f"eval_tracks must be >= 0, got {self.eval_tracks}")
        worlds = bool(self.eval_recordings) or self.eval_tracks > 0
        if self.eval_every and not worlds:
            raise ValueError("eval_every needs eval_recordings or eval_tracks: somewhere to drive")
        if worlds and not self.eval_every:
            raise ValueError("eval_recordings and eval_tracks need eval_every (how often to score)")

    @property
    def enabled(self) -> bool:
        """True when checkpoints are scored."""
        return self.eval_every > 0
