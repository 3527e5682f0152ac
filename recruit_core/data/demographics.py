"""Self-reported demographics of the synthetic candidates, and a bias planted on purpose.

    python ray_jobs/generate.py data.demographics=true                           # <pool>/demographics/
    python ray_jobs/generate.py data.demographics=true data.bias_against=sex:Female

The table (`resume_id, sex, race_ethnicity`) stands for a voluntary self-identification form: it is
drawn independently of everything in the resume, is never written into a resume's text and is read
by one job only, the bias audit (`ray_jobs/audit.py`). Like a real form it has gaps: some candidates
never answer it (no row), others answer "Declined" for one question.

The planted bias is the test the audit must pass: resumes of the penalised group list only
`data.bias_keep_skills` of the skills the same person would otherwise list (the skills are dropped
from the resume's truth too, so the fit labels agree with the text). Nothing else differs, and
every other resume is byte for byte the one an unbiased pool holds. The scorer reads fewer of the
requisitions' skills in those resumes and ranks them lower: the bias flows through the real model.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import pyarrow as pa

DEMOGRAPHICS_SCHEMA = pa.schema([("resume_id", pa.string()), ("sex", pa.string()),
                                 ("race_ethnicity", pa.string())])
DECLINED = "Declined"
# Assumed shares, not measured: close to a US applicant pool, with one category under the 2% a
# bias audit may exclude (Nonbinary) so that the exclusion rule has something to act on.
SEX_SHARES = {"Female": 0.475, "Male": 0.51, "Nonbinary": 0.015}
# The EEO-1 race/ethnicity categories, in roughly the US labour force's proportions (assumed).
RACE_SHARES = {"White": 0.58, "Hispanic or Latino": 0.18, "Black or African American": 0.12,
               "Asian": 0.065, "Two or More Races": 0.035, "American Indian or Alaska Native": 0.012,
               "Native Hawaiian or Other Pacific Islander": 0.008}
# Assumed gaps of a voluntary form: who never answers it (no row) and who declines one question.
NO_RECORD_RATE = 0.05
SEX_DECLINED_RATE = 0.04
RACE_DECLINED_RATE = 0.09
ATTRIBUTES = {"sex": SEX_SHARES, "race_ethnicity": RACE_SHARES}


@dataclass(frozen=True)
class Demographics:
    answered: bool  # False: the candidate never filled in the form, so the table has no row
    sex: str
    race_ethnicity: str


@dataclass(frozen=True)
class PlantedBias:
    """Resumes of candidates whose `attribute` is `value` keep only `keep_skills` of their skills."""

    attribute: str
    value: str
    keep_skills: float

    def penalises(self, person: Demographics) -> bool:
        return person.answered and getattr(person, self.attribute) == self.value


def parse_bias(spec: str, keep_skills: float) -> PlantedBias | None:
    """`data.bias_against` ("sex:Female", "race_ethnicity:Asian"; "" for none) as a PlantedBias."""
    if not spec:
        return None
    attribute, _, value = spec.partition(":")
    if attribute not in ATTRIBUTES or value not in ATTRIBUTES[attribute]:
        choices = "; ".join(f"{a}:{'|'.join(shares)}" for a, shares in ATTRIBUTES.items())
        raise ValueError(f"data.bias_against={spec!r}: name one generated group, e.g. sex:Female "
                         f"({choices}), or leave it empty for an unbiased pool")
    return PlantedBias(attribute, value, keep_skills)


def _draw(rng: random.Random, shares: dict[str, float], declined_rate: float) -> str:
    if rng.random() < declined_rate:
        return DECLINED
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def candidate_demographics(seed: int, person: int) -> Demographics:
    """What candidate `person` of the pool generated with `seed` reported; its own random stream,
    so no resume draw depends on it and the demographics say nothing about the resume."""
    rng = random.Random(f"demographics:{seed}:{person}")
    answered = rng.random() >= NO_RECORD_RATE
    return Demographics(answered, _draw(rng, SEX_SHARES, SEX_DECLINED_RATE),
                        _draw(rng, RACE_SHARES, RACE_DECLINED_RATE))


def demographics_table(seed: int, people: list[tuple[str, int]]) -> pa.Table:
    """Rows of the self-identification table for (resume_id, person) pairs; a near-duplicate
    resume is the same person as its original, so it carries the original's answers."""
    rows = [(rid, candidate_demographics(seed, person)) for rid, person in people]
    answered = [(rid, d) for rid, d in rows if d.answered]
    return pa.table({"resume_id": [rid for rid, _ in answered],
                     "sex": [d.sex for _, d in answered],
                     "race_ethnicity": [d.race_ethnicity for _, d in answered]},
                    schema=DEMOGRAPHICS_SCHEMA)
