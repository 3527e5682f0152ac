"""Near-duplicate resumes (recruit_core/text/near_duplicates.py): a resume sent twice with a new
phone number and a bullet dropped is found, unrelated resumes are not, and the resume flagged is
the later one in resume_id order, whatever order the rows come in."""
from __future__ import annotations

import pytest

from recruit_core.config import DedupConfig
from recruit_core.text.near_duplicates import find_near_duplicates, signatures

ORIGINAL = """Camille Petrov
Accounting Clerk
cpetrov@mail.example.com | +91 907054 9959 | Nairobi

Summary: Bookkeeper with 4 years of experience in vendor invoices, payments and customer receipts.

EMPLOYMENT HISTORY
Bookkeeper, Redwood Energy (London)  2022-Present
* Set up Xero workflows that cut manual data entry by 38%.
* Reconciled 14 bank accounts every month and closed the books in three days.
* Trained two junior clerks on accounts payable and the expense policy.
* Moved supplier statements to a shared ledger reviewed weekly with the controller.
Accounts Assistant, Blue Harbor Foods (Leeds)  2019-2022
* Processed 600 invoices a month with a 0.5% error rate.
* Prepared VAT returns and the quarterly accruals schedule.

SKILLS
Xero, QuickBooks, Excel, accounts payable, bank reconciliation, VAT"""
# the same person again: another phone number, one bullet dropped, blank lines changed
NEAR_COPY = (ORIGINAL.replace("+91 907054 9959", "+91 914572 9532")
             .replace("* Trained two junior clerks on accounts payable and the expense policy.\n", "")
             .replace("\n\n", "\n \n"))
OTHER = """Tomas Murphy
Android Developer
tomas87@mail.example.com | +44 7220 037052 | Madrid

SUMMARY
Mobile Developer with 4 years of experience in app startup time, memory usage and battery life.

Professional Experience
Mobile Developer, Northwind Health (Nairobi)  2021-Present
- Reduced cold start time by 40% by deferring work off the main thread.
- Shipped an offline mode with Room and WorkManager used by 80k clinicians.
- Wrote the Kotlin coroutines guide the team onboards with.

Skills: Kotlin, Java, Android SDK, Jetpack Compose, Room, Gradle"""


def _flags(ids, texts) -> dict:
    dedup = DedupConfig()
    table = find_near_duplicates(ids, signatures(texts, dedup), dedup)
    return dict(zip(table.column("resume_id").to_pylist(), table.column("near_duplicate_of").to_pylist()))


def test_a_planted_near_copy_is_flagged_as_a_duplicate_of_the_original():
    flags = _flags(["R1", "R2", "R3"], [ORIGINAL, OTHER, NEAR_COPY])
    assert flags == {"R3": "R1"}


def test_unrelated_resumes_are_not_flagged():
    third = OTHER.replace("Tomas Murphy", "Ana Silva").replace("Kotlin coroutines guide",
                                                               "accessibility checklist")
    assert _flags(["A", "B"], [ORIGINAL, OTHER]) == {}
    assert "C" not in _flags(["A", "B", "C"], [ORIGINAL, OTHER, third[:60] + ORIGINAL[-90:]])


def test_the_first_resume_id_is_the_original_whatever_the_row_order():
    texts = {"R5": NEAR_COPY, "R2": ORIGINAL, "R9": ORIGINAL.replace("9959", "9958")}
    forward = _flags(list(texts), list(texts.values()))
    backward = _flags(list(texts)[::-1], list(texts.values())[::-1])
    assert forward == backward == {"R5": "R2", "R9": "R2"}


def test_quarantined_rows_have_no_signature_and_a_wrong_length_is_refused():
    dedup = DedupConfig()
    sigs = signatures([ORIGINAL, None], dedup)
    assert sigs.null_count == 1 and len(sigs[0].as_py()) == dedup.num_perm
    with pytest.raises(ValueError, match="dedup.num_perm=64"):
        find_near_duplicates(["R1"], sigs[:1], DedupConfig(num_perm=64))


def test_the_scores_config_hash_changes_with_the_near_duplicate_settings():
    from recruit_core.config import InputsConfig, ModelConfig, ScoreConfig
    from recruit_core.score.scorer import result_config_hash
    base = (ScoreConfig(), InputsConfig(), ModelConfig())
    assert result_config_hash(*base) == result_config_hash(*base, None, DedupConfig())
    assert result_config_hash(*base) != result_config_hash(*base, None, DedupConfig(threshold=0.9))


def test_a_shortlist_marks_the_lower_ranked_copy_and_only_within_its_job():
    import pyarrow as pa

    from recruit_core.config import DedupConfig
    from recruit_core.text.near_duplicates import mark_shortlists, signature
    dedup = DedupConfig()
    original = ("Senior data engineer building batch pipelines in Python and SQL on Spark for "
                "retail analytics, leading a team of four, owning the warehouse and its tests")
    copy = original + ", phone 555 0100"
    other = "Pastry chef running a kitchen brigade, plating desserts and ordering for a hotel restaurant"
    rows = [("J1", "R2", original), ("J1", "R5", other), ("J1", "R1", copy),
            ("J2", "R1", copy), ("J2", "R5", other)]
    table = pa.table({"job_id": [r[0] for r in rows], "resume_id": [r[1] for r in rows],
                      "minhash": [signature(r[2], dedup).tolist() for r in rows]})
    marked = mark_shortlists(table, dedup)
    assert "minhash" not in marked.column_names
    # the copy ranked third on J1 points at the original above it; on J2 the original is absent
    assert marked.column("near_duplicate_of").to_pylist() == [None, None, "R2", None, None]


def test_pairs_just_above_the_threshold_are_found_not_left_to_the_lsh_bands():
    """Forty texts each with a copy whose estimated Jaccard is within 0.1 above dedup.threshold:
    the LSH index only proposes candidates, so nearly all of them must be flagged (at datasketch's
    even default weights a pair at 0.72 slips through the bands about half of the time)."""
    import random

    from recruit_core.text.near_duplicates import _lean
    dedup, rng = DedupConfig(), random.Random(0)
    ids, texts = [], []
    for pair in range(40):
        words = [f"w{pair}x{i}" for i in range(120)]
        copy = list(words)
        for i in rng.sample(range(120), 5):  # each change breaks up to 3 of ~118 shingles
            copy[i] = copy[i] + "z"
        ids += [f"R{pair:03d}a", f"R{pair:03d}b"]
        texts += [" ".join(words), " ".join(copy)]
    sigs = signatures(texts, dedup).to_pylist()
    estimates = [_lean(sigs[i], dedup).jaccard(_lean(sigs[i + 1], dedup)) for i in range(0, 80, 2)]
    close = [ids[2 * p + 1] for p, e in enumerate(estimates) if dedup.threshold <= e < dedup.threshold + 0.1]
    assert len(close) >= 20, estimates
    flags = _flags(ids, texts)
    missed = [i for i in close if i not in flags]
    assert len(missed) <= len(close) // 10, (missed, len(close))
