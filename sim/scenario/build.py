"""Validating a resolved scenario document into a :class:`~sim.scenario.schema.Scenario`.

One small function per table of the file. Each reads the table's plain keys
by walking the declarations on its dataclass (:func:`read_declared`: the
type, default, bounds and wording of every key are said once, in
:mod:`sim.model.declare` metadata), and then the keys that need the rest of
the scenario: references (:mod:`sim.scenario.refs`), kinds of action,
effects. Every problem is recorded with its file and key by
:class:`~sim.scenario.reader.Document` rather than raised, so one bad file
yields every error at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import MISSING, Field
from typing import Any

from sim.model.actions import KINDS, ActionKind
from sim.model.declare import Declared, Type, declared_fields
from sim.model.params import EFFECT_FIELDS, ChoiceRule, ConveningRule, Effect, Mechanisms, World
from sim.model.words import TemplateError, parse
from sim.scenario.reader import ID_PATTERN, Document, Table
from sim.scenario.refs import (
    KIND_NAMES,
    Names,
    check_kind_allowed,
    read_kind,
    read_targets,
    unknown,
)
from sim.scenario.schema import (
    ActorSpec,
    BodySpec,
    CalibrationSpec,
    CoalitionSpec,
    DatedEvent,
    Deadline,
    EndingSpec,
    GateSpec,
    InitialState,
    Move,
    PriorSpec,
    RapportSpec,
    ReactionRule,
    RegimeSpec,
    Scenario,
    StageSpec,
    WordsSpec,
)

__all__ = ["build", "canonical_json", "read_declared"]

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
        Type.CHOICE,
    }
)
#: The results a record can give an attempt or a vote.
_SUCCESS = ("succeeded", "passed")
_FAILURE = ("failed",)
#: The regime id that names an actor as its own table says (before any change).
INITIAL_REGIME = "initial"
#: The stages the [convening] shorthand stands for.
SHORTHAND_STAGES = ("announced", "convened")
#: The war's keys in [world]: a scenario without a war cannot set them.
_WAR_KEYS = (
    "violence_mean",
    "violence_reversion",
    "violence_volatility",
    "balance_mean",
    "balance_reversion",
    "balance_volatility",
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
    if d.optional and default is None and not t.has(key):
        t.mark_seen(key)
        return None
    if d.kind == Type.NUMBER:
        return t.number(
            key,
            default,
            low=d.low,
            high=d.high,
            low_open=d.low_open,
            high_open=d.high_open,
            what=d.what,
            why=d.why,
        )
    if d.kind == Type.INTEGER:
        low = None if d.low is None else int(d.low)
        high = None if d.high is None else int(d.high)
        return t.integer(key, default, low=low, high=high, what=d.what)
    if d.kind == Type.BOOLEAN:
        return t.boolean(key, default)
    if d.kind == Type.TEXT:
        return t.string(key, default, lines=d.lines)
    if d.kind == Type.ID:
        return t.identifier(key, default)
    if d.kind == Type.DATE:
        return t.date(key, default)
    if d.kind == Type.CHOICE:
        value = t.string(key, default)
        if value not in d.options:
            t.fail(key, f'expected one of {", ".join(d.options)}, got "{value}"')
            return default
        return value
    integer = d.kind == Type.INTEGER_SPAN
    lo, hi = t.span(
        key, default, low=d.low or 0.0, high=d.high, integer=integer, what=d.what, why=d.why
    )
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


def _nested(t: Table, cls: type, defaults: Mapping[str, Any] | None = None) -> Any:
    """A dataclass read from table ``t``: its plain keys and its declared sub-tables."""
    values = read_declared(t, cls, defaults)
    for key, f, d in declared_fields(cls):
        if d.kind == Type.TABLE and d.nested is not None:
            values[f.name] = _nested(t.table(key), d.nested)
    t.finish()
    return cls(**values)


def _label(key: str) -> str:
    return key.replace("_", " ")


# -- small readers ------------------------------------------------------------------------


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


def _date_pairs(
    t: Table, key: str, start: dt.date | None, horizon: dt.date | None
) -> tuple[tuple[dt.date, dt.date], ...]:
    """A list of ``[from, to]`` date pairs, in order, not overlapping, within the scenario."""
    if not t.has(key):
        t.mark_seen(key)
        return ()
    raw = t.data[key]
    t.mark_seen(key)
    pairs: list[tuple[dt.date, dt.date]] = []
    if not isinstance(raw, list):
        t.fail(key, "expected a list of [from, to] date pairs")
        return ()
    for item in raw:
        if not (isinstance(item, list) and len(item) == 2):
            t.fail(key, "expected a list of [from, to] date pairs")
            return ()
        dates: list[dt.date] = []
        for value in item:
            if isinstance(value, str):
                with contextlib.suppress(ValueError):
                    value = dt.date.fromisoformat(value)
            if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
                t.fail(key, "expected a list of [from, to] date pairs (YYYY-MM-DD)")
                return ()
            dates.append(value)
        first, last = dates
        if last < first:
            t.fail(
                key, f"the period {first.isoformat()} to {last.isoformat()} ends before it starts"
            )
            return ()
        if pairs and first <= pairs[-1][1]:
            t.fail(key, "the periods must be in date order and not overlap")
            return ()
        if start is not None and horizon is not None and (first < start or last > horizon):
            t.fail(
                key,
                f"the period {first.isoformat()} to {last.isoformat()} is not within the "
                f"scenario ({start.isoformat()} to {horizon.isoformat()})",
            )
            return ()
        pairs.append((first, last))
    return tuple(pairs)


def _weights_table(
    t: Table, key: str, known: Sequence[str], what: str
) -> tuple[tuple[str, float], ...]:
    """A table ``{id = non-negative number}`` whose ids are in ``known``."""
    sub = t.table(key)
    found: list[tuple[str, float]] = []
    for name in sub.data:
        sub.mark_seen(name)
        if name not in known:
            sub.fail(name, unknown(what, name, known))
            continue
        found.append((name, sub.number(name, low=0.0, what="a weight")))
    sub.finish()
    return tuple(found)


def _template(t: Table, key: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        parse(value)
    except TemplateError as exc:
        t.fail(key, f"not a sentence template: {exc}")
        return None
    return value


# -- one function per table ---------------------------------------------------------------


def _initial(root: Table) -> InitialState:
    it = root.table("initial", required=True)
    initial = InitialState(**read_declared(it, InitialState))
    it.finish()
    return initial


def _gates(doc: Document, root: Table, names: Names) -> list[GateSpec]:
    gates = []
    for gid, gt in root.tables("gates"):
        values = read_declared(gt, GateSpec, {"label": _label(gid)})
        requires = tuple(
            g for g in gt.strings("requires", ()) if names.gate(gt, "requires", g) is not None
        )
        if gid in requires:
            gt.fail("requires", f'a gate cannot require itself ("{gid}")')
            requires = ()
        gates.append(GateSpec(id=gid, requires=requires, **values))
        gt.finish()
    _check_cycles(doc, gates)
    return gates


def _check_cycles(doc: Document, gates: Sequence[GateSpec]) -> None:
    """Refuse a cycle of ``requires`` (a gate that would wait for itself)."""
    needs = {g.id: g.requires for g in gates}
    done: set[str] = set()
    for gate in gates:
        path: list[str] = []
        stack = [(gate.id, iter(needs[gate.id]))]
        on_path = {gate.id}
        path.append(gate.id)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_path.discard(node)
                path.pop()
                done.add(node)
                continue
            if child in on_path:
                cycle = " -> ".join([*path[path.index(child) :], child])
                doc.fail(
                    ("gates", gate.id, "requires"), f"gates require each other in a cycle: {cycle}"
                )
                return
            if child not in done:
                stack.append((child, iter(needs.get(child, ()))))
                on_path.add(child)
                path.append(child)


def _stages(
    doc: Document, root: Table, names: Names, outcome: str
) -> tuple[tuple[StageSpec, ...], ConveningRule | None, str | None]:
    """The stages: from ``[stages]``, or the ``[convening]`` shorthand for two of them."""
    if root.has("stages") and root.has("convening"):
        root.fail("convening", "give [stages] or the [convening] shorthand, not both")
    if root.has("stages") and root.has("outcome"):
        root.fail(
            "outcome",
            "is for the [convening] shorthand; with [stages], each stage's label and said say it",
        )
    if root.has("stages"):
        stages: list[StageSpec] = []
        for sid, st in root.tables("stages"):
            values = read_declared(
                st, StageSpec, {"label": _label(sid), "said": "{stage}"}, skip=("said",)
            )
            gates: tuple[str, ...] | None = None
            if st.has("gates"):
                gates = tuple(
                    g for g in st.strings("gates") if names.gate(st, "gates", g) is not None
                )
            undoes = st.identifier("postponement_undoes", "") or None
            if undoes is not None and undoes not in names.stages[: len(stages) + 1]:
                st.fail(
                    "postponement_undoes",
                    unknown("stage", undoes, names.stages[: len(stages) + 1])
                    + "; a postponement undoes this stage or one before it",
                )
                undoes = None
            _check_postponement(st, stages, undoes, values["threshold"], values["postpone_below"])
            by = st.identifier("by", "") or None
            if by is not None:
                by = names.actor(st, "by", by)
            said = _template(st, "said", st.string("said", "{stage}"))
            stages.append(
                StageSpec(
                    id=sid,
                    gates=gates,
                    postponement_undoes=undoes,
                    by=by,
                    said=said or "{stage}",
                    **values,
                )
            )
            st.finish()
        if not stages and not any(p.key.startswith("stages") for p in doc.problems):
            doc.fail(("stages",), "a scenario needs at least one stage")
        return tuple(stages), None, None
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
        convener = names.actor(ct, "convener", convener)
    ct.finish()
    announced, convened = SHORTHAND_STAGES
    return (
        (
            StageSpec(
                id=announced,
                label="a date announced",
                threshold=rule.announce_threshold,
                by=convener,
                said="{actor} {announces|announce} the date",
            ),
            StageSpec(
                id=convened,
                label="convened",
                lead_days=rule.lead_days,
                postpone_below=rule.postpone_threshold,
                postponement_undoes=announced,
                by=convener,
                said=outcome.replace("{", "{{")
                .replace("}", "}}")
                .replace("[", "[[")
                .replace("]", "]]"),
            ),
        ),
        rule,
        convener,
    )


def _check_postponement(
    st: Table,
    earlier: Sequence[StageSpec],
    undoes: str | None,
    threshold: float,
    postpone_below: float,
) -> None:
    """Refuse a postponement level the stage could be taken again at at once.

    After a postponement the stages from the one it undoes are taken again
    when readiness reaches their thresholds; if it may do so while it is
    still below ``postpone_below``, the date would be set and withdrawn for
    ever at one instant.
    """
    first = next((i for i, s in enumerate(earlier) if s.id == undoes), len(earlier))
    highest = max([threshold, *(s.threshold for s in earlier[first:])])
    if postpone_below > highest:
        what = (
            "the stage's threshold"
            if first == len(earlier)
            else "the highest threshold of the stages a postponement undoes"
        )
        st.fail(
            "postpone_below",
            f"must not exceed {what} ({highest:g}), got {postpone_below:g}: the date would be "
            "set again at once, and postponed for ever",
        )


def _endings(root: Table, stages: Sequence[StageSpec]) -> list[EndingSpec]:
    endings = []
    stage_ids = {s.id for s in stages}
    for eid, et in root.tables("endings"):
        if eid in stage_ids:
            et.doc.fail(et.path, f'"{eid}" is a stage\'s id too: an ending needs an id of its own')
        endings.append(EndingSpec(id=eid, **read_declared(et, EndingSpec, {"label": _label(eid)})))
        et.finish()
    return endings


def _bodies(root: Table, names: Names) -> list[BodySpec]:
    bodies = []
    for bid, bt in root.tables("bodies"):
        seats = _weights_table(bt, "seats", names.actors, "actor")
        values = read_declared(bt, BodySpec, {"label": _label(bid)})
        if not bt.has("seats"):
            bt.fail("seats", "a body needs its members: seats = {actor = seats, ...}")
        elif not seats or not any(w > 0 for _, w in seats):
            bt.fail("seats", "a body needs at least one member with seats above 0")
        held = math.fsum(w for _, w in seats)
        size = values["size"]
        if size is not None and size < held:
            bt.fail("size", f"is {size:g}, fewer than the {held:g} seats its members hold")
        bodies.append(BodySpec(id=bid, seats=seats, **values))
        bt.finish()
    return bodies


def _coalitions(root: Table, names: Names) -> list[CoalitionSpec]:
    coalitions = []
    for cid, ct in root.tables("coalitions"):
        members = tuple(
            m for m in ct.strings("members") if names.actor(ct, "members", m) is not None
        )
        if len(set(members)) < 2 and not ct.absent:
            ct.fail("members", "a coalition needs two or more different actors")
        values = read_declared(ct, CoalitionSpec, {"label": _label(cid)})
        coalitions.append(CoalitionSpec(id=cid, members=members, **values))
        ct.finish()
    return coalitions


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


def _effect_defaults(doc: Document, root: Table) -> dict[ActionKind, Effect]:
    defaults: dict[ActionKind, Effect] = {k: Effect() for k in ActionKind}
    for kname, kt in root.tables("effects"):
        try:
            kind = ActionKind(kname)
        except ValueError:
            doc.fail(kt.path, unknown("kind of action", kname, KIND_NAMES))
            continue
        defaults[kind] = _effect(kt, kind, Effect())
        kt.finish()
    return defaults


def _moves(at: Table, aid: str, names: Names, defaults: Mapping[ActionKind, Effect]) -> list[Move]:
    moves = []
    for mid, mt in at.tables("actions"):
        kind = read_kind(mt, "kind", mid if mid in set(ActionKind) else None)
        if kind is None or not check_kind_allowed(mt, kind, names, dated=False):
            mt.skip()  # its other keys depend on the kind: nothing more to say
            continue
        targets = read_targets(mt, kind, names, aid)
        values = read_declared(mt, Move)
        moves.append(
            Move(
                id=mid,
                kind=kind,
                targets=targets,
                effect=_effect(mt, kind, defaults[kind]),
                **values,
            )
        )
        mt.finish()
    return moves


def _reactions(
    at: Table, aid: str, names: Names, defaults: Mapping[ActionKind, Effect]
) -> list[ReactionRule]:
    reactions = []
    for rid, rt in at.tables("reactions"):
        on: list[ActionKind] = []
        for text in rt.strings("on"):
            try:
                on.append(ActionKind(text))
            except ValueError:
                rt.fail("on", unknown("kind of action", text, KIND_NAMES))
        by = rt.strings("by", ())
        for who in by:
            if names.actor(rt, "by", who) == aid:
                rt.fail("by", f'an actor does not react to itself ("{aid}")')
        respond = read_kind(rt, "respond")
        if respond is None or not check_kind_allowed(rt, respond, names, dated=False):
            rt.skip()
            continue
        targets = read_targets(rt, respond, names, aid, provoker=True)
        values = read_declared(rt, ReactionRule)
        if values["when"] != "any":
            certain = [k.value for k in on if KINDS[k].chance is None]
            if certain:
                rt.fail(
                    "when",
                    f'"{values["when"]}" answers only attempts and votes, which can fail; '
                    f"{', '.join(certain)} cannot",
                )
        reactions.append(
            ReactionRule(
                id=rid,
                on=tuple(on),
                by=by,
                respond=respond,
                targets=targets,
                effect=_effect(rt, respond, defaults[respond]),
                **values,
            )
        )
        rt.finish()
    return reactions


def _regimes(
    at: Table, actor: str, moves: Sequence[Move], bodies: Sequence[BodySpec]
) -> list[RegimeSpec]:
    regimes = []
    move_ids = [m.id for m in moves]
    body_ids = [b.id for b in bodies]
    members = {b.id: {a for a, _ in b.seats} for b in bodies}
    for rid, rt in at.tables("regimes"):
        if rid == INITIAL_REGIME:
            rt.doc.fail(
                rt.path, f'"{INITIAL_REGIME}" is reserved: it names the actor as its own table says'
            )
            rt.skip()
            continue
        weights = _weights_table(rt, "weights", move_ids, "move")
        seats = _weights_table(rt, "seats", body_ids, "body")
        for body, _ in seats:
            if actor not in members[body]:
                rt.fail(
                    f"seats.{body}",
                    f"{actor} is not a member of {body}: give it seats in bodies.{body}.seats "
                    "(0 if it holds none before)",
                )
        values = read_declared(rt, RegimeSpec, {"label": _label(rid)})
        regimes.append(RegimeSpec(id=rid, weights=weights, seats=seats, **values))
        rt.finish()
    return regimes


def _actors(
    actor_tables: Sequence[tuple[str, Table]],
    names: Names,
    defaults: Mapping[ActionKind, Effect],
    bodies: Sequence[BodySpec],
    start: dt.date | None,
    horizon: dt.date | None,
) -> list[ActorSpec]:
    actors = []
    for aid, at in actor_tables:
        moves = _moves(at, aid, names, defaults)
        reactions = _reactions(at, aid, names, defaults)
        regimes = _regimes(at, aid, moves, bodies)
        windows = _date_pairs(at, "windows", start, horizon)
        values = read_declared(at, ActorSpec, {"name": _label(aid)})
        actors.append(
            ActorSpec(
                id=aid,
                moves=tuple(moves),
                reactions=tuple(reactions),
                regimes=tuple(regimes),
                windows=windows,
                **values,
            )
        )
        at.finish()
    return actors


def _rapport(root: Table, names: Names) -> list[RapportSpec]:
    rapport = []
    seen: dict[frozenset[str], str] = {}
    for rid, rt in root.tables("rapport"):
        between = rt.strings("between")
        values = read_declared(rt, RapportSpec)
        rt.finish()
        if len(between) != 2 or between[0] == between[1]:
            rt.fail("between", f"expected two different actors, got {list(between)}")
            continue
        if not all(names.actor(rt, "between", who) for who in between):
            continue
        pair = frozenset(between)
        if pair in seen:
            rt.fail("between", f"the pair is already given in rapport.{seen[pair]}")
            continue
        seen[pair] = rid
        rapport.append(RapportSpec(id=rid, between=(between[0], between[1]), **values))
    return rapport


def _result(et: Table, kind: ActionKind, values: dict[str, Any], targets: Any) -> None:
    """Check an event's ``result`` against its kind; set ``certain`` from it."""
    result = values["result"]
    info = KINDS[kind]
    if kind is ActionKind.ELECTION:
        choices = [c for c, _ in targets.candidates]
        if result is not None and result not in choices:
            et.fail("result", unknown("candidate", result, choices))
        return
    if result is None:
        return
    if info.chance is None:
        et.fail("result", f"{kind.value} has no result: it simply happens")
        return
    if result not in (*_SUCCESS, *_FAILURE):
        et.fail("result", f'expected "succeeded", "passed" or "failed", got "{result}"')
        return
    if et.has("certain"):
        et.fail("certain", "give result or certain, not both")


