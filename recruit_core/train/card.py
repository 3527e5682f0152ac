"""The model card every trained model folder carries: README.md in the Hugging Face layout.

    python ray_jobs/train.py experiment=smoke      # <storage_path>/<run_name>/model/README.md

YAML front matter (language, license, library_name, tags, datasets, metrics) that the Hub and
`huggingface_hub.ModelCard` read, then the sections a reader of a recruiting model needs: what it is
for (ranked recommendations for a human reviewer, never automated rejection), what it was trained
on, this run's dev figures, its limits, and the bias audit's findings once `ray_jobs/audit.py`
has run with `audit.model_card=<the folder>` (recruit_core/audit/report.py writes that section).
"""
from __future__ import annotations

from pathlib import Path

import yaml

from recruit_core.config import RecruitConfig
from recruit_core.eval.metrics import format_table
from recruit_core.io import write_text_atomic

AUDIT_HEADING = "## Bias audit"
CARD_FILE = "README.md"
TASKS = {
    "classify": ("job category of a resume", "text-classification",
                 ["accuracy", "f1"]),
    "biencoder": ("resume and requisition embeddings whose cosine ranks requisitions for a resume "
                  "and resumes for a requisition", "sentence-similarity", ["recall", "ndcg"]),
    "crossencoder": ("fit of a (requisition, resume) pair, to rerank a shortlist", "text-ranking",
                     ["roc_auc", "recall", "ndcg"]),
    "distill": ("teacher's pooled vectors from fewer layers, so every head of the teacher reads "
                "them as before", "sentence-similarity", ["cosine_similarity"]),
}
BASE_MODELS = {"minilm": "sentence-transformers/all-MiniLM-L6-v2"}


def _front_matter(cfg: RecruitConfig) -> dict:
    _, pipeline, metrics = TASKS[cfg.train.task]
    matter = {"language": ["en"], "license": "apache-2.0", "library_name": "sentence-transformers",
              "pipeline_tag": pipeline,
              "tags": ["recruiting", "resume-screening", "human-in-the-loop", cfg.train.task],
              "datasets": [f"recruit-{cfg.data.source}"], "metrics": metrics}
    if cfg.train.extra_pool:
        matter["datasets"].append("recruit-synthetic")
    if cfg.model.source in BASE_MODELS:
        matter["base_model"] = BASE_MODELS[cfg.model.source]
    if cfg.train.adapter == "lora":  # the Hub's convention for an adapter folder
        matter.update(library_name="peft", tags=[*matter["tags"], "lora"])
    return matter


def _how_it_loads(cfg: RecruitConfig, base: str, adapter: dict | None) -> str:
    """The card's sentence on what the folder holds and what loads it."""
    if not adapter:
        return ("loads with `SentenceTransformer(folder)` or `CrossEncoder(folder)` and with "
                "`score.model_path` / `match.*_path`.")
    train = cfg.train
    return (f"A LoRA adapter (r={train.lora_r}, alpha={train.lora_alpha}, on "
            f"{', '.join(train.lora_targets)}) of `{base}`, whose `model.safetensors` has sha256 "
            f"`{adapter['sha256']}`: this folder holds the adapter and the heads, not the encoder. "
            "`score.model_path` / `match.*_path` (`RecruitModel.load`) find the base from "
            "`recruit.json`, refuse any other weights and merge the adapter into them; peft's "
            "`PeftModel.from_pretrained(base, folder)` loads it too. `SentenceTransformer(folder)` "
            "does not: it needs the merged weights.")


def evaluation_rows(task: str, dev: dict) -> list[dict]:
    """This run's dev figures, one row per model compared (classify: with its baselines)."""
    if task == "classify" and "lexical" in dev:  # train/lexical_task.py: the lexical head alone
        return [{"model": "this model's lexical head", **{k: dev["lexical"][k] for k in
                                                           ("accuracy", "macro_f1", "ece", "n")}}]
    if task == "classify":
        models = {"this model (windows pooled)": dev["windows"],
                  "this model (first window)": dev["first_window"], **dev.get("baselines", {})}
        return [{"model": name, **{k: r[k] for k in ("accuracy", "macro_f1", "ece", "n")}}
                for name, r in models.items()]
    if task == "distill":
        return [{"model": "this student against its teacher", **dev["agreement"]}]
    figures = dev["retrieval" if task == "biencoder" else "reranking"]
    return [{"model": "this model", **{k: v for k, v in figures.items() if isinstance(v, (int, float))}}]


def _training_data(cfg: RecruitConfig, figures: dict) -> str:
    rows = f"{figures['train_rows']} training and {figures['dev_rows']} dev examples"
    if cfg.data.source == "postings":
        extra = figures.get("extra_pool")
        added = "" if not extra else (
            f" Added to the fitting side only: the synthetic pool `{extra['folder']}` ({extra['jobs']} "
            f"requisitions x {extra['resumes']} resumes, {extra['fit_pairs']} fit pairs by the generator's "
            "truth, no pair across real and synthetic relevant); the dev figures are real pairs only.")
        learned = ("The encoder was fine-tuned on relevant pairs, hard negatives (the pretrained "
                   "cosine's highest-ranked non-relevant resumes) and random non-relevant ones."
                   if cfg.train.task == "crossencoder"
                   else "Only an embedding head was learned; the encoder is frozen.")
        return (f"Real job postings (`{cfg.data.postings_path}`, training half only) against real "
                f"livecareer train resumes, a pair relevant when the resume's category is one the "
                f"posting lists: {rows}. {learned}" + added)
    if cfg.data.source == "livecareer":
        return (f"Real resumes with job categories (`{cfg.data.livecareer_path}`, read by path, not "
                f"copied), split by the livecareer loader: {rows}.")
    return (f"recruit's synthetic talent pool (`{cfg.data.dir}`: {cfg.data.n_resumes} resumes, "
            f"{cfg.data.n_jobs} requisitions, seed {cfg.data.seed}, {cfg.data.taxonomy} taxonomy); "
            f"{rows}, the dev split held out by resume. Fit labels come from the generator's ground "
            "truth: occupation, share of required skills and seniority (README, 'Fit label'). No "
            "real person is in it. Demographics, when generated, are never part of any input.")


