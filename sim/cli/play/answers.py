"""Reading the player's answers: one line at a time, never more than a screen's worth.

``readline()`` on a stream with no line end (``negsim play < /dev/zero``)
would read until memory runs out. :class:`AnswerReader` reads at most
:data:`MAX_ANSWER` characters of a line; a longer line is refused, and the
rest of it is skipped up to :data:`MAX_SKIP` characters; input that has no
line end within that is treated as ended. Input that is not text ends the
input too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TextIO

__all__ = ["MAX_ANSWER", "MAX_SKIP", "Answer", "AnswerReader", "Ended"]

#: The longest answer line read, in characters.
MAX_ANSWER = 1000
#: How much of an over-long line is skipped looking for its end before the input counts as ended.
MAX_SKIP = 1_000_000


class Ended(Enum):
    """Why no more answers can be read."""

    EOF = "end of input"
    NOT_TEXT = "the input is not text"
    NO_LINE_ENDS = "the input has no line ends"


@dataclass(frozen=True, slots=True)
class Answer:
    """One line read: its text without the line end, or ``too_long`` if it was refused."""

    text: str
    too_long: bool = False


class AnswerReader:
    """Reads answer lines from ``stream``, each at most ``limit`` characters.

    :meth:`read` returns an :class:`Answer`, or an :class:`Ended` once the
    input is over (and from then on).
    """

    def __init__(self, stream: TextIO, limit: int = MAX_ANSWER, skip: int = MAX_SKIP) -> None:
        self._stream = stream
        self._limit = limit
        self._skip = skip
        self.ended: Ended | None = None

    def read(self) -> Answer | Ended:
        """The next line, or why there is none."""
        if self.ended is not None:
            return self.ended
        try:
            line = self._stream.readline(self._limit + 1)
        except UnicodeDecodeError:
            return self._end(Ended.NOT_TEXT)
        except (OSError, ValueError):  # a closed or unreadable stream
            return self._end(Ended.EOF)
        if not line:
            return self._end(Ended.EOF)
        if line.endswith("\n") or len(line) <= self._limit:
            return Answer(line.rstrip("\r\n"))
        # Over-long: skip to the end of this line, within reason.
        skipped = 0
        while skipped < self._skip:
            try:
                rest = self._stream.readline(min(65536, self._skip - skipped))
            except UnicodeDecodeError:
                return self._end(Ended.NOT_TEXT)
            except (OSError, ValueError):
                break
            if not rest or rest.endswith("\n"):
                return Answer("", too_long=True)
            skipped += len(rest)
        return self._end(Ended.NO_LINE_ENDS)

    def _end(self, why: Ended) -> Ended:
        self.ended = why
        return why