def _events(
    root: Table,
    names: Names,
    defaults: Mapping[ActionKind, Effect],
    start: dt.date | None,
    horizon: dt.date | None,
) -> list[DatedEvent]:
    events = []
    for eid, et in root.tables("events"):
        date = _date_in_window(et, "date", start, horizon)
        actor = (
            names.actor(et, "actor", et.identifier("actor"))
            if et.has("actor")
            else (et.string("actor") or None)
        )
        kind = read_kind(et, "kind")
        if kind is None or actor is None or not check_kind_allowed(et, kind, names, dated=True):
            et.skip()
            continue
        targets = read_targets(et, kind, names, actor)
        effect = _effect(et, kind, defaults[kind])
        values = read_declared(et, DatedEvent, skip=("date", "to"))
        _result(et, kind, values, targets)
        _known_from(et, values, date, scheduled=values["scheduled"])
        to = _event_to(et, kind, date, start, horizon)
        events.append(
            DatedEvent(
                id=eid,
                date=date or dt.date.min,
                day=(date - start).days if date and start else 0,
                actor=actor,
                kind=kind,
                targets=targets,
                effect=effect,
                to=to,
                **values,
            )
        )
        et.finish()
    events.sort(key=lambda e: e.day)  # stable: same-day events keep their file order
    return events


