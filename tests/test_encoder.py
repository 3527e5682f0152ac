"""Model loading: the real MiniLM is hash-checked, a corrupt copy is refused, tiny BERT is reproducible."""
from __future__ import annotations

import shutil

import pytest
import torch

from recruit_core.config import ModelConfig, TinyBertConfig
from recruit_core.model.encoder import (
    WeightsMismatchError,
    load_encoder,
    minilm_dir,
    verify_weights,
    weights_sha256,
)
from recruit_core.model.recruit import RecruitModel
from recruit_core.text.windows import encode_windows


def test_installed_minilm_matches_the_published_hash():
    assert weights_sha256(minilm_dir()) == ModelConfig().sha256


def test_corrupted_copy_is_refused(tmp_path):
    copy = tmp_path / "minilm"
    shutil.copytree(minilm_dir(), copy)
    with open(copy / "model.safetensors", "r+b") as handle:
        handle.seek(4096)
        handle.write(b"\x00\x01\x02\x03")
    cfg = ModelConfig(source="local", name_or_path=str(copy), sha256=ModelConfig().sha256)
    with pytest.raises(WeightsMismatchError, match="sha256"):
        load_encoder(cfg)


def test_local_folder_without_safetensors_is_refused(tmp_path):
    shutil.copy(minilm_dir() / "config.json", tmp_path / "config.json")
    with pytest.raises(FileNotFoundError, match="safetensors"):
        verify_weights(tmp_path, "")


def test_local_folder_loads_like_minilm():
    _, encoder, fingerprint = load_encoder(ModelConfig(source="local", name_or_path=str(minilm_dir()),
                                                       sha256=ModelConfig().sha256))
    assert encoder.config.hidden_size == 384 and fingerprint.startswith("model@sha256:")


def test_tiny_bert_is_identical_for_a_seed_and_differs_across_seeds():
    tiny = ModelConfig(source="tiny", sha256="", tiny=TinyBertConfig(seed=3))
    _, first, fp1 = load_encoder(tiny)
    _, second, fp2 = load_encoder(tiny)
    _, other, _ = load_encoder(ModelConfig(source="tiny", sha256="", tiny=TinyBertConfig(seed=4)))
    w = "embeddings.word_embeddings.weight"
    assert fp1 == fp2
    assert torch.equal(first.state_dict()[w], second.state_dict()[w])
    assert not torch.equal(first.state_dict()[w], other.state_dict()[w])


def test_long_text_becomes_overlapping_windows():
    cfg = ModelConfig(source="tiny", sha256="", max_length=32, window_stride=24, max_windows=3)
    tokenizer, _, _ = load_encoder(cfg)
    long_text = " ".join(f"word{i}" for i in range(200))
    windows = encode_windows(tokenizer, ["short resume", long_text], cfg.max_length,
                             cfg.window_stride, cfg.max_windows)
    assert windows.owner.tolist() == [0, 1, 1, 1]
    assert windows.input_ids.shape == (4, 32)
    first, second = windows.input_ids[1], windows.input_ids[2]
    overlap = cfg.max_length - 2 - cfg.window_stride
    assert first[1 + cfg.window_stride: 1 + cfg.window_stride + overlap].tolist() == \
        second[1:1 + overlap].tolist()


def test_long_resumes_are_windowed_without_the_indexing_error_warning(caplog):
    from transformers.utils import logging as hf_logging

    from recruit_core.model.encoder import load_tokenizer
    tokenizer = load_tokenizer(ModelConfig())  # MiniLM: model_max_length 512
    long_text = " ".join(f"python{i % 7} engineer" for i in range(1500))
    hf_logging.enable_propagation()
    try:
        windows = encode_windows(tokenizer, [long_text], 256, 192, 4)
    finally:
        hf_logging.disable_propagation()
    assert windows.owner.tolist() == [0, 0, 0, 0]
    assert not [r for r in caplog.records if "indexing errors" in r.getMessage()]


def test_model_round_trips_through_save_and_load(tmp_path):
    cfg = ModelConfig(source="tiny", sha256="")
    tokenizer, encoder, _ = load_encoder(cfg)
    model = RecruitModel(encoder, ["a", "b", "c"]).eval()
    torch.nn.init.normal_(model.category_head.weight)
    batch = encode_windows(tokenizer, ["python developer", "registered nurse"], 64, 48, 2)
    ids, mask = torch.from_numpy(batch.input_ids), torch.from_numpy(batch.attention_mask)
    with torch.inference_mode():
        before = model.category_logits(ids, mask), model.embed(ids, mask)
    model.save(tmp_path / "m", tokenizer, {"task": "classify"})
    loaded, _, meta = RecruitModel.load(tmp_path / "m")
    with torch.inference_mode():
        after = loaded.eval().category_logits(ids, mask), loaded.embed(ids, mask)
    assert meta["categories"] == ["a", "b", "c"] and meta["task"] == "classify"
    assert torch.allclose(before[0], after[0], atol=1e-5) and torch.allclose(before[1], after[1], atol=1e-5)
