"""``negsim play`` (:mod:`sim.cli.play`): a student plays one actor; sessions are piped, recorded
and replayed."""

from __future__ import annotations

import dataclasses
import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.cli.play.comparison import compare
from sim.cli.play.options import find_actor, options_of
from sim.cli.play.recording import (
    PASS_CHOICE,
    RECORDING_FORMAT,
    Recording,
    RecordingError,
    read_recording,
    write_recording,
)
from sim.cli.play.screens import Screens, comparison_text, outcome_text
from sim.cli.play.session import MAX_TRIES, PlaySession
from sim.engine import Decision, RunResult, compile_scenario
from sim.experiments.executors import ExecutorSpec
from sim.experiments.montecarlo import MonteCarloResult, run_monte_carlo, simulate_runs
from sim.model.actions import success_chance
from sim.scenario import Scenario, load_scenario

SEED = 3


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario()


def negsim(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def session(
    scenario: Scenario,
    answers: str,
    actor: str = "russia",
    *,
    replay: Recording | None = None,
    max_tries: int = MAX_TRIES,
) -> tuple[PlaySession, RunResult, str]:
    out = io.StringIO()
    s = PlaySession(
        scenario, actor, input=io.StringIO(answers), output=out, replay=replay, max_tries=max_tries
    )
    result = s.play(SEED)
    return s, result, out.getvalue()


def end_of(text: str) -> str:
    """The end summary, without the line that says where the recording went."""
    tail = text[text.index("The end.") :]
    return "\n".join(line for line in tail.splitlines() if "saved in" not in line)


# -- the command, end to end --------------------------------------------------------------


def test_piped_session_end_to_end() -> None:
    done = negsim("play", "--as", "russia", "--seed", "3", "--runs", "10", stdin="1\n2\nx\n99\n0\n")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    out = done.stdout
    assert "You are playing Russia" in out
    # Three screens were answered (1, 2, then x and 99 refused before 0), the fourth met EOF.
    assert out.count("your decision ") == 4
    assert "7 May 2013 (day 0) — your decision 1 as Russia" in out
    assert "Readiness 0." in out
    assert "[open]    who represents the opposition — contention 0.50" in out
    assert "0. Pass: let this turn go" in out
    assert "1. Meet the United States  (meet_us; model " in out
    assert "'x' is not an option: type a number from 0 to 6" in out
    assert "'99' is not an option" in out
    assert out.count("End of input: Russia will pass at every remaining decision.") == 1
    assert "The end." in out
    assert "Outcome: " in out
    assert "How does that compare? 10 simulated runs of the same scenario and seed 3" in out
    assert "end of May 2013 (31 May 2013)" in out


def test_record_then_replay_gives_the_same_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "session.json"
    monkeypatch.setattr(sys, "stdin", io.StringIO("1\n5\n3\n1\n2\n0\n1\n"))
    args = ["play", "--as", "russia", "--runs", "10"]
    assert main([*args, "--seed", "3", "--record", str(file)]) == 0
    played = capsys.readouterr().out
    saved = json.loads(file.read_text(encoding="utf-8"))
    assert saved["format"] == RECORDING_FORMAT
    assert saved["seed"] == 3
    assert saved["actor"] == "russia"
    assert saved["scenario"] == "geneva2_2013"
    assert len(saved["scenario_sha256"]) == 64
    assert [c["choice"] for c in saved["choices"][:7]] == [
        "meet_us", "press_damascus", "iran_seat", "meet_us", "joint_proposal", "pass", "meet_us",
    ]  # fmt: skip
    assert all(c["choice"] == PASS_CHOICE for c in saved["choices"][7:])
    assert [c["decision"] for c in saved["choices"]] == list(range(len(saved["choices"])))

    # The replay takes nothing from the input: the seed and the choices come from the file.
    monkeypatch.setattr(sys, "stdin", io.StringIO("6\n6\n6\n"))
    assert main([*args, "--replay", str(file)]) == 0
    replayed = capsys.readouterr().out
    assert "(replayed: press_damascus)" in replayed
    assert end_of(replayed) == end_of(played)


def test_unknown_actor_is_one_line_naming_the_actors() -> None:
    done = negsim("play", "--as", "atlantis")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "atlantis" in lines[0]
    for actor in ("united_states", "russia", "gulf", "eu", "un"):
        assert actor in lines[0]
    assert "Traceback" not in done.stderr


def test_as_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["play"]) == 2
    assert "--as" in capsys.readouterr().err


# -- replay files that do not fit --------------------------------------------------------


