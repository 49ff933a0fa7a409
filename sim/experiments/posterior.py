"""A posterior sample of scenario parameters: its file, its summaries, and runs that draw from it.

A calibration (:mod:`sim.experiments.calibrate`) ends with a weighted sample of parameter
sets. :class:`Posterior` holds it; it is written as ``posterior.csv`` (never a pickle)::

    weight,actors.united_states.tempo_days,actors.russia.tempo_days
    0.0051,9.84,11.2
    ...

one row per particle: its weight (the weights need not sum to 1), then one column per
calibrated key, as ``--set`` takes it. :func:`read_posterior` reads such a file and checks
it against a scenario (every column a number of the scenario, every value valid for it).

Forecasts that integrate the parameter uncertainty (``negsim run --posterior FILE``): run
``i`` of seed ``S`` takes the parameter set :meth:`Posterior.draw` picks for ``(S, i)``,
with probability proportional to its weight, and then simulates run ``i`` of ``S`` as any
run does. The draw is keyed by ``(S, i)`` alone, so the results are identical whatever the
number of workers or the chunking.
"""

from __future__ import annotations

import csv
import io
import math
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from sim.errors import InputError, one_line
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import with_overrides
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.experiments.tasks import Outcomes

__all__ = [
    "DRAW_KEY",
    "MAX_BYTES",
    "Posterior",
    "PosteriorError",
    "posterior_task",
    "read_posterior",
    "simulate_posterior_runs",
    "weighted_quantile",
]

FloatArray = npt.NDArray[np.float64]

#: The first word of the spawn key of a posterior draw: ``SeedSequence(S, spawn_key=(DRAW_KEY,
#: i))``. Run ``i``'s own seed sequence is ``spawn_key=(i,)``: the two never coincide.
DRAW_KEY = 0x706F7374  # "post"

#: The largest posterior file read, in bytes (a calibration's is a few hundred kB at most).
MAX_BYTES = 32 * 1024 * 1024


class PosteriorError(InputError):
    """A posterior file that cannot be used: unreadable, malformed, or for another scenario."""


