"""convgui.codegen: the snippets reproduce run_layer, for every target that can be run here.

The numpy and scipy snippets are executed over a covering grid of settings (padding ×
boundary × stride × dilation × pooling × flip × activation × kernel sizes, tiny images
included) and compared with :func:`convgui.core.run_layer`; the OpenCV and PyTorch snippets too
when their library is importable; every snippet of every target is compiled. No Qt here.
"""

from __future__ import annotations

import random
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from convgui.codegen import TARGETS, kernel_literal, layer_code
from convgui.core import ACTIVATIONS, BOUNDARIES, LayerParams, run_layer

PADDINGS: list[Any] = ["valid", "same", "full", 0, 1, 3, (0, 1, 2, 0), (2, 0, 0, 1), (4, 4, 0, 5)]
STRIDES = [(1, 1), (2, 2), (1, 3), (3, 2)]
DILATIONS = [(1, 1), (2, 2), (1, 2), (3, 1)]
KERNEL_SHAPES = [(1, 1), (2, 2), (3, 3), (2, 3), (4, 5), (5, 4), (1, 3), (6, 6)]
IMAGE_SHAPES = [(9, 11), (6, 6), (2, 3), (16, 13), (5, 2), (1, 4)]
SCALES = [(1.0, 0.0), (3.0, 0.0), (1.0, -0.5), (-2.0, 1.25), (0.3, 10.0)]
POOLS = [
    ("none", (2, 2), (2, 2), "valid"),
    ("max", (2, 2), (2, 2), "valid"),
    ("max", (3, 2), (1, 2), "same"),
    ("avg", (2, 2), (2, 2), "same"),
    ("avg", (3, 3), (2, 1), "valid"),
    ("max", (2, 3), (3, 3), "same"),
    ("avg", (1, 2), (1, 1), "same"),
]
N_CASES = 200


@dataclass(frozen=True)
class Case:
    """One layer to reproduce: the image, the kernel and the settings."""

    image: np.ndarray
    kernel: np.ndarray
    params: LayerParams

    def __repr__(self) -> str:
        return f"Case(image {self.image.shape}, kernel {self.kernel.shape}, {self.params})"


