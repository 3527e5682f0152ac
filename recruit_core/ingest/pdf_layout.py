"""Reading order for PDF pages: lines kept whole, two columns read one after the other, running
headers and footers dropped.

    python bench/ingest_text_similarity.py      # this order against the livecareer Parquet's text

pypdf's default order follows the content stream, which cuts a visual line into one line per text
object: `Accountant\\nAug 2015\\nto\\nCurrent` for a job title with its dates (most of the
livecareer PDFs). Its layout mode renders each page as fixed-width lines placed by their position,
so a visual line stays one line, but two columns then come out side by side, sentences of the left
column interleaved with the right one's. `page_lines` takes the layout rendering and finds a gutter:
a band of blank character positions, away from the page edges, that at most GUTTER_CROSSING_SHARE
of the lines cross, with text on both sides of it on at least TWO_SIDED_SHARE of the lines. Lines
between two lines that cross it (a heading over both columns) form a block read left column first.

Running headers and footers (a name, `Page 2 of 3`) repeat at the top or bottom of every page and
would land in the middle of a sentence continued across pages: `drop_running_lines` keeps the first
occurrence of a line that repeats in the top or bottom MARGIN_LINES of two or more pages, and drops
page numbers everywhere.
"""
from __future__ import annotations

import re

GUTTER_MIN_WIDTH = 3  # blank character positions between columns; words are 1 apart
GUTTER_CROSSING_SHARE = 0.1  # a heading or rule may span both columns now and then
TWO_SIDED_SHARE = 0.5  # lines with text on both sides: a page in two columns, not a table on a page
EDGE_SHARE = 0.2  # a gutter in the outer fifths is an indent or a right-aligned date, not a column
BLOCK_GAP_WIDTH = 4  # a block's columns are further apart than words of justified text
BLOCK_BAND_WIDTH = 2  # blank positions every line of a block must share
MAX_ONE_SIDED = 3  # lines with text on one side only after a block's last two-sided line
_INNER_GAP = re.compile(r"(?<=\S)\s{%d,}(?=\S)" % BLOCK_GAP_WIDTH)
MARGIN_LINES = 2  # lines at the top and at the bottom of a page where running lines sit
_PAGE_NUMBER = re.compile(r"(page\s*)?#+(\s*(of|/)\s*#+)?")


def _occupied(lines: list[str], width: int) -> list[int]:
    """Per character position, how many lines have a non-blank character there."""
    counts = [0] * width
    for line in lines:
        for i, char in enumerate(line):
            if not char.isspace():
                counts[i] += 1
    return counts


def find_gutter(lines: list[str]) -> tuple[int, int] | None:
    """(start, end) character positions of the gap between two columns, or None for one column."""
    text_lines = [line.rstrip() for line in lines if line.strip()]
    if len(text_lines) < 4:
        return None
    width = max(len(line) for line in text_lines)
    counts = _occupied(text_lines, width)
    allowed = GUTTER_CROSSING_SHARE * len(text_lines)
    best, start = None, None
    for i in range(int(width * EDGE_SHARE), int(width * (1 - EDGE_SHARE)) + 1):
        clear = i < width and counts[i] <= allowed
        if clear and start is None:
            start = i
        elif not clear and start is not None:
            if i - start >= GUTTER_MIN_WIDTH and _two_sided(text_lines, start, i) and (
                    best is None or _two_sided(text_lines, start, i) > _two_sided(text_lines, *best)):
                best = (start, i)
            start = None
    return best


def _two_sided(lines: list[str], start: int, end: int) -> int:
    """Lines with text left of `start` and right of `end`, if they reach TWO_SIDED_SHARE."""
    both = sum(1 for line in lines if line[:start].strip() and line[end:].strip())
    return both if both >= TWO_SIDED_SHARE * len(lines) else 0


