"""Run and comparison folders read back: what ``--out`` writes, typed and checked together.

:func:`read_results` reads a folder written by ``negsim run --out`` or
``negsim compare --out`` into the records of :mod:`sim.output.records` and
checks that its files agree:

* ``summary.json`` with itself: every stage and ending at every deadline, in
  the scenario's order; counts within the runs and the probabilities their
  shares; intervals around their estimates; a later stage never reached more
  often than an earlier one; the last stage, the endings and "still open"
  adding up to the runs; the provenance naming the same scenario, seed and
  runs; for a comparison, each difference the two sides' probabilities and
  its pairs adding up to the runs;
* ``deadlines.csv`` with ``summary.json``, row for row;
* ``runs.csv`` with both: the columns of
  :data:`sim.experiments.frames.RUN_COLUMNS` (recognised from there, not
  listed here), a row per run in order, every cell what its column holds, and
  the runs giving the counts of ``summary.json`` (each stage and ending by each
  deadline, where the deadline stood in each run; for a comparison, the
  pairs).

Every problem is one line of a :class:`~sim.output.fields.ResultsError` naming
the file and the key, or the line and the column; all the problems of a file
(and of the files checked against it) are reported at once. Figures are not
read here.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from sim.experiments.frames import (
    DEADLINE_DAY,
    ENDING,
    ENDING_DAY,
    EVENTS,
    RUN_COLUMNS,
    STAGE_DAY,
    RunColumn,
)
from sim.files import JsonFileError, read_json_file
from sim.output.fields import (
    COUNT,
    PROBABILITY,
    CsvTable,
    JsonNode,
    Kind,
    Problems,
    ResultsError,
    from_json,
    number,
    one_of,
    or_none,
    read_csv,
    read_json_root,
    show,
)
from sim.output.records import (
    DEADLINE_COLUMNS,
    DIFFERENCE_COLUMNS,
    PAIRED_PREFIXES,
    RUN_COLUMN,
    ComparisonSummary,
    DeadlineRow,
    DifferenceRow,
    Estimates,
    OutcomeEstimate,
    Paired,
    Provenance,
    RunSummary,
)

__all__ = [
    "AGREE",
    "ComparisonFolder",
    "ResultsError",
    "RunFolder",
    "RunsTable",
    "read_deadlines",
    "read_differences",
    "read_paired_runs",
    "read_results",
    "read_runs",
    "read_summary",
    "read_summary_root",
]

#: Two numbers from different places in one folder agree if they differ by less.
AGREE = 1e-9


# -- summary.json ----------------------------------------------------------------------


def read_summary_root(folder: str | os.PathLike[str], name: str, commands: str) -> JsonNode:
    """Read the JSON file ``name`` of a results folder: its top level, an object.

    ``commands`` says which commands write it, for the message when it is missing.

    Raises
    ------
    ResultsError
        If the folder or the file is missing, or the file is not a JSON object.
    """
    path = Path(folder)
    if not path.exists():
        raise ResultsError(f"{path}: no such folder")
    if not path.is_dir():
        raise ResultsError(f"{path}: not a folder")
    file = path / name
    if not file.exists() and not file.is_symlink():
        raise ResultsError(f"{path}: no {name} (written by {commands})")
    try:
        return read_json_root(file, read_json_file(file))
    except JsonFileError as exc:
        raise ResultsError(str(exc)) from None


def read_summary(folder: str | os.PathLike[str]) -> RunSummary | ComparisonSummary:
    """Read and check ``summary.json`` of a run's or a comparison's folder.

    Raises
    ------
    ResultsError
        If the folder or the file is missing, the file is not JSON, or keys are
        missing, hold bad values or contradict each other (one line each).
    """
    root = read_summary_root(
        folder, "summary.json", "'negsim run --out' and 'negsim compare --out'"
    )
    kind = root.member("kind")
    if kind is None:
        raise ResultsError(f"{root.path}: missing key 'kind'")
    problems = Problems()
    if one_of("run", "compare").from_json(kind) == "run":
        run = from_json(RunSummary, root)
        _check_run_summary(root.path, run, problems)
        problems.raise_any()
        return run
    comparison = from_json(ComparisonSummary, root)
    _check_comparison_summary(root.path, comparison, problems)
    problems.raise_any()
    return comparison


def _refuse(file: Path, key: str, expected: str, got: object) -> ResultsError:
    if isinstance(got, dt.date):
        got = got.isoformat()
    return ResultsError(f"{file}: key '{key}': expected {expected}, got {show(got)}")


def _differ(x: float, y: float) -> bool:
    return abs(x - y) > AGREE


class _Checks:
    """The consistency checks of one JSON file, each problem one line added to ``problems``."""

    def __init__(self, file: Path, problems: Problems) -> None:
        self.file = file
        self.problems = problems

    def expect(self, ok: bool, key: str, expected: str, got: object) -> bool:
        if not ok:
            self.problems.add(_refuse(self.file, key, expected, got))
        return ok

    def share(self, key: str, p: float, low: float, high: float, count: int, runs: int) -> None:
        """A share of runs: its count within the runs, and an interval around it."""
        if self.expect(count <= runs, f"{key}.count", f"at most the {runs} runs", count):
            self.expect(
                not _differ(p, count / runs),
                f"{key}.probability",
                f"{count}/{runs}, the share its count gives",
                p,
            )
        self.expect(
            low - AGREE <= p <= high + AGREE,
            f"{key}.ci_low",
            f"an interval around the probability {p!r} (to ci_high {high!r})",
            low,
        )

    def outcomes(self, key: str, found: Sequence[OutcomeEstimate], e: Estimates) -> None:
        """Every stage then every ending, as the scenario lists them, counted consistently."""
        expected = [(s.name, s.label, "stage") for s in e.stages] + [
            (x.name, x.label, "ending") for x in e.endings
        ]
        got = [(o.name, o.label, o.kind) for o in found]
        if not self.expect(
            got == expected,
            key,
            "every stage then every ending, named as in 'stages' and 'endings'",
            [o.name for o in found],
        ):
            return
        for i, o in enumerate(found):
            self.share(f"{key}[{i}]", o.probability, o.ci_low, o.ci_high, o.count, e.runs)
        stages = found[: len(e.stages)]
        for i in range(1, len(stages)):
            self.expect(
                stages[i].count <= stages[i - 1].count,
                f"{key}[{i}].count",
                f"at most the {stages[i - 1].count} runs of the stage before",
                stages[i].count,
            )
        ended = stages[-1].count + sum(o.count for o in found[len(e.stages) :])
        self.expect(
            ended <= e.runs,
            f"{key}",
            f"the last stage and the endings counting at most the {e.runs} runs",
            ended,
        )


def _check_median(
    c: _Checks, at: str, day: float | None, date: dt.date | None, e: Estimates
) -> None:
    """A median day and its date: both null, or the date the day falls on, by the horizon."""
    if (day is None) != (date is None):
        c.expect(False, f"{at}.median_date", "null exactly when median_day is", date)
        return
    if day is None or date is None:
        return
    horizon = f"a day from 0 to {e.horizon_day} (the horizon)"
    if c.expect(day <= e.horizon_day, f"{at}.median_day", horizon, day):
        want = e.start + dt.timedelta(days=math.floor(day))
        c.expect(date == want, f"{at}.median_date", f"{want} (day {day:g})", date)


def _check_estimates(checks: _Checks, key: str, e: Estimates) -> None:
    """The estimates of one scenario agree with themselves."""
    c = checks
    c.expect(
        e.start < e.horizon, f"{key}.start", f"a date before the horizon ({e.horizon})", e.start
    )
    c.expect(
        e.start <= e.as_of <= e.horizon,
        f"{key}.as_of",
        f"a date from {e.start} to the horizon ({e.horizon})",
        e.as_of,
    )
    if not c.expect(bool(e.stages), f"{key}.stages", "at least one stage", []):
        return
    names = e.outcome_names
    c.expect(
        len(set(names)) == len(names), f"{key}.endings", "names no stage or ending repeats", names
    )
    for i, s in enumerate(e.stages):
        _check_median(c, f"{key}.stages[{i}]", s.median_day, s.median_date, e)
    labels = {s.name: s.label for s in e.stages}
    for i, d in enumerate(e.deadlines):
        at = f"{key}.deadlines[{i}]"
        c.expect(d.date >= e.start, f"{at}.date", f"a date from {e.start} on", d.date)
        days = (d.date - e.start).days
        c.expect(d.day == days, f"{at}.day", f"{days} (the days from {e.start} to {d.date})", d.day)
        c.expect(d.runs == e.runs, f"{at}.runs", f"{e.runs}, the runs", d.runs)
        if not c.expect(
            labels.get(d.stage) == d.stage_label,
            f"{at}.stage",
            "a stage of 'stages', with its label as stage_label",
            d.stage,
        ):
            continue
        c.outcomes(f"{at}.outcomes", d.outcomes, e)
        own = [o for o in d.outcomes if o.kind == "stage" and o.name == d.stage]
        if own:
            o = own[0]
            same = (o.probability, o.ci_low, o.ci_high, o.count) == (
                d.probability,
                d.ci_low,
                d.ci_high,
                d.reached,
            )
            c.expect(
                same, f"{at}.probability", f"the numbers of its stage '{d.stage}'", d.probability
            )
        if d.from_record:
            c.expect(
                d.reached in (0, d.runs),
                f"{at}.reached",
                "0 or every run (a deadline before the forecast origin is in the record)",
                d.reached,
            )
    h = e.by_horizon
    c.outcomes(f"{key}.by_horizon.outcomes", h.outcomes, e)
    left = h.still_open
    c.share(
        f"{key}.by_horizon.still_open",
        left.probability,
        left.ci_low,
        left.ci_high,
        left.count,
        e.runs,
    )
    if len(h.outcomes) == len(names):
        last = h.outcomes[len(e.stages) - 1].count
        ended = sum(o.count for o in h.outcomes[len(e.stages) :])
        c.expect(
            last + ended + left.count == e.runs,
            f"{key}.by_horizon.still_open.count",
            f"the runs left of {e.runs} after the last stage and the endings",
            left.count,
        )


def _check_provenance(checks: _Checks, key: str, p: Provenance, e: Estimates, at: str) -> None:
    """The provenance names the scenario, seed and runs the estimates are of."""
    for name, mine, theirs in (
        ("scenario", p.scenario, e.scenario),
        ("scenario_sha256", p.scenario_sha256, e.scenario_sha256),
        ("seed", p.seed, e.seed),
        ("runs", p.runs, e.runs),
    ):
        checks.expect(mine == theirs, f"{key}.{name}", f"the same as '{at}.{name}'", mine)


def _check_files(checks: _Checks, files: Sequence[str]) -> None:
    for needed in ("deadlines.csv", "runs.csv"):
        checks.expect(needed in files, "files", f"a list that names {needed}", list(files))


def _check_run_summary(file: Path, s: RunSummary, problems: Problems) -> None:
    c = _Checks(file, problems)
    _check_estimates(c, "result", s.result)
    _check_provenance(c, "provenance", s.provenance, s.result, "result")
    names = [d.name for d in s.result.deadlines]
    for i, name in enumerate(s.deadline_filter or ()):
        c.expect(name in names, f"deadline_filter[{i}]", f"a deadline ({', '.join(names)})", name)
    _check_files(c, s.files)


def _check_paired(c: _Checks, at: str, d: Paired, base: float, alt: float, counts: Any) -> None:
    """One paired comparison: both sides' probabilities, its pairs, its difference."""
    runs = d.both + d.only_base + d.only_alt + d.neither
    for side, value, known in (("base", d.base_probability, base), ("alt", d.alt_probability, alt)):
        c.expect(not _differ(value, known), f"{at}.{side}_probability", f"{known!r}", value)
    base_count, alt_count, total = counts
    c.expect(runs == total, f"{at}.neither", f"the pairs left of the {total} runs", d.neither)
    c.expect(
        d.both + d.only_base == base_count and d.both + d.only_alt == alt_count,
        f"{at}.both",
        f"pairs that add up to the runs that reached it ({base_count} and {alt_count})",
        d.both,
    )
    c.expect(
        not _differ(d.difference, d.alt_probability - d.base_probability),
        f"{at}.difference",
        "alt_probability - base_probability",
        d.difference,
    )
    for low, high, what in (
        (d.ci_low, d.ci_high, "ci"),
        (d.unpaired_ci_low, d.unpaired_ci_high, "unpaired_ci"),
    ):
        c.expect(
            low - AGREE <= d.difference <= high + AGREE,
            f"{at}.{what}_low",
            f"an interval around the difference (to {high!r})",
            low,
        )


