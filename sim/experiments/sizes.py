"""Size ceilings: what cannot fit in this machine's memory is refused before anything runs.

A command holds some things whole in memory: every run's outcomes (``run``,
``compare``), every point of a design (``sweep``), every evaluation of a
Sobol' sample (``sensitivity``), every particle of a generation
(``calibrate``). A count of such things far beyond what the machine holds
(``--runs 1000000000000``) would run for hours and then end in
``MemoryError``. :func:`check_fits` estimates the memory a count needs (the
bytes of one thing, times the count) and refuses a count whose estimate
exceeds the machine's physical memory, with the estimate in the message.

The bytes of one thing are estimates, on the low side: a count refused would
certainly not have fitted; one accepted may still be slow (the estimate is
about memory, not time).
"""

from __future__ import annotations

import os

from sim.engine import compile_scenario
from sim.errors import InputError
from sim.scenario import Scenario

__all__ = [
    "EVALUATION_BYTES",
    "PARTICLE_BYTES",
    "POINT_BYTES",
    "WORKER_BYTES",
    "TooLarge",
    "check_fits",
    "memory_bytes",
    "run_bytes",
]

#: Bytes of one design point, per parameter: its value in the design's table and in its row.
POINT_BYTES = 100
#: Bytes of one evaluation of a Sobol' sample, per parameter (the sample matrix's values and
#: the evaluation's row).
EVALUATION_BYTES = 100
#: Bytes of one particle of a calibration generation (its parameters, distance and weight
#: as the sampler keeps them), at the least.
PARTICLE_BYTES = 1000

#: Bytes of one worker process: an interpreter with numpy, scipy and negsim imported (100 MB
#: measured on Linux, Python 3.11), at the least.
WORKER_BYTES = 50_000_000

#: The memory assumed where the system cannot say (a platform without ``sysconf``).
_FALLBACK_MEMORY = 2**40


class TooLarge(InputError):
    """A count whose estimated memory exceeds this machine's (one line, with the estimate)."""


def memory_bytes() -> int:
    """The physical memory of this machine, in bytes."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return _FALLBACK_MEMORY


def run_bytes(scenario: Scenario) -> int:
    """Bytes one run's outcomes take in memory (the arrays of :class:`Outcomes`)."""
    model = compile_scenario(scenario)
    stages, deadlines = len(model.stage_ids), len(model.deadline_ids)
    gates, counts = len(model.gate_ids), len(model.actor_ids) * len(model.kinds)
    # run, ending day, first announcement, final readiness, events (8 bytes each);
    # announcements and postponements (4); ending (2); per stage a day (8), per deadline
    # a day (4), per gate a day (8) and reopenings (4), per actor and kind a count (4),
    # per sample day a readiness (4).
    return (
        5 * 8
        + 2 * 4
        + 2
        + 8 * stages
        + 4 * deadlines
        + 12 * gates
        + 4 * counts
        + (4 * len(model.grid))
    )


def check_fits(count: int, what: str, each: int, memory: int | None = None) -> None:
    """Refuse ``count`` things of ``each`` bytes if together they exceed the memory.

    Parameters
    ----------
    count
        How many (runs, points, evaluations, particles).
    what
        What they are, plural ("runs").
    each
        Bytes one of them takes (an estimate, on the low side).
    memory
        The memory to compare with (default: :func:`memory_bytes`).

    Raises
    ------
    TooLarge
        If ``count * each`` exceeds the memory.
    """
    memory = memory_bytes() if memory is None else memory
    need = count * each
    if need > memory:
        raise TooLarge(
            f"{count:,} {what} would take about {_size(need)} of memory ({_size(each)} each); "
            f"this machine has {_size(memory)}: ask for at most {memory // each:,}"
        )


def _size(n: int) -> str:
    """Bytes in words: ``1.2 kB``, ``3.5 GB``, ``1.1 PB`` (powers of 1000)."""
    value = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if value < 1000 or unit == "PB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")  # pragma: no cover
