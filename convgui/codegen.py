"""Code to take away: the current layer as a snippet for numpy, scipy, OpenCV, PyTorch or Keras.

:func:`layer_code` writes Python source that, executed with a 2-D float32 array named ``image``
in scope, leaves in ``output`` what :func:`convgui.core.run_layer` gives as its final map (the
pooled map when pooling is on), to float32 rounding. Every setting of a
:class:`convgui.core.LayerParams` is reproduced: padding (including TensorFlow/Keras'
asymmetric ``"same"``), boundary, constant value, stride, dilation, flip, divisor and bias,
activation and pooling. Where a library cannot express a setting, the snippet does that step
with numpy and a comment says why.

The snippet is meant to be read: imports at the top, the kernel written as a literal array whose
values round-trip exactly, a header naming the settings and a short comment on each step. It
imports nothing from convgui, and none of the libraries it targets is a dependency of convgui.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .core import ACTIVATION_FORMULAS, LayerParams, resolve_padding

#: The libraries :func:`layer_code` writes code for.
TARGETS: tuple[str, ...] = ("numpy", "scipy", "opencv", "torch", "keras")

#: How each target is named to a user (menus, dialogs).
TARGET_TITLES: dict[str, str] = {
    "numpy": "NumPy",
    "scipy": "SciPy (scipy.ndimage)",
    "opencv": "OpenCV (cv2.filter2D)",
    "torch": "PyTorch (torch.nn.functional)",
    "keras": "Keras / TensorFlow (Conv2D)",
}

# What each boundary puts around "abcd", for comments.
_PATTERN = {
    "zero": "zeros",
    "constant": "a constant",
    "replicate": "aaa|abcd|ddd",
    "reflect": "cba|abcd|dcb",
    "mirror": "dcb|abcd|cba",
    "wrap": "bcd|abcd|abc",
}
# numpy.pad's name for each boundary that copies image cells.
_NP_PAD_MODE = {"replicate": "edge", "reflect": "symmetric", "mirror": "reflect", "wrap": "wrap"}
# scipy.ndimage's names (its "wrap" is not periodic for every size; "grid-wrap" is).
_SCIPY_MODE = {
    "zero": "constant",
    "constant": "constant",
    "replicate": "nearest",
    "reflect": "reflect",
    "mirror": "mirror",
    "wrap": "grid-wrap",
}
# OpenCV's border types; filter2D supports no BORDER_WRAP and pads constants only with 0.
_CV_BORDER = {
    "zero": "cv2.BORDER_CONSTANT",
    "replicate": "cv2.BORDER_REPLICATE",
    "reflect": "cv2.BORDER_REFLECT",
    "mirror": "cv2.BORDER_REFLECT_101",
}
# torch.nn.functional.pad's modes ("reflect" there is convgui's mirror).
_TORCH_PAD_MODE = {"replicate": "replicate", "mirror": "reflect", "wrap": "circular"}
_TORCH_ACT = {
    "relu": "F.relu(y)",
    "leaky_relu": "F.leaky_relu(y, negative_slope=0.01)",
    "sigmoid": "torch.sigmoid(y)",
    "tanh": "torch.tanh(y)",
    "abs": "torch.abs(y)",
}

_SAME_PADS_DEF = [
    "def same_pads(n, span, step):",
    '    """TensorFlow/Keras "same": output ceil(n / step); the odd cell goes after."""',
    "    total = max((-(-n // step) - 1) * step + span - n, 0)",
    "    return total // 2, total - total // 2",
    "",
]


def _num(v: float) -> str:
    """A float literal that reads back as exactly ``v``."""
    return repr(float(v))


def _check_kernel(kernel: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(kernel)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise ValueError(f"kernel must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"kernel must be a non-empty 2-D array, got shape {arr.shape}")
    k = arr.astype(np.float64)
    if not np.all(np.isfinite(k)):
        bad = np.argwhere(~np.isfinite(k))[0]
        raise ValueError(
            f"kernel must be finite, got {k[tuple(bad)]!r} at row {bad[0]}, column {bad[1]}"
        )
    return k


def kernel_literal(kernel: ArrayLike, name: str = "kernel", module: str = "np") -> list[str]:
    r"""Source lines assigning ``kernel`` as a literal float64 array, columns aligned.

    Every value is written with :func:`repr`, so the literal reads back bit for bit.

    Parameters
    ----------
    kernel : array_like, shape (kh, kw)
        Finite real values.
    name : str
        The variable assigned.
    module : str
        The name numpy is imported as in the snippet.

    Returns
    -------
    list of str

    Examples
    --------
    >>> print("\n".join(kernel_literal([[1, -2], [0.5, 1 / 3]])))
    kernel = np.array(
        [
            [1.0,               -2.0],
            [0.5, 0.3333333333333333],
        ],
        dtype=np.float64,
    )
    """
    k = _check_kernel(kernel)
    cells = [[_num(v) for v in row] for row in k]
    widths = [max(len(row[j]) for row in cells) for j in range(k.shape[1])]
    rows = []
    for row in cells:
        text = ", ".join(c.rjust(w) for c, w in zip(row, widths))  # right-aligned columns
        rows.append(f"        [{text}],")
    head = [f"{name} = {module}.array(", "    ["]
    return [*head, *rows, "    ],", f"    dtype={module}.float64,", ")"]


def _pad_text(padding: object) -> str:
    if padding == "same":
        return '"same" (TensorFlow/Keras: output ceil(n / stride), odd cell at bottom/right)'
    if padding == "valid":
        return '"valid" (no padding)'
    if padding == "full":
        return '"full" (dilation × (k − 1) on each side)'
    if isinstance(padding, numbers.Integral):
        return f"{int(padding)} on every side"
    t, b, lft, r = resolve_padding((1, 1), (1, 1), padding)  # type: ignore[arg-type]
    return f"top {t}, bottom {b}, left {lft}, right {r}"


def _header(k: NDArray[np.float64], p: LayerParams, target: str) -> list[str]:
    kh, kw = k.shape
    bound = f"{p.boundary} ({_PATTERN[p.boundary]})"
    if p.boundary == "constant":
        bound = f"constant {_num(p.cval)}"
    pool = "none"
    if p.pool != "none":
        pool = (
            f"{p.pool} {p.pool_size[0]}×{p.pool_size[1]}, stride "
            f'{p.pool_stride[0]}×{p.pool_stride[1]}, "{p.pool_padding}"'
        )
    act = (
        p.activation
        if p.activation == "none"
        else (f"{p.activation} ({ACTIVATION_FORMULAS[p.activation]})")
    )
    return [
        f"# One convolutional layer from convgui, as {TARGET_TITLES[target]} code.",
        f"#   kernel {kh}×{kw} (cross-correlation, as CNN layers compute it), "
        f"flip {'on (a true convolution)' if p.flip else 'off'}",
        f"#   padding {_pad_text(p.padding)}",
        f"#   boundary {bound}",
        f"#   stride {p.stride[0]}×{p.stride[1]}, dilation {p.dilation[0]}×{p.dilation[1]}",
        f"#   divisor {_num(p.divisor)}, bias {_num(p.bias)}, activation {act}",
        "#   (output = activation(conv / divisor + bias))",
        f"#   pooling {pool}",
        "# Input: `image`, a 2-D float32 numpy array. Result: `output`, the layer's final map",
        "# (the pooled map when pooling is on), as convgui computes it.",
        "",
    ]


class _Plan:
    """What every target shares: the geometry of the layer, decided from the settings."""

    def __init__(self, k: NDArray[np.float64], p: LayerParams) -> None:
        self.k, self.p = k, p
        self.kh, self.kw = int(k.shape[0]), int(k.shape[1])
        self.dr, self.dc = p.dilation
        self.sr, self.sc = p.stride
        self.eh, self.ew = (self.kh - 1) * self.dr + 1, (self.kw - 1) * self.dc + 1
        self.same = p.padding == "same"
        # Known padding (every spec but "same", which depends on the image's size).
        self.pads: tuple[int, int, int, int] | None = None
        if not self.same:
            self.pads = resolve_padding(
                (1, 1), k.shape, p.padding, stride=p.stride, dilation=p.dilation
            )
        self.no_padding = self.pads == (0, 0, 0, 0)
        # The boundary as it acts: a constant 0 is the zero boundary.
        b = p.boundary
        if b == "constant" and p.cval == 0:
            b = "zero"
        self.boundary = b

    @property
    def within_reach(self) -> bool:
        """Padding a same-size filter reaches (at most span − 1 cells in all per axis)."""
        if self.pads is None:
            return True  # "same" pads span − 1 cells at most
        t, b, lft, r = self.pads
        return t + b <= self.eh - 1 and lft + r <= self.ew - 1

    def imports_numpy(self) -> list[str]:
        return ["import numpy as np"]

    def kernel_lines(self) -> list[str]:
        lines = ["# The kernel, exactly as in convgui (rows × columns)", *kernel_literal(self.k)]
        if self.p.flip:
            lines.append(
                "kernel = kernel[::-1, ::-1].copy()  # flip on: rotate 180°, a true convolution"
            )
        return lines

    def geometry_lines(self, *, need_pads: bool = True) -> list[str]:
        lines = [
            f"stride = ({self.sr}, {self.sc})  # (rows, cols) between output positions",
            f"dilation = ({self.dr}, {self.dc})  # (rows, cols) between kernel taps",
            "kh, kw = kernel.shape",
            "eh, ew = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1"
            "  # span of the dilated kernel",
        ]
        if not need_pads:
            return lines
        lines.append("")
        if self.pads is None:
            lines += [
                *_SAME_PADS_DEF,
                '# Padding "same" as TensorFlow/Keras: the odd cell goes at the bottom/right',
                "top, bottom = same_pads(image.shape[0], eh, stride[0])",
                "left, right = same_pads(image.shape[1], ew, stride[1])",
            ]
        else:
            t, b, lft, r = self.pads
            lines.append(f"# Padding {_pad_text(self.p.padding)}")
            lines.append(f"top, bottom, left, right = {t}, {b}, {lft}, {r}")
        return lines

    def np_pad_line(self, src: str, dest: str, why: str = "") -> list[str]:
        """``dest = np.pad(src, ...)`` with the boundary's numpy mode."""
        widths = "((top, bottom), (left, right))"
        b = self.boundary
        note = f"  # {why}" if why else ""
        if b == "zero":
            return [f"{dest} = np.pad({src}, {widths})  # zero padding{note}"]
        if b == "constant":
            return [
                f"{dest} = np.pad({src}, {widths}, constant_values={_num(self.p.cval)})"
                f"  # constant padding{note}"
            ]
        return [
            f'{dest} = np.pad({src}, {widths}, mode="{_NP_PAD_MODE[b]}")'
            f"  # boundary {b}: {_PATTERN[b]}{note}"
        ]

    def post_numpy(self, var: str = "output", *, scale: bool = True) -> list[str]:
        """Divisor and bias (unless ``scale`` is False) and the activation, in numpy."""
        p, lines = self.p, []
        if scale and (p.divisor != 1 or p.bias != 0):
            expr = var if p.divisor == 1 else f"{var} / np.float32({_num(p.divisor)})"
            if p.bias != 0:
                expr += f" + np.float32({_num(p.bias)})"
            lines.append(f"{var} = {expr}  # conv / divisor + bias (as GIMP's Convolution Matrix)")
        act = {
            "relu": f"{var} = np.maximum({var}, np.float32(0))  # ReLU: max(0, x)",
            "leaky_relu": f"{var} = np.where({var} > 0, {var}, np.float32(0.01) * {var})"
            "  # leaky ReLU, slope 0.01",
            "sigmoid": f"{var} = 0.5 * (1 + np.tanh(0.5 * {var}))"
            "  # sigmoid 1 / (1 + e^-x), via tanh so it never overflows",
            "tanh": f"{var} = np.tanh({var})  # tanh",
            "abs": f"{var} = np.abs({var})  # |x|",
        }
        if p.activation in act:
            lines.append(act[p.activation])
        return lines

    def pool_numpy(self, var: str = "output") -> list[str]:
        """Max or average pooling in plain numpy, padded cells never counted."""
        p = self.p
        if p.pool == "none":
            return []
        (ph, pw), (s0, s1) = p.pool_size, p.pool_stride
        lines = [
            "",
            f"# {'Max' if p.pool == 'max' else 'Average'} pooling {ph}×{pw}, stride {s0}×{s1}, "
            f'"{p.pool_padding}" padding',
            f"pool, pool_stride = ({ph}, {pw}), ({s0}, {s1})",
        ]
        if p.pool_padding == "same":
            if not self.same:
                lines += _SAME_PADS_DEF
            lines += [
                f"pt, pb = same_pads({var}.shape[0], pool[0], pool_stride[0])",
                f"pl, pr = same_pads({var}.shape[1], pool[1], pool_stride[1])",
            ]
        else:
            lines.append('pt = pb = pl = pr = 0  # "valid": no padding')
        if p.pool == "max":
            lines += [
                f"padded = np.pad({var}, ((pt, pb), (pl, pr)), constant_values=-np.inf)"
                "  # padding never wins a max",
                "po = (padded.shape[0] - pool[0]) // pool_stride[0] + 1",
                "qo = (padded.shape[1] - pool[1]) // pool_stride[1] + 1",
                "pooled = np.full((po, qo), -np.inf, dtype=np.float32)",
                "for i in range(pool[0]):",
                "    for j in range(pool[1]):",
                "        rows = slice(i, i + (po - 1) * pool_stride[0] + 1, pool_stride[0])",
                "        cols = slice(j, j + (qo - 1) * pool_stride[1] + 1, pool_stride[1])",
                "        pooled = np.maximum(pooled, padded[rows, cols])",
                f"{var} = pooled",
            ]
        else:
            lines += [
                f"padded = np.pad({var}, ((pt, pb), (pl, pr)))",
                f"real = np.pad(np.ones_like({var}), ((pt, pb), (pl, pr)))"
                "  # 1 on real cells: padding is not counted",
                "po = (padded.shape[0] - pool[0]) // pool_stride[0] + 1",
                "qo = (padded.shape[1] - pool[1]) // pool_stride[1] + 1",
                "total = np.zeros((po, qo), dtype=np.float32)",
                "count = np.zeros((po, qo), dtype=np.float32)",
                "for i in range(pool[0]):",
                "    for j in range(pool[1]):",
                "        rows = slice(i, i + (po - 1) * pool_stride[0] + 1, pool_stride[0])",
                "        cols = slice(j, j + (qo - 1) * pool_stride[1] + 1, pool_stride[1])",
                "        total += padded[rows, cols]",
                "        count += real[rows, cols]",
                f"{var} = total / count",
            ]
        return lines


