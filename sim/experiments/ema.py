"""negsim as EMA Workbench sees it: a scenario as a model, a sweep as experiments and outcomes.

`EMA Workbench <https://emaworkbench.readthedocs.io>`_ (an optional extra:
``pip install "negsim[discovery]"``) has many analyses of exploratory modelling: PRIM and CART
scenario discovery, feature scoring, dimensional stacking, regional sensitivity. This module
presents negsim in its terms, so that all of them can be used:

* :func:`ema_results` turns a finished sweep (a :class:`~sim.experiments.sweep.SweepResult`,
  or its folder read with :func:`~sim.experiments.discovery.load_sweep`) into EMA's
  ``(experiments, outcomes)`` pair: one row per point with the swept parameters, and per
  deadline and stage or ending the share of runs that reached it by the deadline (plus each
  custom outcome's estimate);
* :func:`ema_model` makes an EMA ``Model`` whose uncertainties are the parameters to vary and
  whose outcomes are the same shares, estimated by ``runs`` Monte Carlo runs at each point, so
  that EMA's own samplers and evaluators drive negsim.

Names
-----
EMA Workbench wants names that are Python identifiers, which dotted keys are not: a key's dots
become double underscores (``actors.russia.tempo_days`` -> ``actors__russia__tempo_days``) and
an outcome is ``<deadline>__<stage or ending>`` (``g8_summit__convened``); :func:`ema_name`
makes them and :func:`ema_results` returns the table of both.

Example (runnable; a few seconds)::

    from ema_workbench.analysis import feature_scoring
    from sim.experiments.ema import ema_results
    from sim.experiments.sweep import Sweep

    result = Sweep(["actors.russia.tempo_days=2:12", "convening.announce_threshold=0.4:0.7"],
                   design="lhs", points=32, runs=50, seed=1).run()
    experiments, outcomes, names = ema_results(result)
    print(feature_scoring.get_feature_scores_all(experiments, outcomes))

EMA Workbench is imported only by :func:`ema_model` (and by
:mod:`sim.experiments.discovery`); :func:`import_ema` says what to install when it is missing.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import InputError
from sim.experiments.designs import Choice, Param, Range
from sim.experiments.frames import import_pandas
from sim.experiments.points import ParamsLike, ScenarioLike, base_scenario, normalise_params
from sim.scenario import Scenario, with_overrides

if TYPE_CHECKING:
    from sim.experiments.discovery import SweepData
    from sim.experiments.sweep import SweepResult

__all__ = [
    "EMA_VERSION",
    "EmaMissing",
    "NegsimPoint",
    "ema_model",
    "ema_name",
    "ema_results",
    "import_ema",
]

EMA_VERSION = "2.5.3"
"""The EMA Workbench release negsim is tested with (``negsim[discovery]`` pins it)."""


class EmaMissing(InputError):
    """EMA Workbench is not installed: the message says what to install."""


def import_ema(what: str = "ema_workbench") -> Any:
    """Import an EMA Workbench module, or fail with one line saying what to install.

    Parameters
    ----------
    what : str
        The module, e.g. ``"ema_workbench.analysis.prim"``.

    Raises
    ------
    EmaMissing
        If EMA Workbench is not installed.
    """
    import importlib

    try:
        with warnings.catch_warnings():
            # EMA announces its optional back ends (ipyparallel, MPI) on import.
            warnings.simplefilter("ignore")
            return importlib.import_module(what)
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] != "ema_workbench":
            raise
        raise EmaMissing(
            'scenario discovery needs EMA Workbench: pip install "negsim[discovery]" '
            f"(ema-workbench=={EMA_VERSION})"
        ) from None


_NON_WORD = re.compile(r"\W")


def ema_name(key: str) -> str:
    """A dotted key or an outcome as an identifier: dots become ``__``, other signs ``_``."""
    return _NON_WORD.sub("_", key.replace(".", "__"))


def ema_results(
    result: SweepResult | SweepData,
) -> tuple[Any, dict[str, np.ndarray], dict[str, str]]:
    """A sweep as EMA Workbench's results: ``(experiments, outcomes, names)``.

    Parameters
    ----------
    result : SweepResult or SweepData
        A finished sweep, run here or read from its folder with
        :func:`~sim.experiments.discovery.load_sweep`.

    Returns
    -------
    experiments : pandas.DataFrame
        One row per point; a column per parameter (named by :func:`ema_name`).
    outcomes : dict of str to ndarray
        Per ``<deadline>__<stage or ending>``, the share of runs that reached it (or ended so)
        by the deadline, one value per point; per custom outcome (of a sweep run here), its
        estimate.
    names : dict of str to str
        The dotted key (or ``deadline.outcome``) each EMA name stands for.
    """
    from sim.experiments.discovery import SweepData

    data = result if isinstance(result, SweepData) else SweepData.of(result)
    pandas = import_pandas("SweepResult.records()")
    names: dict[str, str] = {}
    columns: dict[str, list[Any]] = {}
    for key in data.keys:
        name = ema_name(key)
        names[name] = key
        columns[name] = [point[key] for point in data.values]
    experiments = pandas.DataFrame(columns)
    outcomes: dict[str, np.ndarray] = {}
    for j, (deadline, _) in enumerate(data.deadlines):
        for k, outcome in enumerate(data.outcomes):
            label = f"{deadline}.{outcome}"
            names[ema_name(label)] = label
            outcomes[ema_name(label)] = data.counts[:, j, k] / data.runs
    if not isinstance(result, SweepData):
        for j, custom in enumerate(result.custom_names):
            names[ema_name(custom)] = custom
            outcomes[ema_name(custom)] = np.array(
                [summaries[j].estimate().estimate for summaries in result.custom_summaries]
            )
    return experiments, outcomes, names


@dataclass(frozen=True)
class NegsimPoint:
    """The function an EMA ``Model`` calls: one point's Monte Carlo estimates.

    Called with the point's values by EMA name, it sets them in the scenario, runs it ``runs``
    times in this process (EMA's evaluator does the parallelism) with the master seed ``seed``
    (common random numbers at every point), and returns, per deadline and stage or ending,
    the share of runs that reached it by the deadline. A top-level class, so it pickles.
    """

    scenario: Scenario
    keys: dict[str, str]
    runs: int
    seed: int

    def __call__(self, **values: Any) -> dict[str, float]:
        """Run the point; return the shares by EMA outcome name."""
        from sim.experiments.executors import ExecutorSpec
        from sim.experiments.montecarlo import run_monte_carlo

        changed = with_overrides(
            self.scenario, {self.keys[name]: _plain(v) for name, v in values.items()}
        )
        mc = run_monte_carlo(changed, self.runs, self.seed, executor=ExecutorSpec(workers=1))
        found: dict[str, float] = {}
        for estimate in mc.deadlines():
            for outcome in estimate.outcomes:
                name = ema_name(f"{estimate.deadline.id}.{outcome.name}")
                found[name] = outcome.proportion.estimate
        return found


def _plain(value: Any) -> Any:
    """A numpy scalar from EMA's sampler as a Python value (what a scenario accepts)."""
    return value.item() if isinstance(value, np.generic) else value


def _uncertainty(ema: Any, param: Param) -> Any:
    name = ema_name(param.key)
    if isinstance(param, Range):
        if param.integer:
            return ema.IntegerParameter(name, int(param.low), int(param.high))
        return ema.RealParameter(name, param.low, param.high)
    assert isinstance(param, Choice)
    return ema.CategoricalParameter(name, list(param.values))


def ema_model(
    params: ParamsLike,
    scenario: ScenarioLike = None,
    runs: int = 100,
    seed: int = 0,
    *,
    deadlines: Sequence[str] | None = None,
) -> Any:
    """An EMA Workbench ``Model`` of a scenario: parameters as uncertainties, shares as outcomes.

    Parameters
    ----------
    params : sequence, text or mapping
        The parameters to vary, as for :class:`~sim.experiments.sweep.Sweep`.
    scenario : Scenario, str or path-like, optional
        The scenario (default: the packaged baseline).
    runs, seed : int
        Monte Carlo runs at each point, and their master seed.
    deadlines : sequence of str, optional
        The deadlines whose stages and endings are outcomes (default: all).

    Returns
    -------
    ema_workbench.Model
        Run it with ``ema_workbench.perform_experiments(model, scenarios=n)``.

    Raises
    ------
    EmaMissing
        If EMA Workbench is not installed.
    """
    ema = import_ema()
    base = base_scenario(scenario)
    parsed = normalise_params(params)
    chosen = [d for d in base.deadlines if deadlines is None or d.id in deadlines]
    function = NegsimPoint(base, {ema_name(p.key): p.key for p in parsed}, runs, seed)
    model = ema.Model("negsim", function=function)
    model.uncertainties = [_uncertainty(ema, p) for p in parsed]
    ids = [*(s.id for s in base.stages), *(e.id for e in base.endings)]
    model.outcomes = [ema.ScalarOutcome(ema_name(f"{d.id}.{name}")) for d in chosen for name in ids]
    return model