def _known_from(
    t: Table, values: dict[str, Any], date: dt.date | None, *, scheduled: bool = True
) -> None:
    """A ``known_from`` date: only for what is scheduled, and not after the date itself."""
    known = values.get("known_from")
    if known is None:
        return
    if not scheduled:
        t.fail("known_from", "only a scheduled event (scheduled = true) has a known_from date")
        values["known_from"] = None
    elif date is not None and known > date:
        t.fail("known_from", f"{known.isoformat()} is after the date itself ({date.isoformat()})")
        values["known_from"] = None


def _event_to(
    et: Table,
    kind: ActionKind,
    date: dt.date | None,
    start: dt.date | None,
    horizon: dt.date | None,
) -> dt.date | None:
    """The ``to`` date of an extension or an announced date (after the event's own date)."""
    uses = kind in (ActionKind.EXTEND_DEADLINE, ActionKind.ANNOUNCE_DATE)
    if not et.has("to"):
        et.mark_seen("to")
        if kind is ActionKind.ANNOUNCE_DATE:
            et.fail("to", "an announced date needs the date it sets: to = YYYY-MM-DD")
        return None
    if not uses:
        et.mark_seen("to")
        et.fail("to", f"{kind.value} takes no to date")
        return None
    to = _date_in_window(et, "to", start, horizon)
    if to is not None and date is not None and to < date:
        et.fail("to", f"{to.isoformat()} is before the event itself ({date.isoformat()})")
        return None
    return to


