"""The building blocks of the report's pages: one page frame, tables, figures, Markdown.

Every page is one self-contained file: its CSS inline, plots as base64 PNG `<img>`s, system fonts,
no script, nothing fetched. Every value that comes from the data (resume text, ids, titles, skill
names) goes through `esc`: resume text is untrusted input, and an id can hold `<script>`.
"""
from __future__ import annotations

import html
import re
from typing import Iterable, Sequence

# Phones first: one column, 16 px text; wide tables scroll inside their own box, not the page.
CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:16px;line-height:1.45;
margin:0;padding:0 1rem 2rem;color:#1d232a;background:#fff;max-width:72rem;margin-inline:auto}
header{border-bottom:1px solid #d8dde3;margin-bottom:1rem;padding:.75rem 0}
header nav a{margin-right:1rem;white-space:nowrap}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.2rem;margin-top:1.75rem}h3{font-size:1.05rem}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.5rem 0;border:1px solid #e3e7eb}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:.35rem .5rem;border-bottom:1px solid #e3e7eb;text-align:left;vertical-align:top}
th{background:#f3f5f7;white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums}
img.plot{max-width:100%;height:auto;display:block;margin:.5rem 0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1rem}
.note{color:#55606b;font-size:.9rem}.flag{color:#9b2c00;font-weight:600}
mark{background:#ffe58a;padding:0 .1em}
blockquote{margin:.4rem 0;padding:.3rem .7rem;border-left:3px solid #c9d2db;background:#f8f9fa}
details{margin:.5rem 0}summary{cursor:pointer;font-weight:600}
.card{border:1px solid #d8dde3;border-radius:6px;padding:.5rem .9rem;margin:.9rem 0}
.skills span{display:inline-block;margin:.1rem .2rem .1rem 0;padding:0 .4rem;border-radius:4px;font-size:.85rem}
.have{background:#dff3e4}.lack{background:#fde2e1}
"""


def esc(value) -> str:
    """A data value as safe HTML text (None as an empty cell)."""
    return "" if value is None else html.escape(str(value), quote=True)


def page(title: str, body: str, nav: Sequence[tuple[str, str]] = ()) -> str:
    """A whole HTML document: `title` (data: escaped here), `body` (already HTML), `nav` links."""
    links = "".join(f'<a href="{esc(href)}">{esc(text)}</a>' for text, href in nav)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
            f"<header><nav>{links}</nav><h1>{esc(title)}</h1></header>{body}</body></html>\n")


def cell(value) -> str:
    """A table cell: numbers right-aligned to 3 decimals; HTML given as `Raw` passes through."""
    if isinstance(value, Raw):
        return f"<td>{value}</td>"
    if isinstance(value, float):
        return f'<td class="num">{value:.3f}</td>' if value == value else "<td></td>"
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<td class="num">{value}</td>'
    if isinstance(value, (list, tuple)):
        return f"<td>{esc(', '.join(map(str, value)))}</td>"
    return f"<td>{esc(value)}</td>"


class Raw(str):
    """HTML built here (links, marks), not data: a table cell takes it as it is."""


def table(rows: Iterable[dict], columns: Sequence[str], headers: Sequence[str] | None = None) -> str:
    """A scrolling table of `rows` (dicts) in `columns` order."""
    head = "".join(f"<th>{esc(h)}</th>" for h in (headers or columns))
    body = "".join("<tr>" + "".join(cell(row.get(c)) for c in columns) + "</tr>" for row in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def figure(data_uri: str | None, alt: str, missing: str = "") -> str:
    """An embedded plot, or why there is none."""
    if data_uri is None:
        return f'<p class="note">{esc(missing or "no data for this plot")}</p>'
    return f'<img class="plot" src="{data_uri}" alt="{esc(alt)}">'


def link(text: str, href: str) -> Raw:
    return Raw(f'<a href="{esc(href)}">{esc(text)}</a>')


def skill_chips(skills: Iterable[str], kind: str) -> str:
    """Skill names as chips ("" for none)."""
    skills = list(skills)
    if not skills:
        return ""
    return '<span class="skills">' + "".join(f'<span class="{kind}">{esc(s)}</span>'
                                              for s in skills) + "</span>"


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"\*(.+?)\*")


def markdown(text: str) -> str:
    """The Markdown the interview packs use (headings, lists, bold, tables, paragraphs) as HTML;
    the text is escaped first, so nothing in it becomes markup but these."""
    out, in_list, table_rows = [], None, []

    def inline(s: str) -> str:
        return _ITALIC.sub(r"<em>\1</em>", _BOLD.sub(r"<strong>\1</strong>", esc(s)))

    def close() -> None:
        nonlocal in_list, table_rows
        if in_list:
            out.append(f"</{in_list}>")
            in_list = None
        if table_rows:
            cells = [[c.strip() for c in r.strip("|").split("|")] for r in table_rows
                     if not set(r.replace("|", "").strip()) <= set("-: ")]
            head = "".join(f"<th>{inline(c)}</th>" for c in cells[0])
            body = "".join("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>" for r in cells[1:])
            out.append(f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>')
            table_rows = []

    for line in text.splitlines():
        stripped = line.strip()
        heading = re.match(r"(#{1,6})\s+(.*)", stripped)
        item = re.match(r"(?:[-*]|(\d+)[.)])\s+(.*)", stripped)
        if stripped.startswith("|"):
            if in_list:
                close()
            table_rows.append(stripped)
            continue
        if table_rows or not stripped or heading or (in_list and not item):
            close()
        if heading:
            level = min(6, len(heading.group(1)) + 2)  # under the page's own h1/h2
            out.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
        elif item:
            kind = "ol" if item.group(1) else "ul"
            if in_list != kind:
                close()
                out.append(f"<{kind}>")
                in_list = kind
            out.append(f"<li>{inline(item.group(2))}</li>")
        elif stripped:
            out.append(f"<p>{inline(stripped)}</p>")
    close()
    return "\n".join(out)