def page_lines(rendered: str) -> list[str]:
    """The lines of one layout-mode page in reading order: a page in two columns is read column
    by column; on a page in one column, a block of two columns (a skills table) is read so too."""
    lines = rendered.split("\n")
    gutter = find_gutter(lines)
    if gutter is None:
        return _local_columns(lines)
    return _columns_between_crossings(lines, *gutter)


def _columns_between_crossings(lines: list[str], start: int, end: int) -> list[str]:
    ordered, left, right = [], [], []
    for line in lines:
        if line[start:end].strip():  # crosses the gutter: ends the block of two columns above it
            ordered += left + right + [line]
            left, right = [], []
        else:
            left.append(line[:start])
            right.append(line[end:])
    return ordered + left + right


def _gaps(line: str) -> list[tuple[int, int]]:
    """Runs of at least BLOCK_GAP_WIDTH blanks with text on both sides."""
    return [(m.start(), m.end()) for m in _INNER_GAP.finditer(line.rstrip())]


def _local_columns(lines: list[str]) -> list[str]:
    """Blocks of consecutive lines (no blank line between) that share a blank band with text on
    both sides in at least two of them, each read left column first; other lines as they are."""
    ordered, i = [], 0
    while i < len(lines):
        end, band = _grow_block(lines, i)
        if band is None:
            ordered.append(lines[i])
            i += 1
            continue
        ordered += [line[:band[0]] for line in lines[i:end]] + [line[band[1]:] for line in lines[i:end]]
        i = end
    return ordered


def _grow_block(lines: list[str], first: int) -> tuple[int, tuple[int, int] | None]:
    """(end, band) of the two-column block starting at line `first`; band None when there is none.
    A line with text on one side only stays in the block when it is indented like the block's
    lines (a wrapped item) and at most MAX_ONE_SIDED of them follow the last two-sided line: a
    heading at the margin, or prose under a band far right, is not part of a table."""
    indent = _indent(lines[first])
    for gap in _gaps(lines[first]):
        band, end, last_two_sided, two_sided = gap, first + 1, first + 1, 1
        while end < len(lines) and lines[end].strip() and end - last_two_sided < MAX_ONE_SIDED:
            narrowed = _narrow(lines[end], band)
            line = lines[end]
            both = narrowed is not None and line[:narrowed[0]].strip() and line[narrowed[1]:].strip()
            if narrowed is None or (not both and _indent(line) < indent):
                break
            band, end = narrowed, end + 1
            if both:
                two_sided, last_two_sided = two_sided + 1, end
        if two_sided >= 2:
            return end, band
    return first + 1, None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _narrow(line: str, band: tuple[int, int]) -> tuple[int, int] | None:
    """The part of `band` blank in `line` too, if at least BLOCK_BAND_WIDTH wide, else None."""
    start, end = band
    blank = [i for i in range(start, end) if i >= len(line) or line[i].isspace()]
    best, run = None, []
    for i in blank:
        run = run + [i] if run and run[-1] == i - 1 else [i]
        if best is None or len(run) > best[1] - best[0]:
            best = (run[0], run[-1] + 1)
    return best if best and best[1] - best[0] >= BLOCK_BAND_WIDTH else None


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.lower().split()))


def drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Pages without repeated headers and footers (first occurrence kept) and page numbers."""
    if len(pages) < 2:
        return pages
    seen_on: dict[str, set[int]] = {}
    for number, lines in enumerate(pages):
        text_lines = [line for line in lines if line.strip()]
        for line in text_lines[:MARGIN_LINES] + text_lines[-MARGIN_LINES:]:
            seen_on.setdefault(_key(line), set()).add(number)
    running = {key for key, on in seen_on.items() if len(on) >= 2}
    kept_once: set[str] = set()
    result = []
    for lines in pages:
        page = []
        for line in lines:
            key = _key(line)
            if key in running and (key in kept_once or _PAGE_NUMBER.fullmatch(key)):
                continue
            kept_once.add(key)
            page.append(line)
        result.append(page)
    return result
