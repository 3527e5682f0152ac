"""What changed between two runs' outputs, as one JSON-ready dict with each finding flagged or not.

    python ray_jobs/drift.py drift.baseline=outputs/night1/scores drift.current=outputs/night2/scores

A score run is the score job's output folder (scores/*.parquet, quarantine/*.parquet); a match run
is the match job's (shortlists/*.parquet). The thresholds are DriftConfig's (recruit_core/config.py).
Per top category (category_1 of the baseline) and for best_fit: PSI and KS of the score, computed
where both runs hold at least `drift.min_rows` rows of it; the category mix (share of each
category_1) as PSI and its largest share change; the same mix rolled up to job families when the
categories are taxonomy occupations (a family halved moves each of its occupations too little to
flag, the family's share enough); the quarantine rate per reason; with two match runs, each job's
shortlist churn: the share of the baseline shortlist not in the current one.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from recruit_core.config import DriftConfig
from recruit_core.drift.stats import category_psi, ks, psi


def read_folder(folder: str | Path, columns: list[str] | None = None) -> pa.Table | None:
    """Every Parquet file under `folder`, or None when there is none."""
    files = sorted(Path(folder).glob("*.parquet"))
    return pa.concat_tables([pq.read_table(f, columns=columns) for f in files],
                            promote_options="default") if files else None


def read_score_run(folder: str) -> tuple[pa.Table, pa.Table | None]:
    """(scores, quarantine) of a score job's output folder."""
    scores = read_folder(Path(folder) / "scores")
    if scores is None:
        raise FileNotFoundError(f"{folder}: no scores/*.parquet there; give a score job's "
                                "score.output_dir (e.g. outputs/scores)")
    return scores, read_folder(Path(folder) / "quarantine", ["resume_id", "reason"])


def score_shift(name: str, base: np.ndarray, cur: np.ndarray, drift: DriftConfig) -> dict:
    """PSI and KS of one score between the runs, flagged past either threshold."""
    row = {"score": name, "baseline_rows": len(base), "current_rows": len(cur)}
    if min(len(base), len(cur)) < drift.min_rows:
        return {**row, "psi": None, "ks": None, "ks_pvalue": None, "flagged": False,
                "note": f"fewer than drift.min_rows={drift.min_rows} rows"}
    value = psi(base, cur, drift.bins)
    statistic, pvalue = ks(base, cur)
    flagged = value >= drift.psi_threshold or (statistic >= drift.ks_threshold
                                               and pvalue < drift.ks_alpha)
    return {**row, "psi": round(value, 6), "ks": round(statistic, 6), "ks_pvalue": pvalue,
            "flagged": bool(flagged)}


def score_shifts(base: pa.Table, cur: pa.Table, drift: DriftConfig) -> list[dict]:
    """p_1 per baseline top category, then best_fit when both runs have it."""
    rows = []
    base_cat, cur_cat = base.column("category_1").to_numpy(zero_copy_only=False), \
        cur.column("category_1").to_numpy(zero_copy_only=False)
    base_p, cur_p = base.column("p_1").to_numpy(zero_copy_only=False), \
        cur.column("p_1").to_numpy(zero_copy_only=False)
    for category in sorted(set(base_cat.tolist()) - {None}):
        rows.append({"category": category, **score_shift(
            "p_1", base_p[base_cat == category], cur_p[cur_cat == category], drift)})
    if "best_fit" in base.column_names and "best_fit" in cur.column_names:
        fit = [t.column("best_fit").drop_null().to_numpy() for t in (base, cur)]
        rows.append({"category": None, **score_shift("best_fit", fit[0], fit[1], drift)})
    return rows


def category_mix(base: pa.Table, cur: pa.Table, drift: DriftConfig) -> dict:
    """Share of each top category in both runs; flagged on PSI or a share moving past the limit."""
    counts = [{r["values"]: r["counts"] for r in t.column("category_1").value_counts().to_pylist()
               if r["values"] is not None} for t in (base, cur)]
    names = sorted(set(counts[0]) | set(counts[1]))
    shares = [np.array([c.get(n, 0) for n in names], float) / max(sum(c.values()), 1) for c in counts]
    change = shares[1] - shares[0]
    value = category_psi(shares[0], shares[1])
    largest = int(np.argmax(np.abs(change))) if names else 0
    return {"categories": [{"category": n, "baseline_share": round(float(b), 6),
                            "current_share": round(float(c), 6), "change": round(float(d), 6)}
                           for n, b, c, d in zip(names, shares[0], shares[1], change)],
            "psi": round(value, 6),
            "largest_change": {"category": names[largest], "change": round(float(change[largest]), 6)}
            if names else None,
            "flagged": bool(value >= drift.psi_threshold
                            or (names and abs(change[largest]) >= drift.mix_change))}


