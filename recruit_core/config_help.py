"""`recruit <verb> --help`: the settings one job reads, with their values and what each one is.

    recruit score --help                       # score's keys, their defaults and their comments
    recruit score experiment=demo --help       # the same keys as experiment=demo sets them

Built from the composed config (Hydra's compose API, no Ray, no torch: well under a second) and
from the comments beside each field in recruit_core/config.py and `config_ranges.RANGES`, so the
help says what the code says. Each job lists only the sections it reads.
"""
from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import fields, is_dataclass
from functools import lru_cache
from pathlib import Path

from recruit_core import config as config_module
from recruit_core.config_ranges import RANGES

# The sections each job reads (its own, then the shared ones), as its `run` uses them.
JOB_SECTIONS = {
    "demo": ("data", "model", "train", "score", "match", "interview", "privacy", "cluster"),
    "generate": ("data", "cluster"),
    "ingest": ("ingest", "cluster"),
    "train": ("train", "model", "data", "privacy", "cluster"),
    "sweep": ("train", "model", "data", "privacy", "cluster"),
    "score": ("score", "inputs", "model", "data", "privacy", "cluster"),
    "match": ("match", "inputs", "model", "data", "privacy", "cluster"),
    "interview_pack": ("interview", "inputs", "model", "data", "privacy", "cluster"),
    "schedule": ("interview", "inputs", "cluster"),
    "evaluate": ("eval", "model", "data"),
    "audit": ("audit",),
    "drift": ("drift",),
    "feedback": ("feedback",),
    "serve": ("serve", "score", "inputs", "ingest", "model", "data", "privacy", "cluster"),
}
TOP_LEVEL = ("experiment", "output_root")


@lru_cache(maxsize=1)
def field_comments() -> dict[str, dict[str, str]]:
    """{dataclass name: {field: its comment}} from recruit_core/config.py: the comment on the
    field's line, else the comment lines right above it."""
    source = Path(config_module.__file__).read_text(encoding="utf-8")
    comments: dict[int, str] = {}
    alone: set[int] = set()  # lines holding nothing but a comment
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string.lstrip("# ").strip()
            if token.line.strip().startswith("#"):
                alone.add(token.start[0])
    found: dict[str, dict[str, str]] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        notes = found.setdefault(node.name, {})
        for item in node.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                notes[item.target.id] = _comment_at(comments, alone, item.lineno, item.end_lineno)
    return found


def _comment_at(comments: dict[int, str], alone: set[int], first: int, last: int) -> str:
    trailing = [comments[n] for n in range(first, last + 1) if n in comments]
    if trailing:
        return " ".join(trailing)
    above, line = [], first - 1
    while line in alone:
        above.insert(0, comments[line])
        line -= 1
    return " ".join(above)


def _describe(section: str, obj, name: str) -> str:
    """What a setting is: its range's wording (short, the user's words), else its comment's first
    sentence (the rest says why, which the source keeps)."""
    limit = RANGES.get(section, {}).get(name)
    if limit:
        return limit.what
    note = field_comments().get(type(obj).__name__, {}).get(name, "")
    return note.split(". ")[0].rstrip(".")


def section_lines(section: str, obj, width: int = 34) -> list[str]:
    """`  section.key = value   # what it is` for every field of one config section."""
    lines = [f"{section}:"]
    for item in fields(obj):
        value = getattr(obj, item.name)
        if is_dataclass(value):
            lines += ["  " + line for line in section_lines(f"{section}.{item.name}", value, width - 2)[1:]]
            continue
        setting = f"  {section}.{item.name}={_show(value)}"
        note = _describe(section, obj, item.name)
        lines.append(f"{setting:<{width}}  # {note}" if note else setting)
    return lines


def _show(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if value == "":
        return "''"
    return str(value)


def config_groups(config_dir: Path, sections: tuple[str, ...]) -> list[str]:
    """`group: option|option` for the config groups of these sections, and the experiments."""
    lines = []
    for group in (*sections, "experiment"):
        folder = config_dir / group
        if folder.is_dir():
            options = sorted(p.stem for p in folder.glob("*.yaml"))
            lines.append(f"  {group}={'|'.join(options)}")
    return lines


def job_help(verb: str, cfg, config_dir: Path) -> str:
    """The help text of `recruit <verb>` for the composed config `cfg`."""
    sections = JOB_SECTIONS[verb]
    lines = [f"usage: recruit {verb} [key=value ...] [group=option ...] [-m for a sweep]",
             "", f"Settings of `recruit {verb}` (values as composed from these overrides):"]
    lines += [f"  {name}={_show(getattr(cfg, name))}" for name in TOP_LEVEL]
    for section in sections:
        lines += ["", *section_lines(section, getattr(cfg, section))]
    lines += ["", "Config groups (group=option):", *config_groups(config_dir, sections),
              "", "Exit codes: 0 done, 2 a wrong setting or input (one line says which), 1 the job failed.",
              f"Hydra's own help: python ray_jobs/{verb}.py --hydra-help"]
    return "\n".join(lines)
