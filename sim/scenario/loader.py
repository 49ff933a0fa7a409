"""Loading scenario files: TOML, ``extends``, ``remove``, overrides, validation.

A scenario file is TOML read with :mod:`tomllib`; nothing in it is executed,
evaluated or unpickled. Loading goes in four steps:

1. read the file and, recursively, the file it ``extends`` (a path relative to
   the extending file), refusing cycles;
2. merge: the child's tables are merged key by key into the parent's, after
   the dotted keys listed in the child's ``remove`` are deleted from the parent;
   ``name``, ``title`` and ``description`` are never inherited;
3. apply overrides (``--set KEY=VALUE``), each to an existing table;
4. validate every value and cross-reference into a :class:`~sim.scenario.schema.Scenario`.

Every problem is reported as a :class:`~sim.scenario.errors.ScenarioError`
naming the file the offending value came from, its key path and what is wrong.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import os
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path as FsPath
from typing import Any

from sim.model.actions import KINDS, ActionKind
from sim.model.params import (
    EFFECT_FIELDS,
    ChoiceRule,
    ConveningRule,
    Effect,
    FocalDates,
    Mechanisms,
    Narrowing,
    Rapport,
    Reactions,
    Ripeness,
    World,
)
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.reader import ID_PATTERN, Document, Path, Table, describe
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

__all__ = [
    "BASELINE",
    "SET_SOURCE",
    "apply_overrides",
    "find_scenario",
    "load_scenario",
    "packaged_scenarios",
    "parse_override",
    "scenario_from_dict",
    "with_overrides",
]

#: The packaged baseline scenario, used when no scenario is named.
BASELINE = "geneva2_2013.toml"
#: How problems in ``--set`` overrides name their source.
SET_SOURCE = "--set"
#: Longest chain of ``extends``.
MAX_EXTENDS_DEPTH = 16
#: Keys a file never inherits from the file it extends.
NOT_INHERITED = ("name", "title", "description")
#: Largest choice.stance_sensitivity: a committed actor favours constructive moves at
#: most exp(20), about 5e8, times; beyond that weights overflow.
MAX_SENSITIVITY = 20.0
#: Largest scenario file read, in bytes (a guard against reading the wrong file).
MAX_FILE_BYTES = 4 * 1024 * 1024

_KINDS = [k.value for k in ActionKind]


# -- finding files ---------------------------------------------------------------


def _packaged_dir() -> FsPath:
    """The folder of the packaged scenarios.

    Installed, they are the package data ``sim.scenarios``; run from a source
    checkout without installing (``python -m sim`` at the repository root),
    they are the checkout's ``scenarios/`` folder.
    """
    try:
        return FsPath(str(resources.files("sim.scenarios")))
    except ModuleNotFoundError:
        return FsPath(__file__).resolve().parents[2] / "scenarios"


def packaged_scenarios() -> list[FsPath]:
    """The scenario files shipped with the package (exercises included), sorted."""
    root = _packaged_dir()
    return sorted(p for p in root.rglob("*.toml") if p.is_file())


def find_scenario(name: str | os.PathLike[str] | None) -> FsPath:
    """Resolve a scenario argument to a file.

    ``None`` means the packaged baseline. An existing path is used as it is.
    Otherwise a packaged scenario is looked up by relative path or file name,
    with or without ``.toml`` (``negsim run no_embargo_lift``).

    Raises
    ------
    ScenarioError
        If no such file exists.
    """
    if name is None:
        return _packaged_dir() / BASELINE
    path = FsPath(name)
    if path.is_file():
        return path
    text = str(name)
    stem = text if text.endswith(".toml") else text + ".toml"
    root = _packaged_dir()
    if (root / stem).is_file():
        return root / stem
    matches = [p for p in packaged_scenarios() if p.name == FsPath(stem).name]
    if len(matches) == 1:
        return matches[0]
    if path.exists():
        raise ScenarioError.single(text, "", "is not a file")
    raise ScenarioError.single(
        text, "", "no such scenario file (and no packaged scenario of that name)"
    )


# -- reading and merging -----------------------------------------------------------


def _read_toml(path: FsPath) -> dict[str, Any]:
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError.single(
                source, "", f"is {size} bytes; a scenario file is at most {MAX_FILE_BYTES} bytes"
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError.single(source, "", "no such file") from None
    except IsADirectoryError:
        raise ScenarioError.single(source, "", "is a directory, not a scenario file") from None
    except OSError as exc:
        raise ScenarioError.single(source, "", f"cannot be read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError.single(source, "", f"is not UTF-8 text (byte {exc.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError.single(source, "", f"TOML syntax error: {exc}") from None
    except ValueError as exc:  # e.g. an integer literal of thousands of digits
        raise ScenarioError.single(source, "", f"cannot be read as TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError.single(source, "", "TOML nesting is too deep") from None


def _mark(origins: dict[Path, str], path: Path, value: object, source: str) -> None:
    origins[path] = source
    if isinstance(value, dict):
        for k, v in value.items():
            _mark(origins, (*path, str(k)), v, source)


def _unmark(origins: dict[Path, str], path: Path) -> None:
    for key in [k for k in origins if k[: len(path)] == path]:
        del origins[key]


def _merge(
    base: dict[str, Any],
    top: Mapping[str, Any],
    origins: dict[Path, str],
    source: str,
    path: Path = (),
) -> None:
    for key, value in top.items():
        here = (*path, key)
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            origins.setdefault(here, source)
            _merge(base[key], value, origins, source, here)
        else:
            _unmark(origins, here)
            base[key] = _copy(value)
            _mark(origins, here, value, source)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _remove(data: dict[str, Any], origins: dict[Path, str], dotted: object, source: str) -> None:
    if not isinstance(dotted, str) or not dotted:
        raise ScenarioError.single(
            source, "remove", f"expected dotted keys as strings, got {describe(dotted)}"
        )
    parts = tuple(dotted.split("."))
    node: Any = data
    for depth, part in enumerate(parts[:-1]):
        node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            where = ".".join(parts[: depth + 1])
            raise ScenarioError.single(
                source, "remove", f'cannot remove "{dotted}": no table {where}'
            )
    if not isinstance(node, dict) or parts[-1] not in node:
        raise ScenarioError.single(source, "remove", f'cannot remove "{dotted}": no such key')
    del node[parts[-1]]
    _unmark(origins, parts)


def _resolve(path: FsPath, chain: tuple[FsPath, ...]) -> tuple[dict[str, Any], dict[Path, str]]:
    """Read ``path`` and everything it extends into one document with origins."""
    source = str(path)
    real = path.resolve()
    if real in chain:
        cycle = " -> ".join(p.name for p in (*chain, real))
        raise ScenarioError.single(source, "extends", f"extends itself through a cycle: {cycle}")
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError.single(
            source, "extends", f"more than {MAX_EXTENDS_DEPTH} levels of extends"
        )
    doc = _read_toml(path)
    parent_name = doc.pop("extends", None)
    removals = doc.pop("remove", [])
    if parent_name is None:
        if removals:
            raise ScenarioError.single(
                source, "remove", "only a file that extends another can remove keys"
            )
        origins: dict[Path, str] = {}
        _mark(origins, (), doc, source)
        return doc, origins
    if not isinstance(parent_name, str) or not parent_name:
        raise ScenarioError.single(
            source, "extends", f"expected a file name, got {describe(parent_name)}"
        )
    parent_path = path.parent / parent_name
    if not parent_path.is_file():
        raise ScenarioError.single(
            source, "extends", f'no such file "{parent_name}" (looked for {parent_path})'
        )
    data, origins = _resolve(parent_path, (*chain, real))
    for key in NOT_INHERITED:
        data.pop(key, None)
        _unmark(origins, (key,))
    if not isinstance(removals, list):
        removals = [removals]
    for dotted in removals:
        _remove(data, origins, dotted, source)
    _merge(data, doc, origins, source)
    return data, origins


# -- overrides ---------------------------------------------------------------------


def parse_override(text: str) -> tuple[str, object]:
    """Split ``KEY=VALUE`` and parse VALUE as a TOML value.

    A VALUE that is not valid TOML (``--set title=Hello``) is taken as a string.

    Raises
    ------
    ScenarioError
        If there is no ``=`` or the key is not a dotted path of ids.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError.single(
            SET_SOURCE, text, "expected KEY=VALUE, e.g. actors.russia.tempo_days=10"
        )
    if not all(ID_PATTERN.match(p) for p in key.split(".")):
        raise ScenarioError.single(SET_SOURCE, key, "is not a dotted key path (ids joined by dots)")
    raw = raw.strip()
    try:
        value: object = tomllib.loads(f"v = {raw}")["v"]
    except ValueError:  # not TOML (or a TOML value it cannot hold): take the text
        value = raw
    return key, value


