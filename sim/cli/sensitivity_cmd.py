"""``negsim sensitivity``: placeholder while the command is being written (replaced before release)."""

from __future__ import annotations

import argparse

from sim.cli.common import UsageError

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``sensitivity`` command."""
    p = subparsers.add_parser("sensitivity", help="(being written)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Refuse: not written yet."""
    raise UsageError("negsim sensitivity is not available yet")
