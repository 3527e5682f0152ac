"""Scoring and matching through Ray Data on a local 2-CPU Ray: bad input is quarantined and counted,
a crashed run resumes to the same output, matches equal brute force, and `cluster=remote` works."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROOT, compose_config

from recruit_core.data.synth import job_table, resume_tables
from recruit_core.data.taxonomy import load_builtin
from recruit_core.data.validate import normalise_text
from recruit_core.score.manifest import Manifest, output_key
from recruit_core.train.gates import write_reranker_gate

pytestmark = pytest.mark.ray
SMOKE = ["experiment=smoke", "score.batch_size=4", "score.target_max_block_mb=1",
         "match.target_max_block_mb=1"]
EXPECTED_REASONS = {"null_text": 1, "empty_text": 2, "oversized_text": 1, "invalid_utf8": 2,
                    "duplicate_id": 2, "not_text": 2, "missing_column": 2, "unreadable_file": 1}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Resumes with every kind of problem, spread over files, plus 4 requisitions."""
    root = tmp_path_factory.mktemp("corpus")
    taxonomy = load_builtin()
    good, _ = resume_tables(taxonomy, 0, 0, 8, 0.15, 0.0)
    text = good.column("text").to_pylist()
    ids = good.column("resume_id").to_pylist()
    resumes = root / "resumes"
    resumes.mkdir()
    pq.write_table(pa.table({
        "resume_id": ids[:4] + ["N1", "E1", "W1", "BIG", "LOSSY", ids[1]],
        "text": text[:4] + [None, "", " \n\t ", "skills " * 800_000, "Excel \ufffd", text[5]]}),
        resumes / "a_mixed.parquet", row_group_size=3)
    pq.write_table(pa.table({"resume_id": ["B1", "B2"],
                             "text": pa.array([text[4].encode(), b"\xff\xfe\x00bad"], pa.binary())}),
                   resumes / "b_bytes.parquet")
    pq.write_table(pa.table({"resume_id": ["NUM1", "NUM2"], "text": [17, 42]}),
                   resumes / "c_numbers.parquet")
    pq.write_table(pa.table({"resume_id": ["M1", "M2"], "body": text[6:8]}), resumes / "d_no_text.parquet")
    (resumes / "e_truncated.parquet").write_bytes((resumes / "b_bytes.parquet").read_bytes()[:-30])
    pq.write_table(pa.table({"resume_id": [ids[0], ids[7]], "text": [text[6], text[7]]}),
                   resumes / "f_more.parquet", row_group_size=1)
    pq.write_table(job_table(taxonomy, 0, 4), root / "jobs.parquet")
    return root


def _config(corpus: Path, output: Path, *extra: str):
    return compose_config([*SMOKE, f"inputs.resumes={corpus / 'resumes'}",
                           f"inputs.jobs={corpus / 'jobs.parquet'}", f"score.output_dir={output}", *extra])


def _outputs(output: Path) -> dict[str, pa.Table]:
    """Every output file of a run, without the per-invocation run_id."""
    tables = {}
    for path in sorted(output.glob("*/*.parquet")):
        table = pq.read_table(path)
        tables[str(path.relative_to(output))] = table.drop_columns(
            [c for c in ("run_id",) if c in table.column_names])
    return tables


@pytest.fixture(scope="module")
def clean_run(ray_local, corpus, tmp_path_factory):
    from recruit_core.score import job_ray as score
    output = tmp_path_factory.mktemp("clean")
    return output, score.run(_config(corpus, output))


