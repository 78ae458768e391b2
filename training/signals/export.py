"""The base encoder's first layers as one ONNX graph (token ids → mean-pooled, L2-normalised embedding) beside its
tokenizer, checked against torch on fixed texts."""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np

from model.signals.learned import EMBEDDING_OUTPUT, ENCODER_FILE, TOKENIZER_FILE, OnnxEncoder

OPSET = 17


def _pooled(embedder):
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = embedder.model

        def forward(self, input_ids, attention_mask):
            return embedder.forward(input_ids, attention_mask)

    return Pooled()


def export_encoder(embedder, directory: Path) -> None:
    """encoder.onnx and tokenizer.json of a training.signals.embed.BaseEmbedder into `directory`."""
    import torch

    ids = torch.tensor([[0, 5, 6, 7, 2], [0, 8, 9, 2, 1]], dtype=torch.long)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]], dtype=torch.long)
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            EMBEDDING_OUTPUT: {0: "batch"}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_pooled(embedder).eval(), (ids, mask), str(directory / ENCODER_FILE),
                          input_names=["input_ids", "attention_mask"], output_names=[EMBEDDING_OUTPUT],
                          dynamic_axes=axes, opset_version=OPSET, dynamo=False)
    shutil.copyfile(embedder.path / TOKENIZER_FILE, directory / TOKENIZER_FILE)


def parity(embedder, directory: Path, texts: list[str]) -> dict:
    """The served encoder (onnxruntime + tokenizers) against torch on the same texts: cosine of the embeddings."""
    served = OnnxEncoder(directory, embedder.meta).embed(texts)
    reference = embedder.encode(texts)
    cosine = (served * reference).sum(axis=1)
    return {"texts": len(texts), "cosine_min": round(float(cosine.min()), 6),
            "max_abs_diff": float(np.abs(served - reference).max())}
