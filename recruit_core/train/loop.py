"""Fine-tuning math without Ray: tokenized example rows, collate, the three task losses, one step.

    .venv/bin/python -m pytest -q tests/test_training.py      # these functions, no Ray needed

Tasks share one model (`RecruitModel`) and one loop (`recruit_core.train.trainer_ray`):
- classify: category cross-entropy on logits pooled over each resume's token windows;
- biencoder: InfoNCE over resume/job embeddings with in-batch (and optional hard) negatives,
  known fits among the negatives masked out;
- crossencoder: binary cross-entropy of the (job, resume) fit logit;
- distill: mean squared error between a smaller student's pooled window vectors and the teacher's
  (`recruit_core.train.distill`).
Rows hold fixed-size int32 arrays (a resume is `max_windows x max_length` plus its window count), so
Ray Data stores them as tensor columns and a resume's windows always travel together.
"""
from __future__ import annotations

import json
import random
from contextlib import nullcontext
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from transformers import get_linear_schedule_with_warmup

from recruit_core.config import ModelConfig, TinyBertConfig, TrainConfig
from recruit_core.eval.metrics import auc, classification_report
from recruit_core.model.encoder import load_tokenizer
from recruit_core.model.forward import category_logits, fit_logits, pooled_rows
from recruit_core.model.recruit import HEADS, RecruitModel
from recruit_core.text.windows import encode_pairs, encode_windows
from recruit_core.train.distill import distill_loss, window_agreement

TASKS = ("classify", "biencoder", "crossencoder", "distill")
# Parameters a task never touches: DDP refuses to train with parameters that get no gradient, and
# the pooler is an unused leftover of BERT's next-sentence objective (we mean-pool). An adapter
# run's frozen base weights are frozen by peft already (no gradient asked, none expected by DDP).
UNUSED = {"classify": ("encoder.pooler.", "fit_head."),
          "biencoder": ("encoder.pooler.", "category_head.", "fit_head."),
          "crossencoder": ("encoder.pooler.", "category_head."),
          # the student keeps the teacher's heads as they are: it learns to feed them the same vector
          "distill": ("encoder.pooler.", *(f"{head}." for head in HEADS))}
NO_DECAY = ("bias", "LayerNorm.weight", "layer_norm.weight")  # BERT recipe: no decay on these


# ---- tokenization: run once, on Ray Data, before training ------------------------------------------

def model_config_from_dict(values: dict) -> ModelConfig:
    return ModelConfig(**{**values, "tiny": TinyBertConfig(**values["tiny"])})


@lru_cache(maxsize=4)
def _tokenizer(model_json: str):
    return load_tokenizer(model_config_from_dict(json.loads(model_json)))


