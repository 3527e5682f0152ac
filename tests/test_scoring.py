"""The scorer without Ray: categories, fit against requisitions, embeddings, reproducibility."""
from __future__ import annotations

from dataclasses import asdict, replace

import numpy as np
import pyarrow as pa
import pytest
import torch

from recruit_core.config import (
    DataConfig,
    DedupConfig,
    InputsConfig,
    ModelConfig,
    PrivacyConfig,
    ScoreConfig,
    TinyBertConfig,
    config_hash,
)
from recruit_core.data.synth import generate_job, generate_resume
from recruit_core.data.taxonomy import load_builtin
from recruit_core.model.encoder import load_encoder
from recruit_core.model.forward import TextEncoder, load_scoring_model, model_fingerprint
from recruit_core.model.recruit import RecruitModel
from recruit_core.score.scorer import (
    OPERATIONAL_FIELDS,
    ResumeScorer,
    columns_to_windows,
    result_config_hash,
    windows_to_columns,
)
from recruit_core.text.requisition import job_text

TINY = ModelConfig(source="tiny", sha256="", max_length=64, window_stride=48, max_windows=3,
                   tiny=TinyBertConfig())


@pytest.fixture(scope="module")
def pool():
    taxonomy = load_builtin()
    resumes = [generate_resume(taxonomy, 0, i) for i in range(12)]
    jobs = [generate_job(taxonomy, 0, i) for i in range(5)]
    return resumes, jobs


@pytest.fixture(scope="module")
def tiny_scorer(pool):
    _, jobs = pool
    model = load_scoring_model("", TINY)
    encoder = TextEncoder(model, TINY)
    job_vectors = encoder.embed_texts([job_text(j["title"], j["description"]) for j in jobs])
    categories = ["nurse", "data_engineer", "accountant", "chef"]
    score = ScoreConfig(write_embeddings=True, fit_threshold=0.9)
    return ResumeScorer(model, TINY, score, categories=categories,
                        category_vectors=encoder.embed_texts(categories),
                        job_ids=[j["job_id"] for j in jobs], job_vectors=job_vectors)


def _table(resumes) -> pa.Table:
    return pa.table({"resume_id": [r.resume_id for r in resumes], "text": [r.text for r in resumes]})


def test_token_columns_round_trip_to_the_same_windows(tiny_scorer, pool):
    texts = [r.text for r in pool[0]] + ["short"]
    windows = tiny_scorer.tokenize(texts)
    assert windows.owner.max() == len(texts) - 1 and len(windows.owner) > len(texts)  # long resumes
    columns = windows_to_columns(windows, len(texts))
    back = columns_to_windows(columns["tokens"], columns["window_lengths"], TINY.max_length,
                              tiny_scorer.encoder.tokenizer.pad_token_id)
    assert np.array_equal(back.input_ids, windows.input_ids)
    assert np.array_equal(back.attention_mask, windows.attention_mask)
    assert np.array_equal(back.owner, windows.owner)


def test_scores_are_consistent_with_the_embeddings(tiny_scorer, pool):
    out = tiny_scorer.score_table(_table(pool[0]))
    p = np.stack([out.column(f"p_{i}").to_numpy() for i in (1, 2, 3)], axis=1)
    assert (np.diff(p, axis=1) <= 0).all() and (p.sum(axis=1) <= 1 + 1e-6).all()
    assert set(out.column("category_1").to_pylist()) <= set(tiny_scorer.categories)
    embedding = np.array(out.column("embedding").to_pylist(), dtype=np.float32)
    assert np.allclose(np.linalg.norm(embedding, axis=1), 1, atol=1e-5)
    fit = embedding @ tiny_scorer.job_vectors.numpy().T
    assert np.allclose(out.column("best_fit").to_numpy(), fit.max(axis=1), atol=1e-5)
    assert out.column("best_job_id").to_pylist() == [tiny_scorer.job_ids[i] for i in fit.argmax(axis=1)]
    assert out.column("jobs_above_threshold").to_pylist() == (fit >= 0.9).sum(axis=1).tolist()
    top = out.column("top_jobs").to_pylist()
    assert all(len(t) == 3 and t[0]["fit"] >= t[1]["fit"] >= t[2]["fit"] for t in top)


