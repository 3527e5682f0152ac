"""The main job, end to end on one Ray session: generate a talent pool, then run every stage on it.

    make demo                                             # experiment=demo: real MiniLM, 240 resumes, 24 jobs
    python ray_jobs/demo.py experiment=smoke              # tiny model and data, about a minute
    ray job submit --working-dir . -- python ray_jobs/demo.py experiment=demo cluster=remote

The stages: recruit_core/demo_ray.py.
"""
from ray_jobs import _entry
from recruit_core.demo_ray import print_outputs, run

main = _entry.main_for(run, print_outputs)

if __name__ == "__main__":
    main()
