"""Ray Data glue for bulk scoring: the stage functions and the model actor around `ResumeScorer`.

    read (file, row group) -> validate + normalise -> tokenize (CPU tasks) -> ScorerActor pool
    -> stage parts per input file -> the driver commits each input file when all its rows are in

The reading stage and the duplicate-id search are shared with matching (data/reader_ray.py).
The driver sees one small stats row per staged part, never resumes. Run it with
`python ray_jobs/score.py`; the driver is `recruit_core/score/job_ray.py`.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict

import pyarrow as pa
import pyarrow.compute as pc
import ray

from recruit_core.config import DataConfig, DedupConfig, ModelConfig, RecruitConfig, ScoreConfig
from recruit_core.data.intake import FileCheck, InputFiles, read_units
from recruit_core.data.reader_ray import resume_reader
from recruit_core.data.validate import QUARANTINE_SCHEMA, TEXT_COLUMN
from recruit_core.io import write_parquet_atomic
from recruit_core.privacy.redact import REDACTED_COLUMN
from recruit_core.score.manifest import staging_folder
from recruit_core.score.reuse import HASH_COLUMN, REUSED, mark_reused
from recruit_core.text.near_duplicates import signatures

# torch and transformers are imported inside the functions that need them: the read, staging and
# duplicate tasks then start in a fraction of the time, which is most of a small run's cost.

SIGNATURE_COLUMN = "minhash"  # near-duplicate signature (text/near_duplicates.py), null if quarantined
PASSTHROUGH = ("resume_id", "input_file", "position", "reason", "detail", REDACTED_COLUMN,
               SIGNATURE_COLUMN, HASH_COLUMN)
STATS_SCHEMA = pa.schema([("input_file", pa.string()), ("first_row", pa.int64()),
                          ("scored", pa.int64()), ("quarantined", pa.int64()),
                          ("reused", pa.int64())])
TOKENS_TYPE = pa.list_(pa.int32())

LEXICAL_COLUMN = "lexical_logits"  # a lexical head's category logits, computed where the text is
_TOKENIZERS: dict[tuple[str, str], object] = {}
_LEXICAL_HEADS: dict[str, object] = {}


def worker_tokenizer(model_path: str, model: ModelConfig):
    """One tokenizer per worker process and model, loaded on first use."""
    key = (model_path, json.dumps(asdict(model), sort_keys=True))
    if key not in _TOKENIZERS:
        if model_path:
            from transformers import AutoTokenizer
            _TOKENIZERS[key] = AutoTokenizer.from_pretrained(model_path, trust_remote_code=False)
        else:
            from recruit_core.model.encoder import load_tokenizer
            _TOKENIZERS[key] = load_tokenizer(model)
    return _TOKENIZERS[key]


def worker_lexical_head(model_path: str):
    """The model folder's lexical head (None without one), loaded once per worker process."""
    if model_path not in _LEXICAL_HEADS:
        from recruit_core.model.lexical import read_folder_lexical
        from recruit_core.model.store import local_model_folder
        _LEXICAL_HEADS[model_path] = read_folder_lexical(local_model_folder(model_path)) if model_path else None
    return _LEXICAL_HEADS[model_path]


def with_signatures(batch: pa.Table, dedup: DedupConfig) -> pa.Table:
    """The batch with each valid row's near-duplicate signature, computed where the text is read
    so later stages and the driver never need the text for it."""
    valid = pc.is_null(batch.column("reason")).to_pylist()
    texts = [(t or "") if ok else None for t, ok in zip(batch.column(TEXT_COLUMN).to_pylist(), valid)]
    return batch.append_column(SIGNATURE_COLUMN, signatures(texts, dedup))


