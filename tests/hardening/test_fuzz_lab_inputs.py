"""Attacking the lab's inputs: generator parameters, worksheet options, quiz answers, savers.

* Kernel generators: every parameter at its limits gives a finite kernel of at most 15×15;
  just beyond them, or not a real number, a ``ValueError`` quoting it. Remembered values that
  are damaged fall back to the defaults, and the dialog still opens and works.
* Worksheets: hostile options are refused; random valid ones give answers equal to a direct
  loop written here; a save never replaces a file without asking.
* Quiz: any typed text is judged or refused (not counted, the question stays open).
* Code export and SVG/PDF frame export: bad names, folders, devices and other people's files
  are refused with a message and nothing is written.

The reproductions of the bugs attacks found are in ``test_attack_regressions.py``.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialogButtonBox

from convgui.core.generators import GENERATORS, ParamSpec
from convgui.core.worksheet import (
    MAX_KERNEL_SIDE,
    MAX_SIDE,
    MIN_SIDE,
    WorksheetOptions,
    make_worksheet,
)
from convgui.gui.lab_generate import parse_setting
from convgui.imageio import ImageDoc
from convgui.quiz import Quiz, QuizMap
from convgui.safeio import NeedsConfirmationError, SaveError, forget_written

SEED = 20261206
NOT_NUMBERS: list[Any] = [
    math.nan, math.inf, -math.inf, None, "1", "", [], [1.0], {}, True, False, 1 + 1j, b"1",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_session() -> Any:
    forget_written()
    yield
    forget_written()


# --- kernel generators --------------------------------------------------------------------


def numeric_specs() -> list[tuple[str, ParamSpec]]:
    return [(g, p) for g, gen in GENERATORS.items() for p in gen.params if not p.is_choice]


def assert_kernel(k: Any, what: object) -> None:
    assert isinstance(k, np.ndarray) and k.dtype == np.float64, what
    assert k.ndim == 2 and min(k.shape) >= 1 and max(k.shape) <= 15, (what, k.shape)
    assert np.all(np.isfinite(k)) and np.any(k != 0), what


@pytest.mark.parametrize(("gen", "spec"), numeric_specs(), ids=lambda v: getattr(v, "name", v))
def test_generator_parameter_at_and_beyond_its_limits(gen: str, spec: ParamSpec) -> None:
    g = GENERATORS[gen]
    at_limits = [spec.minimum, spec.maximum, np.float32(spec.maximum), np.float64(spec.minimum)]
    if spec.name == "size":  # only odd sizes have a centre cell
        at_limits = [spec.minimum, spec.maximum, 3, np.int64(5), 7.0]
    for value in at_limits:
        others = {"sigma2": 4.0} if gen == "dog" and spec.name == "sigma1" else {}
        assert_kernel(g.make(**{spec.name: value}, **others), (gen, spec.name, value))
    beyond = [
        math.nextafter(spec.minimum, -math.inf),
        math.nextafter(spec.maximum, math.inf),
        spec.minimum - 1e6,
        spec.maximum * 1e300,
        -1e308,
    ]
    for value in beyond + NOT_NUMBERS:
        with pytest.raises(ValueError) as info:
            g.make(**{spec.name: value})
        msg = str(info.value)
        assert spec.title in msg or spec.name in msg, msg
        shown = repr(value) if not isinstance(value, float) else f"{value!r}"
        assert shown[:12] in msg or str(value)[:12] in msg, (value, msg)


def test_choices_and_names_are_checked() -> None:
    edge = GENERATORS["edge"]
    for bad in ("SOBEL", " sobel", "", None, 1, ["sobel"]):
        with pytest.raises(ValueError, match="Operator"):
            edge.make(operator=bad)
    for name in ("sigmaa", "", "__class__", "size "):
        with pytest.raises(ValueError, match="has no parameter"):
            GENERATORS["gaussian"].make(**{name: 1.0})
    with pytest.raises(ValueError, match="differ"):
        GENERATORS["dog"].make(sigma1=2.0, sigma2=2.0)
    with pytest.raises(ValueError, match="odd"):
        GENERATORS["box"].make(size=4)


def box(n: int) -> np.ndarray:
    return np.full((n, n), 1.0 / (n * n))


def gaussian(sigma: float) -> np.ndarray:
    """exp(-(x² + y²) / 2σ²) on 2·ceil(3σ)+1 cells (at most 15), normalised."""
    h = min(max(math.ceil(3 * sigma - 1e-9), 1), 7)
    x = np.arange(-h, h + 1, dtype=np.float64)
    g = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * sigma**2))
    return g / g.sum()


@pytest.mark.timeout(60)
def test_random_parameters_in_range_give_sound_kernels() -> None:
    rng = np.random.default_rng(SEED)
    sums = {"gaussian": 1.0, "box": 1.0, "disk": 1.0, "motion_blur": 1.0, "log": 0.0, "dog": 0.0}
    made = 0
    for _ in range(600):
        name = str(rng.choice(sorted(GENERATORS)))
        g = GENERATORS[name]
        values: dict[str, Any] = {}
        for p in g.params:
            if p.is_choice:
                values[p.name] = str(rng.choice(p.choices))
            elif p.name == "size":
                values[p.name] = int(rng.choice([1, 3, 5, 7, 9, 11, 13, 15]))
            else:
                values[p.name] = float(
                    rng.choice([p.minimum, p.maximum, rng.uniform(p.minimum, p.maximum)])
                )
        if name == "dog" and values["sigma1"] == values["sigma2"]:
            values["sigma2"] = values["sigma1"] + 0.5 if values["sigma1"] < 4 else 1.0
        k = g.make(**values)
        assert_kernel(k, (name, values))
        if name in sums:
            assert k.sum() == pytest.approx(sums[name], abs=1e-9), (name, values)
        if name == "box":
            np.testing.assert_allclose(k, box(values["size"]), rtol=1e-12)
        if name == "gaussian" and values["size"] == 1:  # size 1: "from σ"
            np.testing.assert_allclose(k, gaussian(values["sigma"]), rtol=1e-9, atol=1e-15)
        made += 1
    assert made == 600


RAW_SETTINGS: list[Any] = [
    None, "", "abc", "nan", "inf", "-inf", "1e999", "9" * 5000, "0x10", [], ["1"], {}, "@Invalid()",
    "\x00", "١", "1,5", -1e308, 1e308, "4", "2.5e-3", True,
]  # fmt: skip


def test_remembered_values_fall_back_to_allowed_ones() -> None:
    for gen in GENERATORS.values():
        for spec in gen.params:
            for raw in RAW_SETTINGS:
                v = parse_setting(spec, raw)
                assert spec.check(v) == v, (gen.name, spec.name, raw, v)
            if not spec.is_choice:
                assert parse_setting(spec, "nan") == spec.default
                assert parse_setting(spec, str(spec.maximum)) == spec.maximum


def test_generator_dialog_opens_on_damaged_settings(window: Any, qtbot: Any) -> None:
    from PySide6.QtGui import QAction

    from convgui.gui.kernel_lab import lab

    st: QSettings = window.settings
    rng = np.random.default_rng(SEED)
    for name, gen in GENERATORS.items():
        for spec in gen.params:
            st.setValue(
                f"kernelLab/values/{name}/{spec.name}",
                RAW_SETTINGS[int(rng.integers(0, len(RAW_SETTINGS)))],
            )
    for generator in ("../../gaussian", "", "box"):
        st.setValue("kernelLab/generator", generator)
        st.sync()
        act = window.findChild(QAction, "generateKernelAction")
        with qtbot.captureExceptions() as errors:
            act.trigger()
            dlg = lab(window).generator
            qtbot.waitUntil(dlg.isVisible, timeout=2000)
            assert dlg.generator.name in GENERATORS
            for spec in dlg.generator.params:
                value = dlg.values[spec.name]
                assert spec.check(value) == value
            before = np.array(window.state.kernel)
            ok = dlg.apply_now()
            if ok:
                assert_kernel(np.asarray(window.state.kernel), generator)
            else:
                assert dlg.error.isVisible() and "not changed" in dlg.error.text()
                np.testing.assert_array_equal(window.state.kernel, before)
            dlg.reject()
        assert not errors, [str(e[1]) for e in errors]


# --- worksheet ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"padding": None}, {"padding": "full"}, {"padding": "SAME"}, {"padding": ["same"]},
        {"stride": 0}, {"stride": 3}, {"stride": True}, {"stride": "1"}, {"stride": None},
        {"stride": 1.5}, {"cells": 0}, {"cells": -3}, {"cells": True}, {"cells": 2.0},
        {"cells": "6"}, {"cells": None},
    ],
    ids=repr,
)  # fmt: skip
def test_worksheet_options_refuse_hostile_values(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as info:
        WorksheetOptions(**options)
    value = next(iter(options.values()))
    assert repr(value) in str(info.value), str(info.value)


def direct_answers(grid: np.ndarray, k: np.ndarray, padding: str, stride: int) -> np.ndarray:
    """Zero-padded correlation by loops (Keras 'same': the odd cell at the bottom/right)."""
    h, w = grid.shape
    kh, kw = k.shape
    pads = []
    for n, kn in ((h, kh), (w, kw)):
        total = 0 if padding == "valid" else max((math.ceil(n / stride) - 1) * stride + kn - n, 0)
        pads.append((total // 2, total - total // 2))
    g = np.pad(grid, pads)
    ho = (g.shape[0] - kh) // stride + 1
    wo = (g.shape[1] - kw) // stride + 1
    out = np.zeros((ho, wo))
    for r in range(ho):
        for c in range(wo):
            out[r, c] = np.sum(g[r * stride : r * stride + kh, c * stride : c * stride + kw] * k)
    return out


@pytest.mark.timeout(60)
def test_random_worksheets_match_a_direct_loop() -> None:
    rng = np.random.default_rng(SEED)
    made = refused = 0
    for _ in range(120):
        h, w = (int(rng.integers(MIN_SIDE, MAX_SIDE + 1)) for _ in range(2))
        kh, kw = (int(rng.integers(1, MAX_KERNEL_SIDE + 1)) for _ in range(2))
        grid = rng.integers(0, 256, (h, w)).astype(np.float64)
        kernel = rng.integers(-3, 4, (kh, kw)).astype(np.float64)
        opts = WorksheetOptions(
            padding=str(rng.choice(["valid", "same"])),
            stride=int(rng.choice([1, 2])),
            pool=bool(rng.random() < 0.4),
            cells=int(rng.integers(1, 200)),
        )
        try:
            ws = make_worksheet(grid, kernel, opts)
        except ValueError as exc:
            assert "kernel" in str(exc) or "pooling" in str(exc), str(exc)
            refused += 1
            continue
        want = direct_answers(grid, kernel, opts.padding, opts.stride)
        np.testing.assert_allclose(ws.answers, want, rtol=1e-6, atol=1e-3)
        n_out = want.size
        assert len(ws.to_fill) == min(opts.cells, n_out) == len(set(ws.to_fill))
        assert all(0 <= r < want.shape[0] and 0 <= c < want.shape[1] for r, c in ws.to_fill)
        if opts.pool:
            ph, pw = want.shape[0] // 2, want.shape[1] // 2
            pooled = want[: ph * 2, : pw * 2].reshape(ph, 2, pw, 2).max(axis=(1, 3))
            assert ws.pooled is not None
            np.testing.assert_allclose(ws.pooled, pooled, rtol=1e-6, atol=1e-3)
        made += 1
    assert made > 40 and refused > 5, (made, refused)


@pytest.mark.parametrize(
    ("grid", "kernel"),
    [
        (np.ones((3, 3)), np.ones((3, 3))),
        (np.ones((11, 6)), np.ones((3, 3))),
        (np.ones((6, 6, 3)), np.ones((3, 3))),
        (np.ones(36), np.ones((3, 3))),
        (np.ones((6, 6)), np.ones((16, 1))),
        (np.ones((6, 6)), np.ones((0, 3))),
        (np.ones((6, 6)), np.ones(9)),
        (np.full((6, 6), np.nan), np.ones((3, 3))),
        (np.ones((6, 6)), np.full((3, 3), np.inf)),
        ([["a"] * 6] * 6, np.ones((3, 3))),
        ([[1] * 6] * 5 + [[1]], np.ones((3, 3))),
        (None, np.ones((3, 3))),
        (np.ones((6, 6)), np.ones((7, 7))),  # valid padding: the kernel does not fit
    ],
)
def test_worksheet_refuses_hostile_grids_and_kernels(grid: Any, kernel: Any) -> None:
    padding = "valid" if np.shape(kernel) == (7, 7) else "same"
    with pytest.raises(ValueError):
        make_worksheet(grid, kernel, WorksheetOptions(padding=padding))


class Host:
    """State, settings and messages: what the worksheet dialog uses."""

    def __init__(self, state: Any, settings: QSettings) -> None:
        self.state = state
        self.settings = settings
        self.messages: list[tuple[str, str]] = []

    def show_message(self, level: str, text: str) -> None:
        self.messages.append((level, text))


def test_worksheet_save_with_hostile_names(
    state: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from convgui.gui import worksheet as wsm

    state.set_image(ImageDoc(np.arange(400, dtype=np.uint8).reshape(20, 20), 8, "ramp"))
    host = Host(state, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    warnings: list[str] = []
    monkeypatch.setattr(wsm.QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    asked: list[str] = []
    monkeypatch.setattr(wsm, "ask_replace", lambda parent, msg: asked.append(msg) or False)
    foreign = tmp_path / "theirs.pdf"
    foreign.write_bytes(b"%PDF-1.4 someone else's file")
    folder = tmp_path / "folder.pdf"
    folder.mkdir()
    os.mkfifo(tmp_path / "pipe.pdf")
    dlg = wsm.WorksheetDialog(host)
    qtbot.addWidget(dlg)
    save = dlg.buttons.button(QDialogButtonBox.StandardButton.Save)
    cases = {
        "": "No file is chosen",
        "   ": "No file is chosen",
        str(folder): "folder",
        str(tmp_path / "missing" / "w.pdf"): "does not exist",
        str(tmp_path / ("x" * 300)): "too long",
        str(tmp_path / "pipe.pdf"): "pipe",
        str(tmp_path / "a\0b.pdf"): "null",
    }
    for text, fragment in cases.items():
        warnings.clear()
        dlg.path.setText(text)
        with qtbot.captureExceptions() as errors:
            save.click()
        assert not errors, (text, [str(e[1]) for e in errors])
        assert warnings and fragment.lower() in warnings[-1].lower(), (text, warnings)
        assert dlg.result() != wsm.WorksheetDialog.DialogCode.Accepted
    dlg.path.setText(str(foreign))
    save.click()
    assert len(asked) == 1 and foreign.read_bytes() == b"%PDF-1.4 someone else's file"
    names = sorted(p.name for p in tmp_path.iterdir())
    assert [n for n in names if n != "s.ini"] == ["folder.pdf", "pipe.pdf", "theirs.pdf"]


# --- quiz -------------------------------------------------------------------------------------

ANSWERS = [
    "", " ", "twenty", "1,5", "1e999", "nan", "inf", "1/0", "--2", "2**3", "\x00", "🙂",
    "9" * 10_000, "1" * 400 + "/" + "3" * 400, "1/3/3", "0x10", "\u2212", "½",
]  # fmt: skip


def open_quiz(values: np.ndarray) -> Quiz:
    quiz = Quiz(order="scan", seed=0)
    quiz.set_map(QuizMap("conv", values, np.zeros(values.shape, np.uint8)))
    assert quiz.ask() is not None and quiz.open
    return quiz


def test_quiz_judges_or_refuses_any_text() -> None:
    values = np.array([[198.0, -2.25, 1530.4], [0.0, 12.3333, 1e-4]])
    quiz = open_quiz(values)
    for text in ANSWERS:
        score = (quiz.score.asked, quiz.score.right)
        try:
            verdict = quiz.answer(text)
        except ValueError as exc:
            msg = str(exc)
            assert quiz.open and (quiz.score.asked, quiz.score.right) == score, text
            assert len(msg) < 400 and ("Type" in msg or "point" in msg), msg
            continue
        assert not verdict.right and math.isfinite(verdict.answer), text
        assert verdict.text
        assert quiz.ask() is not None
    rng = np.random.default_rng(SEED)
    for _ in range(60):  # numbers typed near the expected value
        q = quiz.question if quiz.open else quiz.ask()
        assert q is not None
        expected = float(values[q.cell])
        off = float(rng.choice([0.0, 0.004, 0.04, 0.4, 0.6, 5.0]))
        typed = repr(expected + off)
        verdict = quiz.answer(typed)
        # Right when closer than half a unit of the value's 3rd significant digit and of the
        # last digit typed, or when it is the same float32.
        mantissa, _, exponent = typed.lower().partition("e")
        typed_unit = 10.0 ** (int(exponent or 0) - len(mantissa.partition(".")[2]))
        value_unit = 10.0 ** (math.floor(math.log10(abs(expected))) - 2) if expected else 1.0
        same = np.float32(expected + off) == np.float32(expected)
        want = bool(same) or off < 0.5 * min(typed_unit, value_unit)
        assert verdict.right == want, (q.shown, typed, off)
        quiz.ask()


def test_quiz_over_a_map_of_nan_and_inf_never_counts_right() -> None:
    values = np.array([[math.nan, math.inf], [-math.inf, 1e308]])
    quiz = open_quiz(values)
    for _ in range(4):
        q = quiz.question
        assert q is not None
        expected = float(values[q.cell])
        verdict = quiz.answer("1e308" if math.isfinite(expected) else "0")
        assert verdict.right == math.isfinite(expected)
        assert verdict.text
        quiz.ask()
    with pytest.raises(ValueError, match="order"):
        quiz.set_order("sideways")


# --- code export and SVG/PDF frames --------------------------------------------------------


def test_code_save_refuses_bad_targets(tmp_path: Path) -> None:
    from convgui.gui.code_export import save_code

    foreign = tmp_path / "theirs.py"
    foreign.write_text("# someone's code\n")
    (tmp_path / "folder.py").mkdir()
    targets = {
        tmp_path / "folder.py": "folder",
        tmp_path / "missing" / "x.py": "does not exist",
        tmp_path / ("y" * 300 + ".py"): "too long",
        Path("/dev/null"): "device",
        foreign: "Not saved",
    }
    asked: list[str] = []
    for path, fragment in targets.items():
        ok, message = save_code(
            "x = 1\n", path, protected=[], ask=lambda t, q: asked.append(q) or False,
            chosen_in_dialog=False,
        )  # fmt: skip
        assert not ok and fragment.lower() in message.lower(), (path, message)
    assert len(asked) == 1 and foreign.read_text() == "# someone's code\n"
    # A protected file is asked about even when the save dialog asked already.
    ok, message = save_code(
        "x = 2\n", foreign, protected=[foreign], ask=lambda t, q: False, chosen_in_dialog=True
    )
    assert not ok and foreign.read_text() == "# someone's code\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.py", "theirs.py"]


@pytest.fixture
def lesson_state(state: Any, lesson_sample: Any) -> Any:
    from convgui.imageio import load_sample

    state.set_image(load_sample(lesson_sample.path, lesson_sample.title))
    assert state.result is not None
    return state


@pytest.mark.parametrize(
    "positions",
    [[-1], [36], [10**30], ["a"], [math.nan], [], list(range(2001))],
    ids=["neg", "end", "huge", "str", "nan", "none", "too-many"],
)
@pytest.mark.parametrize("kind", ["svg", "pdf"])
def test_frame_export_refuses_bad_positions_writing_nothing(
    lesson_state: Any, tmp_path: Path, positions: list[Any], kind: str
) -> None:
    from convgui.gui.export import export_animation

    target = tmp_path / ("frames" if kind == "svg" else "frames.pdf")
    with pytest.raises(ValueError):
        export_animation(lesson_state, positions, target, kind=kind)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_frame_export_never_replaces_others_files(lesson_state: Any, tmp_path: Path) -> None:
    from convgui.gui.export import FramesExistError, export_animation

    pdf = tmp_path / "theirs.pdf"
    pdf.write_bytes(b"%PDF-1.4 theirs")
    with pytest.raises(NeedsConfirmationError):
        export_animation(lesson_state, [0, 1], pdf, kind="pdf")
    assert pdf.read_bytes() == b"%PDF-1.4 theirs"
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "frame_00000.svg").write_text("<svg>theirs</svg>")
    (folder / "notes.txt").write_text("keep")
    with pytest.raises(FramesExistError):
        export_animation(lesson_state, [0, 1], folder, kind="svg")
    assert (folder / "frame_00000.svg").read_text() == "<svg>theirs</svg>"
    assert sorted(p.name for p in folder.iterdir()) == ["frame_00000.svg", "notes.txt"]
    with pytest.raises(ValueError, match="kind"):
        export_animation(lesson_state, [0], tmp_path / "x.eps", kind="eps")  # type: ignore[arg-type]
    with pytest.raises(SaveError):
        export_animation(lesson_state, [0], tmp_path / "missing" / "f.pdf", kind="pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames", "theirs.pdf"]


@pytest.mark.parametrize(("width", "height"), [(0, 0), (-5, 10), (10, 0)])
@pytest.mark.parametrize("kind", ["svg", "pdf"])
def test_frame_export_refuses_an_empty_frame_size(
    lesson_state: Any, tmp_path: Path, width: int, height: int, kind: str
) -> None:
    from convgui.gui.export import FrameSpec, export_animation

    target = tmp_path / ("frames" if kind == "svg" else "f.pdf")
    spec = FrameSpec(width=width, height=height)
    with pytest.raises(ValueError):
        export_animation(lesson_state, [0], target, kind=kind, spec=spec)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
