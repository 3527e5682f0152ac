"""What makes the hard synthetic pool (`data.difficulty=hard`, the default) read like real resumes and postings.

    python ray_jobs/generate.py                          # hard pool
    python ray_jobs/generate.py data.difficulty=easy     # skills named by label, tasks copied verbatim

Real resumes and postings rarely share their words: a candidate describes what they did instead of
naming a skill, a posting and a person name the same skill and the same role differently, they
describe different duties of it, and resumes run long, with earlier careers and other occupations'
tools in passing (a course, a hobby, a padded skills list). So on the hard pool a resume and a
posting draw titles, duties and skill names from disjoint halves of the taxonomy's wordings
(`RESUME_SIDE`, `POSTING_SIDE`): only their meaning is shared. Postings are laid out as the real
benchmark's are (responsibilities, minimum and preferred qualifications). On the easy pool a bag
of words ranks almost every job's fits first; `python bench/synthetic_vs_real.py` measures both
pools beside the real benchmark. Every helper draws only from the `random.Random` it is given, so
the pool stays a pure function of (seed, index).
"""
from __future__ import annotations

import random
import re

from recruit_core.data import synth_text as words
from recruit_core.data.taxonomy import Occupation, Taxonomy

DIFFICULTIES = ("hard", "easy")
# Shares of the hard pool. They were set by looking at the method order that
# `python bench/synthetic_vs_real.py` prints beside the real benchmark's (README, "Synthetic vs real").
IMPLIED_RATE = 0.8  # an experience bullet that describes the work without naming its skill
TYPO_RATE = 0.08  # a named skill with a typo
GENERIC_HEADLINE_RATE = 0.15  # a resume headline that names no occupation
PARAPHRASE_RATE = 1.0  # words of a duty replaced by a synonym, where the table has one
CAREER_CHANGE_RATE = 0.7  # earlier roles in another occupation: lexically, part of a resume is off-target
# Of a career changer's roles, the older ones in the earlier occupation (rounded down); the latest
# stay in the one they hold, so as on real resumes the words that recur through a resume are those of
# its field: with all but the latest role elsewhere, BM25 ranked ahead of TF-IDF, the reverse of real data.
EARLIER_SHARE = 0.6
STUFFING_RATE = 0.9  # a skills section padded with the skills of neighbouring occupations (10-25)
EXPERIENCE_FIRST_RATE = 0.7  # the rest keep the order shuffled as on the easy pool
LISTED_SHARE = (0.3, 0.8)  # of a person's skills, the share their skills section lists
# Roles and bullets of the latest role of a resume of normal length; each older role is written with
# one bullet fewer than the one after it, down to MIN_BULLETS, as people write about old jobs.
# A median near 600 words (livecareer's is 760); the easy pool keeps (2, 4) and (2, 5) flat, ~380.
ROLES = (5, 9)
BULLETS = (6, 9)
MIN_BULLETS = 2
# Which of an occupation's wordings (titles, duties, a skill's label and aliases) each side uses:
# every other one, so a resume and a posting about the same role share no title, duty or skill name.
RESUME_SIDE, POSTING_SIDE = 0, 1

