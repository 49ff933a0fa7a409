"""Custom outcomes: a number or a yes/no computed from each run, estimated with an interval.

A custom outcome is a function of one run's :class:`~sim.engine.result.RunResult` that returns
a boolean ("Russia shipped arms before the conference"), a number ("days between the
announcement and the opening") or ``None`` where it is undefined in that run (no opening, so no
days until it). Sweeps and Monte Carlo experiments take a list of them and estimate each one
beside P(each stage by each deadline)::

    def arms_before_conference(run: RunResult) -> bool:     # top level: it must pickle
        return run.counts().get(("russia", "arms_shipment"), 0) > 0

    mc = run_monte_carlo(scenario, 1000, seed=1, outcomes=[arms_before_conference,
                                                           "days:announced:convened"])
    mc.custom()        # one CustomEstimate per outcome

Rules
-----
* The function runs **in the worker processes**, on each run as it finishes, so the per-run
  result (with its trace) never travels back; only one float per run and outcome does.
* It must be a top-level function (or an instance of a top-level class), so that it pickles by
  reference: a lambda or a function defined inside another is refused with a clear message.
* It must be deterministic, a function of the run alone: then results are identical, bit for
  bit, for any number of workers (each run's value does not depend on where it was computed,
  and the summaries are computed over the runs in run order).

Estimates
---------
An outcome is *boolean* when every value it returned was a ``bool`` (Python or numpy), and a
*number* otherwise. Over the runs where it is defined (not ``None`` nor NaN), a boolean is
estimated as a proportion with its 95% Wilson interval; a number by its mean with a 95%
Student-t interval (mean +- t(0.975, n - 1) * sd / sqrt(n), sd with n - 1 degrees of freedom),
plus its median. ``n`` (the runs where it is defined) is always reported beside ``runs``.

Named outcomes (for the command line)
-------------------------------------
The command line cannot take Python code, and nothing typed by a user is ever evaluated; it
takes named built-in outcomes instead, parsed by :func:`parse_outcome` and checked against the
scenario (every id must exist):

=============================  =======  ==================================================
text                           kind     value in one run
=============================  =======  ==================================================
``count:ACTOR:KIND``           number   actions of KIND by ACTOR until the run ended
``took:ACTOR:KIND``            boolean  ACTOR took KIND at least once before the run ended
``days:STAGE_A:STAGE_B``       number   days from STAGE_A reached to STAGE_B reached
                                        (undefined unless both were reached)
``day:STAGE``                  number   the day STAGE was reached (undefined if never)
``reached:STAGE``              boolean  STAGE reached by the horizon
``ending:ENDING``              boolean  the negotiation ended by ENDING by the horizon
``gate:GATE``                  number   the day GATE was first settled (undefined if never)
``announcements``              number   dates announced
``postponements``              number   dates postponed
``readiness``                  number   readiness when the run ended
=============================  =======  ==================================================

A run ends when its last stage is reached or an ending happens, so ``took:russia:arms_shipment``
in the Geneva-2 baseline is "Russia shipped arms before the conference (or before the talks
ended otherwise, or by the horizon)". Days count from the scenario's start.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from sim.engine.result import RunResult
from sim.errors import InputError
from sim.model.actions import ActionKind
from sim.scenario.schema import Scenario

__all__ = [
    "BUILTIN_OUTCOMES",
    "CUSTOM_COLUMNS",
    "CustomEstimate",
    "CustomOutcome",
    "CustomSummary",
    "OutcomeError",
    "OutcomeFunction",
    "OutcomesLike",
    "evaluate",
    "normalise_outcomes",
    "parse_outcome",
]

OutcomeFunction = Callable[[RunResult], Any]
"""A function of one run: a ``bool``, a number, or ``None`` where undefined."""

OutcomeKind = Literal["boolean", "number"]


class OutcomeError(InputError):
    """A custom outcome that cannot be used: a bad name, an unknown id, a function not pickling.

    The message is one line naming the outcome and what is wrong.
    """


@dataclass(frozen=True, slots=True)
class CustomOutcome:
    """A named function of one run, estimated over many.

    Parameters
    ----------
    name : str
        The outcome's name: a column of tables and CSV files.
    function : callable
        ``function(run: RunResult)`` -> ``bool``, a number, or ``None`` (undefined in this run).
        It must be top-level (it is pickled by reference to the workers) and deterministic.

    Raises
    ------
    OutcomeError
        If the name is empty or the function does not pickle.
    """

    name: str
    function: OutcomeFunction

    def __post_init__(self) -> None:
        if not self.name or not self.name.isprintable() or "," in self.name:
            raise OutcomeError(
                f"custom outcome {self.name!r}: the name must be a non-empty printable text "
                "without commas (it names a column)"
            )
        if not callable(self.function):
            raise OutcomeError(f"custom outcome {self.name!r}: {self.function!r} is not callable")
        try:
            pickle.dumps(self.function)
        except Exception:
            raise OutcomeError(
                f"custom outcome {self.name!r}: the function cannot be sent to worker processes; "
                "define it at the top level of a module or notebook cell with def (not a lambda, "
                "not inside another function)"
            ) from None

    def value(self, run: RunResult) -> tuple[float, bool]:
        """Evaluate on one run: ``(value as a float, whether it was a boolean)``; NaN if undefined.

        Raises
        ------
        OutcomeError
            If the function returned something else than a bool, a number or ``None``.
        """
        got = self.function(run)
        if got is None:
            return math.nan, False
        if isinstance(got, bool | np.bool_):
            return (1.0 if got else 0.0), True
        if isinstance(got, int | float | np.integer | np.floating):
            return float(got), False
        raise OutcomeError(
            f"custom outcome {self.name!r}: returned {type(got).__name__} {got!r} on run "
            f"{run.run}; expected a bool, a number or None"
        )


OutcomesLike = Sequence["CustomOutcome | OutcomeFunction | str"] | Mapping[str, OutcomeFunction]
"""Custom outcomes as objects, functions (named after themselves), built-in names, or a mapping."""


# -- the built-in outcomes (top-level classes: their instances pickle by reference) ----------


@dataclass(frozen=True, slots=True)
class _ActionCount:
    actor: str
    kind: str
    boolean: bool

    def __call__(self, run: RunResult) -> int | bool:
        n = run.action_counts[
            run.actor_ids.index(self.actor) * len(run.kinds) + run.kinds.index(self.kind)
        ]
        return n > 0 if self.boolean else n


@dataclass(frozen=True, slots=True)
class _StageDays:
    first: str
    second: str

    def __call__(self, run: RunResult) -> int | None:
        a = run.stage_days[run.stage_ids.index(self.first)]
        b = run.stage_days[run.stage_ids.index(self.second)]
        return None if a is None or b is None else b - a


@dataclass(frozen=True, slots=True)
class _StageDay:
    stage: str

    def __call__(self, run: RunResult) -> int | None:
        return run.stage_days[run.stage_ids.index(self.stage)]


@dataclass(frozen=True, slots=True)
class _Reached:
    stage: str

    def __call__(self, run: RunResult) -> bool:
        return run.stage_days[run.stage_ids.index(self.stage)] is not None


@dataclass(frozen=True, slots=True)
class _Ending:
    ending: str

    def __call__(self, run: RunResult) -> bool:
        return run.ending >= 0 and run.ending_ids[run.ending] == self.ending


@dataclass(frozen=True, slots=True)
class _GateDay:
    gate: str

    def __call__(self, run: RunResult) -> float | None:
        return run.gate_days[run.gate_ids.index(self.gate)]


@dataclass(frozen=True, slots=True)
class _Field:
    name: str

    def __call__(self, run: RunResult) -> float:
        if self.name == "announcements":
            return len(run.announcements)
        if self.name == "postponements":
            return len(run.postponements)
        return run.final_readiness


BUILTIN_OUTCOMES: dict[str, tuple[tuple[str, ...], str]] = {
    "count": (("ACTOR", "KIND"), "actions of KIND by ACTOR until the run ended (number)"),
    "took": (("ACTOR", "KIND"), "ACTOR took KIND at least once before the run ended (yes/no)"),
    "days": (("STAGE_A", "STAGE_B"), "days from STAGE_A reached to STAGE_B reached (number)"),
    "day": (("STAGE",), "the day STAGE was reached, from the start (number)"),
    "reached": (("STAGE",), "STAGE reached by the horizon (yes/no)"),
    "ending": (("ENDING",), "the talks ended by ENDING by the horizon (yes/no)"),
    "gate": (("GATE",), "the day GATE was first settled (number)"),
    "announcements": ((), "dates announced (number)"),
    "postponements": ((), "dates postponed (number)"),
    "readiness": ((), "readiness when the run ended (number)"),
}
"""The named outcomes :func:`parse_outcome` knows: their arguments and what they measure."""


def _menu() -> str:
    return ", ".join(":".join((name, *args)) for name, (args, _) in BUILTIN_OUTCOMES.items())


def parse_outcome(text: str, scenario: Scenario) -> CustomOutcome:
    """Parse a named built-in outcome (``count:russia:arms_shipment``) against a scenario.

    Nothing in ``text`` is evaluated: it is split on ``:`` and each part must be a known name
    or an id of the scenario.

    Parameters
    ----------
    text : str
        One of the forms in the module notes.
    scenario : Scenario
        The scenario whose actors, stages, endings and gates the ids must name.

    Returns
    -------
    CustomOutcome
        Named ``text``.

    Raises
    ------
    OutcomeError
        One line naming the outcome, the part that is wrong and what would be right.
    """
    name, *args = text.strip().split(":")
    if name not in BUILTIN_OUTCOMES:
        raise OutcomeError(f"outcome {text!r}: unknown outcome {name!r} (known: {_menu()})")
    wanted = BUILTIN_OUTCOMES[name][0]
    if len(args) != len(wanted):
        form = ":".join((name, *wanted))
        raise OutcomeError(f"outcome {text!r}: expected {form}")

    def check(value: str, known: Sequence[str], what: str) -> str:
        if value not in known:
            raise OutcomeError(
                f"outcome {text!r}: no {what} {value!r} in scenario {scenario.name} "
                f"({what}s: {', '.join(known) or 'none'})"
            )
        return value

    actors = [a.id for a in scenario.actors]
    stages = [s.id for s in scenario.stages]
    function: OutcomeFunction
    if name in ("count", "took"):
        function = _ActionCount(
            check(args[0], actors, "actor"),
            check(args[1], [k.value for k in ActionKind], "kind of action"),
            name == "took",
        )
    elif name == "days":
        function = _StageDays(check(args[0], stages, "stage"), check(args[1], stages, "stage"))
    elif name == "day":
        function = _StageDay(check(args[0], stages, "stage"))
    elif name == "reached":
        function = _Reached(check(args[0], stages, "stage"))
    elif name == "ending":
        function = _Ending(check(args[0], [e.id for e in scenario.endings], "ending"))
    elif name == "gate":
        function = _GateDay(check(args[0], [g.id for g in scenario.gates], "gate"))
    else:
        function = _Field(name)
    return CustomOutcome(text.strip(), function)


def normalise_outcomes(
    outcomes: OutcomesLike | None, scenario: Scenario | None = None
) -> tuple[CustomOutcome, ...]:
    """Return custom outcomes as a tuple of :class:`CustomOutcome`, names checked unique.

    Parameters
    ----------
    outcomes : sequence or mapping, optional
        :class:`CustomOutcome` objects, plain functions (named by their ``__name__``), built-in
        names such as ``"days:announced:convened"`` (these need ``scenario``), or a mapping
        from name to function.
    scenario : Scenario, optional
        The scenario built-in names are checked against.

    Raises
    ------
    OutcomeError
        For a bad outcome or a name given twice.
    """
    if not outcomes:
        return ()
    items: list[CustomOutcome] = []
    if isinstance(outcomes, Mapping):
        items = [CustomOutcome(str(k), f) for k, f in outcomes.items()]
    else:
        for item in outcomes:
            if isinstance(item, CustomOutcome):
                items.append(item)
            elif isinstance(item, str):
                if scenario is None:
                    raise OutcomeError(f"outcome {item!r}: a named outcome needs the scenario")
                items.append(parse_outcome(item, scenario))
            else:
                items.append(CustomOutcome(getattr(item, "__name__", repr(item)), item))
    seen: set[str] = set()
    for outcome in items:
        if outcome.name in seen:
            raise OutcomeError(f"custom outcome {outcome.name!r} is given twice")
        seen.add(outcome.name)
    return tuple(items)


def evaluate(
    outcomes: Sequence[CustomOutcome], run: RunResult, values: np.ndarray, booleans: np.ndarray
) -> None:
    """Write each outcome's value on ``run`` into ``values``, and whether it was a boolean."""
    for j, outcome in enumerate(outcomes):
        values[j], booleans[j] = outcome.value(run)


