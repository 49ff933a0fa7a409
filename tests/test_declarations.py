"""The scenario schema is declared once: the loader, the docs and ``negsim params`` agree.

Each key's default, bounds, unit and meaning live in field metadata
(:mod:`sim.model.declare`); these tests check that the loader applies exactly
the declared defaults and bounds, that the docs' key reference is the one the
declarations generate, and that ``negsim params`` lists every key with its
provenance.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.cli import main
from sim.model.declare import Type, declared_fields
from sim.model.params import ChoiceRule, Effect, FocalDates, World
from sim.scenario import ScenarioError, load_scenario, scenario_from_dict
from sim.scenario.keys import settings
from sim.scenario.provenance import comment_tags
from sim.scenario.reference import TABLES, check, key_table, update
from tests.conftest import tiny_dict

DOCS = Path(__file__).parents[1] / "docs" / "SCENARIOS.md"


def test_the_docs_key_reference_is_generated_from_the_declarations() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert check(text), "run: python -m sim.scenario.reference docs/SCENARIOS.md"


def test_a_stale_or_missing_block_is_detected() -> None:
    text = DOCS.read_text(encoding="utf-8")
    stale = text.replace("| `tick_days` | number | 7 |", "| `tick_days` | number | 8 |")
    assert stale != text
    assert not check(stale)
    assert update(stale) == text
    with pytest.raises(ValueError, match="no <!-- keys: NAME --> block for: world"):
        update(text.replace("<!-- keys: world -->", "<!-- keys world -->"))
    with pytest.raises(ValueError, match="names no table"):
        update(text + "\n<!-- keys: nonsense -->\n<!-- /keys -->\n")


def test_every_documented_table_lists_every_declared_key() -> None:
    table = key_table("world")
    for key, _, d in declared_fields(World):
        assert f"| `{key}` |" in table
        assert d.doc in table


def test_the_loader_applies_the_declared_defaults(tiny_scenario) -> None:
    s = tiny_scenario()
    for obj, cls in ((s.choice, ChoiceRule), (s.mechanisms.focal_dates, FocalDates)):
        for _, f, _ in declared_fields(cls):
            assert getattr(obj, f.name) == f.default
    # A default taken from another key (declared with default_from), not a second number.
    assert s.world.readiness_mean == s.initial.readiness
    assert s.world.violence_mean == s.initial.violence
    assert s.world.balance_mean == s.initial.balance
    moved = scenario_from_dict(tiny_dict({"initial": {"readiness": 0.21}}))
    assert moved.world.readiness_mean == 0.21


@pytest.mark.parametrize(("key", "_field", "declared"), list(declared_fields(World)))
def test_the_loader_enforces_each_declared_bound(key: str, _field: object, declared) -> None:
    if declared.kind != Type.NUMBER:
        return
    bad = []
    if declared.low is not None:
        bad.append(declared.low if declared.low_open else declared.low - 1)
    if declared.high is not None:
        bad.append(declared.high if declared.high_open else declared.high + 1)
    for value in bad:
        with pytest.raises(ScenarioError, match=rf"<tiny>: world\.{key}: must "):
            scenario_from_dict(tiny_dict({"world": {key: value}}), source="<tiny>")


def test_effect_bounds_come_from_the_declaration(tiny_scenario) -> None:
    extra = {
        "gates": {"question": {}},
        "actors": {
            "alpha": {
                "actions": {
                    "settle": {
                        "kind": "delegation_agreement",
                        "gate": "question",
                        "settle_probability": 1.5,
                    }
                }
            }
        },
    }
    with pytest.raises(ScenarioError, match=r"must be a probability from 0 to 1, got 1\.5"):
        tiny_scenario(extra)
    assert {f.name for _, f, _ in declared_fields(Effect)} == set(Effect.__dataclass_fields__)


def test_comment_tags_follow_tables_and_skip_strings() -> None:
    text = '''
top = 1  # [assumed] a guess
description = """
x = 2  # [record] inside a string: not a key
"""
[a.b]
c = 3     # [article] from the article
"d.e" = 4 # [record]
f = "# [nope] not a comment"
g = [1, 2]  # plain comment
[ "q r" . s ]
t = 5 # [assumed]
'''
    assert comment_tags(text) == {
        ("top",): "assumed",
        ("a", "b", "c"): "article",
        ("a", "b", "d.e"): "record",
        ("q r", "s", "t"): "assumed",
    }


def test_settings_give_value_unit_range_and_provenance() -> None:
    scenario = load_scenario(None, ["actors.russia.stance=0.1"])
    by_key = {s.key: s for s in settings(scenario)}
    tempo = by_key["actors.russia.tempo_days"]
    assert (tempo.value, tempo.unit, tempo.range, tempo.provenance) == (
        4.0,
        "days",
        "≥ 0.01",
        "article",
    )
    assert by_key["actors.russia.stance"].provenance == "--set"
    assert by_key["actors.russia.stance"].value == 0.1
    assert by_key["world.readiness_reversion"].provenance == "assumed"
    assert by_key["mechanisms.reactions.enabled"].value is True
    inherited = by_key["actors.russia.actions.meet_us.readiness"]
    assert inherited.provenance == "assumed (effects.meeting)"
    assert by_key["events.kiruna.date"].provenance == "record"
    assert by_key["gates.opposition_delegation.resolved"].provenance == "default"
    assert not any(key.endswith(".note") or key == "description" for key in by_key)
    # Every key listed can be given back to --set as it is.
    for key in ("actors.russia.tempo_days", "world.tick_days", "events.kiruna.readiness"):
        assert load_scenario(None, [f"{key}={by_key[key].value}"]).sha256


def test_params_command(capsys) -> None:
    assert main(["params", "--key", "world.*", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    keys = [k["key"] for k in out["keys"]]
    assert keys == [f"world.{key}" for key, _, _ in declared_fields(World)]
    assert main(["params", "no_embargo_lift", "--key", "*tempo_days"]) == 0
    text = capsys.readouterr().out
    assert "actors.russia.tempo_days" in text
    assert "article" in text
    assert main(["params", "--set", "world.tick_days=-1"]) == 2
    assert "world.tick_days: must be a number of days at least 0.01" in capsys.readouterr().err


def test_every_table_in_the_reference_is_a_table_of_the_file() -> None:
    assert set(TABLES) >= {"initial", "world", "mechanisms", "actors", "events", "deadlines"}
