"""The HTML of the report: the page, its sections and tables, and how numbers are written.

Everything here returns HTML text. Text that comes from a results folder
(scenario titles, labels, names) goes through :func:`escape` before it is put
in a page; a function whose arguments are HTML already says so. The style
sheet is inline and prints on A4; nothing is loaded from anywhere else.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Sequence

from sim._version import __version__

__all__ = [
    "bar",
    "date_cell",
    "day_date",
    "deadline_cell",
    "escape",
    "iso",
    "key_values",
    "long_date",
    "of",
    "p_value",
    "page",
    "paragraphs",
    "pct",
    "pts",
    "seconds",
    "section",
    "table",
]

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MINUS = "\u2212"
_NUM = ' class="num"'


def escape(text: object) -> str:
    """``text`` as HTML text or attribute value (quotes escaped too)."""
    return html.escape(str(text), quote=True)


def iso(date: dt.date) -> str:
    """``2013-05-07``, kept on one line (HTML)."""
    return f'<span class="nw">{date.isoformat()}</span>'


def long_date(date: dt.date) -> str:
    """``7 May 2013``, whatever the locale."""
    return f"{date.day} {_MONTHS[date.month - 1]} {date.year}"


def day_date(start: dt.date, day: float) -> dt.date:
    """The date of ``day`` days after ``start`` (the day's fraction dropped)."""
    return start + dt.timedelta(days=math.floor(day))


def pct(x: float) -> str:
    """A share as a percentage with one decimal: ``42.0%``."""
    return f"{100 * x:.1f}%"


def pts(x: float, sign: bool = True) -> str:
    """A difference of shares in percentage points, with a real minus sign."""
    value = 100 * x
    if abs(value) < 0.05:
        return "0.0"
    text = f"{value:+.1f}" if sign else f"{abs(value):.1f}"
    return text.replace("-", _MINUS)


def p_value(p: float) -> str:
    """A p-value: three significant digits, or ``< 0.001``."""
    return "< 0.001" if p < 0.001 else f"{p:.3g}"


def seconds(s: float) -> str:
    """A duration in seconds, or in minutes from two minutes on."""
    return f"{s:.1f} s" if s < 120 else f"{s / 60:.1f} min"


def of(count: int, runs: int) -> str:
    """``12 of 40 (30.0%)``."""
    share = f" ({pct(count / runs)})" if runs else ""
    return f"{count} of {runs}{share}"


def bar(estimate: float, low: float, high: float) -> str:
    """A small interval bar: the 95% interval as a band, the estimate as a tick."""
    low = max(0.0, min(1.0, low))
    high = max(low, min(1.0, high))
    est = max(0.0, min(1.0, estimate))
    return (
        '<span class="bar" aria-hidden="true">'
        f'<span class="ci" style="left:{100 * low:.2f}%;width:{100 * (high - low):.2f}%"></span>'
        f'<span class="pt" style="left:{100 * est:.2f}%"></span></span>'
    )


def table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
    """An HTML table; cells are HTML already; the columns in ``numeric`` align right."""
    head = "".join(
        f'<th scope="col"{_NUM if i in numeric else ""}>{h}</th>' for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td{_NUM if i in numeric else ''}>{cell}</td>" for i, cell in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def key_values(rows: Sequence[tuple[str, Sequence[str]]], header: Sequence[str] = ()) -> str:
    """A two- (or more) column table of names and values; names and values are HTML already."""
    head = (
        "<thead><tr>" + "".join(f'<th scope="col">{h}</th>' for h in header) + "</tr></thead>"
        if header
        else ""
    )
    body = "".join(
        f'<tr><th scope="row">{name}</th>' + "".join(f"<td>{v}</td>" for v in values) + "</tr>"
        for name, values in rows
    )
    return f'<div class="table-wrap"><table class="kv">{head}<tbody>{body}</tbody></table></div>'


def deadline_cell(label: str, date: dt.date) -> str:
    """A deadline's label over its date (``label`` is text, escaped here)."""
    return f'{escape(label)}<br><span class="date nw">{date.isoformat()}</span>'


def date_cell(date: dt.date | None, missing: str = "—") -> str:
    """A date, or ``missing`` (text) for none."""
    return iso(date) if date is not None else escape(missing)


def paragraphs(text: str) -> str:
    """Text from a file as HTML paragraphs: blank lines part them, everything escaped."""
    blocks = [" ".join(b.split()) for b in text.strip().split("\n\n")]
    return "".join(f"<p>{escape(b)}</p>" for b in blocks if b)


def section(ident: str, heading: str, body: str, extra_class: str = "") -> str:
    """A section of the page with its heading (HTML)."""
    cls = f' class="{extra_class}"' if extra_class else ""
    return f'<section id="{ident}"{cls}>\n<h2>{heading}</h2>\n{body}\n</section>'


def page(title: str, kicker: str, lede: str, sections: Sequence[str], generated: str) -> str:
    """The whole page: head, style sheet, header, the sections, and the footer.

    ``title``, ``kicker``, ``lede`` and ``sections`` are HTML; ``generated``
    (when the report was generated) is text.
    """
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="negsim {escape(__version__)}">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f'<header class="top"><p class="kicker">{kicker}</p><h1>{title}</h1>'
        f'<p class="lede">{lede}</p></header>\n'
        + "\n".join(sections)
        + f"\n<footer><p>Report written by negsim {escape(__version__)} on {escape(generated)}, "
        "from the files of the results folder only; nothing in this page is loaded from "
        "elsewhere.</p></footer>\n</body>\n</html>\n"
    )


_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 62rem; padding: 1.5rem 1.25rem 3rem; background: #fff;
  color: #1b1b1b; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
  Arial, sans-serif; }
