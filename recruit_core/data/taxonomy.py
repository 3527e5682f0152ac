"""The recruiting taxonomy: occupations in families, each with skills, titles, tasks and bullet templates.

`load_taxonomy(data_cfg)` returns the built-in taxonomy (`recruit_core/data/taxonomy.json`, the
project's own) or, with `data.taxonomy=onet`, one read from the O*NET 29.2 tables (CC BY 4.0:
"O*NET 29.2 Database by the U.S. Department of Labor, Employment and Training Administration
(USDOL/ETA), used under CC BY 4.0").
"""
from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from recruit_core.config import DataConfig

BUILTIN_PATH = Path(__file__).resolve().parent / "taxonomy.json"


@dataclass(frozen=True)
class Skill:
    id: str
    label: str
    kind: str
    aliases: tuple[str, ...] = ()

    @property
    def surface_forms(self) -> tuple[str, ...]:
        """Every lower-case way the skill is written: label first, then aliases."""
        return (self.label.lower(), *self.aliases)


@dataclass(frozen=True)
class Occupation:
    id: str
    title: str
    family: str
    alt_titles: tuple[str, ...]
    core_skills: tuple[str, ...]
    optional_skills: tuple[str, ...]
    tasks: tuple[str, ...]
    bullets: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    name: str
    families: dict[str, str]
    skills: dict[str, Skill]
    occupations: tuple[Occupation, ...]

    def occupation(self, occupation_id: str) -> Occupation:
        return self._occupations_by_id[occupation_id]

    @cached_property
    def _occupations_by_id(self) -> dict[str, Occupation]:
        """Built on first use: callers look occupations up inside resumes x jobs loops."""
        return {o.id: o for o in self.occupations}

    def label(self, skill_id: str) -> str:
        return self.skills[skill_id].label

    @property
    def occupation_ids(self) -> list[str]:
        return [o.id for o in self.occupations]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _from_dict(name: str, raw: dict) -> Taxonomy:
    skills = {sid: Skill(sid, s["label"], s.get("kind", "tool"), tuple(s.get("aliases", ())))
              for sid, s in raw["skills"].items()}
    occupations = tuple(
        Occupation(o["id"], o["title"], o["family"], tuple(o.get("alt_titles", ())),
                   tuple(o["core_skills"]), tuple(o.get("optional_skills", ())),
                   tuple(o.get("tasks", ())), tuple(o.get("bullets", ())))
        for o in raw["occupations"])
    unknown = sorted({s for o in occupations for s in (*o.core_skills, *o.optional_skills)} - set(skills))
    if unknown:
        raise ValueError(f"taxonomy {name}: occupations name unknown skills {unknown[:5]}")
    return Taxonomy(name, dict(raw["families"]), skills, occupations)


@lru_cache(maxsize=1)
def load_builtin() -> Taxonomy:
    return _from_dict("builtin", json.loads(BUILTIN_PATH.read_text(encoding="utf-8")))


# Generic bullets for O*NET occupations, which come with tasks but no resume phrasing.
_ONET_BULLETS = (
    "Used {skill} daily to deliver work for a team of {n}.",
    "Introduced {skill} and cut turnaround time by {n}%.",
    "Trained {n} colleagues in {skill}.",
    "Maintained records and reports in {skill}.",
    "Applied {skill} to resolve recurring issues ahead of deadlines.",
    "Led the move to {skill}, saving {n} hours per month.",
)
_SOC_FAMILIES = {
    "11": "Management", "13": "Business and Financial Operations", "15": "Computer and Mathematical",
    "17": "Architecture and Engineering", "19": "Life, Physical, and Social Science",
    "21": "Community and Social Service", "23": "Legal", "25": "Educational Instruction and Library",
    "27": "Arts, Design, Entertainment, Sports, and Media", "29": "Healthcare Practitioners and Technical",
    "31": "Healthcare Support", "33": "Protective Service", "35": "Food Preparation and Serving",
    "37": "Building and Grounds Cleaning", "39": "Personal Care and Service", "41": "Sales and Related",
    "43": "Office and Administrative Support", "45": "Farming, Fishing, and Forestry",
    "47": "Construction and Extraction", "49": "Installation, Maintenance, and Repair",
    "51": "Production", "53": "Transportation and Material Moving",
}


def _read_tsv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def load_onet(onet_dir: str | Path, min_skills: int = 10) -> Taxonomy:
    """Occupations that list at least `min_skills` technology skills; hot technologies are core."""
    onet_dir = Path(onet_dir)
    if not (onet_dir / "Occupation Data.txt").is_file():
        raise FileNotFoundError(f"data.onet_dir={onet_dir}: no 'Occupation Data.txt'; point it at the "
                                "O*NET 29.2 text tables or use data.taxonomy=builtin")
    tech = defaultdict(list)
    for row in _read_tsv(onet_dir / "Technology Skills.txt"):
        tech[row["O*NET-SOC Code"]].append((row["Example"], row["Hot Technology"] == "Y"))
    tasks, titles = defaultdict(list), defaultdict(list)
    for row in _read_tsv(onet_dir / "Task Statements.txt"):
        tasks[row["O*NET-SOC Code"]].append(row["Task"])
    for row in _read_tsv(onet_dir / "Alternate Titles.txt"):
        titles[row["O*NET-SOC Code"]].append(row["Alternate Title"])
    skills: dict[str, dict] = {}
    occupations = []
    for row in _read_tsv(onet_dir / "Occupation Data.txt"):
        code, examples = row["O*NET-SOC Code"], tech.get(row["O*NET-SOC Code"], [])
        if len(examples) < min_skills:
            continue
        for example, _ in examples:
            skills.setdefault(slug(example), {"label": example, "kind": "tool"})
        hot = [slug(e) for e, is_hot in examples if is_hot][:16]
        rest = [slug(e) for e, is_hot in examples if not is_hot and slug(e) not in hot]
        core = hot if len(hot) >= 5 else (hot + rest)[:12]
        optional = [s for s in rest if s not in core][:15]
        occupations.append({
            "id": slug(code), "title": row["Title"], "family": code[:2],
            "alt_titles": titles[code][:6], "core_skills": list(dict.fromkeys(core)),
            "optional_skills": list(dict.fromkeys(optional)), "tasks": tasks[code][:8],
            "bullets": list(_ONET_BULLETS)})
    families = {code: name for code, name in _SOC_FAMILIES.items()
                if any(o["family"] == code for o in occupations)}
    return _from_dict("onet-29.2", {"families": families, "skills": skills, "occupations": occupations})


def load_taxonomy(cfg: DataConfig) -> Taxonomy:
    return load_onet(cfg.onet_dir) if cfg.taxonomy == "onet" else load_builtin()
