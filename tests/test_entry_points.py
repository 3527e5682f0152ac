"""The jobs as a user starts them: scripts, `python -m`, the `recruit` command, an installed wheel.

Also what the layout promises: the config schema and the model code import neither Hydra nor Ray,
and the yaml group files hold only what an option changes (every default is in the dataclasses).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import typing
import zipfile
from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest
import yaml

from recruit_core.config import RecruitConfig

ROOT = Path(__file__).resolve().parent.parent
VERBS = ("demo", "generate", "ingest", "train", "sweep", "score", "match", "interview_pack", "schedule",
         "evaluate", "audit", "serve", "drift", "feedback")


def _python(code: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=300)


def test_schema_and_model_code_import_neither_hydra_nor_ray():
    modules = "recruit_core.config, recruit_core.model.recruit, recruit_core.score.scorer"
    done = _python(f"import {modules}, sys; "
                   "print(sorted(m for m in ('hydra', 'omegaconf', 'ray') if m in sys.modules))")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]", f"{modules} import {done.stdout.strip()}"


def test_every_job_imports_as_a_package_module():
    done = _python("import importlib\n"
                   f"for verb in {VERBS!r}:\n"
                   "    assert callable(importlib.import_module(f'ray_jobs.{verb}').main), verb")
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_recruit_command_starts_the_job_script_with_its_config(tmp_path):
    """`--cfg job` prints the composed config and stops: `recruit score` runs ray_jobs/score.py."""
    done = subprocess.run([sys.executable, "-m", "ray_jobs.cli", "score", "--cfg", "job",
                           f"inputs.resumes={tmp_path}"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"resumes: {tmp_path}" in done.stdout


def _group_files():
    return sorted(p for p in (ROOT / "conf").glob("*/*.yaml") if p.parent.name != "experiment")


@pytest.mark.parametrize("path", _group_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_group_files_hold_only_what_differs_from_the_dataclass_defaults(path):
    section = typing.get_type_hints(RecruitConfig)[path.parent.name]()
    values = yaml.safe_load(path.read_text()) or {}
    values.pop("defaults", None)

    def repeated(node, values: dict, prefix: str):
        for spec in fields(node):
            if spec.name not in values:
                continue
            default, value = getattr(node, spec.name), values[spec.name]
            if is_dataclass(default):
                yield from repeated(default, value, f"{prefix}{spec.name}.")
            elif value == default:
                yield f"{prefix}{spec.name}"

    assert not list(repeated(section, values, "")), "repeats the dataclass default"


def test_the_wheel_carries_every_config_where_the_entry_points_read_it(tmp_path):
    source = tmp_path / "source"  # a copy: building in the checkout would leave build/ behind
    for name in ("conf", "ray_jobs", "recruit_core"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "-q", "-w", str(tmp_path / "dist"), str(source)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("recruit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    configs = [p.relative_to(ROOT).as_posix() for p in (ROOT / "conf").rglob("*.yaml")]
    assert configs and not [c for c in configs if f"ray_jobs/{c}" not in names]
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    done = _python("from ray_jobs import _entry; print(_entry.CONFIG_PATH); "
                   "print(_entry.compose_config(['experiment=demo']).experiment)",
                   cwd=tmp_path, PYTHONPATH=str(tmp_path / "site"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [str(tmp_path / "site" / "ray_jobs" / "conf"), "demo"]
