"""A lexical category head: TF-IDF blocks of a resume's words, characters and headline, a linear
classifier on them and a softmax temperature, stored in a model folder beside the encoder.

    python ray_jobs/train.py data=livecareer train.task=lexical      # writes the folder
    python ray_jobs/score.py score.model_path=outputs/train/<run_name>/model

On livecareer the lexical classifiers beat every neural head on dev macro-F1 (bench/RESULTS.md,
`livecareer_classifier`), so a folder can carry one: `train.task=lexical` (recruit_core/train/
lexical_task.py) writes it, and the score job takes a resume's categories from it instead of the
encoder's category head, while the encoder still gives the embedding and the fit to jobs.

A block is one TfidfVectorizer on one part of the text (the whole text or its headline) with a
scale, its vocabulary learnt from the training texts or fixed in advance (`terms`: the category
names); the features are the blocks side by side. A folder stores each block's vocabulary and IDF
and the classifier's weights as plain arrays (`LEXICAL_ARRAYS`, read without pickle) and the
settings in `LEXICAL_FILE`. A resume's features and logits depend on its own text alone.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
from scipy import sparse

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

LEXICAL_FILE = "lexical_head.json"
LEXICAL_ARRAYS = "lexical_head.npz"
PARTS = ("text", "headline")


def headline(text: str) -> str:
    """A resume's first non-blank line."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


_PART: dict[str, Callable[[str], str]] = {"text": lambda text: text, "headline": headline}


@dataclass
class Block:
    """One TF-IDF vectorizer over one part of a resume, its rows scaled by `weight`."""

    part: str  # "text" or "headline"
    spec: dict  # TfidfVectorizer keyword arguments
    weight: float = 1.0
    terms: tuple[str, ...] | None = None  # a fixed vocabulary; None: learnt from the training texts
    vectorizer: TfidfVectorizer | None = field(default=None, repr=False)

    def fit_transform(self, texts: list[str]) -> sparse.csr_matrix:
        from sklearn.feature_extraction.text import TfidfVectorizer
        fixed = {"vocabulary": list(self.terms)} if self.terms is not None else {}
        self.vectorizer = TfidfVectorizer(**self.spec, **fixed)
        return self.vectorizer.fit_transform([_PART[self.part](t) for t in texts]) * self.weight

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        return self.vectorizer.transform([_PART[self.part](t) for t in texts]) * self.weight

    def settings(self) -> dict:
        spec = {k: list(v) if isinstance(v, tuple) else v for k, v in self.spec.items()}
        fixed = {"terms": list(self.terms)} if self.terms is not None else {}
        return {"part": self.part, "spec": spec, "weight": self.weight, **fixed}


def _spec(stored: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in stored.items()}


def _restored(spec: dict, vocabulary: np.ndarray, idf: np.ndarray) -> TfidfVectorizer:
    """A fitted vectorizer from its vocabulary (terms in column order) and IDF."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    kept = {k: v for k, v in spec.items() if k not in ("min_df", "max_df", "max_features")}
    vectorizer = TfidfVectorizer(**kept, vocabulary={term: i for i, term in enumerate(vocabulary.tolist())})
    vectorizer.idf_ = idf
    return vectorizer


class LexicalFeatures:
    """Blocks side by side, fitted on training texts only."""

    def __init__(self, blocks: list[Block]):
        unknown = {b.part for b in blocks} - set(PARTS)
        if unknown:
            raise ValueError(f"lexical block parts {sorted(unknown)}: use {PARTS}")
        self.blocks = blocks

    def fit_transform(self, texts: list[str]) -> sparse.csr_matrix:
        return sparse.hstack([b.fit_transform(texts) for b in self.blocks]).tocsr()

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        return sparse.hstack([b.transform(texts) for b in self.blocks]).tocsr()

    @property
    def n_features(self) -> int:
        return sum(len(b.vectorizer.vocabulary_) for b in self.blocks)


@dataclass
class LexicalHead:
    """Category logits = (features @ coef.T + intercept) / temperature; softmax gives probabilities."""

    features: LexicalFeatures
    categories: list[str]
    coef: np.ndarray  # [categories, features]
    intercept: np.ndarray  # [categories]
    temperature: float
    meta: dict = field(default_factory=dict)  # how it was chosen: family, C, CV and dev figures

    def logits(self, texts: list[str]) -> np.ndarray:
        """[len(texts), categories] float32; each row from its own text alone."""
        if not texts:
            return np.zeros((0, len(self.categories)), np.float32)
        rows = self.features.transform(texts)
        scores = np.asarray(rows @ self.coef.T) + self.intercept
        return (scores / self.temperature).astype(np.float32)

    def save(self, folder: str | Path) -> None:
        folder = Path(folder)
        arrays = {"coef": self.coef.astype(np.float32), "intercept": self.intercept.astype(np.float32)}
        for i, block in enumerate(self.features.blocks):
            vocabulary = block.vectorizer.vocabulary_
            terms = np.empty(len(vocabulary), dtype=object)
            for term, column in vocabulary.items():
                terms[column] = term
            arrays[f"vocabulary_{i}"] = terms.astype(str)
            arrays[f"idf_{i}"] = block.vectorizer.idf_.astype(np.float64)
        np.savez(folder / LEXICAL_ARRAYS, **arrays)
        settings = {"categories": self.categories, "temperature": self.temperature,
                    "blocks": [b.settings() for b in self.features.blocks], "meta": self.meta,
                    "arrays_sha256": hashlib.sha256((folder / LEXICAL_ARRAYS).read_bytes()).hexdigest()}
        (folder / LEXICAL_FILE).write_text(json.dumps(settings, indent=2, sort_keys=True))

    @classmethod
    def load(cls, folder: str | Path) -> "LexicalHead":
        folder = Path(folder)
        settings = json.loads((folder / LEXICAL_FILE).read_text())
        data = (folder / LEXICAL_ARRAYS).read_bytes()
        if hashlib.sha256(data).hexdigest() != settings["arrays_sha256"]:
            raise ValueError(f"{folder / LEXICAL_ARRAYS}: sha256 differs from {LEXICAL_FILE}'s; "
                             "the folder's lexical head is corrupt or was swapped")
        with np.load(folder / LEXICAL_ARRAYS, allow_pickle=False) as arrays:
            blocks = []
            for i, stored in enumerate(settings["blocks"]):
                terms = tuple(stored["terms"]) if "terms" in stored else None
                block = Block(stored["part"], _spec(stored["spec"]), float(stored["weight"]), terms)
                block.vectorizer = _restored(block.spec, arrays[f"vocabulary_{i}"], arrays[f"idf_{i}"])
                blocks.append(block)
            return cls(LexicalFeatures(blocks), list(settings["categories"]),
                       arrays["coef"].astype(np.float64), arrays["intercept"].astype(np.float64),
                       float(settings["temperature"]), settings.get("meta", {}))


def read_folder_lexical(folder: str | Path | None) -> LexicalHead | None:
    """The lexical head a model folder carries, if any."""
    if not folder or not (Path(folder) / LEXICAL_FILE).is_file():
        return None
    return LexicalHead.load(folder)


def lexical_sha256(folder: Path) -> str | None:
    """What the folder's fingerprint adds for its lexical head (None without one)."""
    path = folder / LEXICAL_FILE
    return json.loads(path.read_text())["arrays_sha256"] if path.is_file() else None
