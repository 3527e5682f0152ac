"""LoRA adapter folders without Ray: small on disk, loaded merged, base checked, offline."""
from __future__ import annotations

import json
import socket
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import compose_config

from recruit_core.config import TrainConfig
from recruit_core.model import adapters
from recruit_core.model.encoder import WEIGHTS_FILE, load_encoder
from recruit_core.model.forward import TextEncoder, load_scoring_model, model_fingerprint
from recruit_core.model.recruit import RecruitModel
from recruit_core.train.loop import TaskModel, build_optimizer, tokenize_examples

CATEGORIES = ["chef", "developer", "nurse"]
RESUMES = ["Line cook: prepared sauces, grilled fish, ran the kitchen pass, plated desserts.",
           "Backend developer: wrote Python services, SQL queries, code reviews, CI pipelines.",
           "Registered nurse, ICU, six years: triage, medication rounds, patient charts."]
LORA = TrainConfig(adapter="lora")


@pytest.fixture
def base_folder(tmp_path) -> Path:
    """The tiny BERT saved as a local HF folder: a base with a file, as MiniLM's is."""
    tokenizer, encoder, _ = load_encoder(compose_config(["experiment=smoke"]).model)
    folder = tmp_path / "base"
    encoder.save_pretrained(str(folder), safe_serialization=True)
    tokenizer.save_pretrained(str(folder))
    return folder


def adapted_model(model_cfg) -> tuple[RecruitModel, object]:
    """A RecruitModel whose LoRA updates are non-zero (peft starts them at zero: a no-op)."""
    tokenizer, encoder, _ = load_encoder(model_cfg)
    encoder = adapters.add_lora(encoder, LORA.lora_r, LORA.lora_alpha, LORA.lora_dropout,
                                LORA.lora_targets)
    torch.manual_seed(1)
    with torch.no_grad():
        for name, param in encoder.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.2)
    return RecruitModel(encoder, CATEGORIES).eval(), tokenizer


def save_adapter_run(tmp_path: Path, base_folder: Path):
    model_cfg = compose_config(["model=local", f"model.name_or_path={base_folder}", "model.sha256="]).model
    model, tokenizer = adapted_model(model_cfg)
    meta = {"task": "classify", "adapter": adapters.base_record(asdict(model_cfg), len(tokenizer))}
    folder = model.save(tmp_path / "run" / "model", tokenizer, meta)
    return folder, model, tokenizer, model_cfg


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def test_adapter_folder_is_small_and_scores_as_the_trained_model(tmp_path, base_folder):
    folder, trained, tokenizer, model_cfg = save_adapter_run(tmp_path, base_folder)
    assert not (folder / WEIGHTS_FILE).exists()
    # the adapter is 2% of the weights it adapts; the folder (tokenizer included) under 1 MB
    adapter = (folder / adapters.ADAPTER_WEIGHTS).stat().st_size
    assert adapter * 50 < (base_folder / WEIGHTS_FILE).stat().st_size
    assert folder_bytes(folder) < 1_000_000
    scoring = load_scoring_model(str(folder), model_cfg)
    assert scoring.trained and not adapters.is_adapted(scoring.model.encoder)  # merged
    assert scoring.fingerprint == model_fingerprint(str(folder), model_cfg)
    scored = TextEncoder(scoring, model_cfg)
    windows = scored.tokenize(RESUMES)
    logits = scored.category_logits(scored.pooled_windows(windows), windows.owner, len(RESUMES))
    with torch.no_grad():
        ids, mask = torch.from_numpy(windows.input_ids), torch.from_numpy(windows.attention_mask)
        expected = trained.category_logits(ids.long(), mask.long(), torch.from_numpy(windows.owner),
                                           len(RESUMES))
    torch.testing.assert_close(logits, expected, atol=1e-5, rtol=1e-4)
    base = TextEncoder(load_scoring_model("", model_cfg), model_cfg)
    assert not torch.allclose(scored.pooled_windows(windows), base.pooled_windows(windows), atol=1e-3)


