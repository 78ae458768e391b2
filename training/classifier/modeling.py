"""The hierarchical classifier: one shared encoder, mean pooling, and a cosine-similarity head per level."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class LevelHead(nn.Module):
    """Scaled cosine similarity between the pooled text and each class's weight vector."""

    def __init__(self, hidden: int, classes: int, scale: float):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(classes, hidden) * 0.02)
        self.bias = nn.Parameter(torch.zeros(classes))
        self.scale = scale

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.scale * F.normalize(pooled, dim=-1) @ F.normalize(self.weight, dim=-1).T + self.bias


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)


class HierarchicalClassifier(nn.Module):
    def __init__(self, encoder: nn.Module, level_sizes: list[int], scale: float, dropout: float,
                 pooling: str = "mean"):
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.ModuleList(LevelHead(hidden, n, scale) for n in level_sizes)
        self.pooling = pooling

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return mean_pool(hidden, attention_mask) if self.pooling == "mean" else hidden[:, 0]

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        pooled = self.dropout(self.pooled(input_ids, attention_mask))
        return tuple(head(pooled) for head in self.heads)


def truncate_layers(encoder: nn.Module, layers: int) -> nn.Module:
    """Keep the encoder's first `layers` transformer layers (0 keeps all): fewer layers, less time."""
    stack = encoder.encoder.layer
    if layers and layers < len(stack):
        encoder.encoder.layer = nn.ModuleList(list(stack)[:layers])
        encoder.config.num_hidden_layers = layers
    return encoder


def hierarchical_loss(logits: tuple[torch.Tensor, ...], targets: torch.Tensor, weights: list[float],
                      sample_weights: torch.Tensor | None = None) -> torch.Tensor:
    """Each level's cross-entropy, weighted per level and (when given) per example."""
    if sample_weights is None:
        sample_weights = torch.ones(targets.shape[0])
    norm = sample_weights.sum().clamp(min=1e-12)
    return sum(w * (F.cross_entropy(lg, targets[:, level], reduction="none") * sample_weights).sum() / norm
               for level, (lg, w) in enumerate(zip(logits, weights)) if w)
