"""The commands whose output is pinned, byte for byte, by ``tests/golden/``.

Each case is a name and the ``negsim`` arguments that produce it; the output
is what the command prints (table, JSON, text or CSV) or, for a sweep and a
sensitivity analysis, the CSV file it writes. Fields that measure the machine
rather than the model (wall time, back end) are dropped from JSON before
comparing.

Regenerate after a deliberate change of behaviour (and say which and why in
the commit)::

    python tests/golden_cases.py
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"

#: JSON keys whose values depend on the machine, not on the model.
VOLATILE = frozenset({"wall_time_s", "backend", "events_per_s"})

RUNS = "30"
SEED = "3"


def _scenarios() -> list[str]:
    from sim.scenario import packaged_scenarios

    return [path.stem for path in packaged_scenarios()]


def cases() -> Iterator[tuple[str, list[str], str | None]]:
    """``(case name, argv, file to read in the --out folder or None for stdout)``."""
    mc = f"--runs {RUNS} --seed {SEED} --workers 1 --quiet"
    for name in _scenarios():
        yield f"run-{name}.json", f"run {name} {mc} --format json".split(), None
        yield f"trace-{name}.txt", f"trace {name} --seed {SEED}".split(), None
    yield "run-baseline.txt", f"run {mc}".split(), None
    yield "trace-baseline-verbose.txt", ["trace", "--seed", "5", "--verbose"], None
    yield "trace-baseline.csv", ["trace", "--seed", "5", "--format", "csv"], None
    yield "trace-baseline.json", ["trace", "--seed", "5", "--format", "json"], None
    for alt in ("no_embargo_lift", "iran_seat", "mechanisms_off"):
        argv = f"compare geneva2_2013 {alt} {mc} --format json".split()
        yield f"compare-{alt}.json", argv, None
    argv = f"compare geneva2_2013 no_embargo_lift {mc}".split()
    yield "compare-no_embargo_lift.txt", argv, None
    few = f"--runs 20 --seed {SEED} --workers 1 --quiet --out {{out}}"
    params = "--param actors.russia.tempo_days=2:8 --param convening.announce_threshold=0.45,0.6"
    yield "sweep-baseline.csv", f"sweep {params} --points 3 {few}".split(), "sweep.csv"
    argv = "sweep iran_nuclear_2015 --param world.readiness_reversion=0.01:0.05 --design lhs"
    yield "sweep-iran.csv", f"{argv} --points 4 {few}".split(), "sweep.csv"
    params = params.replace("0.45,0.6", "0.45:0.6")
    argv = f"sensitivity {params} --samples 8 {few.replace('--runs 20', '--runs 10')}"
    yield "sensitivity-baseline.csv", argv.split(), "sensitivity.csv"


def _strip(obj: object) -> object:
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in VOLATILE}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def produce(argv: list[str], file: str | None) -> str:
    """Run ``negsim argv`` in this process and return what the case pins."""
    from sim.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        args = [a.replace("{out}", tmp) for a in argv]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(args)
        if status != 0:
            raise RuntimeError(f"negsim {' '.join(argv)} exited {status}: {err.getvalue()}")
        text = Path(tmp, file).read_text(encoding="utf-8") if file else out.getvalue()
    if "--format" in argv and argv[argv.index("--format") + 1] == "json":
        text = json.dumps(_strip(json.loads(text)), indent=2, ensure_ascii=False) + "\n"
    # Timings in a table are the machine's, not the model's.
    return (
        "\n".join(line for line in text.splitlines() if not line.startswith(tuple(_TIMED))) + "\n"
    )


#: Table lines that report the machine (wall time, processes).
_TIMED = ("1000 runs", f"{RUNS} runs", f"{RUNS} paired runs", "Results written")


if __name__ == "__main__":
    GOLDEN.mkdir(exist_ok=True)
    for old in GOLDEN.iterdir():
        old.unlink()
    for name, argv, file in cases():
        (GOLDEN / name).write_text(produce(argv, file), encoding="utf-8")
        print(name, file=sys.stderr)
