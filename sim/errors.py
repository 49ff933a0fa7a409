"""The one family of errors negsim raises on purpose: :class:`NegsimError`.

Every error a user can cause, or that stops work for a reason outside the
code, is a :class:`NegsimError`, so that an API user can catch one class and
the command line maps each branch to its exit status in one place:

===================  ======  =====================================================
class                status  meaning
===================  ======  =====================================================
:class:`InputError`  2       bad input: a scenario, a flag, a parameter, a file
:class:`WorkFailed`  1       the work could not be done: a cluster out of reach,
                             workers lost, a disk full
:class:`Interrupted` 130     stopped by the user (Ctrl-C), with what was finished
===================  ======  =====================================================

Each message is one line (a :class:`~sim.scenario.ScenarioError` holds one
line per problem) that names the file, the key and what was wrong. This module
is at the foundation of the package and imports nothing from it.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = ["InputError", "Interrupted", "NegsimError", "WorkFailed", "one_line"]


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped.

    Values quoted in a message come from files and command lines; escaping
    them keeps every message on one line and keeps terminal escape sequences
    from a file from reaching the terminal.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class NegsimError(Exception):
    """Base of every error negsim raises on purpose.

    Attributes
    ----------
    exit_status
        The command line's exit status for it.
    """

    exit_status: ClassVar[int] = 1

    def lines(self) -> list[str]:
        """The message, one line per problem."""
        return [one_line(line) for line in str(self).splitlines() or [type(self).__name__]]


class InputError(NegsimError, ValueError):
    """Bad input: a scenario, a command-line flag, a parameter, a results or replay file."""

    exit_status: ClassVar[int] = 2


class WorkFailed(NegsimError, RuntimeError):
    """The work could not be done for a reason outside the input (a cluster, a worker, a disk)."""

    exit_status: ClassVar[int] = 1


class Interrupted(NegsimError):
    """The work was stopped (Ctrl-C) before it finished.

    Attributes
    ----------
    completed
        How many units had finished (and, where there is a results log, were saved).
    total
        How many were planned.
    unit
        What was counted: ``"runs"`` or ``"points"``.
    """

    exit_status: ClassVar[int] = 130

    def __init__(self, completed: int, total: int, unit: str = "runs") -> None:
        super().__init__(f"interrupted after {completed} of {total} {unit}")
        self.completed = completed
        self.total = total
        self.unit = unit

    @property
    def requested(self) -> int:
        """The old name of :attr:`total`, still read by ``negsim play`` (sim/cli/play_cmd.py)."""
        return self.total
