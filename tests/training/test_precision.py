"""training.precision: what `auto` chooses on which hardware, and the float32 model a mixed run saves."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from training.model import build_pilotnet
from training.model_file import load_keras, save_model
from training.precision import (
    PRECISIONS,
    choose_precision,
    cpu_flags,
    float32_copy,
    precision_policy,
)

ZEN4 = {"fpu", "sse2", "avx2", "avx512f", "avx512_bf16"}
SAPPHIRE_RAPIDS = {"avx512f", "amx_tile", "amx_bf16"}
SKYLAKE = {"fpu", "sse2", "avx2", "avx512f"}


@pytest.mark.parametrize("flags, policy, reason", [
    (ZEN4, "mixed_bfloat16", "avx512_bf16"),
    (SAPPHIRE_RAPIDS, "mixed_bfloat16", "amx_bf16"),
    (SKYLAKE, "float32", "no native bfloat16"),
    (set(), "float32", "no native bfloat16"),
])
def test_auto_picks_bfloat16_only_where_the_cpu_computes_it(flags, policy, reason) -> None:
    choice = choose_precision("auto", flags)
    assert choice.policy == policy and reason in choice.reason and choice.requested == "auto"


def test_auto_follows_the_gpus_where_there_are_any() -> None:
    assert choose_precision("auto", SKYLAKE, [(8, 0), (9, 0)]).policy == "mixed_bfloat16"
    turing = choose_precision("auto", ZEN4, [(7, 5)])  # the GPU trains, not the CPU
    assert turing.policy == "float32" and "7.5" in turing.reason


@pytest.mark.parametrize("requested", [p for p in PRECISIONS if p != "auto"])
def test_an_explicit_precision_is_taken_as_asked(requested) -> None:
    assert choose_precision(requested, set()).policy == requested


def test_an_unknown_precision_names_the_field() -> None:
    with pytest.raises(ValueError, match="precision"):
        choose_precision("bfloat16", ZEN4)


def test_cpu_flags_are_read_from_cpuinfo(tmp_path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512_bf16\n\nprocessor\t: 1\nflags\t\t: fpu\n")
    assert cpu_flags(cpuinfo) == {"fpu", "avx2", "avx512_bf16"}
    assert cpu_flags(tmp_path / "missing") == frozenset()


def test_the_output_layer_stays_float32_under_a_mixed_policy() -> None:
    with precision_policy("mixed_bfloat16"):
        model = build_pilotnet(seed=1)
    assert keras.mixed_precision.global_policy().name == "float32"  # restored
    assert model.get_layer("conv1").compute_dtype == "bfloat16"
    assert model.get_layer("steering").compute_dtype == "float32"
    assert model(np.zeros((1, 66, 200, 3), np.uint8)).dtype == "float32"


def test_a_mixed_model_is_saved_as_float32_with_its_weights(tmp_path) -> None:
    with precision_policy("mixed_bfloat16"):
        model = build_pilotnet(seed=1)
    path = save_model(model, tmp_path / "model.keras", extra={"training_precision": "mixed_bfloat16"})
    loaded = load_keras(path)  # safe mode
    assert {layer.dtype_policy.name for layer in loaded.layers[1:]} == {"float32"}
    assert loaded.inputs[0].dtype == "uint8"
    for saved, trained in zip(loaded.get_weights(), model.get_weights()):
        assert saved.dtype == np.float32 and np.array_equal(saved, trained)
    assert json.loads((tmp_path / "model.json").read_text())["training_precision"] == "mixed_bfloat16"


def test_a_float32_model_is_saved_as_it_is() -> None:
    model = build_pilotnet(seed=1)
    assert float32_copy(model) is model


def test_float16_training_gets_keras_loss_scaling() -> None:
    from training.model import compile_pilotnet

    with precision_policy("mixed_float16"):
        model = compile_pilotnet(build_pilotnet(seed=1))
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
