"""References between the tables of a scenario, and the targets of an action.

A move, a reaction or a dated event names its kind and, as the kind's
registry entry (:data:`sim.model.actions.KINDS`) says, a partner or target,
gates, a deadline, an ending, a stage, a regime, a coalition, a body or an
election's candidates. :func:`read_targets` reads exactly those keys and
refuses the others, each problem naming the key; :class:`Names` holds the ids
every table defines, so references can be checked in any order of the file.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sim.model.actions import KINDS, REFERENCES, ActionKind
from sim.scenario.reader import ID_PATTERN, Table
from sim.scenario.schema import Targets

__all__ = [
    "KIND_NAMES",
    "PROVOKER",
    "Names",
    "check_kind_allowed",
    "read_kind",
    "read_targets",
    "unknown",
]

#: The names of the kinds of action, in order.
KIND_NAMES = [k.value for k in ActionKind]
#: In a reaction, the partner or target that names whoever provoked it.
PROVOKER = "provoker"
#: How close two probabilities must sum to 1.
_SUM_TOLERANCE = 1e-9


def unknown(what: str, value: str, known: Sequence[str]) -> str:
    """``unknown actor "usa" (did you mean united_states? actors: ...)``."""
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.8)  # typos, not guesses
    hint = f"did you mean {close[0]}? " if close else ""
    listing = ", ".join(known) or "none defined"
    plural = "kinds" if what == "kind of action" else f"{what}s"
    return f'unknown {what} "{value}" ({hint}{plural}: {listing})'


@dataclass(slots=True)
class Names:
    """The ids a scenario defines, for checking references."""

    actors: list[str] = field(default_factory=list)
    gates: list[str] = field(default_factory=list)
    deadlines: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    endings: list[str] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    coalitions: list[str] = field(default_factory=list)
    regimes: dict[str, list[str]] = field(default_factory=dict)
    reopenable: set[str] = field(default_factory=set)
    war: bool = True

    def check(self, t: Table, key: str, what: str, value: str, known: Sequence[str]) -> str | None:
        """``value`` if it is in ``known``; otherwise record the problem and return ``None``."""
        if value in known:
            return value
        t.fail(key, unknown(what, value, known))
        return None

    def actor(self, t: Table, key: str, value: str, *, allow: Sequence[str] = ()) -> str | None:
        """A reference to an actor (or one of the words in ``allow``)."""
        return self.check(t, key, "actor", value, [*allow, *self.actors])

    def gate(self, t: Table, key: str, value: str) -> str | None:
        """A reference to a gate."""
        return self.check(t, key, "gate", value, self.gates)


def read_kind(t: Table, key: str, default: str | None = None) -> ActionKind | None:
    """The kind of action named by ``key`` (``None``, with a problem, if there is none)."""
    text = t.string(key, default)
    if not text:
        return None
    try:
        return ActionKind(text)
    except ValueError:
        t.fail(key, unknown("kind of action", text, KIND_NAMES))
        return None


def _ids(t: Table, key: str) -> tuple[str, ...]:
    """A string or a list of strings, each an id."""
    values = t.strings(key)
    for value in values:
        if not ID_PATTERN.match(value):
            t.fail(
                key,
                f'"{value}" is not a valid id (letters, digits, _ and -, starting with a letter)',
            )
            return ()
    return values


def _others(
    t: Table, kind: ActionKind, names: Names, actor: str | None, provoker: bool
) -> tuple[str, ...]:
    """The partner(s) or target."""
    info = KINDS[kind]
    keys = [k for k in ("partner", "target") if t.has(k)]
    if len(keys) == 2:
        t.fail("target", "give a partner or a target, not both")
    if keys and info.other == "none":
        t.mark_seen(keys[0])
        t.fail(keys[0], f"{kind.value} takes no {keys[0]}")
        return ()
    if keys:
        key = keys[0]
        values = _ids(t, key)
        if len(values) > 1 and not info.joint:
            t.fail(key, f"{kind.value} has one {info.role}, got {len(values)}")
            return ()
        if not values:
            t.fail(key, f"{kind.value} needs a {info.role} actor")
            return ()
        allow = (PROVOKER,) if provoker else ()
        found: list[str] = []
        for value in values:
            other = names.actor(t, key, value, allow=allow)
            if other is None:
                return ()
            if other == actor:
                t.fail(key, f'"{actor}" cannot be its own {info.role}')
                return ()
            if other in found:
                t.fail(key, f'"{other}" is named twice')
                return ()
            found.append(other)
        return tuple(found)
    if info.other == "required":
        if provoker:
            return (PROVOKER,)
        t.fail(info.role, f"{kind.value} needs a {info.role} actor")
    return ()


def _gates(t: Table, kind: ActionKind, names: Names) -> tuple[str, ...]:
    """The gate or gates."""
    use = KINDS[kind].gate
    keys = [k for k in ("gate", "gates") if t.has(k)]
    if len(keys) == 2:
        t.fail("gates", "give gate or gates, not both")
        return ()
    if use == "none":
        for key in keys:
            t.mark_seen(key)
            t.fail(key, f"{kind.value} acts on no gate")
        return ()
    values: tuple[str, ...] = _ids(t, keys[0]) if keys else ()
    if keys and keys[0] == "gate" and len(values) > 1:
        t.fail("gate", "name one gate here, or several with gates = [...]")
        return ()
    if use == "one" and len(values) > 1:
        t.fail(keys[0], f"{kind.value} acts on one gate, got {len(values)}")
        return ()
    if not values and use in ("one", "some"):
        if not keys:
            t.fail("gate", f"{kind.value} needs a gate")
        else:
            t.fail(keys[0], f"{kind.value} needs a gate")
        return ()
    found: list[str] = []
    for value in values:
        gate = names.gate(t, keys[0], value)
        if gate is None:
            return ()
        if gate in found:
            t.fail(keys[0], f'the gate "{gate}" is named twice')
            return ()
        found.append(gate)
    if kind is ActionKind.REOPEN and found and found[0] not in names.reopenable:
        t.fail(
            keys[0],
            f'the gate "{found[0]}" cannot be reopened: declare reopenable = true in '
            f"gates.{found[0]}",
        )
        return ()
    return tuple(found)


def _candidates(t: Table, regimes: Sequence[str]) -> tuple[tuple[str, float], ...]:
    raw = t.table("candidates")
    found: list[tuple[str, float]] = []
    for regime in raw.data:
        raw.mark_seen(regime)
        if regime not in regimes:
            raw.fail(regime, unknown("regime", regime, regimes))
            return ()
        found.append((regime, raw.number(regime, low=0.0, high=1.0, what="a probability")))
    raw.finish()
    if not found:
        t.fail("candidates", "an election needs at least one candidate regime")
        return ()
    total = math.fsum(p for _, p in found)
    if abs(total - 1.0) > _SUM_TOLERANCE:
        t.fail("candidates", f"the probabilities must sum to 1, got {total:g}")
        return ()
    return tuple(found)


def read_targets(
    t: Table,
    kind: ActionKind,
    names: Names,
    actor: str | None,
    *,
    provoker: bool = False,
) -> Targets:
    """Read the references ``kind`` needs or takes from ``t``; refuse the others.

    Parameters
    ----------
    t
        The table of a move, a reaction or a dated event.
    kind
        Its kind of action.
    names
        The scenario's ids.
    actor
        The acting actor (``None`` when it is itself invalid).
    provoker
        In a reaction: ``"provoker"`` may name the actor that provoked it, and
        is the default partner or target of a kind that needs one.
    """
    info = KINDS[kind]
    others = _others(t, kind, names, actor, provoker)
    gates = _gates(t, kind, names)
    values: dict[str, str | None] = {}
    regimes = names.regimes.get(actor or "", [])
    known: Mapping[str, Sequence[str]] = {
        "deadline": names.deadlines,
        "ending": names.endings,
        "stage": names.stages,
        "regime": regimes,
        "coalition": names.coalitions,
        "body": names.bodies,
    }
    candidates: tuple[tuple[str, float], ...] = ()
    for key in REFERENCES:
        if key not in info.takes:
            if t.has(key):
                t.mark_seen(key)
                t.fail(key, f"{kind.value} takes no {key}")
            continue
        if key == "candidates":
            if t.has(key):
                candidates = _candidates(t, regimes)
            elif key in info.needs:
                t.fail(key, f"{kind.value} needs {key}")
            continue
        if not t.has(key):
            if key in info.needs:
                t.fail(key, f"{kind.value} needs a {key}")
            continue
        value = t.identifier(key)
        if value:
            values[key] = names.check(t, key, key, value, known[key])
    return Targets(
        others=others,
        gates=gates,
        deadline=values.get("deadline"),
        ending=values.get("ending"),
        stage=values.get("stage"),
        regime=values.get("regime"),
        coalition=values.get("coalition"),
        body=values.get("body"),
        candidates=candidates,
    )


def check_kind_allowed(t: Table, kind: ActionKind, names: Names, *, dated: bool) -> bool:
    """Whether ``kind`` may appear here; record the problem when it may not.

    Record-only kinds appear only as dated events; war kinds only in a
    scenario with a war.
    """
    info = KINDS[kind]
    key = "kind" if t.has("kind") else ("respond" if t.has("respond") else "kind")
    if info.record_only and not dated:
        t.fail(key, f"{kind.value} happens only as a dated event (in [events]), not in a run")
        return False
    if info.war and not names.war:
        t.fail(
            key,
            f"{kind.value} needs a war, and this scenario has none (give initial.violence to "
            "have one)",
        )
        return False
    return True