def apply_overrides(
    data: dict[str, Any], origins: dict[Path, str], overrides: Iterable[tuple[str, object]]
) -> None:
    """Set each dotted key to its value; its parent table must already exist."""
    for key, value in overrides:
        parts = tuple(key.split("."))
        node: Any = data
        for depth, part in enumerate(parts[:-1]):
            nxt = node.get(part)
            if not isinstance(nxt, dict):
                where = ".".join(parts[: depth + 1])
                have = ", ".join(k for k, v in node.items() if isinstance(v, dict))
                raise ScenarioError.single(
                    SET_SOURCE,
                    key,
                    f"the scenario has no table {where}"
                    + (f" (tables here: {have})" if have else ""),
                )
            node = nxt
        if isinstance(node.get(parts[-1]), dict):
            raise ScenarioError.single(SET_SOURCE, key, "is a table; set one of its keys instead")
        node[parts[-1]] = value
        _unmark(origins, parts)
        _mark(origins, parts, value, SET_SOURCE)


# -- the public loader -------------------------------------------------------------


def load_scenario(
    path: str | os.PathLike[str] | None = None,
    overrides: Sequence[str] | Mapping[str, object] = (),
) -> Scenario:
    """Load, resolve and validate a scenario.

    Parameters
    ----------
    path
        A scenario file, the name of a packaged scenario, or ``None`` for the
        packaged baseline (see :func:`find_scenario`).
    overrides
        ``KEY=VALUE`` strings as given to ``--set``, or a mapping from dotted
        keys to values.

    Raises
    ------
    ScenarioError
        With one line per problem.
    """
    file = find_scenario(path)
    data, origins = _resolve(file, ())
    pairs = (
        [parse_override(o) for o in overrides]
        if not isinstance(overrides, Mapping)
        else list(overrides.items())
    )
    apply_overrides(data, origins, pairs)
    return scenario_from_dict(data, origins=origins, source=str(file), default_name=file.stem)


