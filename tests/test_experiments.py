"""The runnable analyses in experiments/ still run end to end (tiny sizes) and write their files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# Each starts a script in a new interpreter that imports everything and runs a
# small analysis: 1.4 to 3 s apiece measured here, so out of the quick loop.
pytestmark = pytest.mark.slow

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"

CASES = {
    "counterfactuals.py": (
        ["--runs", "8"],
        ["probabilities.csv", "differences.csv", "differences.png", "last_stage.png"],
    ),
    "iran_seat_embargo_sweep.py": (["--runs", "8"], ["sweep.csv", "sweep.json"]),
    "g8_sensitivity.py": (
        ["--runs", "4", "--samples", "4"],
        ["sensitivity.csv", "sensitivity.json", "sobol_g8_summit.png"],
    ),
}


@pytest.mark.parametrize("script", sorted(CASES))
def test_experiment_runs_and_writes_its_files(script: str, tmp_path: Path) -> None:
    options, files = CASES[script]
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, str(EXPERIMENTS / script), *options, "--workers", "1", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    for name in files:
        assert (out / name).stat().st_size > 0, name
    assert f"wrote {out}" in done.stdout
