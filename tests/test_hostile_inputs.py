"""Hostile inputs end in one clear line on stderr and exit status 2, before anything is written.

Issue 12, classes 1 to 5: parser limits (deep nesting, huge integers, long or
non-UTF-8 names, dates past the calendar), physical bounds and the event
budget, size ceilings, one-line messages, and plain text in figures. Each
test calls the command line in this process (``negsim_in_process``), which
returns and prints exactly what ``python -m sim`` does.
"""

from __future__ import annotations

import io
import os
import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import CliOutcome, tiny_dict, to_toml
from conftest import negsim_in_process as negsim

from sim.cli.terminal import PlainText, bad_argument
from sim.engine import MAX_EVENTS, EventBudgetExceeded, compile_scenario, simulate
from sim.experiments.calibrate import CalibrationSettings
from sim.experiments.sizes import TooLarge, check_fits, memory_bytes, run_bytes
from sim.scenario import ScenarioError, find_scenario, load_scenario, scenario_from_dict
from sim.scenario.loader import MAX_NESTING, parse_override

BASELINE = find_scenario(None)


def assert_refused(done: CliOutcome, *fragments: str) -> str:
    """Exit 2, nothing on stdout, exactly one line on stderr holding every fragment."""
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, lines
    assert done.stderr.endswith("\n")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert "\x1b" not in done.stderr
    return lines[0]


def extending(tmp_path: Path, name: str, text: str) -> Path:
    """A scenario file that extends the baseline with ``text``."""
    path = tmp_path / name
    path.write_text(f'extends = "{BASELINE}"\n{text}', encoding="utf-8")
    return path


# -- 1. parser limits ---------------------------------------------------------------------------


def test_a_dotted_key_1200_levels_deep_is_one_line(tmp_path: Path) -> None:
    path = extending(tmp_path, "deep.toml", "a." * 1200 + "b = 1\n")
    line = assert_refused(negsim("validate", str(path)), str(path), "nested more than")
    assert len(line) < 400


@pytest.mark.parametrize(
    "setting",
    [
        "title=" + "[" * 3000 + "]" * 3000,
        "title=" + "{a=" * 3000 + "1" + "}" * 3000,
        "a." * 1200 + "b=1",
        "actors.russia=" + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1),
    ],
    ids=["list-3000", "table-3000", "key-1200", "just-too-deep"],
)
def test_set_nested_too_deep_is_one_line(setting: str) -> None:
    assert_refused(negsim("trace", "--set", setting), "--set", "nested more than")


def test_integers_of_5000_digits_are_one_line(tmp_path: Path) -> None:
    huge = "9" * 5000
    path = extending(tmp_path, "huge.toml", f"[world]\ntick_days = {huge}\n")
    assert_refused(negsim("validate", str(path)), str(path), "too many digits")
    assert_refused(negsim("trace", "--set", f"world.tick_days={huge}"), "world.tick_days")
    out = tmp_path / "sweep"
    done = negsim(
        "sweep", "--param", f"actors.russia.tempo_days=1:{huge}", "--runs", "2", "--out", str(out)
    )
    assert_refused(done, "too large a number")
    done = negsim("sweep", "--param", f"actors.russia.tempo_days={huge},2", "--out", str(out))
    assert_refused(done, "actors.russia.tempo_days")
    assert not out.exists()


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ("actors.russia.tempo_days\n" + "9" * 5000 + "\n", "too large a number"),
        ("actors.russia.tempo_days,\x1b[2Jx\n3,4\n", "column '\\x1b[2Jx'"),
        ('actors.russia.tempo_days,"a\nb"\n3,4\n', "column 'a\\nb'"),
        ("actors.russia.tempo_days\n1e-320\n", "a run must end"),
    ],
    ids=["huge", "escape", "newline", "bound"],
)
def test_a_design_file_is_read_to_one_line(tmp_path: Path, table: str, fragment: str) -> None:
    design = tmp_path / "design.csv"
    design.write_text(table, encoding="utf-8")
    out = tmp_path / "out"
    argv = ["sweep", "--design-file", str(design), "--runs", "1", "--workers", "1"]
    assert_refused(negsim(*argv, "--out", str(out)), fragment)
    assert not out.exists() or not [p for p in out.iterdir() if not p.name.startswith(".")]


def test_a_file_name_over_255_bytes_is_one_line(tmp_path: Path) -> None:
    name = str(tmp_path / ("x" * 300 + ".toml"))
    assert_refused(negsim("validate", name))
    assert_refused(negsim("trace", name))
    path = extending(tmp_path, "child.toml", "[world]\ntick_days = 7\n").read_text()
    child = tmp_path / "kid.toml"
    child.write_text(path.replace(str(BASELINE), "y" * 300 + ".toml"), encoding="utf-8")
    assert_refused(negsim("validate", str(child)), "extends")