def _deadlines(
    doc: Document,
    root: Table,
    names: Names,
    start: dt.date | None,
    horizon: dt.date | None,
) -> list[Deadline]:
    deadlines = []
    last_stage = names.stages[-1] if names.stages else ""
    for did, dtab in root.tables("deadlines"):
        date = _date_in_window(dtab, "date", start, horizon)
        values = read_declared(dtab, Deadline, {"label": _label(did)}, skip=("date",))
        _known_from(dtab, values, date)
        stage = dtab.identifier("stage", "") or last_stage
        if stage and names.stages and stage not in names.stages:
            dtab.fail("stage", unknown("stage", stage, names.stages))
        ending = dtab.identifier("default_ending", "") or None
        if ending is not None:
            ending = names.check(dtab, "default_ending", "ending", ending, names.endings)
        deadlines.append(
            Deadline(
                id=did,
                date=date or dt.date.min,
                day=(date - start).days if date and start else 0,
                stage=stage,
                default_ending=ending,
                **values,
            )
        )
        dtab.finish()
    if not deadlines and not any(p.key.startswith("deadlines") for p in doc.problems):
        doc.fail(("deadlines",), "a scenario needs at least one deadline")
    deadlines.sort(key=lambda d: d.day)
    return deadlines


def _check_extensions(
    doc: Document, events: Sequence[DatedEvent], deadlines: Sequence[Deadline]
) -> None:
    """Refuse an extension to a date not after the one its deadline stands at by then."""
    standing = {d.id: d.date for d in deadlines}
    for e in events:  # in date order
        if e.kind is not ActionKind.EXTEND_DEADLINE or e.to is None:
            continue
        deadline = e.targets.deadline
        if deadline not in standing:
            continue
        if e.to <= standing[deadline]:
            doc.fail(
                ("events", e.id, "to"),
                f"{e.to.isoformat()} is not after the date deadline {deadline} stands at by "
                f"then ({standing[deadline].isoformat()}): an extension moves it later",
            )
            continue
        standing[deadline] = e.to


