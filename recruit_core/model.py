"""RecruitModel: one pretrained encoder with the heads every recruit task needs.

- `embed`: mean-pooled, L2-normalised embeddings (the bi-encoder; what all-MiniLM-L6-v2 was trained for);
- `category_logits`: job-category screening (classify), pooled over a resume's windows;
- `fit_logits`: cross-encoder fit score of a tokenized (job, resume) pair.

Saved as a Hugging Face folder (config.json + model.safetensors + tokenizer) plus
`recruit_heads.safetensors` and `recruit.json`, so `model=local model.name_or_path=DIR` loads the
encoder alone and `RecruitModel.load(DIR)` loads everything.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoModel, AutoTokenizer

from recruit_core.windows import pool_windows

HEADS_FILE = "recruit_heads.safetensors"
META_FILE = "recruit.json"


def padded_width(attention_mask: torch.Tensor, multiple: int = 8) -> int:
    """Columns a batch needs: up to its last unmasked token (right padding), rounded up to a
    multiple of 8 (tensor-core friendly shapes), never past the batch's own width."""
    if attention_mask.numel() == 0:
        return attention_mask.shape[-1]
    used = int(attention_mask.sum(dim=1).max())
    return min(attention_mask.shape[-1], max(multiple, -(-used // multiple) * multiple))


class RecruitModel(nn.Module):
    def __init__(self, encoder: nn.Module, categories: list[str] | None = None):
        super().__init__()
        self.encoder = encoder
        self.categories = list(categories or [])
        hidden = encoder.config.hidden_size
        self.category_head = nn.Linear(hidden, max(1, len(self.categories)))
        self.fit_head = nn.Linear(hidden, 1)

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Mean of the token states that the mask keeps: [batch, hidden]. Columns that are padding
        in every row are dropped first: masked out anyway, they would only cost compute (short
        texts such as occupation titles are a fraction of a 256-token window)."""
        width = padded_width(attention_mask)
        input_ids, attention_mask = input_ids[:, :width], attention_mask[:, :width]
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        return (states * mask).sum(1) / mask.sum(1).clamp(min=1e-6)

    def embed(self, input_ids, attention_mask, owner=None, n_texts: int | None = None):
        vectors = self.pooled(input_ids, attention_mask)
        if owner is not None:
            vectors = pool_windows(vectors, owner, n_texts or int(owner.max()) + 1)
        return F.normalize(vectors.float(), dim=-1)

    def category_logits(self, input_ids, attention_mask, owner=None, n_texts: int | None = None):
        logits = self.category_head(self.pooled(input_ids, attention_mask))
        if owner is not None:
            logits = pool_windows(logits, owner, n_texts or int(owner.max()) + 1)
        return logits

    def fit_logits(self, input_ids, attention_mask) -> torch.Tensor:
        return self.fit_head(self.pooled(input_ids, attention_mask)).squeeze(-1)

    def save(self, folder: str | Path, tokenizer, extra: dict | None = None) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.encoder.save_pretrained(str(folder), safe_serialization=True)
        tokenizer.save_pretrained(str(folder))
        heads = {f"category_head.{k}": v.detach().cpu().contiguous()
                 for k, v in self.category_head.state_dict().items()}
        heads.update({f"fit_head.{k}": v.detach().cpu().contiguous()
                      for k, v in self.fit_head.state_dict().items()})
        save_file(heads, str(folder / HEADS_FILE))
        meta = {"categories": self.categories, **(extra or {})}
        (folder / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True))
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> tuple["RecruitModel", object, dict]:
        """(model, tokenizer, metadata) from a folder written by `save`; heads start fresh if absent."""
        folder = Path(folder)
        meta = json.loads((folder / META_FILE).read_text()) if (folder / META_FILE).exists() else {}
        encoder = AutoModel.from_pretrained(str(folder), trust_remote_code=False, use_safetensors=True)
        tokenizer = AutoTokenizer.from_pretrained(str(folder), trust_remote_code=False)
        model = cls(encoder, meta.get("categories"))
        if (folder / HEADS_FILE).exists():
            heads = load_file(str(folder / HEADS_FILE))
            model.category_head.load_state_dict(
                {k.split(".", 1)[1]: v for k, v in heads.items() if k.startswith("category_head.")})
            model.fit_head.load_state_dict(
                {k.split(".", 1)[1]: v for k, v in heads.items() if k.startswith("fit_head.")})
        return model, tokenizer, meta
