"""Tasks that kill their own worker process, for tests of retries.

They live in a module of their own, importable by name in every worker: forked or spawned
local workers and Dask's workers alike import it from ``tests/``, which pytest puts on
``sys.path`` (and spawned processes inherit the parent's ``sys.path``).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.experiments.tasks import simulate_ends
from sim.scenario import Scenario


def die() -> None:
    """End this process as ``kill -9`` would."""
    os.kill(os.getpid(), signal.SIGKILL)


class DieOnce:
    """A task whose worker process is killed the first time it is called (a marker file says so).

    Every other call runs ``task`` (default: the sweeps' task).
    """

    def __init__(
        self, marker: Path, task: Callable[[Scenario, int, int, int], Any] = simulate_ends
    ) -> None:
        self.marker = str(marker)
        self.task = task

    def __call__(self, scenario: Scenario, seed: int, start: int, stop: int) -> Any:
        try:
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return self.task(scenario, seed, start, stop)
        os.close(fd)
        die()
        raise AssertionError("unreachable")


class DieOn:
    """A task whose worker is killed whenever it runs the point where Russia decides every
    ``tempo`` days (and works normally elsewhere)."""

    def __init__(self, tempo: float) -> None:
        self.tempo = tempo

    def __call__(self, scenario: Scenario, seed: int, start: int, stop: int) -> Any:
        if scenario.actor("russia").tempo_days == self.tempo:
            die()
        return simulate_ends(scenario, seed, start, stop)


class DieAlways:
    """A task whose worker is always killed."""

    def __call__(self, scenario: Scenario, seed: int, start: int, stop: int) -> Any:
        die()
        raise AssertionError("unreachable")


class Announce:
    """A task that says it has started (a file ``started-<pid>`` in ``folder``), then runs
    ``task`` (default: the Monte Carlo task): tests wait for it to know a worker is busy."""

    def __init__(self, folder: Path, task: Callable[[Scenario, int, int, int], Any]) -> None:
        self.folder = str(folder)
        self.task = task

    def __call__(self, scenario: Scenario, seed: int, start: int, stop: int) -> Any:
        Path(self.folder, f"started-{os.getpid()}").touch()
        return self.task(scenario, seed, start, stop)
