"""Benchmarks of the engine and the Monte Carlo layer, against baselines measured in the same run.

Run from the repository root:

    python benchmarks/bench_engine.py              # all three, about 6 minutes on 2 cores
    python benchmarks/bench_engine.py --quick      # smaller sizes, about 1 minute

It prints:

1. events: the baseline scenario's runs/s and simulated events/s in one
   process, and a bare SimPy loop that processes the same number of events
   with the same number of processes per run; the ratio of time per event
   (target: model within 2x bare SimPy);
2. workers: the speedup of 2 workers over 1 on the same runs (target >= 1.8x);
3. memory: peak resident memory of a 100,000-run Monte Carlo without traces,
   measured in a fresh process (target < 300 MB), against the same process's
   memory right after importing negsim.

Timings vary with the machine and its load; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
import time

import simpy

from sim.engine import compile_scenario, simulate
from sim.experiments.executors import ExecutorSpec
from sim.experiments.montecarlo import run_monte_carlo
from sim.scenario import load_scenario


def bare_simpy(events: int, processes: int, rng: random.Random) -> int:
    """A bare SimPy run: ``processes`` generators sharing ``events`` exponential timeouts."""
    env = simpy.Environment()
    done = [0]
    share, extra = divmod(events, processes)

    def proc(n: int):  # type: ignore[no-untyped-def]
        for _ in range(n):
            yield env.timeout(-math.log1p(-rng.random()) * 5.0)
            done[0] += 1

    for p in range(processes):
        env.process(proc(share + (1 if p < extra else 0)))
    env.run()
    return done[0]


def bench_events(runs: int) -> dict[str, float]:
    scenario = load_scenario()
    model = compile_scenario(scenario)
    # one process per actor, and the war's when it moves (dated events are callbacks)
    processes = len(model.actors) + int(model.war_dynamic)
    counts = []
    began = time.perf_counter()
    for i in range(runs):
        counts.append(simulate(model, seed=1, run=i).events)
    model_time = time.perf_counter() - began
    rng = random.Random(1)
    began = time.perf_counter()
    bare_events = sum(bare_simpy(n, processes, rng) for n in counts)
    bare_time = time.perf_counter() - began
    events = sum(counts)
    assert bare_events == events
    return {
        "runs": runs,
        "events": events,
        "model_runs_per_s": runs / model_time,
        "model_events_per_s": events / model_time,
        "bare_events_per_s": events / bare_time,
        "ratio": model_time / bare_time,
    }


def bench_workers(runs: int) -> dict[str, float]:
    scenario = load_scenario()
    times = {}
    for workers in (1, 2):
        began = time.perf_counter()
        result = run_monte_carlo(scenario, runs, seed=7, executor=ExecutorSpec(workers=workers))
        times[workers] = time.perf_counter() - began
        assert result.runs == runs
    return {"runs": runs, "one_s": times[1], "two_s": times[2], "speedup": times[1] / times[2]}


_MEMORY_CHILD = """
import json, resource, sys
import sim.experiments.montecarlo as mc
from sim.experiments.executors import ExecutorSpec
from sim.scenario import load_scenario
scenario = load_scenario()
after_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result = mc.run_monte_carlo(scenario, int(sys.argv[1]), seed=3, executor=ExecutorSpec(workers=2))
result.deadlines(); result.survival()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"after_import_kb": after_import, "peak_kb": peak, "worker_peak_kb": children,
                  "runs": result.runs, "wall_s": result.wall_time}))
"""


def bench_memory(runs: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_CHILD, str(runs)], check=True, capture_output=True, text=True
    )
    data = json.loads(out.stdout)
    return {
        "runs": data["runs"],
        "after_import_mb": data["after_import_kb"] / 1024,
        "peak_mb": data["peak_kb"] / 1024,
        "worker_peak_mb": data["worker_peak_kb"] / 1024,
        "growth_mb": (data["peak_kb"] - data["after_import_kb"]) / 1024,
        "wall_s": data["wall_s"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about a minute)")
    parser.add_argument(
        "--only", choices=("events", "workers", "memory"), action="append", help="run only these"
    )
    args = parser.parse_args()
    which = args.only or ["events", "workers", "memory"]
    print(f"python {sys.version.split()[0]}")
    if "events" in which:
        r = bench_events(200 if args.quick else 1000)
        print(
            f"events: {r['runs']} runs, {r['events']} events: "
            f"model {r['model_runs_per_s']:.0f} runs/s, "
            f"{r['model_events_per_s']:,.0f} events/s; bare SimPy {r['bare_events_per_s']:,.0f} "
            f"events/s; model/bare time per event = {r['ratio']:.2f}x (target <= 2)"
        )
    if "workers" in which:
        r = bench_workers(1000 if args.quick else 4000)
        print(
            f"workers: {r['runs']} runs: 1 worker {r['one_s']:.1f} s, "
            f"2 workers {r['two_s']:.1f} s; "
            f"speedup {r['speedup']:.2f}x (target >= 1.8)"
        )
    if "memory" in which:
        r = bench_memory(10_000 if args.quick else 100_000)
        print(
            f"memory: {r['runs']} runs in {r['wall_s']:.0f} s: peak {r['peak_mb']:.0f} MB "
            f"(after import {r['after_import_mb']:.0f} MB, growth {r['growth_mb']:.0f} MB; "
            f"largest worker {r['worker_peak_mb']:.0f} MB) (target < 300 MB)"
        )


if __name__ == "__main__":
    main()