def with_overrides(
    scenario: Scenario, overrides: Sequence[str] | Mapping[str, object]
) -> Scenario:
    """``scenario`` with values changed by dotted key, validated like a file.

    Parameters
    ----------
    scenario
        A loaded scenario (or one built with :func:`scenario_from_dict`).
    overrides
        ``KEY=VALUE`` strings as given to ``--set``, or a mapping from dotted
        keys to values.

    Raises
    ------
    ScenarioError
        With one line per problem, naming ``--set`` for an override.
    """
    data = _copy(dict(scenario.document))
    origins = dict(scenario.origins)
    pairs = (
        [parse_override(o) for o in overrides]
        if not isinstance(overrides, Mapping)
        else list(overrides.items())
    )
    apply_overrides(data, origins, pairs)
    return scenario_from_dict(
        data, origins=origins, source=scenario.source, default_name=scenario.name
    )


def scenario_from_dict(
    data: dict[str, Any],
    *,
    origins: Mapping[Path, str] | None = None,
    source: str = "<scenario>",
    default_name: str = "scenario",
) -> Scenario:
    """Validate a resolved scenario document.

    Raises
    ------
    ScenarioError
        With one line per problem.
    """
    doc = Document(data, origins or {}, source)
    try:
        scenario = _build(doc, source, default_name)
    except RecursionError:
        raise ScenarioError.single(source, "", "the document is nested too deeply") from None
    if doc.problems or scenario is None:
        raise ScenarioError(doc.problems or [Problem(source, "", "invalid scenario")])
    return scenario


# -- validation --------------------------------------------------------------------


