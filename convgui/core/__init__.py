"""convgui's numeric engine: pure numpy, no Qt, no state; safe to call from any thread.

CNN "convolution" here is cross-correlation (no kernel flip), as in Keras ``Conv2D``;
``"same"`` padding follows TensorFlow/Keras exactly.
"""

from .activations import ACTIVATION_FORMULAS, ACTIVATIONS, LEAKY_SLOPE, activate
from .convolve import METHODS, choose_method, correlate2d
from .geometry import (
    PADDING_MODES,
    as_pair,
    effective_size,
    output_formula,
    output_shape,
    pool_output_shape,
    pool_padding,
    resolve_padding,
)
from .imageops import BT601, SCALES, scale_factor, to_grayscale, to_scale, value_stats
from .kernels import (
    ACCEPTED_HELP,
    PRESETS,
    CellParseError,
    Preset,
    format_number,
    get_preset,
    normalize_kernel,
    parse_cell,
    resize_centered,
)
from .padding import BOUNDARIES, BOUNDARY_DESCRIPTIONS, pad_image, source_index
from .pipeline import (
    POOL_CHOICES,
    LayerParams,
    LayerResult,
    conv_stage,
    explain_no_output,
    layer_pool_scan,
    layer_scan,
    layer_shapes,
    pool_stage,
    post_stage,
    post_value,
    run_layer,
)
from .pool import POOL_OPS, pool2d
from .scan import PoolScan, WindowScan, covering_positions, scan_pool, scan_window
from .stats import count_outside, robust_abs_limit, robust_range

__all__ = [
    "ACCEPTED_HELP",
    "ACTIVATIONS",
    "ACTIVATION_FORMULAS",
    "BOUNDARIES",
    "BOUNDARY_DESCRIPTIONS",
    "BT601",
    "LEAKY_SLOPE",
    "METHODS",
    "PADDING_MODES",
    "POOL_CHOICES",
    "POOL_OPS",
    "PRESETS",
    "SCALES",
    "CellParseError",
    "LayerParams",
    "LayerResult",
    "PoolScan",
    "Preset",
    "WindowScan",
    "activate",
    "as_pair",
    "choose_method",
    "conv_stage",
    "correlate2d",
    "count_outside",
    "covering_positions",
    "effective_size",
    "explain_no_output",
    "format_number",
    "get_preset",
    "layer_pool_scan",
    "layer_scan",
    "layer_shapes",
    "normalize_kernel",
    "output_formula",
    "output_shape",
    "pad_image",
    "parse_cell",
    "pool2d",
    "pool_output_shape",
    "pool_padding",
    "pool_stage",
    "post_stage",
    "post_value",
    "resize_centered",
    "resolve_padding",
    "robust_abs_limit",
    "robust_range",
    "run_layer",
    "scale_factor",
    "scan_pool",
    "scan_window",
    "source_index",
    "to_grayscale",
    "to_scale",
    "value_stats",
]