def _make_cases() -> list[Case]:
    """A covering set of valid layers (each value of each setting appears many times)."""
    rng = random.Random(20261201)
    nprng = np.random.default_rng(7)
    cases: list[Case] = []
    while len(cases) < N_CASES:
        i = len(cases)
        # Cycle the two largest dimensions so each value is used evenly; draw the rest.
        boundary = BOUNDARIES[i % len(BOUNDARIES)]
        padding = PADDINGS[(i // len(BOUNDARIES)) % len(PADDINGS)]
        pool, size, pstride, ppad = rng.choice(POOLS)
        divisor, bias = rng.choice(SCALES)
        params = LayerParams(
            padding=padding,
            boundary=boundary,
            cval=rng.choice([2.5, -1.25, 0.0]),
            stride=rng.choice(STRIDES),
            dilation=rng.choice(DILATIONS),
            flip=rng.random() < 0.5,
            divisor=divisor,
            bias=bias,
            activation=ACTIVATIONS[rng.randrange(len(ACTIVATIONS))],
            pool=pool,
            pool_size=size,
            pool_stride=pstride,
            pool_padding=ppad,
        )
        kshape = rng.choice(KERNEL_SHAPES)
        ishape = rng.choice(IMAGE_SHAPES)
        kernel = np.round(nprng.uniform(-4, 4, kshape), 2)
        if rng.random() < 0.3:
            kernel = kernel / 7.0  # values with every digit of a float64
        image = nprng.uniform(-3, 5, ishape).astype(np.float32)
        try:
            run_layer(image, kernel, params)
        except ValueError:
            continue  # no output for this combination (the kernel or pool does not fit)
        cases.append(Case(image, kernel, params))
    return cases


CASES = _make_cases()


def _final(case: Case) -> np.ndarray:
    r = run_layer(case.image, case.kernel, case.params)
    return r.pooled if r.pooled is not None else r.activated


def _tolerance(case: Case) -> float:
    """Float32 rounding of the sums, in the units of the output."""
    p = case.params
    peak = max(float(np.abs(case.image).max()), abs(p.cval))
    scale = float(np.abs(case.kernel).sum()) * peak / abs(p.divisor) + abs(p.bias)
    return 1e-5 * (scale + 1.0)


def run_snippet(code: str, image: np.ndarray) -> np.ndarray:
    """Execute a snippet in a fresh namespace with ``image`` in scope; return ``output``."""
    scope: dict[str, Any] = {"image": image}
    exec(compile(code, "<convgui snippet>", "exec"), scope)
    return np.asarray(scope["output"])


def check_case(case: Case, target: str) -> None:
    image = case.image.copy()
    got = run_snippet(layer_code(case.kernel, case.params, target), image)
    want = _final(case)
    assert np.array_equal(image, case.image), "the snippet modified `image`"
    assert got.shape == want.shape, f"{target}: shape {got.shape} != {want.shape} for {case}"
    assert got.dtype == np.float32, f"{target}: dtype {got.dtype} for {case}"
    err = float(np.max(np.abs(got.astype(np.float64) - want))) if want.size else 0.0
    assert err <= _tolerance(case), f"{target}: max error {err:.3g} for {case}"


def _ids(cases: list[Case]) -> list[str]:
    return [f"case{i}" for i in range(len(cases))]


# --- the grid covers what it claims ------------------------------------------------------------


def test_the_grid_covers_every_value_of_every_setting() -> None:
    seen: dict[str, set[Any]] = {}
    for c in CASES:
        p = c.params
        for name, value in [
            ("padding", p.padding),
            ("boundary", p.boundary),
            ("stride", p.stride),
            ("dilation", p.dilation),
            ("pool", (p.pool, p.pool_size, p.pool_stride, p.pool_padding)),
            ("flip", p.flip),
            ("activation", p.activation),
            ("kernel", c.kernel.shape),
            ("image", c.image.shape),
        ]:
            seen.setdefault(name, set()).add(value)
    assert seen["padding"] == {p if not isinstance(p, list) else tuple(p) for p in PADDINGS}
    assert seen["boundary"] == set(BOUNDARIES)
    assert seen["stride"] == set(STRIDES)
    assert seen["dilation"] == set(DILATIONS)
    assert seen["pool"] == set(POOLS)
    assert seen["flip"] == {True, False}
    assert seen["activation"] == set(ACTIVATIONS)
    assert seen["kernel"] == set(KERNEL_SHAPES)
    assert seen["image"] == set(IMAGE_SHAPES)
    # even kernels with Keras' asymmetric "same", and padding wider than the kernel reaches
    assert any(c.params.padding == "same" and c.kernel.shape[0] % 2 == 0 for c in CASES)
    assert any(c.params.padding == (4, 4, 0, 5) and c.params.boundary == "wrap" for c in CASES)


# --- numpy and scipy: always executed -----------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_numpy_snippet_reproduces_run_layer(case: Case) -> None:
    check_case(case, "numpy")


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_scipy_snippet_reproduces_run_layer(case: Case) -> None:
    pytest.importorskip("scipy.ndimage")
    check_case(case, "scipy")


# --- OpenCV, PyTorch: executed where the library is installed ---------------------------------


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_opencv_snippet_reproduces_run_layer(case: Case) -> None:
    pytest.importorskip("cv2")
    check_case(case, "opencv")


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_torch_snippet_reproduces_run_layer(case: Case) -> None:
    pytest.importorskip("torch")
    check_case(case, "torch")


@pytest.mark.parametrize("case", CASES[:60], ids=_ids(CASES[:60]))
def test_keras_snippet_reproduces_run_layer(case: Case) -> None:
    pytest.importorskip("tensorflow")
    check_case(case, "keras")


@pytest.mark.parametrize("target", TARGETS)
def test_every_snippet_compiles(target: str) -> None:
    for case in CASES:
        code = layer_code(case.kernel, case.params, target)
        compile(code, f"<{target}>", "exec")


# --- the check itself can fail -----------------------------------------------------------------


@pytest.mark.parametrize("target", ["numpy", "scipy"])
@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.evolve(flip=not p.flip),
        lambda p: p.evolve(padding=(1, 0, 1, 0)),
        lambda p: p.evolve(boundary="wrap"),
        lambda p: p.evolve(bias=p.bias + 0.5),
        lambda p: p.evolve(activation="relu"),
    ],
    ids=["flip", "padding", "boundary", "bias", "activation"],
)
def test_a_snippet_for_other_settings_fails_the_check(
    target: str, change: Callable[[LayerParams], LayerParams]
) -> None:
    """The comparison is sharp enough to see one setting reproduced wrongly."""
    image = np.random.default_rng(3).uniform(-3, 5, (7, 8)).astype(np.float32)
    kernel = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    params = LayerParams(padding="same", boundary="reflect", activation="tanh")
    case = Case(image, kernel, params)
    check_case(case, target)
    wrong = Case(image, kernel, change(params))
    code = layer_code(kernel, wrong.params, target)
    with pytest.raises(AssertionError):
        got = run_snippet(code, image)
        assert got.shape == _final(case).shape
        assert float(np.max(np.abs(got - _final(case)))) <= _tolerance(case)


