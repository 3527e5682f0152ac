"""The match job accounts for every input row like the scoring job: rows in = rows matched + rows
quarantined, invalid resumes and unreadable files listed in <match out>/quarantine with a reason,
and every output carries the config hash."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import compose_config

from recruit_core.data.synth import job_table, resume_tables
from recruit_core.data.taxonomy import load_builtin
from recruit_core.data.validate import QUARANTINE_SCHEMA
from recruit_core.match.accounting import MatchCounts, invariant, require_invariant

EXPECTED_REASONS = {"null_text": 1, "empty_text": 1, "duplicate_id": 1, "not_text": 1,
                    "missing_column": 2, "unreadable_file": 1}


@pytest.fixture(scope="module")
def pool(tmp_path_factory) -> tuple[Path, list[str]]:
    """5 valid resumes and, spread over files, every kind of bad input; returns (root, valid ids)."""
    root = tmp_path_factory.mktemp("match_pool")
    good, _ = resume_tables(load_builtin(), 0, 0, 5, 0.15, 0.0)
    text, ids = good.column("text").to_pylist(), good.column("resume_id").to_pylist()
    resumes = root / "resumes"
    resumes.mkdir()
    pq.write_table(pa.table({"resume_id": ids[:3] + ["N1", "E1", ids[0]],
                             "text": text[:3] + [None, "  \n ", text[4]]}),
                   resumes / "a_mixed.parquet", row_group_size=2)
    pq.write_table(pa.table({"resume_id": ["NUM1"], "text": [17]}), resumes / "b_numbers.parquet")
    pq.write_table(pa.table({"resume_id": ["M1", "M2"], "body": text[:2]}),
                   resumes / "c_no_text.parquet")
    (resumes / "d_truncated.parquet").write_bytes((resumes / "b_numbers.parquet").read_bytes()[:-30])
    pq.write_table(pa.table({"resume_id": ids[3:5], "text": text[3:5]}), resumes / "e_more.parquet")
    pq.write_table(job_table(load_builtin(), 0, 4), root / "jobs.parquet")
    return root, ids


@pytest.fixture(scope="module")
def match_run(ray_local, pool):
    from recruit_core.match import job_ray as match
    root, _ = pool
    cfg = compose_config(["experiment=smoke", "match.target_max_block_mb=1", "match.batch_size=4",
                          f"inputs.resumes={root / 'resumes'}", f"inputs.jobs={root / 'jobs.parquet'}",
                          f"match.output_dir={root / 'out'}"])
    return match.run(cfg)


@pytest.mark.ray
def test_every_input_row_is_matched_or_quarantined(pool, match_run):
    root, ids = pool
    summary = match_run
    assert summary["rows_in"] == 11  # the footers' 6 + 1 + 2 + 2; the unreadable file's are unknown
    assert (summary["rows_matched"], summary["rows_quarantined"]) == (5, 6)
    assert summary["invariant_ok"] and summary["reasons"] == EXPECTED_REASONS
    recommended = set(pq.read_table(root / "out" / "recommendations").column("resume_id").to_pylist())
    assert recommended == set(ids)


@pytest.mark.ray
def test_quarantine_lists_each_bad_row_with_the_scoring_schema(pool, match_run):
    root, ids = pool
    quarantine = pq.read_table(root / "out" / "quarantine")
    assert quarantine.schema.remove_metadata() == QUARANTINE_SCHEMA.append(pa.field("input_row", pa.int64()))
    found = sorted((Path(r["input_file"]).name, r["input_row"], r["resume_id"], r["reason"])
                   for r in quarantine.to_pylist())
    assert found == [("a_mixed.parquet", 3, "N1", "null_text"), ("a_mixed.parquet", 4, "E1", "empty_text"),
                     ("a_mixed.parquet", 5, ids[0], "duplicate_id"),
                     ("b_numbers.parquet", 0, "NUM1", "not_text"),
                     ("c_no_text.parquet", 0, "M1", "missing_column"),
                     ("c_no_text.parquet", 1, "M2", "missing_column"),
                     ("d_truncated.parquet", None, None, "unreadable_file")]
    assert all(r["detail"] for r in quarantine.to_pylist())


@pytest.mark.ray
def test_outputs_and_summary_carry_one_config_hash(pool, match_run):
    root, _ = pool
    digest = match_run["config_hash"]
    assert len(digest) == 12
    for table in (pq.read_table(root / "out" / "recommendations"), pq.read_table(match_run["shortlists"])):
        assert set(table.column("config_hash").to_pylist()) == {digest}


def test_config_hash_follows_results_not_how_the_work_is_spread():
    from recruit_core.match.accounting import match_config_hash

    def digest(*overrides: str) -> str:
        cfg = compose_config(["experiment=smoke", *overrides])
        return match_config_hash(cfg.match, cfg.inputs, cfg.model, cfg.data)
    base = digest()
    assert digest("match.pool_size=1", "match.batch_size=5", "match.block_rows=2") == base
    assert digest("match.top_k_jobs=4") != base
    assert digest("inputs.resumes=/elsewhere") != base
    assert digest("data.taxonomy=onet") != base


def test_counts_that_do_not_add_up_stop_the_job(tmp_path, capsys):
    summary = invariant(13, MatchCounts(matched=4, quarantined=8))
    assert not summary["invariant_ok"]
    assert "rows in 13 = rows matched 4 + rows quarantined 8: VIOLATED" in capsys.readouterr().out
    with pytest.raises(RuntimeError, match=r"rows in \(13\) != rows matched \(4\)"):
        require_invariant(summary, tmp_path / "summary.json")
    require_invariant(invariant(12, MatchCounts(matched=4, quarantined=8)), tmp_path / "summary.json")
