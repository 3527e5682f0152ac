"""An embedding head learned from labelled (job, resume) pairs on the frozen encoder.

    python ray_jobs/train.py data=postings train=biencoder      # real postings' training half
    python ray_jobs/train.py train=biencoder train.frozen_encoder=true   # the synthetic pool

Every text is encoded once by the pretrained encoder (the jobs' forward pass, `TextEncoder`), then
a linear map W (identity at the start) is trained on the pooled vectors so that cos(W·job, W·resume)
ranks the resumes a job's recruiters judged relevant first: multi-positive InfoNCE over a batch of
jobs, each against its positives, the other jobs' positives and its hardest negatives (the
non-relevant resumes the current head ranks highest, mined again every `HARD_EVERY` steps). A
penalty keeps W near the identity (the pretrained geometry), and the step with the best dev
precision@k is kept. Seconds of CPU where fine-tuning the encoder takes hours on 2 cores.

The labelled pairs are split into fit and dev parts by a hash of the job and of the resume, so a dev
figure never comes from a job or a resume the head was fitted on.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

HARD_EVERY = 20  # steps between hard-negative mining passes: the head moves little in 20 steps
DEV_PERCENT = 25  # share of jobs and of resumes held out from fitting to choose the step


def in_dev(key: str, salt: str) -> bool:
    """The dev side of a fit/dev split, by a hash of the key: stable whatever else is in the data."""
    return int(hashlib.sha256(f"{salt}:{key}".encode()).hexdigest()[:8], 16) % 100 < DEV_PERCENT


@dataclass
class LabelledPairs:
    """Jobs and resumes as pooled vectors, which resumes each job counts as relevant, and the split."""

    jobs: np.ndarray  # [jobs, hidden] float32, pooled before any head
    resumes: np.ndarray  # [resumes, hidden]
    relevant: np.ndarray  # [jobs, resumes] bool
    job_dev: np.ndarray  # [jobs] bool
    resume_dev: np.ndarray  # [resumes] bool
    rejected: np.ndarray | None = None  # [jobs, resumes] bool: negatives a recruiter turned down

    def subset(self, jobs: np.ndarray, resumes: np.ndarray) -> "LabelledPairs":
        """The pairs of these jobs and resumes (boolean masks or indices), their split kept."""
        return LabelledPairs(self.jobs[jobs], self.resumes[resumes], self.relevant[np.ix_(jobs, resumes)],
                             self.job_dev[jobs], self.resume_dev[resumes],
                             None if self.rejected is None else self.rejected[np.ix_(jobs, resumes)])

    def part(self, dev: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        jobs, resumes = self.job_dev == dev, self.resume_dev == dev
        return self.jobs[jobs], self.resumes[resumes], self.relevant[np.ix_(jobs, resumes)]

    def rejected_part(self, dev: bool) -> np.ndarray:
        jobs, resumes = self.job_dev == dev, self.resume_dev == dev
        if self.rejected is None:
            return np.zeros((int(jobs.sum()), int(resumes.sum())), dtype=bool)
        return self.rejected[np.ix_(jobs, resumes)]


@dataclass
class HeadSettings:
    steps: int = 400
    lr: float = 1e-3
    batch_jobs: int = 32
    positives: int = 4  # relevant resumes per job per step
    hard: int = 8  # mined negatives per job per step (0: in-batch negatives only)
    temperature: float = 0.05
    identity_decay: float = 1e-2  # weight of ||W - I||^2: stay near the pretrained geometry
    eval_every: int = 20
    k: int = 10
    seed: int = 0


@dataclass
class HeadResult:
    weight: torch.Tensor
    bias: torch.Tensor
    best_step: int
    dev_before: float  # dev precision@k of the starting head (the identity: the pretrained cosine)
    dev_after: float  # of the kept head
    curve: list[tuple[int, float]] = field(default_factory=list)

    @property
    def improves(self) -> bool:
        return self.dev_after > self.dev_before


def cosine(weight: torch.Tensor, bias: torch.Tensor, jobs: torch.Tensor,
           resumes: torch.Tensor) -> torch.Tensor:
    return F.normalize(jobs @ weight.T + bias, dim=-1) @ F.normalize(resumes @ weight.T + bias, dim=-1).T


def precision_at_k(scores: np.ndarray, relevant: np.ndarray, k: int) -> float:
    """Mean over jobs with at least one relevant resume of the relevant share of their first k."""
    rows = relevant.any(1)
    if not rows.any():
        return 0.0
    order = np.argsort(-scores[rows], axis=1, kind="stable")[:, :k]
    return float(np.take_along_axis(relevant[rows], order, axis=1).mean())


def _dev_precision(weight, bias, dev, k) -> float:
    jobs, resumes, relevant = dev
    with torch.no_grad():
        scores = cosine(weight, bias, torch.from_numpy(jobs), torch.from_numpy(resumes)).numpy()
    return precision_at_k(scores, relevant, k)


def _mine(weight, bias, jobs, resumes, relevant, rejected, hard: int) -> torch.Tensor:
    """[jobs, hard] the resumes a recruiter rejected for each job, then the non-relevant ones its
    current scores rank highest."""
    with torch.no_grad():
        scores = cosine(weight, bias, jobs, resumes).masked_fill(relevant, -2.0) + 4.0 * rejected
    return scores.topk(min(hard, scores.shape[1]), dim=1).indices


def _step_loss(weight, bias, jobs, resumes, relevant, hard_index, batch, chosen, settings):
    """Multi-positive InfoNCE of the batch's jobs over (chosen positives of the batch, hard negatives)."""
    candidates = torch.unique(torch.cat([chosen.flatten(), hard_index[batch].flatten()]))
    scores = cosine(weight, bias, jobs[batch], resumes[candidates]) / settings.temperature
    positive = relevant[batch][:, candidates]
    log_all = torch.logsumexp(scores, dim=1)
    log_pos = torch.logsumexp(scores.masked_fill(~positive, float("-inf")), dim=1)
    eye = torch.eye(weight.shape[0])
    return (log_all - log_pos).mean() + settings.identity_decay * ((weight - eye) ** 2).sum()