# --- the snippet reads well --------------------------------------------------------------------


def test_the_kernel_literal_reads_back_bit_for_bit() -> None:
    values = [1 / 3, -0.0, 1e-300, 5e-324, 1.7976931348623157e308, 0.1, -2.5, 1e20, 7 / 9]
    kernel = np.array(values).reshape(3, 3)
    scope: dict[str, Any] = {"np": np}
    exec("\n".join(kernel_literal(kernel)), scope)
    back = scope["kernel"]
    assert back.dtype == np.float64
    assert [struct.pack("<d", v) for v in back.ravel()] == [struct.pack("<d", v) for v in values]


@pytest.mark.parametrize("target", TARGETS)
def test_the_snippet_states_its_settings_and_imports_first(target: str) -> None:
    params = LayerParams(
        padding=(1, 2, 0, 3),
        boundary="mirror",
        stride=(2, 1),
        dilation=(1, 2),
        flip=True,
        divisor=9.0,
        bias=-0.25,
        activation="leaky_relu",
        pool="avg",
        pool_size=(3, 2),
        pool_stride=(1, 2),
        pool_padding="same",
    )
    code = layer_code([[1 / 9, 2.0], [0.5, -1.0]], params, target)
    lines = code.splitlines()
    assert "convgui" in lines[0]
    header = "\n".join(line for line in lines[:12] if line.startswith("#"))
    for text in [
        "kernel 2×2",
        "flip on",
        "top 1, bottom 2, left 0, right 3",
        "mirror",
        "stride 2×1",
        "dilation 1×2",
        "divisor 9.0, bias -0.25",
        "leaky_relu",
        'avg 3×2, stride 1×2, "same"',
    ]:
        assert text in header, f"{text!r} missing from the header of the {target} snippet"
    code_lines = [s for s in lines if s and not s.startswith("#")]
    first_other = next(i for i, s in enumerate(code_lines) if not s.startswith(("import", "from")))
    assert all(not s.startswith(("import ", "from ")) for s in code_lines[first_other:])
    assert "0.1111111111111111" in code  # the kernel's values, exactly
    assert not re.search(r"^\s*(import|from)\s+convgui", code, re.M)  # needs nothing of convgui
    commented = sum(1 for s in code_lines if "#" in s)
    assert commented >= 6, "the steps should say what they do"


@pytest.mark.parametrize("target", TARGETS)
def test_lines_fit_a_page(target: str) -> None:
    for case in CASES[:40]:
        code = layer_code(case.kernel, case.params, target)
        long = [s for s in code.splitlines() if len(s) > 100 and not s.lstrip().startswith("[")]
        assert not long, f"lines over 100 characters: {long}"