def test_bad_input_is_quarantined_and_every_row_is_counted(clean_run, corpus):
    output, summary = clean_run
    assert summary["invariant_ok"]
    # d_no_text.parquet's 2 rows count in and as quarantined: the file has no text column
    assert summary["rows_in"] == 18 and summary["rows_scored"] == 6 and summary["rows_quarantined"] == 12
    assert summary["reasons"] == EXPECTED_REASONS and summary["files_quarantined"] == 2
    quarantine = pa.concat_tables([pq.read_table(p, columns=["resume_id", "input_file", "reason", "detail"])
                                   for p in sorted((output / "quarantine").glob("*.parquet"))])
    by_reason = {}
    for row in quarantine.to_pylist():
        by_reason.setdefault(row["reason"], []).append(row)
    assert by_reason["unreadable_file"][0]["input_file"].endswith("e_truncated.parquet")
    assert by_reason["unreadable_file"][0]["resume_id"] is None
    assert by_reason["missing_column"][0]["input_file"].endswith("d_no_text.parquet")
    duplicates = sorted(r["detail"] for r in by_reason["duplicate_id"])
    assert all("a_mixed.parquet row" in d for d in duplicates)  # the earlier row is the one kept
    scores = pa.concat_tables([pq.read_table(p) for p in sorted((output / "scores").glob("*.parquet"))])
    assert sorted(scores.column("resume_id").to_pylist()) == sorted(
        pq.read_table(corpus / "resumes" / "a_mixed.parquet").column("resume_id").to_pylist()[:4] + ["B1"]
        + pq.read_table(corpus / "resumes" / "f_more.parquet").column("resume_id").to_pylist()[1:])
    for column in ("model", "config_hash", "run_id", "input_file", "best_job_id", "category_1"):
        assert scores.column(column).null_count == 0, column


@pytest.fixture(scope="module")
def intake_corpus(tmp_path_factory) -> Path:
    """Input edge cases next to normal files: what Spark and pandas write, invisible text, a file
    without the text column, files that are not data (hidden, metadata, other names), ids that
    look like paths or hold control characters, and two paths that once shared an output name."""
    import pandas as pd

    root = tmp_path_factory.mktemp("intake")
    taxonomy = load_builtin()
    good, _ = resume_tables(taxonomy, 1, 0, 6, 0.15, 0.0)
    text = good.column("text").to_pylist()
    resumes = root / "resumes"
    spark = resumes / "spark_out.parquet"
    spark.mkdir(parents=True)
    pq.write_table(good.slice(0, 2), resumes / "a_normal.parquet")
    pd.DataFrame({"resume_id": ["CAT1", "CAT2"], "text": pd.Categorical([text[2], text[3]])}
                 ).to_parquet(resumes / "b_categorical.parquet")
    pq.write_table(pa.table({"resume_id": ["Z1", "Z2", "Z3"],
                             "text": ["\u200b\u200c\u200d", "\ufeff \u2060", "\x00\x00"]}),
                   resumes / "c_invisible.parquet")
    pq.write_table(pa.table({"resume_id": ["M1", "M2", "M3"], "body": text[:3]}),
                   resumes / "d_no_text.parquet")
    pq.write_table(pa.table({"resume_id": ["SP1"], "text": [text[4]]}), spark / "part-00000-a.snappy.parquet")
    pq.write_table(pa.table({"resume_id": ["SP2"], "text": [text[5]]}), spark / "part-00001-a.snappy.parquet")
    pq.write_table(pa.table({"resume_id": ["UP1"], "text": [text[0] + " (resubmitted)"]}),
                   resumes / "E_UPPER.PARQUET")
    for name in ("spark_out.parquet/_SUCCESS", "spark_out.parquet/.part-00000-a.snappy.parquet.crc",
                 "spark_out.parquet/_committed_17", "notes.txt"):
        (resumes / name).write_bytes(b"not data")
    pq.write_table(pa.table({"resume_id": ["H1"], "text": [text[1]]}), resumes / ".hidden.parquet")
    pq.write_table(pa.table({"resume_id": ["../../../../tmp/x", "/tmp/x", " ", "\t", "\x1b[31mred"],
                             "text": text[:5]}), resumes / "f_hostile_ids.parquet")
    (resumes / "g").mkdir()
    pq.write_table(pa.table({"resume_id": ["G1"], "text": [text[1]]}), resumes / "g" / "h.parquet")
    pq.write_table(pa.table({"resume_id": ["G2"], "text": [text[2]]}), resumes / "g__h.parquet")
    pq.write_table(job_table(taxonomy, 1, 3), root / "jobs.parquet")
    return root


