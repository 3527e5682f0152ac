"""Ray Data glue for bulk scoring: the stage functions and the model actor around `ResumeScorer`.

    read (file, row group) -> validate + normalise -> tokenize (CPU tasks) -> ScorerActor pool
    -> stage parts per input file -> the driver commits each input file when all its rows are in

Rows are read per (file, row group) rather than by `ray.data.read_parquet`, for two reasons: each
row knows its position in its file, so "keep the first occurrence of a resume_id" means the first
row, exactly; and a row group that fails to decode is quarantined with its path and row range
instead of failing the whole dataset. Only `resume_id` and `text` are read.

The driver sees one small stats row per staged part, never resumes. Run it with
`python ray_jobs/score.py` (see there).
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import asdict

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import ray

from recruit_core.config import DataConfig, ModelConfig, ScoreConfig
from recruit_core.io import write_parquet_atomic
from recruit_core.manifest import STAGING_DIR, output_key
from recruit_core.quarantine import (ID_COLUMN, QUARANTINE_SCHEMA, TEXT_COLUMN, FileCheck,
                                     id_buckets, later_occurrences, unreadable_rows,
                                     validate_resumes)

# torch and transformers are imported inside the functions that need them: the read, staging and
# duplicate tasks then start in a fraction of the time, which is most of a small run's cost.

# Resume ids per duplicate-detection bucket: ~2M ids (~100 MB as Arrow + pandas) fits any worker.
IDS_PER_BUCKET = 2_000_000
PASSTHROUGH = ("resume_id", "input_file", "position", "reason", "detail")
STATS_SCHEMA = pa.schema([("input_file", pa.string()), ("first_row", pa.int64()),
                          ("scored", pa.int64()), ("quarantined", pa.int64())])
TOKENS_TYPE = pa.list_(pa.int32())


# ---- duplicate resume_ids: hash-partitioned map/reduce over the id column only ----------------

def _ids_of(path: str) -> pa.Array:
    """The resume_id column; rows of a row group that fails to decode are null (positions kept)."""
    parquet = pq.ParquetFile(path)
    parts = []
    for group in range(parquet.num_row_groups):
        try:
            parts.append(parquet.read_row_group(group, columns=[ID_COLUMN]).column(0).cast(pa.string()))
        except (OSError, pa.ArrowException):
            parts.append(pa.nulls(parquet.metadata.row_group(group).num_rows, pa.string()))
    return pa.chunked_array(parts, pa.string()).combine_chunks() if parts else pa.array([], pa.string())


@ray.remote
def _bucket_ids(path: str, file_index: int, n_buckets: int):
    buckets = id_buckets(_ids_of(path), file_index, n_buckets)
    return buckets[0] if n_buckets == 1 else tuple(buckets)


@ray.remote
def _later_in_bucket(paths: list[str], *buckets: pa.Table) -> pa.Table:
    return later_occurrences(pa.concat_tables(buckets), paths)


def search_duplicates(paths: list[str], total_rows: int, cpus: float) -> list:
    """Start the search for every resume_id occurrence after the first, over ALL `paths` in order
    (finished files too, so a resumed run keeps the same first occurrences); `collect_duplicates`
    gathers the result. Only duplicates reach the driver; the ids stay in the object store."""
    n_buckets = max(1, math.ceil(total_rows / IDS_PER_BUCKET))
    maps = [_bucket_ids.options(num_cpus=cpus, num_returns=n_buckets).remote(p, i, n_buckets)
            for i, p in enumerate(paths)]
    maps = [[m] if n_buckets == 1 else m for m in maps]
    return [_later_in_bucket.options(num_cpus=cpus).remote(paths, *[m[b] for m in maps])
            for b in range(n_buckets)]


def collect_duplicates(search: list, paths: list[str]) -> dict[str, dict[int, str]]:
    """{path: {row: detail}} from `search_duplicates`."""
    duplicates: dict[str, dict[int, str]] = defaultdict(dict)
    for table in ray.get(search):
        for row in table.to_pylist():
            duplicates[paths[row["file_index"]]][row["position"]] = row["detail"]
    return dict(duplicates)


# ---- stage functions ----------------------------------------------------------------------------

def read_units(checks: list[FileCheck], duplicates: dict[str, dict[int, str]]) -> list[dict]:
    """One work unit per (file, row group), with the duplicate rows that fall inside it."""
    units = []
    for check in checks:
        first = 0
        for group, rows in enumerate(check.row_groups):
            inside = {p: d for p, d in duplicates.get(check.path, {}).items()
                      if first <= p < first + rows}
            units.append({"path": check.path, "row_group": group, "first_row": first, "rows": rows,
                          "duplicates": json.dumps(inside)})
            first += rows
    return units


def _row_group(path: str, group: int, chunk_rows: int):
    # a generator, so that opening the file fails inside the caller's error handling too
    yield from pq.ParquetFile(path).iter_batches(batch_size=chunk_rows, row_groups=[group],
                                                 columns=[ID_COLUMN, TEXT_COLUMN], use_threads=False)


def read_resumes(units: pa.Table, *, max_text_chars: int, chunk_rows: int):
    """Read and validate each unit's rows in chunks; yields VALIDATED_SCHEMA tables."""
    for unit in units.to_pylist():
        duplicates = {int(p): d for p, d in json.loads(unit["duplicates"]).items()}
        path, position, end = unit["path"], unit["first_row"], unit["first_row"] + unit["rows"]
        chunks = _row_group(path, unit["row_group"], chunk_rows)
        while position < end:
            try:
                chunk = pa.Table.from_batches([next(chunks)])
            except StopIteration:
                break
            except (OSError, pa.ArrowException) as err:
                yield unreadable_rows(path, position, end - position, err)
                break
            yield validate_resumes(chunk, path, position, max_text_chars, duplicates)
            position += chunk.num_rows