def test_each_library_is_used_for_its_step() -> None:
    params = LayerParams(padding="same", boundary="replicate", pool="max")
    code = {t: layer_code(np.ones((3, 3)), params, t) for t in TARGETS}
    assert "ndimage.correlate(" in code["scipy"] and 'mode="nearest"' in code["scipy"]
    assert "ndimage.maximum_filter(" in code["scipy"]
    assert "cv2.filter2D(" in code["opencv"] and "cv2.BORDER_REPLICATE" in code["opencv"]
    assert "correlation" in code["opencv"] and "anchor=(left, top)" in code["opencv"]
    assert "F.conv2d(" in code["torch"] and 'mode="replicate"' in code["torch"]
    assert "F.max_pool2d(" in code["torch"]
    assert "tf.keras.layers.Conv2D(" in code["keras"] and "set_weights(" in code["keras"]
    assert "MaxPooling2D(" in code["keras"]
    # what a library cannot do is done with numpy, and says why
    wrap = layer_code(np.ones((3, 3)), LayerParams(boundary="wrap"), "opencv")
    assert 'np.pad(x, ((top, bottom), (left, right)), mode="wrap")' in wrap
    assert "BORDER_WRAP" in wrap
    sym = layer_code(np.ones((3, 3)), LayerParams(boundary="reflect"), "torch")
    assert 'mode="symmetric"' in sym and "PyTorch has no padding" in sym
    keras = layer_code(np.ones((3, 3)), LayerParams(stride=2, dilation=2), "keras")
    assert "strides=(1, 1)" in keras and "y[:, :: stride[0], :: stride[1], :]" in keras


@pytest.mark.parametrize("target", ["numpy", "scipy"])
def test_keras_same_for_an_even_kernel_puts_the_odd_cell_after(target: str) -> None:
    """A 2×2 kernel of ones on "same": the last row and column read one padded cell each."""
    image = np.arange(1, 10, dtype=np.float32).reshape(3, 3)
    got = run_snippet(layer_code(np.ones((2, 2)), LayerParams(padding="same"), target), image)
    want = np.array([[12, 16, 9], [24, 28, 15], [15, 17, 9]], dtype=np.float32)  # by hand
    assert np.array_equal(got, want)


# --- bad input -----------------------------------------------------------------------------------


def test_an_unknown_target_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"'matlab'") as info:
        layer_code(np.ones((3, 3)), LayerParams(), "matlab")
    assert "'numpy'" in str(info.value) and "'keras'" in str(info.value)


@pytest.mark.parametrize(
    ("kernel", "match"),
    [
        (np.array([[1.0, np.nan]]), "finite"),
        (np.ones(3), "2-D"),
        (np.zeros((0, 3)), "2-D"),
        (np.array([["a"]]), "real numbers"),
    ],
)
def test_a_bad_kernel_is_refused(kernel: np.ndarray, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        layer_code(kernel, LayerParams(), "numpy")


def test_params_must_be_layer_params() -> None:
    with pytest.raises(ValueError, match="LayerParams"):
        layer_code(np.ones((3, 3)), {"padding": "same"}, "numpy")  # type: ignore[arg-type]


@pytest.mark.parametrize("target", ["numpy", "scipy"])
@pytest.mark.parametrize("boundary", ["reflect", "mirror", "wrap", "replicate"])
def test_a_kernel_far_larger_than_the_image(target: str, boundary: str) -> None:
    """Padding reaching several image lengths past the edge (scipy's "reflect" misreads it)."""
    image = np.arange(1, 7, dtype=np.float32).reshape(2, 3)
    kernel = np.random.default_rng(5).uniform(-1, 1, (9, 9))
    for padding in ["same", (8, 0, 8, 0), (0, 8, 4, 4)]:
        params = LayerParams(padding=padding, boundary=boundary)
        check_case(Case(image, kernel, params), target)


def test_docstring_examples() -> None:
    import doctest

    import convgui.codegen

    result = doctest.testmod(convgui.codegen, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 5 and result.failed == 0
