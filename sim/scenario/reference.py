"""The key reference of ``docs/SCENARIOS.md``, generated from the declarations.

Each table of a scenario file is documented by the declarations on the
dataclass it fills (:mod:`sim.model.declare`); this module renders them as
Markdown tables. In the docs, each generated table sits between two markers::

    <!-- keys: world -->
    | key | type | default | range | unit | meaning |
    ...
    <!-- /keys -->

and ``python -m sim.scenario.reference docs/SCENARIOS.md`` rewrites every
such block (``--check`` only says whether they are current; a test runs it).
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import MISSING, dataclass

from sim.model.actions import KINDS
from sim.model.declare import Declared, Type, declared_fields
from sim.model.params import ChoiceRule, ConveningRule, Effect, Mechanisms, World
from sim.scenario.loader import FILE_KEYS
from sim.scenario.schema import (
    ActorSpec,
    BodySpec,
    CoalitionSpec,
    DatedEvent,
    Deadline,
    EndingSpec,
    GateSpec,
    InitialState,
    Move,
    RapportSpec,
    ReactionRule,
    RegimeSpec,
    Scenario,
    StageSpec,
    Targets,
    WordsSpec,
)

__all__ = ["TABLES", "check", "key_table", "kinds_table", "update"]


@dataclass(frozen=True, slots=True)
class _Doc:
    """One documented table: the dataclasses whose declared keys it holds, and extra rows."""

    classes: tuple[type, ...]
    effects: bool = False
    only: tuple[str, ...] = ()
    extra: tuple[tuple[str, Declared], ...] = ()
    targets: bool = False


def _declared(cls: type, name: str) -> tuple[str, Declared]:
    """``(key, declaration)`` of the field ``name`` of ``cls``."""
    for key, f, d in declared_fields(cls):
        if f.name == name:
            return key.rpartition(".")[2], d
    raise KeyError(name)


#: The documented tables, by the name their marker uses.
TABLES: dict[str, _Doc] = {
    "top": _Doc(
        (Scenario,),
        only=("name", "title", "description", "outcome", "start", "horizon", "as_of", "sessions"),
        extra=FILE_KEYS,
    ),
    "initial": _Doc((InitialState,)),
    "stages": _Doc((StageSpec,)),
    "convening": _Doc((ConveningRule,), extra=(_declared(Scenario, "convener"),)),
    "endings": _Doc((EndingSpec,)),
    "gates": _Doc((GateSpec,)),
    "effects": _Doc((Effect,)),
    "actors": _Doc((ActorSpec,)),
    "regimes": _Doc((RegimeSpec,)),
    "actions": _Doc((Move,), effects=True, targets=True),
    "reactions": _Doc((ReactionRule,), effects=True, targets=True),
    "rapport": _Doc((RapportSpec,)),
    "events": _Doc((DatedEvent,), effects=True, targets=True),
    "deadlines": _Doc((Deadline,)),
    "bodies": _Doc((BodySpec,)),
    "coalitions": _Doc((CoalitionSpec,)),
    "words": _Doc((WordsSpec,)),
    "mechanisms": _Doc((Mechanisms,)),
    "world": _Doc((World,)),
    "choice": _Doc((ChoiceRule,)),
}


def _type_text(d: Declared) -> str:
    if d.kind == Type.WEIGHTS:
        return f"table {{{d.refers_to} = number}}"
    if d.kind == Type.REFERENCE:
        if d.refers_to == "kind of action":
            return "kind or list of kinds" if d.many else "kind of action"
        what = f"{d.refers_to} id"
        return f"{what} or list of {what}s" if d.many else what
    if d.kind == Type.CHOICE:
        return "string"
    return d.kind


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, tuple):
        return f"`[{', '.join(_value_text(v).strip('`') for v in value)}]`" if value else "`[]`"
    if value is None:
        return "none"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _default_text(f: dataclasses.Field[object], d: Declared) -> str:
    if d.default_text is not None:
        return d.default_text
    if d.default_from is not None:
        return f"`{d.default_from}`"
    if f.default is not MISSING:
        return _value_text(f.default)
    if d.kind == Type.TABLE and not d.required:
        return "every key's default"
    return "required"


def _rows(doc: _Doc, prefix: str = "") -> Iterator[tuple[str, str, str, str, str, str]]:
    for cls in (*doc.classes, *((Targets,) if doc.targets else ())):
        for key, f, d in declared_fields(cls):
            if doc.only and key not in doc.only:
                continue
            if d.kind == Type.TABLE and d.nested is not None:
                yield from _rows(_Doc((d.nested,)), f"{prefix}{key}.")
                continue
            yield (
                f"`{prefix}{key}`",
                _type_text(d),
                _default_text(f, d),
                d.range_text(),
                d.unit or "—",
                f"{d.doc}; bound: {d.why}" if d.why else d.doc,
            )
    for key, d in doc.extra:
        yield f"`{key}`", _type_text(d), d.default_text or "none", d.range_text(), "—", d.doc
    if doc.effects:
        yield (
            "effect fields",
            "numbers",
            "the `[effects.KIND]` values",
            "by kind",
            "see `[effects.KIND]`",
            "this entry's own effect sizes; only the fields its kind uses",
        )


def kinds_table() -> str:
    """The Markdown table of the kinds of action, from their registry entries."""
    polarity = {1: "+1 constructive", -1: "−1 spoiler", 0: "0 neutral"}
    lines = [
        "| kind | polarity | partner or target | gates | also names | effect fields | "
        "where | what it does |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for kind, info in KINDS.items():
        other = info.other if info.other == "none" else f"{info.role}, {info.other}"
        if info.joint and info.other != "none":
            other += " (one or more)"
        gate = {"none": "none", "one": "one", "some": "one or more", "optional": "any, or none"}
        names = ", ".join(
            f"{k}{'' if k in info.needs else ' (optional)'}" for k in sorted(info.takes)
        )
        where = "dated events only" if info.record_only else "anywhere"
        if info.war:
            where += "; needs a war"
        cells = (
            f"`{kind.value}`",
            polarity[info.polarity],
            other,
            gate[info.gate],
            names or "—",
            ", ".join(sorted(info.effects)),
            where,
            info.summary,
        )
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def key_table(name: str) -> str:
    """The Markdown table of the keys of the table ``name`` (a key of :data:`TABLES`)."""
    if name == "kinds":
        return kinds_table()
    lines = [
        "| key | type | default | range | unit | meaning |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in _rows(TABLES[name]):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines) + "\n"


_BLOCK = re.compile(r"<!-- keys: (?P<name>[a-z_]+) -->\n.*?<!-- /keys -->", re.S)


def update(text: str) -> str:
    """``text`` with every marked block replaced by its generated table.

    Raises
    ------
    ValueError
        If a marker names no table, or a table has no marker.
    """
    seen: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in TABLES and name != "kinds":
            raise ValueError(f"<!-- keys: {name} --> names no table (tables: {', '.join(TABLES)})")
        seen.append(name)
        return f"<!-- keys: {name} -->\n{key_table(name)}<!-- /keys -->"

    result = _BLOCK.sub(replace, text)
    missing = [name for name in (*TABLES, "kinds") if name not in seen]
    if missing:
        raise ValueError(f"no <!-- keys: NAME --> block for: {', '.join(missing)}")
    return result


def check(text: str) -> bool:
    """Whether every marked block of ``text`` is what :func:`update` would write."""
    return update(text) == text


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.scenario.reference [--check] FILE``: rewrite (or check) the blocks."""
    args = list(sys.argv[1:] if argv is None else argv)
    only_check = "--check" in args
    files = [a for a in args if a != "--check"]
    if len(files) != 1:
        print(
            "usage: python -m sim.scenario.reference [--check] docs/SCENARIOS.md", file=sys.stderr
        )
        return 2
    with open(files[0], encoding="utf-8") as f:
        text = f.read()
    fresh = update(text)
    if only_check:
        if fresh != text:
            print(f"{files[0]}: the key reference is stale; regenerate it", file=sys.stderr)
            return 1
        return 0
    with open(files[0], "w", encoding="utf-8") as f:
        f.write(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