def _selection(figures: dict) -> str:
    if "selection" in figures:
        return figures["selection"]
    return f"best checkpoint by `{next(iter(figures.get('best_checkpoint_metrics') or {}), '')}`"


def _how_trained(base: str, task: str, figures: dict) -> str:
    if "gate" in figures and "head" in figures:  # train/embed_head_job.py: the encoder frozen
        return (f"The frozen `{base}` encoder with {figures['gate']['kept']} on top (an embedding head "
                "and category-space fit towers were fitted; dev chose), by recruit's train job "
                "(`python ray_jobs/train.py train=biencoder train.frozen_encoder=true`)")
    if task == "distill":
        source = figures.get("distilled_from") or {}
        return (f"Distilled from `{source.get('teacher') or base}`, keeping its layers "
                f"{source.get('layers')} and its heads, by recruit's train job (`python "
                "ray_jobs/train.py train=distill`) on unlabelled resumes")
    if figures.get("trainer") == "probe":
        training = figures.get("training") or {}
        return (f"The frozen `{base}` encoder with a logistic-regression category head (C="
                f"{training.get('probe_c')}, temperature {training.get('temperature', 1.0):.3f}, both "
                "chosen by 5-fold cross-validation on the train split) by recruit's train job "
                "(`python ray_jobs/train.py train.task=probe`)")
    if figures.get("trainer") == "lexical":
        training = figures.get("training") or {}
        return (f"A lexical category head (word, character, headline and category-name TF-IDF, a class-balanced "
                f"{training.get('family')} with C={training.get('c')} and a softmax temperature, "
                "all chosen by 5-fold cross-validation on the train split) beside the "
                f"`{base}` encoder, which gives the embeddings, by recruit's train job (`python "
                "ray_jobs/train.py train.task=lexical`)")
    steps = (figures.get("training") or {}).get("final_step")
    return (f"Fine-tuned from `{base}` by recruit's train job (`python ray_jobs/train.py "
            f"train.task={task}`){f', {steps} steps' if steps else ''}")


def render_card(cfg: RecruitConfig, figures: dict) -> str:
    """The card's text for a finished run: `figures` is what the train job writes to eval.json."""
    task = cfg.train.task
    what, _, _ = TASKS[task]
    base = BASE_MODELS.get(cfg.model.source, cfg.model.name_or_path or f"a {cfg.model.source} encoder")
    rows = evaluation_rows(task, figures["dev"])
    return "\n".join([
        "---", yaml.safe_dump(_front_matter(cfg), sort_keys=False).strip(), "---", "",
        f"# recruit {task} model `{figures['run_name']}`", "",
        f"Task: the {what}. {_how_trained(base, task, figures)}; "
        + _how_it_loads(cfg, base, figures.get("adapter")), "",
        "## Intended use", "",
        "Ranking recommendations for a human reviewer: which candidates a recruiter looks at "
        "first, with the matched and missing skills as evidence. A person reviews every "
        "candidate and makes every decision.", "",
        "**Not for automated rejection.** Do not use its scores, ranks or any threshold over them "
        "to turn candidates away without a person reviewing them. Recruitment and ranking tools "
        "are high-risk under the EU AI Act, and in New York City need a yearly bias audit (Local "
        "Law 144) before use.", "",
        "## Training data", "", _training_data(cfg, figures), "",
        "## Evaluation", "",
        f"This run's dev split ({_selection(figures)}):", "",
        format_table(rows, list(rows[0])), "",
        "Per group: the dev split carries no demographics, so no per-group figures are measured "
        "at training time; the bias audit below reports selection and scoring rates per group.", "",
        "## Limitations", "",
        "- English resumes and requisitions only; text beyond "
        f"{cfg.model.max_windows} x {cfg.model.max_length} tokens is not read.",
        "- Scores rank candidates against each other; they are not probabilities of success in "
        "the job, and a fixed threshold means different things for different requisitions.",
        "- Trained on " + ("synthetic resumes: figures on real resumes will differ."
                           if cfg.data.source == "synthetic" else "one public resume collection "
                           "whose categories and writing may not match another employer's."),
        "- A model reproduces what its training text rewards: skills a group lists less often "
        "count less. Audit it on the candidates it will rank.", "",
        AUDIT_HEADING, "",
        "No bias audit of this model yet. `python ray_jobs/audit.py audit.scores=<its score or "
        "match output> audit.demographics=<self-reported table> audit.model_card=<this folder>` "
        "writes its findings here.", ""])


def write_model_card(model_dir: Path, cfg: RecruitConfig, figures: dict) -> Path:
    return write_text_atomic(render_card(cfg, figures), Path(model_dir) / CARD_FILE)


def replace_section(card: str, heading: str, body: str) -> str:
    """`card` with the section under `heading` (up to the next `## `) replaced by `body`;
    appended at the end when the card has no such section."""
    lines = card.rstrip("\n").split("\n")
    if heading not in lines:
        return "\n".join([*lines, "", heading, "", body, ""])
    start = lines.index(heading)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "\n".join([*lines[:start + 1], "", body, "", *lines[end:]]).rstrip("\n") + "\n"