def fit_head(pairs: LabelledPairs, settings: HeadSettings,
             init: tuple[torch.Tensor, torch.Tensor] | None = None) -> HeadResult:
    """Train W, b on the fit part from `init` (default: the identity); keep the step with the best
    dev precision@k, the starting head included: a head never replaces a better one."""
    jobs_np, resumes_np, relevant_np = pairs.part(dev=False)
    dev = pairs.part(dev=True)
    usable = np.flatnonzero(relevant_np.any(1))
    if len(usable) == 0:
        raise ValueError("no fit-side job has a relevant fit-side resume: more labelled pairs needed")
    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    jobs, resumes = torch.from_numpy(jobs_np), torch.from_numpy(resumes_np)
    relevant = torch.from_numpy(relevant_np)
    rejected = torch.from_numpy(pairs.rejected_part(dev=False))
    hidden = jobs.shape[1]
    start = init or (torch.eye(hidden), torch.zeros(hidden))
    weight = start[0].detach().clone().float().requires_grad_(True)
    bias = start[1].detach().clone().float().requires_grad_(True)
    optimizer = torch.optim.Adam([weight, bias], lr=settings.lr)
    best = (_dev_precision(weight.detach(), bias.detach(), dev, settings.k), 0,
            weight.detach().clone(), bias.detach().clone())
    curve, dev_before = [(0, best[0])], best[0]
    hard_index = torch.zeros((len(jobs), 0), dtype=torch.long)
    for step in range(1, settings.steps + 1):
        if settings.hard and (step - 1) % HARD_EVERY == 0:
            hard_index = _mine(weight.detach(), bias.detach(), jobs, resumes, relevant, rejected,
                               settings.hard)
        batch = torch.from_numpy(rng.choice(usable, min(settings.batch_jobs, len(usable)), replace=False))
        chosen = torch.stack([torch.from_numpy(rng.choice(np.flatnonzero(relevant_np[j]),
                                                          settings.positives)) for j in batch.tolist()])
        loss = _step_loss(weight, bias, jobs, resumes, relevant, hard_index, batch, chosen, settings)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % settings.eval_every == 0 or step == settings.steps:
            figure = _dev_precision(weight.detach(), bias.detach(), dev, settings.k)
            curve.append((step, figure))
            if figure > best[0]:
                best = (figure, step, weight.detach().clone(), bias.detach().clone())
    return HeadResult(best[2], best[3], best[1], dev_before, best[0], curve)
