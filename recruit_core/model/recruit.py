"""RecruitModel: one pretrained encoder with the heads every recruit task needs.

- `embed`: mean-pooled, L2-normalised embeddings (the bi-encoder; what all-MiniLM-L6-v2 was trained for);
- `category_logits`: job-category screening (classify), pooled over a resume's windows;
- `fit_logits`: cross-encoder fit score of a tokenized (job, resume) pair;
- `embed_head` (optional): a linear map applied to a text's pooled vector before it is normalised,
  learned on the frozen encoder from labelled (job, resume) pairs (recruit_core/train/embed_head.py);
- `resume_tower` / `job_tower` (optional, with `fit_categories`): fit in category space, learned on
  the frozen encoder (recruit_core/train/fit_towers.py): a resume's embedding becomes P(category),
  a job's the chance it counts each category relevant, and their dot product is the fit.

Saved as a Hugging Face folder (config.json + model.safetensors + tokenizer) plus
`recruit_heads.safetensors` and `recruit.json`, so `model=local model.name_or_path=DIR` loads the
encoder alone and `RecruitModel.load(DIR)` loads everything; the folder is also laid out for the
task so that transformers and sentence-transformers load it with its trained head (`folders`).
A LoRA run's folder holds the adapter and a pointer to its base instead of the encoder's weights;
`load` merges it (`adapters`).
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoModel, AutoTokenizer

from recruit_core.model import adapters, folders
from recruit_core.text.windows import pool_windows

HEADS_FILE = "recruit_heads.safetensors"
META_FILE = "recruit.json"
HEADS = ("category_head", "fit_head", "embed_head", "resume_tower", "job_tower")


# A window is padded to its own length rounded up to this, never to its batch-mates' lengths:
# attention and BLAS kernels sum in an order that depends on the width, so the same window at
# width 40 and at width 48 differs in the last bits (measured on the tiny BERT; widths that are
# multiples of 32 agreed with each other, for MiniLM and the tiny BERT, at any row count).
WIDTH_BUCKET = 32
# Rows per head matmul (category head, fit head, resume x job similarities): always exactly this
# many, zero-padded, because BLAS picks its kernel and summation order by the matrix shape. Measured
# on CPU: a row's product differs between calls of 1, 2, 3, 5 or 17 rows and agrees between calls
# of 8, 16, 64 and 128 rows. 128 rather than 64: resume x job products for 4,096 resumes x 10,000
# jobs take 0.33 CPU-s in 128-row calls against 0.39 in 64-row calls (0.30 as one call), and the
# padding of a small batch to 128 rows costs nothing next to the encoder.
HEAD_ROWS = 128


def padded_width(attention_mask: torch.Tensor, multiple: int = 8) -> int:
    """Columns a batch needs: up to its last unmasked token (right padding), rounded up to a
    multiple of 8 (tensor-core friendly shapes), never past the batch's own width. Training only:
    the result depends on the batch's longest row, which is fine for a gradient step but not for a
    score (see `window_widths`)."""
    if attention_mask.numel() == 0:
        return attention_mask.shape[-1]
    used = int(attention_mask.sum(dim=1).max())
    return min(attention_mask.shape[-1], max(multiple, -(-used // multiple) * multiple))


def window_widths(attention_mask: torch.Tensor) -> torch.Tensor:
    """Each window's forward width: its own token count rounded up to WIDTH_BUCKET, capped at the
    padded width. A function of the window alone, so its outputs are too."""
    used = attention_mask.sum(dim=1)
    bucketed = (used + WIDTH_BUCKET - 1) // WIDTH_BUCKET * WIDTH_BUCKET
    return bucketed.clamp(min=WIDTH_BUCKET, max=attention_mask.shape[-1])


def row_stable_matmul(rows: torch.Tensor, others: torch.Tensor,
                      out: torch.Tensor | None = None) -> torch.Tensor:
    """`rows @ others.T` ([n, d] x [m, d] -> [n, m]), each row's result the same bits whatever
    other rows share the call and wherever it sits: calls of exactly HEAD_ROWS rows, the last one
    zero-padded, with `others` read as rows (a transposed view). Measured on CPU: with `others`
    laid out as a contiguous [d, m] instead, a row's bits depended on its position in the call for
    m = 5 to 11; read as rows, they did not for any m from 1 to 1,000. `out` ([>= n, m]) is
    reused instead of allocating the result."""
    n, others_t = rows.shape[0], others.contiguous().T
    out = rows.new_empty((n, others.shape[0])) if out is None else out[:n]
    whole = n - n % HEAD_ROWS
    for start in range(0, whole, HEAD_ROWS):
        torch.matmul(rows[start:start + HEAD_ROWS], others_t, out=out[start:start + HEAD_ROWS])
    if whole < n:
        tail = torch.cat([rows[whole:], rows.new_zeros(HEAD_ROWS - (n - whole), rows.shape[1])])
        out[whole:] = (tail @ others_t)[:n - whole]
    return out


def row_stable_linear(rows: torch.Tensor, layer: nn.Linear) -> torch.Tensor:
    """`layer(rows)` through `row_stable_matmul`."""
    return row_stable_matmul(rows, layer.weight.to(rows.dtype)) + layer.bias.to(rows.dtype)



class RecruitModel(nn.Module):
    def __init__(self, encoder: nn.Module, categories: list[str] | None = None,
                 embed_head: bool = False, fit_categories: list[str] | None = None):
        super().__init__()
        self.encoder = encoder
        self.categories = list(categories or [])
        hidden = encoder.config.hidden_size
        self.category_head = nn.Linear(hidden, max(1, len(self.categories)))
        self.fit_head = nn.Linear(hidden, 1)
        self.embed_head = nn.Linear(hidden, hidden) if embed_head else None
        self.fit_categories = list(fit_categories or [])
        towers = len(self.fit_categories)
        self.resume_tower = nn.Linear(hidden, towers) if towers else None
        self.job_tower = nn.Linear(hidden, towers) if towers else None

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
               width: int | None = None) -> torch.Tensor:
        """Mean of the token states that the mask keeps: [batch, hidden], the encoder run on the
        first `width` columns (default: the batch's `padded_width`). Columns that are padding in
        every row would only cost compute (short texts are a fraction of a 256-token window)."""
        width = width or padded_width(attention_mask)
        input_ids, attention_mask = input_ids[:, :width], attention_mask[:, :width]
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        return (states * mask).sum(1) / mask.sum(1).clamp(min=1e-6)

    @torch.inference_mode()
    def pooled_exact(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                     rows_per_forward: int, fixed_rows: bool = False) -> torch.Tensor:
        """`pooled` for inference, each window's bits a function of the window alone: windows go
        through in groups of one width (`window_widths`), at most `rows_per_forward` per call, rows
        back in input order. `fixed_rows` pads every call to `rows_per_forward` rows (GPU
        libraries choose kernels by shape; on CPU the row count was measured not to matter once
        the width is fixed). Float32 out."""
        widths = window_widths(attention_mask)
        pooled = torch.zeros(len(input_ids), self.encoder.config.hidden_size,
                             device=input_ids.device)
        for width in torch.unique(widths).tolist():
            group = torch.nonzero(widths == width).flatten()
            for start in range(0, len(group), rows_per_forward):
                rows = group[start:start + rows_per_forward]
                ids, mask = input_ids[rows, :width], attention_mask[rows, :width]
                short = rows_per_forward - len(rows) if fixed_rows else 0
                if short:  # filler rows: copies of the first, dropped below
                    ids = torch.cat([ids, ids[:1].expand(short, -1)])
                    mask = torch.cat([mask, mask[:1].expand(short, -1)])
                pooled[rows] = self.pooled(ids, mask, width)[:len(rows)].float()
        return pooled

    def embed(self, input_ids, attention_mask, owner=None, n_texts: int | None = None):
        vectors = self.pooled(input_ids, attention_mask)
        if owner is not None:
            vectors = pool_windows(vectors, owner, n_texts or int(owner.max()) + 1)
        if self.embed_head is not None:
            vectors = self.embed_head(vectors)
        return F.normalize(vectors.float(), dim=-1)

    def category_logits(self, input_ids, attention_mask, owner=None, n_texts: int | None = None):
        logits = self.category_head(self.pooled(input_ids, attention_mask))
        if owner is not None:
            logits = pool_windows(logits, owner, n_texts or int(owner.max()) + 1)
        return logits

    def fit_logits(self, input_ids, attention_mask) -> torch.Tensor:
        return self.fit_head(self.pooled(input_ids, attention_mask)).squeeze(-1)

    def save(self, folder: str | Path, tokenizer, extra: dict | None = None) -> Path:
        """Write the folder `load` reads back bit for bit, laid out for `extra["task"]` so that
        transformers and sentence-transformers load it with the trained head (see `folders`)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"categories": self.categories, **(extra or {}),
                "embed_head": self.embed_head is not None, "fit_categories": self.fit_categories}
        task = meta.get("task")
        if task == "classify" and not self.categories:
            raise ValueError(f"{folder}: task=classify but the model has no categories; build it "
                             "as RecruitModel(encoder, categories)")
        adapter = adapters.is_adapted(self.encoder)
        in_layout = None if adapter else folders.layout_head(self.encoder, task)
        if adapter:
            adapters.save_adapter(self.encoder, folder, meta)
        else:
            self.encoder.save_pretrained(str(folder), safe_serialization=True)
        tokenizer.save_pretrained(str(folder))
        folders.tokenizer_without_token_types(folder)
        heads = {f"{name}.{k}": v.detach().cpu().contiguous()
                 for name in HEADS if name != in_layout and getattr(self, name) is not None
                 for k, v in getattr(self, name).state_dict().items()}
        save_file(heads, str(folder / HEADS_FILE))
        if in_layout:
            labels = self.categories if in_layout == "category_head" else ["fit"]
            folders.write_sequence_classifier(folder, self.encoder, getattr(self, in_layout), labels)
        task_head = getattr(self, folders.LAYOUT_HEAD[task]) if task in folders.LAYOUT_HEAD else None
        if not adapter:  # sentence-transformers would need the merged weights: load with `load`
            folders.write_sentence_transformers(folder, task, self.encoder.config.hidden_size,
                                                task_head, meta.get("max_length"))
        (folder / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True))
        return folder

    @classmethod
    def load(cls, folder: str | Path, merge: bool = True) -> tuple["RecruitModel", object, dict]:
        """(model, tokenizer, metadata) from a folder written by `save`, today's or an older one
        (all heads in the heads file); a head found in neither place starts fresh. An adapter
        folder's base is checked and the adapter merged into it (`merge=False`: kept trainable)."""
        folder = Path(folder)
        meta = json.loads((folder / META_FILE).read_text()) if (folder / META_FILE).exists() else {}
        adapter = adapters.is_adapter_folder(folder)
        if adapter:
            encoder = adapters.load_adapted_encoder(folder, meta["adapter"], merge)
        else:
            encoder = AutoModel.from_pretrained(str(folder), trust_remote_code=False,
                                                use_safetensors=True)
        tokenizer = AutoTokenizer.from_pretrained(str(folder), trust_remote_code=False)
        model = cls(encoder, meta.get("categories"), bool(meta.get("embed_head")),
                    meta.get("fit_categories"))
        heads = load_file(str(folder / HEADS_FILE)) if (folder / HEADS_FILE).exists() else {}
        if not adapter:  # an adapter folder keeps every head in the heads file
            heads.update(folders.read_layout_head(folder, meta.get("task")))
        for name in HEADS:
            if getattr(model, name) is None:
                continue
            state = {k.split(".", 1)[1]: v for k, v in heads.items() if k.startswith(f"{name}.")}
            if state:
                getattr(model, name).load_state_dict(state)
        return model, tokenizer, meta