def _words(doc: Document, root: Table) -> list[WordsSpec]:
    words = []
    for kname, wt in root.tables("words"):
        try:
            kind = ActionKind(kname)
        except ValueError:
            doc.fail(wt.path, unknown("kind of action", kname, KIND_NAMES))
            wt.skip()
            continue
        values = read_declared(wt, WordsSpec)
        for key, value in list(values.items()):
            values[key] = _template(wt, key, value)
        if values["failed"] is not None and KINDS[kind].chance is None:
            wt.fail("failed", f"{kind.value} cannot fail: it simply happens")
        words.append(WordsSpec(kind=kind, **values))
        wt.finish()
    return words


def _calibration(
    root: Table, start: dt.date | None, horizon: dt.date | None
) -> CalibrationSpec | None:
    """The ``[calibration]`` table: its window, statistics and priors (keys checked later)."""
    if not root.has("calibration"):
        root.mark_seen("calibration")
        return None
    ct = root.table("calibration")
    values = read_declared(ct, CalibrationSpec, skip=("until",))
    until = _date_in_window(ct, "until", start, horizon) if ct.has("until") else None
    kinds = []
    for text in ct.strings("kinds", ()):
        try:
            kinds.append(ActionKind(text).value)
        except ValueError:
            ct.fail("kinds", unknown("kind of action", text, KIND_NAMES))
    params = []
    for pid, pt in ct.tables("params"):
        prior = PriorSpec(id=pid, **read_declared(pt, PriorSpec))
        if prior.low >= prior.high:
            pt.fail("high", f"must be above low ({prior.low:g}), got {prior.high:g}")
        elif prior.prior == "loguniform" and prior.low <= 0:
            pt.fail("low", f"a loguniform prior needs low above 0, got {prior.low:g}")
        if prior.key.split(".")[0] in ("calibration", "name", "title", "description"):
            pt.fail("key", f'"{prior.key}" is not a number of the model')
        params.append(prior)
        pt.finish()
    if not params and not any(p.key.startswith("calibration") for p in ct.doc.problems):
        ct.fail(
            "params", "a calibration needs at least one parameter to fit ([calibration.params.ID])"
        )
    ct.finish()
    return CalibrationSpec(until=until, kinds=tuple(kinds), params=tuple(params), **values)


