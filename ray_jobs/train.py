"""Fine-tune the recruit model on Ray Train, then evaluate it on the dev split.

    python ray_jobs/train.py experiment=smoke                          # tiny model, tiny pool
    python ray_jobs/train.py train=biencoder train.hard_negatives=true # or train=crossencoder
    python ray_jobs/train.py -m train.lr=2e-5,5e-5 train.epochs=1,2    # sweep, summary in the sweep dir

The job: recruit_core/train/job_ray.py; its tables and sweep summaries: recruit_core/train/report.py.
"""
from ray_jobs import _entry
from recruit_core.train.job_ray import run


def run_point(cfg):
    """A run of a `-m` sweep gets its own run name and a row in the sweep's summary."""
    return run(cfg, sweep=_entry.sweep_point())


main = _entry.main_for(run_point)

if __name__ == "__main__":
    main()
