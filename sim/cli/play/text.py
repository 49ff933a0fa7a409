"""Text that fits a terminal: wrapping, names in sentences, numbers in words.

Every screen of ``negsim play`` fits an 80-column, 30-line terminal
(:data:`WIDTH`, :data:`MAX_LINES`); lines are wrapped at word boundaries,
never inside a word, and an actor's name is shortened to what a sentence
needs (:func:`short_name`).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

__all__ = [
    "MAX_LINES",
    "RULE",
    "SHORT_NAME_LIMIT",
    "WIDTH",
    "capitalized",
    "fit_items",
    "headline",
    "join",
    "percent",
    "plural_s",
    "possessive",
    "short_name",
    "shorten",
    "simulated",
    "unbracketed",
    "wrap",
]

#: Screen width, in characters (two short of 80: a line of exactly 80 makes some terminals
#: wrap the cursor onto a blank line).
WIDTH = 78
#: Lines a screen may take, the prompt included: a 30-line terminal shows it whole.
MAX_LINES = 30
#: Longest actor name used in a sentence before it is shortened.
SHORT_NAME_LIMIT = 48
#: The line that opens every screen.
RULE = "=" * WIDTH

_PARENTHESIS = re.compile(r"\s*\([^()]*\)")


def wrap(text: str, first: str = "", rest: str = "", width: int = WIDTH) -> list[str]:
    """``text`` wrapped at word boundaries to ``width``, with the given indents.

    A word longer than the line (a long id) is broken rather than let run past
    the edge of the screen.
    """
    lines = textwrap.wrap(
        text,
        width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
    if any(len(line) > width for line in lines):
        lines = textwrap.wrap(
            text,
            width,
            initial_indent=first,
            subsequent_indent=rest,
            break_long_words=True,
            break_on_hyphens=False,
        )
    return lines or [first.rstrip()]


def shorten(text: str, width: int) -> str:
    """``text`` cut at a word boundary to at most ``width`` characters, ending in "...".

    A cut never falls inside a parenthesis: one left open by the cut goes
    whole (``elections within a year...``, never ``elections (Annex...``).
    """
    if len(text) <= width:
        return text
    cut = textwrap.shorten(
        text, width, placeholder="...", break_on_hyphens=False, break_long_words=False
    )
    if len(cut) > width or cut == "...":
        return text[: max(width - 3, 0)] + "..."
    kept = cut[:-3]
    depth, opened = 0, -1
    for i, char in enumerate(kept):
        if char == "(":
            if depth == 0:
                opened = i
            depth += 1
        elif char == ")" and depth > 0:
            depth -= 1
    if depth > 0 and kept[:opened].strip():
        return kept[:opened].rstrip(" ,;:—-") + "..."
    return cut


def unbracketed(label: str) -> str:
    """A label without its parentheses: ``the constitution`` for ``the constitution (Annex 4)``."""
    return _PARENTHESIS.sub("", label).strip() or label.strip()


def headline(label: str) -> str:
    """A label's head, before a colon or a semicolon, without parentheses.

    ``the map`` for ``the map: the 51/49 split and the Gorazde corridor (Annex 2)``.
    """
    short = unbracketed(label)
    for mark in (": ", "; "):
        cut = short.find(mark)
        if cut > 0:
            short = short[:cut]
    return short


def fit_items(
    head: str, items: Sequence[str], width: int, *, sep: str = "; ", tail: str = ""
) -> str:
    """``head`` and as many whole ``items`` as fit in ``width``, then "and N more", then ``tail``.

    ``Settled: who negotiates for the Bosnian Serbs; a countrywide ceasefire; and 2 more.``
    Only when even the first item does not fit is it cut (at a word).
    """
    for keep in range(len(items), 0, -1):
        more = f"{sep}and {len(items) - keep} more" if keep < len(items) else ""
        line = head + sep.join(items[:keep]) + more + tail
        if len(line) <= width:
            return line
    more = f"{sep}and {len(items) - 1} more" if len(items) > 1 else ""
    room = width - len(head) - len(more) - len(tail)
    return head + shorten(items[0], max(room, 4)) + more + tail


def short_name(name: str, limit: int = SHORT_NAME_LIMIT) -> str:
    """An actor's name as a sentence uses it.

    The parentheses go (``Iran`` for ``Iran (Zarif; the Supreme Leader's red
    lines)``); a name still longer than ``limit`` loses a trailing "with ..."
    clause (``Britain, France and Germany`` for ``Britain, France and
    Germany, with the EU High Representative``), or else is cut at a word.
    """
    short = _PARENTHESIS.sub("", name).strip() or name.strip()
    if len(short) > limit:
        for clause in (", with ", " with ", "; "):
            cut = short.find(clause)
            if cut > 0:
                short = short[:cut]
                break
    return shorten(short, limit)


def capitalized(text: str) -> str:
    """``text`` with its first letter upper case, for a sentence start (``The EU ...``)."""
    return text[:1].upper() + text[1:]


def simulated(name: str) -> str:
    """``the simulated United States`` for ``the United States``, ``the simulated Russia``."""
    bare = name[4:] if name[:4].lower() == "the " else name
    return f"the simulated {bare}"


def possessive(name: str) -> str:
    """``Russia's``, ``the rebels'``, ``the United States'``."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def join(items: Sequence[str], word: str = "and") -> str:
    """``A``, ``A and B``, ``A, B and C`` (``A, B or C`` with ``word="or"``)."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def percent(p: float) -> str:
    """A share as a whole percentage, with ``<1%`` and ``>99%`` rather than 0 or 100."""
    if 0.0 < p < 0.01:
        return "<1%"
    if 0.99 < p < 1.0:
        return ">99%"
    return f"{p:.0%}"


def plural_s(n: int, word: str, plural: str | None = None) -> str:
    """``1 event``, ``3 events``."""
    return f"{n} {word if n == 1 else plural or word + 's'}"
