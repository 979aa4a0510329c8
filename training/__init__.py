"""Training PilotNet from driving logs, two ways (and a third), with the CO2 of each run measured.

    from training import TrainConfig, train_run, compare
    from training import build_pilotnet, save_model, load_model
    from training.preprocess import preprocess   # a module and a function of one name

The folder shows the architecture, in the order data flows:

    config.py          the run's settings (TrainConfig, LongRunConfig, DrivingEvalConfig, ClusterConfig)
    environment.py     machine, versions, usable cores; distribute.py: several workers
    preprocess.py      the one preprocessing, shared with the drive server
    augmentation/      frames (raw RGB, per example), batches (YUV, per batch), config
    data/              examples (samples -> frames), prepared (every camera once), frame_store
    approaches/        generator, in-memory, pipeline: only `prepare` differs
    model.py           PilotNet; model_file.py: the model and its contract (model.json)
    co2/               emissions (codecarbon, measured), estimate (the paper's method)
    run/               settings, train (the steps of one run), report (report.json, built once),
                       folder, callbacks, parts, compare, tracking: above data/ and approaches/,
                       which never import it
    benchmark.py       approaches against the compute ceiling

Public names load lazily, so `import training.preprocess` (the drive server's
only need) does not import TensorFlow.
"""

from __future__ import annotations

import importlib
from typing import Any

# Public name -> module that defines it.
_PUBLIC = {
    "PreprocessConfig": "training.preprocess",
    "build_pilotnet": "training.model",
    "ModelContractError": "training.contract",
    "load_model": "training.model_file",
    "save_model": "training.model_file",
    "approach_names": "training.approaches",
    "get_approach": "training.approaches",
    "EmissionsConfig": "training.co2.emissions",
    "EstimateConfig": "training.co2.estimate",
    "estimate": "training.co2.estimate",
    "TrainConfig": "training.config",
    "train_run": "training.run.train",
    "RunFolderError": "training.run.folder",
    "compare": "training.run.compare",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562)."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'training' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)
