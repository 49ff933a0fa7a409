"""Tests of sim.experiments.store: the durable, resumable results log of a sweep."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.experiments.custom import CustomSummary
from sim.experiments.store import (
    FORMAT_VERSION,
    LOG_NAME,
    PointRecord,
    PointStore,
    StoreError,
    fingerprint,
    read_log,
)

IDENTITY: dict[str, Any] = {
    "kind": "sweep",
    "version": "0.1.0",
    "scenario_sha256": "ab" * 32,
    "design": {"kind": "grid", "seed": 0, "points": 3, "params": [{"key": "x", "values": [1]}]},
    "runs": 5,
    "seed": 0,
}


def record(point: int, convened: int = 1) -> PointRecord:
    """A point's record: per deadline, how many of its 5 runs reached each stage or ending."""
    return PointRecord(
        point,
        {"x": point},
        5,
        {
            "soon": {"announced": convened + 1, "convened": convened, "collapse": 0},
            "late": {"announced": convened + 2, "convened": convened + 1, "collapse": 1},
        },
    )


def test_a_new_log_holds_a_header_and_each_appended_point(tmp_path: Path) -> None:
    store = PointStore.open(tmp_path, IDENTITY, 3, resume=False)
    store.append(record(2))
    store.append(record(0))
    lines = (tmp_path / LOG_NAME).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    header = json.loads(lines[0])
    assert header["negsim_points"] == FORMAT_VERSION == 2
    assert header["fingerprint"] == fingerprint(IDENTITY)
    assert header["points"] == 3
    assert json.loads(lines[1]) == {
        "point": 2,
        "values": {"x": 2},
        "runs": 5,
        "counts": {
            "soon": {"announced": 2, "convened": 1, "collapse": 0},
            "late": {"announced": 3, "convened": 2, "collapse": 1},
        },
    }
    reopened = PointStore.open(tmp_path, IDENTITY, 3, resume=True)
    assert reopened.records == {0: record(0), 2: record(2)}


def test_the_fingerprint_does_not_depend_on_key_order() -> None:
    shuffled = dict(reversed(list(IDENTITY.items())))
    assert fingerprint(shuffled) == fingerprint(IDENTITY)
    assert fingerprint({**IDENTITY, "seed": 1}) != fingerprint(IDENTITY)


def test_a_torn_last_line_is_ignored_and_repaired(tmp_path: Path) -> None:
    store = PointStore.open(tmp_path, IDENTITY, 3, resume=False)
    store.append(record(0))
    path = tmp_path / LOG_NAME
    with open(path, "a", encoding="utf-8") as f:
        f.write(record(1).to_line()[:25])  # a crash in the middle of an append
    contents = read_log(path)
    assert set(contents.records) == {0}
    assert contents.skipped == 1
    resumed = PointStore.open(tmp_path, IDENTITY, 3, resume=True)
    assert set(resumed.records) == {0}
    resumed.append(record(1))  # starts on a fresh line
    contents = read_log(path)
    assert contents.records == {0: record(0), 1: record(1)}
    assert contents.skipped == 0


def test_a_complete_last_line_without_its_newline_is_treated_as_torn(tmp_path: Path) -> None:
    PointStore.open(tmp_path, IDENTITY, 3, resume=False)
    path = tmp_path / LOG_NAME
    with open(path, "a", encoding="utf-8") as f:
        f.write(record(1).to_line())
    assert read_log(path).records == {}
    store = PointStore.open(tmp_path, IDENTITY, 3, resume=True)
    store.append(record(1))
    assert read_log(path).records == {1: record(1)}


def test_duplicate_points_are_read_once(tmp_path: Path) -> None:
    PointStore.open(tmp_path, IDENTITY, 3, resume=False)
    path = tmp_path / LOG_NAME
    with open(path, "a", encoding="utf-8") as f:
        f.write(record(1, 1).to_line() + "\n")
        f.write(record(1, 2).to_line() + "\n")
    contents = read_log(path)
    assert contents.records == {1: record(1, 1)}
    assert contents.skipped == 1
    store = PointStore.open(tmp_path, IDENTITY, 3, resume=True)
    store.append(record(1, 3))  # already there: not written again
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"seed": 1}, "the seed differs: 0 there, 1 now"),
        ({"scenario_sha256": "cd" * 32}, "the scenario"),
        ({"design": {**IDENTITY["design"], "kind": "lhs"}}, "the design differs: kind grid"),
        ({"runs": 6}, "the runs per point differs"),
    ],
)
def test_resuming_another_experiment_is_refused_in_one_line(
    tmp_path: Path, change: dict[str, Any], named: str
) -> None:
    PointStore.open(tmp_path, IDENTITY, 3, resume=False).append(record(0))
    with pytest.raises(StoreError, match="written by a different sweep") as info:
        PointStore.open(tmp_path, {**IDENTITY, **change}, 3, resume=True)
    assert named in str(info.value)
    assert "\n" not in str(info.value)