def test_every_input_file_is_read_or_reported_and_every_row_counted(ray_local, intake_corpus, tmp_path):
    from recruit_core.score import job_ray as score
    summary = score.run(_config(intake_corpus, tmp_path / "out"))
    assert summary["rows_in"] == 20 and summary["invariant_ok"]
    assert summary["rows_scored"] == 11 and summary["rows_quarantined"] == 9
    assert summary["reasons"] == {"empty_text": 3, "missing_column": 3, "missing_id": 2, "invalid_id": 1}
    assert summary["files"] == 10 and summary["files_quarantined"] == 1
    resumes = intake_corpus / "resumes"
    assert sorted(summary["skipped_files"]) == sorted(str(resumes / n) for n in (
        "spark_out.parquet/_SUCCESS", "spark_out.parquet/.part-00000-a.snappy.parquet.crc",
        "spark_out.parquet/_committed_17", "notes.txt", ".hidden.parquet"))
    scores = pa.concat_tables([pq.read_table(p) for p in (tmp_path / "out" / "scores").glob("*.parquet")])
    assert sorted(scores.column("resume_id").to_pylist()) == sorted(
        pq.read_table(resumes / "a_normal.parquet").column("resume_id").to_pylist()
        + ["CAT1", "CAT2", "SP1", "SP2", "UP1", "../../../../tmp/x", "/tmp/x", "G1", "G2"])
    assert set(scores.column("model").to_pylist()) == {summary["model"]}  # the weights, every row
    quarantine = pa.concat_tables([pq.read_table(p, columns=["resume_id", "reason"])
                                   for p in (tmp_path / "out" / "quarantine").glob("*.parquet")])
    assert sorted(quarantine.column("resume_id").to_pylist()) == sorted(
        ["M1", "M2", "M3", "Z1", "Z2", "Z3", " ", "\t", "\x1b[31mred"])
    below_folders = [p for p in (tmp_path / "out").rglob("*.parquet") if p.parent != tmp_path / "out"]
    assert not any(tmp_path.parent.glob("tmp/x*")) and len(below_folders) \
        == len(list((tmp_path / "out").glob("*/*.parquet")))  # no id became a path


@pytest.mark.parametrize("tokenize_in_actor", ["true", "false"])
def test_the_stage_before_the_actors_is_never_fused_into_them(ray_local, capsys, tokenize_in_actor):
    """Fused, the actor pool bundles work units (one per row group) instead of resumes and one actor
    gets every file: a silent halving of throughput on 2 actors."""
    from recruit_core.score.pipeline_ray import scoring_pipeline
    cfg = compose_config([*SMOKE, f"score.tokenize_in_actor={tokenize_in_actor}",
                          "score.cpus_per_task=0.5", "score.cpus_per_actor=0.5"])
    units = [{"path": "x.parquet", "file_index": 0, "row_group": 0, "first_row": 0, "rows": 1}]
    scoring_pipeline(units, [], cfg, None, {"model": "m"}).explain()
    plan = capsys.readouterr().out
    assert "ActorPoolMapOperator[MapBatches(ScorerActor)]" in plan, plan
    assert "->MapBatches(ScorerActor)" not in plan, plan  # how Ray names a fused operator


def test_unreadable_file_fails_the_run_when_asked(ray_local, corpus, tmp_path):
    from recruit_core.score import job_ray as score
    with pytest.raises(RuntimeError, match="e_truncated.parquet"):
        score.run(_config(corpus, tmp_path / "out", "score.on_unreadable_file=fail"))


def test_crash_then_rerun_gives_the_clean_output_bitwise(clean_run, corpus, tmp_path, monkeypatch):
    """Also run another way (1 actor after tokenizing CPU tasks, not 2 actors tokenizing
    themselves): how the work is spread must not change a single bit of the output."""
    from recruit_core.score import job_ray as score
    output = tmp_path / "resumed"
    another_way = ("score.pool_size=1", "score.tokenize_in_actor=false")
    real_record, calls = Manifest.record_many, []

    def crash_after_first_scored_file(self, finished):
        for input_file, counts in finished:
            real_record(self, [(input_file, counts)])
            calls.append(input_file)
            if "file_problem" not in counts:
                raise RuntimeError("simulated crash")

    monkeypatch.setattr(Manifest, "record_many", crash_after_first_scored_file)
    with pytest.raises(RuntimeError, match="simulated crash"):
        score.run(_config(corpus, output, *another_way))
    monkeypatch.setattr(Manifest, "record_many", real_record)
    finished = output / "scores" / f"{output_key(corpus / 'resumes', calls[-1])}.parquet"
    before = finished.stat().st_mtime_ns if finished.exists() else None
    summary = score.run(_config(corpus, output, *another_way))
    assert summary["files_skipped_finished"] == 1 and summary["invariant_ok"]
    if before is not None:
        assert finished.stat().st_mtime_ns == before  # finished before the crash: not redone
    clean = _outputs(clean_run[0])
    resumed = _outputs(output)
    assert clean.keys() == resumed.keys()
    for name in clean:
        assert clean[name].equals(resumed[name]), name  # same input, model, config: same bits
    assert not any((output / "_staging").iterdir())