@pytest.fixture
def recording(scenario: Scenario, tmp_path: Path) -> Path:
    s, result, _ = session(scenario, "1\n1\n5\n")
    file = tmp_path / "rec.json"
    write_recording(file, s.recording(SEED, result), scenario)
    return file


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--as", "united_states"], "recorded playing russia, not united_states"),
        (["--as", "russia", "--set", "actors.russia.tempo_days=6"], "different version"),
        (["scenarios/counterfactuals/no_russian_arms.toml", "--as", "russia"], "not no_russian"),
        (["--as", "russia", "--seed", "4"], "recorded with seed 3"),
    ],
)
def test_replay_for_another_scenario_actor_or_seed_is_refused(
    recording: Path, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = Path(__file__).resolve().parents[1]
    args = [str(root / a) if a.startswith("scenarios/") else a for a in extra]
    assert main(["play", *args, "--replay", str(recording)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert message in lines[0]


def _corrupt(text: str) -> list[str]:
    obj = json.loads(text)
    bad_choice = json.loads(text)
    bad_choice["choices"][1]["choice"] = "launch_missiles"
    bad_seed = json.loads(text)
    bad_seed["seed"] = -1
    dup = json.loads(text)
    dup["choices"][1]["decision"] = 0
    no_format = {k: v for k, v in obj.items() if k != "format"}
    return [
        text[: len(text) // 2],  # truncated
        "",  # empty
        "[1, 2, 3]",
        json.dumps(no_format),
        json.dumps(bad_choice),
        json.dumps(bad_seed),
        json.dumps(dup),
        json.dumps({**obj, "choices": "meet_us"}),
    ]


def test_corrupted_replay_files_are_refused(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for k, text in enumerate(_corrupt(recording.read_text(encoding="utf-8"))):
        file = tmp_path / f"bad{k}.json"
        file.write_text(text, encoding="utf-8")
        assert main(["play", "--as", "russia", "--replay", str(file)]) == 2, text[:80]
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1, err
        assert str(file) in err
        assert "Traceback" not in err
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert main(["play", "--as", "russia", "--replay", str(binary)]) == 2
    assert main(["play", "--as", "russia", "--replay", str(tmp_path / "missing.json")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_unwritable_record_fails_before_the_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["play", "--as", "russia", "--record", str(tmp_path / "no" / "x.json")]) == 2
    assert main(["play", "--as", "russia", "--record", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 2


# -- the session through the Python API ---------------------------------------------------


def test_choices_reach_the_model(scenario: Scenario) -> None:
    always_meet, met, _ = session(scenario, "1\n" * 1000)
    always_pass, passed, _ = session(scenario, "0\n" * 1000)
    assert {c.move for c in always_meet.choices} == {"meet_us"}
    assert {c.move for c in always_pass.choices} == {PASS_CHOICE}
    # Russia's meetings come only from its own decisions (the record's are the US's).
    assert met.counts()[("russia", "meeting")] == len(always_meet.choices) > 0
    assert passed.counts().get(("russia", "meeting"), 0) == 0
    assert met.action_counts != passed.action_counts


def test_end_of_input_passes_every_remaining_decision(scenario: Scenario) -> None:
    s, result, out = session(scenario, "")
    assert len(s.choices) > 10
    assert all(c.move == PASS_CHOICE for c in s.choices)
    assert out.count("End of input") == 1
    assert out.count("your decision ") == 1  # no screens after the input ended
    assert result.counts().get(("russia", "meeting"), 0) == 0


def test_input_that_is_not_text_ends_the_input(scenario: Scenario) -> None:
    out = io.StringIO()
    garbage = io.TextIOWrapper(io.BytesIO(b"1\n\xff\xfe\n1\n"), encoding="utf-8")
    s = PlaySession(scenario, "russia", input=garbage, output=out)
    s.play(SEED)
    assert "The input is not text" in out.getvalue()
    assert all(c.move == PASS_CHOICE for c in s.choices[1:])


def test_q_passes_for_the_rest_and_move_ids_are_accepted(scenario: Scenario) -> None:
    s, _, out = session(scenario, "meet_us\npass\nq\n1\n1\n")
    assert [c.move for c in s.choices[:3]] == ["meet_us", PASS_CHOICE, PASS_CHOICE]
    assert all(c.move == PASS_CHOICE for c in s.choices[2:])
    assert "Russia will pass at every remaining decision." in out
    assert out.count("your decision ") == 3


def test_endless_invalid_input_passes_after_the_retry_limit(scenario: Scenario) -> None:
    s, _, out = session(scenario, "nonsense\n" * 7 + "1\n", max_tries=3)
    _, _, odd = session(scenario, "²\n-1\n1.5\n" + "9" * 5000 + "\n\n0\n")
    assert odd.count("is not an option: type a number from 0 to 6") == 4
    assert odd.count("Type a number from 0 to 6") == 1
    assert out.count("'nonsense' is not an option") == 7
    assert out.count("No valid choice after 3 tries: this turn is a pass.") == 2
    assert [c.move for c in s.choices[:3]] == [PASS_CHOICE, PASS_CHOICE, "meet_us"]


def test_a_move_on_a_settled_question_is_refused(scenario: Scenario) -> None:
    s, result, out = session(scenario, "5\n" * 400, max_tries=2)
    settled = result.gate_days[2]  # government_consent: settled on the record's 29 May
    assert not math.isnan(settled)
    assert "Option 5 is not available: that question is already settled." in out
    assert "(press_damascus; already settled, not available)" in " ".join(out.split())
    tried = [c.time for c in s.choices if c.move == "press_damascus"]
    assert tried
    assert max(tried) <= settled


def test_replay_through_the_api_gives_the_same_run(scenario: Scenario) -> None:
    played, result, _ = session(scenario, "5\n1\n3\n2\n4\n6\n1\n1\n")
    recording = played.recording(SEED, result)
    replayed, again, out = session(scenario, "", replay=recording)
    assert [c.move for c in replayed.choices] == [c.move for c in played.choices]
    assert again.convened_day == result.convened_day
    assert again.action_counts == result.action_counts
    assert again.trace == result.trace
    assert "End of input" not in out


def test_screen_shows_date_gates_events_and_previews(scenario: Scenario) -> None:
    seen: list[tuple[Decision, str]] = []
    screens = Screens(scenario, "russia", options_of(scenario, "russia"))

    def chooser(decision: Decision) -> int:
        if len(seen) < 4:
            seen.append((decision, screens.screen(decision)))
        return 4 if decision.decision % 2 else -1  # press_damascus, or pass

    from sim.engine import simulate

    simulate(scenario, SEED, trace=True, players={"russia": chooser})
    decision, text = seen[-1]
    date = scenario.date_of(decision.time)
    assert f"{date.day} {date:%B %Y} (day {int(decision.time)})" in text
    assert f"Readiness {decision.state.readiness:.2f}" in text
    for gate in scenario.gates:
        assert gate.label.split()[0] in text
    assert "Since your last decision:" in text
    # The chance shown is the model's: settle_probability x readiness x (1 - contention).
    g = 2  # government_consent
    state = decision.state
    assert not state.gate_resolved(g)
    move = decision.actions[4]
    chance = success_chance(state, move)
    assert chance == pytest.approx(
        move.effect.settle_probability * state.readiness * (1 - state.contention(g))
    )
    assert f"{chance:.0%} chance it works ({move.effect.settle_probability:.2f} x readiness" in text
    # The model's probabilities of the options and of passing add up to about 1.
    shares = [int(p) for p in re.findall(r"model (\d+)%", text)]
    assert 95 <= sum(shares) <= 105


def test_options_leave_out_moves_a_scenario_disabled() -> None:
    no_arms = load_scenario("counterfactuals/no_russian_arms.toml")
    ids = [o.move_id for o in options_of(no_arms, "russia")]
    assert "arms_shipment" not in ids
    assert [o.number for o in options_of(no_arms, "russia")] == list(range(1, len(ids) + 1))


def test_find_actor(scenario: Scenario) -> None:
    assert find_actor(scenario, "Russia") == "russia"
    with pytest.raises(KeyError, match=r"no actor 'mars'.*actors: united_states, russia"):
        find_actor(scenario, "mars")


def test_recording_round_trip_and_checks(scenario: Scenario, tmp_path: Path) -> None:
    s, result, _ = session(scenario, "1\n2\n")
    rec = s.recording(SEED, result, ["actors.russia.tempo_days=4"])
    file = tmp_path / "r.json"
    write_recording(file, rec, scenario)
    back = read_recording(file)
    assert back.choices[0].move == rec.choices[0].move
    assert back.seed == SEED
    assert back.convened_day == result.convened_day
    assert back.overrides == ("actors.russia.tempo_days=4",)
    back.check(scenario, "russia")
    with pytest.raises(RecordingError, match="not gulf"):
        back.check(scenario, "gulf")
    with pytest.raises(RecordingError, match="not a negsim play recording"):
        Recording.from_json({"seed": 1})


# -- the end summary ----------------------------------------------------------------------


def _monte_carlo(scenario: Scenario, days: list[float]) -> MonteCarloResult:
    outcomes = simulate_runs(scenario, SEED, 0, len(days))
    return MonteCarloResult(
        scenario, SEED, dataclasses.replace(outcomes, convened_day=np.array(days, dtype=float))
    )


def test_compare_places_the_played_day_among_simulated_runs(scenario: Scenario) -> None:
    _, result, _ = session(scenario, "")
    nan = math.nan
    mc = _monte_carlo(scenario, [300.0, nan, 100.0, 200.0, 200.0])
    played = dataclasses.replace(result, convened_day=200)
    c = compare(played, mc)
    assert (c.earlier, c.same, c.later) == (1, 2, 2)  # not convened counts as later
    assert c.same_luck_day == 300
    text = " ".join(comparison_text(c, scenario, "russia", SEED).split())
    assert "earlier than 40% (2 of 5)" in text
    assert "later than 20% (1 of 5)" in text

    never = dataclasses.replace(result, convened_day=None)
    c = compare(never, mc)
    assert (c.earlier, c.same, c.later) == (4, 1, 0)
    text = " ".join(comparison_text(c, scenario, "russia", SEED).split())
    assert "80% (4 of 5) of the simulated runs did convene" in text
    assert "20% (1 of 5) did not either" in text


def test_end_summary_states_outcome_deadlines_and_comparison(scenario: Scenario) -> None:
    s, result, _ = session(scenario, "1\n" * 1000)
    text = outcome_text(result, scenario, "russia", s.choices)
    assert result.convened_day is not None
    when = scenario.date_of(result.convened_day)
    assert f"convenes on {when.day} {when:%B %Y}" in text
    for d in scenario.deadlines:
        assert d.label in text
    mc = run_monte_carlo(scenario, 20, SEED, executor=ExecutorSpec(workers=1))
    comparison = compare(result, mc)
    assert comparison.earlier + comparison.same + comparison.later == 20
    assert sum(d.met for d in comparison.deadlines) == sum(
        result.convened_by(d.day) for d in scenario.deadlines
    )
    # Run 0 of the simulations is the played run with Russia left to the model.
    from sim.engine import simulate

    alone = simulate(compile_scenario(scenario), SEED, 0)
    assert comparison.same_luck_day == alone.convened_day


def test_the_model_can_choose_a_turn_or_play_the_rest_exactly_as_simulated(
    scenario: Scenario,
) -> None:
    """'a' hands the actor back to the model: the run is then the simulated run itself."""
    from sim.engine import simulate

    _, played, text = session(scenario, "a\n")
    assert "The model plays Russia from now on" in text
    simulated = simulate(scenario, SEED, 0)
    assert played.convened_day == simulated.convened_day
    assert played.action_counts == simulated.action_counts

    one_turn, _, text = session(scenario, "m\n")
    assert "The model chooses" in text
    first = one_turn.choices[0].move
    assert first in {m.id for m in scenario.actor("russia").moves} | {"pass"}


# -- the bytes of a session, pinned -------------------------------------------------------

PINNED = Path(__file__).parent / "data" / "play"
#: Transcripts pinned byte for byte: file name, arguments after ``negsim``, the piped answers.
TRANSCRIPTS: list[tuple[str, list[str], str]] = [
    (
        "russia_mixed.txt",
        ["play", "--as", "russia", "--seed", "3", "--runs", "10", "--quiet"],
        "1\nxyz\n0\nm\n\n99\np\n3\n2\n",
    ),
    (
        "russia_settle_then_auto.txt",
        ["play", "--as", "russia", "--seed", "3", "--runs", "10", "--quiet"],
        "5\n5\n9\nx\n5\nm\n5\n5\n3\n2\n5\n5\n1\n5\n5\na\n",
    ),
    (
        "iran_nuclear_us_cycle.txt",
        ["play", "iran_nuclear_2015", "--as", "united_states", "--seed", "1", "--runs", "10"],
        "".join(f"{k % 7}\n" for k in range(40)),
    ),
]


def transcript(argv: list[str], answers: str) -> str:
    """What ``negsim argv`` prints with ``answers`` piped in."""
    out = io.StringIO()
    stdin, stdout = sys.stdin, sys.stdout
    sys.stdin, sys.stdout = io.StringIO(answers), out
    try:
        assert main(argv) == 0
    finally:
        sys.stdin, sys.stdout = stdin, stdout
    return out.getvalue()


@pytest.mark.parametrize(("name", "argv", "answers"), TRANSCRIPTS, ids=[t[0] for t in TRANSCRIPTS])
def test_a_piped_session_prints_the_pinned_bytes(name: str, argv: list[str], answers: str) -> None:
    """Screens, previews, prompts, the end and the comparison, byte for byte.

    Regenerate after a deliberate change (and say why in the commit) with
    ``python tests/test_play.py``.
    """
    assert transcript(argv, answers) == (PINNED / name).read_text(encoding="utf-8")


if __name__ == "__main__":
    PINNED.mkdir(parents=True, exist_ok=True)
    for file_name, arguments, piped in TRANSCRIPTS:
        (PINNED / file_name).write_text(transcript(arguments, piped), encoding="utf-8")
