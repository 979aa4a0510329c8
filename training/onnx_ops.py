"""A TensorFlow op tf2onnx cannot convert, given a handler before an ONNX export: `Bucketize`.

Keras' `Discretization` layer becomes TensorFlow's `Bucketize`, for which
tf2onnx (1.17) has no handler: Keras' ONNX export then writes a file ONNX
Runtime refuses ("No Op registered for Bucketize"). Models that take the raw
frame use it to round a resized frame to whole grey levels, as OpenCV does
(naoki, ncondo and mvirgo in ../shared/peers). `Bucketize` gives, for each
value, how many of its sorted boundaries are <= the value; in ONNX that is the
value compared with every boundary, summed over a new last axis: the same
float comparisons, so the same integers. Importing this module registers the
handler (tf2onnx's own decorator); `training.export` imports it for ONNX only.

`ScaleAndTranslate` (a `Resizing` layer with antialias, mvirgo) has no handler
here: such a model still cannot be exported to ONNX.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import TensorProto
from tf2onnx import utils
from tf2onnx.graph_builder import GraphBuilder
from tf2onnx.handler import tf_op

__all__ = ["Bucketize"]


@tf_op("Bucketize")
class Bucketize:
    """TensorFlow `Bucketize(x, boundaries)` as GreaterOrEqual, Cast and ReduceSum."""

    @classmethod
    def version_12(cls, ctx: Any, node: Any, **kwargs: Any) -> None:
        """Opset 12 and later (GreaterOrEqual is there from 12)."""
        values = node.input[0]
        boundaries = np.asarray(node.get_attr_value("boundaries"), utils.map_onnx_to_numpy_type(ctx.get_dtype(values)))
        builder = GraphBuilder(ctx)
        expanded = builder.make_unsqueeze({"data": values, "axes": [-1]}, op_name_scope=node.name)
        bounds = ctx.make_const(utils.make_name(f"{node.name}_boundaries"), boundaries).output[0]
        reached = ctx.make_node("GreaterOrEqual", [expanded, bounds], op_name_scope=node.name).output[0]
        counted = ctx.make_node("Cast", [reached], attr={"to": TensorProto.INT32}, op_name_scope=node.name).output[0]
        outputs, shapes, dtypes = node.output, node.output_shapes, node.output_dtypes
        ctx.remove_node(node.name)
        builder.make_reduce_sum({"data": counted, "axes": [-1], "keepdims": 0, "outputs": outputs},
                                shapes=shapes, dtypes=dtypes, op_name_scope=node.name)
