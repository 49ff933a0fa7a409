"""What every command shares: exit codes, argument types, errors, loading scenarios.

Bad input ends in :class:`UsageError` or :class:`~sim.scenario.ScenarioError`;
:func:`sim.cli.main` turns either into one line per problem on stderr and exit
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, NoReturn

from sim.errors import InputError, one_line
from sim.scenario import Scenario, load_scenario

if TYPE_CHECKING:
    from sim.folders import ResultsFolder

__all__ = [
    "EXIT_FAULT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "Parser",
    "UsageError",
    "add_scenario_argument",
    "add_seed",
    "add_set",
    "load",
    "non_negative_int",
    "out_folder",
    "positive_int",
    "print_json",
    "progress_enabled",
]

EXIT_OK = 0
EXIT_FAULT = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(InputError):
    """Bad input on the command line (not in a scenario file): exit status 2, one line."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and a :class:`UsageError`."""

    def error(self, message: str) -> NoReturn:
        """Raise instead of printing the usage and exiting.

        The message names the command (``play: argument --as is required``);
        :func:`sim.cli.main` puts ``negsim:`` in front of it.
        """
        command = self.prog.partition(" ")[2]
        where = f"{command}: " if command else ""
        # argparse quotes the argument it refused: escaped, so the message stays one line.
        raise UsageError(one_line(f"{where}{message} (see '{self.prog} --help')"))


def positive_int(text: str) -> int:
    """An argument type: a whole number above 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """An argument type: a whole number, 0 or more (a seed)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def probability_half_width(text: str) -> float:
    """An argument type: an interval half-width in (0, 0.5)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got '{text}'") from None
    if not (math.isfinite(value) and 0.0 < value < 0.5):
        raise argparse.ArgumentTypeError(f"must be between 0 and 0.5 (exclusive), got {text}")
    return value


def add_scenario_argument(parser: argparse.ArgumentParser) -> None:
    """The optional SCENARIO argument (the packaged baseline when left out)."""
    parser.add_argument(
        "scenario",
        nargs="?",
        metavar="SCENARIO",
        help="a scenario file, or the name of a packaged scenario (default: the Geneva-2 baseline)",
    )


def add_seed(parser: argparse.ArgumentParser) -> None:
    """``--seed S``."""
    parser.add_argument(
        "--seed",
        type=non_negative_int,
        default=0,
        metavar="S",
        help="master seed, a non-negative integer (default 0); the same seed gives the same "
        "results",
    )


def add_set(parser: argparse.ArgumentParser) -> None:
    """``--set KEY=VALUE`` (repeatable) and ``--as-of DATE`` (the forecast origin)."""
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario value by dotted key, e.g. actors.russia.tempo_days=10 "
        "(repeatable; VALUE is a TOML value)",
    )
    parser.add_argument(
        "--as-of",
        type=iso_date,
        metavar="DATE",
        help="forecast as of DATE (YYYY-MM-DD): the record is known up to and including it, "
        "simulated actors take over after it (the scenario's as_of; default: its own)",
    )


def iso_date(text: str) -> dt.date:
    """A date ``YYYY-MM-DD`` from the command line."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date as YYYY-MM-DD, got {one_line(text)!r}"
        ) from None


def overrides(args: argparse.Namespace) -> list[str]:
    """The ``--set`` values, and ``--as-of`` as the last of them."""
    found = list(getattr(args, "set", []) or [])
    as_of = getattr(args, "as_of", None)
    if as_of is not None:
        found.append(f"as_of={as_of.isoformat()}")
    return found


def load(scenario: str | None, overrides: Sequence[str] = ()) -> Scenario:
    """Load a scenario named on the command line, with ``--set`` overrides."""
    return load_scenario(scenario, overrides)


def print_json(obj: Any) -> None:
    """Print one JSON object to stdout."""
    json.dump(obj, sys.stdout, indent=2, ensure_ascii=False, allow_nan=False)
    sys.stdout.write("\n")


def progress_enabled(quiet: bool) -> bool:
    """Whether to show a progress bar: not with ``--quiet``, and only on a terminal."""
    return not quiet and sys.stderr.isatty()


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """``--workers W | --scheduler ADDR | --dask-local N``."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--workers",
        type=positive_int,
        metavar="W",
        help="local worker processes (default: all cores); results do not depend on it",
    )
    group.add_argument(
        "--scheduler",
        type=scheduler_address,
        metavar="ADDR",
        help="run on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786 (needs negsim[dask])",
    )
    group.add_argument(
        "--dask-local",
        type=positive_int,
        metavar="N",
        help="start a Dask LocalCluster of N workers on 127.0.0.1 for this command "
        "(needs negsim[dask])",
    )


def scheduler_address(text: str) -> str:
    """An argument type: a Dask scheduler's address, checked for its form, nothing run yet."""
    from sim.experiments.executors import ExecutorSpec, SchedulerAddressError

    try:
        return str(ExecutorSpec(scheduler=text).scheduler)
    except SchedulerAddressError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def executor_spec(args: argparse.Namespace) -> Any:
    """The :class:`~sim.experiments.executors.ExecutorSpec` the options ask for.

    More worker processes than the machine's memory holds are refused before any starts.
    """
    from sim.experiments.executors import ExecutorSpec
    from sim.experiments.sizes import WORKER_BYTES, check_fits

    for count in (getattr(args, "workers", None), getattr(args, "dask_local", None)):
        if count is not None:
            check_fits(count, "worker processes", WORKER_BYTES)
    return ExecutorSpec(
        workers=getattr(args, "workers", None),
        scheduler=getattr(args, "scheduler", None),
        dask_local=getattr(args, "dask_local", None),
    )


class Progress:
    """A tqdm progress bar on stderr, or nothing (``--quiet``, or stderr not a terminal)."""

    def __init__(self, enabled: bool, unit: str = "run") -> None:
        self._bar: Any = None
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=0, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=False)

    def __call__(self, done: int, total: int) -> None:
        """Report ``done`` of ``total``."""
        if self._bar is not None:
            if self._bar.total != total:
                self._bar.total = total
            self._bar.n = done
            self._bar.refresh()

    def close(self) -> None:
        """Remove the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def out_folder(
    path: str | None, command: str, *, logs: Sequence[str] = ()
) -> AbstractContextManager[ResultsFolder | None]:
    """Take the ``--out`` folder for ``command`` (``None`` without ``--out``), until the block ends.

    Call it before long work, so that a folder that cannot be used fails at once; write the
    output with ``folder.staged()`` (see :mod:`sim.folders`: the folder then holds the complete
    output, or what it held before). A folder that cannot be used, or that another command
    holds, is a :class:`~sim.folders.FolderError`: one line, exit status 2.

    Parameters
    ----------
    path
        The ``--out`` value.
    command
        The command's name (``"run"``).
    logs
        For a command that keeps logs in the folder as it runs, to be resumed (sweep,
        sensitivity, calibrate): their names; stage the final outputs with ``keep=logs``.
    """
    if path is None:
        return contextlib.nullcontext()
    from sim.folders import take

    return take(path, command, logs=logs)
