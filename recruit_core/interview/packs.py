"""Interview questions for one shortlisted (job, resume) pair: what to ask, why, and how to judge it.

    .venv/bin/python ray_jobs/interview_pack.py experiment=smoke     # packs for every shortlisted pair

`propose_questions` turns a `Gap` into candidate questions: probes of missing required and preferred
skills, a seniority probe, checks of the strongest claimed required skills, and behavioural
questions on the job's tasks. Each comes with a rubric (what a weak, adequate and strong answer
shows) built from templates per skill kind, and the reason it was chosen. `select_questions` then
ranks them by question type and by relevance to the job description, and keeps
`questions_min..questions_max`; `build_pack` does all of it for one pair. With interview feedback
(`recruit feedback`, recruit_core/interview/feedback.py), questions judged not to discriminate are
ranked down first (`demote`). Every question has a stable `question_id` from its kind, skill and
template wording, so feedback on one question asked of many candidates adds up.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Callable

from recruit_core.data.synth_text import SENIORITY
from recruit_core.data.taxonomy import Taxonomy
from recruit_core.interview.wording import TEMPLATES, QuestionGenerator, pick, third_person
from recruit_core.text.gaps import Gap, analyse_gap
from recruit_core.text.skills import SkillExtractor

# Question types in the order an interviewer should care about them.
QUESTION_KINDS = ("gap_required", "verify", "seniority", "gap_preferred", "behavioural", "general")


@dataclass(frozen=True)
class Facet:
    """How a kind of skill shows in practice; every rubric of that kind is written from these."""

    noun: str  # what a comparable alternative is called
    artifact: str  # something the candidate made with the skill
    depth: str  # what understanding beyond everyday use looks like
    pitfall: str  # a hard moment that separates users from experts


FACETS = {
    "language": Facet("programming language", "a program or service you wrote in {skill}",
                      "typing, memory use, concurrency and testing in {skill}",
                      "a hard bug in {skill} code"),
    "framework": Facet("framework", "an application you built on {skill}",
                       "how {skill} is structured (lifecycle, extension points) and where it stops helping",
                       "an upgrade or a limit of {skill} that got in the way"),
    "tool": Facet("tool", "a workflow you set up with {skill}",
                  "configuring, automating and integrating {skill} with other tools",
                  "a time {skill} failed or was misused"),
    "cloud": Facet("cloud platform", "a system you deployed on {skill}",
                   "cost, access control, networking and reliability on {skill}",
                   "an outage or a cost overrun on {skill}"),
    "database": Facet("database", "a data model you designed in {skill}",
                      "indexing, query plans, transactions and scaling in {skill}",
                      "a slow query or a data-integrity problem in {skill}"),
    "method": Facet("method", "a project where you applied {skill}",
                    "the fit of {skill} to the team and the problem",
                    "a time {skill} was not working and what you changed"),
    "domain": Facet("area of expertise", "work that depended on {skill}",
                    "the rules, terms and risks of {skill}",
                    "a decision where knowing {skill} changed the outcome"),
    "certification": Facet("certification", "how you use what {skill} covers in your work",
                           "the requirements of {skill} and the reasons behind them",
                           "a situation where the {skill} standard was hard to apply"),
    "soft": Facet("skill", "a situation that tested your {skill}",
                  "adapting your {skill} to different people and pressures",
                  "a time your {skill} fell short and what you learned"),
}
DEFAULT_KIND = "tool"  # O*NET technology skills carry no kind; most are tools

# What each level is expected to own; a seniority probe asks for evidence of the job's level.
LEVEL_SCOPE = {"junior": "delivering well-defined tasks reliably and asking for help early",
               "mid": "owning features end to end without close supervision",
               "senior": "leading projects across a team, making design decisions and mentoring others",
               "lead": "setting direction for several people or teams, and hiring and growing them"}

# Type priorities differ by 0.4-1.0, about the spread of all-MiniLM-L6-v2 cosines between interview
# questions and a job description, so relevance reorders questions within a type and lets only a
# clearly more relevant question pass one of the type above.
PRIORITY = {"gap_required": 5.0, "verify": 4.0, "seniority": 3.6, "gap_preferred": 3.0,
            "behavioural": 2.5, "general": 0.0}
EVIDENCE_BONUS, EVIDENCE_CAP = 0.1, 3  # more mentions, more to verify; beyond 3 they are a list
SENIORITY_BONUS = 0.5  # two levels below is a bigger risk than one
POSTED_TASK_BONUS = 0.3  # the posting's own tasks before the occupation's other tasks


GENERAL_QUESTIONS = (
    ("Tell me about a time you had to learn a new tool or subject quickly to deliver your work.",
     "learning quickly"),
    ("Describe a disagreement with a colleague about how to do the work. How was it resolved?",
     "working through disagreement"),
    ("Tell me about a mistake you made at work, how you found it and what you changed afterwards.",
     "owning mistakes"),
)


@dataclass(frozen=True)
class Question:
    kind: str
    skill_id: str
    question: str
    rubric_weak: str
    rubric_adequate: str
    rubric_strong: str
    reason: str
    priority: float  # from the question type and the evidence behind it; ranking adds relevance
    relevance: float = 0.0
    question_id: str = ""  # `stable_id` of the template wording; set on the questions a pack keeps


def content_id(kind: str, skill_id: str, wording: str) -> str:
    """12 hex characters of sha256(kind, skill, wording): the same for every candidate asked it."""
    return hashlib.sha256("\x1f".join((kind, skill_id or "", wording)).encode()).hexdigest()[:12]


def stable_id(question: Question) -> str:
    """The question's `content_id`, from its template wording (call it before any rewording)."""
    return content_id(question.kind, question.skill_id, question.question)