# --- numpy -------------------------------------------------------------------------------------


def _numpy(plan: _Plan) -> list[str]:
    lines = [*plan.imports_numpy(), "", *plan.kernel_lines(), "", *plan.geometry_lines(), ""]
    lines.append("x = np.asarray(image, dtype=np.float32)  # the input as float32")
    if plan.no_padding:
        lines.append("padded = x  # no padding")
    else:
        lines += plan.np_pad_line("x", "padded")
    lines += [
        "",
        "# Cross-correlation (the kernel is not flipped, as in CNN layers): one shifted,",
        "# strided slice of the padded image per kernel tap, weighted and summed",
        "ho = (padded.shape[0] - eh) // stride[0] + 1",
        "wo = (padded.shape[1] - ew) // stride[1] + 1",
        "output = np.zeros((ho, wo), dtype=np.float32)",
        "for i in range(kh):",
        "    for j in range(kw):",
        "        r0, c0 = i * dilation[0], j * dilation[1]",
        "        rows = slice(r0, r0 + (ho - 1) * stride[0] + 1, stride[0])",
        "        cols = slice(c0, c0 + (wo - 1) * stride[1] + 1, stride[1])",
        "        output += np.float32(kernel[i, j]) * padded[rows, cols]",
    ]
    lines += plan.post_numpy()
    lines += plan.pool_numpy()
    return lines


