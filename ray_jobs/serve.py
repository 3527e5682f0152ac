"""Serve the scoring model over HTTP on 127.0.0.1 with Ray Serve, until Ctrl-C.

    python ray_jobs/serve.py serve.model_path=outputs/train/recruit-train/model inputs.jobs=outputs/pool/jobs
    python ray_jobs/serve.py model=tiny inputs.jobs=/tmp/pool/jobs serve.port=8123 serve.num_replicas=2
    python ray_jobs/serve.py serve.shortlist_path=outputs/match/shortlists   # GET /jobs/<id>/shortlist

The service and its routes: recruit_core/serve/job_ray.py.
"""
from ray_jobs import _entry
from recruit_core.serve.job_ray import run

main = _entry.main_for(run)

if __name__ == "__main__":
    main()
