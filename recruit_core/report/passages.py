"""The resume passages that carry a candidate's matched skills, each skill marked (<mark>).

    passages(text, {"python", "sql"}, extractor)   # [(skill_id, html of the passage), ...]

The skills are found the way matching found them (`recruit_core.text.skills.SkillExtractor`), so
a passage shows the words the evidence rests on. A passage is the line holding a mention of the
skill, cut to PASSAGE_CHARS around it; everything outside the marks is escaped resume text.
"""
from __future__ import annotations

from recruit_core.report.html import esc

PASSAGE_CHARS = 240  # about two lines on a phone: enough context to judge the mention


def passages(text: str, skills: set[str], extractor) -> list[tuple[str, str]]:
    """(skill id, passage HTML) for each of `skills` found in `text`, in text order. Of a skill's
    mentions the one in the longest line wins: a sentence of experience says more than the
    "- SQL" of a skills list."""
    mentions = [m for m in extractor.extract(text) if m.skill_id in skills]
    best: dict[str, tuple[int, int]] = {}
    for mention in mentions:
        start, end = _window(text, mention.start, mention.end)
        shown = best.get(mention.skill_id)
        if shown is None or end - start > shown[1] - shown[0]:
            best[mention.skill_id] = (start, end)
    out = []
    for skill, (start, end) in sorted(best.items(), key=lambda kv: kv[1]):
        inside = [m for m in mentions if start <= m.start and m.end <= end]
        out.append((skill, _marked(text, start, end, inside)))
    return out


def _window(text: str, start: int, end: int) -> tuple[int, int]:
    """The line around [start, end), at most PASSAGE_CHARS long, centred on the mention."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    room = max(0, PASSAGE_CHARS - (end - start)) // 2
    return max(line_start, start - room), min(line_end, end + room)


def _marked(text: str, start: int, end: int, mentions) -> str:
    parts, at = [], start
    for m in sorted(mentions, key=lambda m: m.start):
        if m.start < at:
            continue
        parts += [esc(text[at:m.start]), f"<mark>{esc(text[m.start:m.end])}</mark>"]
        at = m.end
    parts.append(esc(text[at:end]))
    prefix = "… " if start > 0 and text[start - 1] != "\n" else ""
    suffix = " …" if end < len(text) and text[end] != "\n" else ""
    return prefix + "".join(parts).strip() + suffix
