"""Evaluation: metrics, baselines, dev-set evaluation during training (`dev`) and the evaluation job's
reports on synthetic and real data (`evaluate`)."""
