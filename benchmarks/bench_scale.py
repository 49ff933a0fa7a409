"""Cost per simulated event as the number of actors grows: 12 against 200 actors.

Run from the repository root:

    python benchmarks/bench_scale.py             # about a minute on one core
    python benchmarks/bench_scale.py --actors 12 50 200 400

It builds, in memory, the same negotiation with N actors (a summit: a chair,
and N - 1 parties that meet the chair, blame one another, demand conditions,
try to settle one of three questions, and answer blame with blame), runs it
in one process and prints the time per simulated event for each N and the
ratio to the smallest N, against the issue's target: no more than 1.5x from
12 to 200 actors. Nothing an event does may cost O(N): not the mean stance
(a running sum), not rapport (slots for the pairs that can change), not the
reactions (indexed by the provoking actor).

Timings vary with the machine's load; run it twice and read the ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

from sim.engine import compile_scenario, simulate
from sim.scenario import scenario_from_dict

START = dt.date(2015, 1, 1)
TARGET = 1.5


def summit(n: int) -> dict[str, Any]:
    """A summit of ``n`` actors: a chair and ``n - 1`` parties of the same make."""
    parties = [f"p{i:03d}" for i in range(n - 1)]
    actors: dict[str, Any] = {
        "chair": {
            "tempo_days": 3.0,
            "stance": 0.6,
            "pass_weight": 1.0,
            "actions": {
                "settle": {"kind": "delegation_agreement", "gates": ["text"], "weight": 1.0},
            },
        }
    }
    for i, party in enumerate(parties):
        rival = parties[(i + 1) % len(parties)]
        actors[party] = {
            "tempo_days": 8.0,
            "stance": ((i % 7) - 3) / 5.0,
            "pass_weight": 2.0,
            "influence": 1.0 + (i % 5),
            "actions": {
                "meet_chair": {"kind": "meeting", "partner": "chair", "weight": 1.0},
                "blame": {"kind": "blame_statement", "target": rival, "weight": 0.5},
                "conditions": {"kind": "precondition", "gate": ["text", "money", "rules"][i % 3]},
                "settle": {"kind": "delegation_agreement", "gate": ["money", "rules"][i % 2]},
            },
            "reactions": {
                "answer": {
                    "on": "blame_statement",
                    "by": [parties[(i - 1) % len(parties)]],
                    "respond": "blame_statement",
                    "probability": 0.5,
                    "delay_days": [0, 2],
                }
            },
        }
    return {
        "name": f"summit_{n}",
        "start": START,
        "horizon": START + dt.timedelta(days=365),
        "initial": {"readiness": 0.3},
        "stages": {"adopted": {"threshold": 0.9}},
        "gates": {g: {"contention": 0.3} for g in ("text", "money", "rules")},
        "effects": {
            "meeting": {"readiness": 0.01, "stance_self": 0.01, "rapport": 0.05},
            "blame_statement": {"readiness": -0.01, "stance_other": -0.01, "rapport": -0.05},
            "precondition": {"readiness": -0.005, "contention": 0.05},
            "delegation_agreement": {"readiness": 0.05, "settle_probability": 0.02},
        },
        "actors": actors,
        "deadlines": {"close": {"date": START + dt.timedelta(days=300)}},
        "world": {"readiness_reversion": 0.01, "stance_pull": 1.0},
        "mechanisms": {"rapport": {"amplification": 1.0}},
    }


def per_event(n: int, runs: int) -> tuple[float, float]:
    """Seconds per simulated event, and events per run, for ``n`` actors (best of 3)."""
    model = compile_scenario(scenario_from_dict(summit(n), source=f"<summit {n}>"))
    best = float("inf")
    events = 0
    for _ in range(3):
        began = time.perf_counter()
        events = sum(simulate(model, 0, i).events for i in range(runs))
        best = min(best, (time.perf_counter() - began) / events)
    return best, events / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, nargs="+", default=[12, 200])
    parser.add_argument("--events", type=int, default=300_000, help="events per measurement")
    args = parser.parse_args()
    rows = []
    for n in args.actors:
        _, per_run = per_event(n, 2)
        runs = max(2, round(args.events / per_run))
        seconds, per_run = per_event(n, runs)
        rows.append((n, seconds, per_run, runs))
    base = rows[0][1]
    print(f"{'actors':>6}  {'runs':>5}  {'events/run':>10}  {'us/event':>8}  ratio")
    for n, seconds, per_run, runs in rows:
        print(f"{n:>6}  {runs:>5}  {per_run:>10.0f}  {seconds * 1e6:>8.2f}  {seconds / base:.2f}x")
    worst = max(seconds for _, seconds, _, _ in rows) / base
    verdict = "met" if worst <= TARGET else "NOT MET"
    print(f"largest ratio {worst:.2f}x (target <= {TARGET}x from 12 to 200 actors): {verdict}")


if __name__ == "__main__":
    main()