# Duty vocabulary and the words people use instead; both directions are drawn, so a posting
# and a resume describing the same duty rarely use the same verbs.
_SYNONYM_GROUPS = (
    ("design", "plan", "architect", "shape"), ("build", "develop", "create", "put together"),
    ("maintain", "support", "look after", "keep running"), ("manage", "oversee", "run", "own"),
    ("prepare", "draft", "produce", "compile"), ("analyze", "examine", "assess", "evaluate"),
    ("review", "check", "audit", "go over"), ("improve", "enhance", "strengthen", "raise"),
    ("ensure", "make sure", "guarantee"), ("coordinate", "organise", "align", "arrange"),
    ("collaborate", "partner", "work closely"), ("conduct", "carry out", "perform", "run"),
    ("monitor", "track", "watch", "follow"), ("implement", "roll out", "put in place", "deploy"),
    ("provide", "deliver", "offer", "give"), ("lead", "head", "drive", "steer"),
    ("write", "author", "draft"), ("identify", "spot", "find", "pinpoint"),
    ("resolve", "fix", "solve", "settle"), ("train", "coach", "teach", "mentor"),
    ("customers", "clients", "users"), ("clients", "customers", "accounts"),
    ("reports", "summaries", "write-ups"), ("stakeholders", "partners", "business owners"),
    ("team", "group", "crew"), ("teams", "groups", "departments"),
    ("requirements", "needs", "specifications"), ("processes", "workflows", "procedures"),
    ("performance", "results", "outcomes"), ("issues", "problems", "defects"),
    ("plans", "roadmaps", "schedules"), ("data", "figures", "records"),
    ("optimize", "tune", "streamline"), ("define", "set", "establish"),
    ("create", "produce", "make"), ("develop", "build", "grow"), ("use", "rely on", "apply"),
    ("support", "help", "back", "assist"), ("track", "monitor", "log", "follow up on"),
    ("test", "try out", "validate", "verify"), ("plan", "schedule", "map out"),
    ("customer", "client", "buyer"), ("report", "summary", "update"), ("document", "record", "write up"),
    ("records", "files", "logs"), ("documentation", "docs", "written guides"),
    ("services", "offerings", "systems"), ("metrics", "KPIs", "measures", "numbers"),
    ("quality", "standard", "accuracy"), ("system", "platform", "setup"), ("process", "workflow", "routine"),
    ("code", "software", "source"), ("standards", "guidelines", "norms"), ("managers", "leads", "supervisors"),
    ("applications", "apps", "programs"), ("evaluate", "assess", "judge", "weigh"),
    ("deliver", "ship", "hand over", "provide"), ("progress", "status", "headway"),
    ("reviews", "check-ins", "assessments"), ("systems", "platforms", "tools"),
    ("research", "study", "investigation"), ("findings", "conclusions", "results"),
    ("respond", "reply", "react"), ("budgets", "spending plans", "funds"), ("advise", "counsel", "guide"),
    ("procedures", "protocols", "routines"), ("investigate", "look into", "probe", "examine"),
    ("campaigns", "drives", "pushes"), ("programs", "initiatives", "schemes"),
    ("patients", "people in care", "service users"), ("policies", "rules", "guidelines"),
    ("perform", "carry out", "do"), ("vendors", "suppliers", "providers"), ("results", "outcomes", "numbers"),
    ("opportunities", "openings", "leads"), ("negotiate", "agree", "bargain over"),
    ("goals", "targets", "objectives"), ("administer", "run", "handle"), ("orders", "requests", "purchases"),
    ("safety", "wellbeing", "protection"), ("suppliers", "vendors", "partners"),
    ("project", "initiative", "engagement"), ("enforce", "uphold", "apply"),
    ("automate", "script", "mechanise"), ("deployment", "rollout", "release"),
    ("features", "functions", "capabilities"), ("troubleshoot", "diagnose", "debug"),
    ("release", "launch", "ship"), ("measure", "quantify", "gauge"), ("products", "offerings", "goods"),
    ("configure", "set up", "tune"), ("datasets", "data sets", "tables"), ("control", "govern", "check"),
    ("with", "alongside", "together with"), ("business", "company", "organisation"),
    ("management", "oversight", "administration"), ("production", "live", "operations"),
)
SYNONYMS = {group[0]: group[1:] for group in _SYNONYM_GROUPS}
_WORD = re.compile(r"[A-Za-z][a-z]+(?:-[a-z]+)?")

_IMPLIED_LEADS = ("Day to day: ", "Main duties: ", "Responsible to ", "Hands-on work to ",
                  "Was asked to ", "Key responsibility: ")
_DISTRACTOR_LINES = ("Completed an introductory online course in {skill}.",
                     "Volunteer: helped a local charity with {skill}.",
                     "Interests: {skill}, hiking and chess.",
                     "Attended a weekend workshop on {skill}.",
                     "Side project: tried out {skill} for a friend's small business.")
OTHER_HEADINGS = ("Other", "Courses & Interests", "Additional Information", "ACTIVITIES")
GENERIC_HEADLINES = ("Experienced professional", "Open to new opportunities", "Curriculum Vitae",
                     "Results-driven team player", "Resume", "Motivated self-starter")
_JOB_SKILL_LINES = ("- {skill}", "- Experience with {skill}", "- Hands-on {skill}",
                    "- Working knowledge of {skill}", "- Comfortable using {skill}")
def check_difficulty(difficulty: str) -> None:
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"data.difficulty={difficulty!r}: use hard or easy")


def _match_case(original: str, replacement: str) -> str:
    return replacement[:1].upper() + replacement[1:] if original[:1].isupper() else replacement


def paraphrase(rng: random.Random, sentence: str, rate: float = PARAPHRASE_RATE) -> str:
    """`sentence` with some words replaced by a synonym from SYNONYMS (case of the first letter kept)."""
    def swap(match: re.Match) -> str:
        word = match.group(0)
        options = SYNONYMS.get(word.lower())
        if not options or rng.random() >= rate:
            return word
        return _match_case(word, rng.choice(options))
    return _WORD.sub(swap, sentence)


def wordings(values, side: int) -> tuple:
    """The wordings of `values` that `side` (RESUME_SIDE or POSTING_SIDE) uses: every other one,
    all of them when there are too few to split."""
    return tuple(values[side::2]) or tuple(values)


def titles(occ: Occupation, side: int) -> tuple[str, ...]:
    return wordings((occ.title, *occ.alt_titles), side)


def duties(occ: Occupation, side: int) -> tuple[str, ...]:
    return wordings(occ.tasks, side)


def implied(rng: random.Random, occ: Occupation) -> str:
    """A bullet that shows a skill by the work it was used for: one of the occupation's duties
    (a resume's half of them), reworded."""
    tasks = duties(occ, RESUME_SIDE)
    duty = paraphrase(rng, rng.choice(tasks)) if tasks else f"deliver {occ.family} work"
    lead = rng.choice(_IMPLIED_LEADS)
    return lead + (duty if lead.endswith(": ") else duty[:1].lower() + duty[1:])


