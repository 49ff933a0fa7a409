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

import os
import stat
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path as FsPath
from typing import Any

from sim.model.declare import Declared, Type
from sim.scenario.build import build
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.reader import ID_PATTERN, Document, Path, control_character, describe
from sim.scenario.schema import Scenario

__all__ = [
    "BASELINE",
    "FILE_KEYS",
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
#: The keys that say how a file is read rather than what it holds (section 4 of the docs).
FILE_KEYS: tuple[tuple[str, Declared], ...] = (
    (
        "extends",
        Declared(
            Type.TEXT,
            "the scenario this one changes: a file, relative to this file",
            default_text="none",
        ),
    ),
    (
        "remove",
        Declared(
            Type.TEXTS,
            "dotted keys of the parent deleted before merging; only with extends",
            default_text="`[]`",
        ),
    ),
)
#: Keys a file never inherits from the file it extends.
NOT_INHERITED = ("name", "title", "description")
#: Largest scenario file read, in bytes (a guard against reading the wrong file).
MAX_FILE_BYTES = 4 * 1024 * 1024
#: Deepest nesting of tables and lists read, counting every level of a dotted key. The
#: format's deepest key is 6 levels down (``actors.ID.reactions.ID.effect.readiness``);
#: anything much deeper is a mistake, and would exhaust the interpreter's recursion in the
#: code that walks the document.
MAX_NESTING = 24


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
        If no such file exists, the name is not UTF-8 text, or it cannot be
        looked up (a name too long for the file system).
    """
    if name is None:
        return _packaged_dir() / BASELINE
    text = os.fsdecode(name)
    if not _is_utf8(text):
        raise ScenarioError.single(text, "", "the file name is not UTF-8 text; rename the file")
    path = FsPath(text)
    if _kind(text, path) == "file":
        return path
    stem = text if text.endswith(".toml") else text + ".toml"
    root = _packaged_dir()
    if _kind(text, root / stem) == "file":
        return root / stem
    matches = [p for p in packaged_scenarios() if p.name == FsPath(stem).name]
    if len(matches) == 1:
        return matches[0]
    if _kind(text, path) == "other":
        raise ScenarioError.single(text, "", "is not a file")
    raise ScenarioError.single(
        text, "", "no such scenario file (and no packaged scenario of that name)"
    )


def _kind(name: str, path: FsPath) -> str | None:
    """``"file"``, ``"other"`` (a folder, a FIFO, a device) or ``None`` (no such path).

    Raises
    ------
    ScenarioError
        If the path cannot be looked up at all (a name longer than the file
        system allows, a loop of links, no permission).
    """
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise ScenarioError.single(name, "", f"cannot be read: {exc.strerror or exc}") from None
    return "file" if stat.S_ISREG(info.st_mode) else "other"


def _is_utf8(text: str) -> bool:
    """Whether ``text`` is Unicode text (no bytes that were not UTF-8, kept as surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# -- reading and merging -----------------------------------------------------------


def _read_toml(path: FsPath) -> dict[str, Any]:
    source = str(path)
    try:
        # Opened without blocking and checked once open: a FIFO or a device put in the
        # file's place after it was found is refused, never waited on or read for ever.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise ScenarioError.single(source, "", "is a directory, not a scenario file")
            if not stat.S_ISREG(info.st_mode):
                raise ScenarioError.single(source, "", "is not a file")
            raw = f.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ScenarioError.single(
                source, "", f"a scenario file is at most {MAX_FILE_BYTES} bytes"
            )
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
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError.single(source, "", f"TOML syntax error: {exc}") from None
    except ValueError as exc:  # e.g. an integer literal of thousands of digits
        why = _TOO_LONG if "digits" in str(exc) else str(exc)
        raise ScenarioError.single(source, "", f"cannot be read as TOML: {why}") from None
    except RecursionError:
        raise ScenarioError.single(source, "", _too_deep_message()) from None
    _check_nesting(doc, source)
    return doc


#: Python reads an integer of at most 4300 digits (``sys.get_int_max_str_digits``).
_TOO_LONG = "it holds a number with too many digits (more than 4300)"


def _too_deep_message() -> str:
    return f"nested more than {MAX_NESTING} levels deep (tables, lists and dotted keys)"


def _check_nesting(value: object, source: str, prefix: Path = ()) -> None:
    """Refuse a value nested more than :data:`MAX_NESTING` levels deep (counting ``prefix``).

    Walks without recursion, so that the check itself cannot exhaust it.
    """
    stack: list[tuple[Path, object]] = [(prefix, value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            items: Iterable[tuple[object, object]] = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            continue
        if len(path) >= MAX_NESTING:
            where = path[:MAX_NESTING]
            raise ScenarioError.single(source, ".".join(where) + "...", _too_deep_message())
        stack.extend(((*path, str(k)), v) for k, v in items)


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
    try:
        real = path.resolve()
    except (OSError, RuntimeError):  # a loop of symbolic links
        raise ScenarioError.single(source, "", "cannot be read: a loop of links") from None
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
    try:
        kind = _kind(str(parent_path), parent_path)
    except ScenarioError as exc:
        raise ScenarioError.single(source, "extends", exc.problems[0].message) from None
    if kind != "file":
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
    """Split ``KEY=VALUE`` and parse VALUE as one TOML value.

    A VALUE that is not valid TOML (``--set title=Hello``) is taken as a
    string, if it is one line of printable text. A VALUE is exactly one TOML
    value: ``0.5`` followed by a new line holding more TOML (``[x]``) is refused.

    Raises
    ------
    ScenarioError
        If there is no ``=``, the key is not a dotted path of ids, the text is
        not UTF-8, or VALUE is more than one value, nested too deeply, or
        neither TOML nor one line of text.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError.single(
            SET_SOURCE, text, "expected KEY=VALUE, e.g. actors.russia.tempo_days=10"
        )
    if not _is_utf8(text):
        raise ScenarioError.single(SET_SOURCE, key, "holds bytes that are not UTF-8 text")
    parts = key.split(".")
    if not all(ID_PATTERN.match(p) for p in parts):
        raise ScenarioError.single(SET_SOURCE, key, "is not a dotted key path (ids joined by dots)")
    if len(parts) > MAX_NESTING:
        raise ScenarioError.single(SET_SOURCE, key, _too_deep_message())
    raw = raw.strip()
    try:
        parsed = tomllib.loads(f"v = {raw}")
    except RecursionError:
        raise ScenarioError.single(SET_SOURCE, key, _too_deep_message()) from None
    except ValueError:  # not TOML (or a TOML value it cannot hold): take the text
        if control_character(raw) is not None:
            raise ScenarioError.single(
                SET_SOURCE,
                key,
                f"{describe(raw)} is not a TOML value, and as text it holds a line break "
                "or a control character",
            ) from None
        return key, raw
    if list(parsed) != ["v"]:
        raise ScenarioError.single(
            SET_SOURCE,
            key,
            "VALUE must be one TOML value, and it goes on after the value (more TOML on a "
            "line of its own)",
        )
    value = parsed["v"]
    _check_nesting(value, SET_SOURCE, tuple(parts))
    return key, value


def apply_overrides(
    data: dict[str, Any], origins: dict[Path, str], overrides: Iterable[tuple[str, object]]
) -> None:
    """Set each dotted key to its value; its parent table must already exist."""
    for key, value in overrides:
        parts = tuple(key.split("."))
        _check_nesting(value, SET_SOURCE, parts)
        if not all(_is_utf8(t) for t in (key, *_texts(value))):
            raise ScenarioError.single(SET_SOURCE, key, "holds bytes that are not UTF-8 text")
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


def _texts(value: object) -> Iterator[str]:
    """Every string in a value (its tables' keys included); the value is not deeply nested."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            yield from (str(k) for k in node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


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
    return scenario_from_dict(
        data,
        origins=origins,
        source=str(file),
        default_name=file.stem,
        check_calibration=not pairs or _touches_calibration(pairs),
    )


def with_overrides(scenario: Scenario, overrides: Sequence[str] | Mapping[str, object]) -> Scenario:
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
    # The [calibration] priors were checked against the scenario as written; a change of
    # other values (a sweep's point, --set) leaves them to be checked by the calibration
    # that uses them (check_calibration), so that a sweep of a threshold is not refused for
    # a prior it never draws from.
    return scenario_from_dict(
        data,
        origins=origins,
        source=scenario.source,
        default_name=scenario.name,
        check_calibration=_touches_calibration(pairs),
    )


def _touches_calibration(pairs: Sequence[tuple[str, object]]) -> bool:
    """Whether an override changes the ``[calibration]`` table."""
    return any(str(key).split(".")[0] == "calibration" for key, _ in pairs)


def scenario_from_dict(
    data: dict[str, Any],
    *,
    origins: Mapping[Path, str] | None = None,
    source: str = "<scenario>",
    default_name: str = "scenario",
    check_calibration: bool = True,
) -> Scenario:
    """Validate a resolved scenario document.

    ``check_calibration``: check that each ``[calibration]`` prior's range is valid for its
    key in this scenario (see :func:`check_calibration`).

    Raises
    ------
    ScenarioError
        With one line per problem.
    """
    _check_nesting(data, source)
    doc = Document(data, origins or {}, source)
    try:
        scenario = build(doc, source, default_name)
    except RecursionError:
        raise ScenarioError.single(source, "", "the document is nested too deeply") from None
    if doc.problems or scenario is None:
        raise ScenarioError(doc.problems or [Problem(source, "", "invalid scenario")])
    if check_calibration and scenario.calibration is not None:
        _check_calibrated_keys(doc, scenario)
        if doc.problems:
            raise ScenarioError(doc.problems)
    return scenario


def check_calibration(scenario: Scenario) -> None:
    """Check that each ``[calibration]`` prior's range is valid for its key in ``scenario``.

    Raises
    ------
    ScenarioError
        With one line per problem (a key that is not a number, a bound out of range).
    """
    if scenario.calibration is None:
        return
    doc = Document(dict(scenario.document), scenario.origins, scenario.source)
    _check_calibrated_keys(doc, scenario)
    if doc.problems:
        raise ScenarioError(doc.problems)


def _check_calibrated_keys(doc: Document, scenario: Scenario) -> None:
    """Each calibrated key must be a number of the scenario, and its prior within its range."""
    from sim.scenario.keys import settings  # keys reads the scenario this module builds

    numbers = {s.key: s for s in settings(scenario) if s.type == "number"}
    assert scenario.calibration is not None
    # The bounds are tried on the scenario without its [calibration] table, which would
    # otherwise be checked again for every bound.
    data = _copy(dict(scenario.document))
    data.pop("calibration")
    bare = scenario_from_dict(data, origins=scenario.origins, source=scenario.source)
    for prior in scenario.calibration.params:
        where = ("calibration", "params", prior.id, "key")
        found = numbers.get(prior.key)
        if found is None:
            known = [k for k in numbers if k.rsplit(".", 1)[-1] == prior.key.rsplit(".", 1)[-1]]
            hint = f" (did you mean {known[0]}?)" if known else ""
            doc.fail(where, f'"{prior.key}" is not a number of this scenario{hint}')
            continue
        for bound, value in (("low", prior.low), ("high", prior.high)):
            try:
                with_overrides(bare, {prior.key: value})
            except ScenarioError as exc:
                message = exc.problems[0].message
                doc.fail(("calibration", "params", prior.id, bound), f"{value:g}: {message}")
