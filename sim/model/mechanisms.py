"""Time-driven dynamics: readiness between events, the war, focal dates.

Between events, readiness log-odds ``x`` follow a deterministic ordinary
differential equation, solved exactly by :func:`relax` (and :func:`advance`)::

    dx/dt = -reversion * (x - rest) + drift

- ``rest`` (:func:`rest_logit`) is where readiness settles without fresh
  effort: the scenario's ``readiness_mean`` shifted by the actors' average
  stance (``stance_pull``). Events give shocks that fade; attitudes last.
- ``drift`` (:func:`readiness_drift`) is the sum of two mechanisms: the
  ripeness of a mutually hurting stalemate (up) and the narrowing of the
  space for talks by continuing violence (down).

Violence and the military balance change only through actions and through
the war's periodic random step, :func:`war_step` (Ornstein–Uhlenbeck).
:func:`near_focal_date` tells whether a focal date is close.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from sim.model.params import Mechanisms, World
from sim.model.state import State, logistic

__all__ = [
    "advance",
    "crossing_time",
    "near_focal_date",
    "ou_step",
    "readiness_drift",
    "relax",
    "rest_logit",
    "war_step",
]

# Building the state with tuple.__new__ skips NamedTuple's Python-level __new__.
_new = tuple.__new__


def ou_step(
    x: float, mean: float, reversion: float, volatility: float, dt: float, z: float
) -> float:
    """Advance an Ornstein–Uhlenbeck process exactly by ``dt`` days.

    Parameters
    ----------
    x
        Current value.
    mean
        Long-run mean.
    reversion
        Mean-reversion rate, per day (0: a random walk).
    volatility
        Noise, per square-root day.
    dt
        Time step, in days.
    z
        A standard normal draw.
    """
    if reversion > 0.0:
        # expm1 keeps the variance exact as reversion -> 0 (the random-walk limit).
        variance = -math.expm1(-2.0 * reversion * dt) / (2.0 * reversion)
        return mean + (x - mean) * math.exp(-reversion * dt) + volatility * math.sqrt(variance) * z
    return x + volatility * math.sqrt(dt) * z


def readiness_drift(state: State, mechanisms: Mechanisms) -> float:
    """Rate of change of readiness log-odds from ripeness and narrowing, per day.

    Ripeness adds ``rate * violence * (1 - balance**2)``: both sides hurt and
    neither expects to win. Narrowing subtracts ``rate * violence``.
    """
    violence = logistic(state.violence_logit)
    drift = 0.0
    if mechanisms.ripeness.enabled:
        balance = math.tanh(state.balance_latent)
        drift += mechanisms.ripeness.rate * violence * (1.0 - balance * balance)
    if mechanisms.narrowing.enabled:
        drift -= mechanisms.narrowing.rate * violence
    return drift


def rest_logit(state: State, world: World) -> float:
    """Where readiness log-odds settle without events.

    ``logit(readiness_mean) + stance_pull * mean stance``, the mean of the
    active actors' stances in [-1, 1], weighted by their influence
    (:meth:`~sim.model.state.State.mean_stance`, kept as a running sum: it
    costs the same whatever the number of actors).
    """
    rest = math.log(world.readiness_mean / (1.0 - world.readiness_mean))
    if world.stance_pull:
        rest += world.stance_pull * state.mean_stance()
    return rest


def relax(state: State, rest: float, reversion: float, drift: float, dt: float) -> State:
    """Readiness after ``dt`` days without events, all else unchanged.

    The exact solution of ``dx/dt = -reversion * (x - rest) + drift`` for
    constant ``rest`` and ``drift``::

        x(dt) = x + (rest - x) * m + drift * m / reversion,  m = 1 - exp(-reversion * dt)

    which tends to ``x + drift * dt`` as ``reversion -> 0`` (and is computed
    so, without cancellation, for any non-negative reversion).
    """
    # Concatenation, not unpacking: this runs at every event and is faster.
    x = _relaxed(state.readiness_logit, rest, reversion, drift, dt)
    return _new(State, (x,) + state[1:])  # noqa: RUF005


def _relaxed(x: float, rest: float, reversion: float, drift: float, dt: float) -> float:
    if reversion > 0.0:
        m = -math.expm1(-reversion * dt)
        # m / reversion -> dt as reversion -> 0; at tiny rates compute it as such.
        per_rate = m / reversion if m > 0.0 else dt
        return x + (rest - x) * m + drift * per_rate
    return x + drift * dt


def crossing_time(x: float, level: float, rest: float, reversion: float, drift: float) -> float:
    """How long until readiness log-odds ``x``, moving as in :func:`relax`, reach ``level``.

    Returns ``math.inf`` if they never do (they move away from it, or settle
    short of it). The engine uses this to apply the convening rule at the
    moment readiness crosses a threshold between events.
    """
    gap = level - x
    if gap == 0.0:
        return 0.0
    # Speed toward the level at the start, and the distance to the attractor
    # times the rate: dx/dt = (rest - x) * reversion + drift.
    speed = (rest - x) * reversion + drift
    if speed == 0.0 or (speed > 0.0) != (gap > 0.0):
        return math.inf
    if reversion <= 0.0:
        return gap / speed
    fraction = gap * reversion / speed  # the share of the way to the attractor
    if fraction >= 1.0:
        return math.inf
    return -math.log1p(-fraction) / reversion


def advance(state: State, world: World, mechanisms: Mechanisms, dt: float) -> State:
    """Readiness after ``dt`` days without events (see :func:`relax`)."""
    return relax(
        state,
        rest_logit(state, world),
        world.readiness_reversion,
        readiness_drift(state, mechanisms),
        dt,
    )


def war_step(state: State, world: World, dt: float, z_violence: float, z_balance: float) -> State:
    """The war's random step over ``dt`` days: violence and the balance move.

    Violence log-odds and the balance's latent value each take an exact
    Ornstein–Uhlenbeck step (:func:`ou_step`) toward their means with the
    given standard normal draws; violence's mean is the state's (a ceasefire
    moves it). Readiness is not touched (see :func:`relax`).
    """
    violence_logit = ou_step(
        state.violence_logit,
        state.violence_mean_logit,
        world.violence_reversion,
        world.violence_volatility,
        dt,
        z_violence,
    )
    balance_latent = ou_step(
        state.balance_latent,
        math.atanh(world.balance_mean),
        world.balance_reversion,
        world.balance_volatility,
        dt,
        z_balance,
    )
    return state._replace(violence_logit=violence_logit, balance_latent=balance_latent)


def near_focal_date(
    now: float, focal_days: Iterable[float], target_day: float, window: float
) -> bool:
    """Whether a focal date is near: within ``window`` days ahead of ``now``, or today.

    A focal date counts from ``window`` days before it to the end of its own
    day (a summit's own day draws effort too): ``now - 1 < day <= now + window``.

    Parameters
    ----------
    now
        The current time, in days.
    focal_days
        The focal dates, in days (a focal deadline where it stands now).
    target_day
        The latest target date set by an actor (``math.inf`` for none).
    window
        How many days ahead a focal date draws effort.
    """
    if now - 1.0 < target_day <= now + window:
        return True
    return any(now - 1.0 < day <= now + window for day in focal_days)