# -- summaries and estimates -----------------------------------------------------------------


#: The columns of a custom outcome's estimate in every table file (``custom_outcomes.csv``;
#: ``sweep_custom.csv`` adds the point first).
CUSTOM_COLUMNS = (
    "outcome",
    "kind",
    "estimate",
    "ci_low",
    "ci_high",
    "interval",
    "n",
    "runs",
    "count",
    "sd",
    "median",
)


@dataclass(frozen=True, slots=True)
class CustomEstimate:
    """A custom outcome estimated over runs.

    Attributes
    ----------
    name : str
        The outcome.
    kind : {"boolean", "number"}
        A proportion of runs, or a mean.
    runs : int
        Runs made.
    n : int
        Runs where the outcome is defined.
    estimate : float
        The proportion (booleans) or the mean (numbers); NaN if ``n`` is 0.
    low, high : float
        The 95% interval: Wilson (booleans), Student t (numbers); NaN where there is none.
    interval : str
        ``"95% Wilson"`` or ``"95% t"``.
    count : int or None
        Runs where a boolean was true.
    sd, median : float or None
        The standard deviation (n - 1) and the median of a number.
    """

    name: str
    kind: OutcomeKind
    runs: int
    n: int
    estimate: float
    low: float
    high: float
    interval: str
    count: int | None = None
    sd: float | None = None
    median: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The estimate as a JSON object (``None`` where a number is NaN)."""

        def num(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else x

        return {
            "name": self.name,
            "kind": self.kind,
            "estimate": num(self.estimate),
            "ci_low": num(self.low),
            "ci_high": num(self.high),
            "interval": self.interval,
            "n": self.n,
            "runs": self.runs,
            "count": self.count,
            "sd": num(self.sd),
            "median": num(self.median),
        }


@dataclass(frozen=True, slots=True)
class CustomSummary:
    """What a point's runs say of one custom outcome: enough to estimate it and to store it.

    Built by :meth:`of` from the runs' values in run order, so it is the same whatever the
    number of workers. Its JSON form is what a sweep's results log stores.
    """

    name: str
    kind: OutcomeKind
    runs: int
    n: int
    count: int
    mean: float | None
    sd: float | None
    median: float | None

    @classmethod
    def of(
        cls, name: str, values: npt.NDArray[np.float64], booleans: npt.NDArray[np.bool_]
    ) -> CustomSummary:
        """Summarise one outcome's values over a point's runs (NaN = undefined)."""
        defined = values[~np.isnan(values)]
        n = len(defined)
        kind: OutcomeKind = "boolean" if bool(np.all(booleans[~np.isnan(values)])) else "number"
        mean = float(np.mean(defined)) if n else None
        sd = float(np.std(defined, ddof=1)) if n > 1 else None
        median = float(np.median(defined)) if n else None
        count = int(np.count_nonzero(defined)) if kind == "boolean" else 0
        return cls(name, kind, len(values), n, count, mean, sd, median)

    def estimate(self) -> CustomEstimate:
        """The estimate with its 95% interval (see the module notes)."""
        if self.kind == "boolean":
            from sim.experiments.stats import wilson

            if self.n == 0:
                nan = math.nan
                return CustomEstimate(
                    self.name, "boolean", self.runs, 0, nan, nan, nan, "95% Wilson", 0
                )
            p = wilson(self.count, self.n)
            return CustomEstimate(
                self.name,
                "boolean",
                self.runs,
                self.n,
                p.estimate,
                p.low,
                p.high,
                "95% Wilson",
                self.count,
            )
        mean = math.nan if self.mean is None else self.mean
        low = high = math.nan
        if self.sd is not None and self.n > 1:
            from scipy import stats

            half = float(stats.t.ppf(0.975, self.n - 1)) * self.sd / math.sqrt(self.n)
            low, high = mean - half, mean + half
        return CustomEstimate(
            self.name,
            "number",
            self.runs,
            self.n,
            mean,
            low,
            high,
            "95% t",
            None,
            self.sd,
            self.median,
        )

    def to_json(self) -> dict[str, Any]:
        """The summary as stored in a results log."""
        return {
            "kind": self.kind,
            "runs": self.runs,
            "n": self.n,
            "count": self.count,
            "mean": self.mean,
            "sd": self.sd,
            "median": self.median,
        }

    @classmethod
    def from_json(cls, name: str, obj: object) -> CustomSummary | None:
        """Return the summary a stored object describes, or ``None`` if it is not one."""
        if not isinstance(obj, dict) or obj.get("kind") not in ("boolean", "number"):
            return None
        ints = [obj.get(k) for k in ("runs", "n", "count")]
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in ints):
            return None
        floats = [obj.get(k) for k in ("mean", "sd", "median")]
        if not all(
            v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in floats
        ):
            return None
        runs, n, count = (int(v) for v in ints)  # type: ignore[arg-type]
        mean, sd, median = (None if v is None else float(v) for v in floats)
        if n > runs or count > n:
            return None
        return cls(name, obj["kind"], runs, n, count, mean, sd, median)
