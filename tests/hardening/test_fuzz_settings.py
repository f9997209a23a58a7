"""Fuzzing the remembered settings: 120 mutated settings files (fixed seed).

The settings file is untrusted input. For each mutated file the window always starts and
computes an output; a file that cannot be used gives the defaults and says so ("Your settings
could not be read (…); defaults restored; the old file was kept as …"); a file that is used
gives values within the controls' limits. Each case takes well under a second.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from convgui.core import LayerParams, get_preset, layer_shapes
from convgui.gui import texts
from convgui.gui.settings import check_limits, open_settings
from convgui.gui.window import MainWindow
from convgui.imageio import kernel_to_json
from convgui.state import ExplorerState, SyncExecutor

SEED = 20261202
N_FILES = 120


def base_file(tmp: Path) -> bytes:
    """A settings file as convgui writes it (kernel, layer settings, view options)."""
    path = tmp / "base.ini"
    st = QSettings(str(path), QSettings.Format.IniFormat)
    params = LayerParams(padding="same", stride=(2, 2), pool="max", activation="relu", bias=1.5)
    st.setValue("kernel", kernel_to_json(get_preset("sobel_x"), params))
    st.setValue("displayMode", "diverging")
    st.setValue("colorMode", "gray")
    st.setValue("valueScale", "0-1")
    st.setValue("textScale", 1.15)
    st.setValue("recentFiles", ["/tmp/a.png", "/tmp/b.png"])
    st.sync()
    return path.read_bytes()


def nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def kernel_line(value: str) -> bytes:
    """An ini line holding ``value`` as the kernel, quoted as QSettings writes strings."""
    return b'kernel="' + value.replace("\\", "\\\\").replace('"', '\\"').encode() + b'"'


HOSTILE: list[Callable[[np.random.Generator], bytes]] = [
    lambda r: kernel_line(json.dumps({"kernel": [[int("9" * int(r.integers(400, 4000)))]]})),
    lambda r: kernel_line('{"kernel": [[' + "1" * 10_000 + "]]}"),
    lambda r: kernel_line('{"kernel": ' + nested(int(r.integers(500, 5000))) + "}"),
    lambda r: kernel_line(
        json.dumps({"kernel": [[1]], "params": {"padding": [int(r.integers(113, 10**9))] * 4}})
    ),
    lambda r: kernel_line(json.dumps({"kernel": [[1]], "params": {"stride": [10**30, 10**30]}})),
    lambda r: kernel_line(json.dumps({"kernel": [[1e308, -1e308]], "params": {"bias": 1e300}})),
    lambda r: kernel_line(json.dumps({"kernel": [[1]], "params": {"divisor": 0}})),
    lambda r: kernel_line(json.dumps({"kernel": [[1]], "params": {"padding": "huge"}})),
    lambda r: kernel_line(json.dumps({"kernel": [[1]], "params": [1, 2, 3]})),
    lambda r: kernel_line(json.dumps({"kernel": "[[1]]", "params": {"pool": {"a": [{}]}}})),
    lambda r: b"textScale=" + b"9" * int(r.integers(300, 10_000)),
    lambda r: b"textScale=-1e999",
    lambda r: b"displayMode=" + bytes(r.integers(128, 256, 50, dtype=np.uint8)),
    lambda r: b"geometry=@ByteArray(" + bytes(r.integers(0, 256, 300, dtype=np.uint8)) + b")",
    lambda r: b"kernel=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x1b" + b"\\xff" * 40 + b")",
    lambda r: b"recentFiles=" + b", ".join([b"@Invalid()"] * 200),
    lambda r: b"\xff\xfe" + "kernel=[[1]]".encode("utf-16-le"),
]


def mutate(base: bytes, rng: np.random.Generator) -> bytes:
    """One mutation of the settings file (flips, cuts, splices, hostile values)."""
    kind = int(rng.integers(0, 6))
    data = bytearray(base)
    if kind == 0:  # flip bytes
        for _ in range(int(rng.integers(1, 12))):
            i = int(rng.integers(0, len(data)))
            data[i] ^= 1 << int(rng.integers(0, 8))
        return bytes(data)
    if kind == 1:  # truncate
        return bytes(data[: int(rng.integers(0, len(data)))])
    if kind == 2:  # a hostile line added to the [General] section
        return base.replace(b"[General]\n", b"[General]\n" + hostile_pick(rng) + b"\n", 1)
    if kind == 3:  # a hostile line replacing one of the file's lines
        lines = base.split(b"\n")
        i = int(rng.integers(1, max(2, len(lines) - 1)))
        lines[i] = hostile_pick(rng)
        return b"\n".join(lines)
    if kind == 4:  # random bytes spliced in (non-UTF-8 among them)
        i = int(rng.integers(0, len(data)))
        junk = bytes(rng.integers(0, 256, int(rng.integers(1, 64)), dtype=np.uint8))
        return bytes(data[:i]) + junk + bytes(data[i:])
    # duplicated and shuffled lines
    lines = base.split(b"\n")
    rng.shuffle(lines)
    return b"\n".join(lines + lines[: int(rng.integers(0, len(lines)))])


def hostile_pick(rng: np.random.Generator) -> bytes:
    return HOSTILE[int(rng.integers(0, len(HOSTILE)))](rng)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    tmp = tmp_path_factory.mktemp("settings-corpus")
    base = base_file(tmp)
    rng = np.random.default_rng(SEED)
    files = [mutate(base, rng) for _ in range(N_FILES - len(HOSTILE))]
    files += [b"[General]\n" + make(rng) + b"\n" for make in HOSTILE]  # each hostile one alone
    return files


def test_the_corpus_is_large_and_varied(corpus: list[bytes]) -> None:
    assert len(corpus) >= 100
    assert len(set(corpus)) > 0.9 * len(corpus)
    undecodable = 0
    for raw in corpus:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            undecodable += 1
    assert undecodable >= 10  # non-UTF-8 files are in it


def test_every_mutated_settings_file_starts_the_window(
    qtbot: Any, tmp_path: Path, corpus: list[bytes], lesson_sample: Any
) -> None:
    refused = used = 0
    slowest = 0.0
    for n, raw in enumerate(corpus):
        folder = tmp_path / f"case{n:03d}"
        folder.mkdir()
        path = folder / "s.ini"
        path.write_bytes(raw)
        state = ExplorerState(SyncExecutor())
        # What a settings file makes us do: reading it, restoring it and opening an image
        # with it. Timed as CPU time of this thread (where the window restores and the sync
        # executor computes), not wall time: another process's load, a background thread an
        # earlier test left finishing, or a collection of garbage earlier tests left (the
        # collector is off while timing) is not the settings'. Building the window reads no
        # setting, and slows as this test's closed windows pile up (pyqtgraph walks every view
        # box), so it is built before the clock starts.
        try:
            gc.disable()
            t0 = time.thread_time()
            settings = open_settings(path)
            reading = time.thread_time() - t0
            gc.enable()
            w = MainWindow(state, settings)
            gc.disable()
            t0 = time.thread_time() - reading
            told: list[tuple[str, str]] = []
            w.session.notify = lambda *m: told.append(m)  # noqa: B023 - used at once
            ok = w.session.restore(window=w, splitter=w.splitter, text_size=w.text_size)
            w.open_sample(lesson_sample)
            elapsed = time.thread_time() - t0
            gc.enable()
            slowest = max(slowest, elapsed)
            assert elapsed < 1.0, f"case {n} took {elapsed:.2f} s"
            assert state.result is not None, f"case {n}: no output"
            if ok:
                used += 1
                assert told == [], f"case {n}: used, yet a message: {told}"
                check_limits(state.params)  # what was used is within the controls' limits
                layer_shapes(state.doc.shape, state.kernel.shape, state.params)
                assert max(state.kernel.shape) <= texts.MAX_KERNEL_SIDE
                assert np.all(np.isfinite(state.kernel))
            else:
                refused += 1
                assert len(told) == 1 and told[0][0] == "warning", f"case {n}: {told}"
                msg = told[0][1]
                assert msg.startswith("Your settings could not be read ("), msg
                assert "defaults restored" in msg
                assert "the old file was kept as" in msg, msg
                assert state.params == LayerParams()
                assert np.array_equal(state.kernel, get_preset("identity"))
                backup = folder / "s.ini.unreadable"
                assert backup.read_bytes() == raw  # nothing of the user's is lost
            w.close()
        finally:
            gc.enable()
            state.close()
    # Both outcomes occur: the fuzz reaches the validation, not only the parser.
    print(f"refused {refused}, used {used}, slowest {slowest:.3f} s")
    assert refused >= 20 and used >= 5, (refused, used)
    assert slowest < 1.0
