"""How good the shortlists are against the generator's truth: the final top-3 per job against the
bi-encoder's own top-3 (what the shortlist would be without the reranker).

    python -m recruit_core.eval.shortlist_quality <match output> <pool dir>

Used at the end of the demo (recruit_core/demo_ray.py): the interview packs and the schedule are
built from each job's first `top` candidates, so those are the ones that must be true fits. A fit is
the generator's own label (`recruit_core.data.synth.is_fit`: occupation, required skills, seniority).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from recruit_core.config import DataConfig
from recruit_core.data.taxonomy import load_taxonomy
from recruit_core.train.examples import read_pool


def shortlist_quality(shortlists: pd.DataFrame, pool_dir: str, top: int = 3,
                      data: DataConfig | None = None) -> dict:
    """Share of true fits among each job's first `top` by final rank and by bi-encoder rank."""
    data = data or DataConfig(dir=pool_dir)
    pool = read_pool(data, load_taxonomy(data))
    resume_row = {r: i for i, r in enumerate(pool.resumes["resume_id"].astype(str))}
    job_col = {j: i for i, j in enumerate(pool.jobs["job_id"].astype(str))}
    known = shortlists[shortlists["resume_id"].astype(str).isin(resume_row)
                       & shortlists["job_id"].astype(str).isin(job_col)]
    fit = np.array([pool.fit[resume_row[str(r)], job_col[str(j)]]
                    for r, j in zip(known["resume_id"], known["job_id"])], dtype=bool)
    known = known.assign(fit=fit)
    final = known[known["rank"] <= top]
    by_bi = known[known["bi_rank"] <= top]
    return {"jobs": int(known["job_id"].nunique()), "top": top,
            "final_top_fit_share": round(float(final["fit"].mean()), 4) if len(final) else None,
            "bi_encoder_top_fit_share": round(float(by_bi["fit"].mean()), 4) if len(by_bi) else None,
            "reranked": bool((known["rank"] != known["bi_rank"]).any())}


def read_shortlists(match_output: str | Path) -> pd.DataFrame:
    """The shortlists of a match output folder, its shortlists/ folder or the shortlist file."""
    path = Path(match_output)
    path = path / "shortlists" if (path / "shortlists").is_dir() else path
    files = [path] if path.is_file() else sorted(path.glob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"{match_output}: no shortlists there; give a match output folder")
    return pd.concat([pd.read_parquet(f, columns=["job_id", "rank", "resume_id", "bi_rank"])
                      for f in files], ignore_index=True)


def quality_line(figures: dict) -> str:
    return (f"quality: shortlist top-{figures['top']} true fits {figures['final_top_fit_share']} "
            f"(bi-encoder order {figures['bi_encoder_top_fit_share']}; {figures['jobs']} jobs, "
            f"{'reranked' if figures['reranked'] else 'bi-encoder order kept'}, generator truth)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("match_output")
    parser.add_argument("pool_dir")
    args = parser.parse_args()
    print(quality_line(shortlist_quality(read_shortlists(args.match_output), args.pool_dir)))
