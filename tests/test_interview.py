"""Interview packs: gap-driven questions with rubrics and reasons, deterministic, 6-10 per pair, on Ray."""
from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from recruit_core.config import InterviewConfig, ModelConfig
from recruit_core.data.synth import job_table, resume_tables
from recruit_core.data.taxonomy import load_builtin
from recruit_core.interview.packs import (
    QUOTA,
    build_pack,
    gap_question,
    rank_questions,
    select_questions,
    verify_question,
)
from recruit_core.interview.pipeline_ray import QUESTION_SCHEMA, shortlist_from_truth
from recruit_core.interview.wording import (
    EncoderRelevance,
    LocalModelGenerator,
    TemplateGenerator,
    make_generator,
)
from recruit_core.text.skills import SkillExtractor

TAXONOMY = load_builtin()


def no_relevance(job_text, questions):
    return [0.0] * len(questions)


@pytest.fixture(scope="module")
def pairs():
    """The 3 truest candidates of each of 12 jobs, as the interview stage receives them."""
    jobs = job_table(TAXONOMY, 0, 12).to_pylist()
    resumes, truth = resume_tables(TAXONOMY, 0, 0, 120, 0.15, 0.03)
    texts = dict(zip(resumes.column("resume_id").to_pylist(), resumes.column("text").to_pylist()))
    shortlist = shortlist_from_truth(TAXONOMY, jobs, truth, 3).to_pylist()
    by_id = {job["job_id"]: job for job in jobs}
    return [(by_id[row["job_id"]], row["resume_id"], texts[row["resume_id"]]) for row in shortlist]


@pytest.fixture(scope="module")
def relevance():
    """The tiny bi-encoder on one torch thread, as the Ray actors run it (two threads on a busy
    2-core machine are ~20x slower per short text)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield EncoderRelevance.from_config(ModelConfig(source="tiny"))
    torch.set_num_threads(threads)


def packs(pairs, relevance):
    extractor = SkillExtractor.from_taxonomy(TAXONOMY)
    return [build_pack(TAXONOMY, extractor, job, text, relevance, TemplateGenerator(), 6, 10)[1]
            for job, _, text in pairs]


def test_every_pair_gets_6_to_10_questions_with_rubric_and_reason(pairs, relevance):
    for (job, resume_id, _), questions in zip(pairs, packs(pairs, relevance)):
        assert 6 <= len(questions) <= 10, (job["job_id"], resume_id)
        for q in questions:
            assert all(s.strip() for s in (q.question, q.rubric_weak, q.rubric_adequate,
                                            q.rubric_strong, q.reason)), q
        kinds = [q.kind for q in questions]
        assert "behavioural" in kinds and ("verify" in kinds or "gap_required" in kinds)
        assert all(kinds.count(kind) <= QUOTA[kind] for kind in set(kinds))


def test_packs_are_deterministic(pairs, relevance):
    fresh = EncoderRelevance.from_config(ModelConfig(source="tiny"))
    assert packs(pairs[:8], relevance) == packs(list(reversed(pairs[:8])), fresh)[::-1]


def test_questions_follow_the_gap():
    job = {"job_id": "J9", "title": "Data Engineer", "seniority": "senior", "occupation": "data_engineer",
           "description": "Build batch pipelines.", "required_skills": ["python", "apache_spark", "sql"],
           "preferred_skills": ["kafka"]}
    missing = [s for s in job["required_skills"] + job["preferred_skills"] if s not in TAXONOMY.skills]
    assert not missing, f"built-in taxonomy lacks {missing}"
    resume = "Ana Silva\nJunior Data Engineer\n\nBuilt ETL in Python and python3; tuned SQL queries."
    gap, questions = build_pack(TAXONOMY, SkillExtractor.from_taxonomy(TAXONOMY), job, resume,
                                no_relevance, TemplateGenerator(), 6, 10)
    assert gap.required_missing == ["apache_spark"] and gap.seniority_gap == 2
    spark = TAXONOMY.label("apache_spark")
    assert questions[0].kind == "gap_required" and questions[0].skill_id == "apache_spark"
    assert questions[0].reason == f"required skill '{spark}' not found in the resume"
    assert spark in questions[0].question and spark in questions[0].rubric_strong
    verify = [q for q in questions if q.kind == "verify"]
    assert [q.skill_id for q in verify] == ["python", "sql"]  # two mentions of Python beat one of SQL
    assert "claimed 2 times" in verify[0].reason
    kinds = [q.kind for q in questions]
    assert kinds.index("gap_preferred") > kinds.index("gap_required") and "seniority" in kinds


def test_relevance_reorders_within_a_type_and_quotas_hold():
    questions = [gap_question(TAXONOMY, "J1", s, True) for s in ("python", "sql", "java", "docker")]
    questions.append(verify_question(TAXONOMY, "J1", "git", [(0, 3, "Git")]))
    ranked = rank_questions(questions, [0.1, 0.9, 0.5, 0.2, 0.0])
    assert [q.skill_id for q in ranked[:3]] == ["sql", "java", "docker"]
    chosen = select_questions(ranked, 6, 10)
    assert [q.kind for q in chosen].count("gap_required") == 4  # quota relaxed to reach the minimum
    assert len(chosen) == 6 and chosen[-1].kind == "general"


def test_generator_choice_is_checked(tmp_path):
    with pytest.raises(ValueError, match="generator_model_path"):
        make_generator(InterviewConfig(generator="hf_local"))
    with pytest.raises(FileNotFoundError, match="no config.json"):
        LocalModelGenerator(tmp_path)
    with pytest.raises(ValueError, match="questions_min"):
        InterviewConfig(questions_min=8, questions_max=6)


@pytest.fixture(scope="module")
def tiny_gpt2(tmp_path_factory):
    """A 1-layer random GPT-2 with a byte-level BPE tokenizer trained here: no download."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("tiny_gpt2")
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    corpus = [" ".join(q) for q in [("Tell", "me", "about", "Apache", "Kafka", "?")] * 20]
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>"],
                                                       initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>")
    tokenizer.save_pretrained(folder)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=len(tokenizer), n_layer=1, n_embd=32, n_head=2,
                                       n_positions=512, eos_token_id=0, bos_token_id=0))
    model.save_pretrained(folder, safe_serialization=True)
    return folder


