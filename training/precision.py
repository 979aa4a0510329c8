"""Training precision: Keras mixed-precision policies, chosen for the hardware, and float32 model files.

Mixed precision computes layers in bfloat16 (or float16) while the weights stay
float32; where the hardware has native bfloat16 arithmetic (a CPU with
AVX512_BF16 or AMX, an NVIDIA GPU of compute capability 8.0 or later) that
trains PilotNet faster for the same model. `choose_precision` decides what
`auto` means from a CPU-flag set and the GPUs' compute capabilities, so the
decision can be tested without the hardware; `resolve_precision` feeds it this
machine's.

The output layer is float32 in every policy (`training.model`), so the loss is
computed in float32. The model file never depends on how the model was trained:
`float32_copy` rebuilds a mixed-precision model under the float32 policy with
the same weights (which mixed precision keeps in float32 anyway), and that copy
is what `training.model_file.save_model` writes, so every runtime and exporter
sees the float32 model it always did.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Keras is imported where a model is built: configs and reports read this without it
    import keras

__all__ = [
    "FLOAT32", "PRECISIONS", "POLICIES", "BF16_CPU_FLAGS", "PrecisionChoice", "check_precision", "choose_precision",
    "cpu_flags", "gpu_capabilities", "machine_precision", "resolve_precision", "precision_policy", "float32_copy",
    "short_name",
]

logger = logging.getLogger(__name__)

FLOAT32 = "float32"
# Keras dtype policies a run may train under, then `auto` (one of the first two, chosen here).
POLICIES = (FLOAT32, "mixed_bfloat16", "mixed_float16")
PRECISIONS = ("auto", *POLICIES)
# /proc/cpuinfo flags of CPUs that compute bfloat16 natively (AVX-512 BF16 dot products, Intel AMX tiles).
BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
# NVIDIA GPUs compute bfloat16 natively from Ampere (compute capability 8.0) on.
BF16_GPU_CAPABILITY = (8, 0)
_SHORT = {FLOAT32: "f32", "mixed_bfloat16": "bf16", "mixed_float16": "f16"}


@dataclass(frozen=True)
class PrecisionChoice:
    """What a run asked for, the Keras policy it trains under, and why (for the log and report.json)."""

    requested: str  # one of PRECISIONS
    policy: str  # one of POLICIES
    reason: str  # one line


def check_precision(name: str) -> None:
    """Raise ValueError naming the field unless `name` is one of PRECISIONS."""
    if name not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {name!r}")


def choose_precision(requested: str, cpu: Iterable[str], gpus: Sequence[tuple[int, int]] = ()) -> PrecisionChoice:
    """The policy for `requested` on a machine with CPU flags `cpu` and GPUs of capabilities `gpus`.

    `auto` is mixed_bfloat16 where training runs on bfloat16 hardware (the GPUs
    if there are any, else the CPU), float32 elsewhere: emulated bfloat16 is
    slower than float32, and float16 needs loss scaling, so neither is chosen
    for the user.
    """
    check_precision(requested)
    if requested != "auto":
        return PrecisionChoice(requested, requested, "asked for with --precision")
    if gpus:
        if all(tuple(capability) >= BF16_GPU_CAPABILITY for capability in gpus):
            return PrecisionChoice(requested, "mixed_bfloat16",
                                   f"GPU compute capability {_capabilities(gpus)} computes bfloat16 natively")
        return PrecisionChoice(requested, FLOAT32,
                               f"GPU compute capability {_capabilities(gpus)} is below "
                               f"{_capabilities([BF16_GPU_CAPABILITY])}: no native bfloat16")
    found = sorted(BF16_CPU_FLAGS & set(cpu))
    if found:
        return PrecisionChoice(requested, "mixed_bfloat16", f"CPU computes bfloat16 natively ({', '.join(found)})")
    return PrecisionChoice(requested, FLOAT32,
                           f"CPU has no native bfloat16 ({' or '.join(sorted(BF16_CPU_FLAGS))} not in its flags)")


def _capabilities(gpus: Sequence[tuple[int, int]]) -> str:
    return ", ".join(f"{major}.{minor}" for major, minor in gpus)


def cpu_flags(cpuinfo: str | Path = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where there is none, e.g. macOS)."""
    try:
        text = Path(cpuinfo).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):  # x86, ARM
            return frozenset(value.split())
    return frozenset()


def gpu_capabilities() -> list[tuple[int, int]]:
    """Compute capabilities of the GPUs TensorFlow sees (none: an empty list)."""
    import tensorflow as tf

    found = []
    for gpu in tf.config.list_physical_devices("GPU"):
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        found.append(tuple(capability) if capability else (0, 0))
    return found


def machine_precision(requested: str) -> PrecisionChoice:
    """`choose_precision` for this machine's CPU flags and GPUs."""
    return choose_precision(requested, cpu_flags(), gpu_capabilities() if requested == "auto" else ())


def resolve_precision(requested: str) -> PrecisionChoice:
    """`machine_precision`, logging what was chosen and why (once per run)."""
    choice = machine_precision(requested)
    logger.info("precision %s: %s (%s)", choice.requested, choice.policy, choice.reason)
    return choice


def short_name(policy: str) -> str:
    """f32, bf16 or f16: how benchmark rows name a policy."""
    return _SHORT[policy]


@contextlib.contextmanager
def precision_policy(policy: str) -> Iterator[None]:
    """Build (and compile) models under Keras' global dtype policy `policy`, then restore the previous one.

    Layers keep the policy they were built with; `compile` wraps the optimizer
    in loss scaling for mixed_float16.
    """
    import keras

    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(policy)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def float32_copy(model: keras.Model) -> keras.Model:
    """`model` itself if every layer computes in float32, else a float32 rebuild holding its weights.

    Mixed-precision variables are float32, so the copy's weights are the
    trained ones exactly; its input keeps the model's own dtype (uint8).
    """
    import keras

    if all(layer.dtype_policy.name == FLOAT32 for layer in model.layers if not _is_input(layer)):
        return model

    def float32_layer(layer: keras.layers.Layer) -> keras.layers.Layer:
        config = layer.get_config()
        if not _is_input(layer):
            config["dtype"] = FLOAT32
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(model, clone_function=float32_layer)
    copy.set_weights(model.get_weights())
    return copy


def _is_input(layer: keras.layers.Layer) -> bool:
    return type(layer).__name__ == "InputLayer"
