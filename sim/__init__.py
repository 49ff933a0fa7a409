"""negsim: a discrete-event simulator of multi-party diplomacy on SimPy.

The main entry points, for notebooks and scripts::

    import sim
    scenario = sim.load_scenario()                    # the packaged Geneva-2 baseline
    run = sim.simulate(scenario, seed=1, trace=True)  # one run
    mc = sim.run_monte_carlo(scenario, runs=1000, seed=1)
    for estimate in mc.deadlines():
        print(estimate.deadline.label, estimate.proportion)

They are imported on first use, so ``import sim`` stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from sim._version import __version__

if TYPE_CHECKING:
    from sim.engine import simulate
    from sim.experiments.compare import compare
    from sim.experiments.montecarlo import run_monte_carlo
    from sim.scenario import ScenarioError, load_scenario

__all__ = [
    "ScenarioError",
    "__version__",
    "compare",
    "load_scenario",
    "run_monte_carlo",
    "simulate",
]

_LAZY = {
    "ScenarioError": "sim.scenario",
    "compare": "sim.experiments.compare",
    "load_scenario": "sim.scenario",
    "run_monte_carlo": "sim.experiments.montecarlo",
    "simulate": "sim.engine",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sim' has no attribute '{name}'")
    return getattr(import_module(module), name)
