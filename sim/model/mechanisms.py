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
from bisect import bisect_left
from collections.abc import Sequence

from sim.model.params import Mechanisms, World
from sim.model.state import State, logistic

__all__ = [
    "advance",
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
        decay = math.exp(-reversion * dt)
        sd = volatility * math.sqrt((1.0 - decay * decay) / (2.0 * reversion))
        return mean + (x - mean) * decay + sd * z
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

    ``logit(readiness_mean) + stance_pull * mean stance``, the mean taken over
    all actors' stances in [-1, 1].
    """
    rest = math.log(world.readiness_mean / (1.0 - world.readiness_mean))
    if world.stance_pull and state.stance_latent:
        stances = state.stance_latent
        rest += world.stance_pull * math.fsum(math.tanh(s) for s in stances) / len(stances)
    return rest


def relax(state: State, rest: float, reversion: float, drift: float, dt: float) -> State:
    """Readiness after ``dt`` days without events, all else unchanged.

    The exact solution of ``dx/dt = -reversion * (x - rest) + drift`` for
    constant ``rest`` and ``drift``: with ``reversion > 0``, ``x`` moves
    toward ``rest + drift / reversion`` by the factor ``exp(-reversion *
    dt)``; with no reversion it moves by ``drift * dt``.
    """
    x = state.readiness_logit
    if reversion > 0.0:
        target = rest + drift / reversion
        x = target + (x - target) * math.exp(-reversion * dt)
    else:
        x += drift * dt
    return _new(State, (x, *state[1:]))


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
    given standard normal draws. Readiness is not touched (see :func:`relax`).
    """
    violence_logit = ou_step(
        state.violence_logit,
        math.log(world.violence_mean / (1.0 - world.violence_mean)),
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
    now: float, focal_days: Sequence[float], target_day: float, window: float
) -> bool:
    """Whether a focal date falls within ``window`` days from ``now`` (inclusive).

    Parameters
    ----------
    now
        The current time, in days.
    focal_days
        The scenario's focal dates, in days, sorted ascending.
    target_day
        The latest target date set by an actor (``math.inf`` for none).
    window
        How many days ahead a focal date draws effort.
    """
    if now <= target_day <= now + window:
        return True
    i = bisect_left(focal_days, now)
    return i < len(focal_days) and focal_days[i] <= now + window
