"""Tokenize resumes into overlapping windows, so long resumes are read whole rather than cut.

A 256-token model sees a 900-word resume as up to `max_windows` windows that start every
`window_stride` tokens; each window is scored and the windows are pooled per resume
(`pool_windows`). Short texts are one window, exactly as plain truncation would give.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

LONG_INPUT_WARNING = "sequence-length-is-longer-than-the-specified-maximum"


@dataclass
class Windows:
    input_ids: np.ndarray  # [n_windows, max_length] int64, padded with the tokenizer's pad id
    attention_mask: np.ndarray  # [n_windows, max_length] int64
    owner: np.ndarray  # [n_windows] int64: index of the text each window came from


def encode_windows(tokenizer, texts: list[str], max_length: int, stride: int,
                   max_windows: int) -> Windows:
    """Token windows for each text, [CLS] body [SEP] each, at most `max_windows` per text."""
    body = max_length - 2  # room for [CLS] and [SEP]
    step = max(1, min(stride, body))
    # whole texts are tokenized on purpose and cut into windows below: mark transformers' "longer
    # than the maximum ... will result in indexing errors" warning as given, it does not apply
    if isinstance(getattr(tokenizer, "deprecation_warnings", None), dict):
        tokenizer.deprecation_warnings[LONG_INPUT_WARNING] = True
    encoded = tokenizer(texts, add_special_tokens=False, truncation=False,
                        return_attention_mask=False)["input_ids"]
    ids_rows, owners = [], []
    for index, tokens in enumerate(encoded):
        starts = range(0, max(1, len(tokens) - body + step), step) if len(tokens) > body else [0]
        for start in list(starts)[:max_windows]:
            chunk = tokens[start:start + body]
            ids_rows.append([tokenizer.cls_token_id, *chunk, tokenizer.sep_token_id])
            owners.append(index)
    return _pad(ids_rows, owners, max_length, tokenizer.pad_token_id)


def encode_pairs(tokenizer, first: list[str], second: list[str], max_length: int) -> Windows:
    """[CLS] job [SEP] resume [SEP] pairs for the cross-encoder, the longer side truncated first."""
    enc = tokenizer(first, second, truncation="longest_first", max_length=max_length,
                    padding="max_length", return_tensors="np")
    n = len(first)
    return Windows(enc["input_ids"].astype(np.int64), enc["attention_mask"].astype(np.int64),
                   np.arange(n, dtype=np.int64))


def _pad(rows: list[list[int]], owners: list[int], max_length: int, pad_id: int) -> Windows:
    ids = np.full((len(rows), max_length), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), max_length), dtype=np.int64)
    for i, row in enumerate(rows):
        ids[i, :len(row)] = row
        mask[i, :len(row)] = 1
    return Windows(ids, mask, np.asarray(owners, dtype=np.int64))


def pool_windows(values: torch.Tensor, owner: torch.Tensor, n_texts: int) -> torch.Tensor:
    """Mean of the window rows of `values` per text: [n_windows, d] -> [n_texts, d]."""
    summed = torch.zeros(n_texts, values.shape[-1], dtype=values.dtype, device=values.device)
    summed.index_add_(0, owner, values)
    counts = torch.bincount(owner, minlength=n_texts).clamp(min=1).to(values.dtype)
    return summed / counts.unsqueeze(-1)
