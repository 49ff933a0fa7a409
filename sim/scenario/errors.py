"""The one error a scenario can raise: :class:`ScenarioError`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sim.errors import InputError, one_line

__all__ = ["Problem", "ScenarioError"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a scenario.

    Attributes
    ----------
    source
        The file the offending value came from, or ``--set`` for an override.
    key
        The dotted key path of the offending value ("" for the whole file).
    message
        What is wrong, quoting the value and what was expected.
    """

    source: str
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.key}" if self.key else self.source
        return one_line(f"{where}: {self.message}")


class ScenarioError(InputError):
    """A scenario file, an ``extends`` chain or an override is invalid.

    ``str(error)`` is one line per problem, each naming the file, the key and
    what was wrong.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("a ScenarioError needs at least one problem")
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        """One line per problem, each escaped so that it stays one line."""
        return [one_line(str(p)) for p in self.problems]

    @classmethod
    def single(cls, source: str, key: str, message: str) -> ScenarioError:
        """An error with one problem."""
        return cls([Problem(source, key, message)])
