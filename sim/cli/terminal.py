r"""What the command line prints is plain text: no control character reaches the terminal raw.

Labels, names and notes come from scenario files, results folders and replay
files. The scenario reader refuses control characters in them, but what a
command prints also quotes results files, answers typed by a player and the
command line itself; an escape sequence among them (``ESC [ 2 J`` clears the
screen, others retitle the window or worse) must never reach the terminal as
it is. :class:`PlainText` wraps a stream and writes every control character
but a line break, a carriage return and a tab as the six characters
``\u001b``: visible, on the same line, and in JSON output the same string
(JSON reads ``\u001b`` as the character).

:func:`bad_argument` finds a command-line argument that holds bytes which
are not UTF-8 (Python keeps them as lone surrogates), or a control character
(a line break, an escape): such an argument is refused before anything runs,
since no file written from it could be UTF-8, and no message quoting it
could be one line. (A ``--set`` string that needs a line break writes it as
TOML does, ``"\n"``.)
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from typing import TextIO

__all__ = ["PlainText", "bad_argument", "plain", "underlying"]

#: Line breaks, carriage returns (CSV rows end so) and tabs pass; every other character of
#: Unicode category Cc (C0, DEL and C1) is written as ``\uXXXX``.
_ESCAPES = {
    code: f"\\u{code:04x}"
    for code in (*range(0x00, 0x20), *range(0x7F, 0xA0))
    if chr(code) not in "\n\r\t"
}

#: Unicode categories refused in an argument: control characters, line and paragraph separators.
_BREAKING = frozenset({"Cc", "Zl", "Zp"})


class PlainText(io.TextIOBase):
    """A text stream that writes to ``stream`` with control characters escaped.

    Parameters
    ----------
    stream
        Where the text goes (``sys.stdout``, ``sys.stderr``).
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream

    def write(self, text: str) -> int:
        """Write ``text``, control characters escaped; return its length as given."""
        self.stream.write(text.translate(_ESCAPES))
        return len(text)

    def flush(self) -> None:
        """Flush the stream underneath."""
        self.stream.flush()

    def isatty(self) -> bool:
        """Whether the stream underneath is a terminal."""
        return self.stream.isatty()

    def fileno(self) -> int:
        """The file descriptor of the stream underneath."""
        return self.stream.fileno()

    def writable(self) -> bool:
        """Always true."""
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]  # a property on TextIOBase too
        """The encoding of the stream underneath."""
        return getattr(self.stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        """The error handler of the stream underneath."""
        return getattr(self.stream, "errors", None)


def plain(stream: TextIO) -> TextIO:
    """``stream`` wrapped in :class:`PlainText` (once: a wrapped stream is returned as it is)."""
    if isinstance(stream, PlainText):
        return stream
    wrapped: TextIO = PlainText(stream)  # type: ignore[assignment]  # a TextIOBase is a TextIO
    return wrapped


def bad_argument(argv: Sequence[str]) -> tuple[str, str] | None:
    """The first argument that is not one line of UTF-8 text, and what is wrong; or ``None``."""
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return arg, "holds bytes that are not UTF-8; file names and values must be UTF-8 text"
        if not arg.isprintable() and any(unicodedata.category(c) in _BREAKING for c in arg):
            return arg, (
                "holds a line break or a control character; arguments are one line of text "
                '(a --set string writes a line break as "\\n")'
            )
    return None


def underlying(stream: TextIO) -> TextIO:
    """The stream :func:`plain` wrapped, or ``stream`` itself."""
    return stream.stream if isinstance(stream, PlainText) else stream
