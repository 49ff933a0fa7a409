"""How long a game of ``negsim play`` takes: turns per exercise and actor, and time per screen.

Run from the repository root:

    python benchmarks/play_length.py              # about a minute on one core
    python benchmarks/play_length.py --seeds 5 --exercise 06_play

Three measurements, printed as tables:

1. **Turns** (the player's own decisions) for every actor of every exercise,
   with the default ``--turns 15`` and with ``--turns all``, over seeds
   ``0 .. S-1``: the fewest, the median and the most. The player is the
   model here (``m`` at every turn): the decision times do not depend on who
   chooses, and the run is then the simulated run, so the counts are those a
   class will see up to how the choices move the end (a game stops early when
   its last stage is reached).
2. **Machine time per screen**: a scripted session (exercise 6 as Russia,
   seed 3, with ``h``, ``o`` and a choice at every turn, piped) timed without
   its comparison, divided by the screens it printed; and the comparison's own
   time (200 simulated runs).
3. **Length of a game**: turns x (reading time + machine time per screen) +
   the comparison, with the reading time an assumption (30 s a screen by
   default, ``--reading``): what docs/TEACHING.md quotes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sim.cli import main
from sim.cli.play.session import PlaySession
from sim.cli.play.turns import DEFAULT_TURNS
from sim.engine import compile_scenario, simulate
from sim.experiments.executors import ExecutorSpec
from sim.experiments.montecarlo import run_monte_carlo
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def turns_taken(file: Path, actor: str, turns: int | None, seed: int) -> int:
    """The player's turns in one game where the model chooses at every turn."""
    scenario = load_scenario(str(file))
    session = PlaySession(
        scenario, actor, input=io.StringIO("m\n" * 10_000), output=io.StringIO(), turns=turns
    )
    simulate(compile_scenario(scenario), seed, players={actor: session})
    return sum(c.by.turn for c in session.choices)


@dataclass(frozen=True)
class Row:
    """One actor of one exercise: (fewest, median, most) turns over the seeds, and seed 3's."""

    exercise: str
    actor: str
    default: tuple[int, float, int]
    default_seed3: int
    every: tuple[int, float, int]
    every_seed3: int


def turn_table(seeds: int, only: str | None) -> list[Row]:
    """Per exercise and actor: turns with the default and with every decision a turn."""
    rows = []
    for file in sorted((ROOT / "scenarios" / "exercises").glob("*.toml")):
        if only and only not in file.stem:
            continue
        scenario = load_scenario(str(file))
        for actor in scenario.actors:
            spreads = []
            for turns in (DEFAULT_TURNS, None):
                counts = [turns_taken(file, actor.id, turns, s) for s in range(seeds)]
                spread = (min(counts), float(statistics.median(counts)), max(counts))
                spreads.append((spread, turns_taken(file, actor.id, turns, 3)))
            (default, default3), (every, every3) = spreads
            rows.append(Row(file.stem, actor.id, default, default3, every, every3))
    return rows


def screen_time(runs: int = 200) -> dict[str, float]:
    """Machine time per screen of a scripted session, and of the comparison's simulated runs."""
    answers = "h\no\n1\n" * 40
    argv = ["play", "exercises/06_play.toml", "--as", "russia", "--seed", "3", "--quiet"]
    stdin = sys.stdin
    try:
        for _ in range(2):  # the first pays for imports and caches: time the second
            out = io.StringIO()
            sys.stdin = io.StringIO(answers)
            with contextlib.redirect_stdout(out):
                start = time.perf_counter()
                assert main([*argv, "--runs", "1"]) == 0
                session = time.perf_counter() - start
    finally:
        sys.stdin = stdin
    screens = out.getvalue().count("Your choice (")
    scenario = load_scenario("exercises/06_play.toml")
    start = time.perf_counter()
    run_monte_carlo(scenario, runs, 3, executor=ExecutorSpec(workers=1))
    comparison = time.perf_counter() - start
    return {"screens": screens, "per_screen_s": session / screens, "comparison_s": comparison}


def main_(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeds per actor (default 20)")
    parser.add_argument("--exercise", default=None, help="only exercises whose name has this")
    parser.add_argument(
        "--reading", type=float, default=30.0, help="seconds a player reads a screen (30)"
    )
    args = parser.parse_args(argv)
    timing = screen_time()
    print(
        f"Scripted session (exercise 6, Russia, seed 3, h + o + a choice at every turn): "
        f"{timing['screens']} screens, {timing['per_screen_s'] * 1000:.1f} ms of machine time "
        f"a screen; the comparison with 200 runs: {timing['comparison_s']:.1f} s."
    )
    per_turn = args.reading + timing["per_screen_s"]
    print(
        f"\nTurns (fewest, median, most over seeds 0-{args.seeds - 1}; and seed 3), and the "
        f"length of a game at {args.reading:.0f} s a screen (median turns):"
    )
    print(
        f"{'exercise':<22}{'actor':<19}{'--turns 15':>14}{'seed 3':>7}{'minutes':>8}"
        f"{'--turns all':>14}{'seed 3':>7}{'minutes':>8}"
    )
    for row in turn_table(args.seeds, args.exercise):
        cells = []
        for (low, median, high), seed3 in (
            (row.default, row.default_seed3),
            (row.every, row.every_seed3),
        ):
            minutes = (median * per_turn + timing["comparison_s"]) / 60
            cells.append(f"{f'{low}/{median:g}/{high}':>14}{seed3:>7}{minutes:>8.1f}")
        print(f"{row.exercise:<22}{row.actor:<19}{''.join(cells)}")


if __name__ == "__main__":
    main_()