def _facet(taxonomy: Taxonomy, skill_id: str) -> tuple[str, Facet]:
    skill = taxonomy.skills.get(skill_id)
    label = skill.label if skill else skill_id
    return label, FACETS.get(skill.kind if skill else DEFAULT_KIND, FACETS[DEFAULT_KIND])


def _fill(text: str, label: str, facet: Facet, **extra: str) -> str:
    values = {"artifact": facet.artifact, "depth": facet.depth, "pitfall": facet.pitfall}
    values = {k: v.replace("{skill}", label) for k, v in values.items()}
    return text.format(skill=label, noun=facet.noun, **values, **extra)


def _rubric(text: str, label: str, facet: Facet) -> str:
    """A rubric line about the candidate: the facet's question phrasing put in the third person."""
    return third_person(_fill(text, label, facet))


def gap_question(taxonomy: Taxonomy, job_id: str, skill_id: str, required: bool) -> Question:
    label, facet = _facet(taxonomy, skill_id)
    kind = "gap_required" if required else "gap_preferred"
    weak = "Has not used {skill} or any comparable {noun}, and has no concrete plan to learn it."
    adequate = ("Has used a comparable {noun}, maps its ideas onto {skill} correctly and names what "
                "they would learn first.")
    strong = ("Has first-hand {skill} experience missing from the resume and gives specifics on "
              "{depth}, or shows with an example how they learned a comparable {noun} fast.")
    return Question(kind, skill_id, _fill(pick(TEMPLATES[kind], job_id, skill_id), label, facet),
                    _rubric(weak, label, facet), _rubric(adequate, label, facet), _rubric(strong, label, facet),
                    f"{'required' if required else 'preferred'} skill '{label}' not found in the resume",
                    PRIORITY[kind])


def verify_question(taxonomy: Taxonomy, job_id: str, skill_id: str,
                    evidence: list[tuple[int, int, str]]) -> Question:
    label, facet = _facet(taxonomy, skill_id)
    weak = "Talks about {skill} in general terms; cannot describe {artifact} or their own part in it."
    adequate = "Describes {artifact} with their own decisions and explains {depth} correctly for everyday use."
    strong = ("Gives first-hand detail on {depth}, weighs alternatives to {skill}, and describes "
              "{pitfall} with the fix and what changed afterwards.")
    reason = f"required skill '{label}' claimed in the resume"
    if evidence:
        times = f"{len(evidence)} time{'s' if len(evidence) > 1 else ''}"
        reason = (f"required skill '{label}' claimed {times} "
                  f"(first as '{evidence[0][2]}' at character {evidence[0][0]})")
    return Question("verify", skill_id, _fill(pick(TEMPLATES["verify"], job_id, skill_id), label, facet),
                    _rubric(weak, label, facet), _rubric(adequate, label, facet), _rubric(strong, label, facet),
                    reason,
                    PRIORITY["verify"] + EVIDENCE_BONUS * min(len(evidence), EVIDENCE_CAP))


def seniority_question(job_level: str, resume_level: str, levels_apart: int) -> Question:
    scope = LEVEL_SCOPE[job_level]
    return Question(
        "seniority", "", TEMPLATES["seniority"][0].format(level=job_level, scope=scope),
        f"Examples are tasks others scoped for them; nothing shows {scope}.",
        f"One credible, specific example of {scope}.",
        f"Several examples of {scope}, with measurable outcomes and how they grew the people around them.",
        f"job is {job_level}; the resume reads as {resume_level} "
        f"({levels_apart} level{'s' if levels_apart > 1 else ''} below)",
        PRIORITY["seniority"] + SENIORITY_BONUS * (levels_apart - 1))


def behavioural_question(job_id: str, task: str, in_posting: bool) -> Question:
    phrase = task.strip().rstrip(".")
    phrase = phrase[:1].lower() + phrase[1:]
    return Question(
        "behavioural", "", pick(TEMPLATES["behavioural"], job_id, task).format(task=phrase),
        f"Speaks about how one would {phrase} in general; no own example, or their role and the result stay unclear.",
        f"A specific example of having to {phrase}: the situation, their own actions and the result.",
        "A specific example with a measurable result, the trade-offs they weighed, how they worked "
        "with others, and what they would do differently.",
        f"job task{' listed in the posting' if in_posting else ' of the occupation'}: '{task.strip()}'",
        PRIORITY["behavioural"] + (POSTED_TASK_BONUS if in_posting else 0.0))


