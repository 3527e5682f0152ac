"""Config composition: every experiment composes, and mistakes are caught before a job starts."""
from __future__ import annotations

import pytest
from conftest import compose_config
from hydra.errors import ConfigCompositionException
from omegaconf.errors import ConfigKeyError, ValidationError

from recruit_core.config import MINILM_SHA256, RecruitConfig, config_hash


@pytest.mark.parametrize("experiment", ["demo", "smoke"])
def test_every_experiment_composes_to_the_schema(experiment):
    cfg = compose_config([f"experiment={experiment}"])
    assert isinstance(cfg, RecruitConfig)
    assert cfg.experiment == experiment
    assert cfg.inputs.resumes == f"{cfg.data.dir}/resumes"  # interpolations resolved


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


@pytest.mark.parametrize("override, rule", [
    ("score.zero_shot_temperature=0", "> 0"),  # NaN probabilities
    ("model.max_windows=0", ">= 1"),  # every resume scored alike
    ("inputs.max_text_chars=-5", ">= 1"),
    ("model.windows_per_forward=0", ">= 1"),  # no window would ever be encoded
    ("score.top_jobs=0", ">= 1"),  # division by zero inside an actor
    ("cluster.num_cpus=0", ">= 1"),  # Ray hangs
    ("score.actor_memory_mb=999999999", "<= 1048576"),
    ("score.actor_memory_mb=0", ">= 1"),
    ("score.batch_size=-1", ">= 1"),
    ("score.cpus_per_actor=0", "> 0"),
    ("data.near_duplicate_rate=1.5", "<= 1"),
    ("train.lr=nan", "> 0"),
    ("train.max_steps=0", "or -1"),
    ("interview.min_skill_coverage=-0.1", ">= 0"),
    ("match.top_k_jobs=0", ">= 1"),
    ("eval.k=0", ">= 1"),
    ("model.tiny.hidden_size=0", ">= 1"),
])
def test_out_of_range_value_is_refused_naming_key_value_and_range(override, rule):
    key, value = override.split("=")
    with pytest.raises(ValueError) as err:
        compose_config([override])
    message = str(err.value)
    assert f"{key}={value}: must be " in message and rule in message, message


def test_range_error_says_what_the_setting_is():
    with pytest.raises(ValueError) as err:
        compose_config(["score.top_jobs=0"])
    assert str(err.value) == ("score.top_jobs=0: must be >= 1 "
                              "(how many best-fitting jobs to list per resume)")


def test_special_and_boundary_values_are_accepted():
    cfg = compose_config(["train.max_steps=-1", "score.num_gpus=0", "cluster.num_cpus=null",
                          "score.fit_threshold=-1", "score.actor_memory_mb=1048576"])
    assert cfg.train.max_steps == -1 and cfg.cluster.num_cpus is None


def test_every_numeric_setting_has_a_range():
    """A new int or float field without a row in RANGES would skip the check silently."""
    from dataclasses import fields, is_dataclass

    from recruit_core.config_ranges import RANGES, is_numeric

    def numeric_keys(section, prefix):
        for spec in fields(section):
            value = getattr(section, spec.name)
            if is_dataclass(value):
                yield from numeric_keys(value, f"{prefix}.{spec.name}")
            elif is_numeric(value) or spec.type in ("Optional[int]", "Optional[float]"):
                yield prefix, spec.name

    cfg = RecruitConfig()
    missing = [f"{p}.{n}" for s in fields(cfg) if is_dataclass(getattr(cfg, s.name))
               for p, n in numeric_keys(getattr(cfg, s.name), s.name) if n not in RANGES.get(p, {})]
    assert not missing