def test_local_model_generator_keeps_the_schema(tiny_gpt2, pairs):
    generator = make_generator(InterviewConfig(generator="hf_local", generator_model_path=str(tiny_gpt2)))
    job, _, text = pairs[0]
    extractor = SkillExtractor.from_taxonomy(TAXONOMY)
    first = build_pack(TAXONOMY, extractor, job, text, no_relevance, generator, 6, 10)[1]
    again = build_pack(TAXONOMY, extractor, job, text, no_relevance, generator, 6, 10)[1]
    template = build_pack(TAXONOMY, extractor, job, text, no_relevance, TemplateGenerator(), 6, 10)[1]
    assert first == again  # greedy decoding
    assert [(q.kind, q.skill_id, q.reason, q.rubric_strong) for q in first] == \
        [(q.kind, q.skill_id, q.reason, q.rubric_strong) for q in template]
    # A random model writes nonsense, which is not a question: the template wording stays.
    assert generator.fallbacks == 2 * len(first) and first == template


def test_local_model_generator_uses_a_good_rewrite(tiny_gpt2, monkeypatch):
    import torch

    generator = LocalModelGenerator(tiny_gpt2)
    rewrite = " Tell me about Apache Kafka?"
    answer = generator.tokenizer(rewrite, return_tensors="pt")["input_ids"][0]
    monkeypatch.setattr(generator.model, "generate",
                        lambda input_ids, **kw: torch.cat([input_ids[0], answer])[None])
    assert generator.phrase({"title": "Data Engineer"}, ["Have you used Kafka?"]) == [rewrite.strip()]
    assert generator.fallbacks == 0


def test_a_pack_is_a_recommendation_for_the_interviewers_and_never_a_verdict(pairs):
    from recruit_core.interview.pipeline_ray import REVIEWER_NOTE, pack_markdown
    extractor = SkillExtractor.from_taxonomy(TAXONOMY)
    gaps = [(job, rid, *build_pack(TAXONOMY, extractor, job, text, no_relevance, TemplateGenerator(), 6, 10))
            for job, rid, text in pairs]
    job, rid, gap, questions = next(g for g in gaps if g[2].required_missing)
    text = pack_markdown(TAXONOMY, job, rid, 2, gap, questions)
    assert "Recommended for review, rank 2" in text and REVIEWER_NOTE in text
    assert "Required, not shown in the resume: " in text
    skills = text.split("## Skills")[1].split("## Questions")[0]
    assert "missing" not in skills and not re.search(r"reject|unfit|not a fit|unsuitable", text, re.I)


