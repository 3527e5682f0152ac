"""The valid range of every numeric setting, checked in one place before any job starts.

A zero temperature writes NaN probabilities, `score.top_jobs=0` divides by zero inside an actor
mid-run and `cluster.num_cpus=0` hangs Ray: none of them fails on its own before work starts. So
every int and float field of every config section has a row in `RANGES`, and `check_ranges`
refuses a value outside it, naming the key, the value and what the setting is:

    score.top_jobs=0: must be >= 1 (how many best-fitting jobs to list per resume)

`RecruitConfig.__post_init__` runs it once the sections are built; tests/test_config.py checks that
no numeric field lacks a row, so a new setting cannot skip the check.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, Optional


@dataclass(frozen=True)
class Range:
    """Allowed values: min <= value <= max (min excluded when `above`), or one of `special`."""

    what: str  # what the setting is, in the user's words: ends every error message
    min: Optional[float] = None
    max: Optional[float] = None
    above: bool = False  # the minimum itself is not allowed: temperatures, CPU fractions
    special: tuple = ()  # sentinel values with their own meaning, e.g. -1 for "no limit"

    def allows(self, value: float) -> bool:
        if value in self.special:
            return True
        if isinstance(value, float) and not math.isfinite(value):
            return False  # NaN and infinity compare oddly; no setting here means them
        low_ok = self.min is None or (value > self.min if self.above else value >= self.min)
        return low_ok and (self.max is None or value <= self.max)

    def describe(self) -> str:
        low = None if self.min is None else f"{'>' if self.above else '>='} {self.min}"
        high = None if self.max is None else f"<= {self.max}"
        rule = " and ".join(part for part in (low, high) if part)
        return rule + "".join(f" or {s}" for s in self.special)


def count(what: str, low: int = 1, high: Optional[int] = None, special: tuple = ()) -> Range:
    return Range(what, low, high, special=special)


def positive(what: str, high: Optional[float] = None) -> Range:
    return Range(what, 0, high, above=True)


def share(what: str) -> Range:
    return Range(what, 0, 1)


SEED = count("random seed; numpy takes 0 to 2**32-1", 0, 2**32 - 1)
MEMORY_MB = count("MiB reserved per model actor; 1048576 is 1 TiB", 1, 2**20)
GPUS = Range("GPUs per model actor; 0: CPU only", 0, 64)

RANGES: dict[str, dict[str, Range]] = {
    "inputs": {
        "max_text_chars": count("longest resume text scored, in characters"),
    },
    "model.tiny": {
        "hidden_size": count("width of the test BERT", 1, 4096),
        "num_hidden_layers": count("layers of the test BERT", 1, 48),
        "num_attention_heads": count("attention heads of the test BERT", 1, 64),
        "intermediate_size": count("feed-forward width of the test BERT", 1, 16384),
        "seed": SEED,
    },
    "model": {
        "max_length": count("tokens per window, [CLS] and [SEP] included", 8, 8192),
        "window_stride": count("tokens between window starts", 1, 8192),
        "max_windows": count("windows read per resume", 1, 1024),
        "windows_per_forward": count("token windows per encoder call", 1, 65536),
    },
    "data": {
        "n_resumes": count("resumes in the synthetic pool"),
        "n_jobs": count("requisitions in the synthetic pool"),
        "seed": SEED,
        "shard_rows": count("rows per generated Parquet file"),
        "near_duplicate_rate": share("share of resumes generated as near-duplicates"),
        "no_skills_section_rate": share("share of resumes generated without a skills section"),
        "bias_keep_skills": share("share of its skills a resume of the penalised group still lists"),
    },
    "train": {
        "num_workers": count("training workers"),
        "cpus_per_worker": positive("CPUs reserved per training worker", 1024),
        "epochs": count("passes over the training pairs"),
        "max_steps": count("optimizer steps before stopping", special=(-1,)),
        "batch_size": count("examples per worker step"),
        "grad_accum_steps": count("steps whose gradients are summed per update"),
        "lr": positive("learning rate", 1),
        "weight_decay": share("AdamW weight decay"),
        "warmup_ratio": share("share of steps spent warming up the learning rate"),
        "temperature": positive("contrastive softmax temperature", 100),
        "n_train_pairs": count("training pairs generated"),
        "checkpoint_every_steps": count("steps between checkpoints; 0: at each epoch's end", 0),
        "seed": SEED,
        "max_failures": count("restarts from the last checkpoint after a worker dies; -1: always",
                              0, special=(-1,)),
        "torch_threads": count("torch threads per worker; 0: from train.cpus_per_worker", 0, 1024),
        "max_grad_norm": positive("gradient clipping norm"),
        "head_lr_scale": positive("learning-rate multiplier of the new heads", 1000),
        "eval_candidates": count("jobs reranked per dev resume"),
        "head_steps": count("embedding-head training steps"),
        "head_lr": positive("embedding-head learning rate", 1.0),
        "head_hard_negatives": count("mined negatives per job", 0, 1024),
        "head_identity_decay": Range("pull of the embedding head toward the identity", 0, 100),
        "keep_checkpoints": count("checkpoints kept: the latest and the best by dev score", 2),
        "lora_r": count("rank of each LoRA update", 1, 1024),
        "lora_alpha": count("LoRA scale numerator (updates scaled by alpha / r)", 1, 4096),
        "lora_dropout": Range("dropout on the LoRA adapters' input", 0, 0.9),
        "lora_lr_scale": positive("learning-rate multiplier of the LoRA adapters", 1000),
        "trial_cpus": Range("CPUs held by each sweep trial's driver task", 0, 1024),
        "student_layers": count("transformer layers the distilled student keeps", 1, 1024),
    },
    "score": {
        "batch_size": count("resumes per actor call"),
        "pool_size": count("model actors"),
        "num_gpus": GPUS,
        "cpus_per_actor": positive("CPUs reserved per model actor", 1024),
        "torch_threads": count("torch threads per model actor", 1, 1024),
        "fit_threshold": Range("cosine fit a job must reach to count in jobs_above_threshold", -1, 1),
        "target_max_block_mb": count("MiB per Ray Data block", 1, 4096),
        "top_jobs": count("how many best-fitting jobs to list per resume"),
        "zero_shot_temperature": positive("softmax temperature of zero-shot categories", 100),
        "cpus_per_task": positive("CPUs reserved per read/validate/stage task", 1024),
        "actor_memory_mb": MEMORY_MB,
    },
    "match": {
        "top_k_jobs": count("jobs recommended per resume"),
        "top_n_resumes": count("resumes shortlisted per job"),
        "rerank_top": count("shortlisted resumes per job the cross-encoder reranks", 0),
        "block_rows": count("resumes per matrix-product block"),
        "batch_size": count("resumes per actor call"),
        "pool_size": count("model actors"),
        "num_gpus": GPUS,
        "cpus_per_actor": positive("CPUs reserved per model actor", 1024),
        "torch_threads": count("torch threads per model actor", 1, 1024),
        "cpus_per_task": positive("CPUs reserved per read task", 1024),
        "rerank_batch_size": count("(job, resume) pairs per cross-encoder call"),
        "target_max_block_mb": count("MiB per Ray Data block", 1, 4096),
        "actor_memory_mb": MEMORY_MB,
    },
    "interview": {
        "questions_min": count("fewest questions per interview pack"),
        "questions_max": count("most questions per interview pack"),
        "top_candidates_per_job": count("candidates scheduled per job"),
        "jobs_to_schedule": count("jobs whose interviews are scheduled"),
        "interviewers": count("interviewers in the synthetic panel"),
        "days": count("working days to schedule over", 1, 366),
        "time_limit_s": positive("seconds the scheduler may search"),
        "pool_size": count("question-generator actors"),
        "cpus_per_actor": positive("CPUs reserved per question-generator actor", 1024),
        "batch_size": count("(job, candidate) pairs per actor call"),
        "seed": SEED,
        "interview_minutes": count("length of one interview in minutes", 1, 1440),
        "buffer_minutes": count("minutes an interviewer rests between interviews", 0, 1440),
        "panel_size": count("interviewers per interview"),
        "min_skill_coverage": share("share of the job's required skills the panel must know"),
        "demote_question": Range("priority a question judged not to discriminate loses", 0, 10),
        "demote_kind": Range("priority a question loses when its kind does not discriminate", 0, 10),
    },
    "eval": {
        "sample_resumes": count("resumes evaluated"),
        "crossencoder_resumes": count("resumes evaluated with a cross-encoder"),
        "k": count("cut-off of Recall@k and nDCG@k"),
        "probe_c": positive("inverse L2 strength of the embedding probe"),
        "rerank_top": count("results per posting the cross-encoder reorders"),
        "calibration_resumes": count("train resumes the fit probability is fitted on", 0),
        "seed": SEED,
    },
    "dedup": {
        "threshold": Range("estimated Jaccard similarity from which two resumes are near-duplicates",
                           0, 1, above=True),
        "num_perm": count("MinHash values per resume", 16, 1024),
        "shingle_words": count("words per shingle", 1, 20),
        "seed": SEED,
    },
    "privacy": {
        "counterfactual_max_delta": Range("largest change of a score when only names and "
                                          "pronouns change", 0, 1),
    },
    "audit": {
        "min_group_share": share("share of the sample under which a group is reported, not compared"),
        "four_fifths": positive("impact ratio under which a group is flagged", 1),
        "bootstrap_resamples": count("bootstrap resamples behind each interval", 10, 1_000_000),
        "confidence": Range("confidence of the bootstrap intervals", 0.5, 0.999),
        "seed": SEED,
    },
    "drift": {
        "bins": count("quantile bins of the PSI", 2, 1000),
        "psi_threshold": positive("PSI from which a score shift is flagged", 100),
        "ks_threshold": share("KS statistic from which a score shift is flagged"),
        "ks_alpha": share("significance level of the KS test"),
        "mix_change": share("change of a category's share that is flagged"),
        "quarantine_rate_change": share("change of a quarantine reason's rate that is flagged"),
        "churn_threshold": share("share of a shortlist changed from which a job is flagged"),
        "min_rows": count("rows each run needs for a score's PSI and KS"),
    },
    "feedback": {
        "scale": count("points of the rubric's scale", 3, 5),
        "min_per_outcome": count("candidates per outcome before a question's AUC is judged"),
        "min_auc": Range("AUC from which a question discriminates", 0.5, 1),
        "alpha": share("significance level of the AUC's Mann-Whitney test"),
        "min_agreement": Range("Krippendorff's alpha from which interviewers agree", -1, 1),
        "min_rated_twice": count("candidates rated by two interviewers before agreement is judged"),
    },
    "ingest": {
        "max_file_mb": positive("largest resume file read, in MiB", 2**20),
        "min_word_share": share("share of tokens that must be words, or the text is garbled"),
        "files_per_unit": count("resume files per work unit"),
        "unit_mb": count("MiB of resume files per work unit", 1, 2**20),
        "cpus_per_task": positive("CPUs reserved per parse task", 1024),
    },
    "serve": {
        "port": count("TCP port the service listens on", 1, 65535),
        "num_replicas": count("model replicas serving requests"),
        "cpus_per_replica": positive("CPUs reserved per model replica", 1024),
        "torch_threads": count("torch threads per model replica", 1, 1024),
        "max_batch_size": count("resumes scored together in one forward pass", 1, 4096),
        "batch_wait_s": Range("seconds a request waits for a batch to fill", 0, 60),
        "max_ongoing_requests": count("requests one replica holds at once"),
        "max_body_bytes": count("largest request body in bytes", 1, 2**31),
        "request_timeout_s": positive("seconds before an unanswered request gets 408", 3600),
    },
    "cluster": {
        "num_cpus": count("CPUs of the local Ray; null: all cores", 1, 4096),
        "idle_workers": count("idle worker processes Ray keeps", 0),
        "start_timeout_s": positive("seconds local Ray may take to start", 3600),
    },
}


def is_numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_ranges(section: Any, prefix: str) -> None:
    """Refuse the first numeric field of `section` (and its nested sections) outside its range."""
    ranges = RANGES.get(prefix, {})
    for spec in fields(section):
        value = getattr(section, spec.name)
        if is_dataclass(value):
            check_ranges(value, f"{prefix}.{spec.name}")
        elif is_numeric(value) and spec.name in ranges and not ranges[spec.name].allows(value):
            rule = ranges[spec.name]
            shown = f"{value:g}" if isinstance(value, float) else value  # 0, not 0.0: as typed
            raise ValueError(f"{prefix}.{spec.name}={shown}: must be {rule.describe()} ({rule.what})")