def _check_comparison_summary(file: Path, s: ComparisonSummary, problems: Problems) -> None:
    c = _Checks(file, problems)
    r = s.result
    for side, e in (("base", r.base), ("alt", r.alt)):
        # The runs and seed first: estimates of another number of runs fail every other check.
        for name, mine, theirs in (("runs", e.runs, r.runs), ("seed", e.seed, r.seed)):
            c.expect(mine == theirs, f"result.{side}.{name}", f"{theirs}, as 'result.{name}'", mine)
    for side, e in (("base", r.base), ("alt", r.alt)):
        _check_estimates(c, f"result.{side}", e)
        p = getattr(s.provenance, side)
        _check_provenance(c, f"provenance.{side}", p, e, f"result.{side}")
    _check_files(c, s.files)
    same = c.expect(
        r.base.outcome_names == r.alt.outcome_names,
        "result.alt.stages",
        "the stages and endings of result.base",
        list(r.alt.outcome_names),
    )
    names = [(d.name, d.date, d.stage) for d in r.base.deadlines]
    same = same and c.expect(
        [(d.name, d.date, d.stage) for d in r.alt.deadlines] == names,
        "result.alt.deadlines",
        "the deadlines of result.base (names, dates and stages)",
        [d.name for d in r.alt.deadlines],
    )
    same = same and c.expect(
        [(d.name, d.date, d.stage) for d in r.deadlines] == names,
        "result.deadlines",
        "one entry per deadline of result.base, in order",
        [d.name for d in r.deadlines],
    )
    if not same or problems:
        return
    for i, (d, b, a) in enumerate(zip(r.deadlines, r.base.deadlines, r.alt.deadlines, strict=True)):
        at = f"result.deadlines[{i}]"
        if not c.expect(
            [o.name for o in d.outcomes] == list(r.base.outcome_names),
            f"{at}.outcomes",
            "every stage then every ending",
            [o.name for o in d.outcomes],
        ):
            continue
        for k, (o, ob, oa) in enumerate(zip(d.outcomes, b.outcomes, a.outcomes, strict=True)):
            counts = (ob.count, oa.count, r.runs)
            _check_paired(c, f"{at}.outcomes[{k}]", o, ob.probability, oa.probability, counts)
        own = b.own, a.own
        _check_paired(
            c, at, d, own[0].probability, own[1].probability, (own[0].count, own[1].count, r.runs)
        )