def family_mix(base: pa.Table, cur: pa.Table, families: dict[str, str], drift: DriftConfig) -> dict | None:
    """`category_mix` of the job families of the categories (None when no category has one)."""
    rolled = [pa.table({"category_1": pa.array([families.get(c) for c in t.column("category_1").to_pylist()],
                                               pa.string())}) for t in (base, cur)]
    if rolled[0].column("category_1").null_count == base.num_rows:
        return None
    return category_mix(*rolled, drift)


def quarantine_rates(runs: list[tuple[pa.Table, pa.Table | None]], drift: DriftConfig) -> list[dict]:
    """Quarantined rows per reason over rows in (scored + quarantined), in both runs."""
    rates = []
    for scores, quarantine in runs:
        reasons = {} if quarantine is None else {
            r["values"]: r["counts"] for r in quarantine.column("reason").value_counts().to_pylist()}
        rows_in = scores.num_rows + (0 if quarantine is None else quarantine.num_rows)
        rates.append({k: v / max(rows_in, 1) for k, v in reasons.items()})
    return [{"reason": reason, "baseline_rate": round(rates[0].get(reason, 0.0), 6),
             "current_rate": round(rates[1].get(reason, 0.0), 6),
             "flagged": abs(rates[1].get(reason, 0.0) - rates[0].get(reason, 0.0))
             >= drift.quarantine_rate_change}
            for reason in sorted(set(rates[0]) | set(rates[1]))]


def shortlist_churn(base_folder: str, cur_folder: str, drift: DriftConfig) -> list[dict]:
    """Per job: the share of the baseline shortlist's resumes missing from the current one."""
    lists = []
    for folder in (base_folder, cur_folder):
        table = read_folder(Path(folder) / "shortlists", ["job_id", "resume_id"])
        if table is None:
            raise FileNotFoundError(f"{folder}: no shortlists/*.parquet there; give a match "
                                    "job's match.output_dir")
        by_job: dict[str, set] = {}
        for job_id, resume_id in zip(*table.to_pydict().values()):
            by_job.setdefault(job_id, set()).add(resume_id)
        lists.append(by_job)
    rows = []
    for job_id in sorted(set(lists[0]) | set(lists[1])):
        base, cur = lists[0].get(job_id, set()), lists[1].get(job_id, set())
        churn = len(base - cur) / len(base) if base else 1.0
        rows.append({"job_id": job_id, "baseline": len(base), "current": len(cur),
                     "churn": round(churn, 6), "flagged": churn >= drift.churn_threshold})
    return rows


def compare_runs(drift: DriftConfig, families: dict[str, str] | None = None) -> dict:
    """The drift report of drift.current against drift.baseline (and of their match runs);
    `families` maps a category to its job family (the taxonomy's occupations)."""
    base_run, cur_run = read_score_run(drift.baseline), read_score_run(drift.current)
    report = {"baseline": drift.baseline, "current": drift.current,
              "rows": {"baseline": base_run[0].num_rows, "current": cur_run[0].num_rows},
              "score_shift": score_shifts(base_run[0], cur_run[0], drift),
              "category_mix": category_mix(base_run[0], cur_run[0], drift),
              "quarantine": quarantine_rates([base_run, cur_run], drift)}
    mix = family_mix(base_run[0], cur_run[0], families or {}, drift)
    if mix is not None:
        report["family_mix"] = mix
    if drift.baseline_match and drift.current_match:
        report["shortlist_churn"] = shortlist_churn(drift.baseline_match, drift.current_match, drift)
    report["flagged"] = flagged_findings(report)
    return report


def flagged_findings(report: dict) -> list[str]:
    """One line per flagged finding, for the summary and the report's head."""
    lines = [f"{r['score']}" + (f" of {r['category']}" if r["category"] else "")
             + f": PSI {r['psi']}, KS {r['ks']} (p={r['ks_pvalue']:.2g})"
             for r in report["score_shift"] if r["flagged"]]
    mix = report["category_mix"]
    if mix["flagged"]:
        lines.append(f"category mix: PSI {mix['psi']}, {mix['largest_change']['category']} "
                     f"share {mix['largest_change']['change']:+.3f}")
    family = report.get("family_mix")
    if family and family["flagged"]:
        lines.append(f"family mix: PSI {family['psi']}, {family['largest_change']['category']} "
                     f"share {family['largest_change']['change']:+.3f}")
    lines += [f"quarantine {r['reason']}: rate {r['baseline_rate']} -> {r['current_rate']}"
              for r in report["quarantine"] if r["flagged"]]
    lines += [f"shortlist of {r['job_id']}: {r['churn']:.0%} changed"
              for r in report.get("shortlist_churn", []) if r["flagged"]]
    return lines
