"""Scenario discovery: which regions of the swept parameters make an outcome likely (PRIM).

Given a finished sweep, :func:`discover` asks, for one deadline and one stage or ending (by
default the deadline's own stage): at which points is P(outcome by the deadline) at least
``above`` (or at most ``below``)? Those points are the *cases of interest*; PRIM (the Patient
Rule Induction Method of Friedman and Fisher, 1999, as adapted to scenario discovery by Bryant
and Lempert, 2010) then peels the box of all swept values, a little at a time, towards a box
that holds mostly cases of interest. Each step trades:

* **coverage**: the share of all cases of interest that lie in the box;
* **density**: the share of the points in the box that are cases of interest.

The *peeling trajectory* lists every box with its coverage, density, mass (share of points in
it) and how many parameters it restricts. The box chosen is the one of highest coverage among
those whose density is at least ``density`` (0.8 by default; fewer restricted parameters break
ties); if none reaches it, the densest. For each limit of the chosen box, the *quasi-p value*
(Bryant and Lempert's one-sided binomial test: how likely a box this dense would be if that
limit were dropped) says whether the limit matters: small is significant.

The PRIM used is EMA Workbench's (``ema_workbench.analysis.prim``), an optional extra:
``pip install "negsim[discovery]"``; without it :class:`~sim.experiments.ema.EmaMissing` says
so in one line. A sweep is read from memory (a :class:`~sim.experiments.sweep.SweepResult`) or
from its ``--out`` folder (``points.jsonl`` and ``sweep.json``, see :func:`load_sweep`).

References
----------
.. [1] Friedman JH, Fisher NI. Bump hunting in high-dimensional data. Statistics and Computing
   1999; 9:123-143.
.. [2] Bryant BP, Lempert RJ. Thinking inside the box: a participatory, computer-assisted
   approach to scenario discovery. Technological Forecasting and Social Change 2010;
   77:34-49.
"""

from __future__ import annotations

import logging
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import InputError, one_line
from sim.experiments.designs import Scalar
from sim.experiments.ema import import_ema
from sim.experiments.store import LOG_NAME, read_log
from sim.files import JsonFileError, read_json_file

if TYPE_CHECKING:
    from sim.experiments.sweep import SweepResult

__all__ = [
    "BoxLimit",
    "Discovery",
    "DiscoveryError",
    "Peel",
    "SweepData",
    "discover",
    "discover_folder",
    "load_sweep",
]


class DiscoveryError(InputError):
    """A discovery that cannot be made: no such deadline, no case of interest, not a sweep."""


@dataclass(frozen=True)
class SweepData:
    """What scenario discovery needs of a sweep: the points' values and the counts.

    Attributes
    ----------
    keys : tuple of str
        The swept parameters.
    bounds : dict of str to tuple
        Each parameter's full range ``(low, high)`` as designed (choices: ``None``).
    values : tuple of dict
        Each point's values.
    deadlines : tuple of (str, str)
        Each deadline's id and its own stage's id.
    outcomes : tuple of str
        The stages, then the endings.
    counts : ndarray, shape (points, deadlines, outcomes)
        Runs that reached each outcome by each deadline.
    runs : int
        Runs per point.
    source : str
        Where it came from (a folder, or "the sweep").
    """

    keys: tuple[str, ...]
    bounds: dict[str, tuple[float, float] | None]
    values: tuple[dict[str, Scalar], ...]
    deadlines: tuple[tuple[str, str], ...]
    outcomes: tuple[str, ...]
    counts: np.ndarray
    runs: int
    source: str = "the sweep"

    @classmethod
    def of(cls, result: SweepResult) -> SweepData:
        """The data of a sweep run in this process."""
        s = result.scenario
        return cls(
            keys=tuple(p.key for p in result.design.params),
            bounds={p.key: _bounds(p.to_json()) for p in result.design.params},
            values=tuple(dict(p) for p in result.design.points),
            deadlines=tuple((d.id, d.stage) for d in s.deadlines),
            outcomes=result.outcomes,
            counts=np.asarray(result.counts),
            runs=result.runs,
        )

    def probability(self, deadline: str, outcome: str | None = None) -> np.ndarray:
        """P(``outcome`` by ``deadline``) at every point (default: the deadline's own stage).

        Raises
        ------
        DiscoveryError
            For an unknown deadline or outcome.
        """
        ids = [d for d, _ in self.deadlines]
        if deadline not in ids:
            raise DiscoveryError(
                f"--deadline: no deadline '{deadline}' in {self.source} (deadlines: "
                f"{', '.join(ids)})"
            )
        j = ids.index(deadline)
        name = outcome if outcome is not None else self.deadlines[j][1]
        if name not in self.outcomes:
            raise DiscoveryError(
                f"--outcome: no stage or ending '{name}' in {self.source} "
                f"(stages and endings: {', '.join(self.outcomes)})"
            )
        found: np.ndarray = self.counts[:, j, self.outcomes.index(name)] / self.runs
        return found


