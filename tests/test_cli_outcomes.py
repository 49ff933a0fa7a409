"""The command line's custom outcomes, kept runs and design files."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from conftest import negsim_in_process

TEMPO = "actors.russia.tempo_days"


def test_run_reports_named_outcomes_after_the_deadlines() -> None:
    done = negsim_in_process(
        "run",
        "--runs",
        "20",
        "--workers",
        "1",
        "--outcome",
        "days:announced:convened",
        "--outcome",
        "took:russia:arms_shipment",
    )
    assert done.returncode == 0, done.stderr
    assert "days:announced:convened" in done.stdout
    assert "95% t" in done.stdout
    assert "95% Wilson" in done.stdout


def test_run_json_carries_the_outcomes() -> None:
    import json

    done = negsim_in_process(
        "run", "--runs", "10", "--workers", "1", "--format", "json", "--outcome", "readiness"
    )
    assert done.returncode == 0, done.stderr
    (entry,) = json.loads(done.stdout)["custom_outcomes"]
    assert entry["name"] == "readiness"
    assert entry["n"] == 10


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        ("count:rusia:arms_shipment", "--outcome 'count:rusia:arms_shipment': no actor 'rusia'"),
        ("print(1)", "--outcome 'print(1)': unknown outcome 'print(1)'"),
        ("days:announced", "expected days:STAGE_A:STAGE_B"),
    ],
)
@pytest.mark.parametrize("command", ["run", "sweep"])
def test_a_bad_outcome_is_one_line_and_status_2(command: str, outcome: str, message: str) -> None:
    extra = ["--param", f"{TEMPO}=2:3"] if command == "sweep" else []
    done = negsim_in_process(command, *extra, "--runs", "1", "--outcome", outcome)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"negsim: {message}"] or message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.slow  # draws a figure per deadline
def test_sweep_with_a_design_file_outcomes_and_kept_runs(tmp_path: Path) -> None:
    design = tmp_path / "design.csv"
    design.write_text(f"{TEMPO},convening.announce_threshold\n3,0.5\n8,0.6\n")
    out = tmp_path / "out"
    done = negsim_in_process(
        "sweep",
        "--design-file",
        str(design),
        "--runs",
        "4",
        "--workers",
        "1",
        "--outcome",
        "days:announced:convened",
        "--keep-runs",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    with open(out / "sweep_runs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 8
    assert [r[TEMPO] for r in rows] == ["3"] * 4 + ["8"] * 4
    assert "days:announced:convened" in rows[0]
    with open(out / "sweep_custom.csv", newline="") as f:
        custom = list(csv.DictReader(f))
    assert [r["interval"] for r in custom] == ["95% t", "95% t"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        (f"{TEMPO}\nfast\n", "row 2, column 'actors.russia.tempo_days': 'fast' is not a finite"),
        ("actors.russia.tempo_dayz\n3\n", "actors.russia.tempo_dayz: unknown key"),
    ],
)
def test_a_bad_design_file_is_one_line_and_status_2(
    tmp_path: Path, content: str, message: str
) -> None:
    design = tmp_path / "design.csv"
    design.write_text(content)
    done = negsim_in_process("sweep", "--design-file", str(design), "--runs", "1")
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_fifo_as_design_file_fails_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "design.csv"
    os.mkfifo(fifo)
    done = negsim_in_process("sweep", "--design-file", str(fifo), "--runs", "1")
    assert done.returncode == 2
    assert "not a regular file" in done.stderr


def test_sweep_needs_params_or_a_design_file_not_both(tmp_path: Path) -> None:
    design = tmp_path / "design.csv"
    design.write_text(f"{TEMPO}\n3\n")
    for args in ([], ["--param", f"{TEMPO}=2:3", "--design-file", str(design)]):
        done = negsim_in_process("sweep", "--runs", "1", *args)
        assert done.returncode == 2
        assert "give --param KEY=... (repeatable) or --design-file CSV" in done.stderr