def weighted_quantile(
    values: FloatArray, weights: FloatArray, q: float | Sequence[float]
) -> FloatArray:
    """Quantiles of a weighted sample (the inverse of its weighted empirical CDF, interpolated).

    Parameters
    ----------
    values, weights
        The sample and its non-negative weights.
    q
        Probabilities in [0, 1].
    """
    order = np.argsort(values, kind="stable")
    v = np.asarray(values, dtype=np.float64)[order]
    w = np.asarray(weights, dtype=np.float64)[order]
    cumulative = np.cumsum(w) - 0.5 * w
    cumulative /= w.sum()
    return np.asarray(np.interp(np.atleast_1d(q), cumulative, v), dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Posterior:
    """A weighted sample of parameter sets.

    Attributes
    ----------
    keys
        The calibrated keys, as ``--set`` takes them.
    values
        One row per particle, one column per key.
    weights
        The particles' weights, normalised to sum to 1.
    source
        Where it was read from, for messages.
    """

    keys: tuple[str, ...]
    values: FloatArray
    weights: FloatArray
    source: str = "<posterior>"

    def __post_init__(self) -> None:
        values = np.asarray(self.values, dtype=np.float64)
        weights = np.asarray(self.weights, dtype=np.float64)
        if values.ndim != 2 or values.shape != (len(weights), len(self.keys)):
            raise ValueError(
                f"values must be (particles, keys) = ({len(weights)}, {len(self.keys)}), "
                f"got {values.shape}"
            )
        if len(weights) == 0:
            raise ValueError("a posterior needs at least one particle")
        if not (np.all(np.isfinite(weights)) and np.all(weights >= 0) and weights.sum() > 0):
            raise ValueError("weights must be finite, non-negative, and not all zero")
        if not np.all(np.isfinite(values)):
            raise ValueError("values must be finite")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "weights", weights / weights.sum())
        self._cumulative: FloatArray
        object.__setattr__(self, "_cumulative", np.cumsum(self.weights))

    def __len__(self) -> int:
        return len(self.weights)

    def draw(self, seed: int, run: int) -> int:
        """The row run ``run`` of seed ``seed`` takes: by weight, keyed by ``(seed, run)``."""
        sequence = np.random.SeedSequence(seed, spawn_key=(DRAW_KEY, run))
        u = float(np.random.default_rng(sequence).random())
        row = int(np.searchsorted(self._cumulative, u * self._cumulative[-1], side="right"))
        return min(row, len(self.weights) - 1)

    def parameters(self, row: int) -> dict[str, float]:
        """The parameter set of one row, by key."""
        return {k: float(v) for k, v in zip(self.keys, self.values[row], strict=True)}

    def quantiles(self, q: float | Sequence[float]) -> FloatArray:
        """Per key (columns), the weighted quantiles ``q`` (rows)."""
        return np.column_stack(
            [weighted_quantile(self.values[:, j], self.weights, q) for j in range(len(self.keys))]
        )

    def median(self) -> dict[str, float]:
        """The weighted median of each key."""
        return {k: float(v) for k, v in zip(self.keys, self.quantiles(0.5)[0], strict=True)}

    def csv_text(self) -> str:
        """The sample as ``posterior.csv`` (``repr`` of each float: read back exactly)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["weight", *self.keys])
        for w, row in zip(self.weights, self.values, strict=True):
            writer.writerow([repr(float(w)), *(repr(float(v)) for v in row)])
        return out.getvalue()

    def check(self, scenario: Scenario) -> None:
        """Check that every key is a number of ``scenario`` and every value valid for it.

        Raises
        ------
        PosteriorError
            Naming the file, the key and what is wrong.
        """
        from sim.scenario.keys import settings

        numbers = {s.key for s in settings(scenario) if s.type == "number"}
        for key in self.keys:
            if key not in numbers:
                raise PosteriorError(
                    f"{self.source}: column {key} is not a number of the scenario "
                    f"{scenario.name} ({scenario.source}): the posterior is for another scenario"
                )
        for j, key in enumerate(self.keys):
            for value in (self.values[:, j].min(), self.values[:, j].max()):
                try:
                    with_overrides(scenario, {key: float(value)})
                except ScenarioError as exc:
                    raise PosteriorError(
                        f"{self.source}: {key} = {value:g} is not valid for {scenario.name}: "
                        f"{exc.problems[0].message}"
                    ) from None


def _fail(path: Path, what: str) -> PosteriorError:
    return PosteriorError(f"{one_line(str(path))}: {what}")


def _read_text(path: Path, max_bytes: int) -> str:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise _fail(path, "no such file") from None
    except OSError as exc:
        raise _fail(path, f"cannot read it ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise _fail(path, "is a folder, not a posterior file")
    if not stat.S_ISREG(info.st_mode):
        # A FIFO or a device would block or never end: only regular files are read.
        raise _fail(path, "is not a regular file (a pipe or a device?)")
    if info.st_size > max_bytes:
        raise _fail(path, f"too large ({info.st_size} bytes; at most {max_bytes})")
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise _fail(path, f"cannot read it ({exc.strerror})") from None
    if len(data) > max_bytes:
        raise _fail(path, f"too large (over {max_bytes} bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _fail(path, "not UTF-8 text (a posterior.csv written by negsim calibrate?)") from None


def read_posterior(
    path: str | os.PathLike[str], scenario: Scenario | None = None, *, max_bytes: int = MAX_BYTES
) -> Posterior:
    """Read ``posterior.csv`` and, given a scenario, check that it belongs to it.

    Raises
    ------
    PosteriorError
        One line naming the file and what is wrong: missing, not a regular file, too large,
        not UTF-8, not the expected columns, a value that is not a finite number, a negative
        weight, no rows; or, with a scenario, a key it has not or a value it refuses.
    """
    file = Path(path)
    text = _read_text(file, max_bytes)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise _fail(file, f"not a CSV file ({exc})") from None
    rows = [r for r in rows if r]
    if not rows:
        raise _fail(file, "empty: expected a header 'weight,KEY,...' and one row per particle")
    header = [h.strip() for h in rows[0]]
    if len(header) < 2 or header[0] != "weight":
        raise _fail(
            file, f"expected a header 'weight,KEY,...', got {one_line(','.join(header)[:80])!r}"
        )
    keys = header[1:]
    if any(not k for k in keys) or len(set(keys)) != len(keys):
        raise _fail(file, "the header names a key twice or leaves one empty")
    if len(rows) == 1:
        raise _fail(file, "no particles: the header is the only line")
    table = np.empty((len(rows) - 1, len(header)))
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise _fail(file, f"line {i}: {len(row)} fields, expected {len(header)}")
        for j, cell in enumerate(row):
            try:
                value = float(cell)
            except ValueError:
                raise _fail(
                    file, f"line {i}: {header[j]} is not a number: {one_line(cell[:40])!r}"
                ) from None
            if not math.isfinite(value):
                raise _fail(file, f"line {i}: {header[j]} is not finite ({cell.strip()})")
            table[i - 2, j] = value
    weights = table[:, 0]
    if np.any(weights < 0):
        bad = int(np.argmax(weights < 0)) + 2
        raise _fail(file, f"line {bad}: a negative weight")
    if weights.sum() <= 0:
        raise _fail(file, "every weight is 0")
    posterior = Posterior(tuple(keys), table[:, 1:], weights, source=one_line(str(file)))
    if scenario is not None:
        posterior.check(scenario)
    return posterior


def simulate_posterior_runs(
    posterior: Posterior, scenario: Scenario, seed: int, start: int, stop: int
) -> Outcomes:
    """Runs ``start .. stop - 1``, run ``i`` with the parameter set drawn for ``(seed, i)``.

    The Monte Carlo task of ``negsim run --posterior`` (see
    :func:`~sim.experiments.tasks.simulate_runs`, whose outcomes it returns).
    """
    from sim.experiments.summaries import without_calibration
    from sim.experiments.tasks import Outcomes, simulate_runs

    bare = without_calibration(scenario)
    scenarios: dict[int, Scenario] = {}
    parts = []
    for run in range(start, stop):
        row = posterior.draw(seed, run)
        if row not in scenarios:
            scenarios[row] = with_overrides(bare, posterior.parameters(row))
        parts.append(simulate_runs(scenarios[row], seed, run, run + 1))
    return Outcomes.concat(parts)


def posterior_task(posterior: Posterior) -> Callable[[Scenario, int, int, int], Outcomes]:
    """The task ``run_monte_carlo(..., task=...)`` takes to draw each run's parameters.

    A :func:`functools.partial` of a top-level function: it pickles to any worker.
    """
    return partial(simulate_posterior_runs, posterior)


def posterior_from_mapping(
    keys: Sequence[str], rows: Sequence[Mapping[str, float]], weights: Sequence[float]
) -> Posterior:
    """A posterior from parameter sets given by key (for tests and the API)."""
    values = np.array([[float(r[k]) for k in keys] for r in rows], dtype=np.float64)
    return Posterior(tuple(keys), values, np.asarray(weights, dtype=np.float64))