def _bounds(described: dict[str, object]) -> tuple[float, float] | None:
    low, high = described.get("low"), described.get("high")
    if isinstance(low, int | float) and isinstance(high, int | float):
        return float(low), float(high)
    return None


def load_sweep(folder: str | os.PathLike[str]) -> SweepData:
    """Read a finished sweep from its ``--out`` folder (``points.jsonl`` and ``sweep.json``).

    Raises
    ------
    DiscoveryError
        One line: not a sweep's folder, an unfinished sweep, or a damaged log.
    """
    where = Path(folder)
    if not where.is_dir():
        raise DiscoveryError(f"{where}: no such folder (give the --out folder of a sweep)")
    try:
        summary = read_json_file(where / "sweep.json")
    except JsonFileError as exc:
        raise DiscoveryError(
            f"{exc}; give the --out folder of a finished sweep (with sweep.json)"
        ) from None
    if not isinstance(summary, dict) or summary.get("experiment") != "sweep":
        raise DiscoveryError(f"{where / 'sweep.json'}: not the summary of a negsim sweep")
    log = read_log(where / LOG_NAME)
    identity = log.header.get("identity", {})
    design = identity.get("design", {}) if isinstance(identity, dict) else {}
    params = design.get("params", []) if isinstance(design, dict) else []
    total = log.header.get("points")
    if len(log.records) != total or not params:
        raise DiscoveryError(
            f"{where / LOG_NAME}: holds {len(log.records)} of {one_line(str(total))[:40]} "
            "points; finish the sweep first (negsim sweep ... --resume)"
        )
    if set(log.records) != set(range(len(log.records))):
        raise DiscoveryError(
            f"{where / LOG_NAME}: its points are not numbered 0 to {len(log.records) - 1}; "
            "the folder is damaged"
        )
    if not isinstance(params, list) or not all(
        isinstance(p, dict) and isinstance(p.get("key"), str) for p in params
    ):
        raise DiscoveryError(f"{where / LOG_NAME}: its header's parameters are damaged")
    runs = {r.runs for r in log.records.values()}
    if len(runs) != 1 or summary.get("runs_per_point") not in runs:
        raise DiscoveryError(
            f"{where / LOG_NAME}: its points' runs ({', '.join(map(str, sorted(runs)))}) are "
            f"not sweep.json's runs_per_point "
            f"({one_line(str(summary.get('runs_per_point')))[:40]}); the folder is damaged"
        )
    names = {p["key"] for p in params}
    if any(set(r.values) != names for r in log.records.values()):
        raise DiscoveryError(
            f"{where / LOG_NAME}: a point's values are not those of its parameters; "
            "the folder is damaged"
        )
    try:
        stages = [s["name"] for s in summary["stages"]]
        endings = [e["name"] for e in summary["endings"]]
        deadlines = tuple((d["name"], d["stage"]) for d in summary["deadlines"])
    except (KeyError, TypeError):
        raise DiscoveryError(f"{where / 'sweep.json'}: lacks its stages or deadlines") from None
    outcomes = (*stages, *endings)
    records = [log.records[i] for i in range(len(log.records))]
    try:
        counts = np.array(
            [[[r.counts[d][o] for o in outcomes] for d, _ in deadlines] for r in records],
            dtype=np.int64,
        )
    except KeyError:
        raise DiscoveryError(
            f"{where / LOG_NAME}: its counts do not match sweep.json; the folder is damaged"
        ) from None
    keys = tuple(str(p["key"]) for p in params)
    return SweepData(
        keys=keys,
        bounds={str(p["key"]): _bounds(p) for p in params},
        values=tuple(dict(r.values) for r in records),
        deadlines=deadlines,
        outcomes=outcomes,
        counts=counts,
        runs=records[0].runs,
        source=str(where),
    )


