"""Export a trained classifier into one model directory: ONNX (+ int8), tokenizer, label set, calibration,
config and metrics; with a parity check of ONNX against torch on a fixed set of texts."""
from __future__ import annotations

import json
import shutil
import warnings
from datetime import datetime
from pathlib import Path

import numpy as np
import torch

from model.classifier import EMBEDDING_OUTPUT, INT8_FILE, LABELS_FILE, META_FILE, MODEL_FILE, TOKENIZER_FILE, Classifier
from model.labels import path_scores, top_paths
from model.lexical import LEXICAL_FILE, LexicalLeaves
from training.classifier.config import TrainConfig
from training.classifier.data import write_training_texts

OUTPUTS = ["level1", "level2", "level3", "level4", EMBEDDING_OUTPUT]


class LogitsAndEmbedding(torch.nn.Module):
    """What the ONNX graph returns: each level's logits and the L2-normalised pooled text (for retrieval)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        pooled = self.model.pooled(input_ids, attention_mask)
        return (*(head(pooled) for head in self.model.heads), torch.nn.functional.normalize(pooled, dim=-1))


def write_onnx(model, path: Path, opset: int) -> None:
    model.eval()
    ids = torch.tensor([[0, 5, 6, 7, 2], [0, 8, 9, 2, 1]], dtype=torch.long)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]], dtype=torch.long)
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}}
    axes |= {name: {0: "batch"} for name in OUTPUTS}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(LogitsAndEmbedding(model), (ids, mask), str(path), input_names=["input_ids", "attention_mask"],
                          output_names=OUTPUTS, dynamic_axes=axes, opset_version=opset, dynamo=False)


def write_int8(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)


@torch.no_grad()
def torch_probabilities(model, ids: np.ndarray, mask: np.ndarray, paths, calibration: dict, k: int):
    model.eval()
    logits = [x.numpy() for x in model(torch.from_numpy(ids), torch.from_numpy(mask))]
    return top_paths(path_scores(logits, paths, calibration["level_weights"]), calibration["temperature"], k)


def parity(model, directory: Path, texts: list[str], calibration: dict, k: int = 3) -> dict:
    """ONNX (fp32 and int8) against torch on the same texts: top-k agreement and probability difference."""
    report = {"texts": len(texts)}
    reference = None
    for int8 in (False, True):
        if int8 and not (directory / INT8_FILE).exists():
            continue
        onnx = Classifier(directory, int8=int8, lexical=False)
        ids, mask = onnx.encode(texts)
        if reference is None:
            reference = torch_probabilities(model, ids, mask, onnx.paths, calibration, k)
        top, probs = onnx.probabilities(texts, k=k)
        name = "int8" if int8 else "fp32"
        report[f"{name}_same_top{k}"] = float((top == reference[0]).all(axis=1).mean())
        report[f"{name}_same_top1"] = float((top[:, 0] == reference[0][:, 0]).mean())
        report[f"{name}_max_prob_diff"] = float(np.abs(probs - reference[1]).max())
    return report


def export_model(prep, config: TrainConfig, directory: Path, *, version: str, calibration: dict,
                 training: dict, created_at: datetime, lexical: LexicalLeaves | None = None,
                 parent: Path | None = None) -> Path:
    """Write everything into a staging directory, check parity, then move it into place. The lexical leaf model,
    when given, is saved beside the graph (its mixture is in the calibration); the training texts recorded include
    those of `parent`, the model a retraining started from."""
    staging = directory.with_name(directory.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "torch").mkdir(parents=True)
    write_onnx(prep.model, staging / MODEL_FILE, config.export.opset)
    if config.export.int8:
        write_int8(staging / MODEL_FILE, staging / INT8_FILE)
    prep.tokenizer.save(str(staging / TOKENIZER_FILE))
    prep.labels.save(staging / LABELS_FILE)
    write_training_texts(staging, prep.datasets["train"]["input"], parent)
    if lexical is not None:
        lexical.save(staging / LEXICAL_FILE)
    torch.save(prep.model.state_dict(), staging / "torch" / "state.pt")
    prep.model.encoder.config.save_pretrained(staging / "torch")
    meta = {"version": version, "created_at": created_at.isoformat(), "catalogue_version": prep.labels.catalogue_version,
            "config": config.model_dump(), "base": prep.base_info, "max_length": config.data.max_length,
            "prefix": config.base.prefix, "pad_id": prep.pad_id, "calibration": calibration, "training": training,
            "int8_default": False, "leaves": len(prep.labels.leaves), "heads": head_summary(prep.model)}
    write_meta(staging, meta)
    dev = prep.datasets.get("dev") or prep.datasets["train"]
    texts = list(dev["input"][: config.export.parity_texts])
    texts = [t[len(config.base.prefix):] for t in texts]   # Classifier.encode adds the prefix again
    meta["parity"] = parity(prep.model, staging, texts, calibration)
    write_meta(staging, meta)
    shutil.rmtree(directory, ignore_errors=True)
    staging.rename(directory)
    return directory


def head_summary(model) -> dict:
    """What inference needs to score classes the heads lack (zero-shot leaves) on the heads' own scale."""
    return {"scale": float(model.heads[0].scale),
            "bias_mean": [float(head.bias.detach().mean()) for head in model.heads]}


def write_meta(directory: Path, meta: dict) -> None:
    (directory / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


def load_torch_model(directory: Path):
    """The exported model's torch twin (torch/state.pt), for the eager-path comparison and retraining."""
    from transformers import AutoConfig, AutoModel

    from model.labels import LabelSet
    from training.classifier.modeling import HierarchicalClassifier

    meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    train = meta["config"]["train"]
    encoder = AutoModel.from_config(AutoConfig.from_pretrained(directory / "torch"))
    labels = LabelSet.load(directory / LABELS_FILE)
    model = HierarchicalClassifier(encoder, labels.sizes(), train["cosine_scale"], train["dropout"],
                                   meta["config"]["base"]["pooling"])
    model.load_state_dict(torch.load(directory / "torch" / "state.pt", weights_only=True))
    return model.eval()
