"""Redaction quality: span recall and precision per type, planted and on real resumes; resumes/s.

    .venv/bin/python bench/redaction_quality.py                 # 1,000 planted, 100 real, all real timed
    .venv/bin/python bench/redaction_quality.py --quick
    .venv/bin/python bench/redaction_quality.py --list /tmp/spans.tsv   # every real span, to judge

Planted (`recruit_core.privacy.planted`, seed 1; the rules were written looking at seed 0): personal
data put at known spans around synthetic resume bodies that hold none, scored as in
`recruit_core.privacy.quality` (recall: every letter and digit of a planted span redacted; precision:
a redacted span overlaps a planted one). Real: a fixed random sample (seed 0) of 100 LiveCareer
resumes, which nobody labelled. Every span the redactor removes there was judged by reading it in
its context (`--list`), and the verdicts are in bench/redaction_judgements.json, keyed by resume id,
offsets and type, never the text. The rule: a NAME span is right when it is a person's name (the
candidate's, a referee's, a public figure's, a brand that is a person's full name), wrong when it
is a firm, place, school or event; a span of any other type is right when its text is of that
type (any web address is a URL, a pronoun of anyone a PRONOUN). Misses: simpler regexes for
e-mail, phone and URL (quality.INDEPENDENT) and every capitalised pair starting with a census given
name were listed where the redactor left them, and read; the real personal data among them is in
the same file under "missed". A span the redactor finds now that was not judged is counted as
`unjudged`, so a change to the rules shows here until someone judges it.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recruit_core.privacy.lexicon import given_names  # noqa: E402
from recruit_core.privacy.planted import planted_corpus  # noqa: E402
from recruit_core.privacy.quality import (  # noqa: E402
    independent_misses,
    is_covered,
    planted_scores,
    summarise,
)
from recruit_core.privacy.redact import find_spans  # noqa: E402

LIVECAREER = ROOT.parent / "shared/data/livecareer/resumes.parquet"
JUDGEMENTS = Path(__file__).resolve().parent / "redaction_judgements.json"
NAME_CANDIDATE = re.compile(r"\b([A-Z][a-z]+)\s+(?:[A-Z]\.\s*)?([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b")


def planted_quality(n: int, seed: int) -> dict:
    corpus = planted_corpus(n, seed)
    per_resume = [planted_scores(r.text, list(r.spans), list(r.keep), find_spans(r.text))
                  for r in corpus]
    return {"resumes": n, "seed": seed, **summarise(per_resume)}


def throughput(texts: list[str]) -> dict:
    started = time.process_time()  # CPU time of this process: one core, whatever else runs
    for text in texts:
        find_spans(text)
    seconds = time.process_time() - started
    return {"resumes": len(texts), "resumes_per_s": round(len(texts) / seconds, 1),
            "mb_per_s": round(sum(map(len, texts)) / seconds / 1e6, 3)}


def minilm_throughput(texts: list[str]) -> dict:
    """MiniLM scoring's forward pass (the jobs' TextEncoder) on one thread, for the ratio."""
    import torch

    from recruit_core.config import ModelConfig
    from recruit_core.model.forward import TextEncoder, load_scoring_model
    torch.set_num_threads(1)
    model = ModelConfig()
    encoder = TextEncoder(load_scoring_model("", model), model, "cpu")
    started = time.process_time()
    encoder.embed_texts(texts)
    seconds = time.process_time() - started
    return {"resumes": len(texts), "resumes_per_s": round(len(texts) / seconds, 2)}


def real_sample(size: int, seed: int) -> list[dict]:
    import pyarrow.parquet as pq
    rows = pq.read_table(LIVECAREER, columns=["resume_id", "text"]).to_pylist()
    return random.Random(seed).sample([r for r in rows if r["text"]], size)


def _key(resume_id: str, start: int, end: int, kind: str) -> str:
    return f"{resume_id}:{start}:{end}:{kind}"


def candidates(text: str, spans: list) -> list[tuple[int, int, str]]:
    """Independent-regex matches and given-name pairs the redactor left (partly) in place."""
    left = [(s, e, kind) for kind, found in independent_misses(text, spans).items() for s, e in found]
    left += [(m.start(), m.end(), "NAME") for m in NAME_CANDIDATE.finditer(text)
             if m.group(1).lower() in given_names() and not is_covered(text, (m.start(), m.end()), spans)]
    return left


def real_quality(sample: list[dict], judged: dict, listing: Path | None) -> dict:
    verdicts, missed = judged["spans"], judged["missed"]
    table: dict = {}
    lines = []
    for resume in sample:
        text, rid = resume["text"], resume["resume_id"]
        spans = find_spans(text)
        for start, end, kind in spans:
            row = table.setdefault(kind, {"redacted": 0, "right": 0, "wrong": 0, "unjudged": 0, "missed": 0})
            row["redacted"] += 1
            verdict = verdicts.get(_key(rid, start, end, kind))
            row[{"pii": "right", "not_pii": "wrong", None: "unjudged"}[verdict]] += 1
            lines.append(f"{rid}\t{start}\t{end}\t{kind}\t{verdict}\t{text[start:end]!r}\t"
                         f"{text[max(0, start - 40):end + 30]!r}")
        for start, end, kind in candidates(text, spans):
            lines.append(f"{rid}\t{start}\t{end}\t{kind}\tcandidate\t{text[start:end]!r}\t"
                         f"{text[max(0, start - 40):end + 30]!r}")
        for key in missed:
            mid, start, end, kind = key.rsplit(":", 3)
            if mid == rid and not is_covered(text, (int(start), int(end)), spans):
                table.setdefault(kind, {"redacted": 0, "right": 0, "wrong": 0, "unjudged": 0,
                                        "missed": 0})["missed"] += 1
    if listing:
        listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for row in table.values():
        judged_n = row["right"] + row["wrong"]
        row["precision"] = round(row["right"] / judged_n, 4) if judged_n else None
        found = row["right"] + row["missed"]
        row["recall"] = round(row["right"] / found, 4) if found else None
    return {"resumes": len(sample), "types": dict(sorted(table.items()))}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--planted", type=int, default=1000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--list", type=Path, default=None, help="write the real sample's spans here")
    args = parser.parse_args()
    quick = args.quick or os.environ.get("RECRUIT_BENCH_QUICK") == "1"
    n = 100 if quick else args.planted
    result = {"name": "redaction_quality", "quick": quick, "planted": planted_quality(n, seed=1)}
    if LIVECAREER.is_file():
        import pyarrow.parquet as pq
        texts = [t for t in pq.read_table(LIVECAREER, columns=["text"]).column("text").to_pylist() if t]
        result["throughput_livecareer"] = throughput(texts[:200] if quick else texts)
        judged = json.loads(JUDGEMENTS.read_text())
        sample = real_sample(judged["sample"]["size"], judged["sample"]["seed"])
        result["real_sample"] = real_quality(sample, judged, args.list)
    else:
        result["throughput_planted"] = throughput([r.text for r in planted_corpus(n, seed=1)])
    speed = result.get("throughput_livecareer", result.get("throughput_planted"))
    texts = [r.text for r in planted_corpus(4 if quick else 16, seed=1)]
    result["minilm_forward"] = minilm_throughput(texts)
    result["ratio"] = round(speed["resumes_per_s"] / result["minilm_forward"]["resumes_per_s"], 1)
    result["ratio_meaning"] = "redaction resumes/s over MiniLM forward resumes/s, one core each"
    from _results import publish
    publish(result, "python bench/redaction_quality.py " + " ".join(sys.argv[1:]))
    return result


if __name__ == "__main__":
    main()