def tokenize_resumes(batch: pa.Table, *, model_path: str, model: ModelConfig,
                     dedup: DedupConfig | None = None) -> pa.Table:
    """Valid rows get `tokens` + `window_lengths` (see scoring.windows_to_columns), their
    near-duplicate signature and, for a model with a lexical head, its category logits, and lose
    their text, so actors receive a fraction of the bytes; quarantined rows pass through with no
    tokens."""
    from recruit_core.model.forward import tokenize_texts
    from recruit_core.score.scorer import windows_to_columns
    batch = with_signatures(batch, dedup or DedupConfig())
    good_mask = pc.is_null(batch.column("reason"))
    good, bad = batch.filter(good_mask), batch.filter(pc.invert(good_mask))
    texts = good.column(TEXT_COLUMN).to_pylist()
    windows = tokenize_texts(worker_tokenizer(model_path, model), texts, model)
    columns = windows_to_columns(windows, len(texts))
    empty = pa.array([[]] * bad.num_rows, TOKENS_TYPE)
    rows = pa.concat_tables([good.select(PASSTHROUGH), bad.select(PASSTHROUGH)])
    rows = (rows.append_column("tokens", pa.concat_arrays([columns["tokens"], empty]))
                .append_column("window_lengths", pa.concat_arrays([columns["window_lengths"], empty])))
    head = worker_lexical_head(model_path)
    if head is None:
        return rows
    logits = [list(row) for row in head.logits(texts)] + [None] * bad.num_rows
    return rows.append_column(LEXICAL_COLUMN, pa.array(logits, pa.list_(pa.float32())))


class ScorerActor:
    """One model replica: `torch.set_num_threads(score.torch_threads)`, inference mode, bf16 on GPU."""

    def __init__(self, score: ScoreConfig, model: ModelConfig, data: DataConfig, reference: list,
                 fingerprint: str, dedup: DedupConfig | None = None):
        import torch

        from recruit_core.score.scorer import ResumeScorer
        torch.set_num_threads(score.torch_threads)
        device = "cuda" if score.num_gpus > 0 and torch.cuda.is_available() else "cpu"
        self.scorer = ResumeScorer.from_config(score, model, data, device,
                                               reference=ray.get(reference[0]))
        if self.scorer.fingerprint != fingerprint:
            raise RuntimeError(f"this node loaded {self.scorer.fingerprint}, the run scores with "
                               f"{fingerprint}: make the model files the same on every node")
        self.schema = self.scorer.output_schema()
        self.dedup = dedup or DedupConfig()

    def __call__(self, batch: pa.Table) -> pa.Table:
        import torch

        from recruit_core.score.scorer import columns_to_windows
        if SIGNATURE_COLUMN not in batch.column_names:  # score.tokenize_in_actor: text read here
            batch = with_signatures(batch, self.dedup)
        good_mask = pc.is_null(batch.column("reason"))
        good, bad = batch.filter(good_mask), batch.filter(pc.invert(good_mask))
        lexical = None
        if "tokens" in batch.column_names:
            windows = columns_to_windows(good.column("tokens"), good.column("window_lengths"),
                                         self.scorer.encoder.model_cfg.max_length,
                                         self.scorer.encoder.tokenizer.pad_token_id)
            if self.scorer.lexical is not None:
                lexical = good.column(LEXICAL_COLUMN).to_pylist()
        else:
            texts = good.column(TEXT_COLUMN).to_pylist()
            windows = self.scorer.tokenize(texts)
            if self.scorer.lexical is not None:
                lexical = self.scorer.lexical_logits(texts)
        with torch.inference_mode():
            scores = self.scorer.score_windows(windows, good.num_rows, lexical)
        scored = good.select(PASSTHROUGH)
        for field in self.schema:
            scored = scored.append_column(field, scores[field.name])
        unscored = bad.select(PASSTHROUGH)
        for field in self.schema:
            unscored = unscored.append_column(field, pa.nulls(bad.num_rows, field.type))
        return pa.concat_tables([scored, unscored])


