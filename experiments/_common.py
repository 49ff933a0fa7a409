"""Shared set-up for the runnable analyses in this folder."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sim.experiments.executors import ExecutorSpec
from sim.folders import ResultsFolder, take

#: Where the analyses write, inside the repository (ignored by git).
OUTPUT = Path(__file__).resolve().parent / "output"


def arguments(description: str, runs: int, samples: int | None = None) -> argparse.Namespace:
    """The options every analysis takes (and ``--samples`` where it has a default)."""
    parser = argparse.ArgumentParser(description=description)
    if samples is not None:
        parser.add_argument(
            "--samples",
            type=int,
            default=samples,
            help=f"Sobol base sample, a power of 2 (default {samples})",
        )
    parser.add_argument(
        "--runs", type=int, default=runs, help=f"runs per estimate (default {runs})"
    )
    parser.add_argument("--seed", type=int, default=2013, help="master seed (default 2013)")
    parser.add_argument("--workers", type=int, default=None, help="local workers (default: all)")
    parser.add_argument("--out", type=Path, default=None, help="output folder")
    return parser.parse_args()


def output_folder(args: argparse.Namespace, name: str) -> ResultsFolder:
    """The analysis's output folder, taken (see sim.folders): write it with ``.staged()``."""
    return take(args.out if args.out is not None else OUTPUT / name, name)


def executor(args: argparse.Namespace) -> ExecutorSpec:
    """Local workers as asked."""
    return ExecutorSpec(workers=args.workers)


class Timer:
    """Wall time of the analysis, printed at the end."""

    def __enter__(self) -> Timer:
        self.began = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        print(f"done in {time.perf_counter() - self.began:.0f} s")