def _world(root: Table, initial: InitialState) -> World:
    wt = root.table("world")
    if not initial.war:
        for key in _WAR_KEYS:
            if wt.has(key):
                wt.fail(key, "the scenario has no war (give initial.violence to have one)")
    context = {
        f"initial.{key}": getattr(initial, f.name) for key, f, _ in declared_fields(InitialState)
    }
    if not initial.war:
        context["initial.violence"] = 0.5  # a stand-in: nothing reads it without a war
    world: World = _nested(wt, World, context)
    return world


def _names(root: Table) -> Names:
    """The ids of every table, read before anything refers to them."""

    def ids(key: str) -> list[str]:
        value = root.data.get(key)
        return (
            [k for k, v in value.items() if isinstance(v, dict)] if isinstance(value, dict) else []
        )

    names = Names(
        actors=ids("actors"),
        gates=ids("gates"),
        deadlines=ids("deadlines"),
        stages=ids("stages") if root.has("stages") else list(SHORTHAND_STAGES),
        endings=ids("endings"),
        bodies=ids("bodies"),
        coalitions=ids("coalitions"),
    )
    actors = root.data.get("actors")
    for aid in names.actors:
        table = actors[aid] if isinstance(actors, dict) else {}
        regimes = table.get("regimes") if isinstance(table, dict) else None
        own = (
            [k for k, v in regimes.items() if isinstance(v, dict)]
            if isinstance(regimes, dict)
            else []
        )
        names.regimes[aid] = [INITIAL_REGIME, *own]
    gates = root.data.get("gates")
    if isinstance(gates, dict):
        names.reopenable = {
            g for g, v in gates.items() if isinstance(v, dict) and v.get("reopenable") is True
        }
    initial = root.data.get("initial")
    names.war = isinstance(initial, dict) and "violence" in initial
    return names