# --- scipy -------------------------------------------------------------------------------------


def _scipy(plan: _Plan) -> list[str]:
    p = plan.p
    lines = ["import numpy as np", "from scipy import ndimage"]
    if p.activation == "sigmoid":
        lines.append("from scipy.special import expit")
    lines += ["", *plan.kernel_lines(), "", *plan.geometry_lines(), ""]
    lines.append("x = np.asarray(image, dtype=np.float32)  # the input as float32")
    mode = _SCIPY_MODE[plan.boundary]
    cval = f", cval={_num(p.cval)}" if plan.boundary == "constant" else ""
    lines += [
        "# scipy.ndimage has no dilation: spread the kernel's taps with zeros",
        "spread = np.zeros((eh, ew))",
        "spread[:: dilation[0], :: dilation[1]] = kernel",
    ]
    prepad_always = not plan.no_padding and not plan.within_reach
    if plan.no_padding:
        lines.append("t, l = 0, 0  # no padding: the window starts on the output's own pixel")
    elif prepad_always:
        lines += [
            "# scipy.ndimage pads only as far as the kernel reaches from each pixel; this",
            "# padding is wider, so numpy pads first and scipy reads no cell outside",
            *plan.np_pad_line("x", "x"),
            "t, l = 0, 0",
        ]
    else:
        lines.append("t, l = top, left  # the window starts `top` rows above the output pixel")
        if plan.boundary == "reflect":
            lines += [
                "if max(eh, ew) > min(x.shape):",
                '    # scipy.ndimage\'s "reflect" reads wrong values when a kernel reaches',
                "    # several image lengths past the edge (scipy 1.17): numpy pads small images",
                *("    " + s for s in plan.np_pad_line("x", "x")),
                "    t, l = 0, 0",
            ]
    lines += [
        "# Cross-correlation (no kernel flip, as CNN layers); `origin` moves the window so it",
        '# starts t rows and l columns before each pixel (Keras\' "same" puts the odd cell after)',
        f'full = ndimage.correlate(x, spread, mode="{mode}"{cval},'
        " origin=(t - eh // 2, l - ew // 2))",
        "ho = (image.shape[0] + top + bottom - eh) // stride[0] + 1",
        "wo = (image.shape[1] + left + right - ew) // stride[1] + 1",
    ]
    lines += [
        "# correlate keeps every position: the stride keeps every stride-th",
        "output = full[:: stride[0], :: stride[1]][:ho, :wo]",
    ]
    post = plan.post_numpy()
    if p.activation == "sigmoid":
        post[-1] = "output = expit(output)  # sigmoid 1 / (1 + e^-x)"
    lines += post
    lines += _scipy_pool(plan)
    return lines


