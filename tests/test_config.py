"""Config composition: every experiment composes, and mistakes are caught before a job starts."""
from __future__ import annotations

import pytest
from hydra.errors import ConfigCompositionException
from omegaconf.errors import ConfigKeyError, ValidationError

from conftest import compose_config
from recruit_core.config import MINILM_SHA256, RecruitConfig, config_hash


@pytest.mark.parametrize("experiment", ["demo", "smoke"])
def test_every_experiment_composes_to_the_schema(experiment):
    cfg = compose_config([f"experiment={experiment}"])
    assert isinstance(cfg, RecruitConfig)
    assert cfg.experiment == experiment
    assert cfg.score.input == f"{cfg.data.dir}/resumes"  # interpolations resolved


def test_demo_uses_the_real_model_and_smoke_the_tiny_one():
    assert compose_config(["experiment=demo"]).model.source == "minilm"
    assert compose_config(["experiment=demo"]).model.sha256 == MINILM_SHA256
    assert compose_config(["experiment=smoke"]).model.source == "tiny"


def test_unknown_key_is_rejected_with_its_name():
    with pytest.raises(ConfigCompositionException) as err:
        compose_config(["train.learning_rate=3e-5"])
    assert "learning_rate" in str(err.value.__cause__)
    with pytest.raises(ValueError, match="train.learning_rate"):
        compose_config(["+train.learning_rate=3e-5"])


def test_mistyped_value_is_rejected():
    with pytest.raises(ConfigCompositionException) as err:
        compose_config(["train.epochs=two"])
    assert isinstance(err.value.__cause__, ValidationError)


def test_invalid_choice_names_the_key():
    with pytest.raises(ValueError, match="model.source"):
        compose_config(["model.source=gpt"])


def test_local_model_needs_a_path():
    with pytest.raises(Exception, match="name_or_path"):
        compose_config(["model=local"])


def test_cluster_groups_select_mode():
    assert compose_config([]).cluster.mode == "local"
    assert compose_config(["cluster=remote"]).cluster.mode == "remote"


def test_config_hash_changes_with_values():
    a, b = compose_config([]), compose_config(["score.batch_size=7"])
    assert config_hash(a.score) != config_hash(b.score)
    assert config_hash(a.score) == config_hash(compose_config([]).score)


def test_missing_group_option_is_a_clear_error():
    with pytest.raises(ConfigCompositionException, match="model"):
        compose_config(["model=nonexistent"])
    with pytest.raises((ConfigKeyError, ConfigCompositionException)):
        compose_config(["cluster.bogus=1"])