def test_adapter_scores_do_not_depend_on_the_batch(tmp_path, base_folder):
    folder, _, _, model_cfg = save_adapter_run(tmp_path, base_folder)
    scored = TextEncoder(load_scoring_model(str(folder), model_cfg), model_cfg)
    together = scored.embed_texts(RESUMES)
    alone = np.concatenate([scored.embed_texts([text]) for text in RESUMES])
    assert np.array_equal(together, alone)


def test_adapter_on_a_different_base_fails_naming_both_hashes(tmp_path, base_folder):
    folder, _, _, _ = save_adapter_run(tmp_path, base_folder)
    recorded = json.loads((folder / "recruit.json").read_text())["adapter"]["sha256"]
    other = compose_config(["experiment=smoke", "model.tiny.seed=7"]).model
    load_encoder(other)[1].save_pretrained(str(base_folder), safe_serialization=True)
    with pytest.raises(adapters.AdapterBaseMismatchError, match=f"trained on a base with sha256 {recorded}"):
        RecruitModel.load(folder)


def test_tiny_base_is_rebuilt_and_checked_from_its_settings(tmp_path):
    model_cfg = compose_config(["experiment=smoke"]).model
    model, tokenizer = adapted_model(model_cfg)
    meta = {"task": "classify", "adapter": adapters.base_record(asdict(model_cfg), len(tokenizer))}
    folder = model.save(tmp_path / "model", tokenizer, meta)
    loaded, _, _ = RecruitModel.load(folder)
    ids = torch.tensor([tokenizer(RESUMES[0])["input_ids"]])
    with torch.no_grad():
        torch.testing.assert_close(loaded.pooled(ids, torch.ones_like(ids)),
                                   model.pooled(ids, torch.ones_like(ids)), atol=1e-5, rtol=1e-4)
    meta["adapter"]["model"]["tiny"]["seed"] = 7
    (folder / "recruit.json").write_text(json.dumps(meta))
    with pytest.raises(adapters.AdapterBaseMismatchError, match="tiny BERT"):
        RecruitModel.load(folder)


def test_adapter_save_and_load_open_no_network_connection(tmp_path, base_folder, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"network connection attempted: {args}")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    folder, _, _, model_cfg = save_adapter_run(tmp_path, base_folder)
    assert load_scoring_model(str(folder), model_cfg).trained


def test_adapter_run_trains_only_adapters_and_heads_all_of_which_get_gradients():
    """What DDP needs: every parameter asking for a gradient gets one in each step."""
    model_cfg = compose_config(["experiment=smoke"]).model
    model, _ = adapted_model(model_cfg)
    task_model = TaskModel(model.train(), "classify")
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n or n.startswith("category_head.") for n in trainable)
    rows = {"text": np.asarray(RESUMES, dtype=object), "label": np.asarray([0, 1, 2])}
    batch = {k: torch.from_numpy(np.asarray(v))
             for k, v in tokenize_examples(rows, "classify", asdict(model_cfg)).items()}
    task_model(batch).backward()
    assert {n for n, p in model.named_parameters() if p.grad is not None} == trainable
    optimizer = build_optimizer(task_model, replace(LORA, lr=1e-4, head_lr_scale=20))
    assert sorted({group["lr"] for group in optimizer.param_groups}) == pytest.approx([1e-3, 2e-3])


def test_checkpoint_reloads_unmerged_to_continue_training(tmp_path):
    model_cfg = compose_config(["experiment=smoke"]).model
    model, tokenizer = adapted_model(model_cfg)
    meta = {"task": "classify", "adapter": adapters.base_record(asdict(model_cfg), len(tokenizer))}
    folder = model.save(tmp_path / "checkpoint", tokenizer, meta)
    resumed, _, _ = RecruitModel.load(folder, merge=False)
    assert adapters.is_adapted(resumed.encoder)
    before = dict(model.named_parameters())
    for name, param in resumed.named_parameters():
        assert param.requires_grad == ("lora_" in name or "_head." in name), name
        if param.requires_grad:
            assert torch.equal(param, before[name]), name
