"""Validating a resolved scenario document into a :class:`~sim.scenario.schema.Scenario`.

One small function per table of the file. Each reads the table's plain keys
by walking the declarations on its dataclass (:func:`read_declared`: the
type, default, bounds and wording of every key are said once, in
:mod:`sim.model.declare` metadata), and then the keys that need the rest of
the scenario: references to actors and gates, kinds of action, effects.
Every problem is recorded with its file and key by :class:`~sim.scenario.reader.Document`
rather than raised, so one bad file yields every error at once.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import MISSING, Field
from typing import Any

from sim.model.actions import KINDS, ActionKind
from sim.model.declare import Declared, Type, declared_fields
from sim.model.params import (
    EFFECT_FIELDS,
    ChoiceRule,
    ConveningRule,
    Effect,
    Mechanisms,
    World,
)
from sim.scenario.reader import ID_PATTERN, Document, Table
from sim.scenario.schema import (
    ActorSpec,
    DatedEvent,
    Deadline,
    GateSpec,
    InitialState,
    Move,
    RapportSpec,
    ReactionRule,
    Scenario,
)

__all__ = ["build", "canonical_json", "read_declared", "unknown"]

_KINDS = [k.value for k in ActionKind]
#: Declared types that :func:`read_declared` reads; the rest need the scenario's context.
_PLAIN = frozenset(
    {
        Type.NUMBER,
        Type.INTEGER,
        Type.BOOLEAN,
        Type.TEXT,
        Type.ID,
        Type.SPAN,
        Type.INTEGER_SPAN,
        Type.DATE,
    }
)


# -- plain keys, from their declarations ---------------------------------------------------


def _default(f: Field[Any], d: Declared, defaults: Mapping[str, Any]) -> Any:
    """A field's default for the reader: the caller's, the dataclass's, or ``None`` (required).

    A key declared with ``default_from`` takes the value of that other key,
    which the caller passes in ``defaults`` under the other key's dotted name.
    """
    if f.name in defaults:
        return defaults[f.name]
    if d.default_from is not None:
        return defaults[d.default_from]
    if f.default is not MISSING:
        return f.default
    return None


def _read(t: Table, key: str, d: Declared, default: Any) -> Any:
    if d.kind == Type.NUMBER:
        return t.number(
            key,
            default,
            low=d.low,
            high=d.high,
            low_open=d.low_open,
            high_open=d.high_open,
            what=d.what,
        )
    if d.kind == Type.INTEGER:
        low = None if d.low is None else int(d.low)
        high = None if d.high is None else int(d.high)
        return t.integer(key, default, low=low, high=high, what=d.what)
    if d.kind == Type.BOOLEAN:
        return t.boolean(key, default)
    if d.kind == Type.TEXT:
        return t.string(key, default)
    if d.kind == Type.ID:
        return t.identifier(key, default)
    if d.kind == Type.DATE:
        return t.date(key, default)
    integer = d.kind == Type.INTEGER_SPAN
    lo, hi = t.span(key, default, low=d.low or 0.0, integer=integer, what=d.what)
    return (int(lo), int(hi)) if integer else (lo, hi)


def read_declared(
    t: Table,
    cls: type,
    defaults: Mapping[str, Any] | None = None,
    *,
    skip: Collection[str] = (),
) -> dict[str, Any]:
    """Read every plain key that ``cls`` declares from table ``t``, in declaration order.

    Parameters
    ----------
    t
        The table.
    cls
        A dataclass whose fields carry :mod:`sim.model.declare` declarations.
    defaults
        Defaults that depend on the scenario: by field name (a label made
        from the id), or by dotted key for keys declared with
        ``default_from`` (``"initial.readiness"``).
    skip
        Keys the caller reads itself (a date checked against the window).

    Returns
    -------
    dict
        The values by field name; a bad value is recorded as a problem and
        replaced by a harmless stand-in.
    """
    values: dict[str, Any] = {}
    for key, f, d in declared_fields(cls):
        if d.kind in _PLAIN and key not in skip:
            values[f.name] = _read(t, key, d, _default(f, d, defaults or {}))
    return values


# -- references --------------------------------------------------------------------------


class _Refs:
    """Checks references to actors and gates."""

    def __init__(self, actors: Sequence[str], gates: Sequence[str]) -> None:
        self.actors = list(actors)
        self.gates = list(gates)

    def actor(self, t: Table, key: str, value: str, *, allow: Sequence[str] = ()) -> str | None:
        if value in self.actors or value in allow:
            return value
        t.fail(key, unknown("actor", value, [*allow, *self.actors]))
        return None

    def gate(self, t: Table, key: str, value: str) -> str | None:
        if value in self.gates:
            return value
        t.fail(key, unknown("gate", value, self.gates))
        return None


def unknown(what: str, value: str, known: Sequence[str]) -> str:
    """``unknown actor "usa" (did you mean united_states? actors: ...)``."""
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.8)  # typos, not guesses
    hint = f"did you mean {close[0]}? " if close else ""
    listing = ", ".join(known) or "none defined"
    plural = "kinds" if what == "kind of action" else f"{what}s"
    return f'unknown {what} "{value}" ({hint}{plural}: {listing})'


def _kind(t: Table, key: str, default: str | None = None) -> ActionKind | None:
    text = t.string(key, default)
    if not text:
        return None
    try:
        return ActionKind(text)
    except ValueError:
        t.fail(key, unknown("kind of action", text, _KINDS))
        return None


def _other_and_gate(
    t: Table, kind: ActionKind, refs: _Refs, actor: str | None, *, provoker: bool = False
) -> tuple[str | None, str | None]:
    """Read the partner or target and the gate that a kind of action needs."""
    info = KINDS[kind]
    allow = ("provoker",) if provoker else ()
    other: str | None = None
    keys = [k for k in ("partner", "target") if t.has(k)]
    if len(keys) == 2:
        t.fail("target", "give a partner or a target, not both")
    if keys and info.other == "none":
        t.string(keys[0])
        t.fail(keys[0], f"{kind.value} takes no {keys[0]}")
    elif keys:
        name = t.identifier(keys[0])
        other = refs.actor(t, keys[0], name, allow=allow) if name else None
        if other is not None and other == actor:
            t.fail(
                keys[0], f'an actor cannot {kind.value.replace("_", " ")} with itself ("{actor}")'
            )
            other = None
    elif info.other == "required":
        if provoker:
            other = "provoker"
        else:
            t.fail(info.role, f"{kind.value} needs a {info.role} actor")
    gate: str | None = None
    if info.gate:
        name = t.identifier("gate", "")
        if not name:
            t.fail("gate", f"{kind.value} needs a gate")
        else:
            gate = refs.gate(t, "gate", name)
    elif t.has("gate"):
        t.string("gate")
        t.fail("gate", f"{kind.value} acts on no gate")
    return other, gate


def _effect(t: Table, kind: ActionKind, base: Effect) -> Effect:
    """Read the effect fields a kind allows from table ``t``, over ``base``."""
    allowed = KINDS[kind].effects
    values = {
        key: _read(t, key, d, getattr(base, f.name))
        for key, f, d in declared_fields(Effect)
        if key in allowed and t.has(key)
    }
    for name in EFFECT_FIELDS:
        if t.has(name) and name not in allowed:
            t.mark_seen(name)
            t.fail(
                name, f"{kind.value} has no {name} effect (it uses: {', '.join(sorted(allowed))})"
            )
    return Effect(**{name: values.get(name, getattr(base, name)) for name in EFFECT_FIELDS})


def _date_in_window(
    t: Table, key: str, start: dt.date | None, horizon: dt.date | None
) -> dt.date | None:
    date = t.date(key)
    if date is None or start is None or horizon is None:
        return date
    if date < start:
        t.fail(key, f"{date.isoformat()} is before the scenario starts ({start.isoformat()})")
        return None
    if date > horizon:
        t.fail(key, f"{date.isoformat()} is after the scenario's horizon ({horizon.isoformat()})")
        return None
    return date


# -- one function per table ---------------------------------------------------------------


def _label(key: str) -> str:
    return key.replace("_", " ")


def _initial(root: Table) -> InitialState:
    it = root.table("initial", required=True)
    initial = InitialState(**read_declared(it, InitialState))
    it.finish()
    return initial


def _gates(root: Table) -> list[GateSpec]:
    gates = []
    for gid, gt in root.tables("gates"):
        gates.append(GateSpec(id=gid, **read_declared(gt, GateSpec, {"label": _label(gid)})))
        gt.finish()
    return gates


def _effect_defaults(doc: Document, root: Table) -> dict[ActionKind, Effect]:
    defaults: dict[ActionKind, Effect] = {k: Effect() for k in ActionKind}
    for kname, kt in root.tables("effects"):
        try:
            kind = ActionKind(kname)
        except ValueError:
            doc.fail(kt.path, unknown("kind of action", kname, _KINDS))
            continue
        defaults[kind] = _effect(kt, kind, Effect())
        kt.finish()
    return defaults


def _moves(at: Table, aid: str, refs: _Refs, defaults: Mapping[ActionKind, Effect]) -> list[Move]:
    moves = []
    for mid, mt in at.tables("actions"):
        kind = _kind(mt, "kind", mid if mid in set(ActionKind) else None)
        if kind is None:
            mt.skip()  # its other keys depend on the kind: nothing more to say
            continue
        other, gate = _other_and_gate(mt, kind, refs, aid)
        values = read_declared(mt, Move)
        moves.append(
            Move(
                id=mid,
                kind=kind,
                other=other,
                gate=gate,
                effect=_effect(mt, kind, defaults[kind]),
                **values,
            )
        )
        mt.finish()
    return moves


def _reactions(
    at: Table, aid: str, refs: _Refs, defaults: Mapping[ActionKind, Effect]
) -> list[ReactionRule]:
    reactions = []
    for rid, rt in at.tables("reactions"):
        on: list[ActionKind] = []
        for text in rt.strings("on"):
            try:
                on.append(ActionKind(text))
            except ValueError:
                rt.fail("on", unknown("kind of action", text, _KINDS))
        by = rt.strings("by", ())
        for who in by:
            if refs.actor(rt, "by", who) == aid:
                rt.fail("by", f'an actor does not react to itself ("{aid}")')
        respond = _kind(rt, "respond")
        if respond is None:
            rt.skip()
            continue
        other, gate = _other_and_gate(rt, respond, refs, aid, provoker=True)
        values = read_declared(rt, ReactionRule)
        reactions.append(
            ReactionRule(
                id=rid,
                on=tuple(on),
                by=by,
                respond=respond,
                other=other,
                gate=gate,
                effect=_effect(rt, respond, defaults[respond]),
                **values,
            )
        )
        rt.finish()
    return reactions


def _actors(
    actor_tables: Sequence[tuple[str, Table]], refs: _Refs, defaults: Mapping[ActionKind, Effect]
) -> list[ActorSpec]:
    actors = []
    for aid, at in actor_tables:
        moves = _moves(at, aid, refs, defaults)
        reactions = _reactions(at, aid, refs, defaults)
        values = read_declared(at, ActorSpec, {"name": _label(aid)})
        actors.append(ActorSpec(id=aid, moves=tuple(moves), reactions=tuple(reactions), **values))
        at.finish()
    return actors


def _rapport(root: Table, refs: _Refs) -> list[RapportSpec]:
    rapport = []
    seen: dict[frozenset[str], str] = {}
    for rid, rt in root.tables("rapport"):
        between = rt.strings("between")
        values = read_declared(rt, RapportSpec)
        rt.finish()
        if len(between) != 2 or between[0] == between[1]:
            rt.fail("between", f"expected two different actors, got {list(between)}")
            continue
        if not all(refs.actor(rt, "between", who) for who in between):
            continue
        pair = frozenset(between)
        if pair in seen:
            rt.fail("between", f"the pair is already given in rapport.{seen[pair]}")
            continue
        seen[pair] = rid
        rapport.append(RapportSpec(id=rid, between=(between[0], between[1]), **values))
    return rapport


def _events(
    root: Table,
    refs: _Refs,
    defaults: Mapping[ActionKind, Effect],
    start: dt.date | None,
    horizon: dt.date | None,
) -> list[DatedEvent]:
    events = []
    for eid, et in root.tables("events"):
        date = _date_in_window(et, "date", start, horizon)
        actor = (
            refs.actor(et, "actor", et.identifier("actor"))
            if et.has("actor")
            else (et.string("actor") or None)
        )
        kind = _kind(et, "kind")
        if kind is None or actor is None:
            et.skip()
            continue
        other, gate = _other_and_gate(et, kind, refs, actor)
        effect = _effect(et, kind, defaults[kind])
        values = read_declared(et, DatedEvent, skip=("date",))
        events.append(
            DatedEvent(
                id=eid,
                date=date or dt.date.min,
                day=(date - start).days if date and start else 0,
                actor=actor,
                kind=kind,
                other=other,
                gate=gate,
                effect=effect,
                **values,
            )
        )
        et.finish()
    events.sort(key=lambda e: e.day)  # stable: same-day events keep their file order
    return events


def _deadlines(
    doc: Document, root: Table, start: dt.date | None, horizon: dt.date | None
) -> list[Deadline]:
    deadlines = []
    for did, dtab in root.tables("deadlines"):
        date = _date_in_window(dtab, "date", start, horizon)
        values = read_declared(dtab, Deadline, {"label": _label(did)}, skip=("date",))
        deadlines.append(
            Deadline(
                id=did,
                date=date or dt.date.min,
                day=(date - start).days if date and start else 0,
                **values,
            )
        )
        dtab.finish()
    if not deadlines and not any(p.key.startswith("deadlines") for p in doc.problems):
        doc.fail(("deadlines",), "a scenario needs at least one deadline")
    deadlines.sort(key=lambda d: d.day)
    return deadlines


def _convening(root: Table, refs: _Refs) -> tuple[ConveningRule, str | None]:
    ct = root.table("convening", required=True)
    rule = ConveningRule(**read_declared(ct, ConveningRule))
    if rule.postpone_threshold > rule.announce_threshold:
        ct.fail(
            "postpone_threshold",
            f"must not exceed announce_threshold ({rule.announce_threshold:g}), "
            f"got {rule.postpone_threshold:g}",
        )
    convener = ct.identifier("convener", "") or None
    if convener is not None:
        convener = refs.actor(ct, "convener", convener)
    ct.finish()
    return rule, convener


def _nested(t: Table, cls: type, defaults: Mapping[str, Any] | None = None) -> Any:
    """A dataclass read from table ``t``: its plain keys and its declared sub-tables."""
    values = read_declared(t, cls, defaults)
    for key, f, d in declared_fields(cls):
        if d.kind == Type.TABLE and d.nested is not None:
            sub = t.table(key)
            values[f.name] = _nested(sub, d.nested)
    t.finish()
    return cls(**values)


def _mechanisms(root: Table) -> Mechanisms:
    mechanisms: Mechanisms = _nested(root.table("mechanisms"), Mechanisms)
    return mechanisms


def _world(root: Table, initial: InitialState) -> World:
    context = {
        f"initial.{key}": getattr(initial, f.name) for key, f, _ in declared_fields(InitialState)
    }
    world: World = _nested(root.table("world"), World, context)
    return world


def _choice(root: Table) -> ChoiceRule:
    choice: ChoiceRule = _nested(root.table("choice"), ChoiceRule)
    return choice


def build(doc: Document, source: str, default_name: str) -> Scenario | None:
    """Validate the resolved document; ``None`` (with problems in ``doc``) when it is invalid."""
    root = doc.root()
    default = default_name if ID_PATTERN.match(default_name) else "scenario"
    top = read_declared(root, Scenario, {"name": default, "title": ""})
    name = top["name"]
    if not root.has("title"):
        top["title"] = name
    start, horizon = top["start"], top["horizon"]
    if start is not None and horizon is not None and horizon <= start:
        root.fail(
            "horizon", f"{horizon.isoformat()} must come after the start ({start.isoformat()})"
        )
        horizon = None
    initial = _initial(root)
    gates = _gates(root)
    actor_tables = list(root.tables("actors"))  # ids first, for references in any order
    refs = _Refs([aid for aid, _ in actor_tables], [g.id for g in gates])
    defaults = _effect_defaults(doc, root)
    actors = _actors(actor_tables, refs, defaults)
    rapport = _rapport(root, refs)
    events = _events(root, refs, defaults, start, horizon)
    deadlines = _deadlines(doc, root, start, horizon)
    convening, convener = _convening(root, refs)
    mechanisms = _mechanisms(root)
    world = _world(root, initial)
    choice = _choice(root)
    root.finish()

    if doc.problems or start is None or horizon is None:
        if not doc.problems:
            doc.fail(("start",) if start is None else ("horizon",), "is required")
        return None
    return Scenario(
        name=name,
        title=top["title"],
        description=top["description"],
        outcome=top["outcome"],
        source=source,
        start=start,
        horizon=horizon,
        initial=initial,
        convening=convening,
        convener=convener,
        gates=tuple(gates),
        actors=tuple(actors),
        rapport=tuple(rapport),
        events=tuple(events),
        deadlines=tuple(deadlines),
        mechanisms=mechanisms,
        world=world,
        choice=choice,
        resolved=canonical_json(doc.data),
        document=doc.data,
        origins=dict(doc.origins),
    )


def canonical_json(data: Mapping[str, Any]) -> str:
    """The resolved document as canonical JSON (sorted keys, dates as ISO strings)."""

    def default(value: object) -> str:
        if isinstance(value, dt.date | dt.time):
            return value.isoformat()
        raise TypeError(f"cannot encode {type(value).__name__}")

    def finite(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return repr(value)
        if isinstance(value, dict):
            return {k: finite(v) for k, v in value.items()}
        if isinstance(value, list):
            return [finite(v) for v in value]
        return value

    return json.dumps(
        finite(data), sort_keys=True, separators=(",", ":"), default=default, ensure_ascii=False
    )
