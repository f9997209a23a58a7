"""Fuzzing the kernel loader: 400 mutated kernel files (fixed seed), plus hostile extremes.

Every file either loads (a finite 2-D kernel of at most 15×15) or is refused with a
:class:`LoadError` whose message names the file; nothing else escapes, and the whole corpus
loads in seconds (each file well under one second).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from convgui.core import LayerParams
from convgui.imageio import LoadError, kernel_to_json, kernel_to_text, load_kernel

SEED = 20261201
N_FILES = 400
TOKENS = [
    b"[",
    b"]",
    b"{",
    b"}",
    b",",
    b":",
    b'"',
    b"-",
    b"e",
    b"1e999",
    b"NaN",
    b"\xef\xbb\xbf",
    b"\x00",
    b"\xff\xfe",
    b"9" * 500,
    b"1/0",
    b"/",
    b"#",
    b"\n",
    b" ",
    b'"kernel"',
    b'"params"',
    b"null",
    b"true",
    b"[[",
    b"]]",
    b"\r\n",
    b"\t",
    b"\xe2\x88\x92",
]


def _bases() -> dict[str, bytes]:
    rng = np.random.default_rng(SEED)
    k3 = np.round(rng.standard_normal((3, 3)), 3)
    k7 = rng.standard_normal((7, 5))
    params = LayerParams(padding=(1, 2, 0, 1), stride=(2, 1), pool="max", activation="relu")
    return {
        "json": kernel_to_json(k3, params).encode(),
        "json-big": kernel_to_json(k7, LayerParams()).encode(),
        "txt": kernel_to_text(k3).encode(),
        "txt-frac": b"# blur\n1/9 1/9 1/9\n1/9, 1/9, 1/9\n1/9;1/9\t1/9\n",
    }


def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """One random damage: truncation, flipped bytes, inserted tokens, repeats, encodings."""
    b = bytearray(data)
    n = len(b)
    kind = int(rng.integers(0, 8))
    if kind == 0:
        return bytes(b[: int(rng.integers(0, n + 1))])
    if kind == 1:
        for _ in range(int(rng.integers(1, 10))):
            b[int(rng.integers(0, n))] = int(rng.integers(0, 256))
        return bytes(b)
    if kind == 2:
        for _ in range(int(rng.integers(1, 6))):
            at = int(rng.integers(0, len(b) + 1))
            b[at:at] = TOKENS[int(rng.integers(0, len(TOKENS)))]
        return bytes(b)
    if kind == 3:  # a repeated slice: deep nesting, long rows, many rows
        a = int(rng.integers(0, n))
        piece = bytes(b[a : a + int(rng.integers(1, 8))])
        return bytes(b[:a]) + piece * int(rng.integers(2, 20_000)) + bytes(b[a:])
    if kind == 4:
        return data.decode("utf-8").encode(str(rng.choice(["utf-16", "utf-16-le", "utf-32"])))
    if kind == 5:
        a = int(rng.integers(0, n))
        return bytes(b[:a] + b[a + int(rng.integers(1, 40)) :])
    if kind == 6:  # a number replaced by something extreme
        extreme = [b"1e308", b"-1e308", b"1e-320", b"9" * 4400, b"0x1F", b"1_000", b"Infinity"]
        text = bytes(b)
        for digit in b"0123456789":
            i = text.find(bytes([digit]))
            if i >= 0:
                return text[:i] + extreme[int(rng.integers(0, len(extreme)))] + text[i + 1 :]
        return text
    return rng.integers(0, 256, int(rng.integers(0, 2000)), dtype=np.uint8).tobytes()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("kernels")
    rng = np.random.default_rng(SEED)
    bases = _bases()
    names = sorted(bases)
    files = []
    for name in names:
        p = folder / f"intact-{name}.{name.split('-')[0]}"
        p.write_bytes(bases[name])
        files.append(p)
    for i in range(N_FILES):
        name = names[i % len(names)]
        ext = name.split("-")[0] if rng.random() < 0.85 else str(rng.choice(["txt", "json", "k"]))
        p = folder / f"m{i:04d}-{name}.{ext}"
        p.write_bytes(mutate(bases[name], rng))
        files.append(p)
    return files


@pytest.mark.timeout(120)
def test_mutated_kernel_files_load_or_fail_clearly(corpus: list[Path]) -> None:
    assert len(corpus) >= 300
    loaded = refused = 0
    slowest = 0.0
    t_all = time.perf_counter()
    for path in corpus:
        t0 = time.perf_counter()
        try:
            kernel, params = load_kernel(path)
        except LoadError as exc:
            assert not path.name.startswith("intact-"), (path.name, str(exc))
            msg = str(exc)
            assert "Traceback" not in msg and len(msg) > 20, (path.name, msg)
            assert path.name in msg or "…" in msg, (path.name, msg)
            refused += 1
        else:
            assert kernel.ndim == 2 and min(kernel.shape) >= 1 and max(kernel.shape) <= 15
            assert kernel.dtype == np.float64 and np.all(np.isfinite(kernel))
            assert params is None or isinstance(params, LayerParams)
            loaded += 1
        slowest = max(slowest, time.perf_counter() - t0)
    assert slowest < 1.0, slowest
    assert time.perf_counter() - t_all < 60
    # Both outcomes occur, or the mutations are not doing their job.
    assert loaded > 30 and refused > 100, (loaded, refused)


def test_intact_files_load_exactly(corpus: list[Path]) -> None:
    for path in corpus:
        if path.name.startswith("intact-json"):
            kernel, _ = load_kernel(path)
            assert np.array_equal(kernel, json.loads(path.read_text())["kernel"])
