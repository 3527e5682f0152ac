"""LoRA adapters: a training run that stores a few MB instead of a full copy of the encoder.

    python ray_jobs/train.py experiment=livecareer train.adapter=lora   # an adapter run

With `train.adapter=lora` the pretrained encoder stays frozen and only low-rank updates of the
linear layers named in `train.lora_targets` (plus the heads) are trained (peft's LoRA). A
checkpoint and the published model folder then hold:

- `adapter_config.json` and `adapter_model.safetensors`: peft's own files (peft loads them too);
- `recruit.json`: `adapter` = the base model's settings (`model`), its folder, and the sha256
  of its weights (`model.safetensors`; the tiny test BERT, which has no file: its weights as
  safetensors bytes);
- the heads, the tokenizer and the model card, as in a full folder.

`RecruitModel.load` rebuilds the base, refuses a base whose sha256 differs from the recorded
one (`AdapterBaseMismatchError`), and merges the adapter into the weights: what scores is a plain
encoder, so scoring is the one forward pass of `recruit_core.model.forward`, the same bits per
resume whatever the batch. peft is imported only when an adapter is built or loaded. Nothing
here reaches the network: the adapter files are written and read with safetensors directly.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace

from safetensors.torch import load_file, save, save_file
from torch import nn
from transformers import AutoModel

from recruit_core.model.encoder import (
    WEIGHTS_FILE,
    WeightsMismatchError,
    minilm_dir,
    tiny_bert,
    weights_sha256,
)

ADAPTER_CONFIG, ADAPTER_WEIGHTS = "adapter_config.json", "adapter_model.safetensors"


class AdapterBaseMismatchError(WeightsMismatchError):
    """The base model found for an adapter is not the one it was trained on."""


def is_adapter_folder(folder: str | Path) -> bool:
    return (Path(folder) / ADAPTER_CONFIG).is_file()


def is_adapted(encoder: nn.Module) -> bool:
    """True for an encoder wrapped by peft (training an adapter), without importing peft."""
    return getattr(encoder, "peft_config", None) is not None


def _namespace(model: dict) -> SimpleNamespace:
    """The `model` section as attributes, without the config schema (bench nodes lack it)."""
    return SimpleNamespace(**{**model, "tiny": SimpleNamespace(**model["tiny"])})


def base_folder(model: dict) -> Path | None:
    """Where the base's weights are: the installed MiniLM package, a local folder, or None
    (the tiny BERT is built from its seed)."""
    if model["source"] == "tiny":
        return None
    if model["source"] == "minilm":
        return minilm_dir()
    return Path(model["name_or_path"]).expanduser().resolve()


def encoder_sha256(encoder: nn.Module) -> str:
    """sha256 of an encoder's weights as safetensors bytes: the fingerprint of a base with no file."""
    state = {k: v.detach().cpu().contiguous() for k, v in encoder.state_dict().items()}
    return hashlib.sha256(save(state)).hexdigest()


def base_record(model: dict, vocab_size: int) -> dict:
    """What an adapter folder records about its base: settings, folder and sha256 of the weights."""
    folder = base_folder(model)
    if folder is None:
        sha = encoder_sha256(tiny_bert(_namespace(model), vocab_size))
    else:
        sha = weights_sha256(folder)
    return {"kind": "lora", "model": model, "folder": str(folder or ""), "sha256": sha,
            "vocab_size": vocab_size}


def add_lora(encoder: nn.Module, r: int, alpha: int, dropout: float, targets: list[str]) -> nn.Module:
    """The encoder with LoRA on the target linear layers; everything else frozen."""
    from peft import LoraConfig, get_peft_model
    config = LoraConfig(r=r, lora_alpha=alpha, lora_dropout=dropout, target_modules=list(targets),
                        bias="none")
    return get_peft_model(encoder, config)


def save_adapter(encoder: nn.Module, folder: Path, meta: dict) -> None:
    """peft's two files; `meta["adapter"]` (from `base_record`) must say what the base is."""
    from peft import get_peft_model_state_dict
    if "adapter" not in meta:
        raise ValueError(f"{folder}: an adapter needs its base recorded: pass "
                         "extra={'adapter': adapters.base_record(...)} to RecruitModel.save")
    encoder.peft_config["default"].save_pretrained(str(folder))
    weights = {k: v.detach().cpu().contiguous() for k, v in get_peft_model_state_dict(encoder).items()}
    save_file(weights, str(folder / ADAPTER_WEIGHTS), metadata={"format": "pt"})


def _load_base(base: dict, where: Path) -> nn.Module:
    """The base encoder the record names, refused unless its sha256 is the recorded one."""
    folder = base_folder(base["model"])
    if folder is None:
        encoder = tiny_bert(_namespace(base["model"]), base["vocab_size"]).eval()  # as from_pretrained
        actual, name = encoder_sha256(encoder), "tiny BERT " + json.dumps(base["model"]["tiny"])
    else:
        if not (folder / WEIGHTS_FILE).is_file():
            raise FileNotFoundError(f"{where}: its base model folder {folder} has no {WEIGHTS_FILE}; "
                                    "restore the base there or fix adapter.model in recruit.json")
        actual, name, encoder = weights_sha256(folder), str(folder / WEIGHTS_FILE), None
    if actual != base["sha256"]:
        raise AdapterBaseMismatchError(
            f"{where}: the adapter was trained on a base with sha256 {base['sha256']}, but {name} "
            f"has sha256 {actual}; load it with the base it was trained on (adapter.model and "
            "adapter.folder in recruit.json), or retrain the adapter on this base")
    if encoder is None:
        encoder = AutoModel.from_pretrained(str(folder), trust_remote_code=False, use_safetensors=True)
    return encoder


def load_adapted_encoder(folder: Path, base: dict, merge: bool = True) -> nn.Module:
    """The base with the folder's adapter: merged into its weights (scoring), or as a trainable
    peft model (`merge=False`: resuming an adapter run)."""
    from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
    config = LoraConfig.from_pretrained(str(folder))
    config.inference_mode = merge
    encoder = get_peft_model(_load_base(base, folder), config)
    set_peft_model_state_dict(encoder, load_file(str(folder / ADAPTER_WEIGHTS)))
    return encoder.merge_and_unload() if merge else encoder


def adapter_sha256(folder: Path, base: dict) -> str:
    """sha256 naming what an adapter folder scores with: its adapter weights and its base's."""
    digest = hashlib.sha256((folder / ADAPTER_WEIGHTS).read_bytes())
    digest.update(base["sha256"].encode())
    return digest.hexdigest()