def stage_parts(batch: pa.Table, *, output_dir: str, input_root: str, provenance: dict) -> pa.Table:
    """Write a block's rows per input file under _staging/<key>/, named by their first input row
    (a retried task rewrites the same names); return one stats row per part for the driver."""
    stats = []
    for path in pc.unique(batch.column("input_file")).to_pylist():
        rows = batch.filter(pc.equal(batch.column("input_file"), path))
        rows = rows.rename_columns(["input_row" if c == "position" else c for c in rows.column_names])
        first_row = pc.min(rows.column("input_row")).as_py()
        staged = staging_folder(output_dir, input_root, path)
        # reused rows were staged by mark_reused before the model: here they are only counted
        reused_mask = pc.fill_null(pc.equal(rows.column("reason"), REUSED), False)
        reused = pc.sum(reused_mask.cast(pa.int64())).as_py() or 0
        rows = rows.filter(pc.invert(reused_mask))
        bad_mask = pc.is_valid(rows.column("reason"))
        scores = rows.filter(pc.invert(bad_mask)).drop_columns(["reason", "detail"])
        where = ["input_file", "input_row"]
        scores = scores.select([c for c in scores.column_names if c not in where] + where)
        for name, value in provenance.items():
            scores = scores.append_column(name, pa.array([value] * scores.num_rows, pa.string()))
        quarantine = rows.filter(bad_mask).select([*QUARANTINE_SCHEMA.names, "input_row"])
        for kind, table in (("scores", scores), ("quarantine", quarantine)):
            if table.num_rows:
                write_parquet_atomic(table, f"{staged}/{kind}-{first_row:012d}.parquet")
        stats.append({"input_file": path, "first_row": first_row, "scored": scores.num_rows,
                      "quarantined": quarantine.num_rows, "reused": reused})
    return pa.Table.from_pylist(stats, schema=STATS_SCHEMA)


@ray.remote
def reference_task(score: ScoreConfig, model: ModelConfig, data: DataConfig, jobs_path: str) -> dict:
    """Occupation and requisition (`jobs_path`) embeddings, computed once for all actors."""
    import torch

    from recruit_core.model.forward import load_scoring_model
    from recruit_core.score.scorer import reference_vectors
    # the actor pool's threads: the pool waits for this task, so its cores are idle meanwhile
    torch.set_num_threads(score.torch_threads * score.pool_size)
    device = "cuda" if score.num_gpus > 0 and torch.cuda.is_available() else "cpu"
    return reference_vectors(load_scoring_model(score.model_path, model), model, data, jobs_path,
                             device)


def actor_memory(megabytes: int) -> int:
    """Ray's `memory` reservation for a model actor. Besides keeping nodes from taking on more
    replicas than fit, it makes the actors' resources differ from the CPU tasks' before them:
    Ray Data fuses a task stage into an actor pool with equal resources, and the pool's row
    bundling then counts the stage's input rows (one per row group) instead of resumes, so a
    single actor got every file. tests/test_score_ray.py checks the plan stays unfused."""
    return megabytes * 2**20


def scoring_pipeline(units: list[dict], search: list, cfg: RecruitConfig, reference_ref,
                     provenance: dict, previous_dir: str = "") -> ray.data.Dataset:
    """The streaming dataset of stats rows; iterating it does the work. `previous_dir`: an
    earlier run's output folder whose rows of unchanged resumes are reused (score/reuse.py)."""
    score, model, data = cfg.score, cfg.model, cfg.data
    tasks = {"batch_format": "pyarrow", "num_cpus": score.cpus_per_task}
    ds = resume_reader(units, search, cfg.inputs.max_text_chars, score.batch_size, tasks,
                       cfg.privacy)
    ds = ds.map_batches(mark_reused, batch_size=None, **tasks,
                        fn_kwargs={"previous_dir": previous_dir, "output_dir": score.output_dir,
                                   "input_root": cfg.inputs.resumes})
    if not score.tokenize_in_actor:
        ds = ds.map_batches(tokenize_resumes, batch_size=score.batch_size, **tasks,
                            fn_kwargs={"model_path": score.model_path, "model": model,
                                       "dedup": cfg.dedup})
    ds = ds.map_batches(ScorerActor, batch_size=score.batch_size, batch_format="pyarrow",
                        compute=ray.data.ActorPoolStrategy(size=score.pool_size),
                        num_gpus=score.num_gpus, num_cpus=score.cpus_per_actor,
                        memory=actor_memory(score.actor_memory_mb),
                        fn_constructor_kwargs={"score": score, "model": model, "data": data,
                                               "reference": [reference_ref],
                                               "fingerprint": provenance["model"],
                                               "dedup": cfg.dedup})
    return ds.map_batches(stage_parts, batch_size=None, **tasks,
                          fn_kwargs={"output_dir": score.output_dir,
                                     "input_root": cfg.inputs.resumes, "provenance": provenance})


