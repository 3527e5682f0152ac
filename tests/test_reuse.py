"""The reuse decision of incremental rescoring (score.previous_run), without Ray: which provenance
change blocks reuse, and what the content hash sees."""
from __future__ import annotations

import json

import pyarrow as pa
import pytest

from recruit_core.score.reuse import content_hashes, jobs_hash, reuse_decision

PROVENANCE = {"model": "tiny@ab12", "config_hash": "c0ffee", "jobs_hash": "j0"}


def _earlier_run(tmp_path, provenance: dict):
    (tmp_path / "manifest.jsonl").write_text(json.dumps({"provenance": provenance}) + "\n")
    return str(tmp_path)


def test_reuse_only_with_the_same_model_config_and_requisitions(tmp_path):
    folder = _earlier_run(tmp_path, PROVENANCE)
    assert reuse_decision(folder, PROVENANCE)[0] == folder
    for key in PROVENANCE:
        used, why = reuse_decision(folder, {**PROVENANCE, key: "other"})
        assert used == "" and f"{key} changed ({PROVENANCE[key]} -> other)" in why
    assert reuse_decision("", PROVENANCE)[0] == ""


def test_an_earlier_run_without_a_manifest_is_refused_by_name(tmp_path):
    with pytest.raises(FileNotFoundError, match="score.previous_run=.*manifest.jsonl"):
        reuse_decision(str(tmp_path), PROVENANCE)


def test_content_hash_changes_with_any_edit_and_not_otherwise():
    hashes = content_hashes(["Nurse. Skills: triage", "Nurse. Skills: triage", "Nurse. Skills: triage.",
                             None]).to_pylist()
    assert hashes[0] == hashes[1] != hashes[2] and hashes[3] is None and len(hashes[0]) == 16


def test_jobs_hash_changes_when_a_requisition_is_edited():
    jobs = pa.table({"job_id": ["J1"], "title": ["Nurse"], "description": ["Night shifts."]})
    edited = jobs.set_column(2, "description", pa.array(["Day shifts."]))
    assert jobs_hash(jobs) == jobs_hash(jobs) != jobs_hash(edited)