def test_bytes_that_are_not_utf8_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    bad = os.fsdecode(b"title=\xff\xfe")
    done = negsim("run", "--runs", "2", "--workers", "1", "--set", bad, "--out", str(out))
    assert_refused(done, "not UTF-8")
    bad_name = os.fsdecode(str(tmp_path).encode() + b"/\xff.toml")
    done = negsim("run", "--runs", "2", "--workers", "1", bad_name, "--out", str(out))
    assert_refused(done, "not UTF-8")
    assert not out.exists()
    # The API refuses them too, with the file and the key.
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(None, [bad])
    with pytest.raises(ScenarioError, match="not UTF-8"):
        find_scenario(bad_name)


def test_dates_stay_in_the_calendar(tmp_path: Path) -> None:
    # A far lead is out of bounds; a scenario at the calendar's end runs and tells its story.
    assert_refused(
        negsim("trace", "--set", "convening.lead_days=100000000"),
        "convening.lead_days",
        "at most 3650",
    )
    path = tmp_path / "y9999.toml"
    doc = tiny_dict(
        {
            "start": "9999-06-01",
            "horizon": "9999-12-31",
            "deadlines": {"soon": {"date": "9999-12-01"}},
            "initial": {"readiness": 0.99},
            "gates": {"question": {"resolved": True}},
            "convening": {
                "announce_threshold": 0.01,
                "postpone_threshold": 0.005,
                "lead_days": [3000, 3650],
            },
        }
    )
    path.write_text(to_toml(doc), encoding="utf-8")
    for seed in range(3):
        done = negsim("trace", str(path), "--seed", str(seed))
        assert done.returncode == 0, done.stderr
        # 3000 days or more ahead of June 9999: the date stops at the calendar's last day.
        assert "the date for convened: 31 December 9999" in done.stdout
        assert "the conference convenes on 31 December 9999" in done.stdout
    out = tmp_path / "out"
    done = negsim("run", str(path), "--runs", "5", "--workers", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert negsim("report", str(out)).returncode == 0


# -- 2. physical bounds and the event budget ----------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "key", "reason"),
    [
        ("actors.russia.tempo_days=1e-320", "actors.russia.tempo_days", "a run must end"),
        ("mechanisms.focal_dates.tempo_boost=1e308", "tempo_boost", "a run must end"),
        ("world.tick_days=0.001", "world.tick_days", "a run must end"),
        ("effects.target_date.target_days=1e9", "target_days", "stays in the calendar"),
    ],
)
def test_bounds_are_physical_and_say_why(setting: str, key: str, reason: str) -> None:
    assert_refused(negsim("trace", "--set", setting), key, reason)


def echo_scenario(**reaction: Any) -> dict[str, Any]:
    """The baseline where every actor answers every meeting with a meeting, at once, surely."""
    doc = tomllib.loads(BASELINE.read_text(encoding="utf-8"))
    for actor in doc["actors"].values():
        actor.setdefault("reactions", {})["echo"] = {
            "on": ["meeting"],
            "respond": "meeting",
            "probability": 1.0,
            "delay_days": 0,
            **reaction,
        }
    doc.setdefault("mechanisms", {}).setdefault("reactions", {})["max_depth"] = 10
    return doc


def test_a_run_that_exceeds_its_event_budget_stops_naming_what_drove_it() -> None:
    model = compile_scenario(scenario_from_dict(echo_scenario(), source="echo.toml"))
    with pytest.raises(EventBudgetExceeded) as info:
        simulate(model, seed=1, run=0, max_events=2000)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("geneva2_2013: run 0 of seed 1 sent more than 2,000 answers")
    assert "reactions answering at once: actors." in message
    assert ".reactions.echo (probability 1, no delay)" in message
    assert "mechanisms.reactions.max_depth=10" in message
    assert info.value.exit_status == 2


def test_fast_tempos_spend_the_budget_and_are_named() -> None:
    scenario = load_scenario(
        None, ["actors.russia.tempo_days=0.01", "mechanisms.focal_dates.tempo_boost=100"]
    )
    with pytest.raises(EventBudgetExceeded) as info:
        simulate(compile_scenario(scenario), seed=0, run=0, max_events=5000)
    message = str(info.value)
    assert "made more than 5,000 events" in message
    assert "most actions: russia" in message
    assert "shortest tempos: actors.russia.tempo_days=0.01" in message
    assert "mechanisms.focal_dates.tempo_boost=100" in message