def resume_windows(tokenizer, texts: list[str], cfg: ModelConfig) -> dict[str, np.ndarray]:
    """[n, max_windows, max_length] ids and mask plus each resume's window count."""
    windows = encode_windows(tokenizer, list(texts), cfg.max_length, cfg.window_stride, cfg.max_windows)
    n = len(texts)
    counts = np.bincount(windows.owner, minlength=n)
    slot = np.arange(len(windows.owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    ids = np.full((n, cfg.max_windows, cfg.max_length), tokenizer.pad_token_id, dtype=np.int32)
    mask = np.zeros((n, cfg.max_windows, cfg.max_length), dtype=np.int32)
    ids[windows.owner, slot] = windows.input_ids
    mask[windows.owner, slot] = windows.attention_mask
    return {"ids": ids, "mask": mask, "n_windows": counts.astype(np.int32)}


def job_tokens(tokenizer, texts: list[str], max_length: int) -> dict[str, np.ndarray]:
    enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding="max_length",
                    return_tensors="np")
    return {"ids": enc["input_ids"].astype(np.int32), "mask": enc["attention_mask"].astype(np.int32)}


def tokenize_examples(batch: dict, task: str, model: dict) -> dict[str, np.ndarray]:
    """Text example rows -> fixed-size token arrays (the `map_batches` function)."""
    cfg = model_config_from_dict(model)
    tokenizer = _tokenizer(json.dumps(model, sort_keys=True))
    if task in ("classify", "distill"):
        resume = resume_windows(tokenizer, batch["text"], cfg)
        out = {"input_ids": resume["ids"], "attention_mask": resume["mask"],
               "n_windows": resume["n_windows"]}
        if task == "classify":
            out["label"] = np.asarray(batch["label"], dtype=np.int64)
        return out
    if task == "crossencoder":
        pairs = encode_pairs(tokenizer, list(batch["job_text"]), list(batch["resume_text"]),
                             cfg.max_length)
        return {"input_ids": pairs.input_ids.astype(np.int32),
                "attention_mask": pairs.attention_mask.astype(np.int32),
                "label": np.asarray(batch["label"], dtype=np.float32)}
    resume = resume_windows(tokenizer, batch["resume_text"], cfg)
    out = {"input_ids": resume["ids"], "attention_mask": resume["mask"],
           "n_windows": resume["n_windows"], "job_key": np.asarray(batch["job_key"], dtype=np.int64),
           "fit_keys": np.stack(list(batch["fit_keys"])).astype(np.int64)}
    for side in ("job", "hard") if "hard_text" in batch else ("job",):
        tokens = job_tokens(tokenizer, batch[f"{side}_text"], cfg.max_length)
        out[f"{side}_ids"], out[f"{side}_mask"] = tokens["ids"], tokens["mask"]
    if "hard_key" in batch:
        out["hard_key"] = np.asarray(batch["hard_key"], dtype=np.int64)
    return out


# ---- collate ---------------------------------------------------------------------------------------

def trim_padding(ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Drop the padding columns no row of the batch uses: short resumes cost less compute."""
    width = max(1, int(mask.sum(-1).max()))
    return ids[..., :width].long(), mask[..., :width].long()


def real_windows(ids: torch.Tensor, mask: torch.Tensor, n_windows: torch.Tensor):
    """[B, W, L] resumes -> ([N, L] ids, [N, L] mask, [N] owner): each resume's real windows, in
    order, at full width (what the scoring forward pass takes)."""
    n_windows = n_windows.long().clamp(min=1)
    keep = torch.arange(ids.shape[1], device=ids.device)[None, :] < n_windows[:, None]
    owner = torch.repeat_interleave(torch.arange(ids.shape[0], device=ids.device), n_windows)
    return ids[keep].long(), mask[keep].long(), owner


def flatten_windows(ids: torch.Tensor, mask: torch.Tensor, n_windows: torch.Tensor):
    """`real_windows` with the padding columns no window uses cut off: a training step's width."""
    flat_ids, flat_mask, owner = real_windows(ids, mask, n_windows)
    return (*trim_padding(flat_ids, flat_mask), owner)


def to_device(batch: dict, device: torch.device) -> dict:
    return {k: v.to(device, non_blocking=True) if torch.is_tensor(v) else v for k, v in batch.items()}


# ---- the task model and its losses ------------------------------------------------------------------

def info_nce_loss(similarity: torch.Tensor, temperature: float) -> torch.Tensor:
    """Cross-entropy of each resume's similarity row against its own job (column i for row i)."""
    target = torch.arange(similarity.shape[0], device=similarity.device)
    return F.cross_entropy(similarity / temperature, target)


class TaskModel(nn.Module):
    """`forward(batch) -> loss` for one task, so DistributedDataParallel can wrap any of them."""

    def __init__(self, model: RecruitModel, task: str, temperature: float = 0.05,
                 teacher: RecruitModel | None = None):
        super().__init__()
        if task not in TASKS:
            raise ValueError(f"train.task={task!r}: use one of {', '.join(TASKS)}")
        if (task == "distill") != (teacher is not None):
            raise ValueError("train.task=distill needs a teacher, and only distill takes one")
        self.model, self.task, self.temperature = model, task, temperature
        for name, param in model.named_parameters():
            if name.startswith(UNUSED[task]):
                param.requires_grad_(False)
        self.teacher = teacher
        if teacher is not None:
            teacher.requires_grad_(False)
            teacher.eval()

    def train(self, mode: bool = True) -> "TaskModel":
        """The teacher stays in eval mode (no dropout): its vectors are the targets."""
        super().train(mode)
        if self.teacher is not None:
            self.teacher.eval()
        return self

    def distilled(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """(student, teacher) pooled vectors of the batch's real windows."""
        ids, mask, _ = flatten_windows(batch["input_ids"], batch["attention_mask"], batch["n_windows"])
        with torch.no_grad():
            target = self.teacher.pooled(ids, mask)
        return self.model.pooled(ids, mask), target

    def scores(self, batch: dict) -> torch.Tensor:
        """classify: [B, classes] logits; biencoder: [B, candidates] cosine; crossencoder: [B] logits."""
        if self.task == "crossencoder":
            return self.model.fit_logits(*trim_padding(batch["input_ids"], batch["attention_mask"]))
        ids, mask, owner = flatten_windows(batch["input_ids"], batch["attention_mask"],
                                           batch["n_windows"])
        n = batch["n_windows"].shape[0]
        if self.task == "classify":
            return self.model.category_logits(ids, mask, owner, n).float()
        resumes = self.model.embed(ids, mask, owner, n)
        jobs, keys = [self.model.embed(*trim_padding(batch["job_ids"], batch["job_mask"]))], \
            [batch["job_key"]]
        if "hard_ids" in batch:
            jobs.append(self.model.embed(*trim_padding(batch["hard_ids"], batch["hard_mask"])))
            keys.append(batch["hard_key"])
        similarity = resumes @ torch.cat(jobs).T
        return similarity.masked_fill(self._not_negative(batch, torch.cat(keys)), float("-inf"))

    @staticmethod
    def _not_negative(batch: dict, candidate_keys: torch.Tensor) -> torch.Tensor:
        """[B, candidates] True where a candidate is a known fit of the resume but not its own
        positive (a false negative), or is a missing hard negative (key -1)."""
        fits = (batch["fit_keys"][:, :, None] == candidate_keys[None, None, :]).any(1)
        fits |= (candidate_keys < 0)[None, :]
        own = torch.zeros_like(fits)
        own[:, :fits.shape[0]] = torch.eye(fits.shape[0], dtype=torch.bool, device=fits.device)
        return fits & ~own

    def loss(self, scores: torch.Tensor, batch: dict) -> torch.Tensor:
        if self.task == "classify":
            return F.cross_entropy(scores, batch["label"].long())
        if self.task == "crossencoder":
            return F.binary_cross_entropy_with_logits(scores.float(), batch["label"].float())
        return info_nce_loss(scores, self.temperature)

    def forward(self, batch: dict) -> torch.Tensor:
        if self.task == "distill":
            return distill_loss(*self.distilled(batch))
        return self.loss(self.scores(batch), batch)


# ---- optimisation -----------------------------------------------------------------------------------

def build_optimizer(task_model: TaskModel, cfg: TrainConfig) -> torch.optim.AdamW:
    """AdamW; no weight decay on biases and LayerNorm; the fresh heads at lr x head_lr_scale and,
    in an adapter run, the adapters (the only other trainable weights) at lr x lora_lr_scale."""
    encoder_scale = cfg.lora_lr_scale if cfg.adapter == "lora" else 1.0
    groups: dict[tuple[bool, bool], list] = {}
    for name, param in task_model.model.named_parameters():
        if param.requires_grad:
            key = (name.startswith(("category_head.", "fit_head.")), name.endswith(NO_DECAY))
            groups.setdefault(key, []).append(param)
    return torch.optim.AdamW(
        [{"params": params, "lr": cfg.lr * (cfg.head_lr_scale if head else encoder_scale),
          "weight_decay": 0.0 if no_decay else cfg.weight_decay}
         for (head, no_decay), params in sorted(groups.items())], lr=cfg.lr)


def build_scheduler(optimizer, total_steps: int, warmup_ratio: float):
    """Linear warm-up over `warmup_ratio` of the steps, then linear decay to 0."""
    warmup = int(np.ceil(warmup_ratio * total_steps))
    return get_linear_schedule_with_warmup(optimizer, warmup, max(1, total_steps))


def steps_per_epoch(rows: int, workers: int, batch_size: int, accum: int) -> int:
    """Optimisation steps per epoch when every worker gets rows // workers rows in full batches."""
    steps = (rows // workers) // batch_size // accum
    if steps < 1:
        raise ValueError(f"{rows} training rows are too few for {workers} workers x train.batch_size="
                         f"{batch_size} x train.grad_accum_steps={accum}: lower them or add data")
    return steps


def autocast(device: torch.device):
    """bf16 autocast on GPU; full precision on CPU, where bf16 matmuls are slower, not faster."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return nullcontext()


def optimisation_step(module: nn.Module, micro_batches: list[dict], optimizer, scheduler,
                      device: torch.device, max_grad_norm: float = 1.0) -> float:
    """Accumulate gradients over the micro-batches (syncing DDP only on the last), clip, step."""
    module.train()
    total = 0.0
    for index, batch in enumerate(micro_batches):
        last = index == len(micro_batches) - 1
        sync = nullcontext() if last or not hasattr(module, "no_sync") else module.no_sync()
        with sync:
            with autocast(device):
                loss = module(to_device(batch, device)) / len(micro_batches)
            loss.backward()
        total += float(loss.detach())
    params = [p for group in optimizer.param_groups for p in group["params"]]
    torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    return total


# ---- reproducibility and the resumable training state ------------------------------------------------

def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def rng_state() -> dict:
    """Python, numpy and torch generator states in types `torch.load(weights_only=True)` accepts."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    return {"python": random.getstate(), "numpy": (kind, keys.tolist(), pos, has_gauss, gauss),
            "torch": torch.random.get_rng_state()}


def restore_rng(state: dict) -> None:
    random.setstate(state["python"])
    kind, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, gauss))
    torch.random.set_rng_state(state["torch"])


def save_train_state(path: Path, optimizer, scheduler, epoch: int, step: int,
                     rng_per_rank: list[dict]) -> None:
    """Everything besides the weights that resuming needs: optimiser, schedule, position, RNGs."""
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "epoch": epoch, "step": step, "rng": rng_per_rank}, path)


