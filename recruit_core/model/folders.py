"""Model folders that transformers and sentence-transformers load with the trained heads.

`RecruitModel.save` writes one folder per checkpoint; this module decides its layout by `train.task`
(the `task` in `recruit.json`). Every folder holds the Hugging Face files (config.json,
model.safetensors, tokenizer), `recruit.json` (categories, training metadata) and
`recruit_heads.safetensors` (the heads that no library layout below has a place for), plus:

- classify: config.json says BertForSequenceClassification, `id2label` the categories, and
  model.safetensors holds the category head as `classifier.weight/bias`. modules.json makes the
  folder a SentenceTransformer of Transformer -> Pooling(mean) -> Dense(no activation) whose
  `encode(texts)` returns the category logits.
- crossencoder: the same with one label, `classifier` the fit head; modules.json makes it a
  CrossEncoder of Transformer -> Pooling(mean) -> Dense(1) with a sigmoid, so
  `CrossEncoder(folder).predict([(job, resume)])` is sigmoid(fit logit).
- biencoder, or no task: config.json a BertModel; modules.json Transformer -> Pooling(mean) ->
  Normalize, so `SentenceTransformer(folder).encode(texts)` is recruit's embedding.

What matches recruit, for a text that fits in one window (a pair within `max_length` tokens):
- SentenceTransformer / CrossEncoder run recruit's own forward (mean of the token states, then
  the head): equal within float32 rounding (measured: at most 1e-6 on the tiny BERT, 1.1e-7 on
  MiniLM), not bit for bit, because recruit pads a window to a multiple of WIDTH_BUCKET tokens
  (so its scores do not depend on batch-mates) while sentence-transformers pads to the longest
  text of its batch, and attention and matmul kernels sum in a width-dependent order (at the same
  width the embeddings agree bit for bit, measured on the tiny BERT). A longer resume differs:
  sentence-transformers keeps its first `max_length` tokens, recruit averages up to
  `max_windows` windows.
- AutoModelForSequenceClassification loads the trained encoder and head bit for bit, but its
  forward is not recruit's: its classifier reads BERT's pooler (a tanh layer on [CLS]), which
  recruit neither uses (it mean-pools) nor trains (an identity pooler is written when the encoder
  has none, so loading is deterministic). Its logits are therefore not recruit's; use the
  sentence-transformers classes for recruit's outputs.
- Token types: recruit feeds none (all zeros), so the saved tokenizer makes none
  (`model_input_names`), and a library tokenizing a (job, resume) pair calls the model as recruit did.
A LoRA run (`train.adapter=lora`) writes an adapter folder instead: peft's adapter_config.json and
adapter_model.safetensors, every head in the heads file, the tokenizer, and in `recruit.json` the
base it adapts (settings, folder, sha256); no layout above, since those libraries would need the
merged weights. `RecruitModel.load` merges it (`recruit_core.model.adapters`).
The library layout for the classifier is BERT's; an encoder of another family keeps its head in
`recruit_heads.safetensors` (a warning says so) and still gets the sentence-transformers files.
"""
from __future__ import annotations

import copy
import json
import logging
from importlib.metadata import version
from pathlib import Path

import torch
import transformers
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from recruit_core.model.encoder import WEIGHTS_FILE

log = logging.getLogger(__name__)
# The task head that the library layout carries, by task; the other heads stay in the heads file.
LAYOUT_HEAD = {"classify": "category_head", "crossencoder": "fit_head"}
# Families whose *ForSequenceClassification is `classifier(dropout(pooler(encoder)))`, one Linear.
CLASSIFIER_FAMILIES = ("bert",)
TOKEN_INPUTS = ["input_ids", "attention_mask"]  # what recruit feeds the encoder: no token types
ST_TRANSFORMER = "sentence_transformers.base.modules.transformer.Transformer"
ST_POOLING = "sentence_transformers.sentence_transformer.modules.pooling.Pooling"
ST_DENSE = "sentence_transformers.base.modules.dense.Dense"
ST_NORMALIZE = "sentence_transformers.base.modules.normalize.Normalize"


def layout_head(encoder: nn.Module, task: str | None) -> str | None:
    """The head written as the HF `classifier` for this task, or None (biencoder, no task, or an
    encoder family whose sequence-classification head is not one Linear)."""
    head = LAYOUT_HEAD.get(task or "")
    if head and encoder.config.model_type not in CLASSIFIER_FAMILIES:
        log.warning("task=%s with a %s encoder: the %s stays in recruit_heads.safetensors, so "
                    "AutoModelForSequenceClassification would load a fresh head; load the folder "
                    "with RecruitModel.load or sentence-transformers", task,
                    encoder.config.model_type, head)
        return None
    return head


