"""Only the Ray glue imports Ray: modules named `*_ray.py` and `recruit_core/ray_env.py`.

Everything else in recruit_core (model math, text, data, metrics) must import and be tested without
Ray, so each module is read with `ast` and every import of `ray` is found, at the top or inside a
function, and so is every import of a glue module, which would bring Ray in with it.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "recruit_core"


def is_glue(module: str) -> bool:
    """`recruit_core.ray_env` and any `*_ray` module (the jobs' drivers and actor classes)."""
    return module == "recruit_core.ray_env" or module.rsplit(".", 1)[-1].endswith("_ray")


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import statement and `import_module("...")` call."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", ""))
              in ("import_module", "__import__") and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append((node.lineno, node.args[0].value))
    return found


def ray_imports(path: Path, package: Path = PACKAGE) -> list[str]:
    """`file:line imports name` for each import of Ray, or of a glue module, by a non-glue module."""
    if is_glue(module_name(path, package)):
        return []
    offending = []
    for line, name in imported_modules(path.read_text(encoding="utf-8")):
        parts = name.split(".")
        if parts[0] == "ray" or any(is_glue(".".join(parts[:i])) for i in range(2, len(parts) + 1)):
            offending.append(f"{path.relative_to(package.parent)}:{line} imports {name}")
    return offending


def test_only_ray_glue_modules_import_ray():
    offending = [o for path in sorted(PACKAGE.rglob("*.py")) for o in ray_imports(path)]
    assert offending == [], (
        "these recruit_core modules import Ray but are not Ray glue; move the Ray part into a "
        "module named *_ray.py (or recruit_core/ray_env.py) and keep this one Ray-free:\n  "
        + "\n  ".join(offending))


def test_the_check_sees_ray_imports_anywhere_in_a_module(tmp_path):
    package = tmp_path / "recruit_core"
    (package / "match").mkdir(parents=True)
    sneaky = package / "match" / "topk.py"
    sneaky.write_text("import rayon\nimport numpy as np\n\n\ndef shortlist():\n"
                      "    from ray.data import Dataset\n    import ray\n"
                      "    from recruit_core.score import pipeline_ray\n"
                      "    from recruit_core.ray_env import connect\n", encoding="utf-8")
    glue = package / "match" / "job_ray.py"
    glue.write_text("import ray\nfrom recruit_core.data.reader_ray import read_resumes\n",
                    encoding="utf-8")
    assert ray_imports(sneaky, package) == [
        "recruit_core/match/topk.py:6 imports ray.data.Dataset",
        "recruit_core/match/topk.py:7 imports ray",
        "recruit_core/match/topk.py:8 imports recruit_core.score.pipeline_ray",
        "recruit_core/match/topk.py:9 imports recruit_core.ray_env.connect"]
    assert ray_imports(glue, package) == []
