"""Wrong paths and models fail before Ray starts, naming the setting; unpinned weights are warned of."""
from __future__ import annotations

import logging

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import compose_config

from recruit_core.model.encoder import minilm_dir, weights_sha256


@pytest.fixture
def pool(tmp_path, monkeypatch):
    """A one-resume input folder and a jobs file; starting Ray fails the test."""
    from recruit_core.match import job_ray as match
    from recruit_core.score import job_ray as score

    (tmp_path / "resumes").mkdir()
    pq.write_table(pa.table({"resume_id": ["r1"], "text": ["Nurse\nICU"]}),
                   tmp_path / "resumes" / "part-0.parquet")
    pq.write_table(pa.table({"job_id": ["j1"], "title": ["Nurse"]}), tmp_path / "jobs.parquet")
    (tmp_path / "empty").mkdir()
    (tmp_path / "not_a_model").mkdir()

    def no_ray(*args, **kwargs):
        raise AssertionError("Ray was started before the paths were checked")
    monkeypatch.setattr(score, "connect", no_ray)
    monkeypatch.setattr(match, "connect", no_ray)
    return tmp_path


def _score_config(root, *extra):
    return compose_config(["experiment=smoke", f"inputs.resumes={root / 'resumes'}",
                           f"inputs.jobs={root / 'jobs.parquet'}",
                           f"score.output_dir={root / 'out'}", *extra])


@pytest.mark.parametrize("override, key", [
    ("inputs.resumes={root}/nowhere", "inputs.resumes"),
    ("inputs.resumes={root}/empty", "inputs.resumes"),
    ("inputs.jobs={root}/nowhere.parquet", "inputs.jobs"),
    ("score.model_path={root}/not_a_model", "score.model_path"),
    ("score.model_path={root}/nowhere", "score.model_path"),
    ("model=local model.name_or_path={root}/nowhere", "model.name_or_path"),
])
def test_score_refuses_a_wrong_path_before_ray_starts(pool, override, key):
    from recruit_core.score import job_ray as score
    cfg = _score_config(pool, *override.format(root=pool).split())
    with pytest.raises(FileNotFoundError) as err:
        score.run(cfg)
    assert key in str(err.value) and str(pool) in str(err.value)


@pytest.mark.parametrize("override, key", [
    ("inputs.resumes={root}/nowhere", "inputs.resumes"),
    ("inputs.jobs={root}/empty", "inputs.jobs"),
    ("match.crossencoder_path={root}/not_a_model", "match.crossencoder_path"),
    ("match.biencoder_path={root}/nowhere", "match.biencoder_path"),
])
def test_match_refuses_a_wrong_path_before_ray_starts(pool, override, key):
    from recruit_core.match import job_ray as match
    cfg = compose_config(["experiment=smoke", f"inputs.resumes={pool / 'resumes'}",
                          f"inputs.jobs={pool / 'jobs.parquet'}", f"match.output_dir={pool / 'out'}",
                          override.format(root=pool)])
    with pytest.raises(FileNotFoundError) as err:
        match.run(cfg)
    assert key in str(err.value) and str(pool) in str(err.value)


@pytest.fixture(scope="module")
def local_model(tmp_path_factory):
    """The MiniLM folder as a `model=local` folder (links, not a 90 MB copy)."""
    folder = tmp_path_factory.mktemp("local_minilm")
    for item in minilm_dir().iterdir():
        (folder / item.name).symlink_to(item)
    return folder


def test_local_model_without_sha256_warns_with_the_hash_to_pin(local_model, caplog):
    from recruit_core.model.forward import model_fingerprint
    cfg = compose_config(["model=local", f"model.name_or_path={local_model}"])
    with caplog.at_level(logging.WARNING, logger="recruit_core.model.forward"):
        fingerprint = model_fingerprint("", cfg.model)
    sha = weights_sha256(local_model)
    assert fingerprint == f"{local_model.name}@sha256:{sha[:16]}"
    assert f"model.sha256={sha}" in caplog.text


def test_pinned_local_model_gives_no_warning(local_model, caplog):
    from recruit_core.model.forward import model_fingerprint
    sha = weights_sha256(local_model)
    cfg = compose_config(["model=local", f"model.name_or_path={local_model}", f"model.sha256={sha}"])
    with caplog.at_level(logging.WARNING, logger="recruit_core.model.forward"):
        model_fingerprint("", cfg.model)
    assert "model.sha256" not in caplog.text
