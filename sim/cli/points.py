"""What ``negsim sweep`` and ``negsim sensitivity`` share: running points with a results log.

Both validate every point first, open the log in ``--out DIR`` (or refuse a log of another
experiment), show progress, and turn an interruption or a lost worker into one line that
says how to resume.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from sim.cli.common import (
    EXIT_FAULT,
    EXIT_INTERRUPTED,
    Progress,
    UsageError,
    executor_spec,
    out_folder,
    progress_enabled,
)

__all__ = ["RESUME_HINT", "Experiment", "run_points"]

#: How to finish a stopped experiment.
RESUME_HINT = "rerun the same command with --resume to finish"


class Experiment(Protocol):
    """A sweep or a sensitivity analysis (:mod:`sim.experiments.sweep`)."""

    def validate(self) -> Any:
        """Build and validate every point's scenario: the plan to run."""

    def open_store(self, folder: Any, *, resume: bool = False, plan: Any = None) -> Any:
        """Open (or resume) the results log in ``folder``."""

    def run(
        self, executor: Any = None, *, store: Any = None, on_progress: Any = None, plan: Any = None
    ) -> Any:
        """Run the points not yet in the store."""


def run_points(
    args: argparse.Namespace,
    build: Callable[[], Experiment],
    held: contextlib.ExitStack,
    command: str,
    what: str,
) -> tuple[Any, Any, int]:
    """Build, validate and run an experiment as the command line asks.

    Parameters
    ----------
    args
        The command's arguments (``out``, ``resume``, ``quiet`` and the executor options).
    build
        Makes the experiment (validated here, once).
    held
        Holds the ``--out`` folder (a :class:`~sim.folders.ResultsFolder`, taken here) until
        it closes: the caller writes the final outputs with ``out.staged(keep=[LOG_NAME])``
        before.
    command
        The command: "sweep" or "sensitivity".
    what
        What it runs, for messages: "sweep" or "analysis".

    Returns
    -------
    tuple
        ``(result, out folder or None, 0)`` when done, ``(None, None, status)`` when it
        stopped (interrupted: 130; a worker lost twice: 1), after saying so on stderr.

    Raises
    ------
    UsageError
        For bad parameters, a point that fails validation, or a log of another experiment.
    """
    from sim.errors import Interrupted
    from sim.experiments.designs import DesignError
    from sim.experiments.points import PointError
    from sim.experiments.scheduler import WorkersLost
    from sim.experiments.store import StoreError
    from sim.folders import LOG_NAME

    if args.resume and args.out is None:
        raise UsageError(f"--resume needs --out DIR, the folder of the {what} to finish")
    try:
        experiment = build()
        plan = experiment.validate()
    except (DesignError, PointError) as exc:
        raise UsageError(str(exc)) from None
    spec = executor_spec(args)  # refused (its size, its address) before --out is touched
    out = held.enter_context(out_folder(args.out, command, logs=[LOG_NAME]))
    store = None
    if out is not None:
        try:
            store = experiment.open_store(Path(args.out), resume=args.resume, plan=plan)
        except StoreError as exc:
            raise UsageError(str(exc)) from None
        if store.records:
            print(
                f"negsim: resuming: {len(store.records)} of {len(plan.points)} points "
                f"were already done ({store.path})",
                file=sys.stderr,
            )
    with Progress(progress_enabled(args.quiet)) as bar:
        try:
            result = experiment.run(spec, store=store, on_progress=bar, plan=plan)
        except WorkersLost as exc:
            bar.close()
            how = RESUME_HINT if store is not None else "use --out DIR to be able to resume"
            print(
                f"negsim: {exc.reason}; stopped after {exc.completed} of {exc.total} points; {how}",
                file=sys.stderr,
            )
            return None, None, EXIT_FAULT
        except Interrupted as exc:
            bar.close()
            how = RESUME_HINT if store is not None else "nothing was written"
            print(
                f"negsim: interrupted after {exc.completed} of {exc.total} points; {how}",
                file=sys.stderr,
            )
            return None, None, EXIT_INTERRUPTED
        except StoreError as exc:
            raise UsageError(str(exc)) from None
    return result, out, 0
