"""Shared fixtures: the baseline scenario, small scenarios built from dicts, a log.

``tiny_scenario`` builds a one-actor, one-gate scenario from a Python dict and
deep-merges whatever a test adds, so a unit test states only what matters to
it. ``write_toml`` turns such a dict into a TOML file, for tests of the loader
that need a file name in the error message. ``negsim_in_process`` runs the
command line's ``main()`` in the test's own process, for CLI tests that check
what a command prints and returns without paying for a new interpreter; the
few tests that need the command as a user starts it (``python -m sim``, the
console script) keep a subprocess and say so in their names.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import json
import math
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sim.engine import RunResult, Source
from sim.scenario import Scenario, load_scenario, scenario_from_dict
from sim.scenario.loader import find_scenario

START = dt.date(2013, 1, 1)
"""Start of every tiny scenario (day 0)."""

TINY: dict[str, Any] = {
    "name": "tiny",
    "start": START,
    "horizon": START + dt.timedelta(days=90),
    "initial": {"readiness": 0.3, "violence": 0.5, "balance": 0.0, "rapport": 0.5},
    "gates": {"question": {"contention": 0.0}},
    "actors": {"alpha": {"tempo_days": 5.0, "pass_weight": 1.0}},
    "deadlines": {"soon": {"date": START + dt.timedelta(days=30)}},
    "convening": {
        "announce_threshold": 0.6,
        "postpone_threshold": 0.4,
        "lead_days": [14, 28],
    },
}
"""A minimal valid scenario: one actor that only passes, one open gate, no world noise."""


SLOW_RUNS = [
    "--set",
    "horizon=2015-03-31",
    "--set",
    "actors.russia.tempo_days=0.01",
    "--set",
    "convening.announce_threshold=0.99",
]
"""Overrides of the baseline that make one run take about a second, within its event budget
(at most about 77,000 events of 100,000): a worker that started a run stays busy, for the
tests of Ctrl-C."""


def day(n: int) -> dt.date:
    """The date of day ``n`` of a tiny scenario."""
    return START + dt.timedelta(days=n)


def deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``extra`` into a deep copy of ``base``; a ``None`` value deletes the key."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def tiny_dict(extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The tiny scenario's document with ``extra`` deep-merged into it."""
    return deep_merge(TINY, extra or {})


def baseline_dict() -> dict[str, Any]:
    """The baseline scenario file parsed with :mod:`tomllib` (a fresh copy each call)."""
    return tomllib.loads(find_scenario(None).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    """The packaged Geneva-2 baseline, loaded once per session."""
    return load_scenario()


@pytest.fixture
def tiny_scenario() -> Callable[..., Scenario]:
    """A factory: ``tiny_scenario({"actors": {...}})`` validates the tiny scenario plus extras."""

    def build(extra: Mapping[str, Any] | None = None) -> Scenario:
        return scenario_from_dict(tiny_dict(extra), source="<tiny>")

    return build


@pytest.fixture
def log() -> list[Any]:
    """A list a check hook or a process appends ``(time, what)`` to; tests assert it whole."""
    return []


def trace_log(
    result: RunResult, sources: Iterable[Source] = (Source.RECORD,)
) -> list[tuple[float, str, str]]:
    """``(time, actor, action)`` of every trace record from ``sources``, in trace order."""
    assert result.trace is not None, "run the simulation with trace=True"
    wanted = set(sources)
    return [(t.time, t.actor, t.action) for t in result.trace if t.source in wanted]


# -- the command line, in this process -------------------------------------------------------


@dataclass(frozen=True)
class CliOutcome:
    """What a command returned and printed; the fields a test reads of a ``CompletedProcess``."""

    returncode: int
    stdout: str
    stderr: str


def negsim_in_process(*args: str, cwd: Path | None = None) -> CliOutcome:
    """Run ``negsim ARGS`` through :func:`sim.cli.main` here, capturing stdout and stderr.

    Same exit status and output as ``python -m sim ARGS`` (stderr is not a
    terminal, so no progress bar), in milliseconds rather than an interpreter
    start-up. ``cwd`` is the working directory for the call; it is restored
    after, so do not call this from several threads at once.
    """
    from sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        if cwd is not None:
            stack.enter_context(contextlib.chdir(cwd))
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        try:
            status = main(list(args))
        except SystemExit as exc:  # --help and --version exit through argparse
            status = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    return CliOutcome(status, out.getvalue(), err.getvalue())


# -- a small TOML writer, enough for the loader tests -----------------------------------------

_BARE = re.compile(r"[A-Za-z0-9_-]+\Z")


def _key(key: str) -> str:
    return key if _BARE.match(key) else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML for {value!r}")


def to_toml(data: Mapping[str, Any], _prefix: tuple[str, ...] = ()) -> str:
    """Render a document of TOML values as TOML text (tables as ``[a.b]`` sections)."""
    lines = []
    subtables = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            subtables.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    text = "\n".join(lines) + ("\n" if lines else "")
    for key, value in subtables:
        path = (*_prefix, key)
        text += f"\n[{'.'.join(_key(p) for p in path)}]\n" + to_toml(value, path)
    return text


@pytest.fixture
def write_toml(tmp_path: Path) -> Callable[..., Path]:
    """A factory: ``write_toml("name.toml", dict_or_text)`` writes a file under ``tmp_path``."""

    def write(name: str, content: Mapping[str, Any] | str) -> Path:
        path = tmp_path / name
        text = content if isinstance(content, str) else to_toml(content)
        path.write_text(text, encoding="utf-8")
        return path

    return write