def _scipy_pool(plan: _Plan) -> list[str]:
    p = plan.p
    if p.pool == "none":
        return []
    (ph, pw), (s0, s1) = p.pool_size, p.pool_stride
    lines = [
        "",
        f"# {'Max' if p.pool == 'max' else 'Average'} pooling {ph}×{pw}, stride {s0}×{s1}, "
        f'"{p.pool_padding}" padding',
        f"pool, pool_stride = ({ph}, {pw}), ({s0}, {s1})",
    ]
    if p.pool_padding == "same":
        if not plan.same:
            lines += _SAME_PADS_DEF
        lines += [
            "pt, pb = same_pads(output.shape[0], pool[0], pool_stride[0])",
            "pl, pr = same_pads(output.shape[1], pool[1], pool_stride[1])",
        ]
    else:
        lines.append('pt = pb = pl = pr = 0  # "valid": no padding')
    lines += [
        "po = (output.shape[0] + pt + pb - pool[0]) // pool_stride[0] + 1",
        "qo = (output.shape[1] + pl + pr - pool[1]) // pool_stride[1] + 1",
        "origin = (pt - pool[0] // 2, pl - pool[1] // 2)  # each window starts pt rows before",
    ]
    if p.pool == "max":
        lines.append(
            'full = ndimage.maximum_filter(output, size=pool, mode="constant", cval=-np.inf,'
            " origin=origin)  # padding never wins"
        )
    else:
        lines += [
            "# the mean over real cells only: the mean with zeros outside, divided by the",
            "# share of the window that lies inside",
            'mean = ndimage.uniform_filter(output, size=pool, mode="constant", origin=origin)',
            'inside = ndimage.uniform_filter(np.ones_like(output), size=pool, mode="constant",'
            " origin=origin)",
            "full = mean / inside",
        ]
    lines.append("output = full[:: pool_stride[0], :: pool_stride[1]][:po, :qo]")
    return lines