# -- deadlines.csv ---------------------------------------------------------------------


def _mixed(path: Path, what: str) -> ResultsError:
    return ResultsError(
        f"{path}: does not match summary.json ({what}); the folder mixes files of two "
        "commands: write the results again with --out"
    )


def _rows(table: CsvTable, record: Callable[..., Any], problems: Problems) -> list[Any]:
    """Every row of ``table`` as ``record``, the bad cells added to ``problems``."""
    rows = []
    for i in range(len(table.rows)):
        try:
            rows.append(table.record(record, i))
        except ResultsError as exc:
            problems.add(exc)
    return rows


def _same(a: object, b: object) -> list[str]:
    """The fields in which two records of one type differ (numbers to :data:`AGREE`)."""
    found = []
    for f in fields(type(a)):  # type: ignore[arg-type]
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, float) and isinstance(y, float):
            if _differ(x, y):
                found.append(f.name)
        elif x != y:
            found.append(f.name)
    return found


def _compare_rows(path: Path, got: Sequence[Any], want: Sequence[Any], problems: Problems) -> None:
    keys = [(w.deadline, w.outcome) for w in want]
    if [(g.deadline, g.outcome) for g in got] != keys:
        problems.add(_mixed(path, "not one row per deadline and outcome of it, in order"))
        return
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        differ = _same(g, w)
        if differ:
            problems.add(
                _mixed(
                    path,
                    f"line {i + 2}, deadline '{g.deadline}', outcome '{g.outcome}': "
                    f"{', '.join(differ)} differ",
                )
            )


