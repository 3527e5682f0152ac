"""Ingest text against the livecareer Parquet: per-PDF character similarity on the dev split.

    .venv/bin/python bench/ingest_text_similarity.py                 # the 491 dev PDFs
    .venv/bin/python bench/ingest_text_similarity.py --files 60      # a sample (suite, quick: 40)

The Parquet's text was extracted with pypdf in its default (content-stream) order. Each dev PDF is
extracted the way the ingest job does it (`recruit_core.ingest.extract.extract_file`), once with
the layout order (the default, ingest.layout=true) and once with the stream order (false), and
compared to the Parquet text with the normalised Indel similarity (rapidfuzz; 1.0 = identical).
Printed: the share of files above 0.95 for each, the files where the layout text differs most,
with their first differing lines (stderr), and the word_share of every layout text (what
ingest.min_word_share is set from), next to the word_share of two failed extractions: symbol
soup, and binary bytes read as cp1252 text. `ratio`: layout share above 0.95 / stream share.
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recruit_core.ingest.extract import Limits, extract_file  # noqa: E402
from recruit_core.ingest.quality import normalise, word_share  # noqa: E402

LIVECAREER = ROOT.parent / "shared/data/livecareer"
THRESHOLD = 0.95


def similarity(a: str, b: str) -> float:
    from rapidfuzz.distance import Indel
    return Indel.normalized_similarity(a, b)


def first_differences(reference: str, mine: str, lines: int = 6) -> list[str]:
    diff = difflib.unified_diff(reference.split("\n"), mine.split("\n"), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("---", "+++")][:lines]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 4)


def failed_extractions() -> dict[str, float]:
    rng = random.Random(0)
    binary = bytes(rng.randrange(256) for _ in range(20_000)).decode("cp1252", errors="ignore")
    return {"symbol_soup": word_share("#$%& *+/< =>@^ _|~0 1234 " * 200)[0],
            "binary_as_cp1252": round(word_share(normalise(binary))[0], 4)}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    quick = os.environ.get("RECRUIT_BENCH_QUICK") == "1"
    suite = os.environ.get("RECRUIT_BENCH_SUITE") == "1"
    parser.add_argument("--files", type=int, default=40 if quick else 120 if suite else 0,
                        help="dev PDFs compared; 0: all")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worst", type=int, default=5)
    args = parser.parse_args()
    if args.quick:
        args.files = args.files or 40
    if not (LIVECAREER / "resumes.parquet").is_file():
        result = {"name": "ingest_text_similarity", "skipped": f"{LIVECAREER} is absent"}
        print(json.dumps(result))
        return result
    import pyarrow.parquet as pq
    table = pq.read_table(LIVECAREER / "resumes.parquet", columns=["resume_id", "text", "split"])
    reference = {r["resume_id"]: r["text"] for r in table.to_pylist() if r["split"] == "dev"}
    pdfs = sorted((LIVECAREER / "pdf" / "dev").glob("*/*.pdf"))
    pdfs = pdfs[:: max(1, len(pdfs) // args.files)][: args.files] if args.files else pdfs
    rows, cpu = [], {"layout": 0.0, "stream": 0.0}
    for pdf in pdfs:
        row = {"file": str(pdf.relative_to(LIVECAREER)), "reference": reference.get(pdf.stem, "")}
        for mode in ("layout", "stream"):
            started = time.process_time()
            found = extract_file(pdf, Limits(2**30, 0.0, layout=mode == "layout"))
            cpu[mode] += time.process_time() - started
            row[mode] = found.text or ""
            row[f"{mode}_similarity"] = similarity(row[mode], row["reference"])
            row[f"{mode}_word_share"] = found.word_share or 0.0
        rows.append(row)
    result = {"name": "ingest_text_similarity", "files": len(rows), "threshold": THRESHOLD,
              "quick": bool(args.quick or quick)}
    for mode in ("layout", "stream"):
        scores = [r[f"{mode}_similarity"] for r in rows]
        result[mode] = {"share_above": round(sum(s > THRESHOLD for s in scores) / len(scores), 4),
                        "mean": round(sum(scores) / len(scores), 4), "min": round(min(scores), 4),
                        "cpu_s_per_file": round(cpu[mode] / len(rows), 4)}
    shares = [r["layout_word_share"] for r in rows if r["layout"]]
    result["word_share_livecareer"] = {"min": round(min(shares), 4), "p01": percentile(shares, 0.01),
                                       "median": percentile(shares, 0.5)}
    result["word_share_failed_extraction"] = failed_extractions()
    result["ratio"] = round(result["layout"]["share_above"] / max(result["stream"]["share_above"], 1e-9), 4)
    result["ratio_meaning"] = "share of files above 0.95 similarity: layout order / stream order"
    worst = sorted(rows, key=lambda r: r["layout_similarity"])[: args.worst]
    result["worst"] = [{"file": r["file"], "layout": round(r["layout_similarity"], 4),
                        "stream": round(r["stream_similarity"], 4)} for r in worst]
    for r in worst:
        print(f"--- {r['file']}: layout {r['layout_similarity']:.3f}, stream "
              f"{r['stream_similarity']:.3f}", file=sys.stderr)
        for line in first_differences(r["reference"], r["layout"]):
            print("   " + line[:150], file=sys.stderr)
    print(json.dumps(result, sort_keys=True))
    try:
        from _results import record
    except ImportError:
        return result
    record(result, command="python bench/ingest_text_similarity.py " + " ".join(sys.argv[1:]))
    return result


if __name__ == "__main__":
    main()
