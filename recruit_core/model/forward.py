"""The one forward pass: text -> token windows -> encoder -> embeddings, category or fit logits.

    encoder = TextEncoder(load_scoring_model("", cfg.model), cfg.model)
    jobs = encoder.embed_texts(requisition_texts(table))       # [jobs, hidden], L2-normalised

Scoring, matching, reranking, interview relevance, the evaluation job, the dev-set report after
training, the dev score during training and `bench/gpu_score.py` all run it, so a resume or a
requisition reads the same everywhere: up to `model.max_windows` windows, jobs included, pooled per
text. Each window's bits depend on the window alone (`RecruitModel.pooled_exact`: windows grouped
by bucketed width, at most `model.windows_per_forward` per encoder call) and heads run in fixed row
counts (`row_stable_linear`), so no score depends on which texts shared its batch.

No Ray, and the config schema only as type names: a Ray Train worker and a bare GPU node running
`bench/gpu_score.py` import this module as it is.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F

from recruit_core.model import adapters
from recruit_core.model.encoder import (
    WEIGHTS_FILE,
    encoder_fingerprint,
    load_encoder,
    model_dir,
    verify_weights,
    weights_fingerprint,
    weights_sha256,
)
from recruit_core.model.int8 import is_int8, quantize_encoder
from recruit_core.model.lexical import LexicalHead, lexical_sha256, read_folder_lexical
from recruit_core.model.recruit import HEADS_FILE, META_FILE, RecruitModel, row_stable_linear
from recruit_core.model.store import local_model_folder
from recruit_core.text.windows import Windows, encode_pairs, encode_windows, pool_windows

if TYPE_CHECKING:
    from recruit_core.config import ModelConfig

log = logging.getLogger(__name__)
# Texts tokenized per step of `embed_texts` and (job, resume) pairs per step of `fit_logits`:
# bounds the padded token arrays; results do not depend on it (see the module docstring).
TEXTS_PER_STEP = 64
PAIRS_PER_STEP = 1024


@dataclass
class ScoringModel:
    model: RecruitModel
    tokenizer: object
    fingerprint: str  # model name @ sha256 of the weights: provenance of every output row
    trained: bool  # True: categories from a trained head; False: zero-shot from the encoder
    lexical: LexicalHead | None = None  # the folder's lexical category head (train.task=lexical)


def load_scoring_model(model_path: str, model_cfg: ModelConfig) -> ScoringModel:
    """A trained folder (`score.model_path`) or, when empty, the pretrained encoder of `model=`,
    its encoder quantized to int8 when `model.precision=int8`."""
    if model_path:
        folder = check_model_folder(model_path)
        model, tokenizer, _ = RecruitModel.load(folder)
        scoring = ScoringModel(model.eval(), tokenizer, model_fingerprint(model_path, model_cfg),
                               bool(model.categories), read_folder_lexical(folder))
    else:
        tokenizer, encoder, fingerprint = load_encoder(model_cfg)
        scoring = ScoringModel(RecruitModel(encoder).eval(), tokenizer,
                               fingerprint + precision_suffix(model_cfg), False)
    if precision(model_cfg) == "int8":
        quantize_encoder(scoring.model.encoder)
    return scoring


def precision(model_cfg: ModelConfig) -> str:
    """`model.precision`; fp32 for a config from before the setting existed."""
    return getattr(model_cfg, "precision", "fp32")


def precision_suffix(model_cfg: ModelConfig) -> str:
    """What the fingerprint adds for int8 weights ("+int8"): int8 scores differ from fp32 ones,
    so an output row says which produced it and a rerun never reuses the other's."""
    return "" if precision(model_cfg) == "fp32" else f"+{precision(model_cfg)}"


def check_model_folder(model_path: str, key: str = "score.model_path") -> Path:
    """A trained model folder holds config.json and safetensors weights: checked on the driver,
    so a wrong path fails at once rather than in a worker after Ray has started."""
    folder = Path(local_model_folder(model_path))  # an s3:// or gs:// folder: its cached copy
    if adapters.is_adapter_folder(folder):  # a LoRA run: adapter weights, base named in recruit.json
        required = (adapters.ADAPTER_WEIGHTS, META_FILE)
    else:
        required = ("config.json", WEIGHTS_FILE)
    for name in required:
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{key}={model_path}: no {name} there; point it at a folder "
                                    "written by RecruitModel.save, or leave it empty")
    return folder