def test_a_horizon_thousands_of_years_away_spends_the_budget_and_says_so() -> None:
    scenario = load_scenario(
        None,
        [
            "horizon=9999-12-31",
            "convening.announce_threshold=0.99",
            "convening.postpone_threshold=0.98",
        ],
    )
    with pytest.raises(EventBudgetExceeded, match=r"horizon day 2,917,134\); a run must end"):
        simulate(compile_scenario(scenario), seed=1, run=0, max_events=3000)


def test_the_budget_is_far_above_every_packaged_run(baseline: Any) -> None:
    # The budget stops nothing real: the baseline's runs make well under a fiftieth of it.
    model = compile_scenario(baseline)
    assert max(simulate(model, seed=7, run=r).events for r in range(10)) * 50 < MAX_EVENTS


@pytest.mark.slow
def test_the_command_line_stops_a_run_over_budget_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "echo.toml"
    path.write_text(to_toml(echo_scenario()), encoding="utf-8")
    out = tmp_path / "out"
    done = negsim("run", str(path), "--runs", "2", "--workers", "1", "--out", str(out))
    assert_refused(done, "without ending", "reactions answering at once")


# -- 3. size ceilings ---------------------------------------------------------------------------


def test_check_fits_refuses_with_the_estimate() -> None:
    check_fits(10, "runs", 100, memory=1000)
    with pytest.raises(TooLarge, match=r"^11 runs would take about 1\.1 kB of memory \(100 B "):
        check_fits(11, "runs", 100, memory=1000)
    assert memory_bytes() > 2**20
    assert 500 < run_bytes(load_scenario()) < 100_000


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--runs", "1000000000000"],
        ["run", "--precision", "0.01", "--max-runs", "1000000000000"],
        ["compare", "geneva2_2013", "no_embargo_lift", "--runs", "1000000000000"],
        ["sweep", "--points", "1000000000000", "--param", "actors.russia.tempo_days=2:8"],
        ["sweep", "--design", "lhs", "--points", "1000000000000", "--param", "world.tick_days=2:8"],
        ["sweep", "--runs", "1000000000000", "--param", "actors.russia.tempo_days=2:8"],
        ["sensitivity", "--samples", str(2**40), "--param", "actors.russia.tempo_days=2:8"],
        ["backtest", "--origins", "2013-06-05", "--runs", "1000000000000"],
        ["run", "--workers", "1000000000000"],
        ["compare", "geneva2_2013", "iran_seat", "--dask-local", "1000000000000"],
    ],
    ids=[
        "run",
        "precision",
        "compare",
        "grid",
        "lhs",
        "sweep-runs",
        "sensitivity",
        "backtest",
        "workers",
        "dask-local",
    ],
)
def test_sizes_that_cannot_fit_are_refused_before_anything_runs(
    argv: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    done = negsim(*argv, "--out", str(out))
    line = assert_refused(done)
    assert "1,000,000,000,000" in line or "1,099,511,627,776" in line
    assert "memory" in line or "points" in line
    # Nothing ran, nothing was written (the folder may have been made, empty, to check it).
    assert not out.exists() or not [p for p in out.iterdir() if not p.name.startswith(".")]


@pytest.mark.parametrize("size", [["--runs", "1000000000000"], ["--workers", "1000000000000"]])
def test_play_refuses_what_cannot_fit_before_the_game(size: list[str]) -> None:
    done = negsim("play", "--as", "russia", *size, "--quiet")
    assert_refused(done, "1,000,000,000,000")


def test_a_calibration_population_that_cannot_fit_is_refused() -> None:
    with pytest.raises(TooLarge, match="particles a generation would take about"):
        CalibrationSettings(population=10**12)


def test_calibration_predictive_runs_that_cannot_fit_are_refused(tmp_path: Path) -> None:
    pytest.importorskip("pyabc")
    out = tmp_path / "out"
    argv = ["calibrate", "--predictive-runs", "1000000000000", "--population", "10"]
    assert_refused(negsim(*argv, "--out", str(out)), "1,000,000,000,000 predictive runs")
    assert not out.exists() or not [p for p in out.iterdir() if not p.name.startswith(".")]


# -- 4. one-line messages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["trace", "--set", "initial.readiness=0.5\n[x]"],
        ["trace", "--set", "title=hello\nworld"],
        ["trace", "--set", "title=a\x1b[2Jb"],
        ["trace", "--set", "ti\x1b]0;pwned\x07tle=a"],
        ["run", "--deadline", "x\x1b[2J\ny"],
        ["no\nsuch", "x"],
        ["validate", "a\u2028b.toml"],
    ],
)
def test_an_argument_with_a_line_break_or_control_character_is_one_line(argv: list[str]) -> None:
    line = assert_refused(negsim(*argv), "line break or a control character")
    assert "\\x1b" in line or "\\n" in line or "\\u2028" in line or "\\x07" in line


