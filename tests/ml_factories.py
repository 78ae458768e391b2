"""Tiny models built on the fly for tests: a character tokenizer and a 2-layer BERT, no downloads."""
from __future__ import annotations

from pathlib import Path

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]


def tiny_tokenizer(texts: list[str]):
    from tokenizers import Tokenizer, pre_tokenizers, processors
    from tokenizers.models import WordLevel

    chars = sorted({c for t in texts for c in t if not c.isspace()})
    vocab = {tok: i for i, tok in enumerate(SPECIALS + chars)}
    tokenizer = Tokenizer(WordLevel(vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Split("", behavior="isolated")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    return tokenizer


def tiny_base(directory: Path, texts: list[str], hidden: int = 32, layers: int = 2, seed: int = 0) -> Path:
    """A random-initialised 2-layer BERT and a character tokenizer over `texts`, saved as a HF directory."""
    import torch
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    tokenizer = tiny_tokenizer(texts)
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=tokenizer.get_vocab_size(), hidden_size=hidden, num_hidden_layers=layers,
                        num_attention_heads=2, intermediate_size=hidden * 2, max_position_embeddings=160,
                        pad_token_id=1)
    BertModel(config).save_pretrained(directory)
    PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                            unk_token="<unk>").save_pretrained(directory)
    return directory