def _as_of(
    root: Table, events: Sequence[DatedEvent], start: dt.date | None, horizon: dt.date | None
) -> dt.date | None:
    """The forecast origin: as given, or the date of the last record event (the start if none)."""
    if root.has("as_of"):
        return _date_in_window(root, "as_of", start, horizon)
    root.mark_seen("as_of")
    record = [e.date for e in events if e.record]
    return max(record) if record else start


def build(doc: Document, source: str, default_name: str) -> Scenario | None:
    """Validate the resolved document; ``None`` (with problems in ``doc``) when it is invalid."""
    root = doc.root()
    default = default_name if ID_PATTERN.match(default_name) else "scenario"
    top = read_declared(root, Scenario, {"name": default, "title": ""}, skip=("as_of",))
    name = top["name"]
    if not root.has("title"):
        top["title"] = name
    start, horizon = top["start"], top["horizon"]
    if start is not None and horizon is not None and horizon <= start:
        root.fail(
            "horizon", f"{horizon.isoformat()} must come after the start ({start.isoformat()})"
        )
        horizon = None
    names = _names(root)
    sessions = _date_pairs(root, "sessions", start, horizon)
    initial = _initial(root)
    gates = _gates(doc, root, names)
    stages, convening, convener = _stages(doc, root, names, top["outcome"])
    endings = _endings(root, stages)
    bodies = _bodies(root, names)
    coalitions = _coalitions(root, names)
    defaults = _effect_defaults(doc, root)
    actors = _actors(list(root.tables("actors")), names, defaults, bodies, start, horizon)
    rapport = _rapport(root, names)
    events = _events(root, names, defaults, start, horizon)
    deadlines = _deadlines(doc, root, names, start, horizon)
    _check_extensions(doc, events, deadlines)
    words = _words(doc, root)
    calibration = _calibration(root, start, horizon)
    mechanisms: Mechanisms = _nested(root.table("mechanisms"), Mechanisms)
    world = _world(root, initial)
    choice: ChoiceRule = _nested(root.table("choice"), ChoiceRule)
    as_of = _as_of(root, events, start, horizon)
    root.finish()

    if doc.problems or start is None or horizon is None or as_of is None:
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
        as_of=as_of,
        as_of_day=(as_of - start).days,
        sessions=sessions,
        initial=initial,
        convening=convening,
        convener=convener,
        gates=tuple(gates),
        stages=stages,
        endings=tuple(endings),
        actors=tuple(actors),
        rapport=tuple(rapport),
        events=tuple(events),
        deadlines=tuple(deadlines),
        bodies=tuple(bodies),
        coalitions=tuple(coalitions),
        words=tuple(words),
        calibration=calibration,
        mechanisms=mechanisms,
        world=world,
        choice=choice,
        resolved=canonical_json(doc.data),
        document=doc.data,
        origins=dict(doc.origins),
    )


def canonical_json(data: Mapping[str, Any]) -> str:
    """The resolved document as canonical JSON (dates as ISO strings), in the file's order.

    Only the top-level keys are sorted (the order of a file's tables means
    nothing). Within a table the order is kept: it means something (stages
    are a chain in file order, dated events of the same day happen in file
    order, an actor's moves are drawn in file order), so two files that
    differ only in it must not hash alike.
    """

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
        finite({key: data[key] for key in sorted(data)}),
        separators=(",", ":"),
        default=default,
        ensure_ascii=False,
    )