_TOKENIZERS: dict[tuple[str, str], object] = {}


def _tokenizer(model_path: str, model: ModelConfig):
    """One tokenizer per worker process and model, loaded on first use."""
    key = (model_path, json.dumps(asdict(model), sort_keys=True))
    if key not in _TOKENIZERS:
        if model_path:
            from transformers import AutoTokenizer
            _TOKENIZERS[key] = AutoTokenizer.from_pretrained(model_path, trust_remote_code=False)
        else:
            from recruit_core.encoder import load_tokenizer
            _TOKENIZERS[key] = load_tokenizer(model)
    return _TOKENIZERS[key]


def tokenize_resumes(batch: pa.Table, *, model_path: str, model: ModelConfig) -> pa.Table:
    """Valid rows get `tokens` + `window_lengths` (see scoring.windows_to_columns) and lose their
    text, so actors receive a fraction of the bytes; quarantined rows pass through with no tokens."""
    from recruit_core.scoring import tokenize_texts, windows_to_columns
    good_mask = pc.is_null(batch.column("reason"))
    good, bad = batch.filter(good_mask), batch.filter(pc.invert(good_mask))
    texts = good.column(TEXT_COLUMN).to_pylist()
    windows = tokenize_texts(_tokenizer(model_path, model), texts, model)
    columns = windows_to_columns(windows, len(texts))
    empty = pa.array([[]] * bad.num_rows, TOKENS_TYPE)
    rows = pa.concat_tables([good.select(PASSTHROUGH), bad.select(PASSTHROUGH)])
    return (rows.append_column("tokens", pa.concat_arrays([columns["tokens"], empty]))
                .append_column("window_lengths", pa.concat_arrays([columns["window_lengths"], empty])))


class ScorerActor:
    """One model replica: `torch.set_num_threads(score.torch_threads)`, inference mode, bf16 on GPU."""

    def __init__(self, score: ScoreConfig, model: ModelConfig, data: DataConfig, reference: list,
                 fingerprint: str):
        import torch
        from recruit_core.scoring import ResumeScorer
        torch.set_num_threads(score.torch_threads)
        device = "cuda" if score.num_gpus > 0 and torch.cuda.is_available() else "cpu"
        self.scorer = ResumeScorer.from_config(score, model, data, device,
                                               reference=ray.get(reference[0]))
        if self.scorer.fingerprint != fingerprint:
            raise RuntimeError(f"this node loaded {self.scorer.fingerprint}, the run scores with "
                               f"{fingerprint}: make the model files the same on every node")
        self.schema = self.scorer.output_schema()

    def __call__(self, batch: pa.Table) -> pa.Table:
        import torch
        from recruit_core.scoring import columns_to_windows
        good_mask = pc.is_null(batch.column("reason"))
        good, bad = batch.filter(good_mask), batch.filter(pc.invert(good_mask))
        if "tokens" in batch.column_names:
            windows = columns_to_windows(good.column("tokens"), good.column("window_lengths"),
                                         self.scorer.encoder.model_cfg.max_length,
                                         self.scorer.encoder.tokenizer.pad_token_id)
        else:
            windows = self.scorer.tokenize(good.column(TEXT_COLUMN).to_pylist())
        with torch.inference_mode():
            scores = self.scorer.score_windows(windows, good.num_rows)
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
        staged = f"{output_dir}/{STAGING_DIR}/{output_key(input_root, path)}"
        bad_mask = pc.is_valid(rows.column("reason"))
        scores = rows.filter(pc.invert(bad_mask)).drop_columns(["reason", "detail"])
        for name, value in provenance.items():
            scores = scores.append_column(name, pa.array([value] * scores.num_rows, pa.string()))
        quarantine = rows.filter(bad_mask).select([*QUARANTINE_SCHEMA.names, "input_row"])
        for kind, table in (("scores", scores), ("quarantine", quarantine)):
            if table.num_rows:
                write_parquet_atomic(table, f"{staged}/{kind}-{first_row:012d}.parquet")
        stats.append({"input_file": path, "first_row": first_row, "scored": scores.num_rows,
                      "quarantined": quarantine.num_rows})
    return pa.Table.from_pylist(stats, schema=STATS_SCHEMA)


