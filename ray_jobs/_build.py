"""Build step: the wheel carries the Hydra configs of `conf/` as `ray_jobs/conf/`.

`conf/` stays at the top of the repository, where a user reads and edits it; an installed wheel
has no such place, so the build copies it next to the entry points, where `_entry.config_dir`
looks first. Editable installs skip the copy and read `conf/` from the checkout.
pyproject.toml names these classes in `[tool.setuptools.cmdclass]`.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

CONF = Path(__file__).resolve().parent.parent / "conf"


class BuildWithConfigs(build_py):
    def run(self) -> None:
        super().run()
        if not self.editable_mode:
            shutil.copytree(CONF, Path(self.build_lib) / "ray_jobs" / "conf", dirs_exist_ok=True)


class SdistWithConfigs(sdist):
    """The source archive keeps conf/, so a wheel built from it has the configs too."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        shutil.copytree(CONF, Path(base_dir) / "conf", dirs_exist_ok=True)
