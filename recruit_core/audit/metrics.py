"""The arithmetic of a bias audit: rates per group, impact ratios, four-fifths flags, bootstrap intervals.

    python ray_jobs/audit.py audit.scores=outputs/scores audit.demographics=outputs/pool/demographics

Pure pandas, numpy and Fairlearn (its `MetricFrame` disaggregates every rate); the job that reads
the outputs and writes the report is `recruit_core/audit/job.py`. The definitions follow NYC Local
Law 144 (the DCWP rules, 6 RCNY 5-300) and the EEOC's four-fifths rule (29 CFR 1607.4(D)):

- *selection rate*: the share of a group's candidates the tool recommended (what counts as
  recommended depends on the input: see `recruit_core/audit/job.py`);
- *scoring rate*: the share of a group's candidates whose score is strictly above the median score
  of the whole sample (every candidate scored, unknowns included);
- *impact ratio*: a group's rate over the highest rate among the compared groups;
- *four-fifths flag*: an impact ratio under `audit.four_fifths` (0.8);
- *unknown*: no self-identification record, or a blank or declined answer. Counted and reported as
  `Unknown`, never compared: nobody's rate is measured against a group nobody belongs to;
- *excluded*: a group under `audit.min_group_share` (2%) of the sample. Its count and rate are
  reported; it is not compared, because a rate over a handful of candidates is mostly noise;
- *intersection*: sex x race/ethnicity; Unknown when either answer is unknown.

Intervals are percentile bootstraps over candidates (`audit.bootstrap_resamples`, `audit.seed`): each
resample recomputes the median, every rate and every impact ratio, so an interval carries the
uncertainty of the median and of the best group too. A flag whose whole interval lies under 0.8
(`beyond_noise`) is one the sample size alone does not explain.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, count, selection_rate

if TYPE_CHECKING:
    from recruit_core.config import AuditConfig

UNKNOWN = "Unknown"
# Answers that say nothing about the candidate: compared lower-case, after trimming.
UNKNOWN_ANSWERS = frozenset({"", "declined", "decline to state", "declined to self-identify",
                             "prefer not to say", "unknown", "not specified", "n/a", "na"})
ATTRIBUTES = ("sex", "race_ethnicity")
INTERSECTION = "sex_x_race_ethnicity"
CATEGORIES = (*ATTRIBUTES, INTERSECTION)


def known_category(answers: pd.Series) -> pd.Series:
    """Self-reported answers, trimmed, with every missing, blank or declined one as `Unknown`."""
    text = answers.astype("string").str.strip()
    unknown = text.isna() | text.str.lower().isin(UNKNOWN_ANSWERS)
    return text.where(~unknown, UNKNOWN).astype(object)


def candidate_groups(candidates: pd.DataFrame, demographics: pd.DataFrame) -> pd.DataFrame:
    """`candidates` (one row per resume_id) with each one's sex, race_ethnicity, their intersection
    and `record` (False: no self-identification row, so Unknown everywhere). Demographics of
    people who were not scored are left out here; the job counts them."""
    merged = candidates.merge(demographics[["resume_id", *ATTRIBUTES]], on="resume_id", how="left",
                              indicator="record")
    merged["record"] = merged["record"] == "both"
    for attribute in ATTRIBUTES:
        merged[attribute] = known_category(merged[attribute])
    either_unknown = (merged["sex"] == UNKNOWN) | (merged["race_ethnicity"] == UNKNOWN)
    merged[INTERSECTION] = np.where(either_unknown, UNKNOWN,
                                    merged["sex"] + " x " + merged["race_ethnicity"])
    return merged


def above_median(scores: np.ndarray) -> np.ndarray:
    """The scoring outcome: strictly above the sample's median (a score at the median is not)."""
    return scores > np.median(scores)


def compared_and_excluded(counts: pd.Series, min_share: float) -> tuple[list[str], list[str]]:
    """(groups compared, groups excluded for being under `min_share` of the whole sample)."""
    shares = counts / counts.sum()
    known = [g for g in counts.index if g != UNKNOWN]
    return ([g for g in known if shares[g] >= min_share], [g for g in known if shares[g] < min_share])


def impact_ratios(rates: dict[str, float], compared: list[str]) -> dict[str, float]:
    """Each compared group's rate over the highest compared rate; NaN when every rate is 0."""
    best = max((rates[g] for g in compared), default=0.0)
    return {g: rates[g] / best if best > 0 else float("nan") for g in compared}


def rates_by_group(outcome: np.ndarray, groups: pd.Series) -> pd.DataFrame:
    """count and rate (share of outcome == 1) of every group, disaggregated by Fairlearn."""
    frame = MetricFrame(metrics={"count": count, "rate": selection_rate}, y_true=outcome,
                        y_pred=outcome.astype(int), sensitive_features=groups)
    return frame.by_group