def _resumes_by_input_file(output: Path) -> dict[str, list[str]]:
    """resume_ids of every scored or quarantined row, per input file, from the output files."""
    found: dict[str, list[str]] = {}
    for path in sorted(output.glob("*/*.parquet")):
        for row in pq.read_table(path, columns=["resume_id", "input_file"]).to_pylist():
            found.setdefault(row["input_file"], []).append(row["resume_id"])
    return {name: sorted(resume_ids) for name, resume_ids in found.items()}


def test_inputs_whose_paths_flatten_alike_keep_all_their_rows(ray_local, corpus, tmp_path):
    """`a/b.parquet` and `a__b.parquet` once shared an output name: one file's commit deleted the
    other's staged rows, and a rerun skipped both, so the loss was permanent."""
    from recruit_core.score import job_ray as score
    good, _ = resume_tables(load_builtin(), 0, 0, 11, 0.15, 0.0)
    ids, texts = good.column("resume_id").to_pylist(), good.column("text").to_pylist()
    root = tmp_path / "pool"
    layout = {"a/b.parquet": (ids[0:3] + ["\x1b[2J", "../../x"], texts[0:3] + ["", texts[3]]),
              "a__b.parquet": (ids[4:7], texts[4:7]), "x/y/z.parquet": (ids[7:9], texts[7:9]),
              "x__y/z.parquet": (ids[9:11], texts[9:11])}
    for name, (resume_ids, resume_texts) in layout.items():
        (root / "resumes" / name).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table({"resume_id": resume_ids, "text": resume_texts}), root / "resumes" / name)
    (root / "jobs.parquet").symlink_to(corpus / "jobs.parquet")
    inputs = {str(root / "resumes" / name): sorted(rows) for name, (rows, _) in layout.items()}

    summary = score.run(_config(root, tmp_path / "out"))
    assert summary["rows_in"] == 12 and summary["invariant_ok"]
    assert summary["reasons"] == {"invalid_id": 1}
    assert _resumes_by_input_file(tmp_path / "out") == inputs  # every resume exactly once
    first = _outputs(tmp_path / "out")
    assert len(first) == 5  # scores of 4 files, quarantine of a/b

    again = score.run(_config(root, tmp_path / "out"))
    assert again["files_skipped_finished"] == 4 and again["files_scored_now"] == 0
    assert _outputs(tmp_path / "out").keys() == first.keys()
    rewritten = root / "resumes" / "a__b.parquet"  # changed since: scored again, alone
    pq.write_table(pa.table({"resume_id": ids[4:6], "text": texts[4:6]}), rewritten)
    inputs[str(rewritten)] = sorted(ids[4:6])
    third = score.run(_config(root, tmp_path / "out"))
    assert third["files_scored_now"] == 1 and third["invariant_ok"]
    assert _resumes_by_input_file(tmp_path / "out") == inputs


@pytest.mark.determinism
@pytest.mark.parametrize("way", [("score.batch_size=3",),
                                 pytest.param(("score.batch_size=16", "score.tokenize_in_actor=false"),
                                              marks=pytest.mark.slow),
                                 ("score.pool_size=1", "score.target_max_block_mb=8")])