# --- OpenCV ------------------------------------------------------------------------------------


def _weights_line(plan: _Plan, src: str, dest: str, note: str) -> str:
    div = plan.p.divisor
    if div == 1:
        return f"{dest} = {src}.astype(np.float32)  # {note}"
    return (
        f"{dest} = ({src} / {_num(div)}).astype(np.float32)"
        f"  # {note}; the divisor is folded in: conv / d = conv with kernel / d"
    )


def _opencv(plan: _Plan) -> list[str]:
    p = plan.p
    lines = ["import cv2", "import numpy as np", "", *plan.kernel_lines(), ""]
    lines += [*plan.geometry_lines(), ""]
    lines += [
        "x = np.asarray(image, dtype=np.float32)  # the input as float32",
        "# cv2.filter2D has no dilation: spread the kernel's taps with zeros",
        "spread = np.zeros((eh, ew))",
        "spread[:: dilation[0], :: dilation[1]] = kernel",
        _weights_line(plan, "spread", "weights", "filter2D wants float32 weights"),
    ]
    native = plan.boundary in _CV_BORDER and plan.within_reach and not plan.no_padding
    if native:
        border = _CV_BORDER[plan.boundary]
        anchor = "(left, top)"
        lines.append(f"border = {border}  # boundary {plan.boundary}: OpenCV pads by itself")
    else:
        anchor = "(0, 0)"
        border = "cv2.BORDER_CONSTANT"
        if plan.no_padding:
            lines.append("# no padding: the window starts on each output pixel; only the")
            lines.append("# positions where it fits inside the image are kept")
        else:
            why = {
                "wrap": "filter2D refuses BORDER_WRAP, so numpy pads first",
                "constant": "filter2D pads constants only with 0, so numpy pads first",
            }.get(
                plan.boundary,
                "this padding is wider than the kernel reaches, so numpy pads first",
            )
            lines.append(f"# {why}")
            lines += plan.np_pad_line("x", "x")
        lines.append("border = cv2.BORDER_CONSTANT  # (never read: every kept window is inside)")
    delta = f", delta={_num(p.bias)}" if p.bias != 0 else ""
    lines.append(
        "# cv2.filter2D computes correlation (it does not flip the kernel), as CNN layers and"
    )
    if native:
        lines += [
            "# convgui do. The anchor is the kernel cell placed on each pixel: the window starts",
            "# `top` rows and `left` columns before it. (OpenCV's default anchor, the centre,",
            "# would put an even kernel's odd cell before the pixel; Keras' \"same\" puts it",
            "# after.)",
        ]
    else:
        lines.append("# convgui do. anchor=(0, 0): each window starts on its pixel of `x`.")
    lines += [
        f"full = cv2.filter2D(x, -1, weights, anchor={anchor}{delta}, borderType=border)"
        + ("  # + bias" if delta else ""),
        "ho = (image.shape[0] + top + bottom - eh) // stride[0] + 1",
        "wo = (image.shape[1] + left + right - ew) // stride[1] + 1",
        "# filter2D has no stride: it keeps every position, the stride keeps every stride-th",
        "output = full[:: stride[0], :: stride[1]][:ho, :wo]",
    ]
    post = plan.post_numpy(scale=False)
    if post:
        lines.append("# OpenCV has no activation functions: numpy applies it")
        lines += post
    lines += _opencv_pool(plan)
    return lines


