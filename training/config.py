"""The training run's own settings, one frozen dataclass (flags come from its fields).

Data settings live with the recorder (`LoadConfig`, `BalanceConfig`,
`SplitConfig`), emissions in `training.co2.emissions`, the CO2 estimate in
`training.co2.estimate`; this holds what makes two runs comparable: approach,
epochs, batch size, samples per epoch, seed and precision, and how checkpoints are scored
in closed loop (`DrivingEvalConfig`; the scoring itself is `evaluation.checkpoints`).
"""

from __future__ import annotations

from dataclasses import dataclass

from recorder.config_fields import check_range, setting
from recorder.split import check_seed
from training.data.frame_store import StoreConfig
from training.precision import PRECISIONS, check_precision

__all__ = ["ClusterConfig", "DrivingEvalConfig", "LongRunConfig", "TrainConfig", "parse_workers"]


@dataclass(frozen=True)
class TrainConfig:
    """How one model is trained; equal values make two approaches' runs comparable."""

    # training approach, a name from training.approaches
    approach: str = setting("in-memory", "training approach")
    # passes over samples_per_epoch examples; 20 x 20 per row with --ema and lane-centre labels is the
    # recipe that drove other people's laps best in docs/replay.md's study (4-5 minutes for the Udacity
    # sample on 2 cores in bfloat16); 10 left the loss still falling and drove worse
    epochs: int = setting(20, "epochs to train")
    # examples per gradient step
    batch_size: int = setting(64, "examples per batch")
    # examples drawn (camera, augmentation) per epoch; None = examples_per_row per training row
    samples_per_epoch: int | None = setting(None, "augmented examples per epoch (default: --examples-per-row per training row)")
    # each row is seen this often per epoch, each time with a fresh camera choice and augmentation
    examples_per_row: int = setting(20, "augmented examples per training row and epoch, where --samples-per-epoch is not given")
    # seeds model initialisation, example draws, balance, split and shuffling
    seed: int = setting(0, "random seed of the whole run")
    # Adam's step size
    learning_rate: float = setting(1e-3, "Adam learning rate")
    # keep an exponential moving average of the weights and save it (training.model.compile_pilotnet)
    ema: bool = setting(True, "save the moving average of the weights (Adam use_ema)")
    # dropout before PilotNet's dense layers (0 = none)
    dropout: float = setting(0.5, "dropout rate before the dense layers")
    # decoding threads while preparing data (0 = one per core)
    threads: int = setting(0, "decode threads for data preparation (0 = one per core)")
    # keras PyDataset workers of the generator approach (1 = one background loader, as in
    # the tutorials' fit_generator)
    loader_workers: int = setting(1, "generator approach: Keras PyDataset worker threads")
    # cap samples per steering bin before the split (recorder.balance)
    balance: bool = setting(True, "balance steering bins before the split")
    # RAM budget of prepared frames (in-memory, pipeline), GB; above it they go to a
    # memory-mapped file in the run folder. None: half the machine's RAM (training.data.frame_store)
    max_memory_gb: float | None = setting(None, "GB of RAM prepared frames may use (in-memory, pipeline); above it they go to " "a memory-mapped file in the run folder (default: half the machine's RAM)")
    # Keras dtype policy of training (training.precision); the model file is float32 whatever it is
    precision: str = setting("auto", "arithmetic of training: auto = mixed_bfloat16 where the CPU or GPU "
                             "computes bfloat16 natively, else float32; model.keras is float32 either way",
                             choices=PRECISIONS)
    # Keras progress output: 0 silent, 1 progress bar (where stdout is no terminal: one logged
    # line per epoch, training.run.train.EpochLine), 2 one line per epoch
    verbose: int = setting(1, "Keras output: 0 none, 1 bar, 2 line/epoch")

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "loader_workers", "examples_per_row"):
            check_range(name, getattr(self, name), low=1)
        if self.samples_per_epoch is not None:
            check_range("samples_per_epoch", self.samples_per_epoch, low=1)
        check_range("threads", self.threads, low=0)
        check_range("learning_rate", self.learning_rate, low=0, low_open=True)
        check_range("dropout", self.dropout, low=0, high=1, high_open=True)
        if self.verbose not in (0, 1, 2):
            raise ValueError(f"verbose must be 0, 1 or 2, got {self.verbose}")
        check_precision(self.precision)
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

    eval_every: int = setting(0, "score the model in closed loop every N epochs (and after the last) and keep "
                                 "the best as best_driving.keras (0: off)")
    eval_recordings: tuple[str, ...] = setting(
        (), "recordings replayed to score the model (other people's laps, not the training data)")
    eval_tracks: int = setting(0, "unseen built-in tracks also driven to score the model (seeds 1, 2, ...)")

    def __post_init__(self) -> None:
        check_range("eval_every", self.eval_every, low=0, unit="epochs")
        check_range("eval_tracks", self.eval_tracks, low=0)
        worlds = bool(self.eval_recordings) or self.eval_tracks > 0
        if self.eval_every and not worlds:
            raise ValueError("eval_every needs eval_recordings or eval_tracks: somewhere to drive")
        if worlds and not self.eval_every:
            raise ValueError("eval_recordings and eval_tracks need eval_every (how often to score)")

    @property
    def enabled(self) -> bool:
        """True when checkpoints are scored."""
        return self.eval_every > 0