@pytest.fixture(scope="module")
def trained_scorer(tmp_path_factory, pool):
    """A scorer with a trained-style category head (random weights), from a saved folder."""
    folder = tmp_path_factory.mktemp("trained") / "model"
    _, encoder, _ = load_encoder(TINY)
    torch.manual_seed(1)
    model = RecruitModel(encoder, ["accountant", "nurse", "chef", "data_engineer", "welder"])
    torch.nn.init.normal_(model.category_head.weight)
    model.save(folder, load_scoring_model("", TINY).tokenizer)
    scoring_model = load_scoring_model(str(folder), TINY)
    encoder_of = TextEncoder(scoring_model, TINY)
    jobs = pool[1]
    return ResumeScorer(scoring_model, TINY, ScoreConfig(write_embeddings=True),
                        categories=list(scoring_model.model.categories),
                        job_ids=[j["job_id"] for j in jobs],
                        job_vectors=encoder_of.embed_texts([job_text(j["title"], j["description"])
                                                            for j in jobs]))


@pytest.mark.determinism
@pytest.mark.parametrize("which", ["tiny_scorer", "trained_scorer"])
def test_a_resume_scores_the_same_bits_alone_or_in_any_batch(which, request, pool):
    """Bitwise: a resume's categories, fits and embedding depend on its own text alone, not on
    which resumes share its batch (their lengths decided the forward's width once) or how many."""
    scorer = request.getfixturevalue(which)
    longer = [replace(generate_resume(load_builtin(), 2, i), resume_id=f"L{i}") for i in range(3)]
    short = [replace(r, resume_id=f"S{i}", text=r.text[:60 + 25 * i])
             for i, r in enumerate(pool[0][:4])]  # windows of several widths in one batch
    resumes = pool[0] + longer + short
    together = scorer.score_table(_table(resumes)).sort_by("resume_id")
    for size in (1, 2, 5):
        for order in (resumes, resumes[::-1]):
            split = pa.concat_tables([scorer.score_table(_table(order[i:i + size]))
                                      for i in range(0, len(order), size)]).sort_by("resume_id")
            assert together.equals(split), (size, order is resumes)


def test_trained_folder_scores_with_its_category_head(tmp_path, pool):
    _, encoder, _ = load_encoder(TINY)
    torch.manual_seed(0)
    trained = RecruitModel(encoder, ["accountant", "nurse"])
    trained.save(tmp_path / "model", load_scoring_model("", TINY).tokenizer)
    loaded = load_scoring_model(str(tmp_path / "model"), TINY)
    assert loaded.trained and loaded.fingerprint.startswith("model@sha256:")
    assert loaded.fingerprint == model_fingerprint(str(tmp_path / "model"), TINY)  # what the driver records
    assert load_scoring_model("", TINY).fingerprint == model_fingerprint("", TINY)
    scorer = ResumeScorer.from_config(ScoreConfig(model_path=str(tmp_path / "model")),
                                      TINY, DataConfig())
    out = scorer.score_table(_table(pool[0][:4]))
    assert set(out.column("category_1").to_pylist()) <= {"accountant", "nurse"}
    assert out.column("category_3").null_count == 4  # two categories: the third rank is empty
    assert "best_fit" not in out.column_names  # no requisitions given


def test_provenance_hash_ignores_how_the_run_is_spread():
    inputs = InputsConfig(resumes="in", jobs="jobs")
    base = result_config_hash(ScoreConfig(), inputs, TINY)
    assert base == result_config_hash(ScoreConfig(pool_size=7, batch_size=3, output_dir="elsewhere",
                                                  target_max_block_mb=2), inputs, TINY)
    assert base != result_config_hash(ScoreConfig(fit_threshold=0.7), inputs, TINY)