def model_fingerprint(model_path: str, model_cfg: ModelConfig) -> str:
    """The fingerprint `load_scoring_model` will report, from the weights' hash alone (no loading),
    so the driver knows it before any worker has loaded the model; actors check they agree."""
    if model_path and adapters.is_adapter_folder(model_path):
        base = json.loads((Path(model_path) / META_FILE).read_text())["adapter"]
        return (weights_fingerprint(Path(model_path).name, adapters.adapter_sha256(Path(model_path), base))
                + precision_suffix(model_cfg))
    if model_path:
        folder = Path(local_model_folder(model_path))  # keeps the folder's name: same fingerprint
        return weights_fingerprint(folder.name, trained_folder_sha256(folder)) + precision_suffix(model_cfg)
    if model_cfg.source == "tiny":
        return encoder_fingerprint(model_cfg) + precision_suffix(model_cfg)
    folder = model_dir(model_cfg)
    sha = verify_weights(folder, model_cfg.sha256)
    if not model_cfg.sha256:
        log.warning("%s: no model.sha256 configured, so corrupt or swapped weights would go "
                    "unnoticed; these weights hash to %s: pin them with model.sha256=%s",
                    folder / WEIGHTS_FILE, sha, sha)
    return encoder_fingerprint(model_cfg, sha) + precision_suffix(model_cfg)


def trained_folder_sha256(folder: Path) -> str:
    """sha256 of a trained folder's encoder weights and, when present, its heads file and its
    lexical head: a retrained head on the same encoder (train/embed_head.py) is another model."""
    heads, lexical = folder / HEADS_FILE, lexical_sha256(folder)
    if not heads.is_file() and lexical is None:
        return weights_sha256(folder)
    digest = hashlib.sha256(weights_sha256(folder).encode())
    if heads.is_file():
        digest.update(hashlib.sha256(heads.read_bytes()).hexdigest().encode())
    if lexical is not None:
        digest.update(lexical.encode())
    return digest.hexdigest()


def tokenize_texts(tokenizer, texts: list[str], model_cfg: ModelConfig) -> Windows:
    """`encode_windows` with the model's window settings; no texts gives no windows (a batch can
    be all quarantined rows, and tokenizers reject an empty list)."""
    if not texts:
        empty = np.zeros((0, model_cfg.max_length), dtype=np.int64)
        return Windows(empty, empty.copy(), np.zeros(0, dtype=np.int64))
    return encode_windows(tokenizer, texts, model_cfg.max_length, model_cfg.window_stride,
                          model_cfg.max_windows)


def pooled_rows(model: RecruitModel, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                windows_per_forward: int) -> torch.Tensor:
    """Mean-pooled encoder states [rows, hidden] float32 of windows or (job, resume) pairs on the
    model's device (`RecruitModel.pooled_exact`): at most `windows_per_forward` rows per encoder
    call; on GPU in bf16 autocast, every call padded to exactly that many rows."""
    on_gpu = input_ids.device.type == "cuda"
    with torch.inference_mode(), torch.autocast(device_type="cuda", dtype=torch.bfloat16,
                                                enabled=on_gpu):
        return model.pooled_exact(input_ids, attention_mask, windows_per_forward, fixed_rows=on_gpu)


def text_embeddings(model: RecruitModel, pooled: torch.Tensor, owner: torch.Tensor,
                    n_texts: int) -> torch.Tensor:
    """L2-normalised mean of each text's pooled windows, through the model's embedding head when
    it has one: [n_texts, hidden]."""
    vectors = pool_windows(pooled, owner, n_texts)
    if model.embed_head is not None:
        vectors = row_stable_linear(vectors, model.embed_head)
    return F.normalize(vectors, dim=-1)


def fit_vectors(model: RecruitModel, embeddings: torch.Tensor, side: str | None) -> torch.Tensor:
    """What a fit is the dot product of: the embeddings themselves (cosine), or with fit towers,
    P(category) for a resume and P(category counts) for a job (their dot product: P(fit))."""
    if side is None or model.job_tower is None:
        return embeddings
    if side == "resume":
        return torch.softmax(row_stable_linear(embeddings, model.resume_tower), dim=-1)
    if side == "job":
        return torch.sigmoid(row_stable_linear(embeddings, model.job_tower))
    raise ValueError(f"side={side!r}: resume, job or None")


def category_logits(model: RecruitModel, pooled: torch.Tensor, owner: torch.Tensor | None = None,
                    n_texts: int = 0) -> torch.Tensor:
    """The category head on every window; averaged over each text's windows when `owner` is given."""
    logits = row_stable_linear(pooled, model.category_head)
    return logits if owner is None else pool_windows(logits, owner, n_texts)