@dataclass(frozen=True, slots=True)
class Peel:
    """One box of the peeling trajectory.

    Attributes
    ----------
    coverage, density, mass : float
        Share of the cases of interest in the box; share of the box's points that are cases
        of interest; share of all points in the box.
    restricted : int
        How many parameters the box restricts.
    points, cases : int
        Points in the box, and cases of interest among them.
    """

    coverage: float
    density: float
    mass: float
    restricted: int
    points: int
    cases: int


@dataclass(frozen=True, slots=True)
class BoxLimit:
    """A limit the chosen box puts on one parameter.

    Attributes
    ----------
    key : str
        The parameter.
    low, high : float
        The box's limits (for a choice: ``values`` instead).
    full_low, full_high : float
        The parameter's range over the sweep.
    values : tuple
        For a choice parameter, the values the box keeps.
    qp_low, qp_high : float or None
        The quasi-p values of the lower and upper limits (``None`` for a limit not moved).
    """

    key: str
    low: float
    high: float
    full_low: float
    full_high: float
    values: tuple[Scalar, ...] = ()
    qp_low: float | None = None
    qp_high: float | None = None

    @property
    def qp(self) -> float | None:
        """The smaller quasi-p value of the box's two limits on this parameter."""
        found = [q for q in (self.qp_low, self.qp_high) if q is not None]
        return min(found) if found else None