def test_a_set_value_is_exactly_one_toml_value() -> None:
    with pytest.raises(ScenarioError, match="must be one TOML value"):
        parse_override("initial.readiness=0.5\n[x]")
    with pytest.raises(ScenarioError, match="line break or a control character"):
        parse_override("title=hello\nworld")
    assert parse_override('title="two\\nlines"') == ("title", "two\nlines")
    assert parse_override("title=Hello there") == ("title", "Hello there")
    assert parse_override("title=Café\xa0au lait") == ("title", "Café\xa0au lait")
    assert bad_argument(["run", "title=ok", "é"]) is None


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('"a\\nb" = 1', "a\\nb: unknown key"),
        ('"a\\u001b[31mred" = 1', "a\\x1b[31mred: unknown key"),
        ('title = "\\u001b[2Jboom"', "title: holds the control character U+001B"),
        ('[actors.russia]\nname = "Rus\\nsia"', "actors.russia.name: holds the control character"),
        ('title = "a\\u2028b"', "title: holds the control character U+2028 (one line of text)"),
    ],
)
def test_names_and_keys_from_a_file_are_escaped(tmp_path: Path, text: str, shown: str) -> None:
    path = extending(tmp_path, "s.toml", text + "\n")
    assert_refused(negsim("validate", str(path)), shown)


def test_what_is_printed_has_control_characters_escaped() -> None:
    sink = io.StringIO()
    stream = PlainText(sink)
    stream.write("row\tone\r\nbell\x07 esc\x1b[2J c1\x9b end\n")
    assert sink.getvalue() == "row\tone\r\nbell\\u0007 esc\\u001b[2J c1\\u009b end\n"


# -- 5. plain text in figures -------------------------------------------------------------------

MATH = "$\\undefined$"


def dollar_scenario(tmp_path: Path) -> Path:
    """The baseline with ``$\\undefined$`` in its title and every label and name."""
    doc = tomllib.loads(BASELINE.read_text(encoding="utf-8"))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("label", "name", "outcome") and isinstance(value, str):
                    node[key] = f"{MATH} {value} $x^$"
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk({k: v for k, v in doc.items() if k != "name"})
    doc["title"] = f"{MATH} title"
    path = tmp_path / "dollar.toml"
    path.write_text(to_toml(doc), encoding="utf-8")
    return path


@pytest.mark.slow
def test_figures_draw_labels_with_dollars_as_plain_text(tmp_path: Path) -> None:
    scenario = dollar_scenario(tmp_path)
    assert MATH in load_scenario(scenario).deadlines[0].label
    one = ["--workers", "1"]
    commands = {
        "run": ["run", str(scenario), "--runs", "20", *one],
        "compare": ["compare", str(scenario), "--set-alt", "world.tick_days=9", "--runs", "20"],
        "sweep": [
            "sweep",
            str(scenario),
            "--param",
            "title='$\\undefined$','$x^$'",
            "--param",
            "actors.russia.tempo_days=2:8",
            "--points",
            "2",
            "--runs",
            "5",
            *one,
        ],
        "sensitivity": [
            "sensitivity",
            str(scenario),
            "--param",
            "actors.russia.tempo_days=2:8",
            "--param",
            "world.tick_days=5:9",
            "--samples",
            "8",
            "--runs",
            "3",
            *one,
        ],
    }
    for name, argv in commands.items():
        out = tmp_path / name
        done = negsim(*argv, "--out", str(out))
        assert done.returncode == 0, (name, done.stderr)
        figures = sorted(out.glob("*.png"))
        assert figures, name
        assert all(f.read_bytes().startswith(b"\x89PNG") for f in figures)
        report = negsim("report", str(out))
        assert report.returncode == 0, (name, report.stderr)


def test_save_figure_draws_any_text_plain(tmp_path: Path) -> None:
    # Tick labels, titles, legends and notes a figure function left as matplotlib made them.
    from matplotlib.figure import Figure

    from sim.output.plotting import all_texts, save_figure

    fig = Figure()
    ax = fig.add_subplot()
    ax.barh(range(3), [1, 2, 3], label=MATH)
    ax.set_yticks(range(3), [f"{MATH} {i}" for i in range(3)])
    ax.set_title(MATH)
    ax.annotate("$x^$", (1, 1))
    ax.legend()
    fig.suptitle(MATH)
    save_figure(fig, tmp_path / "f.png")
    assert (tmp_path / "f.png").read_bytes().startswith(b"\x89PNG")
    drawn = [t for t in all_texts(fig) if "$" in t.get_text()]
    assert len(drawn) >= 6
    assert all(t.get_parse_math() is False for t in drawn)