def test_how_the_work_is_spread_changes_no_bit_of_the_output(clean_run, corpus, tmp_path, way):
    """Batch size, where tokenizing runs, actor count and block size decide which resumes share
    a forward pass; none of them may change a score."""
    from recruit_core.score import job_ray as score
    score.run(_config(corpus, tmp_path / "out", *way))
    clean, again = _outputs(clean_run[0]), _outputs(tmp_path / "out")
    assert clean.keys() == again.keys()
    for name in clean:
        assert clean[name].equals(again[name]), name


def _scores_by_resume(output: Path) -> pa.Table:
    """Every scored row keyed by resume_id, without where it came from (input_file, input_row,
    and config_hash, which names the input folder): what the input's layout must not change."""
    table = pa.concat_tables([pq.read_table(p) for p in sorted((output / "scores").glob("*.parquet"))])
    return table.drop_columns(["run_id", "input_file", "input_row", "config_hash"]).sort_by("resume_id")


@pytest.mark.determinism
def test_one_file_or_many_gives_each_resume_the_same_bits(ray_local, corpus, tmp_path):
    from recruit_core.score import job_ray as score
    pool, _ = resume_tables(load_builtin(), 4, 0, 30, 0.15, 0.0)
    pool = pool.select(["resume_id", "text"])
    (tmp_path / "one" / "resumes").mkdir(parents=True)
    pq.write_table(pool, tmp_path / "one" / "resumes" / "all.parquet")
    (tmp_path / "many" / "resumes").mkdir(parents=True)
    for part, start in enumerate(range(0, 30, 7)):
        pq.write_table(pool.slice(start, 7), tmp_path / "many" / "resumes" / f"part-{part}.parquet",
                       row_group_size=3)
    outputs = {}
    for layout in ("one", "many"):
        (tmp_path / layout / "jobs.parquet").symlink_to(corpus / "jobs.parquet")
        summary = score.run(_config(tmp_path / layout, tmp_path / f"out-{layout}"))
        assert summary["rows_scored"] == 30 and summary["invariant_ok"]
        outputs[layout] = _scores_by_resume(tmp_path / f"out-{layout}")
    assert outputs["one"].equals(outputs["many"])


def _match_corpus(root: Path) -> tuple[list[str], list[str], pa.Table]:
    """60 clean resumes in 3 files and 6 requisitions; returns (texts, resume ids, jobs)."""
    taxonomy = load_builtin()
    (root / "resumes").mkdir()
    texts, ids = [], []
    for part, start in enumerate((0, 20, 40)):
        resumes, _ = resume_tables(taxonomy, 3, start, start + 20, 0.15, 0.0)
        pq.write_table(resumes, root / "resumes" / f"part-{part}.parquet")
        texts += resumes.column("text").to_pylist()
        ids += resumes.column("resume_id").to_pylist()
    jobs = job_table(taxonomy, 3, 6)
    pq.write_table(jobs, root / "jobs.parquet")
    return texts, ids, jobs


MATCH_SETTINGS = ["match.batch_size=8", "match.block_rows=3", "match.top_k_jobs=2",
                  "match.top_n_resumes=4", "match.rerank_top=3"]


def _match_config(root: Path, resumes: Path, output: str, *extra: str):
    return compose_config([*SMOKE, f"inputs.resumes={resumes}", f"inputs.jobs={root / 'jobs.parquet'}",
                           f"match.output_dir={root / output}", *MATCH_SETTINGS,
                           f"match.crossencoder_path={root / 'cross'}", *extra])


@pytest.fixture(scope="module")
def match_run(ray_local, tmp_path_factory):
    """A match run over 3 files with an (untrained) cross-encoder: (root, texts, ids, jobs, summary)."""
    from recruit_core.match import job_ray as match
    from recruit_core.model.encoder import load_encoder
    from recruit_core.model.recruit import RecruitModel
    root = tmp_path_factory.mktemp("match")
    texts, ids, jobs = _match_corpus(root)
    cfg = _match_config(root, root / "resumes", "out")
    tokenizer, encoder, _ = load_encoder(cfg.model)
    RecruitModel(encoder).save(root / "cross", tokenizer)  # an untrained fit head will do
    # the verdict its training run would write had it beaten the bi-encoder order on dev
    write_reranker_gate(root / "cross", {"reranking": {"ndcg@10": 0.9}, "bi_encoder_order": {"ndcg@10": 0.5}})
    return root, texts, ids, jobs, match.run(cfg)


