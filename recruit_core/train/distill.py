"""Distillation: a student made of fewer layers of the teacher's own encoder learns, from unlabelled
resumes, to give each token window the pooled vector the teacher gives it.

    python ray_jobs/train.py train=distill data=livecareer train.student_layers=3
    python ray_jobs/train.py train=distill train.teacher=outputs/demo/screening-model

The student starts as a copy of the teacher with `train.student_layers` of its transformer layers
kept, spread evenly and the last one always among them (it feeds the pooling). Its heads are the
teacher's, copied and frozen: every head of recruit reads the pooled vector (the category head,
the cross-encoder's fit head, the bi-encoder's embedding head and fit towers), so a student that
reproduces the pooled vectors keeps them all. The loss is the mean squared error between the
student's and the teacher's pooled vectors of the same window (the teacher in eval mode, without
gradients); the dev figure is their mean cosine on the dev texts. The texts are never labelled:
livecareer's train split (its dev split for the dev figure), the synthetic pool's resumes, or both
(`train.distill_pool`). The saved folder is an ordinary model folder of a smaller encoder: it loads
and scores like any other, at `model.precision=int8` too (bench/cheaper_models.py compares them).
"""
from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from recruit_core.config import ModelConfig
from recruit_core.model.recruit import RecruitModel


def kept_layers(total: int, keep: int) -> list[int]:
    """Indices of `keep` of `total` layers, evenly spread and ending with the last: 3 of 6 ->
    [1, 3, 5]. The last layer's output is what mean pooling reads."""
    if not 1 <= keep <= total:
        raise ValueError(f"train.student_layers={keep}: the teacher has {total} layers; keep 1 to "
                         f"{total}")
    return [round((i + 1) * total / keep) - 1 for i in range(keep)]


def transformer_layers(encoder: nn.Module) -> nn.ModuleList:
    """The encoder's stack of transformer layers (BERT's `encoder.layer`)."""
    stack = getattr(getattr(encoder, "encoder", None), "layer", None)
    if not isinstance(stack, nn.ModuleList):
        raise ValueError(f"a {encoder.config.model_type} encoder: distillation cuts BERT-family "
                         "encoders (encoder.encoder.layer); use a BERT-family teacher")
    return stack


def student_of(teacher: RecruitModel, keep: int) -> RecruitModel:
    """A copy of the teacher with `keep` of its layers and its heads (frozen by the task)."""
    student = copy.deepcopy(teacher)
    layers = transformer_layers(student.encoder)
    chosen = kept_layers(len(layers), keep)
    student.encoder.encoder.layer = nn.ModuleList(layers[i] for i in chosen)
    student.encoder.config.num_hidden_layers = keep
    return student


def load_teacher(teacher_path: str, model_cfg: ModelConfig) -> tuple[RecruitModel, object]:
    """(teacher, tokenizer): a trained model folder (an adapter merged, an object-store folder
    downloaded), or the pretrained encoder of `model=` when `teacher_path` is empty."""
    if teacher_path:
        from recruit_core.model.store import local_model_folder
        model, tokenizer, _ = RecruitModel.load(local_model_folder(teacher_path))
        return model, tokenizer
    from recruit_core.model.encoder import load_encoder
    tokenizer, encoder, _ = load_encoder(model_cfg)
    return RecruitModel(encoder), tokenizer


def distill_loss(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """Mean squared error of pooled vectors, averaged over windows and dimensions."""
    return F.mse_loss(student.float(), teacher.float())


def window_agreement(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """Cosine of each window's student and teacher pooled vectors."""
    return F.cosine_similarity(student.float(), teacher.float(), dim=-1)


def evaluate_student(student: RecruitModel, teacher: RecruitModel, tokenizer, texts: list[str],
                     model_cfg: ModelConfig) -> dict:
    """How closely the student follows the teacher on the dev texts, through the scoring forward
    pass: cosine of their text embeddings (mean and 5th percentile) and, when the teacher has a
    category head, how often their top categories agree."""
    import numpy as np

    from recruit_core.model.forward import TextEncoder
    encoders = [TextEncoder.for_model(m.eval(), tokenizer, model_cfg) for m in (student, teacher)]
    vectors = [torch.from_numpy(e.pooled_texts(texts)) for e in encoders]
    cosine = window_agreement(*vectors).numpy()
    figures = {"texts": len(texts), "cosine_mean": round(float(cosine.mean()), 4),
               "cosine_p05": round(float(np.quantile(cosine, 0.05)), 4),
               "layers": student.encoder.config.num_hidden_layers,
               "teacher_layers": teacher.encoder.config.num_hidden_layers}
    if teacher.categories:
        top = [model.category_head(v).argmax(-1) for model, v in zip((student, teacher), vectors)]
        figures["category_top1_agreement"] = round(float((top[0] == top[1]).float().mean()), 4)
    return figures
