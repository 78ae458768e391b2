"""Encode a code-point table as a SentencePiece precompiled charsmap (darts-clone double array) for `tokenizers`."""
from __future__ import annotations

import struct
from collections import deque

import numpy as np

LEAF_BIT, HAS_LEAF_BIT, MAX_OFFSET = 1 << 31, 1 << 8, 1 << 21


def _trie(keys: dict[bytes, int]) -> list[dict]:
    """Nodes as {label: child index}; a terminal node stores its value under label 0 (darts-clone's leaf)."""
    nodes: list[dict] = [{}]
    for key, value in keys.items():
        node = 0
        for byte in key:
            if byte not in nodes[node]:
                nodes[node][byte] = len(nodes)
                nodes.append({})
            node = nodes[node][byte]
        nodes[node][0] = -1 - value          # negative marks a leaf value
    return nodes


def _free_base(used: np.ndarray, is_base: np.ndarray, labels: np.ndarray, start: int) -> int:
    """Smallest base >= start, not yet a base, whose slots base ^ label are all free (vectorised search)."""
    for lo in range(start, len(used) - 0xFF, 4096):
        cand = np.arange(lo, min(lo + 4096, len(used) - 0xFF))
        ok = ~is_base[cand] & ~used[cand[:, None] ^ labels[None, :]].any(axis=1)
        if ok.any():
            return int(cand[np.argmax(ok)])
    raise ValueError("the normalization table is too large for a 21-bit double array")


def double_array(keys: dict[bytes, int]) -> np.ndarray:
    """darts-clone units for `keys` (no NUL bytes, no key a prefix of another), read by common_prefix_search."""
    nodes = _trie(keys)
    size = min(256 * (len(nodes) + 2), MAX_OFFSET)
    units, used, is_base = np.zeros(size, np.uint32), np.zeros(size, bool), np.zeros(size, bool)
    used[0] = True                                            # the root unit
    queue, low = deque([(0, 0)]), 1
    while queue:
        node, pos = queue.popleft()
        labels = np.array(sorted(nodes[node]))
        low = int(np.argmin(used[low:])) + low                # first free unit
        base = _free_base(used, is_base, labels, low & ~0xFF)
        is_base[base] = True
        units[pos] |= np.uint32((pos ^ base) << 10)
        for c in labels:
            child, slot = nodes[node][c], base ^ c
            used[slot] = True
            if child < 0:                                      # leaf unit: the value with the leaf bit
                units[pos] |= np.uint32(HAS_LEAF_BIT)
                units[slot] = np.uint32(LEAF_BIT | (-1 - child))
            else:
                units[slot] = np.uint32(c)
                queue.append((child, slot))
    end = (int(np.flatnonzero(is_base).max()) | 0xFF) + 1     # every base ^ label stays in bounds
    return units[:max(end, int(np.flatnonzero(used).max()) + 1)]


def precompiled_charsmap(table: dict[int, str]) -> bytes:
    """Bytes for `tokenizers.normalizers.Precompiled`: code point -> replacement (empty deletes the char)."""
    blob, offsets, keys = bytearray(), {}, {}
    for cp in sorted(table):
        out = table[cp]
        if out not in offsets:
            offsets[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        keys[chr(cp).encode("utf-8")] = offsets[out]
    units = double_array(keys)
    return struct.pack("<I", units.nbytes) + units.astype("<u4").tobytes() + bytes(blob)

