"""``negsim report``: placeholder while the command is being written (replaced before release)."""

from __future__ import annotations

import argparse

from sim.cli.common import UsageError

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``report`` command."""
    p = subparsers.add_parser("report", help="(being written)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Refuse: not written yet."""
    raise UsageError("negsim report is not available yet")
