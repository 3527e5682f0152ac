"""Text models behind interview packs: who phrases the questions, and how relevant each one is.

    .venv/bin/python ray_jobs/interview_pack.py experiment=smoke                      # templates
    .venv/bin/python ray_jobs/interview_pack.py interview.generator=hf_local \\
        interview.generator_model_path=/models/flan-t5-base                         # a local model

`TemplateGenerator` keeps the question bank's wording (`TEMPLATES`, one phrasing per question picked by
a stable hash). `LocalModelGenerator` rewrites that wording with a local Hugging Face model
(causal or seq2seq, greedy decoding, `local_files_only`, `trust_remote_code=False`); rubric, reason
and every other field stay the template's, and an unusable output (empty, too short, or no
question) falls back to the template text, so the pack keeps its schema whatever the model says.
`EncoderRelevance` scores a question's relevance to the job description as the bi-encoder's cosine.
"""
from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import Protocol, Sequence

import torch

from recruit_core.config import InterviewConfig, ModelConfig

TEMPLATES = {
    "gap_required": (
        "The role requires {skill}, which your resume does not mention. What experience do you have "
        "with {skill} or the closest {noun} you have used, and how would you get productive with it?",
        "We rely on {skill} every day. Tell me about any work with {skill}, or with a comparable "
        "{noun}, and what you would need to learn first.",
    ),
    "gap_preferred": (
        "{skill} is a plus for this role. Have you worked with it or something similar? What did you do?",
        "Have you had a chance to use {skill}? If not, which comparable {noun} do you know best?",
    ),
    "verify": (
        "Your resume mentions {skill}. Walk me through {artifact}. What were your decisions on "
        "{depth}? And tell me about {pitfall}.",
        "Pick {artifact} that you are proud of. Talk me through {depth} there, and describe {pitfall}.",
    ),
    "seniority": (
        "This is a {level} role, which means {scope}. Tell me about the largest piece of work you "
        "owned: its scope, who was involved and which decisions were yours.",
    ),
    "behavioural": (
        "Tell me about a time you had to {task}. What was the situation, what did you do, and what "
        "was the result?",
        "Describe a recent example where you needed to {task}. What was your part and how did it end?",
    ),
}
PROMPT = ("Rewrite this interview question for a {title} candidate so it is clear and friendly. "
          "Keep its meaning.\nQuestion: {question}\nRewritten question:")
MIN_QUESTION_CHARS = 15  # shorter than "What is {skill}?" cannot carry the template's intent
MAX_NEW_TOKENS = 80  # two sentences; the longest template is ~45 tokens
MAX_PROMPT_TOKENS = 256


# Questions speak to the candidate ("a workflow you set up"); rubrics speak to the interviewer
# about the candidate ("their own part in it"). The facet phrases are written for questions, so a
# rubric that quotes one turns its second person into the third.
_SECOND_PERSON = re.compile(r"\b(you|your|yours|yourself)\b", re.IGNORECASE)
_THIRD_PERSON = {"you": "they", "your": "their", "yours": "theirs", "yourself": "themselves"}


def third_person(text: str) -> str:
    """'a workflow you set up with Git' -> 'a workflow they set up with Git'."""
    return _SECOND_PERSON.sub(lambda m: _THIRD_PERSON[m.group(1).lower()], text)


def pick(options: Sequence[str], *keys: str) -> str:
    """A phrasing chosen by a stable hash (not `hash()`, which varies per process), so packs read
    varied yet are identical on every run."""
    return options[zlib.crc32("|".join(keys).encode()) % len(options)]


class QuestionGenerator(Protocol):
    name: str

    def phrase(self, job: dict, questions: Sequence[str]) -> list[str]:
        """The final wording of each template question, in order."""


class TemplateGenerator:
    name = "template"

    def phrase(self, job: dict, questions: Sequence[str]) -> list[str]:
        return list(questions)