# ---- the driver: plan, stream, commit per input file, check the invariant ---------------------

@ray.remote
def _commit(output_dir: str, input_root: str, input_file: str) -> dict:
    from recruit_core.score.manifest import commit_outputs
    return commit_outputs(output_dir, input_root, input_file)


class _Commits:
    """Counts staged rows per input file; commits a file (in a task) once all its rows are in."""

    def __init__(self, checks: list[FileCheck], cfg: RecruitConfig, manifest):
        self.expected = {c.path: c.rows for c in checks}
        self.parts: dict[str, dict[int, int]] = defaultdict(dict)  # path -> first_row -> rows
        self.reused: dict[str, dict[int, int]] = defaultdict(dict)  # path -> first_row -> reused
        self.input_root, self.output_dir = cfg.inputs.resumes, cfg.score.output_dir
        self.manifest, self.cpus = manifest, cfg.score.cpus_per_task
        self.in_flight: dict = {}  # commit task ref -> input path
        self.committing: set[str] = set()

    def add(self, stats: pa.Table) -> None:
        for row in stats.to_pylist():
            path = row["input_file"]
            # keyed by first row: a part reported twice (a retried task) is counted once
            self.parts[path][row["first_row"]] = row["scored"] + row["quarantined"] + row["reused"]
            self.reused[path][row["first_row"]] = row["reused"]
            if sum(self.parts[path].values()) == self.expected[path]:
                self.commit(path)
        self.record(wait=False)

    def commit(self, path: str) -> None:
        if path not in self.committing:
            self.committing.add(path)
            task = _commit.options(num_cpus=self.cpus).remote(self.output_dir, self.input_root, path)
            self.in_flight[task] = path

    def record(self, wait: bool) -> None:
        """Append finished commits to the manifest; with `wait`, all of them."""
        if not self.in_flight:
            return
        refs = list(self.in_flight)
        ready, _ = ray.wait(refs, num_returns=len(refs), timeout=None if wait else 0)
        if not ready:
            return
        paths = [self.in_flight.pop(ref) for ref in ready]
        counts = ray.get(ready)
        # `scored` counts the rows of scores/<key>.parquet, reused ones included
        self.manifest.record_many([(path, {"rows_in": self.expected[path], **c,
                                           "reused": sum(self.reused[path].values())})
                                   for path, c in zip(paths, counts)])

    def unfinished(self) -> list[str]:
        return self.manifest.unfinished(self.expected)


def score_files(todo: list[FileCheck], files: InputFiles, search: list, cfg: RecruitConfig,
                reference_ref, provenance: dict, manifest, previous_dir: str = "") -> None:
    """Score `todo` (readable files of `files` not finished yet), committing file by file;
    `search` (over all of `files.paths`) finds the duplicates."""
    commits = _Commits(todo, cfg, manifest)
    units = read_units([c for c in todo if c.rows], files.paths)
    for check in todo:
        if not check.rows:  # an empty file: nothing to stream, finished at once
            commits.commit(check.path)
    if units:
        pipeline = scoring_pipeline(units, search, cfg, reference_ref, provenance, previous_dir)
        for stats in pipeline.iter_batches(batch_size=None, batch_format="pyarrow"):
            commits.add(stats)
    commits.record(wait=True)
    missing = commits.unfinished()
    if missing:
        raise RuntimeError(f"rows of {len(missing)} input files did not all come back "
                           f"(first: {missing[0]}); their outputs were not committed, rerun to retry")
