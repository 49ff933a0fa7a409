"""Where a scenario's numbers come from: the tags in the comments of its files.

A scenario file says where each number comes from in a comment that starts
with a tag in brackets::

    tempo_days = 4.0    # [article] six Kerry–Lavrov meetings in four months

:func:`comment_tags` reads those tags back, by key path. It is a line
scanner, not a TOML parser (the file was already parsed with :mod:`tomllib`,
which drops comments): it follows ``[table]`` headers and ``key = value``
lines, skips multi-line strings, and takes the first ``[tag]`` of a comment
that ends the line. Nothing in the file is evaluated.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Final

__all__ = ["TAG", "comment_tags", "file_tags"]

#: A provenance tag at the start of a comment: ``# [record] ...``.
TAG: Final = re.compile(r"#\s*\[([A-Za-z][A-Za-z0-9_ -]{0,30})\]")
_HEADER: Final = re.compile(r"\s*\[(?!\[)(?P<key>[^\]]+)\]\s*(#.*)?$")
_BARE: Final = re.compile(r"[A-Za-z0-9_-]+")


def _split_key(text: str) -> tuple[str, ...] | None:
    """A dotted TOML key (bare or quoted parts) as a tuple, or ``None`` if it is not one."""
    parts: list[str] = []
    rest = text.strip()
    while rest:
        if rest[0] in "\"'":
            end = rest.find(rest[0], 1)
            if end < 0:
                return None
            parts.append(rest[1:end])
            rest = rest[end + 1 :].strip()
        else:
            match = _BARE.match(rest)
            if match is None:
                return None
            parts.append(match.group())
            rest = rest[match.end() :].strip()
        if rest.startswith("."):
            rest = rest[1:].strip()
        elif rest:
            return None
    return tuple(parts) or None


def _comment(line: str) -> str | None:
    """The comment that ends ``line`` (from its ``#``), outside strings; ``None`` if none."""
    quote = ""
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 2
                continue
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "#":
            return line[i:]
        i += 1
    return None


def comment_tags(text: str) -> dict[tuple[str, ...], str]:
    """Each key path of a TOML text whose line ends in a tagged comment, with its tag.

    Parameters
    ----------
    text
        The text of a scenario file.

    Returns
    -------
    dict
        ``("actors", "russia", "tempo_days") -> "article"``.
    """
    tags: dict[tuple[str, ...], str] = {}
    table: tuple[str, ...] = ()
    in_string = ""
    for line in text.splitlines():
        if in_string:
            if line.count(in_string) % 2 == 1:
                in_string = ""
            continue
        header = _HEADER.match(line)
        if header is not None:
            table = _split_key(header["key"]) or ()
            continue
        key, sep, value = line.partition("=")
        if not sep:
            continue
        path = _split_key(key)
        if path is None:
            continue
        for delimiter in ('"""', "'''"):
            if value.count(delimiter) % 2 == 1:
                in_string = delimiter
        comment = _comment(value)
        if comment is None:
            continue
        tag = TAG.match(comment)
        if tag is not None:
            tags[(*table, *path)] = tag.group(1).strip()
    return tags


@lru_cache(maxsize=64)
def _cached(path: str, mtime_ns: int, size: int) -> dict[tuple[str, ...], str]:
    try:
        return comment_tags(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return {}


def file_tags(path: str) -> dict[tuple[str, ...], str]:
    """:func:`comment_tags` of the file at ``path`` (empty if it cannot be read)."""
    try:
        stat = Path(path).stat()
    except OSError:
        return {}
    return _cached(path, stat.st_mtime_ns, stat.st_size)