def _opencv_pool(plan: _Plan) -> list[str]:
    p = plan.p
    if p.pool == "none":
        return []
    (ph, pw), (s0, s1) = p.pool_size, p.pool_stride
    lines = [
        "",
        f"# {'Max' if p.pool == 'max' else 'Average'} pooling {ph}×{pw}, stride {s0}×{s1}, "
        f'"{p.pool_padding}" padding',
        f"pool, pool_stride = ({ph}, {pw}), ({s0}, {s1})",
    ]
    if p.pool_padding == "same":
        if not plan.same:
            lines += _SAME_PADS_DEF
        lines += [
            "pt, pb = same_pads(output.shape[0], pool[0], pool_stride[0])",
            "pl, pr = same_pads(output.shape[1], pool[1], pool_stride[1])",
        ]
    else:
        lines.append('pt = pb = pl = pr = 0  # "valid": no padding')
    lines += [
        "po = (output.shape[0] + pt + pb - pool[0]) // pool_stride[0] + 1",
        "qo = (output.shape[1] + pl + pr - pool[1]) // pool_stride[1] + 1",
        "output = np.ascontiguousarray(output)",
    ]
    if p.pool == "max":
        lines += [
            "# a max filter is a dilation by a flat rectangle; the window starts pt rows and",
            "# pl columns before each pixel, and the padding (-inf) never wins",
            "full = cv2.dilate(",
            "    output,",
            "    np.ones(pool, np.uint8),",
            "    anchor=(pl, pt),",
            "    borderType=cv2.BORDER_CONSTANT,",
            "    borderValue=-np.inf,",
            ")",
        ]
    else:
        lines += [
            "# window sums (zeros outside) divided by how many real cells each window holds",
            "size = (pool[1], pool[0])  # OpenCV sizes are (width, height)",
            "sums = dict(anchor=(pl, pt), normalize=False, borderType=cv2.BORDER_CONSTANT)",
            "total = cv2.boxFilter(output, -1, size, **sums)",
            "count = cv2.boxFilter(np.ones_like(output), -1, size, **sums)",
            "full = total / count",
        ]
    lines.append("output = full[:: pool_stride[0], :: pool_stride[1]][:po, :qo]")
    return lines


# --- PyTorch -----------------------------------------------------------------------------------


def _torch(plan: _Plan) -> list[str]:
    p = plan.p
    lines = ["import numpy as np", "import torch", "import torch.nn.functional as F", ""]
    lines += [*plan.kernel_lines(), "", *plan.geometry_lines(), ""]
    lines.append(
        "x = torch.tensor(np.asarray(image, dtype=np.float32))[None, None]"
        "  # (batch 1, channels 1, H, W)"
    )
    pad4 = "(left, right, top, bottom)"
    b = plan.boundary
    if plan.no_padding:
        lines.append("# no padding")
    else:
        lines.append(
            "# F.pad takes (left, right, top, bottom): conv2d's own padding is the same on both"
        )
        lines.append('# sides, and Keras\' "same" is not')
        if b == "zero":
            lines.append(f"x = F.pad(x, {pad4})  # zero padding")
        elif b == "constant":
            lines.append(f"x = F.pad(x, {pad4}, value={_num(p.cval)})  # constant padding")
        elif b == "replicate":
            lines.append(
                f'x = F.pad(x, {pad4}, mode="replicate")  # boundary replicate: {_PATTERN[b]}'
            )
        elif b == "reflect":
            lines.append(
                '# PyTorch has no padding that repeats the edge cell (numpy\'s "symmetric"):'
                " numpy pads"
            )
            lines += plan.np_pad_line("image.astype(np.float32)", "padded")
            lines.append("x = torch.tensor(padded)[None, None]")
        else:
            fits = "<" if b == "mirror" else "<="
            limit = (
                "PyTorch's reflect padding must be narrower than the image"
                if b == "mirror"
                else "PyTorch's circular padding must not be wider than the image"
            )
            lines += [
                f"if max(top, bottom) {fits} x.shape[2] and max(left, right) {fits} x.shape[3]:",
                f'    x = F.pad(x, {pad4}, mode="{_TORCH_PAD_MODE[b]}")  # boundary {b}: '
                f"{_PATTERN[b]}",
                f"else:  # {limit}: numpy pads",
                *("    " + s for s in plan.np_pad_line("image.astype(np.float32)", "padded")),
                "    x = torch.tensor(padded)[None, None]",
            ]
    weight = "kernel" if p.divisor == 1 else f"kernel / {_num(p.divisor)}"
    fold = "" if p.divisor == 1 else "; the divisor is folded in: conv / d = conv with kernel / d"
    lines += [
        "",
        f"weight = torch.tensor({weight}, dtype=torch.float32)[None, None]"
        f"  # (out 1, in 1, kh, kw){fold}",
    ]
    bias_arg = ""
    if p.bias != 0:
        lines.append(f"bias = torch.tensor([{_num(p.bias)}], dtype=torch.float32)")
        bias_arg = ", bias"
    lines += [
        "# conv2d computes cross-correlation (no kernel flip), as convgui does",
        f"y = F.conv2d(x, weight{bias_arg}, stride=stride, dilation=dilation)",
    ]
    if p.activation in _TORCH_ACT:
        lines.append(f"y = {_TORCH_ACT[p.activation]}  # {ACTIVATION_FORMULAS[p.activation]}")
    lines += _torch_pool(plan)
    lines.append("output = y[0, 0].numpy()")
    return lines


