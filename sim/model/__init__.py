"""The negotiation model: state, actions, mechanisms, choice, stages and endings.

This layer is pure Python on plain data. It imports neither SimPy, the command
line, nor matplotlib; :mod:`sim.engine` runs it in time.
"""

from sim.model.actions import KINDS, Action, ActionContext, ActionKind, Kind, Words, apply
from sim.model.params import (
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
from sim.model.state import State

__all__ = [
    "KINDS",
    "Action",
    "ActionContext",
    "ActionKind",
    "ChoiceRule",
    "ConveningRule",
    "Effect",
    "FocalDates",
    "Kind",
    "Mechanisms",
    "Narrowing",
    "Rapport",
    "Reactions",
    "Ripeness",
    "State",
    "Words",
    "World",
    "apply",
]