def _effect(t: Table, kind: ActionKind, base: Effect) -> Effect:
    """Read the effect fields a kind allows from table ``t``, over ``base``."""
    allowed = KINDS[kind].effects
    values: dict[str, float] = {}
    for name in EFFECT_FIELDS:
        if name not in allowed or not t.has(name):
            continue
        if name == "settle_probability":
            values[name] = t.number(name, low=0.0, high=1.0, what="a probability")
        elif name == "target_days":
            values[name] = t.number(name, low=0.0, low_open=True, what="a number of days")
        else:
            values[name] = t.number(name)
    for name in EFFECT_FIELDS:
        if t.has(name) and name not in allowed:
            t.mark_seen(name)
            t.fail(
                name, f"{kind.value} has no {name} effect (it uses: {', '.join(sorted(allowed))})"
            )
    return Effect(**{name: values.get(name, getattr(base, name)) for name in EFFECT_FIELDS})


def _kind(t: Table, key: str, default: str | None = None) -> ActionKind | None:
    text = t.string(key, default)
    if not text:
        return None
    try:
        return ActionKind(text)
    except ValueError:
        t.fail(key, unknown("kind of action", text, _KINDS))
        return None


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
            joint = kind in (ActionKind.MEETING, ActionKind.JOINT_PROPOSAL)
            role = "partner" if joint else "target"
            t.fail(role, f"{kind.value} needs a {role} actor")
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


