"""bench/cheaper_models.py: variants from config and folders, timed alike, sampled alike."""
from __future__ import annotations

import sys

import pytest
from conftest import ROOT, compose_config

sys.path.insert(0, str(ROOT / "bench"))
import cheaper_models  # noqa: E402
from recruit_core.data.livecareer import LabelledResumes, LivecareerSplits  # noqa: E402
from recruit_core.data.postings import Postings  # noqa: E402
from recruit_core.model.int8 import is_int8  # noqa: E402


@pytest.fixture(scope="module")
def cfg():
    return compose_config(["experiment=smoke"])


def test_fp32_and_int8_rows_come_from_one_config_and_a_folder_adds_a_row(cfg, tmp_path):
    variants = cheaper_models.load_variants(cfg, [])
    assert list(variants) == ["fp32", "int8"]
    assert is_int8(variants["int8"][0].model) and not is_int8(variants["fp32"][0].model)
    assert variants["int8"][1] == variants["fp32"][1] + "+int8"
    fp32 = variants["fp32"][0]
    fp32.model.save(tmp_path / "student", fp32.tokenizer)
    more = cheaper_models.load_variants(cfg, [f"student={tmp_path / 'student'}",
                                              f"student-int8={tmp_path / 'student'}@int8"])
    assert list(more) == ["fp32", "int8", "student", "student-int8"]
    assert not is_int8(more["student"][0].model) and is_int8(more["student-int8"][0].model)
    assert more["student-int8"][1] == more["student"][1] + "+int8"
    assert more["student"][2] == tmp_path / "student"
    assert cheaper_models.shipped_bytes(tmp_path / "student") == sum(
        f.stat().st_size for f in (tmp_path / "student").rglob("*") if f.is_file())


@pytest.mark.parametrize("bad", ["student", "=folder", "int8=folder", "student=folder@int4"])
def test_a_variant_without_name_or_folder_or_with_a_taken_name_is_refused(cfg, bad):
    with pytest.raises(SystemExit, match="name=/path/to/model/folder"):
        cheaper_models.load_variants(cfg, [bad])


def test_every_variant_is_timed_the_same_number_of_times(cfg):
    variants = {n: e for n, (e, _, _) in cheaper_models.load_variants(cfg, []).items()}
    ids, mask = cheaper_models.production_batch(variants["fp32"], ["Welder: TIG and MIG " * 40] * 3, 4)
    timed = cheaper_models.time_variants(variants, ids, mask, cfg.model.windows_per_forward, 2)
    assert {n: len(t["wall_s_all"]) for n, t in timed.items()} == {"fp32": 2, "int8": 2}


def test_every_kth_samples_resumes_labels_and_postings_together():
    part = LabelledResumes([f"R{i}" for i in range(9)], [f"text {i}" for i in range(9)],
                           list(range(9)), ["c"] * 9)
    splits = LivecareerSplits(part, LabelledResumes(["D0", "D1"], ["a", "b"], [0, 1], ["c", "d"]), 0)
    postings = Postings(["J0", "J1", "J2"], ["p0", "p1", "p2"], [frozenset()] * 3, ["x"] * 3)
    splits, postings = cheaper_models.every_kth(splits, postings, 4)
    assert splits.train.resume_ids == ["R0", "R4", "R8"] and splits.train.labels == [0, 4, 8]
    assert splits.dev.texts == ["a"] and postings.job_ids == ["J0"] and postings.texts == ["p0"]