def general_question(index: int) -> Question:
    text, topic = GENERAL_QUESTIONS[index % len(GENERAL_QUESTIONS)]
    return Question("general", "", text,
                    f"No specific example of {topic}; answers stay hypothetical.",
                    f"A specific example of {topic} with their own actions and the outcome.",
                    f"A specific example of {topic} with a measurable outcome and a lesson they now apply.",
                    "fills the interview to its minimum length when the gaps and tasks give too few",
                    PRIORITY["general"])


def propose_questions(taxonomy: Taxonomy, job: dict, gap: Gap) -> list[Question]:
    """Every question worth asking for this pair, before ranking (more than an interview needs)."""
    questions = [gap_question(taxonomy, job["job_id"], s, True) for s in gap.required_missing]
    questions += [gap_question(taxonomy, job["job_id"], s, False) for s in gap.preferred_missing]
    job_level, resume_level = job.get("seniority"), gap.resume_seniority
    if gap.seniority_gap > 0 and job_level in LEVEL_SCOPE and resume_level in SENIORITY:
        questions.append(seniority_question(job_level, resume_level, gap.seniority_gap))
    questions += [verify_question(taxonomy, job["job_id"], s, gap.evidence.get(s, []))
                  for s in gap.required_matched]
    description = job.get("description", "")
    for task in _occupation_tasks(taxonomy, job.get("occupation", "")):
        questions.append(behavioural_question(job["job_id"], task, task.strip() in description))
    return questions


def _occupation_tasks(taxonomy: Taxonomy, occupation_id: str) -> tuple[str, ...]:
    try:
        return taxonomy.occupation(occupation_id).tasks
    except KeyError:
        return ()


# At most this many of each type, so one long list of gaps cannot crowd out the rest.
QUOTA = {"gap_required": 3, "gap_preferred": 2, "seniority": 1, "verify": 3, "behavioural": 2,
         "general": len(GENERAL_QUESTIONS)}
RELEVANCE_WEIGHT = 1.0  # see PRIORITY: one cosine unit is worth about one step between types


def _rank_key(question: Question) -> tuple:
    """Best first; ties broken by type, skill and wording, so the order never depends on input order."""
    return (-(question.priority + RELEVANCE_WEIGHT * question.relevance),
            QUESTION_KINDS.index(question.kind), question.skill_id, question.question)


def rank_questions(questions: list[Question], relevance: list[float]) -> list[Question]:
    scored = [replace(q, relevance=float(r)) for q, r in zip(questions, relevance, strict=True)]
    return sorted(scored, key=_rank_key)


def select_questions(ranked: list[Question], questions_min: int, questions_max: int,
                     demote: Callable[[Question], float] | None = None) -> list[Question]:
    """The best `questions_max` within each type's quota, topped up past the quotas and then with
    general questions to reach `questions_min`; `ranked` is best first, and so is the result.
    `demote(question) -> priority to take off` (feedback.Demotion: questions that did not
    discriminate) re-ranks first; it reads only the question, so packs stay deterministic."""
    if demote is not None:
        ranked = sorted((replace(q, priority=q.priority - demote(q)) for q in ranked), key=_rank_key)
    chosen, used = [], dict.fromkeys(QUOTA, 0)
    for question in ranked:
        if len(chosen) < questions_max and used[question.kind] < QUOTA[question.kind]:
            chosen.append(question)
            used[question.kind] += 1
    chosen += [q for q in ranked if q not in chosen][:max(0, questions_min - len(chosen))]
    asked = {q.question for q in chosen}
    fillers = [q for q in map(general_question, range(len(GENERAL_QUESTIONS))) if q.question not in asked]
    if demote is not None:
        fillers = sorted((replace(q, priority=q.priority - demote(q)) for q in fillers), key=_rank_key)
    chosen += fillers[:max(0, questions_min - len(chosen))]
    return sorted(chosen, key=_rank_key)


def build_pack(taxonomy: Taxonomy, extractor: SkillExtractor, job: dict, resume_text: str,
               relevance, generator: QuestionGenerator, questions_min: int,
               questions_max: int, demote: Callable[[Question], float] | None = None,
               ) -> tuple[Gap, list[Question]]:
    """The gap and the ranked, phrased questions for one pair.

    `relevance(job_description, texts) -> list[float]` scores the template wording (see
    `generators.EncoderRelevance`); only the chosen questions are then phrased by `generator`,
    each keeping the `question_id` of its template wording. `demote`: see `select_questions`.
    """
    gap = analyse_gap(job, extractor.extract(resume_text), resume_text=resume_text)
    proposed = propose_questions(taxonomy, job, gap)
    scores = relevance(job.get("description", ""), [q.question for q in proposed])
    chosen = select_questions(rank_questions(proposed, scores), questions_min, questions_max, demote)
    wording = generator.phrase(job, [q.question for q in chosen])
    return gap, [replace(q, question=text, question_id=stable_id(q))
                 for q, text in zip(chosen, wording, strict=True)]
