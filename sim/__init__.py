"""negsim: a discrete-event simulator of multi-party diplomacy on SimPy.

The main entry points, for notebooks and scripts::

    import sim                                        # or: import negsim (the same module)
    scenario = sim.load_scenario()                    # the packaged Geneva-2 baseline
    run = sim.simulate(scenario, seed=1, trace=True)  # one run
    mc = sim.run_monte_carlo(scenario, runs=1000, seed=1,
                             outcomes=["days:announced:convened"])
    for estimate in mc.deadlines():
        print(estimate.deadline.label, estimate.proportion)
    sweep = sim.Sweep(["actors.russia.tempo_days=2:10"], design="lhs", points=16, runs=200)
    result = sweep.run()
    boxes = sim.discover(result, deadline="g8_summit", above=0.5)   # needs negsim[discovery]

They are imported on first use, so ``import sim`` stays light; ``dir(sim)`` and tab completion
list them all.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from sim._version import __version__

if TYPE_CHECKING:
    from sim.engine import RunResult, simulate
    from sim.experiments.compare import compare
    from sim.experiments.custom import CustomOutcome, parse_outcome
    from sim.experiments.designs import Choice, Range, design_from_table, read_design_csv
    from sim.experiments.discovery import discover, discover_folder
    from sim.experiments.executors import ExecutorSpec
    from sim.experiments.montecarlo import MonteCarloResult, run_monte_carlo
    from sim.experiments.sensitivity import Sensitivity, SensitivityResult
    from sim.experiments.sweep import Sweep, SweepResult
    from sim.scenario import Scenario, ScenarioError, load_scenario, with_overrides

__all__ = [
    "Choice",
    "CustomOutcome",
    "ExecutorSpec",
    "MonteCarloResult",
    "Range",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "Sensitivity",
    "SensitivityResult",
    "Sweep",
    "SweepResult",
    "__version__",
    "compare",
    "design_from_table",
    "discover",
    "discover_folder",
    "load_scenario",
    "parse_outcome",
    "read_design_csv",
    "run_monte_carlo",
    "simulate",
    "with_overrides",
]

_LAZY = {
    "Choice": "sim.experiments.designs",
    "CustomOutcome": "sim.experiments.custom",
    "ExecutorSpec": "sim.experiments.executors",
    "MonteCarloResult": "sim.experiments.montecarlo",
    "Range": "sim.experiments.designs",
    "RunResult": "sim.engine",
    "Scenario": "sim.scenario",
    "ScenarioError": "sim.scenario",
    "Sensitivity": "sim.experiments.sensitivity",
    "SensitivityResult": "sim.experiments.sensitivity",
    "Sweep": "sim.experiments.sweep",
    "SweepResult": "sim.experiments.sweep",
    "compare": "sim.experiments.compare",
    "design_from_table": "sim.experiments.designs",
    "discover": "sim.experiments.discovery",
    "discover_folder": "sim.experiments.discovery",
    "load_scenario": "sim.scenario",
    "parse_outcome": "sim.experiments.custom",
    "read_design_csv": "sim.experiments.designs",
    "run_monte_carlo": "sim.experiments.montecarlo",
    "simulate": "sim.engine",
    "with_overrides": "sim.scenario",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sim' has no attribute '{name}'")
    return getattr(import_module(module), name)


def __dir__() -> list[str]:
    """The public names (imported on first use) beside the module's own: for tab completion."""
    return sorted({*globals(), *__all__})