def fit_logits(model: RecruitModel, pooled_pairs: torch.Tensor) -> torch.Tensor:
    """The cross-encoder's fit logit [pairs] of pooled (job, resume) pairs."""
    return row_stable_linear(pooled_pairs, model.fit_head).squeeze(-1)


class TextEncoder:
    """One model on one device with its tokenizer and window settings: the forward pass above."""

    def __init__(self, scoring_model: ScoringModel, model_cfg: ModelConfig, device: str = "cpu"):
        if is_int8(scoring_model.model) and torch.device(device).type != "cpu":
            raise ValueError(f"model.precision=int8 runs on CPU only, not on {device}: score on "
                             "CPU actors (num_gpus=0) or set model.precision=fp32 for GPUs")
        self.model = scoring_model.model.to(device)
        self.tokenizer, self.model_cfg = scoring_model.tokenizer, model_cfg
        self.device = torch.device(device)

    @classmethod
    def for_model(cls, model: RecruitModel, tokenizer, model_cfg: ModelConfig,
                  device: str = "cpu") -> "TextEncoder":
        """For a model already in hand (a checkpoint being evaluated): no provenance needed."""
        return cls(ScoringModel(model.eval(), tokenizer, "", bool(model.categories)), model_cfg,
                   device)

    def tokenize(self, texts: list[str]) -> Windows:
        return tokenize_texts(self.tokenizer, texts, self.model_cfg)

    def pooled_windows(self, windows: Windows) -> torch.Tensor:
        ids = torch.from_numpy(windows.input_ids).to(self.device)
        mask = torch.from_numpy(windows.attention_mask).to(self.device)
        return pooled_rows(self.model, ids, mask, self.model_cfg.windows_per_forward)

    def _owner(self, owner: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(owner).to(self.device)

    @torch.inference_mode()
    def embed(self, pooled: torch.Tensor, owner: np.ndarray, n_texts: int,
              side: str | None = None) -> torch.Tensor:
        """Text embeddings; with `side` ("resume" or "job"), the vectors a fit is the dot product of."""
        return fit_vectors(self.model, text_embeddings(self.model, pooled, self._owner(owner), n_texts),
                           side)

    @torch.inference_mode()
    def category_logits(self, pooled: torch.Tensor, owner: np.ndarray | None = None,
                        n_texts: int = 0) -> torch.Tensor:
        return category_logits(self.model, pooled, None if owner is None else self._owner(owner),
                               n_texts)

    def embed_texts(self, texts: list[str], batch_texts: int = TEXTS_PER_STEP,
                    side: str | None = None) -> np.ndarray:
        """Embeddings [len(texts), hidden] float32 of whole texts, windows pooled per text (the fit
        vectors of that `side`, see `fit_vectors`)."""
        return self._per_text(texts, batch_texts,
                              lambda pooled, owner, n: self.embed(pooled, owner, n, side))

    def pooled_texts(self, texts: list[str], batch_texts: int = TEXTS_PER_STEP) -> np.ndarray:
        """Each text's mean pooled window [len(texts), hidden] float32, before any embedding head
        and normalisation: what an embedding head is trained on (train/embed_head.py)."""
        return self._per_text(texts, batch_texts,
                              lambda pooled, owner, n: pool_windows(pooled, self._owner(owner), n))

    def _per_text(self, texts: list[str], batch_texts: int, per_text) -> np.ndarray:
        parts = []
        for start in range(0, len(texts), batch_texts):
            chunk = texts[start:start + batch_texts]
            windows = self.tokenize(chunk)
            parts.append(per_text(self.pooled_windows(windows), windows.owner, len(chunk))
                         .cpu().numpy())
        hidden = self.model.encoder.config.hidden_size
        return np.concatenate(parts) if parts else np.zeros((0, hidden), np.float32)

    @torch.inference_mode()
    def fit_logits(self, job_texts: list[str], resume_texts: list[str]) -> torch.Tensor:
        """Cross-encoder fit logits [pairs] float32 of aligned (job, resume) text pairs, each pair
        one `[CLS] job [SEP] resume [SEP]` window of `model.max_length` tokens."""
        parts = [torch.zeros(0, device=self.device)]
        for start in range(0, len(job_texts), PAIRS_PER_STEP):
            pairs = encode_pairs(self.tokenizer, job_texts[start:start + PAIRS_PER_STEP],
                                 resume_texts[start:start + PAIRS_PER_STEP],
                                 self.model_cfg.max_length)
            parts.append(fit_logits(self.model, self.pooled_windows(pairs)))
        return torch.cat(parts)