def load_train_state(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=True)


# ---- the dev score that ranks checkpoints ------------------------------------------------------------

@torch.no_grad()
def dev_outputs(task_model: TaskModel, batch: dict, device: torch.device,
                windows_per_forward: int) -> dict[str, np.ndarray]:
    """What `dev_score` needs from one dev batch, as numpy (gathered across workers). Category and
    fit logits come from the scoring forward pass, so they do not depend on the dev batches; the
    bi-encoder's in-batch top-1 is a property of its batch."""
    task_model.eval()
    model = task_model.model
    if task_model.task == "distill":
        ids, mask, _ = real_windows(batch["input_ids"], batch["attention_mask"], batch["n_windows"])
        student, teacher = (pooled_rows(m, ids, mask, windows_per_forward)
                            for m in (model, task_model.teacher))
        return {"cosine": window_agreement(student, teacher).cpu().numpy(),
                "squared_error": ((student - teacher) ** 2).mean(-1).cpu().numpy()}
    if task_model.task == "biencoder":
        with autocast(device):
            scores = task_model.scores(batch).float()
        own = torch.arange(scores.shape[0], device=scores.device)
        return {"correct": (scores.argmax(1) == own).cpu().numpy()}
    if task_model.task == "crossencoder":
        pooled = pooled_rows(model, batch["input_ids"].long(), batch["attention_mask"].long(),
                             windows_per_forward)
        scores = fit_logits(model, pooled)
    else:
        ids, mask, owner = real_windows(batch["input_ids"], batch["attention_mask"],
                                        batch["n_windows"])
        pooled = pooled_rows(model, ids, mask, windows_per_forward)
        scores = category_logits(model, pooled, owner, batch["n_windows"].shape[0])
    return {"scores": scores.cpu().numpy(), "label": batch["label"].cpu().numpy()}


