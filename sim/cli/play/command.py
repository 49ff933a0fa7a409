"""``negsim play``: a student takes one actor's decisions at the terminal.

This module parses the options, checks them before the session starts (a bad
``--as``, ``--turns``, ``--replay`` or ``--record`` fails at once, with exit
status 2 and one line), runs the session (:mod:`sim.cli.play.session`), and
ends with the outcome and the comparison with simulated runs
(:mod:`sim.cli.play.ending`).

At a terminal (standard input and output both a terminal) the introduction
waits for Enter, and a replay shows one turn at a time; piped, everything is
written at once, so that a transcript depends only on the answers.

The comparison runs in this process by default (``--workers 1``): 200 runs of
the baseline take about two seconds on one core, less than starting a pool of
worker processes and importing the simulator in each would save, and a
classroom of students playing on one shared machine should not each take
every core. Results do not depend on the number of workers.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

from sim.cli.common import (
    EXIT_INTERRUPTED,
    Progress,
    UsageError,
    add_scenario_argument,
    add_set,
    load,
    overrides,
    positive_int,
    progress_enabled,
)
from sim.cli.play.turns import DEFAULT_TURNS, parse_seed, parse_turns

__all__ = ["register", "run"]

#: Simulated runs the played outcome is compared with, by default.
DEFAULT_RUNS = 200


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``play`` command."""
    p = subparsers.add_parser(
        "play",
        help="play one actor's decisions at the terminal",
        description="Take one actor's decisions yourself while the other actors are simulated. "
        "At each of your turns you see the date, readiness, the open questions and your "
        "options; type an option's number (0 passes), h for what happened since your last "
        "turn, o for the odds and effects of each option, ? for help, m to let the model "
        "choose that turn, a to let it play the rest of the game, or q to pass to the end. "
        "Between your turns your last choice stands. "
        "At the end you see the outcome and how it compares with simulated runs of the same "
        "scenario and seed where the model plays your actor. Answers can be piped in, one per "
        "line; end of input passes at every remaining decision.",
    )
    add_scenario_argument(p)
    p.add_argument(
        "--as",
        dest="actor",
        default=None,
        metavar="ACTOR",
        help="the actor you play, by its id in the scenario (e.g. russia); required but with "
        "--replay, which takes it from the file",
    )
    p.add_argument(
        "--turns",
        type=parse_turns,
        default=argparse.SUPPRESS,
        metavar="N|all",
        help=f"about how many turns you get (default {DEFAULT_TURNS}: about ten minutes), "
        "spread over the game; between them your last choice stands. 'all': every one of the "
        "actor's decisions is a turn. With --replay, the recorded turns",
    )
    p.add_argument(
        "--seed",
        type=parse_seed,
        default=None,
        metavar="S",
        help="master seed, a whole number from 0 to 2**64 - 1 (default 0; with --replay, the "
        "recorded seed)",
    )
    add_set(p)
    files = p.add_mutually_exclusive_group()
    files.add_argument(
        "--record",
        metavar="FILE",
        help="save your choices and the seed to FILE (JSON), to replay the session later",
    )
    files.add_argument(
        "--replay",
        metavar="FILE",
        help="play back a game saved with --record (same scenario and --set), a turn at a "
        "time at a terminal (Enter for the next), all at once when piped",
    )
    p.add_argument(
        "--runs",
        type=positive_int,
        default=DEFAULT_RUNS,
        metavar="N",
        help=f"simulated runs to compare your outcome with (default {DEFAULT_RUNS})",
    )
    p.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        metavar="W",
        help="local worker processes for the comparison (default 1: quick enough, and fair "
        "to a shared classroom machine); results do not depend on it",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar for the comparison")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the ``play`` command."""
    # Imported here: the session needs scipy, and every negsim command imports this module.
    from sim.cli.play.comparison import compare
    from sim.cli.play.ending import comparison_text, outcome_text
    from sim.cli.play.options import find_actor
    from sim.cli.play.recording import Recording, RecordingError, read_recording, write_recording
    from sim.cli.play.session import PlaySession
    from sim.cli.play.text import wrap
    from sim.errors import WorkFailed
    from sim.experiments.executors import ExecutorSpec
    from sim.experiments.montecarlo import Interrupted, run_monte_carlo
    from sim.files import OutputFileError, blames_path

    scenario = load(args.scenario, overrides(args))
    replay: Recording | None = None
    if args.replay is not None:
        try:
            replay = read_recording(args.replay)
        except RecordingError as exc:
            raise UsageError(f"--replay {exc}") from None
    if args.actor is not None:
        wanted = args.actor
    elif replay is not None:
        wanted = replay.actor
    else:
        raise UsageError("--as ACTOR is required (the actor you play), unless you --replay a game")
    try:
        actor = find_actor(scenario, wanted)
    except KeyError as exc:
        where = "--as" if args.actor is not None else f"--replay {args.replay}"
        raise UsageError(f"{where}: {exc.args[0]}") from None
    # What cannot fit in memory is refused before the game, not after it.
    from sim.experiments.sizes import WORKER_BYTES, check_fits, run_bytes

    check_fits(args.runs, "runs", run_bytes(scenario))
    check_fits(args.workers or 1, "worker processes", WORKER_BYTES)
    turns = getattr(args, "turns", DEFAULT_TURNS)
    seed = args.seed if args.seed is not None else 0
    if replay is not None:
        try:
            replay.check(scenario, actor)
        except RecordingError as exc:
            raise UsageError(f"--replay {args.replay}: {exc}") from None
        if args.seed is not None and args.seed != replay.seed:
            raise UsageError(
                f"--seed {args.seed}: {args.replay} was recorded with seed {replay.seed} "
                "(leave --seed out to replay it)"
            )
        if hasattr(args, "turns") and args.turns != replay.turns:
            recorded = "all" if replay.turns is None else replay.turns
            raise UsageError(
                f"--turns {'all' if args.turns is None else args.turns}: {args.replay} was "
                f"recorded with --turns {recorded} (leave --turns out to replay it)"
            )
        seed = replay.seed
        turns = replay.turns
    if args.record is not None:
        _check_writable(args.record)

    stdin = sys.stdin if sys.stdin is not None else io.StringIO()
    out = sys.stdout
    at_terminal = _isatty(stdin) and _isatty(out)
    session = PlaySession(
        scenario,
        actor,
        input=stdin,
        output=out,
        replay=replay,
        turns=turns,
        echo=not _isatty(stdin),
        pause=at_terminal,
        step=at_terminal,
    )
    result = session.play(seed)
    out.write(outcome_text(result, scenario, actor, session.choices))
    if args.record is not None:
        recording = session.recording(seed, result, overrides(args))
        try:
            write_recording(args.record, recording, scenario)
        except OutputFileError as exc:
            raise UsageError(f"--record {exc}") from None
        except OSError as exc:
            why = f"--record {args.record}: cannot write it ({exc.strerror or exc})"
            raise (UsageError(why) if blames_path(exc) else WorkFailed(why)) from None
        saved = f"Your choices and the seed are saved in {args.record}; replay them with --replay."
        out.write("\n".join(wrap(saved)) + "\n")
    if replay is not None and replay.convened_day != result.convened_day:
        note = (
            f"Note: this replay ended differently from the recording (made with negsim "
            f"{replay.version}); the model may have changed since."
        )
        out.write("\n".join(wrap(note)) + "\n")
    simulating = f"Simulating {args.runs} runs with {session.short} left to the model..."
    out.write("\n" + "\n".join(wrap(simulating)) + "\n")
    out.flush()
    with Progress(progress_enabled(args.quiet)) as bar:
        try:
            simulated = run_monte_carlo(
                scenario,
                args.runs,
                seed,
                executor=ExecutorSpec(workers=args.workers),
                on_progress=bar,
            )
        except Interrupted as exc:
            bar.close()
            print(
                f"negsim: interrupted: the comparison stopped after {exc.completed} of "
                f"{exc.total} runs",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
    out.write(comparison_text(compare(result, simulated), scenario, actor, seed))
    return 0


def _isatty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):
        return False


def _check_writable(path: str) -> None:
    """Fail before the session, not after it, if ``--record`` cannot be written."""
    from sim.files import OutputFileError, check_new_or_regular

    target = Path(path)
    folder = target.parent
    if target.is_dir() and not target.is_symlink():
        raise UsageError(f"--record {path}: is a folder; give a file name")
    try:
        check_new_or_regular(target)
    except OutputFileError as exc:
        raise UsageError(f"--record {exc}") from None
    if not folder.is_dir():
        raise UsageError(f"--record {path}: no folder {folder}")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"--record {path}: cannot write in {folder}")
