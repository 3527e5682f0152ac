"""The synthetic talent pool: resumes, their ground truth, and job requisitions, deterministic by seed.

Every resume is a pure function of (seed, index), so any shard can be generated anywhere, in any
order, and the pool is identical however it is split. What makes it worth learning from:
occupations in families with overlapping skills, skills written as labels, aliases or typos,
headings and section order that vary, resumes without a skills section (skills only in bullets),
very short and very long resumes (beyond 512 tokens), ~3% near-duplicates, and contact details
inside the text. With `difficulty="hard"` (the default; recruit_core/data/synth_hard.py) skills are
also implied by the work described, resumes and postings word titles, duties and skills
differently, resumes run longer, with earlier careers and other occupations' skills in passing.

The fit of a (resume, job) pair is derived from the ground truth (see `fit_score`).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

import pyarrow as pa

from recruit_core.data import synth_hard as hard
from recruit_core.data import synth_text as words
from recruit_core.data.demographics import PlantedBias, candidate_demographics
from recruit_core.data.taxonomy import Occupation, Taxonomy

RESUME_SCHEMA = pa.schema([("resume_id", pa.string()), ("text", pa.string())])
TRUTH_SCHEMA = pa.schema([
    ("resume_id", pa.string()), ("occupation", pa.string()), ("family", pa.string()),
    ("seniority", pa.string()), ("years", pa.int32()), ("skills", pa.list_(pa.string())),
    ("duplicate_of", pa.string()), ("has_skills_section", pa.bool_())])
JOB_SCHEMA = pa.schema([
    ("job_id", pa.string()), ("title", pa.string()), ("description", pa.string()),
    ("required_skills", pa.list_(pa.string())), ("preferred_skills", pa.list_(pa.string())),
    ("location", pa.string()), ("seniority", pa.string()), ("occupation", pa.string())])

# Fit label: a recruiter's judgement, reduced to the ground truth it rests on.
FIT_WEIGHTS = {"occupation": 0.45, "coverage": 0.40, "seniority": 0.15}
SAME_FAMILY_CREDIT = 0.4  # a neighbouring occupation is partly right (data engineer for backend)
FIT_THRESHOLD = 0.65  # same occupation with half the required skills and any seniority passes


@dataclass
class GeneratedResume:
    resume_id: str
    text: str
    occupation: str
    family: str
    seniority: str
    years: int
    skills: list[str]
    duplicate_of: str | None = None
    has_skills_section: bool = True
    bullets: list[str] = field(default_factory=list)


def resume_id(index: int) -> str:
    return f"R{index:09d}"


def resume_index(rid: str) -> int:
    """The pool index `resume_id` was made from: R000000042 -> 42."""
    return int(rid[1:])


def job_id(index: int) -> str:
    return f"J{index:06d}"


def _mention(rng: random.Random, taxonomy: Taxonomy, skill_id: str) -> str:
    skill = taxonomy.skills[skill_id]
    roll = rng.random()
    if skill.aliases and roll < 0.3:
        return rng.choice(skill.aliases)
    if roll > 0.93:
        return words.misspell(rng, skill.label)
    return skill.label


def _pick_skills(rng: random.Random, taxonomy: Taxonomy, occ: Occupation) -> list[str]:
    core = rng.sample(occ.core_skills, k=max(1, round(len(occ.core_skills) * rng.uniform(0.55, 0.95))))
    optional = rng.sample(occ.optional_skills, k=round(len(occ.optional_skills) * rng.uniform(0.1, 0.45)))
    neighbours = [o for o in taxonomy.occupations if o.family == occ.family and o.id != occ.id]
    borrowed = []
    if neighbours and rng.random() < 0.5:
        other = rng.choice(neighbours)
        borrowed = rng.sample(other.core_skills, k=min(len(other.core_skills), rng.randint(1, 3)))
    return list(dict.fromkeys(core + optional + borrowed))


def _planted_skill_loss(skills: list[str], bias: PlantedBias, seed: int, index: int) -> list[str]:
    """The skills a penalised resume still lists: a share drawn from its own stream, so the rest of
    the pool does not move (see recruit_core/data/demographics.py)."""
    rng = random.Random(f"bias:{seed}:{index}")
    kept = set(rng.sample(skills, k=max(1, round(len(skills) * bias.keep_skills))))
    return [s for s in skills if s in kept]


def _bullet(rng, taxonomy, occ, skill, is_hard):
    if is_hard and rng.random() < hard.IMPLIED_RATE:
        return rng.choice(("- ", "* ", "• ", "")) + hard.noisy(rng, hard.implied(rng, occ))
    template = rng.choice(occ.bullets) if occ.bullets else "Worked with {skill}."
    text = template.replace("{skill}", (hard.mention if is_hard else _mention)(rng, taxonomy, skill))
    text = hard.noisy(rng, text) if is_hard else text
    return rng.choice(("- ", "* ", "• ", "")) + text.replace("{n}", str(rng.randint(2, 95)))


def _experience(rng, taxonomy, occ, seniority, skills, n_jobs, bullets_per_job, is_hard=False):
    """(lines, skills used) of the work history, newest first. On the hard pool some people changed
    career: their older roles are in another occupation, and what they used there is not counted
    as theirs now (the truth is what the person offers for the occupation they hold). Older roles
    have fewer bullets."""
    lines, used = [], []
    year = 2026
    earlier = hard.earlier_occupation(rng, taxonomy, occ) if is_hard else None
    first_earlier = hard.first_earlier_role(n_jobs) if earlier else n_jobs
    for j in range(n_jobs):
        role = earlier if j >= first_earlier else occ
        span = rng.randint(1, 4)
        level = seniority if j == 0 else words.SENIORITY[max(0, words.SENIORITY.index(seniority) - j)]
        prefix = rng.choice(words.SENIORITY_PREFIX[level])
        title = rng.choice(hard.titles(role, hard.RESUME_SIDE) if is_hard else (role.title, *role.alt_titles))
        lines.append(f"{prefix} {title}".strip()
                     + f", {words.company(rng)} ({words.CITIES[rng.randrange(len(words.CITIES))]})"
                     f"  {year - span}-{'Present' if j == 0 else year}")
        year -= span
        for _ in range(hard.role_bullets(bullets_per_job, j) if is_hard else bullets_per_job):
            skill = rng.choice(skills if role is occ else role.core_skills)
            if role is occ:
                used.append(skill)
            lines.append(_bullet(rng, taxonomy, role, skill, is_hard))
        tasks = hard.duties(role, hard.RESUME_SIDE) if is_hard else role.tasks
        if tasks and rng.random() < 0.6:
            task = rng.choice(tasks)
            lines.append("- " + (hard.paraphrase(rng, task) if is_hard else task))
    return lines, used


def _headline(rng: random.Random, occ: Occupation, seniority: str, is_hard: bool) -> str:
    named = hard.titles(occ, hard.RESUME_SIDE) if is_hard else (occ.title, *occ.alt_titles)
    title = f"{rng.choice(words.SENIORITY_PREFIX[seniority])} {rng.choice(named)}".strip()
    if is_hard and rng.random() < hard.GENERIC_HEADLINE_RATE:
        return rng.choice(hard.GENERIC_HEADLINES)
    return title


def _summary(rng: random.Random, occ: Occupation, years: int, is_hard: bool) -> str:
    heading = words.heading(rng, "summary")
    title = rng.choice(hard.titles(occ, hard.RESUME_SIDE)) if is_hard else occ.title
    tasks = hard.duties(occ, hard.RESUME_SIDE) if is_hard else occ.tasks
    duty = rng.choice(tasks).rstrip(".") if tasks else occ.family
    duty = hard.paraphrase(rng, duty) if is_hard and occ.tasks else duty
    return f"{heading}\n{title} with {years} years of experience in {duty.lower()}."


def _skills_section(rng, taxonomy, occ, skills, is_hard) -> tuple[list[str], list[str]]:
    """(the section's lines, the skills it lists)."""
    listed = rng.sample(skills, k=len(skills))
    sep = rng.choice((", ", " | ", " · ", "\n- "))
    if not is_hard:
        return [words.heading(rng, "skills"), sep.join(_mention(rng, taxonomy, s) for s in listed)], listed
    listed = listed[:max(1, round(len(listed) * rng.uniform(*hard.LISTED_SHARE)))]
    written = [hard.mention(rng, taxonomy, s) for s in listed] + hard.keyword_stuffing(rng, taxonomy, occ)
    rng.shuffle(written)
    return [words.heading(rng, "skills"), sep.join(written)], listed


def generate_resume(taxonomy: Taxonomy, seed: int, index: int, no_skills_rate: float = 0.15,
                    near_duplicate_rate: float = 0.0, bias: PlantedBias | None = None,
                    difficulty: str = "hard") -> GeneratedResume:
    """The resume at `index` of the pool generated with `seed`; `bias` plants a known bias;
    `difficulty` is "hard" (recruit_core/data/synth_hard.py) or "easy"."""
    hard.check_difficulty(difficulty)
    is_hard = difficulty == "hard"
    rng = random.Random(f"resume:{seed}:{index}")
    if index > 0 and rng.random() < near_duplicate_rate:
        # the original as the pool has it, itself a copy now and then: duplicate_of names the row copied
        original = generate_resume(taxonomy, seed, rng.randrange(index), no_skills_rate,
                                   near_duplicate_rate, bias, difficulty)
        return _near_duplicate(rng, original, index)
    occ = rng.choice(taxonomy.occupations)
    seniority = rng.choices(words.SENIORITY, weights=(3, 4, 3, 1))[0]
    years = rng.randint(*words.SENIORITY_YEARS[seniority])
    skills = _pick_skills(rng, taxonomy, occ)
    if bias and bias.penalises(candidate_demographics(seed, index)):
        skills = _planted_skill_loss(skills, bias, seed, index)
    name = words.person_name(rng)
    length = rng.choices(("short", "normal", "long"), weights=(5, 88, 7))[0]
    roles, per_role = (hard.ROLES, hard.BULLETS) if is_hard else ((2, 4), (2, 5))
    n_jobs = {"short": 1, "normal": rng.randint(*roles), "long": rng.randint(6, 9)}[length]
    bullets = {"short": 1, "normal": rng.randint(*per_role), "long": rng.randint(6, 9)}[length]
    has_skills = length != "short" and rng.random() >= no_skills_rate
    experience, used = _experience(rng, taxonomy, occ, seniority, skills, n_jobs, bullets, is_hard)
    header = [name, _headline(rng, occ, seniority, is_hard),
              f"{words.email_for(rng, name)} | {words.phone_number(rng)} | {rng.choice(words.CITIES)}"]
    sections = {"experience": [words.heading(rng, "experience"), *experience],
                "education": [words.heading(rng, "education"),
                              f"{rng.choice(words.DEGREES)}, {rng.choice(words.UNIVERSITIES)}, "
                              f"{2026 - years - rng.randint(0, 3)}"]}
    if has_skills:
        sections["skills"], listed = _skills_section(rng, taxonomy, occ, skills, is_hard)
        used.extend(listed)
    if is_hard:
        sections["other"] = [rng.choice(hard.OTHER_HEADINGS), *hard.distractors(rng, taxonomy, occ)]
    order = [s for s in ("experience", "education", "skills") if s in sections]
    rng.shuffle(order)
    if is_hard:
        order = hard.section_order(rng, order)
    body = [_summary(rng, occ, years, is_hard)] if length != "short" else []
    text = "\n".join(header) + "\n\n" + "\n\n".join(body + ["\n".join(sections[s]) for s in order])
    return GeneratedResume(resume_id(index), text, occ.id, occ.family, seniority, years,
                           sorted(set(used)), None, has_skills, experience)


def _near_duplicate(rng: random.Random, original: GeneratedResume, index: int) -> GeneratedResume:
    """The same person sent twice: a new phone number, one bullet dropped, whitespace changed."""
    lines = original.text.split("\n")
    header = lines[2].split(" | ")
    if len(header) == 3:
        lines[2] = " | ".join((header[0], words.phone_number(rng), header[2]))
    droppable = [i for i, line in enumerate(lines) if line.startswith(("- ", "* ", "• "))]
    if len(droppable) > 2:
        del lines[rng.choice(droppable)]
    text = "\n".join(lines).replace("\n\n", "\n \n") if rng.random() < 0.5 else "\n".join(lines)
    return GeneratedResume(resume_id(index), text, original.occupation, original.family,
                           original.seniority, original.years, original.skills,
                           original.resume_id, original.has_skills_section)


def resume_tables(taxonomy: Taxonomy, seed: int, start: int, stop: int, no_skills_rate: float,
                  near_duplicate_rate: float, bias: PlantedBias | None = None,
                  difficulty: str = "hard") -> tuple[pa.Table, pa.Table]:
    """(resumes, truth) Arrow tables for rows [start, stop) of the pool."""
    rows = [generate_resume(taxonomy, seed, i, no_skills_rate, near_duplicate_rate, bias, difficulty)
            for i in range(start, stop)]
    resumes = pa.table({"resume_id": [r.resume_id for r in rows], "text": [r.text for r in rows]},
                       schema=RESUME_SCHEMA)
    truth = pa.table({
        "resume_id": [r.resume_id for r in rows], "occupation": [r.occupation for r in rows],
        "family": [r.family for r in rows], "seniority": [r.seniority for r in rows],
        "years": [r.years for r in rows], "skills": [r.skills for r in rows],
        "duplicate_of": [r.duplicate_of for r in rows],
        "has_skills_section": [r.has_skills_section for r in rows]}, schema=TRUTH_SCHEMA)
    return resumes, truth


def generate_job(taxonomy: Taxonomy, seed: int, index: int, difficulty: str = "hard") -> dict:
    """The requisition at `index`; with `difficulty="hard"` worded as in recruit_core/data/synth_hard.py."""
    hard.check_difficulty(difficulty)
    rng = random.Random(f"job:{seed}:{index}")
    occupations = taxonomy.occupations
    # Cycle through occupations first so every one has open jobs, then draw at random.
    occ = occupations[index] if index < len(occupations) else rng.choice(occupations)
    seniority = rng.choices(words.SENIORITY, weights=(2, 4, 3, 1))[0]
    required = rng.sample(occ.core_skills, k=min(len(occ.core_skills), rng.randint(5, 8)))
    preferred = rng.sample(occ.optional_skills, k=min(len(occ.optional_skills), rng.randint(3, 5)))
    prefix = rng.choice(words.SENIORITY_PREFIX[seniority])
    is_hard = difficulty == "hard"
    titles = hard.titles(occ, hard.POSTING_SIDE) if is_hard else (occ.title, occ.title, *occ.alt_titles)
    title = f"{prefix} {rng.choice(titles)}".strip()
    low, high = words.SENIORITY_YEARS[seniority]
    label = taxonomy.label
    duties = hard.duties(occ, hard.POSTING_SIDE) if is_hard else occ.tasks
    tasks = rng.sample(duties, k=min(len(duties), rng.randint(3, 5)))
    if is_hard:
        description = hard.job_description(rng, taxonomy, occ, title, low, tasks, required, preferred)
    else:
        description = "\n".join([
            f"{words.company(rng)} is hiring {words.article(title)} {title}.", "", "What you will do:",
            *[f"- {t}" for t in tasks], "", "What you bring:",
            f"- {low}+ years of experience as {words.article(occ.title)} {occ.title.lower()} or similar",
            *[f"- {label(s)}" for s in required], "", "Nice to have:", *[f"- {label(s)}" for s in preferred]])
    return {"job_id": job_id(index), "title": title, "description": description,
            "required_skills": required, "preferred_skills": preferred,
            "location": rng.choice(words.CITIES), "seniority": seniority, "occupation": occ.id}


def job_table(taxonomy: Taxonomy, seed: int, n_jobs: int, difficulty: str = "hard") -> pa.Table:
    return pa.Table.from_pylist([generate_job(taxonomy, seed, i, difficulty) for i in range(n_jobs)],
                                schema=JOB_SCHEMA)


def fit_score(taxonomy: Taxonomy, resume: dict, job: dict) -> float:
    """0.45*occupation + 0.40*required-skill coverage + 0.15*seniority closeness, in [0, 1].

    occupation: 1 for the job's occupation, 0.4 for another in its family, else 0;
    coverage: share of the job's required skills in the resume's true skills;
    seniority: 1 - |level difference| / 2, floored at 0 (junior..lead are levels 0..3).
    """
    if resume["occupation"] == job["occupation"]:
        occupation = 1.0
    elif resume["family"] == taxonomy.occupation(job["occupation"]).family:
        occupation = SAME_FAMILY_CREDIT
    else:
        occupation = 0.0
    required = set(job["required_skills"])
    coverage = len(required & set(resume["skills"])) / max(1, len(required))
    gap = abs(words.SENIORITY.index(resume["seniority"]) - words.SENIORITY.index(job["seniority"]))
    seniority = max(0.0, 1.0 - gap / 2)
    return (FIT_WEIGHTS["occupation"] * occupation + FIT_WEIGHTS["coverage"] * coverage
            + FIT_WEIGHTS["seniority"] * seniority)


def is_fit(taxonomy: Taxonomy, resume: dict, job: dict) -> bool:
    return fit_score(taxonomy, resume, job) >= FIT_THRESHOLD