def deadline_rows(e: Estimates) -> list[DeadlineRow]:
    """The rows of a run's ``deadlines.csv``: every outcome by every deadline.

    The writer writes them and the reader checks the file against them, so the
    file is a function of ``summary.json``.
    """
    return [
        DeadlineRow(
            scenario=e.scenario,
            deadline=d.name,
            deadline_label=d.label,
            date=d.date,
            day=d.day,
            from_record=d.from_record,
            outcome=o.name,
            outcome_label=o.label,
            kind=o.kind,
            is_deadline_stage=o.kind == "stage" and o.name == d.stage,
            probability=o.probability,
            ci_low=o.ci_low,
            ci_high=o.ci_high,
            count=o.count,
            runs=d.runs,
        )
        for d in e.deadlines
        for o in d.outcomes
    ]


def difference_rows(s: ComparisonSummary) -> list[DifferenceRow]:
    """The rows of a comparison's ``deadlines.csv``: every outcome by every deadline."""
    r = s.result
    rows = []
    for d, b, a in zip(r.deadlines, r.base.deadlines, r.alt.deadlines, strict=True):
        for o, ob, oa in zip(d.outcomes, b.outcomes, a.outcomes, strict=True):
            paired = {f.name: getattr(o, f.name) for f in fields(Paired)}
            rows.append(
                DifferenceRow(
                    deadline=d.name,
                    deadline_label=d.label,
                    date=d.date,
                    from_record=b.from_record,
                    outcome=o.name,
                    outcome_label=o.label,
                    kind=o.kind,
                    is_deadline_stage=o.kind == "stage" and o.name == d.stage,
                    base_ci_low=ob.ci_low,
                    base_ci_high=ob.ci_high,
                    alt_ci_low=oa.ci_low,
                    alt_ci_high=oa.ci_high,
                    runs=r.runs,
                    **paired,
                )
            )
    return rows


