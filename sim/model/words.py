"""Sentence templates: how an action is said, in the narrative and on the play screens.

A template is plain text with three kinds of mark, and nothing else is
interpreted (it is not a format string: no attribute, index or conversion)::

    {actor} {carries|carry} a UN resolution[ that blames {other}]

- ``{actor}``, ``{other}``, ``{gate}`` (and ``{deadline}``, ``{ending}``,
  ``{stage}``, ``{regime}``, ``{coalition}`` for the kinds that name one) are
  replaced by names; ``{parties}`` is the actor and its partners in a joint
  act ("Russia, the UN and the United States");
- ``{singular|plural}`` picks the verb form that agrees with the actor's name
  (``plural = true`` in the scenario: "the Gulf monarchies ship arms");
- ``[ ... ]`` is kept only when every name inside it is known (an arms
  shipment with no target drops ``[, to the alarm of {other}]``).

Use ``{{``, ``}}``, ``[[`` and ``]]`` for literal braces and brackets.
Templates are checked when they are made (:func:`parse`), so a scenario's own
words fail at load time, with the problem named, rather than when a story is
told.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

__all__ = ["NAMES", "Template", "TemplateError", "parse", "render"]

#: The names a template may use.
NAMES: Final = (
    "actor",
    "other",
    "parties",
    "gate",
    "deadline",
    "ending",
    "stage",
    "regime",
    "coalition",
)

_TOKEN: Final = re.compile(r"\{\{|\}\}|\[\[|\]\]|\{[^{}]*\}|\[|\]|[^{}\[\]]+|[{}]")


class TemplateError(ValueError):
    """A template that cannot be used; the message says what is wrong with it."""


@dataclass(frozen=True, slots=True)
class _Text:
    text: str


@dataclass(frozen=True, slots=True)
class _Name:
    name: str


@dataclass(frozen=True, slots=True)
class _Verb:
    singular: str
    plural: str


@dataclass(frozen=True, slots=True)
class _Optional:
    parts: tuple[_Text | _Name | _Verb, ...]


Part = _Text | _Name | _Verb | _Optional


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template (see the module notes)."""

    source: str
    parts: tuple[Part, ...]

    def names(self) -> frozenset[str]:
        """The names it uses."""
        found: set[str] = set()
        for part in self.parts:
            inner = part.parts if isinstance(part, _Optional) else (part,)
            found.update(p.name for p in inner if isinstance(p, _Name))
        return frozenset(found)

    def render(self, *, plural: bool = False, **names: str) -> str:
        """The sentence, with ``names`` (``actor=..., other=..., gate=...``) filled in.

        A name left out, or empty, drops the optional part it is in; outside
        one it is written as "".
        """
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, _Optional):
                if all(names.get(p.name) for p in part.parts if isinstance(p, _Name)):
                    out.extend(_say(p, plural, names) for p in part.parts)
            else:
                out.append(_say(part, plural, names))
        return "".join(out)


def _say(part: _Text | _Name | _Verb, plural: bool, names: dict[str, str]) -> str:
    if isinstance(part, _Text):
        return part.text
    if isinstance(part, _Name):
        return names.get(part.name, "")
    return part.plural if plural else part.singular


_LITERAL = {"{{": "{", "}}": "}", "[[": "[", "]]": "]"}


@lru_cache(maxsize=1024)
def parse(source: str) -> Template:
    """Parse a template.

    Raises
    ------
    TemplateError
        For an unknown name, an empty or unbalanced mark, or a nested ``[``.
    """
    parts: list[Part] = []
    optional: list[_Text | _Name | _Verb] | None = None
    for match in _TOKEN.finditer(source):
        token = match.group()
        if token in _LITERAL:
            item: _Text | _Name | _Verb = _Text(_LITERAL[token])
        elif token == "[":
            if optional is not None:
                raise TemplateError("an optional part [ ... ] cannot hold another")
            optional = []
            continue
        elif token == "]":
            if optional is None:
                raise TemplateError("a ] closes no optional part (write ]] for a bracket)")
            parts.append(_Optional(tuple(optional)))
            optional = None
            continue
        elif token in ("{", "}"):
            raise TemplateError(f"an unmatched {token} (write {token * 2} for a brace)")
        elif token.startswith("{"):
            item = _mark(token[1:-1])
        else:
            item = _Text(token)
        if optional is None:
            parts.append(item)
        else:
            optional.append(item)
    if optional is not None:
        raise TemplateError("an optional part [ ... ] is not closed")
    return Template(source, tuple(parts))


def _mark(inner: str) -> _Name | _Verb:
    if "|" in inner:
        singular, _, plural = inner.partition("|")
        if "|" in plural or not singular.strip() or not plural.strip():
            raise TemplateError(
                f"{{{inner}}} must be {{singular|plural}}, two verb forms, e.g. {{sets|set}}"
            )
        return _Verb(singular, plural)
    if inner not in NAMES:
        raise TemplateError(
            f"{{{inner}}} is not a name a sentence can use ({', '.join(NAMES)}; or a verb "
            "written {singular|plural})"
        )
    return _Name(inner)


def render(source: str, *, plural: bool = False, **names: str) -> str:
    """Parse (cached) and render a template in one call."""
    return parse(source).render(plural=plural, **names)
