"""Every settable key of a resolved scenario, with its value, unit, range and provenance.

What ``negsim params`` prints, and what a researcher reads before writing
``--set KEY=VALUE`` or ``--param KEY=LOW:HIGH``. Built from the same
declarations as the loader and the docs (:mod:`sim.model.declare`): the
scenario object is walked table by table, and each declared key is listed
with the value the model will use (the file's, or the default), its unit and
range, and where it comes from:

- the tag of the comment on its line (``record``, ``article``, ``assumed``,
  see :mod:`sim.scenario.provenance`);
- ``--set`` when an override set it;
- ``default`` when no file sets it;
- for an effect size a move takes from ``[effects.KIND]``, that entry's tag;
- for a key of a dated event without a tag of its own, ``record`` (or
  ``scenario`` for an event a counterfactual added), as the event says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sim.model.actions import KINDS, ActionKind
from sim.model.declare import Declared, Type, declared_fields
from sim.model.params import Effect
from sim.scenario.loader import SET_SOURCE
from sim.scenario.provenance import file_tags
from sim.scenario.schema import DatedEvent, Move, ReactionRule, Scenario, Targets

#: The dataclasses whose references are in their ``targets``.
_TARGETED = (Move, ReactionRule, DatedEvent)

__all__ = ["Setting", "settings"]

#: Keys left out of the listing: prose, not parameters.
_PROSE = frozenset({"note", "description"})


@dataclass(frozen=True, slots=True)
class Setting:
    """One settable key of a resolved scenario.

    Attributes
    ----------
    key
        The dotted key, as ``--set`` takes it.
    value
        The value the model uses.
    type
        The kind of value ("number", "boolean", "actor id", ...).
    unit
        The unit of a number, or "".
    range
        The allowed values ("(0, 1)", "≥ 0", "any", "—").
    provenance
        Where the value comes from (see the module notes).
    source
        The file (or ``--set``) that set it; "" for a default.
    doc
        What the key means.
    """

    key: str
    value: object
    type: str
    unit: str
    range: str
    provenance: str
    source: str
    doc: str

    def to_json(self) -> dict[str, Any]:
        """The setting as a JSON object (dates as ISO strings, pairs as lists)."""
        return {
            "key": self.key,
            "value": _json_value(self.value),
            "type": self.type,
            "unit": self.unit,
            "range": self.range,
            "provenance": self.provenance,
            "source": self.source,
            "doc": self.doc,
        }


def _json_value(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, ActionKind):
        return value.value
    if (
        isinstance(value, tuple)
        and value
        and all(isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in value)
    ):
        return {k: _json_value(v) for k, v in value}  # a table {id = number}
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    return value


def _type_text(d: Declared) -> str:
    if d.kind == Type.REFERENCE:
        return f"{d.refers_to}{'s' if d.many else ''}"
    if d.kind == Type.WEIGHTS:
        return f"table of {d.refers_to}s"
    return d.kind


class _Walk:
    """Collects the settings of one scenario, resolving provenance from its files."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.origins = scenario.origins
        self.out: list[Setting] = []

    def provenance(self, path: tuple[str, ...], untagged: str = "") -> tuple[str, str]:
        """``(provenance, source)`` of the key at ``path``.

        ``untagged`` is the provenance of a key a file sets without a tag.
        """
        source = self.origins.get(path)
        if source is None:
            return "default", ""
        if source == SET_SOURCE:
            return SET_SOURCE, source
        return file_tags(source).get(path, untagged), source

    def add(
        self,
        path: tuple[str, ...],
        value: object,
        d: Declared,
        fallback: str = "default",
    ) -> None:
        provenance, source = self.provenance(path, fallback)
        if not provenance and fallback not in ("default", ""):
            provenance = fallback
        self.out.append(
            Setting(
                ".".join(path),
                value,
                _type_text(d),
                d.unit,
                d.range_text(),
                provenance,
                source,
                d.doc,
            )
        )

    def fields(
        self,
        prefix: tuple[str, ...],
        obj: object,
        cls: type,
        *,
        untagged: str = "",
    ) -> None:
        """Add every declared key of ``obj`` (a ``cls``) under ``prefix``; recurse into tables."""
        for key, f, d in declared_fields(cls):
            if key in _PROSE:
                continue
            if d.kind == Type.TABLE and d.nested is not None:
                nested = getattr(obj, f.name)
                if nested is not None:  # an optional table the file does not give
                    self.fields((*prefix, key), nested, d.nested, untagged=untagged)
                continue
            value = getattr(obj, f.name)
            if key in ("partner or target", "gate or gates"):
                if not value:
                    continue
                key = self._written_key(prefix, key.split(" or "))
                if len(value) == 1:
                    value = value[0]
            elif d.kind in (Type.REFERENCE, Type.WEIGHTS, Type.PERIODS) and value in (None, ()):
                continue
            self.add((*prefix, *key.split(".")), value, d, untagged)
        if cls in _TARGETED:
            targeted: Move | ReactionRule | DatedEvent = obj  # type: ignore[assignment]
            self.fields(prefix, targeted.targets, Targets, untagged=untagged)

    def _written_key(self, prefix: tuple[str, ...], synonyms: list[str]) -> str:
        """Which of two synonyms (``partner``/``target``, ``gate``/``gates``) the file wrote."""
        node: Any = self.scenario.document
        for part in prefix:
            node = node.get(part, {}) if isinstance(node, dict) else {}
        found = [k for k in synonyms if isinstance(node, dict) and k in node]
        return found[0] if found else synonyms[0]

    def effect(
        self, prefix: tuple[str, ...], kind: ActionKind, effect: Effect, untagged: str = ""
    ) -> None:
        """Add the effect sizes ``kind`` uses; one taken from ``[effects.KIND]`` says so."""
        allowed = KINDS[kind].effects
        for key, f, d in declared_fields(Effect):
            if key not in allowed:
                continue
            path = (*prefix, key)
            inherited = ("effects", kind.value, key)
            if path not in self.origins and inherited in self.origins:
                provenance, source = self.provenance(inherited)
                provenance = f"{provenance or 'untagged'} (effects.{kind.value})"
            else:
                provenance, source = self.provenance(path, untagged)
            self.out.append(
                Setting(
                    ".".join(path),
                    getattr(effect, f.name),
                    _type_text(d),
                    d.unit,
                    d.range_text(),
                    provenance,
                    source,
                    d.doc,
                )
            )