@dataclass(frozen=True)
class Discovery:
    """A PRIM box: where the swept parameters make an outcome likely (or unlikely).

    Attributes
    ----------
    deadline, outcome : str
        The deadline, and the stage or ending P(... by the deadline) is of.
    direction : {"above", "below"}
        Cases of interest are the points with P at least (``above``) or at most (``below``)
        ``cutoff``.
    cutoff : float
        That probability.
    density_threshold : float
        The density the chosen box had to reach.
    points, cases : int
        Points in the sweep, and cases of interest among them.
    runs : int
        Runs per point.
    trajectory : tuple of Peel
        The peeling trajectory.
    chosen : int
        The index of the chosen box in it.
    limits : tuple of BoxLimit
        The chosen box's restrictions, most significant first.
    met_threshold : bool
        Whether the chosen box reached the density threshold.
    peel_alpha : float
        The share of points peeled at each step.
    prim : object
        EMA Workbench's ``PrimBox`` (for its own plots and ``inspect``); left out of
        comparisons.
    """

    deadline: str
    outcome: str
    direction: str
    cutoff: float
    density_threshold: float
    points: int
    cases: int
    runs: int
    trajectory: tuple[Peel, ...]
    chosen: int
    limits: tuple[BoxLimit, ...]
    met_threshold: bool
    peel_alpha: float = 0.05
    prim: Any = field(default=None, repr=False, compare=False)

    @property
    def box(self) -> Peel:
        """The chosen box's statistics."""
        return self.trajectory[self.chosen]

    def describe(self) -> str:
        """The question asked, as one line of text."""
        sign = ">=" if self.direction == "above" else "<="
        return (
            f"P({self.outcome} by {self.deadline}) {sign} {self.cutoff:g}: {self.cases} of "
            f"{self.points} points ({self.runs} runs each)"
        )

    def to_json(self) -> dict[str, Any]:
        """The discovery as ``discovery.json``."""

        def num(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else x

        return {
            "experiment": "discovery",
            "method": "PRIM (EMA Workbench), lenient1 objective",
            "deadline": self.deadline,
            "outcome": self.outcome,
            "direction": self.direction,
            "cutoff": self.cutoff,
            "density_threshold": self.density_threshold,
            "peel_alpha": self.peel_alpha,
            "points": self.points,
            "cases_of_interest": self.cases,
            "runs_per_point": self.runs,
            "chosen_box": self.chosen,
            "met_threshold": self.met_threshold,
            "box": {
                "coverage": self.box.coverage,
                "density": self.box.density,
                "mass": self.box.mass,
                "restricted": self.box.restricted,
                "limits": [
                    {
                        "key": b.key,
                        "low": b.low,
                        "high": b.high,
                        "full_low": b.full_low,
                        "full_high": b.full_high,
                        "values": list(b.values) or None,
                        "qp_low": num(b.qp_low),
                        "qp_high": num(b.qp_high),
                    }
                    for b in self.limits
                ],
            },
            "trajectory": [
                {
                    "box": i,
                    "coverage": p.coverage,
                    "density": p.density,
                    "mass": p.mass,
                    "restricted": p.restricted,
                    "points": p.points,
                    "cases": p.cases,
                }
                for i, p in enumerate(self.trajectory)
            ],
        }


def discover(
    sweep: SweepResult | SweepData,
    deadline: str,
    *,
    outcome: str | None = None,
    above: float | None = None,
    below: float | None = None,
    density: float = 0.8,
    peel_alpha: float | None = None,
    mass_min: float = 0.05,
) -> Discovery:
    """Find the box of swept parameters where P(outcome by ``deadline``) is high (or low).

    Parameters
    ----------
    sweep : SweepResult or SweepData
        A finished sweep (:func:`load_sweep` reads one from its folder).
    deadline : str
        The deadline.
    outcome : str, optional
        A stage or an ending (default: the deadline's own stage).
    above, below : float, optional
        Cases of interest are the points with P >= ``above``, or P <= ``below`` (give one;
        default ``above=0.5``).
    density : float, default 0.8
        The density the chosen box should reach (see the module notes).
    peel_alpha : float, optional
        The share of points PRIM peels at each step: by default 0.05, or enough for two points
        when there are fewer than 40 (a smaller peel removes no point, and PRIM stops at once).
    mass_min : float, default 0.05
        The smallest box, as a share of the points.

    Returns
    -------
    Discovery
        The trajectory, the chosen box, its limits and their quasi-p values.

    Raises
    ------
    DiscoveryError
        For an unknown deadline or outcome, a bad cutoff, or no case of interest (or only
        cases of interest): one line.
    EmaMissing
        If EMA Workbench is not installed.
    """
    data = sweep if isinstance(sweep, SweepData) else SweepData.of(sweep)
    if above is not None and below is not None:
        raise DiscoveryError("give --above or --below, not both")
    direction, cutoff = ("below", below) if below is not None else ("above", above)
    cutoff = 0.5 if cutoff is None else cutoff
    if not (math.isfinite(cutoff) and 0.0 <= cutoff <= 1.0):
        raise DiscoveryError(f"--{direction}: a probability in [0, 1], got {cutoff}")
    if not (math.isfinite(density) and 0.0 < density <= 1.0):
        raise DiscoveryError(f"--density: a share in (0, 1], got {density}")
    p = data.probability(deadline, outcome)
    name = outcome if outcome is not None else dict(data.deadlines)[deadline]
    y = p >= cutoff if direction == "above" else p <= cutoff
    cases = int(y.sum())
    sign = ">=" if direction == "above" else "<="
    if cases == 0 or cases == len(y):
        which = "no" if cases == 0 else "every"
        raise DiscoveryError(
            f"{which} point has P({name} by {deadline}) {sign} {cutoff:g} (P runs from "
            f"{p.min():.3g} to {p.max():.3g} over {len(y)} points): nothing to tell apart; "
            f"choose another --{direction}"
        )
    if peel_alpha is None:
        peel_alpha = max(0.05, 2.0 / len(y))
    if not (math.isfinite(peel_alpha) and 0.0 < peel_alpha < 0.5):
        raise DiscoveryError(f"--peel-alpha: a share in (0, 0.5), got {peel_alpha}")
    prim_module = import_ema("ema_workbench.analysis.prim")
    pandas = import_ema("pandas")
    x = pandas.DataFrame({key: [v[key] for v in data.values] for key in data.keys})
    for key in data.keys:
        if x[key].dtype == object or x[key].dtype == bool:
            x[key] = x[key].astype(str)
        elif x[key].dtype.kind in "iu":
            # PRIM's pasting writes midpoints (9.5) into the column: give it floats.
            x[key] = x[key].astype(np.float64)
    # PRIM's own log lines (at INFO) are not ours to print.
    logging.getLogger("EMA").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        # EMA Workbench 2.5 uses pandas features pandas 3 deprecates: not the user's concern.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        prim = prim_module.Prim(
            x,
            y.astype(int),
            threshold=density,
            peel_alpha=peel_alpha,
            mass_min=mass_min,
        )
        box = prim.find_box()
        box.select(chosen := _choose(_trajectory(box), density)[0])
    trajectory = _trajectory(box)
    met = trajectory[chosen].density >= density
    limits = _limits(box, chosen, data)
    return Discovery(
        deadline=deadline,
        outcome=name,
        direction=direction,
        cutoff=cutoff,
        density_threshold=density,
        points=len(y),
        cases=cases,
        runs=data.runs,
        trajectory=trajectory,
        chosen=chosen,
        limits=limits,
        met_threshold=met,
        peel_alpha=peel_alpha,
        prim=box,
    )