def _torch_pool(plan: _Plan) -> list[str]:
    p = plan.p
    if p.pool == "none":
        return []
    (ph, pw), (s0, s1) = p.pool_size, p.pool_stride
    fn = "F.max_pool2d" if p.pool == "max" else "F.avg_pool2d"
    lines = [
        "",
        f"# {'Max' if p.pool == 'max' else 'Average'} pooling {ph}×{pw}, stride {s0}×{s1}, "
        f'"{p.pool_padding}" padding',
        f"pool, pool_stride = ({ph}, {pw}), ({s0}, {s1})",
    ]
    if p.pool_padding == "valid":
        lines.append(f"y = {fn}(y, pool, pool_stride)")
        return lines
    if not plan.same:
        lines += _SAME_PADS_DEF
    lines += [
        '# PyTorch pools with padding only on both sides alike; Keras\' "same" is asymmetric',
        "pt, pb = same_pads(y.shape[2], pool[0], pool_stride[0])",
        "pl, pr = same_pads(y.shape[3], pool[1], pool_stride[1])",
    ]
    if p.pool == "max":
        lines.append(
            'y = F.max_pool2d(F.pad(y, (pl, pr, pt, pb), value=-float("inf")), pool, pool_stride)'
            "  # padding never wins"
        )
    else:
        lines += [
            "# the mean over real cells only: the padded mean divided by the real share",
            "real = F.pad(torch.ones_like(y), (pl, pr, pt, pb))",
            "total = F.avg_pool2d(F.pad(y, (pl, pr, pt, pb)), pool, pool_stride)",
            "y = total / F.avg_pool2d(real, pool, pool_stride)",
        ]
    return lines


# --- Keras -------------------------------------------------------------------------------------

_KERAS_ACT = {"relu": '"relu"', "sigmoid": '"sigmoid"', "tanh": '"tanh"'}


def _keras(plan: _Plan) -> list[str]:
    p = plan.p
    strided_dilated = max(p.stride) > 1 and max(p.dilation) > 1
    native = plan.boundary == "zero" and p.padding in ("same", "valid") and not strided_dilated
    need_pads = not native and not plan.no_padding
    lines = ["import numpy as np", "import tensorflow as tf", ""]
    lines += [*plan.kernel_lines(), "", *plan.geometry_lines(need_pads=need_pads), ""]
    lines.append(
        "x = np.asarray(image, dtype=np.float32)[None, :, :, None]"
        "  # (batch 1, H, W, channels 1): Keras is channels-last"
    )
    if native or plan.no_padding:
        conv_padding = p.padding if native else "valid"
        if conv_padding == "same":
            lines.append("# Conv2D's own \"same\" is convgui's rule (the odd cell bottom/right)")
    else:
        conv_padding = "valid"
        if plan.boundary == "zero":
            lines.append(
                "x = tf.keras.layers.ZeroPadding2D(((top, bottom), (left, right)))(x)"
                "  # zero padding"
            )
        else:
            lines.append("# Keras layers pad only with zeros: numpy pads with the boundary")
            lines += plan.np_pad_line("image.astype(np.float32)", "padded")
            lines.append("x = padded[None, :, :, None]")
    conv_strides = "stride"
    if strided_dilated:
        conv_strides = "(1, 1)"
        lines += [
            "# Keras' Conv2D refuses a stride together with a dilation: convolve every",
            "# position here and keep every stride-th below",
        ]
    act = _KERAS_ACT.get(p.activation, "None")
    lines += [
        "conv = tf.keras.layers.Conv2D(",
        "    filters=1,",
        "    kernel_size=(kh, kw),",
        f"    strides={conv_strides},",
        f'    padding="{conv_padding}",',
        "    dilation_rate=dilation,",
        f"    activation={act},",
        ")  # Conv2D computes cross-correlation (no kernel flip), as convgui does",
        "conv.build(x.shape)",
    ]
    w = "kernel" if p.divisor == 1 else f"(kernel / {_num(p.divisor)})"
    fold = "" if p.divisor == 1 else "; conv / d = conv with kernel / d"
    lines += [
        f"# Keras weights: the kernel as (kh, kw, in channels, out channels){fold}",
        f"weights = {w}.reshape(kh, kw, 1, 1).astype(np.float32)",
        f"conv.set_weights([weights, np.array([{_num(p.bias)}], dtype=np.float32)])"
        "  # and the bias",
        "y = conv(x)",
    ]
    if strided_dilated:
        lines.append("y = y[:, :: stride[0], :: stride[1], :]  # the stride")
    if p.activation == "leaky_relu":
        lines.append("y = tf.nn.leaky_relu(y, alpha=0.01)  # leaky ReLU, slope 0.01")
    elif p.activation == "abs":
        lines.append("y = tf.abs(y)  # |x|")
    if p.pool != "none":
        layer = "MaxPooling2D" if p.pool == "max" else "AveragePooling2D"
        (ph, pw), (s0, s1) = p.pool_size, p.pool_stride
        note = (
            "padding never wins a max"
            if p.pool == "max"
            else "TensorFlow does not count the padding in an average"
        )
        lines += [
            "",
            f"# {'Max' if p.pool == 'max' else 'Average'} pooling"
            + (f' ("same": {note})' if p.pool_padding == "same" else ""),
            f"y = tf.keras.layers.{layer}(pool_size=({ph}, {pw}), strides=({s0}, {s1}),"
            f' padding="{p.pool_padding}")(y)',
        ]
    lines.append("output = np.asarray(y)[0, :, :, 0]")
    return lines