def _walk(w: _Walk) -> None:
    s = w.scenario
    w.fields((), s, Scenario)  # the top level and its tables: initial, convening, world, ...
    if s.convening is None:
        for stage in s.stages:
            w.fields(("stages", stage.id), stage, type(stage))
    for ending in s.endings:
        w.fields(("endings", ending.id), ending, type(ending))
    for gate in s.gates:
        w.fields(("gates", gate.id), gate, type(gate))
    effects = s.document.get("effects")
    if isinstance(effects, dict):
        for name in effects:
            kind = ActionKind(name)
            prefix = ("effects", name)
            w.effect(prefix, kind, Effect(**_effect_values(effects[name])))
    for actor in s.actors:
        prefix = ("actors", actor.id)
        w.fields(prefix, actor, type(actor))
        for move in actor.moves:
            w.fields((*prefix, "actions", move.id), move, type(move))
            w.effect((*prefix, "actions", move.id), move.kind, move.effect)
        for rule in actor.reactions:
            w.fields((*prefix, "reactions", rule.id), rule, type(rule))
            w.effect((*prefix, "reactions", rule.id), rule.respond, rule.effect)
        for regime in actor.regimes:
            w.fields((*prefix, "regimes", regime.id), regime, type(regime))
    for pair in s.rapport:
        w.fields(("rapport", pair.id), pair, type(pair))
    for event in s.events:
        untagged = "record" if event.record else "scenario"
        w.fields(("events", event.id), event, type(event), untagged=untagged)
        w.effect(("events", event.id), event.kind, event.effect, untagged)
    for deadline in s.deadlines:
        w.fields(("deadlines", deadline.id), deadline, type(deadline))
    for body in s.bodies:
        w.fields(("bodies", body.id), body, type(body))
    for coalition in s.coalitions:
        w.fields(("coalitions", coalition.id), coalition, type(coalition))
    for words in s.words:
        w.fields(("words", words.kind.value), words, type(words))


def _effect_values(table: object) -> dict[str, Any]:
    """The effect sizes a validated ``[effects.KIND]`` table sets."""
    if not isinstance(table, dict):
        return {}
    names = {f.name for _, f, _ in declared_fields(Effect)}
    return {k: float(v) for k, v in table.items() if k in names}


def settings(scenario: Scenario) -> list[Setting]:
    """Every settable key of ``scenario``, table by table.

    Prose (``description``, ``note``) is left out; so are references left
    unset (a move with no partner).
    """
    w = _Walk(scenario)
    _walk(w)
    if scenario.convening is None:  # outcome is the [convening] shorthand's sentence
        return [x for x in w.out if x.key != "outcome"]
    return w.out
