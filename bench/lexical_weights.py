"""Lexical weights: what a resume's repeated words and length do to bag-of-words ranking, real and synthetic.

    .venv/bin/python bench/lexical_weights.py                 # real benchmark and the hard pool, seed 2
    .venv/bin/python bench/lexical_weights.py data.seed=0     # another pool

Each posting is read as the set of its words (unigrams); a resume as a vector of the same words,
IDF-weighted (scikit-learn's smooth IDF over the resumes), in one of three ways: its term counts
log-scaled and L2-normalised ("counts"), the same with every count set to 1 ("no counts"), and Okapi
BM25 (`bm25_weights` of recruit_core/eval/postings.py, the benchmark's BM25 row's). Each row gives
P@10 and nDCG@10 and the median length in words of the resumes ranked in the top 10, against all
resumes'. When counts beat no counts, the words a resume repeats point at its field; when BM25's top
10 is longer than the pool, it rewards resumes that touch many of a posting's words. Real side: the
evaluation half of the real postings ranking the livecareer dev resumes (needs ../shared/data);
synthetic side: the first 800 resumes of the pool for its jobs, relevant by the generator's fit
label (as bench/synthetic_vs_real.py). Records a row in bench/results.jsonl. Lexical only: seconds.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ray_jobs._entry import compose_config  # noqa: E402
from recruit_core.eval.postings import bm25_weights, figures  # noqa: E402

WEIGHTS = ("counts", "no counts", "bm25")


def weighted_resumes(postings: list[str], resumes: list[str]) -> tuple[csr_matrix, dict[str, csr_matrix]]:
    """(binary posting-term matrix, {weighting: resume-term matrix}) over the resumes' vocabulary."""
    vocabulary = CountVectorizer(strip_accents="unicode", lowercase=True)
    counts = vocabulary.fit_transform(resumes).astype(np.float64).tocsr()
    queries = (vocabulary.transform(postings) > 0).astype(np.float64)
    n_docs = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1 + n_docs) / (1 + df)) + 1
    logged = counts.copy()
    logged.data = 1 + np.log(logged.data)
    flat = counts.copy()
    flat.data[:] = 1
    return queries, {"counts": normalize(logged.multiply(idf).tocsr()),
                     "no counts": normalize(flat.multiply(idf).tocsr()), "bm25": bm25_weights(counts)}


def rows(postings: list[str], resumes: list[str], relevant: list[set[int]], k: int) -> list[dict]:
    queries, weighted = weighted_resumes(postings, resumes)
    words = np.array([len(text.split()) for text in resumes])
    out = []
    for name in WEIGHTS:
        scores = (queries @ weighted[name].T).toarray()
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        out.append({"weights": name, **{key: round(value, 4) for key, value in figures(scores, relevant, k).items()},
                    "top_words_median": int(np.median(words[top])), "all_words_median": int(np.median(words))})
    return out


def real_side(k: int) -> list[dict] | None:
    from recruit_core.data.livecareer import load_livecareer
    from recruit_core.data.postings import load_postings
    cfg = compose_config(["data=postings"])
    if not Path(cfg.data.postings_path).is_file() or not Path(cfg.data.livecareer_path).is_file():
        return None
    resumes = load_livecareer(cfg.data).dev
    postings = load_postings(cfg.data.postings_path, "eval")
    relevant = [{i for i, c in enumerate(resumes.labels) if resumes.categories[c] in rel}
                for rel in postings.relevant]
    return rows(postings.texts, resumes.texts, relevant, k)


def main(argv: list[str]) -> dict:
    from synthetic_vs_real import DEFAULT_RESUMES, synthetic_pool
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resumes", type=int, default=DEFAULT_RESUMES, help="synthetic resumes ranked")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of the pool, e.g. data.seed=0")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    seed = [] if any(o.startswith("data.seed=") for o in args.overrides) else ["data.seed=2"]
    cfg = compose_config([*seed, *args.overrides])
    queries, resumes, relevant = synthetic_pool(cfg, args.resumes)
    sides = {"synthetic": rows(queries, resumes, relevant["fit"], cfg.eval.k), "real": real_side(cfg.eval.k)}
    k = cfg.eval.k
    print(f"| side | resume weights | P@{k} | nDCG@{k} | top-{k} median words | all median words |")
    print("|---|---|---|---|---|---|")
    for side, side_rows in sides.items():
        for row in side_rows or []:
            print(f"| {side} | {row['weights']} | {row[f'p@{k}']:.3f} | {row[f'ndcg@{k}']:.3f} | "
                  f"{row['top_words_median']} | {row['all_words_median']} |")
    return {"name": "lexical_weights", "difficulty": cfg.data.difficulty, "seed": cfg.data.seed,
            **sides, "seconds": round(time.perf_counter() - started, 1)}


if __name__ == "__main__":
    from _results import record
    result = main(sys.argv[1:])
    record(result, "python bench/lexical_weights.py " + " ".join(sys.argv[1:]))