def bootstrap(values: np.ndarray, outcome: Callable[[np.ndarray], np.ndarray],
              codes: dict[str, np.ndarray], compared: dict[str, np.ndarray],
              cfg: AuditConfig) -> dict[str, dict[str, np.ndarray]]:
    """Percentile intervals of every group's rate and impact ratio, per category.

    `values` are resampled with replacement and `outcome(values)` recomputed on each resample (the
    median moves with it); `codes[c]` numbers each candidate's group of category c and
    `compared[c]` lists the codes whose highest rate is the impact ratios' denominator."""
    rng = np.random.default_rng(cfg.seed)
    n = len(values)
    rates = {c: np.full((cfg.bootstrap_resamples, int(k.max(initial=-1)) + 1), np.nan)
             for c, k in codes.items()}
    for b in range(cfg.bootstrap_resamples):
        drawn = rng.integers(0, n, n)
        hit = outcome(values[drawn]).astype(float)
        for category, group_of in codes.items():
            width = rates[category].shape[1]
            sizes = np.bincount(group_of[drawn], minlength=width)
            hits = np.bincount(group_of[drawn], weights=hit, minlength=width)
            with np.errstate(invalid="ignore", divide="ignore"):
                rates[category][b] = hits / sizes  # a group drawn 0 times: NaN, left out below
    tail = (1 - cfg.confidence) / 2
    intervals = {}
    for category, table in rates.items():
        best = _best_rate(table[:, compared[category]])
        with np.errstate(invalid="ignore", divide="ignore"):
            ratios = np.where(best[:, None] > 0, table / best[:, None], np.nan)
        intervals[category] = {"rate": _quantiles(table, tail), "impact_ratio": _quantiles(ratios, tail)}
    return intervals


def _best_rate(rates: np.ndarray) -> np.ndarray:
    """Highest rate of each resample; NaN where no compared group was drawn (or none exists)."""
    best = np.full(len(rates), np.nan)
    drawn = ~np.isnan(rates).all(axis=1) if rates.shape[1] else np.zeros(len(rates), bool)
    best[drawn] = np.nanmax(rates[drawn], axis=1)
    return best


def _quantiles(samples: np.ndarray, tail: float) -> np.ndarray:
    """[2, groups] low and high percentiles, ignoring NaN; NaN for a group never measured."""
    out = np.full((2, samples.shape[1]), np.nan)
    for g in range(samples.shape[1]):
        column = samples[:, g][~np.isnan(samples[:, g])]
        if len(column):
            out[:, g] = np.quantile(column, [tail, 1 - tail])
    return out


def audit_measure(values: np.ndarray, outcome: Callable[[np.ndarray], np.ndarray],
                  frame: pd.DataFrame, cfg: AuditConfig) -> dict[str, list[dict]]:
    """One measure (selection or scoring) audited over every category: rows per group, compared
    groups first (highest rate first), then excluded ones, then Unknown."""
    hit = outcome(values)
    tables, codes, compared = {}, {}, {}
    for category in CATEGORIES:
        by_group = rates_by_group(hit, frame[category].rename(category))
        counts = by_group["count"].astype(int)
        included, excluded = compared_and_excluded(counts, cfg.min_group_share)
        names = list(by_group.index)
        codes[category] = frame[category].map({g: i for i, g in enumerate(names)}).to_numpy()
        compared[category] = np.array([names.index(g) for g in included], dtype=int)
        tables[category] = (by_group, counts, included, excluded, names)
    intervals = bootstrap(values, outcome, codes, compared, cfg)
    return {c: _rows(*tables[c], intervals[c], len(frame), cfg) for c in CATEGORIES}


def _rows(by_group: pd.DataFrame, counts: pd.Series, included: list[str], excluded: list[str],
          names: list[str], intervals: dict, total: int, cfg: AuditConfig) -> list[dict]:
    rates = by_group["rate"].astype(float).to_dict()
    ratios = impact_ratios(rates, included)
    rows = []
    for group in sorted(included, key=lambda g: -rates[g]) + sorted(excluded) + \
            [g for g in names if g == UNKNOWN]:
        i = names.index(group)
        row = {"group": group, "count": int(counts[group]), "share": counts[group] / total,
               "rate": rates[group], "rate_ci": _pair(intervals["rate"][:, i]),
               "compared": group in ratios, "impact_ratio": None, "impact_ratio_ci": None,
               "four_fifths_flag": False, "beyond_noise": False}
        if group in ratios and not np.isnan(ratios[group]):
            ratio_ci = _pair(intervals["impact_ratio"][:, i])
            row.update(impact_ratio=ratios[group], impact_ratio_ci=ratio_ci,
                       four_fifths_flag=bool(ratios[group] < cfg.four_fifths),
                       beyond_noise=bool(ratio_ci is not None and ratio_ci[1] < cfg.four_fifths))
        rows.append(row)
    return rows


def _pair(interval: np.ndarray) -> list[float] | None:
    return None if np.isnan(interval).any() else [float(interval[0]), float(interval[1])]
