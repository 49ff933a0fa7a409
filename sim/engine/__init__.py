"""The engine: one run of a scenario on SimPy, with its random streams and its result."""

from sim.engine.budget import MAX_EVENTS, EventBudgetExceeded
from sim.engine.compiled import CompiledModel, compile_scenario
from sim.engine.result import RunResult, Source, Step, TraceRecord
from sim.engine.run import Check, CheckingEnvironment, Chooser, Decision, simulate

__all__ = [
    "MAX_EVENTS",
    "Check",
    "CheckingEnvironment",
    "Chooser",
    "CompiledModel",
    "Decision",
    "EventBudgetExceeded",
    "RunResult",
    "Source",
    "Step",
    "TraceRecord",
    "compile_scenario",
    "simulate",
]
