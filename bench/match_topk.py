"""The match job's matching step (recruit_core.match.topk.BlockMatcher) vs a plain matmul: GFLOP/s.

    .venv/bin/python bench/match_topk.py                       # 1M resumes x 10k jobs x 384 dims
    .venv/bin/python bench/match_topk.py --resumes 100000 --jobs 2000
    .venv/bin/python bench/match_topk.py --batch 4096          # a setting the job does not use

The step is the one `MatchActor` runs on each batch of resumes, at the match job's settings
(`MatchConfig`: `batch_size` resumes per actor call, matched in blocks of at most `block_rows`, top
`top_k_jobs` per resume, `top_n_resumes` per job); a setting given here that differs from the
job's is recorded in the row under `overrides` as the config key it stands for.
Random L2-normalised float32 embeddings, generated batch by batch (generation is timed apart and
left out of the kernel figures). Figures: kernel GFLOP/s = 2*R*J*D / kernel seconds (matmuls plus
both top-k's plus shortlist merges), the same for a bare `torch.matmul` of one [block, D] x [D, J]
product sampled every 16 x 4096 resumes through the run (the machine is shared: load changes
within a run, so both figures must see the same load), their ratio (goal >= 0.5), and the total time.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from recruit_core.config import MatchConfig  # noqa: E402
from recruit_core.match.topk import match_blocks  # noqa: E402

# Resumes between two samples of the plain-matmul baseline: every 16 blocks of the old 4,096-row
# setting, so a run samples the load as often whatever its batch size.
SAMPLE_EVERY_RESUMES = 16 * 4096
# Command-line setting -> the MatchConfig field it stands for.
SETTINGS = {"batch": "batch_size", "block": "block_rows", "k": "top_k_jobs", "n": "top_n_resumes"}


def plain_matmul_gflops(block: torch.Tensor, jobs_t: torch.Tensor, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        torch.matmul(block, jobs_t)
        times.append(time.perf_counter() - started)
    return 2 * block.shape[0] * jobs_t.shape[0] * jobs_t.shape[1] / statistics.median(times) / 1e9


def overrides(args: argparse.Namespace) -> dict:
    """`match.<key>: value` for each setting that differs from the match job's default."""
    job = MatchConfig()
    return {f"match.{field}": getattr(args, name) for name, field in SETTINGS.items()
            if getattr(args, name) != getattr(job, field)}


def parse(argv: list[str] | None) -> argparse.Namespace:
    job = MatchConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resumes", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--dim", type=int, default=384)  # all-MiniLM-L6-v2's embedding size
    parser.add_argument("--batch", type=int, default=job.batch_size, help="resumes per actor call")
    parser.add_argument("--block", type=int, default=job.block_rows, help="rows per matmul block")
    parser.add_argument("--k", type=int, default=job.top_k_jobs)
    parser.add_argument("--n", type=int, default=job.top_n_resumes)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    torch.set_num_threads(args.threads)
    jobs = F.normalize(torch.randn(args.jobs, args.dim, generator=torch.Generator().manual_seed(0)), dim=1)
    jobs_t = jobs.T.contiguous()
    block = min(args.batch, args.block)  # the rows of one matmul, as the actor runs it
    generation = [0.0]
    plain_samples: list[float] = []
    sample = F.normalize(torch.randn(block, args.dim, generator=torch.Generator().manual_seed(99)), dim=1)
    top_jobs = np.empty((args.resumes, args.k), dtype=np.int64)
    sample_every = max(1, SAMPLE_EVERY_RESUMES // args.batch)

    def batches():
        for start in range(0, args.resumes, args.batch):
            started = time.perf_counter()
            rows = min(args.batch, args.resumes - start)
            generator = torch.Generator().manual_seed(start + 1)
            embeddings = F.normalize(torch.randn(rows, args.dim, generator=generator), dim=1)
            if (start // args.batch) % sample_every == 0:  # the baseline, under the run's current load
                plain_samples.append(plain_matmul_gflops(sample, jobs_t, repeats=1))
            generation[0] += time.perf_counter() - started
            yield embeddings, torch.arange(start, start + rows)

    def keep(ids, _scores, job_index):
        top_jobs[ids.numpy()] = job_index.numpy()

    plain_matmul_gflops(sample, jobs_t, repeats=2)  # warm-up: thread pool, allocator
    started = time.perf_counter()
    shortlists = match_blocks(batches(), jobs, args.k, args.n, on_block=keep, block_rows=args.block)
    total = time.perf_counter() - started
    kernel = total - generation[0]  # generation includes the baseline samples
    flops = 2 * args.resumes * args.jobs * args.dim
    plain = statistics.median(plain_samples)
    result = {"name": "match_topk", "resumes": args.resumes, "jobs": args.jobs, "dim": args.dim,
              "batch_size": args.batch, "block_rows": args.block, "matmul_rows": block,
              "k": args.k, "n": args.n, "overrides": overrides(args), "threads": args.threads,
              "kernel_s": round(kernel, 2), "generation_s": round(generation[0], 2),
              "total_s": round(total, 2), "kernel_gflops": round(flops / kernel / 1e9, 2),
              "plain_matmul_gflops": round(plain, 2),
              "plain_matmul_gflops_min_max": [round(min(plain_samples), 2), round(max(plain_samples), 2)],
              "plain_matmul_samples": len(plain_samples),
              "filled_shortlist_slots": int((shortlists.result()[1] >= 0).sum()),
              "ratio": round(flops / kernel / 1e9 / plain, 3)}
    print(json.dumps(result))
    try:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from _results import record
    except ImportError:
        return result
    command = " ".join(argv if argv is not None else sys.argv[1:])
    record(result, command=f"python bench/match_topk.py {command}".strip())
    return result


if __name__ == "__main__":
    main()
