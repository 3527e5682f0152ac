"""The demo's shortlist quality line: true fits among each job's first three, final vs bi-encoder order."""
from __future__ import annotations

import numpy as np
import pandas as pd

from recruit_core.config import DataConfig
from recruit_core.data.pool import write_jobs, write_resume_shard
from recruit_core.data.taxonomy import load_taxonomy
from recruit_core.eval.shortlist_quality import quality_line, shortlist_quality
from recruit_core.train.examples import read_pool


def test_the_share_of_true_fits_follows_each_order(tmp_path):
    data = DataConfig(dir=str(tmp_path / "pool"), n_resumes=150, n_jobs=12, shard_rows=150)
    write_resume_shard(data, 0)
    write_jobs(data)
    pool = read_pool(data, load_taxonomy(data))
    rows = []
    for j, job_id in enumerate(pool.jobs["job_id"]):
        fits, misses = np.flatnonzero(pool.fit[:, j])[:3], np.flatnonzero(~pool.fit[:, j])[:3]
        if len(fits) < 3:
            continue
        # final order: the fits first; bi-encoder order: the misses first
        for rank, r in enumerate([*fits, *misses], start=1):
            bi_rank = rank + 3 if rank <= 3 else rank - 3
            rows.append({"job_id": job_id, "rank": rank, "resume_id": pool.resumes["resume_id"][r],
                         "bi_rank": bi_rank})
    figures = shortlist_quality(pd.DataFrame(rows), data.dir, data=data)
    assert figures["jobs"] > 0
    assert figures["final_top_fit_share"] == 1.0 and figures["bi_encoder_top_fit_share"] == 0.0
    assert figures["reranked"] and "true fits 1.0 (bi-encoder order 0.0" in quality_line(figures)


def test_shortlists_are_read_from_a_folder_or_the_file_the_match_job_names(tmp_path):
    from recruit_core.eval.shortlist_quality import read_shortlists
    frame = pd.DataFrame({"job_id": ["J1"], "rank": [1], "resume_id": ["R1"], "bi_rank": [2]})
    (tmp_path / "shortlists").mkdir()
    frame.to_parquet(tmp_path / "shortlists" / "part-00000.parquet")
    for given in (tmp_path, tmp_path / "shortlists", tmp_path / "shortlists" / "part-00000.parquet"):
        assert read_shortlists(given).to_dict("records") == frame.to_dict("records")