def read_deadlines(
    folder: str | os.PathLike[str], summary: RunSummary, problems: Problems | None = None
) -> tuple[DeadlineRow, ...]:
    """Read a run's ``deadlines.csv``, checked against its ``summary.json``.

    Problems are added to ``problems`` when it is given, else raised.

    Raises
    ------
    ResultsError
        If the file is missing or unreadable, cells are bad, or its rows are
        not those of ``summary``.
    """
    found = Problems()
    table = read_csv(Path(folder) / "deadlines.csv")
    table.require(DEADLINE_COLUMNS)
    rows = _rows(table, DeadlineRow, found)
    if not found:
        _compare_rows(table.path, rows, deadline_rows(summary.result), found)
    if problems is None:
        found.raise_any()
    else:
        problems.lines.extend(found.lines)
    return tuple(rows)


def read_differences(
    folder: str | os.PathLike[str], summary: ComparisonSummary, problems: Problems | None = None
) -> tuple[DifferenceRow, ...]:
    """Read a comparison's ``deadlines.csv``, checked against its ``summary.json``.

    Raises
    ------
    ResultsError
        As :func:`read_deadlines`.
    """
    found = Problems()
    table = read_csv(Path(folder) / "deadlines.csv")
    table.require(DIFFERENCE_COLUMNS)
    rows = _rows(table, DifferenceRow, found)
    if not found:
        _compare_rows(table.path, rows, difference_rows(summary), found)
    if problems is None:
        found.raise_any()
    else:
        problems.lines.extend(found.lines)
    return tuple(rows)