class LocalModelGenerator:
    """Rephrases template questions with a local generative model; greedy, so deterministic."""

    def __init__(self, model_path: str | Path, max_new_tokens: int = MAX_NEW_TOKENS):
        from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

        path = Path(model_path)
        if not (path / "config.json").is_file():
            raise FileNotFoundError(
                f"interview.generator_model_path={model_path!s}: no config.json there; point it at a "
                "local Hugging Face folder (causal or seq2seq LM with its tokenizer), or use "
                "interview.generator=template")
        options = {"local_files_only": True, "trust_remote_code": False}
        config = AutoConfig.from_pretrained(str(path), **options)
        self.seq2seq = bool(getattr(config, "is_encoder_decoder", False))
        model_class = AutoModelForSeq2SeqLM if self.seq2seq else AutoModelForCausalLM
        self.tokenizer = AutoTokenizer.from_pretrained(str(path), **options)
        self.model = model_class.from_pretrained(str(path), use_safetensors=True, **options).eval()
        self.max_new_tokens = max_new_tokens
        self.name = f"hf_local:{path.name}"
        self.fallbacks = 0  # how many outputs were unusable and kept the template text

    def phrase(self, job: dict, questions: Sequence[str]) -> list[str]:
        return [self._rewrite(job.get("title", ""), q) for q in questions]

    @torch.inference_mode()
    def _rewrite(self, title: str, question: str) -> str:
        inputs = self.tokenizer(PROMPT.format(title=title, question=question), return_tensors="pt",
                                truncation=True, max_length=MAX_PROMPT_TOKENS)
        pad_id = self.tokenizer.pad_token_id
        if pad_id is None:
            pad_id = self.tokenizer.eos_token_id
        output = self.model.generate(**inputs, do_sample=False, num_beams=1, pad_token_id=pad_id,
                                     max_new_tokens=self.max_new_tokens)[0]
        new_tokens = output if self.seq2seq else output[inputs["input_ids"].shape[1]:]
        text = self.tokenizer.decode(new_tokens, skip_special_tokens=True).strip()
        text = text.splitlines()[0].strip() if text else ""
        asks = "?" in text or text.lower().startswith(("tell", "describe", "walk", "explain", "pick"))
        if len(text) < MIN_QUESTION_CHARS or not asks:
            self.fallbacks += 1
            return question
        return text


def make_generator(cfg: InterviewConfig) -> QuestionGenerator:
    if cfg.generator == "template":
        return TemplateGenerator()
    if cfg.generator == "hf_local":
        if not cfg.generator_model_path:
            raise ValueError("interview.generator=hf_local needs interview.generator_model_path=DIR "
                             "(a local Hugging Face model folder)")
        return LocalModelGenerator(cfg.generator_model_path)
    raise ValueError(f"interview.generator={cfg.generator!r}: use template or hf_local")


class EncoderRelevance:
    """Cosine between a question and the job description under the bi-encoder, embedded as
    scoring embeds texts (`recruit_core.model.forward.TextEncoder`): a long description is read
    in all its windows, not cut at the first.

    Embeddings are cached per text, and each one's bits depend on its text alone, so packs are
    identical on every run and every worker whatever else shares a call.
    """

    DECIMALS = 4  # relevance is stored rounded: last-bit float noise must not reorder questions

    def __init__(self, encoder):
        self.encoder = encoder
        self._cache: dict[str, torch.Tensor] = {}

    @classmethod
    def from_config(cls, model_cfg: ModelConfig) -> "EncoderRelevance":
        from recruit_core.model.forward import TextEncoder, load_scoring_model

        return cls(TextEncoder(load_scoring_model("", model_cfg), model_cfg))

    def _vectors(self, texts: Sequence[str]) -> list[torch.Tensor]:
        new = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if new:
            self._cache.update(zip(new, torch.from_numpy(self.encoder.embed_texts(new))))
        return [self._cache[t] for t in texts]

    def __call__(self, job_text: str, questions: Sequence[str]) -> list[float]:
        job, *asked = self._vectors([job_text, *questions])
        return [round(float(job @ q), self.DECIMALS) for q in asked]
