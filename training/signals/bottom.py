"""Fine-tuning only the top layers of the base encoder: the layers below stay as the base built them, so their output
for a text never changes. It is computed once per text (inference mode) and kept in memory; each training step then
runs and back-propagates through the top layers alone. Fine-tuning the top 4 of 12 layers this way costs about a
third of a full fine-tune's arithmetic, which is what makes it affordable on a CPU."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

BATCH = 32


def frozen_depth(embedder, train_layers: int) -> int:
    """How many of the embedder's layers stay frozen when its top `train_layers` learn (0: every layer learns);
    refuses more layers than the encoder has, and a pooled layer inside the frozen part, whose output could not learn."""
    deepest = len(embedder.model.encoder.layer)
    if train_layers > deepest:
        raise ValueError(f"cannot fine-tune the top {train_layers} layers of an encoder with {deepest}: "
                         f"give 1–{deepest}, or 0 for every layer")
    depth = deepest - train_layers if train_layers else 0
    if depth and min(embedder.layers) <= depth:
        raise ValueError(f"fine-tuning the top {train_layers} of {deepest} layers keeps layers 1–{depth} frozen, but "
                         f"the embedding pools layer {min(embedder.layers)}: pool only layers above {depth} "
                         f"(e.g. --layers {deepest}) or train more layers")
    return depth


def freeze_bottom(model, depth: int) -> None:
    """Stop gradients into the embeddings and the first `depth` layers."""
    for module in [model.embeddings, *model.encoder.layer[:depth]]:
        for parameter in module.parameters():
            parameter.requires_grad_(False)


def additive_mask(mask):
    """The [batch, 1, 1, tokens] mask BERT's layers add to their attention scores: 0 to read, the dtype's minimum
    to skip a padding token."""
    import torch

    return (1.0 - mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min


@dataclass(frozen=True)
class BottomStates:
    """Each text's hidden states after the frozen layers, trimmed to its own tokens."""
    depth: int
    states: tuple                 # one float32 tensor [tokens, hidden] per text

    def subset(self, indices) -> "BottomStates":
        return BottomStates(self.depth, tuple(self.states[i] for i in indices))

    def batch(self, indices):
        """(hidden [batch, tokens, hidden] padded with zeros, attention mask [batch, tokens]) of these texts."""
        import torch

        chosen = [self.states[i] for i in indices]
        longest = max(s.shape[0] for s in chosen)
        hidden = torch.zeros(len(chosen), longest, chosen[0].shape[1])
        mask = torch.zeros(len(chosen), longest, dtype=torch.long)
        for row, state in enumerate(chosen):
            hidden[row, :state.shape[0]] = state
            mask[row, :state.shape[0]] = 1
        return hidden, mask


def run_layers(layers, hidden, mask) -> list:
    """The hidden state after each of these layers, in order."""
    outputs, extended = [], additive_mask(mask)
    for layer in layers:
        hidden = layer(hidden, extended)
        hidden = hidden[0] if isinstance(hidden, tuple) else hidden
        outputs.append(hidden)
    return outputs


def bottom_states(embedder, inputs: list[str], depth: int, progress: bool = True) -> BottomStates:
    """Run the prefixed `inputs` through the embeddings and the first `depth` layers once, without gradients."""
    import torch

    model, states = embedder.model, []
    model.eval()
    order = np.argsort([len(t) for t in inputs], kind="stable")     # similar lengths together: less padding
    kept: dict[int, object] = {}
    with torch.inference_mode():
        for start in tqdm(range(0, len(inputs), BATCH), desc=f"frozen layers 1–{depth}", unit="batch",
                          disable=not progress, mininterval=2):
            chosen = order[start:start + BATCH]
            batch = embedder.tokenizer([inputs[i] for i in chosen], padding=True, truncation=True,
                                       max_length=embedder.max_length, return_tensors="pt")
            hidden = run_layers(model.encoder.layer[:depth], model.embeddings(input_ids=batch["input_ids"]),
                                batch["attention_mask"])[-1]
            for row, i in enumerate(chosen):
                kept[int(i)] = hidden[row, :int(batch["attention_mask"][row].sum())].clone()
    states = tuple(kept[i] for i in range(len(inputs)))
    return BottomStates(depth, states)


def top_pool(embedder, bottom: BottomStates, indices):
    """The pooled embedding of these texts: their cached bottom states through the layers above, pooled like
    `embedder.forward` (layer n's state is index n, as in `hidden_states`)."""
    from training.signals.embed import pool

    hidden, mask = bottom.batch(indices)
    above = run_layers(embedder.model.encoder.layer[bottom.depth:], hidden, mask)
    by_layer = {bottom.depth: hidden} | {bottom.depth + 1 + k: h for k, h in enumerate(above)}
    return pool(by_layer, mask, embedder.layers)