# -- runs.csv --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunsTable:
    """The runs of one scenario, from ``runs.csv``: a column by name, a cell per run.

    Attributes
    ----------
    runs
        How many runs (rows).
    columns
        Every column of the scenario (without a comparison's prefix), in file
        order: days and readiness as floats, counts as ints, an ending's id as
        a string; ``None`` where nothing happened (an empty cell).
    """

    runs: int
    columns: Mapping[str, tuple[Any, ...]]

    def ids(self, family: RunColumn) -> tuple[str, ...]:
        """The ids of the columns of a family, in file order (the gates settled, say)."""
        return tuple(i for name in self.columns if (i := family.match(name)) is not None)

    def column(self, family: RunColumn, ident: str = "") -> tuple[Any, ...]:
        """The cells of a column (``ident`` for a family's)."""
        return self.columns[family.name(ident)]


def _kind(column: RunColumn, e: Estimates) -> Kind[Any]:
    """What a cell of ``column`` may hold for these estimates."""
    if column.holds == "count":
        return COUNT
    if column.holds == "readiness":
        return PROBABILITY
    if column.holds == "ending":
        names = [x.name for x in e.endings]
        what = f"an ending's id ({', '.join(names)})" if names else "nothing (no endings)"
        return or_none(one_of(*names, expected=what))
    if column is DEADLINE_DAY:
        return number(0.0, math.inf, "a day number, 0 or more")
    # A run ends at the end of its horizon day: nothing happens from day horizon_day + 1 on.
    horizon = e.horizon_day + 1
    return or_none(
        number(
            0.0,
            math.nextafter(float(horizon), 0.0),
            "a day from 0 to the horizon's end",
        )
    )


def _expected_columns(e: Estimates) -> tuple[list[str], list[str]]:
    """The columns every run of ``e`` has (per stage, per deadline, fixed), and the others'."""
    needed: list[str] = []
    optional: list[str] = []
    for column in RUN_COLUMNS:
        if column is STAGE_DAY:
            needed += [column.name(s.name) for s in e.stages]
        elif column is DEADLINE_DAY:
            needed += [column.name(d.name) for d in e.deadlines]
        elif column.family:
            optional.append(column.pattern)
        else:
            needed.append(column.name())
    return needed, optional


def _family(name: str) -> tuple[RunColumn, str] | None:
    for column in RUN_COLUMNS:
        ident = column.match(name)
        if ident is not None:
            return column, ident
    return None


def _read_side(table: CsvTable, prefix: str, e: Estimates, problems: Problems) -> RunsTable | None:
    """The columns of one scenario (those starting with ``prefix``), every cell checked."""
    before = len(problems.lines)
    needed, optional = _expected_columns(e)
    own = [
        c.removeprefix(prefix) for c in table.columns if c.startswith(prefix) and c != RUN_COLUMN
    ]
    missing = [c for c in needed if c not in own]
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        problems.add(
            ResultsError(
                f"{table.path}: no column {', '.join(prefix + m for m in missing[:3])}{more}; "
                "the file is incomplete or of another scenario"
            )
        )
        return None
    kinds: dict[str, Kind[Any]] = {}
    for name in own:
        found = _family(name)
        if found is None or (name not in needed and found[0].pattern not in optional):
            problems.add(
                ResultsError(
                    f"{table.path}: column '{prefix + name}' is not a column negsim writes"
                )
            )
            continue
        kinds[name] = _kind(found[0], e)
    if len(problems.lines) > before:
        return None
    columns: dict[str, list[Any]] = {name: [] for name in kinds}
    for i in range(len(table.rows)):
        for name, kind in kinds.items():
            try:
                columns[name].append(table.value(i, prefix + name, kind))
            except ResultsError as exc:
                problems.add(exc)
                columns[name].append(None)
    return RunsTable(len(table.rows), {name: tuple(cells) for name, cells in columns.items()})