def test_a_gated_out_reranker_keeps_bi_encoder_order_and_fit_is_one_calibrated_number(match_run, tmp_path):
    """A cross-encoder that lost to the bi-encoder order on dev never reorders a shortlist; a
    bi-encoder folder with a calibration gives recommendations and shortlists one fit probability."""
    from recruit_core.match import job_ray as match
    from recruit_core.model.encoder import load_encoder
    from recruit_core.model.recruit import RecruitModel
    root, *_ = match_run
    tokenizer, encoder, _ = load_encoder(_match_config(root, root / "resumes", "out").model)
    RecruitModel(encoder).save(tmp_path / "cross", tokenizer)
    write_reranker_gate(tmp_path / "cross", {"reranking": {"ndcg@10": 0.4}, "bi_encoder_order": {"ndcg@10": 0.5}})
    RecruitModel(encoder).save(tmp_path / "bi", tokenizer)
    (tmp_path / "bi" / "calibration.json").write_text('{"method": "platt", "slope": 6.0, "intercept": -3.0}')
    summary = match.run(_match_config(root, root / "resumes", str(tmp_path / "out"),
                                      f"match.crossencoder_path={tmp_path / 'cross'}",
                                      f"match.biencoder_path={tmp_path / 'bi'}"))
    assert "did not beat the bi-encoder order" in summary["reranker"]
    shortlists = pq.read_table(summary["shortlists"]).to_pylist()
    assert all(r["rank"] == r["bi_rank"] and r["rerank_score"] is None for r in shortlists)
    assert {r["rerank_model"] for r in shortlists} == {"none (bi-encoder order)"}
    platt = lambda score: 1 / (1 + np.exp(-(6.0 * score - 3.0)))  # noqa: E731
    recs = pq.read_table(tmp_path / "out" / "recommendations").to_pylist()
    for row in recs + shortlists:
        score = row.get("score", row.get("bi_score"))
        assert row["fit_probability"] == pytest.approx(platt(score), abs=1e-6)
    same_pair = {(r["resume_id"], r["job_id"]): r["fit_probability"] for r in recs}
    shared = [(r["resume_id"], r["job_id"]) for r in shortlists if (r["resume_id"], r["job_id"]) in same_pair]
    assert shared and all(same_pair[k] == next(r["fit_probability"] for r in shortlists
                                               if (r["resume_id"], r["job_id"]) == k) for k in shared)


def _match_outputs(output: Path, summary: dict) -> dict[str, pa.Table]:
    # input_row: where a resume sits in its input file, which the one-file run changes on purpose
    recs = pq.read_table(output / "recommendations").drop_columns(["run_id", "config_hash",
                                                                   "input_row"])
    shortlists = pq.read_table(summary["shortlists"]).drop_columns(["run_id", "config_hash"])
    return {"recommendations": recs.sort_by([("resume_id", "ascending"), ("rank", "ascending")]),
            "shortlists": shortlists.sort_by([("job_id", "ascending"), ("rank", "ascending")])}


