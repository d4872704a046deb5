"""Build a tiny Detoxify-format checkpoint: random weights, local config and vocabulary.

Its scores mean nothing; it exists so the real loading and batching code runs in tests
without downloading anything. Weights are spread wide enough that different texts get
different scores, so tests can tell one text's scores from another's.
"""

from __future__ import annotations

from pathlib import Path

CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
WORDS = [
    "the",
    "a",
    "an",
    "is",
    "are",
    "you",
    "your",
    "i",
    "it",
    "this",
    "that",
    "and",
    "or",
    "not",
    "to",
    "of",
    "in",
    "on",
    "for",
    "with",
    "be",
    "was",
    "idiot",
    "stupid",
    "moron",
    "clueless",
    "good",
    "great",
    "bad",
    "terrible",
    "comment",
    "article",
    "blackberry",
    "pakistan",
    "privacy",
    "government",
    "should",
    "exit",
    "everything",
    "blah",
    "bro",
    "sheep",
    "thanks",
    "agree",
]
MAX_POSITIONS = 64


def build(folder: Path, seed: int = 0) -> tuple[Path, Path]:
    """Write `tiny.ckpt` and a `config/` folder into `folder`; return both paths."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    torch.manual_seed(seed)
    config_dir = folder / "config"
    config_dir.mkdir(parents=True, exist_ok=True)
    vocab = folder / "vocab.txt"
    vocab.write_text(
        "\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, ",", ".", "!", "?", "'"])
        + "\n"
    )
    BertTokenizer(str(vocab), model_max_length=MAX_POSITIONS).save_pretrained(config_dir)
    config = BertConfig(
        vocab_size=len(vocab.read_text().split()),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=MAX_POSITIONS,
        num_labels=len(CLASSES),
        initializer_range=0.5,
    )
    config.save_pretrained(config_dir)
    model = BertForSequenceClassification(config)
    checkpoint = folder / "tiny.ckpt"
    torch.save(
        {
            "config": {
                # Real checkpoints name a hub model here; loading must not need the hub.
                "arch": {
                    "args": {
                        "model_type": "bert-base-uncased",
                        "model_name": "BertForSequenceClassification",
                        "tokenizer_name": "BertTokenizer",
                        "num_classes": len(CLASSES),
                    }
                },
                "dataset": {"args": {"classes": CLASSES}},
            },
            "state_dict": model.state_dict(),
        },
        checkpoint,
    )
    return checkpoint, config_dir