def _check_run_indexes(table: CsvTable, runs: int, what: str, problems: Problems) -> bool:
    """One row per run, numbered in order."""
    if RUN_COLUMN not in table.columns:
        problems.add(
            ResultsError(f"{table.path}: no column '{RUN_COLUMN}'; the file is incomplete")
        )
        return False
    if len(table.rows) != runs:
        problems.add(_mixed(table.path, f"{len(table.rows)} {what}, not {runs}"))
        return False
    for i in range(len(table.rows)):
        if table.text(i, RUN_COLUMN).strip() != str(i):
            problems.add(table.bad(i, RUN_COLUMN, f"{i} (runs are numbered 0, 1, 2, ... in order)"))
    return not problems


def reached(runs: RunsTable, e: Estimates) -> dict[tuple[str, str], tuple[bool, ...]]:
    """Per (deadline, outcome): whether each run reached the stage, or ended so, by the deadline.

    "By the deadline" is by where the deadline stood in that run, as the
    estimates count it.
    """
    found: dict[tuple[str, str], tuple[bool, ...]] = {}
    ending = runs.column(ENDING)
    ending_day = runs.column(ENDING_DAY)
    for d in e.deadlines:
        by = runs.column(DEADLINE_DAY, d.name)
        for s in e.stages:
            days = runs.column(STAGE_DAY, s.name)
            found[d.name, s.name] = tuple(
                x is not None and x <= limit for x, limit in zip(days, by, strict=True)
            )
        for x in e.endings:
            found[d.name, x.name] = tuple(
                name == x.name and day is not None and day <= limit
                for name, day, limit in zip(ending, ending_day, by, strict=True)
            )
    return found


def _check_runs(path: Path, runs: RunsTable, e: Estimates, problems: Problems) -> None:
    """The runs give the estimates: every outcome by every deadline and the horizon, the events."""
    by = reached(runs, e)
    for d in e.deadlines:
        for o in d.outcomes:
            count = sum(by[d.name, o.name])
            if count != o.count:
                problems.add(
                    _mixed(path, f"{count} runs, not {o.count}, reached '{o.name}' by '{d.name}'")
                )
    for o in e.by_horizon.outcomes:
        if o.kind == "stage":
            count = sum(x is not None for x in runs.column(STAGE_DAY, o.name))
        else:
            count = runs.column(ENDING).count(o.name)
        if count != o.count:
            problems.add(
                _mixed(path, f"{count} runs, not {o.count}, reached '{o.name}' by the horizon")
            )
    for i, (name, day) in enumerate(zip(runs.column(ENDING), runs.column(ENDING_DAY), strict=True)):
        if (name is None) != (day is None):
            problems.add(
                ResultsError(
                    f"{path}: line {i + 2}: '{ENDING.name()}' and '{ENDING_DAY.name()}' must "
                    "both be empty or both be given"
                )
            )
    events = sum(runs.column(EVENTS))
    if events != e.events:
        problems.add(_mixed(path, f"{events} events, not {e.events}"))