@dataclass(frozen=True)
class LongRunConfig:
    """Checkpoints, resume, early stopping and TensorBoard logs of one run."""

    checkpoint: bool = setting(False, "save the model every epoch (checkpoints/last.keras, best.keras) and a "
                                      "backup of the training state, so a killed run can be resumed with --resume")
    resume: bool = setting(False, "continue the unfinished run in --out from its last backup (same command otherwise)")
    backup_every: int = setting(0, "also back up every N batches within an epoch (0: at epoch ends only)")
    early_stopping: int = setting(0, "stop after N epochs without a lower val_loss and keep the best weights (0: off)")
    tensorboard: bool = setting(False, "write loss and val_loss per epoch to RUN_DIR/tensorboard for TensorBoard")

    def __post_init__(self) -> None:
        check_range("backup_every", self.backup_every, low=0, unit="batches")
        check_range("early_stopping", self.early_stopping, low=0, unit="epochs")
        if self.backup_every and not (self.checkpoint or self.resume):
            raise ValueError("backup_every needs checkpoint (there is no backup without it)")

    @property
    def backs_up(self) -> bool:
        """True when the training state is backed up (checkpointing or resuming)."""
        return self.checkpoint or self.resume


def _check_address(address: str) -> str:
    """Return `address` if it is HOST:PORT with a port in 1..65535, else raise ValueError."""
    host, sep, port = address.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"workers: {address!r} is not HOST:PORT with a port in 1..65535")
    return f"{host}:{int(port)}"


def parse_workers(text: str) -> tuple[str, ...]:
    """Split `--workers` ("HOST:PORT,HOST:PORT") into checked addresses; "" gives ()."""
    if not text.strip():
        return ()
    return tuple(_check_address(part) for part in text.split(","))


@dataclass(frozen=True)
class ClusterConfig:
    """Which machines train together and which one this is."""

    # every worker's address, identical on all workers; () for one machine
    workers: tuple[str, ...] = setting((), "HOST:PORT of every worker, comma separated, the same list on each "
                                           "machine; empty: train on this machine only")
    # index of this machine in `workers`; 0 writes the run folder
    worker_index: int = setting(0, "this machine's position in --workers (0 is the chief)")

    def __post_init__(self) -> None:
        for address in self.workers:
            _check_address(address)
        if len(set(self.workers)) != len(self.workers):
            raise ValueError(f"workers: an address is listed twice in {','.join(self.workers)}")
        if self.workers and not 0 <= self.worker_index < len(self.workers):
            raise ValueError(
                f"worker_index must be in 0..{len(self.workers) - 1} for "
                f"{len(self.workers)} workers, got {self.worker_index}"
            )
        if not self.workers and self.worker_index != 0:
            raise ValueError("worker_index needs --workers (the list of all workers)")

    @property
    def multi_worker(self) -> bool:
        """True when more than one machine trains."""
        return len(self.workers) > 1
