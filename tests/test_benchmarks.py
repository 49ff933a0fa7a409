"""The benchmark script still runs (tiny sizes): it is how the README's figures are measured."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_engine.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_engine", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_engine"] = module
    spec.loader.exec_module(module)
    return module


def test_events_benchmark_compares_the_same_number_of_events(bench: ModuleType) -> None:
    r = bench.bench_events(3)
    assert r["runs"] == 3
    assert r["events"] > 0
    assert r["model_events_per_s"] > 0
    assert r["bare_events_per_s"] > 0
    assert r["ratio"] == pytest.approx(r["bare_events_per_s"] / r["model_events_per_s"])


def test_workers_and_memory_benchmarks_run(bench: ModuleType) -> None:
    w = bench.bench_workers(20)
    assert w["runs"] == 20
    assert w["speedup"] > 0
    m = bench.bench_memory(30)
    assert m["runs"] == 30
    assert m["peak_mb"] >= m["after_import_mb"] > 0


def test_pool_benchmark_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """benchmarks/bench_pool.py, behind the scheduler's figures, still runs (tiny sizes)."""
    monkeypatch.syspath_prepend(str(SCRIPT.parent))  # workers import its task by name
    path = SCRIPT.parent / "bench_pool.py"
    spec = importlib.util.spec_from_file_location("bench_pool", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_pool"] = module
    spec.loader.exec_module(module)
    assert module.start("loky", reps=1) > 0
    assert module.kill("loky", busy=5.0).endswith(" s")  # not "hang"
    assert module.race("loky", trials=2) == 0
