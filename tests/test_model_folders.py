"""Trained model folders load in transformers and sentence-transformers with their trained heads,
give recruit's own scores there, and still load in RecruitModel, older folders included."""
from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from sentence_transformers import CrossEncoder, SentenceTransformer
from transformers import AutoModelForSequenceClassification

from recruit_core.config import ModelConfig, TinyBertConfig
from recruit_core.model.encoder import load_encoder
from recruit_core.model.recruit import HEADS_FILE, META_FILE, RecruitModel, row_stable_linear
from recruit_core.text.windows import encode_pairs, encode_windows

TINY = ModelConfig(source="tiny", sha256="", max_length=64, window_stride=48, max_windows=3,
                   tiny=TinyBertConfig())
CATEGORIES = ["ACCOUNTANT", "CHEF", "NURSE", "WELDER"]
# Short enough for one window each, and of different lengths, so a batch pads some of them.
RESUMES = ["Registered nurse, six years in intensive care",
           "Sous chef: menu planning, food cost control, a team of eight line cooks at a bistro",
           "Welder"]
JOBS = ["ICU nurse", "Head chef for a busy restaurant", "Pipe welder, night shift"]
ROWS_PER_FORWARD = 8
# float32 rounding: recruit pads windows to 32 tokens, sentence-transformers to its batch's longest
TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def trained():
    """A tiny model with non-default heads, standing in for a fine-tuned one."""
    tokenizer, encoder, _ = load_encoder(TINY)
    model = RecruitModel(encoder, CATEGORIES).eval()
    generator = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for param in [*model.category_head.parameters(), *model.fit_head.parameters()]:
            param.copy_(torch.randn(param.shape, generator=generator))
    return model, tokenizer


def _save(trained, tmp_path_factory, task: str):
    model, tokenizer = trained
    folder = tmp_path_factory.mktemp(task) / "model"
    return model.save(folder, tokenizer, {"task": task, "max_length": TINY.max_length})


def _pooled(model, tokenizer) -> torch.Tensor:
    """Recruit's scoring forward for RESUMES: windows padded per window, never per batch."""
    windows = encode_windows(tokenizer, RESUMES, TINY.max_length, TINY.window_stride, TINY.max_windows)
    assert windows.owner.tolist() == [0, 1, 2]  # one window each: nothing to average
    return model.pooled_exact(torch.as_tensor(windows.input_ids),
                              torch.as_tensor(windows.attention_mask), ROWS_PER_FORWARD)


def test_classifier_folder_loads_the_trained_head_in_transformers(trained, tmp_path_factory):
    model, _ = trained
    folder = _save(trained, tmp_path_factory, "classify")
    hf = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True)
    assert hf.config.architectures == ["BertForSequenceClassification"]
    assert hf.config.id2label == dict(enumerate(CATEGORIES))
    assert torch.equal(hf.classifier.weight, model.category_head.weight)
    assert torch.equal(hf.classifier.bias, model.category_head.bias)
    layer = "encoder.layer.1.output.dense.weight"
    assert torch.equal(hf.bert.state_dict()[layer], model.encoder.state_dict()[layer])


def test_classifier_folder_gives_recruits_category_logits_in_sentence_transformers(
        trained, tmp_path_factory):
    model, tokenizer = trained
    folder = _save(trained, tmp_path_factory, "classify")
    ours = row_stable_linear(_pooled(model, tokenizer), model.category_head)
    theirs = SentenceTransformer(str(folder), device="cpu", local_files_only=True).encode(
        RESUMES, convert_to_tensor=True)
    assert theirs.shape == ours.shape
    torch.testing.assert_close(theirs, ours, atol=TOLERANCE, rtol=0)
    assert theirs.argmax(-1).tolist() == ours.argmax(-1).tolist()


def test_cross_encoder_folder_scores_pairs_like_recruit(trained, tmp_path_factory):
    model, tokenizer = trained
    folder = _save(trained, tmp_path_factory, "crossencoder")
    pairs = encode_pairs(tokenizer, JOBS, RESUMES, TINY.max_length)
    fit = row_stable_linear(model.pooled_exact(torch.as_tensor(pairs.input_ids),
                                               torch.as_tensor(pairs.attention_mask),
                                               ROWS_PER_FORWARD), model.fit_head).squeeze(-1)
    cross = CrossEncoder(str(folder), device="cpu", local_files_only=True)
    scores = cross.predict(list(zip(JOBS, RESUMES)), convert_to_tensor=True)
    torch.testing.assert_close(scores, torch.sigmoid(fit), atol=TOLERANCE, rtol=0)


def test_bi_encoder_folder_embeds_like_recruit(trained, tmp_path_factory):
    model, tokenizer = trained
    folder = _save(trained, tmp_path_factory, "biencoder")
    ours = F.normalize(_pooled(model, tokenizer), dim=-1)
    theirs = SentenceTransformer(str(folder), device="cpu", local_files_only=True).encode(
        RESUMES, convert_to_tensor=True)
    torch.testing.assert_close(theirs, ours, atol=TOLERANCE, rtol=0)


@pytest.mark.parametrize("task", ["classify", "crossencoder", "biencoder"])
def test_recruit_loads_its_folders_bit_for_bit(trained, tmp_path_factory, task):
    model, _ = trained
    loaded, _, meta = RecruitModel.load(_save(trained, tmp_path_factory, task))
    assert meta["task"] == task and loaded.categories == CATEGORIES
    state = loaded.state_dict()
    for name, tensor in model.state_dict().items():
        assert torch.equal(state[name], tensor), name


def test_recruit_still_loads_a_folder_with_all_heads_in_the_heads_file(trained, tmp_path):
    """The layout written before the library layouts: encoder folder + heads file."""
    model, tokenizer = trained
    model.encoder.save_pretrained(str(tmp_path), safe_serialization=True)
    tokenizer.save_pretrained(str(tmp_path))
    save_file({f"{head}.{k}": v.contiguous() for head in ("category_head", "fit_head")
               for k, v in getattr(model, head).state_dict().items()}, str(tmp_path / HEADS_FILE))
    (tmp_path / META_FILE).write_text(json.dumps({"categories": CATEGORIES, "task": "classify"}))
    loaded, _, _ = RecruitModel.load(tmp_path)
    assert torch.equal(loaded.category_head.weight, model.category_head.weight)
    assert torch.equal(loaded.fit_head.weight, model.fit_head.weight)
