"""The synthetic talent pool: deterministic, realistic enough to learn from, and labelled."""
from __future__ import annotations

import collections
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from recruit_core.config import DataConfig
from recruit_core.data.pool import PoolPaths
from recruit_core.data.synth import (
    JOB_SCHEMA,
    RESUME_SCHEMA,
    TRUTH_SCHEMA,
    fit_score,
    generate_resume,
    is_fit,
    job_table,
    resume_tables,
)
from recruit_core.data.taxonomy import load_builtin

TAXONOMY = load_builtin()


@pytest.fixture(scope="module")
def sample():
    """600 resumes of the default (hard) pool."""
    resumes, truth = resume_tables(TAXONOMY, 7, 0, 600, 0.15, 0.03)
    return resumes.to_pylist(), truth.to_pylist()


@pytest.fixture(scope="module")
def easy_sample():
    resumes, truth = resume_tables(TAXONOMY, 7, 0, 600, 0.15, 0.03, difficulty="easy")
    return resumes.to_pylist(), truth.to_pylist()


def _named_share(resumes: list[dict], truth: list[dict]) -> float:
    """Share of the true skills that a resume writes in one of the taxonomy's surface forms."""
    found = total = 0
    for r, t in zip(resumes, truth):
        text = r["text"].lower()
        for sid in t["skills"]:
            total += 1
            found += any(form in text for form in TAXONOMY.skills[sid].surface_forms)
    return found / total


def test_builtin_taxonomy_is_rich_enough():
    families = collections.Counter(o.family for o in TAXONOMY.occupations)
    assert len(TAXONOMY.occupations) >= 30 and len(families) >= 6
    assert len(TAXONOMY.skills) >= 600
    by_id = {o.id: o for o in TAXONOMY.occupations}
    overlaps = [len(set(a.core_skills) & set(b.core_skills)) / len(a.core_skills)
                for a in by_id.values() for b in by_id.values() if a.id < b.id and a.family == b.family]
    assert max(overlaps) >= 0.3  # neighbouring occupations share skills, so the task is not trivial


@pytest.mark.parametrize("difficulty", ["hard", "easy"])
def test_same_seed_same_pool_whatever_the_sharding(difficulty):
    whole = resume_tables(TAXONOMY, 3, 0, 60, 0.15, 0.03, difficulty=difficulty)
    parts = [resume_tables(TAXONOMY, 3, a, b, 0.15, 0.03, difficulty=difficulty) for a, b in ((0, 17), (17, 60))]
    assert whole[0].to_pylist() == parts[0][0].to_pylist() + parts[1][0].to_pylist()
    assert whole[1].to_pylist() == parts[0][1].to_pylist() + parts[1][1].to_pylist()
    assert resume_tables(TAXONOMY, 4, 0, 60, 0.15, 0.03, difficulty=difficulty)[0] != whole[0]
    assert job_table(TAXONOMY, 3, 20, difficulty).equals(job_table(TAXONOMY, 3, 20, difficulty))


def test_schemas(sample):
    resumes, truth = resume_tables(TAXONOMY, 7, 0, 5, 0.15, 0.03)
    assert resumes.schema == RESUME_SCHEMA and truth.schema == TRUTH_SCHEMA
    assert job_table(TAXONOMY, 0, 5).schema == JOB_SCHEMA


@pytest.mark.parametrize("pool", ["sample", "easy_sample"])
def test_pool_has_the_hard_cases(pool, request):
    resumes, truth = request.getfixturevalue(pool)
    words = [len(r["text"].split()) for r in resumes]
    assert min(words) < 60 and max(words) > 600  # very short and beyond 512 tokens
    assert 0.08 < sum(not t["has_skills_section"] for t in truth) / len(truth) < 0.3
    duplicates = [t for t in truth if t["duplicate_of"]]
    assert 0.01 < len(duplicates) / len(truth) < 0.06
    assert all("@" in r["text"] for r in resumes)  # contact details inside the text
    assert len({t["occupation"] for t in truth}) >= 30