def test_a_log_with_points_is_not_overwritten_without_resume(tmp_path: Path) -> None:
    PointStore.open(tmp_path, IDENTITY, 3, resume=False).append(record(0))
    with pytest.raises(StoreError, match="add --resume"):
        PointStore.open(tmp_path, IDENTITY, 3, resume=False)


def test_a_log_with_a_header_only_is_started_anew(tmp_path: Path) -> None:
    PointStore.open(tmp_path, IDENTITY, 3, resume=False)
    store = PointStore.open(tmp_path, {**IDENTITY, "seed": 4}, 3, resume=False)
    assert store.records == {}
    assert read_log(tmp_path / LOG_NAME).header["identity"]["seed"] == 4


def test_resume_without_a_log_starts_one(tmp_path: Path) -> None:
    store = PointStore.open(tmp_path, IDENTITY, 3, resume=True)
    assert store.records == {}
    assert (tmp_path / LOG_NAME).is_file()


def test_a_file_that_is_not_a_log_is_refused(tmp_path: Path) -> None:
    (tmp_path / LOG_NAME).write_text("hello\n", encoding="utf-8")
    with pytest.raises(StoreError, match="not a negsim results log"):
        PointStore.open(tmp_path, IDENTITY, 3, resume=True)


def test_a_point_beyond_the_design_is_refused(tmp_path: Path) -> None:
    PointStore.open(tmp_path, IDENTITY, 3, resume=False).append(record(7))
    with pytest.raises(StoreError, match="holds point 7, but the sweep has 3 points"):
        PointStore.open(tmp_path, IDENTITY, 3, resume=True)


def kept_record(point: int, **change: object) -> dict[str, Any]:
    """A point's record with a custom outcome and its 2 runs kept, as a log line holds it."""
    runs = 2
    obj: dict[str, Any] = {
        "point": point,
        "values": {"x": point},
        "runs": runs,
        "counts": {"soon": {"announced": 2, "convened": 1, "collapse": 1}},
        "custom": {
            "fast": CustomSummary.of(
                "fast", np.array([1.0, math.nan]), np.array([True, False])
            ).to_json()
        },
        "kept": {
            "stage_days": [[3.0, 9.0], [4.0, None]],
            "ending": [-1, 0],
            "ending_day": [None, 12.0],
            "deadline_days": [[10], [12]],
            "custom": [[1.0], [None]],
        },
    }
    obj["kept"].update(change)
    return obj


def test_custom_outcomes_and_kept_runs_read_back_exactly() -> None:
    line = json.dumps(kept_record(0))
    parsed = PointRecord.from_json(json.loads(line))
    assert parsed is not None
    assert json.loads(parsed.to_line()) == json.loads(line)
    assert parsed.custom["fast"] == CustomSummary.from_json(
        "fast", kept_record(0)["custom"]["fast"]
    )
    kept = parsed.kept
    assert kept is not None
    assert np.array_equal(kept.stage_days, [[3, 9], [4, math.nan]], equal_nan=True)
    assert kept.ending.tolist() == [-1, 0]
    assert kept.ending.dtype == np.int16
    assert np.array_equal(kept.ending_day, [math.nan, 12], equal_nan=True)
    assert kept.deadline_days.tolist() == [[10], [12]]
    assert kept.deadline_days.dtype == np.int32
    assert np.array_equal(kept.custom, [[1], [math.nan]], equal_nan=True)


@pytest.mark.parametrize(
    "change",
    [
        {"stage_days": [3, 4]},  # rows that are not lists (this raised TypeError)
        {"deadline_days": [10, 12]},
        {"stage_days": ["39", "4"]},
        {"stage_days": [[3.0, 9.0], [4.0]]},  # ragged
        {"stage_days": [[3.0, "9"], [4.0, None]]},  # not a number
        {"stage_days": [[3.0, True], [4.0, None]]},
        {"ending": [-1, 0.5]},  # an ending's index is a whole number
        {"ending": [-1, -2]},
        {"ending": [-1, 99999]},  # beyond int16: it wrapped round to -31073
        {"ending": [-1, None]},
        {"deadline_days": [[10], [12.5]]},
        {"deadline_days": [[10], [None]]},
        {"custom": [[1.0, 2.0], [None, None]]},  # two values for one outcome
        {"ending_day": [None]},  # one run short
    ],
)
def test_a_record_with_damaged_kept_runs_is_skipped_not_fatal(
    tmp_path: Path, change: dict[str, Any]
) -> None:
    """A line that parses as JSON but whose kept runs are not a table of the right shape and
    types is not a record: it is skipped like a torn line, and a resumed log is repaired."""
    assert PointRecord.from_json(kept_record(1, **change)) is None
    PointStore.open(tmp_path, IDENTITY, 3, resume=False)
    path = tmp_path / LOG_NAME
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(kept_record(0)) + "\n")
        f.write(json.dumps(kept_record(1, **change)) + "\n")
    contents = read_log(path)
    assert set(contents.records) == {0}
    assert contents.skipped == 1
    PointStore.open(tmp_path, IDENTITY, 3, resume=True)
    assert read_log(path).skipped == 0