def discover_folder(folder: str | os.PathLike[str], deadline: str, **options: Any) -> Discovery:
    """:func:`discover` on the sweep in ``folder`` (its ``--out`` folder)."""
    return discover(load_sweep(folder), deadline, **options)


def _trajectory(box: Any) -> tuple[Peel, ...]:
    return tuple(
        Peel(
            coverage=float(row["coverage"]),
            density=float(row["density"]),
            mass=float(row["mass"]),
            restricted=int(row["res_dim"]),
            points=int(row["n"]),
            cases=int(row["k"]),
        )
        for _, row in box.peeling_trajectory.iterrows()
    )


def _choose(trajectory: tuple[Peel, ...], density: float) -> tuple[int, bool]:
    """The box of highest coverage reaching ``density`` (fewest restrictions, then first)."""
    dense = [i for i, p in enumerate(trajectory) if p.density >= density]
    if dense:
        best = max(dense, key=lambda i: (trajectory[i].coverage, -trajectory[i].restricted, -i))
        return best, True
    best = max(range(len(trajectory)), key=lambda i: (trajectory[i].density, -i))
    return best, False


def _limits(box: Any, chosen: int, data: SweepData) -> tuple[BoxLimit, ...]:
    lims = box.box_lims[chosen]
    first = box.box_lims[0]
    qp = box.qp[chosen]
    found = []
    for key in data.keys:
        if key not in lims.columns:
            continue
        low, high = lims[key].iloc[0], lims[key].iloc[1]
        full_low, full_high = first[key].iloc[0], first[key].iloc[1]
        if isinstance(low, set):  # a categorical parameter: the kept values
            if low == full_low:
                continue
            kept = tuple(sorted(low, key=str))
            q = [v for v in qp.get(key, []) if v is not None and v >= 0]
            found.append(
                BoxLimit(key, math.nan, math.nan, math.nan, math.nan, kept, min(q) if q else None)
            )
            continue
        if low == full_low and high == full_high:
            continue
        bounds = data.bounds.get(key)
        design_low, design_high = bounds if bounds is not None else (full_low, full_high)
        qp_low, qp_high = [*qp.get(key, []), -1, -1][:2]
        found.append(
            BoxLimit(
                key,
                float(low),
                float(high),
                float(design_low),
                float(design_high),
                (),
                float(qp_low) if low != full_low and qp_low >= 0 else None,
                float(qp_high) if high != full_high and qp_high >= 0 else None,
            )
        )
    found.sort(key=lambda b: (b.qp if b.qp is not None else 1.0, b.key))
    return tuple(found)
