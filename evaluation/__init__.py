"""Closed-loop evaluation: model files served by a real drive server, driven in replays and unseen tracks.

    from evaluation import EvaluationConfig, evaluate_models
    evaluate_models(["runs/mem/model.keras"], ["../shared/data/user_windows_2023"],
                    EvaluationConfig(tracks=5), ControllerConfig(), "eval")

`worlds` (what is driven; simulator only), `report` (table, spread, chart),
`models` (serving each model and writing the evaluation; the one module here
that imports the agent) and `checkpoints` (closed-loop scoring during training,
a callback `bcloning train` hands to the run). This package sits above
simulator, agent and training and imports them; only the commands import it, so
the built-in simulator never loads the drive server and training never loads
the simulator.
"""

from evaluation.models import drive_model, evaluate_models, serving
from evaluation.report import markdown, pool_replays, summarise
from evaluation.worlds import (
    EvaluationConfig,
    World,
    WorldResult,
    drive_world,
    plan_worlds,
)

__all__ = [
    "EvaluationConfig",
    "World",
    "WorldResult",
    "drive_model",
    "drive_world",
    "evaluate_models",
    "markdown",
    "plan_worlds",
    "pool_replays",
    "serving",
    "summarise",
]
