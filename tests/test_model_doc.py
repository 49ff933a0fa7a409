"""docs/MODEL.md stays true to the code: its parameter tables and the modules it names.

Section 8's tables are generated from what ``negsim params --format json``
prints for the baseline. To regenerate them after a change of the scenario::

    python -m sim params scenarios/geneva2_2013.toml --format json | python -m tests.test_model_doc

and paste the output between the ``<!-- params: ... -->`` markers.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[1]
DOC = ROOT / "docs" / "MODEL.md"
SCENARIO = ROOT / "scenarios" / "geneva2_2013.toml"

#: Keys whose value is prose or a name for people, not a parameter.
_TEXT = {"label", "name", "note", "title", "description", "outcome", "said", "done", "failed"}
#: The effect fields of a move, a reaction or an event.
_EFFECT = {
    "readiness",
    "stance_self",
    "stance_other",
    "rapport",
    "balance",
    "violence",
    "contention",
    "settle_probability",
    "target_days",
    "fail_readiness",
    "violence_mean",
    "extension_days",
    "cohesion",
}
#: The names an event carries besides its date, actor and kind.
_NAMES = ("partner", "target", "gate", "gates", "stage", "body", "deadline", "regime")


def _source(row: Mapping[str, Any]) -> str:
    """The source tag as ``negsim params`` shows it."""
    tag: str = row["provenance"]
    if tag:
        return tag
    return "untagged" if row["source"] else "default"


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return ", ".join(f"{k} = {_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value).replace("|", "\\|")


def _inherited(row: Mapping[str, Any]) -> bool:
    """An effect size an entry takes from ``[effects.KIND]``, or the loader's default."""
    source = _source(row)
    return "(effects." in source or source == "default"


def tables(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Section 8's three tables, keyed by their marker name, from ``negsim params`` rows."""
    groups: dict[str, list[str]] = {"settings": [], "actors": [], "events": []}
    events: dict[str, dict[str, Mapping[str, Any]]] = {}
    for row in rows:
        parts = row["key"].split(".")
        if parts[0] == "words" or parts[-1] in _TEXT:
            continue
        if parts[0] == "events":
            events.setdefault(parts[1], {})[parts[-1]] = row
            continue
        if parts[0] == "actors" and len(parts) >= 5 and parts[-1] in _EFFECT and _inherited(row):
            continue
        unit = row["unit"] or "—"
        allowed = row["range"] or "—"
        line = f"| `{row['key']}` | {_value(row['value'])} | {unit} | {allowed} | {_source(row)} |"
        groups["actors" if parts[0] == "actors" else "settings"].append(line)
    for event_id, fields in events.items():
        names = [
            f"{f} = {_value(fields[f]['value'])}"
            for f in _NAMES
            if f in fields and fields[f]["value"] not in (None, "", [])
        ]
        own = [
            f"{f} = {_value(r['value'])} [{_source(r)}]"
            for f, r in fields.items()
            if f not in _NAMES and f not in ("date", "actor", "kind") and not _inherited(r)
        ]
        tags = sorted({_source(fields[f]) for f in ("date", "actor", "kind")})
        groups["events"].append(
            f"| `{event_id}` | {_value(fields['date']['value'])} | "
            f"{_value(fields['actor']['value'])} | {_value(fields['kind']['value'])} | "
            f"{'; '.join(names) or '—'} | {'; '.join(own) or '—'} | {', '.join(tags)} |"
        )
    head = "| key | value | unit | range | source |\n| --- | --- | --- | --- | --- |\n"
    return {
        "settings": head + "\n".join(groups["settings"]),
        "actors": head + "\n".join(groups["actors"]),
        "events": "| event | date | actor | kind | names | set on the event itself | source |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n" + "\n".join(groups["events"]),
    }


def _marked(text: str, name: str) -> str:
    match = re.search(rf"<!-- params: {name} -->\n(.*?)\n<!-- /params -->", text, re.S)
    assert match, f"docs/MODEL.md has no <!-- params: {name} --> block"
    return match.group(1)


def _baseline_rows() -> list[dict[str, Any]]:
    from sim.scenario import load_scenario
    from sim.scenario.keys import settings

    scenario = load_scenario(SCENARIO)
    # Through JSON, as `negsim params --format json` prints them (tuples become lists).
    loaded: list[dict[str, Any]] = json.loads(json.dumps([s.to_json() for s in settings(scenario)]))
    return loaded


def test_model_doc_parameter_tables_match_negsim_params() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name, table in tables(_baseline_rows()).items():
        assert _marked(text, name) == table, (
            f"docs/MODEL.md section 8, table '{name}', differs from negsim params: "
            "regenerate it (see tests/test_model_doc.py)"
        )


def test_model_doc_names_only_modules_that_exist() -> None:
    text = DOC.read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:sim|scenarios|docs|tests)/[\w./]*)`", text))
    assert "sim/model/stages.py" in paths
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert not missing, f"docs/MODEL.md names paths that do not exist: {missing}"


def test_model_doc_names_only_functions_that_exist() -> None:
    """Every ``sim.a.b.name`` the document cites can be imported."""
    import importlib

    text = DOC.read_text(encoding="utf-8")
    missing = []
    for dotted in sorted(set(re.findall(r"`(sim(?:\.\w+)+)`", text))):
        module, _, name = dotted.rpartition(".")
        try:
            found = hasattr(importlib.import_module(module), name)
        except ImportError:
            found = False
        if not found:
            try:
                importlib.import_module(dotted)
            except ImportError:
                missing.append(dotted)
    assert not missing, f"docs/MODEL.md cites names that do not exist: {missing}"


if __name__ == "__main__":
    for marker, block in tables(json.load(sys.stdin)["keys"]).items():
        print(f"<!-- params: {marker} -->\n{block}\n<!-- /params -->\n")