def test_near_duplicate_differs_but_keeps_the_truth(sample):
    resumes, truth = sample
    by_id = {r["resume_id"]: r for r in resumes}
    t = next(t for t in truth if t["duplicate_of"])
    original = generate_resume(TAXONOMY, 7, int(t["duplicate_of"][1:]), 0.15, 0.0)
    assert by_id[t["resume_id"]]["text"] != original.text
    assert t["occupation"] == original.occupation and t["skills"] == original.skills


def test_truth_skills_appear_in_the_text_in_some_form(easy_sample):
    assert _named_share(*easy_sample) > 0.85  # the rest are typos, which skill extraction must handle


def test_the_hard_pool_implies_skills_that_the_easy_pool_names(sample, easy_sample):
    """On the hard pool a good share of true skills is shown by the work described, not by name."""
    hard, easy = _named_share(*sample), _named_share(*easy_sample)
    assert hard < easy - 0.1 and hard > 0.5, (hard, easy)


def test_fit_label_follows_occupation_coverage_and_seniority():
    job = job_table(TAXONOMY, 0, 1).to_pylist()[0]
    occ = TAXONOMY.occupation(job["occupation"])
    ideal = {"occupation": occ.id, "family": occ.family, "seniority": job["seniority"],
             "skills": job["required_skills"]}
    stranger_family = next(o for o in TAXONOMY.occupations if o.family != occ.family)
    stranger = {**ideal, "occupation": stranger_family.id, "family": stranger_family.family, "skills": []}
    assert fit_score(TAXONOMY, ideal, job) == pytest.approx(1.0)
    assert is_fit(TAXONOMY, ideal, job) and not is_fit(TAXONOMY, stranger, job)
    half = {**ideal, "skills": job["required_skills"][: len(job["required_skills"]) // 2]}
    assert fit_score(TAXONOMY, ideal, job) > fit_score(TAXONOMY, half, job)


@pytest.mark.ray
def test_generate_job_writes_sharded_parquet_on_local_ray(ray_local, smoke_config):
    from recruit_core.data import job_ray as generate
    cfg = smoke_config()
    result = generate.run(cfg)
    paths = PoolPaths(Path(cfg.data.dir))
    resume_files = sorted(paths.resumes.glob("*.parquet"))
    assert result["rows"] == cfg.data.n_resumes == sum(pq.read_metadata(f).num_rows for f in resume_files)
    assert len(resume_files) == -(-cfg.data.n_resumes // cfg.data.shard_rows)
    assert [f.name for f in sorted(paths.truth.glob("*.parquet"))] == [f.name for f in resume_files]
    assert pq.read_table(paths.jobs).num_rows == cfg.data.n_jobs
    again = pq.read_table(paths.resumes)
    generate.run(cfg)
    assert pq.read_table(paths.resumes).equals(again)


def test_demographics_are_self_reported_answers_with_the_gaps_of_a_real_form():
    from recruit_core.data.demographics import DECLINED, NO_RECORD_RATE, demographics_table
    _, truth = resume_tables(TAXONOMY, 7, 0, 2000, 0.15, 0.03)
    people = [(t["resume_id"], int((t["duplicate_of"] or t["resume_id"])[1:])) for t in truth.to_pylist()]
    table = demographics_table(7, people).to_pylist()
    assert abs(1 - len(table) / 2000 - NO_RECORD_RATE) < 0.02  # some never answer: no row
    sexes = collections.Counter(r["sex"] for r in table)
    races = collections.Counter(r["race_ethnicity"] for r in table)
    assert 0.02 < sexes[DECLINED] / len(table) < 0.08 and 0.05 < races[DECLINED] / len(table) < 0.15
    assert 0 < sexes["Nonbinary"] / len(table) < 0.02  # a category the audit may exclude
    assert len(races) == 8  # the seven EEO-1 categories and Declined
    assert not {"text", "skills", "occupation"} & set(table[0])  # answers only, nothing from the resume


def test_a_planted_bias_takes_skills_from_the_penalised_group_and_changes_nothing_else():
    from recruit_core.data.demographics import candidate_demographics, parse_bias
    plain = resume_tables(TAXONOMY, 7, 0, 400, 0.15, 0.03)
    biased = resume_tables(TAXONOMY, 7, 0, 400, 0.15, 0.03, parse_bias("sex:Female", 0.25))
    penalised, listed = 0, [0, 0]  # skills the penalised resumes list without and with the bias
    for i, (before, after) in enumerate(zip(plain[1].to_pylist(), biased[1].to_pylist())):
        person = candidate_demographics(7, int((before["duplicate_of"] or before["resume_id"])[1:]))
        if person.answered and person.sex == "Female":
            penalised += 1
            listed[0] += len(before["skills"])
            listed[1] += len(after["skills"])
        else:
            assert after == before and biased[0]["text"][i] == plain[0]["text"][i]
    assert penalised > 100 and listed[1] < 0.45 * listed[0]  # most of their skills are gone


def test_a_bias_needs_the_demographics_table_and_a_group_the_generator_knows():
    from conftest import compose_config
    with pytest.raises(ValueError, match="data.bias_against=sex:Female: add data.demographics=true"):
        compose_config(["data.bias_against=sex:Female"])  # as typed on the command line
    group = "race_ethnicity:Black or African American"
    assert compose_config([f"data.bias_against={group}", "data.demographics=true"]).data.bias_against == group
    with pytest.raises(ValueError, match="data.bias_against='sex=female': name one generated group"):
        DataConfig(bias_against="sex=female", demographics=True)


def test_the_pool_writes_demographics_only_when_asked_and_drops_stale_ones(tmp_path):
    from recruit_core.data.pool import remove_stale_shards, write_resume_shard
    cfg = DataConfig(dir=str(tmp_path), n_resumes=30, shard_rows=30, demographics=True)
    write_resume_shard(cfg, 0)
    paths = PoolPaths(tmp_path)
    table = pq.read_table(paths.demographics)
    assert table.column_names == ["resume_id", "sex", "race_ethnicity"] and 20 < table.num_rows <= 30
    assert "sex" not in pq.read_table(paths.resumes).column_names
    plain = DataConfig(dir=str(tmp_path), n_resumes=30, shard_rows=30)
    assert remove_stale_shards(plain) == [paths.demographics / "part-00000.parquet"]


def _extraction_precision(resumes: list[dict], truth: list[dict]) -> float:
    from recruit_core.text.skills import SkillExtractor
    extractor = SkillExtractor.from_taxonomy(TAXONOMY)
    found = [extractor.skill_ids(r["text"]) for r in resumes]
    return sum(len(f & set(t["skills"])) for f, t in zip(found, truth)) / sum(len(f) for f in found)


def test_the_hard_pool_names_skills_the_person_does_not_have(sample, easy_sample):
    """Courses, hobbies, earlier careers and padded skill lists: a name in the text is not a skill held."""
    hard, easy = _extraction_precision(*sample), _extraction_precision(*easy_sample)
    assert easy > 0.9 and hard < easy - 0.15, (hard, easy)


def test_hard_postings_name_skills_by_synonyms_and_reword_the_duties():
    from recruit_core.text.skills import SkillExtractor
    extractor = SkillExtractor.from_taxonomy(TAXONOMY)
    shares = {}
    for difficulty in ("hard", "easy"):
        jobs = job_table(TAXONOMY, 0, 40, difficulty).to_pylist()
        labels = [TAXONOMY.label(s).lower() in j["description"].lower() for j in jobs for s in j["required_skills"]]
        found = [s in extractor.skill_ids(j["description"]) for j in jobs for s in j["required_skills"]]
        duties = [t in j["description"] for j in jobs for t in TAXONOMY.occupation(j["occupation"]).tasks]
        shares[difficulty] = (sum(labels) / len(labels), sum(found) / len(found), sum(duties))
    assert shares["easy"][0] == 1.0 and shares["hard"][0] < 0.75, shares  # by label
    assert shares["hard"][1] > 0.85, shares  # but still recognisable: aliases, few typos
    assert shares["hard"][2] < shares["easy"][2] / 2, shares  # duties copied word for word


def test_an_unknown_difficulty_names_the_choices():
    from conftest import compose_config
    with pytest.raises(ValueError, match="data.difficulty='medium': use hard or easy"):
        compose_config(["data.difficulty=medium"])
    with pytest.raises(ValueError, match="data.difficulty='medium'"):
        generate_resume(TAXONOMY, 0, 0, difficulty="medium")


def test_a_bag_of_words_finds_the_fits_less_easily_on_the_hard_pool():
    """TF-IDF ranking each job's fits (the generator's truth) among 300 resumes: near perfect on the
    easy pool, clearly worse on the hard one (bench/synthetic_vs_real.py has the whole table)."""
    from recruit_core.eval.postings import figures, tfidf_scores
    from recruit_core.text.requisition import requisition_texts
    ndcg = {}
    for difficulty in ("hard", "easy"):
        resumes, truth = resume_tables(TAXONOMY, 0, 0, 300, 0.15, 0.03, difficulty=difficulty)
        jobs = job_table(TAXONOMY, 0, 30, difficulty)
        relevant = [{i for i, t in enumerate(truth.to_pylist()) if is_fit(TAXONOMY, t, job)}
                    for job in jobs.to_pylist()]
        scores = tfidf_scores(requisition_texts(jobs), resumes.column("text").to_pylist())
        ndcg[difficulty] = figures(scores, relevant, 10)["ndcg@10"]
    assert ndcg["easy"] > 0.95 and ndcg["hard"] < ndcg["easy"] - 0.05, ndcg


def test_career_changers_hold_their_occupation_in_the_newer_half_and_older_roles_are_shorter():
    """The latest roles, at least two in five, are in the held occupation (it is what the resume is
    about); a career changer's older ones are in another; each older role has fewer bullets."""
    from recruit_core.data import synth_hard as hard
    role_line = re.compile(r"^(.*), .+ \(.+\)  \d{4}-(?:Present|\d{4})$")
    changers, lines_by_age = 0, collections.defaultdict(list)
    for index in range(300):
        resume = generate_resume(TAXONOMY, 5, index)
        held = hard.titles(TAXONOMY.occupation(resume.occupation), hard.RESUME_SIDE)
        roles, sizes = [], []
        for line in resume.bullets:
            match = role_line.match(line)
            if match:
                roles.append(match.group(1))
                sizes.append(0)
            else:
                sizes[-1] += 1
        in_held = [any(title.endswith(t) for t in held) for title in roles]
        newer = -(-2 * len(roles) // 5)  # the newest two in five, rounded up
        assert all(in_held[:newer]), (index, roles)
        changers += not all(in_held)
        if len(roles) >= 5:
            for age, size in enumerate(sizes):
                lines_by_age[age].append(size)
    assert 100 < changers < 250, changers
    means = [sum(v) / len(v) for _, v in sorted(lines_by_age.items())][:5]
    assert all(a > b for a, b in zip(means, means[1:])), means


def test_a_near_duplicate_copies_the_row_its_duplicate_of_names_even_when_that_row_is_a_copy():
    """duplicate_of names a row of the pool whose text is the one copied: a copy of a copy points at
    the copy (the chain leads to the first), never at text the pool does not hold."""
    from recruit_core.text.near_duplicates import shingles
    resumes, truth = resume_tables(TAXONOMY, 0, 0, 6000, 0.15, 0.03)
    texts = dict(zip(resumes.column("resume_id").to_pylist(), resumes.column("text").to_pylist()))
    rows = {t["resume_id"]: t for t in truth.to_pylist()}
    copies = [t for t in rows.values() if t["duplicate_of"]]
    chained = [t for t in copies if rows[t["duplicate_of"]]["duplicate_of"]]
    assert chained, "no copy of a copy in 6,000 resumes: the case is not exercised"
    for t in copies:
        a, b = shingles(texts[t["resume_id"]], 3), shingles(texts[t["duplicate_of"]], 3)
        assert len(a & b) / len(a | b) > 0.5, (t["resume_id"], t["duplicate_of"])