def _build(doc: Document, source: str, default_name: str) -> Scenario | None:
    root = doc.root()
    name = root.identifier("name", default_name if ID_PATTERN.match(default_name) else "scenario")
    title = root.string("title", name)
    description = root.string("description", "")
    outcome = root.string("outcome", "the conference convenes")
    start = root.date("start")
    horizon = root.date("horizon")
    if start is not None and horizon is not None and horizon <= start:
        root.fail(
            "horizon", f"{horizon.isoformat()} must come after the start ({start.isoformat()})"
        )
        horizon = None

    # initial state
    it = root.table("initial", required=True)
    initial = InitialState(
        readiness=it.number(
            "readiness", low=0.0, high=1.0, low_open=True, high_open=True, what="a readiness"
        ),
        violence=it.number(
            "violence",
            0.5,
            low=0.0,
            high=1.0,
            low_open=True,
            high_open=True,
            what="a level of violence",
        ),
        balance=it.number(
            "balance", 0.0, low=-1.0, high=1.0, low_open=True, high_open=True, what="a balance"
        ),
        rapport=it.number(
            "rapport", 0.5, low=0.0, high=1.0, low_open=True, high_open=True, what="a rapport"
        ),
    )
    it.finish()

    # gates
    gates: list[GateSpec] = []
    for gid, gt in root.tables("gates"):
        gates.append(
            GateSpec(
                id=gid,
                label=gt.string("label", gid.replace("_", " ")),
                resolved=gt.boolean("resolved", False),
                contention=gt.number(
                    "contention", 0.0, low=0.0, high=1.0, high_open=True, what="a contention"
                ),
                note=gt.string("note", ""),
            )
        )
        gt.finish()

    # actors: ids first, so that references can be checked in any order
    actor_tables = list(root.tables("actors"))
    refs = _Refs([aid for aid, _ in actor_tables], [g.id for g in gates])

    # effect defaults per kind
    defaults: dict[ActionKind, Effect] = {k: Effect() for k in ActionKind}
    for kname, kt in root.tables("effects"):
        try:
            default_kind = ActionKind(kname)
        except ValueError:
            doc.fail(kt.path, unknown("kind of action", kname, _KINDS))
            continue
        defaults[default_kind] = _effect(kt, default_kind, Effect())
        kt.finish()

    actors: list[ActorSpec] = []
    for aid, at in actor_tables:
        moves: list[Move] = []
        for mid, mt in at.tables("actions"):
            move_kind = _kind(mt, "kind", mid if mid in set(ActionKind) else None)
            if move_kind is None:
                mt.skip()  # its other keys depend on the kind: nothing more to say
                continue
            other, gate = _other_and_gate(mt, move_kind, refs, aid)
            moves.append(
                Move(
                    id=mid,
                    kind=move_kind,
                    weight=mt.number("weight", 1.0, low=0.0, what="a weight"),
                    other=other,
                    gate=gate,
                    effect=_effect(mt, move_kind, defaults[move_kind]),
                    note=mt.string("note", ""),
                )
            )
            mt.finish()
        reactions: list[ReactionRule] = []
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
            lo, hi = rt.span("delay_days", (1.0, 1.0))
            reactions.append(
                ReactionRule(
                    id=rid,
                    on=tuple(on),
                    by=by,
                    respond=respond,
                    other=other,
                    gate=gate,
                    probability=rt.number("probability", low=0.0, high=1.0, what="a probability"),
                    delay_min_days=lo,
                    delay_max_days=hi,
                    effect=_effect(rt, respond, defaults[respond]),
                    note=rt.string("note", ""),
                )
            )
            rt.finish()
        actors.append(
            ActorSpec(
                id=aid,
                name=at.string("name", aid.replace("_", " ")),
                side=int(at.integer("side", 0, low=-1, high=1, what="a side (-1, 0 or 1)")),
                stance=at.number(
                    "stance",
                    0.0,
                    low=-1.0,
                    high=1.0,
                    low_open=True,
                    high_open=True,
                    what="a stance",
                ),
                tempo_days=at.number("tempo_days", low=0.0, low_open=True, what="a number of days"),
                pass_weight=at.number("pass_weight", 0.0, low=0.0, what="a weight"),
                moves=tuple(moves),
                reactions=tuple(reactions),
                note=at.string("note", ""),
                plural=at.boolean("plural", False),
            )
        )
        at.finish()

    # rapport pairs
    rapport: list[RapportSpec] = []
    seen_pairs: dict[frozenset[str], str] = {}
    for rid, rt in root.tables("rapport"):
        between = rt.strings("between")
        value = rt.number(
            "value", low=0.0, high=1.0, low_open=True, high_open=True, what="a rapport"
        )
        note = rt.string("note", "")
        rt.finish()
        if len(between) != 2 or between[0] == between[1]:
            rt.fail("between", f"expected two different actors, got {list(between)}")
            continue
        if not all(refs.actor(rt, "between", who) for who in between):
            continue
        pair = frozenset(between)
        if pair in seen_pairs:
            rt.fail("between", f"the pair is already given in rapport.{seen_pairs[pair]}")
            continue
        seen_pairs[pair] = rid
        rapport.append(RapportSpec(rid, (between[0], between[1]), value, note))

    # dated events
    events: list[DatedEvent] = []
    for eid, et in root.tables("events"):
        date = _date_in_window(et, "date", start, horizon)
        actor = (
            refs.actor(et, "actor", et.identifier("actor"))
            if et.has("actor")
            else (et.string("actor") or None)
        )
        event_kind = _kind(et, "kind")
        if event_kind is None or actor is None:
            et.skip()
            continue
        other, gate = _other_and_gate(et, event_kind, refs, actor)
        event = DatedEvent(
            id=eid,
            date=date or dt.date.min,
            day=(date - start).days if date and start else 0,
            actor=actor,
            kind=event_kind,
            other=other,
            gate=gate,
            effect=_effect(et, event_kind, defaults[event_kind]),
            certain=et.boolean("certain", True),
            provokes_reactions=et.boolean("provokes_reactions", True),
            note=et.string("note", ""),
            record=et.boolean("record", True),
        )
        et.finish()
        events.append(event)
    events.sort(key=lambda e: e.day)  # stable: same-day events keep their file order

    # deadlines
    deadlines: list[Deadline] = []
    for did, dtab in root.tables("deadlines"):
        date = _date_in_window(dtab, "date", start, horizon)
        deadlines.append(
            Deadline(
                id=did,
                label=dtab.string("label", did.replace("_", " ")),
                date=date or dt.date.min,
                day=(date - start).days if date and start else 0,
                focal=dtab.boolean("focal", False),
            )
        )
        dtab.finish()
    if not deadlines and not any(p.key.startswith("deadlines") for p in doc.problems):
        doc.fail(("deadlines",), "a scenario needs at least one deadline")
    deadlines.sort(key=lambda d: d.day)

    # convening
    ct = root.table("convening", required=True)
    announce = ct.number(
        "announce_threshold",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a readiness threshold",
    )
    postpone = ct.number(
        "postpone_threshold", low=0.0, high=1.0, high_open=True, what="a readiness threshold"
    )
    if postpone > announce:
        ct.fail(
            "postpone_threshold",
            f"must not exceed announce_threshold ({announce:g}), got {postpone:g}",
        )
    lead_lo, lead_hi = ct.span("lead_days", integer=True, what="whole days")
    convener_id = ct.identifier("convener", "") or None
    if convener_id is not None:
        convener_id = refs.actor(ct, "convener", convener_id)
    ct.finish()
    convening = ConveningRule(announce, postpone, int(lead_lo), int(lead_hi))

    # mechanisms, world, choice
    mt = root.table("mechanisms")
    r = mt.table("reactions")
    reactions_m = Reactions(r.boolean("enabled", True), r.integer("max_depth", 2, low=1, high=10))
    r.finish()
    r = mt.table("ripeness")
    ripeness = Ripeness(
        r.boolean("enabled", True),
        r.number("rate", 0.0, low=0.0, what="a rate per day"),
    )
    r.finish()
    r = mt.table("narrowing")
    narrowing = Narrowing(
        r.boolean("enabled", True),
        r.number("rate", 0.0, low=0.0, what="a rate per day"),
    )
    r.finish()
    r = mt.table("focal_dates")
    focal = FocalDates(
        r.boolean("enabled", True),
        r.number("window_days", 10.0, low=0.0, what="a number of days"),
        r.number("tempo_boost", 1.0, low=0.0, low_open=True, what="a positive factor"),
        r.number("weight_boost", 1.0, low=0.0, low_open=True, what="a positive factor"),
    )
    r.finish()
    r = mt.table("rapport")
    rapport_m = Rapport(
        r.boolean("enabled", True),
        r.number("amplification", 0.0, low=0.0, what="a factor"),
    )
    r.finish()
    mt.finish()
    mechanisms = Mechanisms(reactions_m, ripeness, narrowing, focal, rapport_m)

    wt = root.table("world")
    world = World(
        tick_days=wt.number("tick_days", 7.0, low=0.0, low_open=True, what="a number of days"),
        readiness_mean=wt.number(
            "readiness_mean",
            initial.readiness,
            low=0.0,
            high=1.0,
            low_open=True,
            high_open=True,
            what="a readiness",
        ),
        readiness_reversion=wt.number("readiness_reversion", 0.0, low=0.0, what="a rate per day"),
        stance_pull=wt.number("stance_pull", 0.0, low=0.0, what="a number of log-odds"),
        violence_mean=wt.number(
            "violence_mean",
            initial.violence,
            low=0.0,
            high=1.0,
            low_open=True,
            high_open=True,
            what="a level of violence",
        ),
        violence_reversion=wt.number("violence_reversion", 0.0, low=0.0, what="a rate per day"),
        violence_volatility=wt.number(
            "violence_volatility", 0.0, low=0.0, what="a volatility per square-root day"
        ),
        balance_mean=wt.number(
            "balance_mean",
            initial.balance,
            low=-1.0,
            high=1.0,
            low_open=True,
            high_open=True,
            what="a balance",
        ),
        balance_reversion=wt.number("balance_reversion", 0.0, low=0.0, what="a rate per day"),
        balance_volatility=wt.number(
            "balance_volatility", 0.0, low=0.0, what="a volatility per square-root day"
        ),
    )
    wt.finish()

    cht = root.table("choice")
    choice = ChoiceRule(
        cht.number("stance_sensitivity", 1.0, low=0.0, high=MAX_SENSITIVITY, what="a sensitivity")
    )
    cht.finish()
    root.finish()

    if doc.problems or start is None or horizon is None:
        if not doc.problems:
            doc.fail(("start",) if start is None else ("horizon",), "is required")
        return None
    return Scenario(
        name=name,
        title=title,
        description=description,
        outcome=outcome,
        source=source,
        start=start,
        horizon=horizon,
        initial=initial,
        convening=convening,
        convener=convener_id,
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