def dev_score(task: str, outputs: list[dict], categories: list[str]) -> dict[str, float]:
    """`dev_score` (checkpoints are ranked by it; higher is better) and the figures behind it.

    classify: macro-F1; biencoder: top-1 accuracy of each resume's job among the batch's jobs;
    crossencoder: AUC of the fit logit; distill: mean cosine of student and teacher window vectors.
    """
    if task == "distill":
        cosine = np.concatenate([o["cosine"] for o in outputs])
        error = np.concatenate([o["squared_error"] for o in outputs])
        return {"dev_score": float(cosine.mean()), "dev_cosine": float(cosine.mean()),
                "dev_cosine_p05": float(np.quantile(cosine, 0.05)), "dev_mse": float(error.mean())}
    if task == "biencoder":
        correct = np.concatenate([o["correct"] for o in outputs])
        return {"dev_score": float(correct.mean()), "dev_in_batch_top1": float(correct.mean())}
    scores = np.concatenate([o["scores"] for o in outputs])
    labels = np.concatenate([o["label"] for o in outputs])
    if task == "crossencoder":
        value = auc(scores, labels.astype(int))
        return {"dev_score": float(np.nan_to_num(value)), "dev_auc": value}
    probs = torch.softmax(torch.from_numpy(scores), -1).numpy()
    report = classification_report(probs, labels, categories)
    return {"dev_score": report["macro_f1"], "dev_macro_f1": report["macro_f1"],
            "dev_accuracy": report["accuracy"]}