def write_sequence_classifier(folder: Path, encoder: nn.Module, head: nn.Linear,
                              labels: list[str]) -> None:
    """Turn the encoder folder that `save_pretrained` wrote into a *ForSequenceClassification one:
    weights under the base-model prefix, the head as `classifier`, config with the labels."""
    prefix = encoder.base_model_prefix
    weights = {f"{prefix}.{name}": tensor for name, tensor in load_file(str(folder / WEIGHTS_FILE)).items()}
    if f"{prefix}.pooler.dense.weight" not in weights:
        hidden, dtype = encoder.config.hidden_size, head.weight.dtype
        weights[f"{prefix}.pooler.dense.weight"] = torch.eye(hidden, dtype=dtype)
        weights[f"{prefix}.pooler.dense.bias"] = torch.zeros(hidden, dtype=dtype)
    weights["classifier.weight"] = head.weight.detach().cpu().contiguous()
    weights["classifier.bias"] = head.bias.detach().cpu().contiguous()
    save_file(weights, str(folder / WEIGHTS_FILE), metadata={"format": "pt"})
    config = copy.deepcopy(encoder.config)
    config.architectures = [f"{encoder.__class__.__name__.removesuffix('Model')}ForSequenceClassification"]
    config.id2label = dict(enumerate(labels))
    config.label2id = {label: index for index, label in enumerate(labels)}
    config.problem_type = "single_label_classification" if len(labels) > 1 else None
    config.save_pretrained(str(folder))


def read_layout_head(folder: Path, task: str | None) -> dict[str, torch.Tensor]:
    """{"category_head.weight": ..., ...} from model.safetensors' `classifier`, or {} in a folder
    without one (an older folder: its heads are all in the heads file)."""
    head = LAYOUT_HEAD.get(task or "")
    if head is None:
        return {}
    with safe_open(str(folder / WEIGHTS_FILE), framework="pt") as weights:
        if "classifier.weight" not in weights.keys():
            return {}
        return {f"{head}.{part}": weights.get_tensor(f"classifier.{part}") for part in ("weight", "bias")}


def tokenizer_without_token_types(folder: Path) -> None:
    """Record in tokenizer_config.json that the model takes no token_type_ids: BERT would add a
    learned segment vector to a pair's second text that recruit never added in training."""
    path = folder / "tokenizer_config.json"
    config = json.loads(path.read_text()) if path.exists() else {}
    config["model_input_names"] = TOKEN_INPUTS
    path.write_text(json.dumps(config, indent=2, sort_keys=True))


def _json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, sort_keys=True))


def write_sentence_transformers(folder: Path, task: str | None, hidden: int, head: nn.Linear | None,
                                max_length: int | None) -> None:
    """modules.json and the module folders: the encoder at the folder root, mean pooling, then the
    task's head (a Dense without activation) or, for embeddings, L2 normalisation."""
    transformer = {"transformer_task": "feature-extraction", "module_output_name": "token_embeddings",
                   "modality_config": {"text": {"method": "forward",
                                                "method_output_name": "last_hidden_state"}}}
    if max_length:  # tokens per window in training: texts are cut there, as recruit cuts windows
        transformer["max_seq_length"] = int(max_length)
    _json(folder / "sentence_bert_config.json", transformer)
    _json(folder / "1_Pooling" / "config.json",
          {"embedding_dimension": hidden, "pooling_mode": "mean", "include_prompt": True})
    modules = [(ST_TRANSFORMER, ""), (ST_POOLING, "1_Pooling")]
    if head is None:
        _json(folder / "2_Normalize" / "config.json", {"module_input_name": "sentence_embedding",
                                                       "module_output_name": "sentence_embedding"})
        modules.append((ST_NORMALIZE, "2_Normalize"))
    else:
        output = "scores" if task == "crossencoder" else "sentence_embedding"
        _json(folder / "2_Dense" / "config.json", {
            "in_features": hidden, "out_features": head.out_features, "bias": True,
            "activation_function": "torch.nn.modules.linear.Identity",
            "module_input_name": "sentence_embedding", "module_output_name": output})
        save_file({"linear.weight": head.weight.detach().cpu().contiguous(),
                   "linear.bias": head.bias.detach().cpu().contiguous()},
                  str(folder / "2_Dense" / WEIGHTS_FILE), metadata={"format": "pt"})
        modules.append((ST_DENSE, "2_Dense"))
    _json(folder / "modules.json", [{"idx": i, "name": str(i), "path": path, "type": kind}
                                    for i, (kind, path) in enumerate(modules)])
    _json(folder / "config_sentence_transformers.json", _model_config(task))


def _model_config(task: str | None) -> dict:
    config = {"__version__": {"sentence_transformers": version("sentence-transformers"),
                              "transformers": transformers.__version__, "pytorch": torch.__version__},
              "prompts": {}, "default_prompt_name": None}
    if task == "crossencoder":  # the fit probability, as recruit's loss (BCE with logits) reads it
        return {**config, "model_type": "CrossEncoder",
                "activation_fn": "torch.nn.modules.activation.Sigmoid"}
    if task == "classify":
        return {**config, "model_type": "SentenceTransformer"}
    return {**config, "model_type": "SentenceTransformer", "similarity_fn_name": "cosine"}