def test_match_through_ray_equals_brute_force(match_run):
    from recruit_core.model.forward import TextEncoder, load_scoring_model
    from recruit_core.privacy.redact import redact_column
    from recruit_core.text.requisition import requisition_texts
    root, texts, ids, jobs, summary = match_run
    cfg = _match_config(root, root / "resumes", "out")
    bi = TextEncoder(load_scoring_model("", cfg.model), cfg.model)
    resumes = redact_column([normalise_text(t) for t in texts], cfg.privacy)  # what the job embeds
    fit = bi.embed_texts(resumes) @ bi.embed_texts(requisition_texts(jobs)).T
    job_ids = np.array(jobs.column("job_id").to_pylist())

    recs = pq.read_table(root / "out" / "recommendations")
    recs = recs.sort_by([("resume_id", "ascending"), ("rank", "ascending")])
    expected = [(ids[r], rank + 1, job_ids[j]) for r in np.argsort(ids)
                for rank, j in enumerate(np.argsort(-fit[r])[:2])]
    assert list(zip(*(recs.column(c).to_pylist() for c in ("resume_id", "rank", "job_id")))) == expected

    shortlists = pq.read_table(summary["shortlists"])
    shortlists = shortlists.sort_by([("job_id", "ascending"), ("bi_rank", "ascending")])
    expected = [(job_ids[j], rank + 1, ids[r]) for j in range(6)
                for rank, r in enumerate(np.argsort(-fit[:, j])[:4])]
    found = zip(*(shortlists.column(c).to_pylist() for c in ("job_id", "bi_rank", "resume_id")))
    assert list(found) == expected
    rows = shortlists.to_pylist()
    assert all((r["rerank_score"] is not None) == (r["bi_rank"] <= 3) for r in rows)
    for job in job_ids:  # reranked pairs first, best cross-encoder fit first
        ranked = sorted((r for r in rows if r["job_id"] == job), key=lambda r: r["rank"])
        reranked = [r["rerank_score"] for r in ranked[:3]]
        assert reranked == sorted(reranked, reverse=True) and ranked[3]["rerank_score"] is None
    assert summary["rerank_model"].startswith("cross@sha256:")
    assert set(shortlists.column("rerank_model").to_pylist()) == {summary["rerank_model"]}
    required = dict(zip(job_ids, jobs.column("required_skills").to_pylist()))
    for row in rows:
        assert set(row["matched_skills"]) | set(row["missing_skills"]) == set(required[row["job_id"]])


@pytest.mark.determinism
def test_match_gives_the_same_bits_however_the_work_is_spread(match_run, tmp_path):
    """One actor instead of two, other batch and block sizes, one input file instead of three:
    the same recommendations, shortlists, bi-encoder and cross-encoder scores, bit for bit."""
    from recruit_core.match import job_ray as match
    root, *_, summary = match_run
    (tmp_path / "one").mkdir()
    pq.write_table(pa.concat_tables([pq.read_table(p) for p in sorted((root / "resumes").glob("*"))]),
                   tmp_path / "one" / "all.parquet", row_group_size=7)
    again = match.run(_match_config(root, tmp_path / "one", f"{tmp_path}/out", "match.pool_size=1",
                                    "match.batch_size=5", "match.block_rows=2",
                                    "match.rerank_batch_size=3"))
    clean, spread = _match_outputs(root / "out", summary), _match_outputs(tmp_path / "out", again)
    for name in clean:
        assert clean[name].equals(spread[name]), name


@pytest.mark.slow
def test_score_job_runs_unchanged_on_a_separately_started_cluster(corpus, tmp_path):
    """`cluster=remote` against `ray start --head`; the head is stopped by its own process group,
    never by `ray stop`, which would also stop any other Ray on this machine."""
    # single-machine mode keeps the head on 127.0.0.1 (recruit_core/ray_env.py says why)
    env = {**os.environ, "RAY_AUTH_MODE": "disabled", "PYTHONPATH": str(ROOT),
           "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
    port = 6300 + os.getpid() % 600
    temp_dir = tempfile.mkdtemp(prefix="/tmp/rh")  # short: Ray's socket paths must fit 107 bytes
    head = subprocess.Popen([str(Path(sys.executable).parent / "ray"), "start", "--head", "--block",
                             "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=2",
                             "--include-dashboard=false", f"--temp-dir={temp_dir}"],
                            env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        overrides = [*SMOKE, "cluster=remote", f"inputs.resumes={corpus / 'resumes'}",
                     f"inputs.jobs={corpus / 'jobs.parquet'}", f"score.output_dir={tmp_path / 'out'}"]
        job = subprocess.run([sys.executable, str(ROOT / "ray_jobs" / "score.py"), *overrides],
                             env={**env, "RAY_ADDRESS": f"127.0.0.1:{port}"}, cwd=ROOT,
                             capture_output=True, text=True, timeout=600)
        assert job.returncode == 0, job.stderr[-3000:]
        assert "rows in 18 = rows scored 6 + rows quarantined 12: ok" in job.stdout
        assert f"joined Ray cluster at 127.0.0.1:{port}: 1 alive nodes, 2 CPUs, 0 GPUs" in job.stdout
    finally:
        os.killpg(head.pid, signal.SIGTERM)  # ray start --block stops what it started
        try:
            head.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
        time.sleep(1)
