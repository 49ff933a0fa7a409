"""The world's own dynamics and the time-driven mechanisms.

:func:`world_step` advances the war (violence and the military balance) and
applies the two mechanisms that act through time rather than through actions:
the ripeness of a mutually hurting stalemate and the narrowing of the space
for talks by continuing violence. :func:`near_focal_date` tells whether a
focal date is close, for the focal-dates mechanism.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence

from sim.model.params import Mechanisms, World
from sim.model.state import State, logistic

__all__ = ["near_focal_date", "ou_step", "readiness_drift", "world_step"]


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


def world_step(
    state: State,
    world: World,
    mechanisms: Mechanisms,
    dt: float,
    z_violence: float,
    z_balance: float,
) -> State:
    """Advance the world by ``dt`` days.

    Readiness first relaxes toward its mean (exactly, ``x' = mean + (x -
    mean) * exp(-reversion * dt)``), then drifts by the ripeness and
    narrowing of the step's starting state (an explicit Euler step over
    ``dt``); violence and the balance take their Ornstein–Uhlenbeck steps with
    the given normal draws.
    """
    readiness_logit = state.readiness_logit
    if world.readiness_reversion > 0.0:
        mean = math.log(world.readiness_mean / (1.0 - world.readiness_mean))
        readiness_logit = mean + (readiness_logit - mean) * math.exp(
            -world.readiness_reversion * dt
        )
    readiness_logit += readiness_drift(state, mechanisms) * dt
    violence_mean = math.log(world.violence_mean / (1.0 - world.violence_mean))
    violence_logit = ou_step(
        state.violence_logit,
        violence_mean,
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
    return state._replace(
        readiness_logit=readiness_logit,
        violence_logit=violence_logit,
        balance_latent=balance_latent,
    )


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