def mention(rng: random.Random, taxonomy: Taxonomy, skill_id: str, side: int = RESUME_SIDE) -> str:
    """A skill named as `side` writes it: one of its side's wordings (the label or an alias),
    sometimes with a typo or in lower case."""
    skill = taxonomy.skills[skill_id]
    written = rng.choice(wordings((skill.label, *skill.aliases), side))
    if rng.random() < TYPO_RATE:
        return words.misspell(rng, written)
    return written.lower() if rng.random() < 0.15 else written


def distractors(rng: random.Random, taxonomy: Taxonomy, occ: Occupation) -> list[str]:
    """One to three lines naming skills of occupations in other families, in passing; the
    person does not have them, so they stay out of the truth table."""
    strangers = [o for o in taxonomy.occupations if o.family != occ.family and o.core_skills]
    lines = []
    for _ in range(rng.randint(1, 3)):
        skill = rng.choice(rng.choice(strangers).core_skills)
        lines.append(rng.choice(_DISTRACTOR_LINES).replace("{skill}", taxonomy.label(skill)))
    return lines


def earlier_occupation(rng: random.Random, taxonomy: Taxonomy, occ: Occupation) -> Occupation | None:
    """The occupation of a career changer's older roles, or None for the others: half of the
    changers move within their family (tester to developer), half come from another one."""
    if rng.random() >= CAREER_CHANGE_RATE:
        return None
    same_family = rng.random() < 0.5
    others = [o for o in taxonomy.occupations if o.id != occ.id and (o.family == occ.family) == same_family]
    return rng.choice(others or [o for o in taxonomy.occupations if o.id != occ.id])


def first_earlier_role(n_roles: int) -> int:
    """Index (0 = latest) of a career changer's first role in their earlier occupation: the older
    EARLIER_SHARE of their roles, rounded down; never the latest (a single role stays in the held one)."""
    return max(1, n_roles - int(n_roles * EARLIER_SHARE))


def role_bullets(latest: int, age: int) -> int:
    """Bullets of the role `age` roles before the latest one, which has `latest`."""
    return max(min(MIN_BULLETS, latest), latest - age)


def keyword_stuffing(rng: random.Random, taxonomy: Taxonomy, occ: Occupation) -> list[str]:
    """Skill names a keyword stuffer adds to their list to pass the filters of the jobs they want
    (their family's), none for the others: they do not have them, so they stay out of the truth."""
    if rng.random() >= STUFFING_RATE:
        return []
    family = sorted({s for o in taxonomy.occupations if o.family == occ.family and o.id != occ.id
                     for s in (*o.core_skills, *o.optional_skills)})
    return [taxonomy.label(s) for s in rng.sample(family, k=min(len(family), rng.randint(10, 25)))]


def section_order(rng: random.Random, shuffled: list[str]) -> list[str]:
    """Most people put their work history first and courses and interests last; some do not."""
    if rng.random() < EXPERIENCE_FIRST_RATE:
        shuffled = ["experience", *(s for s in shuffled if s != "experience")]
    return [*shuffled, "other"]


def noisy(rng: random.Random, line: str) -> str:
    """A line as people type it: now and then a typo in a longer word, lower case, or a double space."""
    roll = rng.random()
    if roll < 0.08:
        tokens = line.split(" ")
        long_ones = [i for i, t in enumerate(tokens) if len(t) >= 6 and t.isalpha()]
        if long_ones:
            i = rng.choice(long_ones)
            tokens[i] = words.misspell(rng, tokens[i])
        return " ".join(tokens)
    if roll < 0.13:
        return line.lower()
    if roll < 0.17:
        return line.replace(" ", "  ", 1)
    return line


def job_description(rng: random.Random, taxonomy: Taxonomy, occ: Occupation, title: str,
                    low_years: int, duties: list[str], required: list[str], preferred: list[str]) -> str:
    """A posting laid out as the real benchmark's: responsibilities (reworded duties and a
    neighbouring team), minimum and preferred qualifications (skills by the posting's wordings)."""
    neighbours = [o for o in taxonomy.occupations if o.family == occ.family and o.id != occ.id]
    team = rng.choice(neighbours or taxonomy.occupations).title.lower()
    return "\n".join([
        f"We are looking for {words.article(title)} {title}.", "", "Responsibilities:",
        *[f"- {paraphrase(rng, d)}" for d in duties], f"- Work closely with our {team}s", "",
        "Minimum qualifications:", f"- {low_years}+ years in a similar role",
        *[rng.choice(_JOB_SKILL_LINES).replace("{skill}", mention(rng, taxonomy, s, POSTING_SIDE))
          for s in required],
        "", "Preferred qualifications:", *[f"- {mention(rng, taxonomy, s, POSTING_SIDE)}" for s in preferred]])
