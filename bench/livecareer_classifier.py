"""The screening classifier study on livecareer as a results row: one line per configuration.

    .venv/bin/python bench/livecareer_classifier.py                       # embeds the resumes itself
    .venv/bin/python bench/livecareer_classifier.py --cache-dir /tmp/recruit-cache   # and keeps them
    .venv/bin/python bench/livecareer_classifier.py data.drop_headline=true

Configurations (recruit_core/eval/screening_study.py): TF-IDF word+char n-grams, alone, with a
block for the headline (the first line, its scale chosen by CV) and with a block of the category
names the text mentions besides (its scale chosen by CV next), with logistic regression or a linear
SVM, class_weight none vs balanced; frozen MiniLM window vectors (first 256-token window only vs the
mean over all windows of the whole resume, `model.max_windows=32`) with the logistic-regression probe
the `train.task=probe` job ships; and the best lexical model stacked with the better probe (both by
CV). Every hyper-parameter and temperature comes from stratified 5-fold CV on the train split; dev is
scored once per configuration. Needs ../shared/data.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ray_jobs._entry import compose_config  # noqa: E402
from recruit_core.data.livecareer import load_livecareer  # noqa: E402
from recruit_core.eval import screening_study as study  # noqa: E402
from recruit_core.eval.resume_vectors import cached_window_vectors, mean_windows  # noqa: E402
from recruit_core.model.forward import TextEncoder, load_scoring_model  # noqa: E402

# 32 windows of 256 tokens, 192 apart: ~6,200 tokens, all of 99.9% of livecareer resumes (the
# longest has 6,600 tokens; the median 989, so most are 5 windows or fewer).
STUDY_WINDOWS = 32
TARGET_MACRO_F1 = 0.80
NEURAL = ("first window", "all windows")


def neural_features(cfg, splits, cache_dir: str | None, kinds: tuple[str, ...]) -> dict:
    """{"first window": (train, dev), "all windows": (train, dev)}: the first window read as
    `model.max_windows=1` reads it, and the mean over all windows (the probe's features)."""
    scoring = load_scoring_model("", cfg.model)
    texts, n_train = splits.train.texts + splits.dev.texts, len(splits.train)
    features, windows = {}, {}
    for name, max_windows in (("first window", 1), ("all windows", cfg.model.max_windows)):
        if name not in kinds:
            continue
        encoder = TextEncoder(scoring, replace(cfg.model, max_windows=max_windows))
        pooled, owner = cached_window_vectors(encoder, texts, scoring.fingerprint, cache_dir)
        vectors = mean_windows(pooled, owner, len(texts))
        features[name], windows[name] = (vectors[:n_train], vectors[n_train:]), int(len(owner))
    return {"features": features, "windows": windows, "fingerprint": scoring.fingerprint}


def stacked(rows: list[dict], lexical: dict, probes: dict, y_train, y_dev, names) -> dict:
    """The lexical classifier with the best CV score, mixed with the probe with the best CV score
    (the first window's can beat the mean over all windows: the first holds the headline)."""
    best = max((r for r in rows if r["method"] in lexical), key=lambda r: r["cv_macro_f1"])
    on = max(probes, key=lambda name: max(probes[name][0].cv_macro_f1.values()))
    return study.stacked_row(f"stacked: {best['method']} + MiniLM {on} probe", lexical[best["method"]],
                             probes[on], y_train, y_dev, names)


def main(overrides: list[str], cache_dir: str | None, kinds: tuple[str, ...] = NEURAL,
         lexical_sets: tuple[str, ...] = study.FEATURE_SETS) -> dict:
    started = time.perf_counter()
    cfg = compose_config(["data=livecareer", "model=minilm", f"model.max_windows={STUDY_WINDOWS}",
                          *overrides])
    splits = load_livecareer(cfg.data)
    names, y_train, y_dev = splits.train.categories, splits.train.labels, splits.dev.labels
    rows, lexical, scales = [], {}, None
    if lexical_sets:
        features, scales = study.feature_sets(splits.train.texts, splits.dev.texts, y_train, names,
                                              seed=cfg.eval.seed)
        rows, lexical = study.lexical_rows({name: features[name] for name in lexical_sets},
                                           y_train, y_dev, names, seed=cfg.eval.seed)
    neural = neural_features(cfg, splits, cache_dir, kinds)
    probes = {}
    for name, (train_f, dev_f) in neural["features"].items():
        label = f"MiniLM {name} + logreg probe"
        row, probes[name] = study.probe_row(label, train_f, dev_f, y_train, y_dev, names,
                                            seed=cfg.eval.seed)
        rows.append(row)
    if lexical and probes:
        rows.append(stacked(rows, lexical, probes, y_train, y_dev, names))
    chosen = max(rows, key=lambda r: r["cv_macro_f1"])
    head_only = max((r for r in rows if r["method"].endswith("logreg probe")),
                    key=lambda r: r["cv_macro_f1"], default={"method": None})
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"name": "livecareer_classifier", "rows": rows,
            "chosen_by_cv": chosen["method"], "chosen_dev_macro_f1": chosen["macro_f1"],
            "chosen_dev_ece": chosen["ece"], "shipped_head": head_only["method"],
            "scales": scales,
            "data": {"train": len(splits.train), "dev": len(splits.dev), "categories": len(names),
                     "drop_headline": cfg.data.drop_headline, "windows": neural["windows"],
                     "model": neural["fingerprint"], "max_windows": cfg.model.max_windows},
            "overrides": " ".join(overrides), "ratio": round(chosen["macro_f1"] / TARGET_MACRO_F1, 3),
            "ratio_meaning": "dev macro-F1 of the configuration chosen by train CV / the 0.80 target",
            "seconds": round(time.perf_counter() - started, 1),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1), "load_avg_1m": os.getloadavg()[0]}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache-dir", default="", help="keep the window vectors here as .npy")
    parser.add_argument("--neural", default="first,all",
                        help="MiniLM probes to run: first (window), all (windows), both, or none")
    parser.add_argument("--lexical", default=",".join(study.FEATURE_SETS),
                        help=f"TF-IDF feature sets to run, of {study.FEATURE_SETS}, comma-separated, "
                        "or none (and so no stacked row)")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. data.drop_headline=true")
    args = parser.parse_args()
    from _results import record
    kinds = tuple(f"{kind} window{'s' if kind == 'all' else ''}" for kind in args.neural.split(",")
                  if kind != "none")
    lexical_sets = tuple(name for name in args.lexical.split(",") if name != "none")
    unknown = set(lexical_sets) - set(study.FEATURE_SETS)
    if unknown:
        parser.error(f"--lexical: {sorted(unknown)} not in {study.FEATURE_SETS}")
    result = main(args.overrides, args.cache_dir or None, kinds, lexical_sets)
    record(result, "python bench/livecareer_classifier.py " + " ".join(sys.argv[1:]))
    for row in result["rows"]:
        print(row)
    print({k: v for k, v in result.items() if k != "rows"})
