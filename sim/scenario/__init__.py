"""Scenario files: the TOML format, its validation, and the frozen :class:`Scenario`."""

from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import (
    BASELINE,
    find_scenario,
    load_scenario,
    packaged_scenarios,
    parse_override,
    scenario_from_dict,
    with_overrides,
)
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
    "ActorSpec",
    "DatedEvent",
    "Deadline",
    "GateSpec",
    "InitialState",
    "Move",
    "Problem",
    "RapportSpec",
    "ReactionRule",
    "Scenario",
    "ScenarioError",
    "find_scenario",
    "load_scenario",
    "packaged_scenarios",
    "parse_override",
    "scenario_from_dict",
    "with_overrides",
]
