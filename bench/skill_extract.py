"""Skill extraction throughput: resumes/s on one core, built-in taxonomy and a ~30k-pattern skill list.

    .venv/bin/python bench/skill_extract.py                       # 1,000 generated resumes
    .venv/bin/python bench/skill_extract.py --resumes 4000 --naive-resumes 40

Both extractors run over the same generated resumes in this one process. The baseline is the obvious
implementation, one case-insensitive word-bounded regex per surface form searched over each resume,
timed on a small sample (it is ~100x slower); `ratio` is Aho-Corasick resumes/s over regex resumes/s
with the ~30k list. ESCO preferred labels and real LiveCareer resumes are added when ../shared has them.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recruit_core.data.synth import resume_tables  # noqa: E402
from recruit_core.data.taxonomy import load_builtin  # noqa: E402
from recruit_core.text.skills import SkillExtractor  # noqa: E402

SKILL_NAMES = ROOT.parent / "shared/data/skills/skills.json"
ESCO_SKILLS = ROOT.parent / "shared/data/esco/skills.csv"
LIVECAREER = ROOT.parent / "shared/data/livecareer/resumes.parquet"


def throughput(extract, texts: list[str]) -> dict:
    started = time.process_time()  # CPU time of this process: one core, whatever else runs
    mentions = sum(len(extract(t)) for t in texts)
    seconds = time.process_time() - started
    return {"resumes_per_s": round(len(texts) / seconds, 1),
            "mb_per_s": round(sum(map(len, texts)) / seconds / 1e6, 3),
            "mentions_per_resume": round(mentions / len(texts), 2)}


def regex_extractor(forms: list[str]):
    patterns = [re.compile(r"(?<!\w)" + re.escape(f) + r"(?!\w)", re.IGNORECASE) for f in forms]
    return lambda text: [m for p in patterns for m in p.finditer(text)]


def timed_build(build) -> tuple[object, float]:
    started = time.perf_counter()
    built = build()
    return built, round(time.perf_counter() - started, 2)


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resumes", type=int, default=1000)
    parser.add_argument("--naive-resumes", type=int, default=20)
    args = parser.parse_args()
    taxonomy = load_builtin()
    texts = resume_tables(taxonomy, 0, 0, args.resumes, 0.15, 0.03)[0].column("text").to_pylist()
    builtin, builtin_build_s = timed_build(lambda: SkillExtractor.from_taxonomy(taxonomy))
    result = {"name": "skill_extract", "resumes": len(texts),
              "avg_resume_chars": round(sum(map(len, texts)) / len(texts)),
              "builtin": {**throughput(builtin.extract, texts), "patterns": builtin.n_patterns,
                          "build_s": builtin_build_s}}
    if SKILL_NAMES.is_file():
        names = json.loads(SKILL_NAMES.read_text())
        big, big_build_s = timed_build(lambda: SkillExtractor.from_skill_names(SKILL_NAMES))
        result["skills_30k"] = {**throughput(big.extract, texts), "patterns": big.n_patterns,
                                "build_s": big_build_s}
        sample = texts[:args.naive_resumes]
        naive = throughput(regex_extractor(names), sample)
        fast = throughput(big.extract, sample)
        result["regex_loop_30k"] = {**naive, "resumes": len(sample), "patterns": len(names)}
        result["ratio"] = round(fast["resumes_per_s"] / naive["resumes_per_s"], 1)
        if LIVECAREER.is_file():
            import pyarrow.parquet as pq
            real = [t for t in pq.read_table(LIVECAREER, columns=["text"]).column("text").to_pylist() if t][:500]
            result["skills_30k_livecareer"] = {**throughput(big.extract, real),
                                               "avg_resume_chars": round(sum(map(len, real)) / len(real))}
    if ESCO_SKILLS.is_file():
        esco, esco_build_s = timed_build(lambda: SkillExtractor.from_esco(ESCO_SKILLS))
        result["esco"] = {**throughput(esco.extract, texts), "patterns": esco.n_patterns,
                          "build_s": esco_build_s}
    print(json.dumps(result, sort_keys=True))
    try:
        from _results import record
    except ImportError:
        return result
    record(result, command="python bench/skill_extract.py " + " ".join(sys.argv[1:]))
    return result


if __name__ == "__main__":
    main()
