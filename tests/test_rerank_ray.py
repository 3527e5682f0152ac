"""The shortlist pass spreads its (job, resume) pairs over the whole reranking actor pool."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recruit_core.config import MatchConfig
from recruit_core.data.validate import normalise_text


@pytest.mark.ray
def test_pairs_of_one_input_file_reach_every_actor_in_blocks_of_one_rerank_batch(ray_local, tmp_path):
    from recruit_core.match.shortlist_ray import shortlist_dataset
    texts = [f"Resume {i}: Python and SQL,  {i} years" for i in range(50)]
    path = str(tmp_path / "resumes.parquet")
    pq.write_table(pa.table({"resume_id": [f"r{i}" for i in range(50)], "text": texts}), path)
    rows = np.array([(3 * job + slot) % 50 for job in range(30) for slot in range(4)])
    pairs = pa.table({"job_index": np.repeat(np.arange(30, dtype=np.int32), 4), "resume_key": rows,
                      "bi_score": np.zeros(120, np.float32),
                      "bi_rank": np.tile(np.arange(1, 5, dtype=np.int32), 30)})
    match = MatchConfig(pool_size=2, rerank_batch_size=8)

    blocks = list(shortlist_dataset(pairs, [path], match).iter_batches(batch_size=None,
                                                                       batch_format="pyarrow"))
    sizes = [block.num_rows for block in blocks]
    assert len(sizes) >= match.pool_size and max(sizes) <= match.rerank_batch_size, sizes
    fetched = pa.concat_tables(blocks).sort_by([("job_index", "ascending"), ("bi_rank", "ascending")])
    assert fetched.column("resume_id").to_pylist() == [f"r{i}" for i in rows]
    assert fetched.column("text").to_pylist() == [normalise_text(texts[i]) for i in rows]
    assert shortlist_dataset(pairs.slice(0, 0), [path], match) is None