header.top { border-bottom: 3px solid #0072B2; margin-bottom: 1.5rem; padding-bottom: .75rem; }
.kicker { margin: 0; color: #0072B2; font-size: .85em; font-weight: 600; letter-spacing: .04em;
  text-transform: uppercase; }
h1 { margin: .25rem 0 .5rem; font-size: 1.75rem; line-height: 1.25; }
h2 { margin: 2rem 0 .5rem; font-size: 1.3rem; color: #0072B2; border-bottom: 1px solid #d0d7de;
  padding-bottom: .2rem; }
h3 { margin: 1.25rem 0 .4rem; font-size: 1.05rem; }
p, li { max-width: 48rem; }
.lede { margin: 0; color: #444; }
.note { color: #444; font-size: .9em; }
.nw { white-space: nowrap; }
.question { font-size: 1.1em; font-weight: 600; margin: .2rem 0 .6rem; }
.description { color: #333; font-size: .92em; }
.description p { margin: .2rem 0 .5rem; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9em;
  background: #f3f5f7; padding: 0 .2em; border-radius: 3px; }
code { overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; margin: .5rem 0 1rem; }
table { border-collapse: collapse; font-size: .92em; }
th, td { border-bottom: 1px solid #d0d7de; padding: .35rem .6rem; text-align: left;
  vertical-align: top; overflow-wrap: break-word; }
td:first-child { min-width: 9rem; }
thead th { border-bottom: 2px solid #0072B2; font-weight: 600; vertical-align: bottom; }
tbody tr:nth-child(even) { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
tr.group td { border-top: 2px solid #8a99a8; }
table.kv { width: 100%; table-layout: fixed; }
table.kv th[scope=row] { font-weight: 600; color: #333; width: 30%; min-width: 10rem; }
.date { color: #555; font-size: .85em; font-variant-numeric: tabular-nums; }
.bar { position: relative; display: inline-block; width: 8rem; height: .8rem; margin-top: .3rem;
  border: 1px solid #8a99a8; background: #fff; }
.bar .ci { position: absolute; top: 0; bottom: 0; background: #9bc4e2; min-width: 2px;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.bar .pt { position: absolute; top: -2px; bottom: -2px; width: 2px; margin-left: -1px;
  background: #0072B2; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
ul.findings li { margin-bottom: .45rem; }
figure { margin: 1.5rem 0; padding: 0; }
figure img { display: block; width: 100%; max-width: 100%; height: auto;
  border: 1px solid #d0d7de; }
figcaption { margin-top: .5rem; font-size: .92em; color: #333; max-width: 52rem; }
footer { margin-top: 2.5rem; border-top: 1px solid #d0d7de; padding-top: .5rem; color: #555;
  font-size: .85em; }
@page { size: A4; margin: 14mm 13mm 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; line-height: 1.35; color: #000;
    background: #fff; }
  header.top { border-bottom-color: #000; margin-bottom: .8rem; }
  h1 { font-size: 16pt; }
  h2 { font-size: 12pt; color: #000; border-bottom-color: #000; margin-top: 1rem; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  .kicker, .lede, .note, figcaption, footer, .date, .description,
  table.kv th[scope=row] { color: #000; }
  code { background: none; padding: 0; }
  .table-wrap { overflow: visible; margin: .3rem 0 .6rem; }
  table { width: 100%; font-size: 8pt; }
  thead { display: table-header-group; }
  tr, li, #provenance table { break-inside: avoid; page-break-inside: avoid; }
  tbody tr:nth-child(even) { background: none; }
  th, td { padding: .15rem .3rem; border-bottom-color: #999; }
  td:first-child { min-width: 0; }
  .bar { width: 4.5rem; }
  figure { break-inside: avoid; page-break-inside: avoid; margin: .6rem 0; }
  figure img { max-height: 10.2cm; width: auto; max-width: 100%; border: none;
    margin: 0 auto; }
  figcaption { font-size: 8pt; line-height: 1.3; }
  footer { margin-top: .8rem; break-before: avoid; page-break-before: avoid; }
}
"""