def test_hostile_ids_cannot_put_a_pack_outside_the_output_folder(pairs, relevance, tmp_path):
    """Ids are strings from upstream systems; a path in one must not steer where a pack is written."""
    import torch

    from recruit_core.config import DataConfig
    from recruit_core.interview.pipeline_ray import InterviewPackBuilder

    job, _, text = pairs[0]
    job = {**job, "job_id": "../../requisitions/J1"}
    resume_ids = ["../" * 12 + str(tmp_path / "escaped").lstrip("/"), str(tmp_path / "absolute"),
                  "..", ".", "a/b", "a_b", "a\\b"]
    out = tmp_path / "interview"
    threads = torch.get_num_threads()
    builder = InterviewPackBuilder(DataConfig(), ModelConfig(source="tiny"),
                                   InterviewConfig(output_dir=str(out)), [job])
    torch.set_num_threads(threads)
    rows = builder({"job_id": [job["job_id"]] * len(resume_ids), "resume_id": resume_ids,
                    "rank": list(range(1, len(resume_ids) + 1)), "text": [text] * len(resume_ids)})
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert len(written) == len(resume_ids), written  # one pack per pair, none overwritten
    assert all(p.parent.parent == out / "packs" for p in written), written
    recorded = dict(zip(rows["resume_id"], rows["pack"]))
    for resume_id in resume_ids:
        pack = out / recorded[resume_id]
        assert pack in written and f"candidate {resume_id}" in pack.read_text()


@pytest.mark.ray
def test_interview_pack_and_schedule_jobs_end_to_end(ray_local, smoke_config):
    from recruit_core.data import job_ray as generate
    from recruit_core.interview import job_ray as interview_pack
    from recruit_core.schedule import job_ray as schedule

    cfg = smoke_config()
    generate.run(cfg)
    result = interview_pack.run(cfg)
    table = pq.read_table(result["questions"])
    assert table.schema == QUESTION_SCHEMA
    per_pair = table.group_by(["job_id", "resume_id"]).aggregate([("question_no", "max")])
    assert per_pair.num_rows == result["pairs"] == cfg.data.n_jobs * cfg.interview.top_candidates_per_job
    assert all(6 <= n <= 10 for n in per_pair.column("question_no_max").to_pylist())
    packs = sorted(Path(result["packs"]).glob("*/*.md"))
    assert len(packs) == per_pair.num_rows
    first = table.slice(0, 1).to_pylist()[0]
    pack = (Path(result["packs"]).parent / first["pack"]).read_text()
    assert first["question"] in pack and first["reason"] in pack

    booked = schedule.run(cfg)
    interviews = pq.read_table(booked["schedule"])
    assert booked["candidates"] == cfg.interview.top_candidates_per_job * cfg.interview.jobs_to_schedule
    assert interviews.num_rows == booked["scheduled"]
    assert booked["scheduled"] + booked["not_scheduled"] == booked["candidates"]
    assert set(interviews.column("resume_id").to_pylist()) <= set(table.column("resume_id").to_pylist())
    assert all(reason for reason in booked["reasons"].values())
    assert len(list(Path(booked["calendars"]).glob("*.ics"))) == booked["ics_files"] > 0


def test_interviewer_file_names_the_missing_field(tmp_path):
    from recruit_core.schedule import job_ray as schedule

    path = tmp_path / "panel.json"
    path.write_text('[{"interviewer_id": "ana", "skills": ["sql"], "timezone": "Europe/London", '
                    '"free_slots": [{"start": "2025-03-03T09:00:00+00:00", "end": "2025-03-03T17:00:00+00:00"}], '
                    '"max_per_day": 2}, {"interviewer_id": "bo", "skills": []}]')
    with pytest.raises(ValueError, match="record 1 has no 'free_slots'"):
        schedule.load_interviewers(path)
    path.write_text(path.read_text().replace(', {"interviewer_id": "bo", "skills": []}', ""))
    (ana,) = schedule.load_interviewers(path)
    assert ana.skills == frozenset({"sql"}) and ana.free_slots[0].end.hour == 17


@pytest.mark.ray
@pytest.mark.determinism
def test_interview_packs_are_the_same_bits_however_the_work_is_spread(ray_local, smoke_config, tmp_path):
    from recruit_core.data import job_ray as generate
    from recruit_core.interview import job_ray as interview_pack

    generate.run(smoke_config())
    outputs = []
    for name, way in (("two", ["interview.pool_size=2", "interview.batch_size=4"]),
                      ("one", ["interview.pool_size=1", "interview.batch_size=3"])):
        cfg = smoke_config(*way, f"interview.output_dir={tmp_path / name}")
        result = interview_pack.run(cfg)
        packs = Path(result["packs"])
        outputs.append((pq.read_table(result["questions"]),
                        {str(p.relative_to(packs)): p.read_bytes() for p in sorted(packs.rglob("*.md"))}))
    (questions, packs), (questions_again, packs_again) = outputs
    assert questions.num_rows and questions.equals(questions_again)
    assert packs and packs == packs_again