@ray.remote
def reference_task(score: ScoreConfig, model: ModelConfig, data: DataConfig) -> dict:
    """Occupation and requisition embeddings, computed once for all actors."""
    import torch
    from recruit_core.scoring import load_scoring_model, reference_vectors
    # the actor pool's threads: the pool waits for this task, so its cores are idle meanwhile
    torch.set_num_threads(score.torch_threads * score.pool_size)
    device = "cuda" if score.num_gpus > 0 and torch.cuda.is_available() else "cpu"
    return reference_vectors(load_scoring_model(score.model_path, model), score, model, data, device)


def scoring_pipeline(units: list[dict], score: ScoreConfig, model: ModelConfig, data: DataConfig,
                     reference_ref, provenance: dict) -> ray.data.Dataset:
    """The streaming dataset of stats rows; iterating it does the work."""
    tasks = {"batch_format": "pyarrow", "num_cpus": score.cpus_per_task}
    ds = ray.data.from_items(units, override_num_blocks=max(1, len(units)))
    ds = ds.map_batches(read_resumes, batch_size=1, **tasks,
                        fn_kwargs={"max_text_chars": score.max_text_chars,
                                   "chunk_rows": score.batch_size})
    if not score.tokenize_in_actor:
        ds = ds.map_batches(tokenize_resumes, batch_size=score.batch_size, **tasks,
                            fn_kwargs={"model_path": score.model_path, "model": model})
    ds = ds.map_batches(ScorerActor, batch_size=score.batch_size, batch_format="pyarrow",
                        compute=ray.data.ActorPoolStrategy(size=score.pool_size),
                        num_gpus=score.num_gpus, num_cpus=score.cpus_per_actor,
                        fn_constructor_kwargs={"score": score, "model": model, "data": data,
                                               "reference": [reference_ref],
                                               "fingerprint": provenance["model"]})
    return ds.map_batches(stage_parts, batch_size=None, **tasks,
                          fn_kwargs={"output_dir": score.output_dir, "input_root": score.input,
                                     "provenance": provenance})


# ---- the driver: plan, stream, commit per input file, check the invariant ---------------------

@ray.remote
def _commit(output_dir: str, key: str) -> dict:
    from recruit_core.manifest import commit_outputs
    return commit_outputs(output_dir, key)


class _Commits:
    """Counts staged rows per input file; commits a file (in a task) once all its rows are in."""

    def __init__(self, checks: list[FileCheck], score: ScoreConfig, manifest, cpus: float):
        self.expected = {c.path: c.rows for c in checks}
        self.parts: dict[str, dict[int, int]] = defaultdict(dict)  # path -> first_row -> rows
        self.score, self.manifest, self.cpus = score, manifest, cpus
        self.in_flight: dict = {}  # commit task ref -> input path
        self.committing: set[str] = set()

    def add(self, stats: pa.Table) -> None:
        for row in stats.to_pylist():
            path = row["input_file"]
            # keyed by first row: a part reported twice (a retried task) is counted once
            self.parts[path][row["first_row"]] = row["scored"] + row["quarantined"]
            if sum(self.parts[path].values()) == self.expected[path]:
                self.commit(path)
        self.record(wait=False)

    def commit(self, path: str) -> None:
        if path not in self.committing:
            self.committing.add(path)
            key = output_key(self.score.input, path)
            self.in_flight[_commit.options(num_cpus=self.cpus).remote(self.score.output_dir, key)] = path

    def record(self, wait: bool) -> None:
        """Append finished commits to the manifest; with `wait`, all of them."""
        while self.in_flight:
            ready, _ = ray.wait(list(self.in_flight), num_returns=1, timeout=None if wait else 0)
            if not ready:
                return
            path = self.in_flight.pop(ready[0])
            counts = ray.get(ready[0])
            self.manifest.record(path, {"rows_in": self.expected[path], **counts})

    def unfinished(self) -> list[str]:
        return [p for p in self.expected if not self.manifest.is_finished(p)]


def score_files(todo: list[FileCheck], duplicates: dict[str, dict[int, str]], score: ScoreConfig,
                model: ModelConfig, data: DataConfig, reference_ref, provenance: dict,
                manifest) -> None:
    """Score `todo` (duplicates found over all readable files), committing file by file."""
    commits = _Commits(todo, score, manifest, score.cpus_per_task)
    units = read_units([c for c in todo if c.rows], duplicates)
    for check in todo:
        if not check.rows:  # an empty file: nothing to stream, finished at once
            commits.commit(check.path)
    if units:
        pipeline = scoring_pipeline(units, score, model, data, reference_ref, provenance)
        for stats in pipeline.iter_batches(batch_size=None, batch_format="pyarrow"):
            commits.add(stats)
    commits.record(wait=True)
    missing = commits.unfinished()
    if missing:
        raise RuntimeError(f"rows of {len(missing)} input files did not all come back "
                           f"(first: {missing[0]}); their outputs were not committed, rerun to retry")