def test_provenance_hash_counts_the_inputs_that_change_scores():
    inputs = InputsConfig(resumes="in", jobs="jobs")
    base = result_config_hash(ScoreConfig(), inputs, TINY)
    assert base != result_config_hash(ScoreConfig(), replace(inputs, jobs="other_jobs"), TINY)
    assert base != result_config_hash(ScoreConfig(), replace(inputs, max_text_chars=1000), TINY)
    # the inputs count under the names they had as score settings, redaction and near-duplicate
    # settings beside them: outputs made without signatures (no `minhash` column) are not resumed
    base = result_config_hash(ScoreConfig(), inputs, TINY, PrivacyConfig(redact=False))
    before = {k: v for k, v in asdict(ScoreConfig()).items() if k not in OPERATIONAL_FIELDS}
    before.update(input="in", jobs="jobs", max_text_chars=inputs.max_text_chars)
    model = {k: v for k, v in asdict(TINY).items() if k not in OPERATIONAL_FIELDS}  # windows_per_forward
    assert base == config_hash({"score": before, "model": model, "dedup": asdict(DedupConfig())})
    assert base != result_config_hash(ScoreConfig(), inputs, TINY, PrivacyConfig(redact=False),
                                      DedupConfig(threshold=0.9))


@pytest.mark.slow
def test_zero_shot_minilm_finds_the_occupation(pool):
    """Before training: the pretrained encoder ranks the resume's occupation in its top 3."""
    taxonomy = load_builtin()
    resumes = [generate_resume(taxonomy, 1, i) for i in range(24)]
    scorer = ResumeScorer.from_config(ScoreConfig(), ModelConfig(), DataConfig())
    out = scorer.score_table(_table(resumes)).to_pylist()
    top3 = np.mean([r.occupation in (o["category_1"], o["category_2"], o["category_3"])
                    for r, o in zip(resumes, out)])
    assert top3 >= 0.5, f"top-3 zero-shot accuracy {top3:.2f} over {len(taxonomy.occupations)} occupations"


def test_padding_columns_are_dropped_without_changing_the_embeddings(pool):
    """Short texts run on the columns they use; results match a forward over the full padding."""
    resumes, _ = pool
    texts = ["nurse", resumes[0].text, "chef. Skills: knife work", resumes[1].text[:80]]
    two_per_call = replace(TINY, windows_per_forward=2)  # several slices
    encoder = TextEncoder(load_scoring_model("", two_per_call), two_per_call)
    windows = encoder.tokenize(texts)
    assert windows.attention_mask.shape[1] == TINY.max_length
    widths = []
    forward = encoder.model.encoder.forward

    def recording(*args, **kwargs):
        widths.append(kwargs["input_ids"].shape[1])
        return forward(*args, **kwargs)

    encoder.model.encoder.forward = recording
    try:
        trimmed = encoder.pooled_windows(windows)
    finally:
        encoder.model.encoder.forward = forward
    assert min(widths) < TINY.max_length  # the short texts' slice ran narrower
    with torch.inference_mode():
        ids, mask = torch.from_numpy(windows.input_ids), torch.from_numpy(windows.attention_mask)
        states = encoder.model.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).float()
        full = (states * weights).sum(1) / weights.sum(1)
    torch.testing.assert_close(trimmed, full, atol=1e-5, rtol=1e-4)


def test_padded_width_keeps_every_unmasked_token():
    from recruit_core.model.recruit import padded_width
    mask = torch.zeros(3, 64, dtype=torch.int64)
    mask[0, :5], mask[1, :17] = 1, 1
    assert padded_width(mask) == 24  # 17 rounded up to a multiple of 8
    mask[2, :] = 1
    assert padded_width(mask) == 64
    assert padded_width(torch.ones(2, 6, dtype=torch.int64)) == 6  # never wider than the batch


@pytest.mark.determinism
def test_fixed_row_forwards_give_the_same_windows(tiny_scorer, pool):
    """On a GPU every forward is padded to the same row count (kernels are chosen by shape); the
    filler rows must not leak into the windows' results."""
    windows = tiny_scorer.tokenize([r.text for r in pool[0]] + ["nurse", "chef. Skills: knife work"])
    model = tiny_scorer.encoder.model
    ids, mask = torch.from_numpy(windows.input_ids), torch.from_numpy(windows.attention_mask)
    assert torch.equal(model.pooled_exact(ids, mask, 4, fixed_rows=True),
                       model.pooled_exact(ids, mask, 4, fixed_rows=False))