def _fit(line: str, width: int = 100) -> list[str]:
    """A code line with a trailing comment too long for ``width``: the comment goes above."""
    at = line.find("  # ")
    if len(line) <= width or at < 0 or line.lstrip().startswith("#"):
        return [line]
    code = line[:at]
    indent = code[: len(code) - len(code.lstrip())]
    return [f"{indent}# {line[at + 4 :]}", code]


_BUILDERS = {
    "numpy": _numpy,
    "scipy": _scipy,
    "opencv": _opencv,
    "torch": _torch,
    "keras": _keras,
}


def layer_code(kernel: ArrayLike, params: LayerParams, target: str) -> str:
    """Python source that reproduces one convgui layer with another library.

    Parameters
    ----------
    kernel : array_like, shape (kh, kw)
        The layer's kernel (finite real values, any size); written as a literal whose values
        read back exactly.
    params : LayerParams
        Every other setting of the layer.
    target : {"numpy", "scipy", "opencv", "torch", "keras"}
        The library the snippet uses (see :data:`TARGETS`). numpy alone needs nothing else;
        the others need their library (``scipy``, ``opencv-python``, ``torch``,
        ``tensorflow``) and numpy.

    Returns
    -------
    str
        The snippet, ending with a newline. Executed with a 2-D float32 numpy array named
        ``image`` in scope, it leaves in ``output`` the layer's final map (the pooled map when
        pooling is on): what ``convgui.core.run_layer(image, kernel, params)`` gives, to
        float32 rounding. It does not modify ``image``.

    Raises
    ------
    ValueError
        For an unknown target (quoted), a kernel that is not a finite 2-D real array, or
        ``params`` that is not a :class:`convgui.core.LayerParams`.

    Notes
    -----
    Where a library cannot express a setting, the snippet does that step with numpy and a
    comment says why: OpenCV has no ``BORDER_WRAP`` in ``filter2D`` and no activations,
    PyTorch has no edge-repeating ("symmetric") padding, Keras pads only with zeros and refuses
    a stride together with a dilation, scipy.ndimage and OpenCV have no stride.

    Examples
    --------
    >>> import numpy as np
    >>> from convgui.core import LayerParams, run_layer
    >>> image = np.arange(16, dtype=np.float32).reshape(4, 4)
    >>> params = LayerParams(padding="same", pool="max")
    >>> code = layer_code([[0, 1], [1, 0]], params, "numpy")
    >>> scope = {"image": image}
    >>> exec(code, scope)
    >>> bool(np.array_equal(scope["output"], run_layer(image, [[0, 1], [1, 0]], params).pooled))
    True
    >>> layer_code([[1]], params, "matlab")
    Traceback (most recent call last):
    ...
    ValueError: target must be one of 'numpy', 'scipy', 'opencv', 'torch', 'keras'; got 'matlab'
    """
    if not isinstance(target, str) or target not in _BUILDERS:
        raise ValueError(f"target must be one of {', '.join(map(repr, TARGETS))}; got {target!r}")
    if not isinstance(params, LayerParams):
        raise ValueError(f"params must be a convgui.core.LayerParams, got {type(params).__name__}")
    k = _check_kernel(kernel)
    plan = _Plan(k, params)
    body = _BUILDERS[target](plan)
    lines = [*_header(k, params, target), *body]
    # No run of blank lines, no trailing blanks.
    out: list[str] = []
    for line in lines:
        line = line.rstrip()
        if line or (out and out[-1]):
            out.extend(_fit(line))
    return "\n".join(out).strip("\n") + "\n"


__all__ = ["TARGETS", "TARGET_TITLES", "kernel_literal", "layer_code"]