def read_runs(
    folder: str | os.PathLike[str], summary: RunSummary, problems: Problems | None = None
) -> RunsTable | None:
    """Read a run's ``runs.csv``, checked against its ``summary.json``.

    Returns ``None`` when the file has problems and ``problems`` collects them.

    Raises
    ------
    ResultsError
        If the file is missing or unreadable, cells are bad, or the runs are
        not those the estimates were made of (when ``problems`` is not given).
    """
    found = Problems()
    table = read_csv(Path(folder) / "runs.csv")
    e = summary.result
    runs = None
    if _check_run_indexes(table, e.runs, "runs", found):
        runs = _read_side(table, "", e, found)
        if runs is not None and not found:
            _check_runs(table.path, runs, e, found)
    if problems is None:
        found.raise_any()
    else:
        problems.lines.extend(found.lines)
    return runs if not found else None


def read_paired_runs(
    folder: str | os.PathLike[str], summary: ComparisonSummary, problems: Problems | None = None
) -> tuple[RunsTable, RunsTable] | None:
    """Read a comparison's ``runs.csv`` (one row per pair), checked against its ``summary.json``.

    Returns
    -------
    tuple[RunsTable, RunsTable] or None
        The baseline's runs and the alternative's (``None`` when ``problems``
        collects their problems).

    Raises
    ------
    ResultsError
        As :func:`read_runs`, and if the pairs do not give the paired counts
        of ``summary``'s differences.
    """
    found = Problems()
    table = read_csv(Path(folder) / "runs.csv")
    r = summary.result
    sides = None
    if _check_run_indexes(table, r.runs, "paired runs", found):
        base_prefix, alt_prefix = PAIRED_PREFIXES
        base = _read_side(table, base_prefix, r.base, found)
        alt = _read_side(table, alt_prefix, r.alt, found)
        if base is not None and alt is not None and not found:
            _check_runs(table.path, base, r.base, found)
            _check_runs(table.path, alt, r.alt, found)
            if not found:
                _check_pairs(table.path, base, alt, summary, found)
            sides = base, alt
    if problems is None:
        found.raise_any()
    else:
        problems.lines.extend(found.lines)
    return sides if not found else None


def _check_pairs(
    path: Path, base: RunsTable, alt: RunsTable, s: ComparisonSummary, problems: Problems
) -> None:
    by_base = reached(base, s.result.base)
    by_alt = reached(alt, s.result.alt)
    for d in s.result.deadlines:
        for o in d.outcomes:
            pairs = list(zip(by_base[d.name, o.name], by_alt[d.name, o.name], strict=True))
            counts = (
                pairs.count((True, True)),
                pairs.count((True, False)),
                pairs.count((False, True)),
                pairs.count((False, False)),
            )
            if counts != (o.both, o.only_base, o.only_alt, o.neither):
                problems.add(_mixed(path, f"deadline '{d.name}', outcome '{o.name}': other pairs"))


# -- a whole folder --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunFolder:
    """A folder written by ``negsim run --out``, read and checked."""

    path: Path
    summary: RunSummary
    deadlines: tuple[DeadlineRow, ...]
    runs: RunsTable


@dataclass(frozen=True, slots=True)
class ComparisonFolder:
    """A folder written by ``negsim compare --out``, read and checked."""

    path: Path
    summary: ComparisonSummary
    differences: tuple[DifferenceRow, ...]
    base_runs: RunsTable
    alt_runs: RunsTable


def read_results(folder: str | os.PathLike[str]) -> RunFolder | ComparisonFolder:
    """Read a results folder: ``summary.json``, ``deadlines.csv``, ``runs.csv``, checked together.

    Figures are not read here: they are listed in ``summary.files``.

    Raises
    ------
    ResultsError
        With one line per problem, each naming the file and the key, or the
        line and the column.
    """
    path = Path(folder)
    summary = read_summary(path)
    problems = Problems()
    if isinstance(summary, RunSummary):
        rows = read_deadlines(path, summary, problems)
        runs = read_runs(path, summary, problems)
        problems.raise_any()
        assert runs is not None
        return RunFolder(path, summary, rows, runs)
    differences = read_differences(path, summary, problems)
    sides = read_paired_runs(path, summary, problems)
    problems.raise_any()
    assert sides is not None
    return ComparisonFolder(path, summary, differences, *sides)
