"""``negsim play`` (:mod:`sim.cli.play`): a student plays one actor; sessions are piped, recorded
and replayed; turns, the end screen, hostile input."""

from __future__ import annotations

import dataclasses
import io
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import START, tiny_dict

from sim.cli import main
from sim.cli.play.answers import MAX_ANSWER, Answer, AnswerReader, Ended
from sim.cli.play.comparison import compare
from sim.cli.play.ending import comparison_text, outcome_text
from sim.cli.play.options import find_actor, options_of
from sim.cli.play.recording import (
    MAX_RECORDING_BYTES,
    PASS_CHOICE,
    RECORDING_FORMAT,
    Recording,
    RecordingError,
    read_recording,
    write_recording,
)
from sim.cli.play.screens import Screens, Turn, View
from sim.cli.play.session import MAX_TRIES, PlaySession
from sim.cli.play.turns import DEFAULT_TURNS, By, Schedule, parse_turns
from sim.engine import Decision, RunResult, compile_scenario, simulate
from sim.experiments.executors import ExecutorSpec
from sim.experiments.montecarlo import MonteCarloResult, run_monte_carlo, simulate_runs
from sim.model.actions import KINDS, success_chance
from sim.scenario import Scenario, load_scenario, scenario_from_dict

SEED = 3
GAME = "exercises/06_play.toml"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario()


@pytest.fixture(scope="module")
def game() -> Scenario:
    return load_scenario(GAME)


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
    turns: int | None = None,
    seed: int = SEED,
) -> tuple[PlaySession, RunResult, str]:
    out = io.StringIO()
    s = PlaySession(
        scenario,
        actor,
        input=io.StringIO(answers),
        output=out,
        replay=replay,
        max_tries=max_tries,
        turns=turns,
        echo=True,
    )
    result = s.play(seed)
    return s, result, out.getvalue()


def end_of(text: str) -> str:
    """The end summary, without the line that says where the recording went."""
    tail = text[text.index("The end.") :]
    return re.sub(r"Your choices and the seed are saved in\s.*?--replay\.\n", "", tail, flags=re.S)


def mine(s: PlaySession) -> list[str]:
    """The moves the player chose at turns."""
    return [c.move for c in s.choices if c.by is By.YOU]


# -- the command, end to end --------------------------------------------------------------


def test_piped_session_end_to_end() -> None:
    done = negsim(
        "play", GAME, "--as", "russia", "--seed", "3", "--runs", "10", stdin="1\nh\n2\nx\n99\n0\n"
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    out = done.stdout
    assert "You are playing Russia" in out
    assert f"You get about {DEFAULT_TURNS} turns" in out
    # Screens: turn 1; turn 2 and its history (h); turn 3 shown again after x and after 99;
    # turn 4, which meets the end of the input.
    assert out.count("— turn ") == 7
    assert "6 June 2013 (day 100) — turn 1 as Russia" in out
    assert "Readiness 0.36. Next: a date announced at readiness 0.55" in out
    assert "[open]*   who represents the opposition — contention 0.59" in out
    assert "  0. Pass\n  1. Meet the United States\n" in out
    assert "== What happened ==" in out
    assert "'x' is not an option: type a number from 0 to 6, or a key (? for help)." in out
    assert "'99' is not an option" in out
    assert out.count("End of input: Russia will pass at every remaining decision.") == 1
    assert "The end." in out
    assert "Your 3 decisions as Russia: meet_us x1, joint_proposal x1, pass x1." in out
    assert "How does that compare? 10 simulated runs of the same scenario and seed 3" in out
    assert "G8 summit (Lough Erne), 17 June 2013" in out


def test_record_then_replay_gives_the_same_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "session.json"
    monkeypatch.setattr(sys, "stdin", io.StringIO("1\n5\n3\nm\n2\n0\n1\n"))
    args = ["play", GAME, "--runs", "10"]
    assert main([*args, "--as", "russia", "--seed", "3", "--record", str(file)]) == 0
    played = capsys.readouterr().out
    assert "Option 5 is not available now: choose another." in played
    saved = json.loads(file.read_text(encoding="utf-8"))
    assert saved["format"] == RECORDING_FORMAT
    assert saved["seed"] == 3
    assert saved["actor"] == "russia"
    assert saved["turns"] == DEFAULT_TURNS
    assert saved["scenario"] == "ex06_play"
    assert len(saved["scenario_sha256"]) == 64
    turns = [c for c in saved["choices"] if c["by"] in ("you", "model")]
    assert [(c["choice"], c["by"]) for c in turns[:6]] == [
        ("meet_us", "you"), ("iran_seat", "you"), ("meet_us", "model"),
        ("joint_proposal", "you"), ("pass", "you"), ("meet_us", "you"),
    ]  # fmt: skip
    assert {c["by"] for c in saved["choices"]} <= {"you", "model", "auto", "stands", "rest"}
    assert [c["decision"] for c in saved["choices"]] == list(range(len(saved["choices"])))

    # The replay takes nothing from the input and no --as: the actor, the seed, the turns and
    # the choices come from the file.
    monkeypatch.setattr(sys, "stdin", io.StringIO("6\n6\n6\n"))
    assert main([*args, "--replay", str(file)]) == 0
    replayed = capsys.readouterr().out
    assert "Your choice: 3 (iran_seat) (replayed)" in replayed
    assert "Your choice: 1 (meet_us) (replayed; the model)" in replayed
    assert replayed.count("(replayed") == len(turns)
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


def test_as_is_required_without_a_replay(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["play"]) == 2
    err = capsys.readouterr().err
    assert "--as ACTOR is required" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("bad", ["0", "-3", "many", "9" * 5000, "10001"])
def test_bad_turns_are_refused(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["play", GAME, "--as", "russia", "--turns", bad]) == 2
    err = capsys.readouterr().err
    assert "--turns" in err
    assert len(err.strip().splitlines()) == 1
    assert len(err) < 300


def test_parse_turns() -> None:
    assert parse_turns("all") is None
    assert parse_turns(" ALL ") is None
    assert parse_turns("12") == 12


# -- replay files that do not fit --------------------------------------------------------


@pytest.fixture
def recording(game: Scenario, tmp_path: Path) -> Path:
    s, result, _ = session(game, "1\n1\n2\n", turns=DEFAULT_TURNS)
    file = tmp_path / "rec.json"
    write_recording(file, s.recording(SEED, result), game)
    return file


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--as", "united_states"], "recorded playing russia, not united_states (leave --as out"),
        (["--set", "actors.russia.tempo_days=6"], "different version"),
        (["--seed", "4"], "recorded with seed 3"),
        (["--turns", "all"], "recorded with --turns 15 (leave --turns out"),
        (["--turns", "14"], "recorded with --turns 15"),
    ],
)
def test_replay_for_another_actor_seed_or_turns_is_refused(
    recording: Path, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["play", GAME, *extra, "--replay", str(recording)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert message in lines[0]


def test_replay_on_another_scenario_is_refused(
    recording: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["play", "--replay", str(recording)]) == 2
    err = capsys.readouterr().err
    assert "scenario ex06_play, not geneva2_2013" in err
    assert len(err.strip().splitlines()) == 1


def test_the_same_actor_given_with_replay_is_accepted(
    recording: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["play", GAME, "--as", "Russia", "--runs", "5", "--replay", str(recording)]) == 0
    assert "The end." in capsys.readouterr().out


def _corrupt(text: str) -> list[str]:
    obj = json.loads(text)

    def changed(**keys: object) -> str:
        return json.dumps({**obj, **keys})

    def choice(k: int, **keys: object) -> str:
        choices = [dict(c) for c in obj["choices"]]
        choices[k].update(keys)
        return changed(choices=choices)

    no_format = {k: v for k, v in obj.items() if k != "format"}
    huge = "9" * 4000
    return [
        text[: len(text) // 2],  # truncated
        "",  # empty
        "[1, 2, 3]",
        json.dumps(no_format),
        choice(1, choice="launch_missiles"),
        choice(1, decision=0),  # a duplicate decision
        choice(1, decision=10**7),
        choice(1, decision=1.5),
        choice(1, decision=True),
        choice(1, by="god"),
        choice(1, by=None),
        choice(1, choice=["meet_us"]),
        changed(seed=-1),
        changed(seed=3.0),
        changed(seed="3"),
        changed(seed=None),
        changed(actor=42),
        changed(actor="x" * 100_000),
        changed(turns=0),
        changed(turns=10**30),
        changed(turns="some"),
        changed(choices="meet_us"),
        changed(choices=[1, 2]),
        changed(overrides="--set x"),
        changed(seed=2**64),
        text.replace('"seed": 3', f'"seed": {huge}0000000'),  # past Python's digit limit
        text.replace('"decision": 1,', f'"decision": {huge},'),
        "[" * 100_000,  # nested too deeply
    ]


def test_corrupted_replay_files_are_refused(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for k, text in enumerate(_corrupt(recording.read_text(encoding="utf-8"))):
        file = tmp_path / f"bad{k}.json"
        file.write_text(text, encoding="utf-8")
        assert main(["play", GAME, "--replay", str(file)]) == 2, text[:80]
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1, err[:300]
        assert str(file) in err
        assert "Traceback" not in err
        assert len(err) < 400, err[:300]
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert main(["play", GAME, "--replay", str(binary)]) == 2
    assert main(["play", GAME, "--replay", str(tmp_path / "missing.json")]) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_replay_file_that_is_a_pipe_or_a_device_or_too_large_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)  # no writer: opening it to read would wait forever
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")  # endless: reading it would take every byte of memory
    large = tmp_path / "large.json"
    large.write_bytes(b" " * (MAX_RECORDING_BYTES + 1))
    cases = [(fifo, "not a regular file"), (zero, "not a regular file"), (large, "too large")]
    for file, message in cases:
        assert main(["play", GAME, "--replay", str(file)]) == 2
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1, captured.err
        assert message in lines[0]
        assert str(file) in lines[0]
        assert captured.out == ""


def test_unwritable_record_fails_before_the_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["play", "--as", "russia", "--record", str(tmp_path / "no" / "x.json")]) == 2
    assert main(["play", "--as", "russia", "--record", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 2


def test_an_old_recording_without_turns_replays_every_decision(
    game: Scenario, tmp_path: Path
) -> None:
    """A recording from before turns: every decision was a turn and the player's."""
    s, result, _ = session(game, "1\n2\n3\n")
    obj = s.recording(SEED, result).to_json(game)
    del obj["turns"]
    for c in obj["choices"]:
        del c["by"]
    file = tmp_path / "old.json"
    file.write_text(json.dumps(obj), encoding="utf-8")
    old = read_recording(file)
    assert old.turns is None
    assert all(c.by is By.YOU for c in old.choices)
    _, replayed, out = session(game, "", replay=old)
    assert replayed.trace == result.trace
    assert out.count("(replayed)") == len(s.choices)


# -- hostile answers ------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_play_from_dev_zero_ends_the_input_without_reading_forever() -> None:
    with open("/dev/zero", "rb") as zero:
        done = subprocess.run(
            [sys.executable, "-m", "sim", "play", GAME, "--as", "russia", "--runs", "5"],
            stdin=zero,
            capture_output=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("utf-8")
    assert f"The input has no line ends (a line over {MAX_ANSWER} characters)" in out
    assert "Russia will pass at every remaining decision." in " ".join(out.split())
    assert "The end." in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_an_over_long_answer_is_refused_and_the_next_line_read(game: Scenario) -> None:
    s, _, out = session(game, "x" * 5000 + "\n1\n")
    assert f"That answer is over {MAX_ANSWER} characters long: refused." in out
    assert s.choices[0].move == "meet_us"
    assert max(len(line) for line in out.splitlines()) <= 80


def test_answer_reader_limits() -> None:
    reader = AnswerReader(io.StringIO("a" * 50 + "\nok\n" + "b" * 500), limit=10, skip=100)
    first = reader.read()
    assert isinstance(first, Answer)
    assert first.too_long
    second = reader.read()
    assert isinstance(second, Answer)
    assert second.text == "ok"
    assert reader.read() is Ended.NO_LINE_ENDS
    assert reader.read() is Ended.NO_LINE_ENDS
    assert AnswerReader(io.StringIO("")).read() is Ended.EOF


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
    assert [c.by for c in s.choices[:2]] == [By.REST, By.REST]
    assert out.count("End of input") == 1
    assert out.count("— turn ") == 1  # no screens after the input ended
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
    assert all(c.by is By.REST for c in s.choices[3:])
    assert "Russia will pass at every remaining decision." in out
    assert out.count("— turn ") == 3


def test_endless_invalid_input_passes_after_the_retry_limit(scenario: Scenario) -> None:
    s, _, out = session(scenario, "nonsense\n" * 7 + "1\n", max_tries=3)
    _, _, odd = session(scenario, "²\n-1\n1.5\n" + "9" * 500 + "\n\n0\n")
    assert odd.count("is not an option: type a number from 0 to 6") == 4
    # Two notes a turn (the third refusal ends it), and the 7th answer's on the third turn.
    assert out.count("'nonsense' is not an option") == 5
    assert out.count("No valid choice after 3 tries: that turn was a pass.") == 2
    assert [c.move for c in s.choices[:3]] == [PASS_CHOICE, PASS_CHOICE, "meet_us"]


def test_endless_view_keys_end_the_turn(game: Scenario) -> None:
    s, _, out = session(game, "h\n" * 1000)
    assert s.choices[0].move == PASS_CHOICE
    assert "that turn was a pass" in out


def test_a_move_on_a_settled_question_is_refused(scenario: Scenario) -> None:
    s, result, out = session(scenario, "5\n" * 400, max_tries=2)
    settled = result.gate_days[2]  # government_consent: settled on the record's 29 May
    assert settled is not None
    assert not math.isnan(settled)
    assert "Option 5 is not available now: choose another." in out
    assert "5. Try to settle: whether the Syrian government attends (settled: not" in out
    assert not any(c.move == "press_damascus" for c in s.choices)


def test_replay_through_the_api_gives_the_same_run(game: Scenario) -> None:
    played, result, _ = session(game, "6\n1\n3\n2\n4\nm\n1\n1\n", turns=DEFAULT_TURNS)
    recording = played.recording(SEED, result)
    replayed, again, out = session(game, "", replay=recording)
    assert replayed.choices == [
        dataclasses.replace(c, time=c.time) for c in played.choices
    ]  # the same moves, by the same hands, at the same times
    assert again.trace == result.trace
    assert "End of input" not in out


def test_screen_shows_date_gates_and_previews(scenario: Scenario) -> None:
    seen: list[tuple[Decision, str, str]] = []
    screens = Screens(scenario, "russia", options_of(scenario, "russia"))

    def chooser(decision: Decision) -> int:
        if len(seen) < 4:
            turn = Turn(decision.decision + 1, None, decision.recent, 0.3)
            main_view = screens.view(View.MAIN, decision, turn, prompt="?")
            odds = screens.view(View.ODDS, decision, turn, prompt="?")
            seen.append((decision, main_view, odds))
        return 0 if decision.decision % 2 else -1  # meet_us, or pass

    simulate(scenario, SEED, trace=True, players={"russia": chooser})
    decision, text, odds = seen[-1]
    date = scenario.date_of(decision.time)
    assert f"{date.day} {date:%B %Y} (day {int(decision.time)})" in text
    assert f"Readiness {decision.state.readiness:.2f}" in text
    for gate in scenario.gates:
        assert gate.label.split()[0] in text
    assert "Since your last turn:" in text
    assert re.search(r"model \d+%", text) is None  # the odds are on request
    # The model's probabilities of the options and of passing add up to about 1.
    shares = [int(p) for p in re.findall(r"model (\d+)%", odds)]
    assert 95 <= sum(shares) <= 105


def test_the_chance_shown_is_the_models(scenario: Scenario) -> None:
    """An attempt that can fail: settle_probability x readiness x (1 - contention)."""
    iran = load_scenario("iran_nuclear_2015")
    screens = Screens(iran, "united_states", options_of(iran, "united_states"))
    found: list[str] = []

    def chooser(decision: Decision) -> int:
        for option in screens.options:
            action = decision.actions[option.move]
            if decision.available[option.move] and KINDS[action.kind].chance is not None:
                chance = success_chance(decision.state, action, decision.model.context)
                text = screens.effects(decision, option.move)
                assert text.startswith(f"{chance:.0%} chance it works (")
                found.append(text)
        return -1

    simulate(iran, SEED, players={"united_states": chooser})
    assert found


def test_options_leave_out_moves_a_scenario_disabled() -> None:
    no_arms = load_scenario("counterfactuals/no_russian_arms.toml")
    ids = [o.move_id for o in options_of(no_arms, "russia")]
    assert "arms_shipment" not in ids
    assert [o.number for o in options_of(no_arms, "russia")] == list(range(1, len(ids) + 1))


def test_find_actor(scenario: Scenario) -> None:
    assert find_actor(scenario, "Russia") == "russia"
    with pytest.raises(KeyError, match=r"no actor 'mars'.*actors: united_states, russia"):
        find_actor(scenario, "mars")


def test_recording_round_trip_and_checks(game: Scenario, tmp_path: Path) -> None:
    s, result, _ = session(game, "1\nm\n", turns=DEFAULT_TURNS)
    rec = s.recording(SEED, result, ["actors.russia.tempo_days=4"])
    file = tmp_path / "r.json"
    write_recording(file, rec, game)
    back = read_recording(file)
    assert [(c.decision, c.move, c.by) for c in back.choices] == [
        (c.decision, c.move, c.by) for c in rec.choices
    ]
    assert back.seed == SEED
    assert back.turns == DEFAULT_TURNS
    assert back.convened_day == result.convened_day
    assert back.overrides == ("actors.russia.tempo_days=4",)
    back.check(game, "russia")
    with pytest.raises(RecordingError, match="not gulf"):
        back.check(game, "gulf")
    with pytest.raises(RecordingError, match="not a negsim play recording"):
        Recording.from_json({"seed": 1})


# -- turns ------------------------------------------------------------------------------------


def test_schedule() -> None:
    every = Schedule(None, 30.0, 117.0)
    assert every.is_turn(31.0, 5)
    assert every.next_day(3) is None
    fifteen = Schedule(15, 30.0, 117.0)
    assert fifteen.every == pytest.approx(5.8)
    assert fifteen.is_turn(30.0, 0)
    assert not fifteen.is_turn(35.0, 1)
    assert fifteen.is_turn(35.8, 1)
    assert fifteen.next_day(1) == 35
    assert not fifteen.is_turn(116.99, 15)  # never more than the turns asked for


def test_between_turns_the_players_choice_stands(game: Scenario) -> None:
    s, result, out = session(game, "1\n" * 100, turns=DEFAULT_TURNS)
    yours = [c for c in s.choices if c.by is By.YOU]
    stood = [c for c in s.choices if c.by is By.STANDS]
    assert 10 <= len(yours) <= DEFAULT_TURNS
    assert stood
    assert {c.move for c in s.choices} == {"meet_us"}
    # Russia meets at every decision, as with --turns all: the actor decides as often either way.
    every, every_result, _ = session(game, "1\n" * 100)
    assert len(every.choices) == len(s.choices)
    assert every_result.trace == result.trace
    assert out.count("— turn ") == len(yours)
    assert "your choice stands until your next turn, from " in out


@pytest.mark.parametrize("actor", ["russia", "united_states", "syrian_opposition", "gulf"])
def test_the_model_at_every_turn_or_for_the_rest_is_the_simulated_run(
    game: Scenario, actor: str
) -> None:
    """'m' stands between turns as the model's choice; 'a' hands the actor back for good.

    Either way the run is the simulated run itself: the played actor's keyed draws stay aligned.
    """
    simulated = simulate(game, SEED, 0, trace=True)
    for answers in ("a\n", "m\n" * 100):
        s, played, _ = session(game, answers, actor, turns=DEFAULT_TURNS)
        assert played.trace == simulated.trace, answers[:2]
        assert not [c for c in s.choices if c.by is By.YOU]
        assert {c.by for c in s.choices} <= {By.MODEL, By.AUTO, By.NONE}


def test_the_model_can_choose_a_turn_or_play_the_rest_with_every_decision_a_turn(
    scenario: Scenario,
) -> None:
    _, played, text = session(scenario, "a\n")
    simulated = simulate(scenario, SEED, 0)
    assert played.convened_day == simulated.convened_day
    assert played.action_counts == simulated.action_counts
    assert "and plays Russia from now on, as in the simulated runs." in text

    one_turn, _, text = session(scenario, "m\n0\n")
    assert "Last turn the model chose " in text
    assert one_turn.choices[0].by is By.MODEL
    assert one_turn.choices[1].by is By.YOU


def test_turns_never_exceed_the_number_asked_for_in_any_exercise() -> None:
    root = Path(__file__).resolve().parents[1] / "scenarios" / "exercises"
    for file in sorted(root.glob("*.toml")):
        s = load_scenario(str(file))
        model = compile_scenario(s)
        for actor in s.actors:
            for turns in (5, DEFAULT_TURNS):
                play = PlaySession(
                    s, actor.id, input=io.StringIO("m\n" * 50), output=io.StringIO(), turns=turns
                )
                result = simulate(model, 0, players={actor.id: play}, trace=True)
                taken = sum(c.by.turn for c in play.choices)
                assert taken <= turns, (file.name, actor.id)
                assert result.trace == simulate(model, 0, trace=True).trace


# -- the end --------------------------------------------------------------------------------


def _monte_carlo(scenario: Scenario, days: list[float]) -> MonteCarloResult:
    outcomes = simulate_runs(scenario, SEED, 0, len(days))
    stage_days = outcomes.stage_days.copy()
    stage_days[:, -1] = days  # the last stage: the conference convened
    return MonteCarloResult(scenario, SEED, dataclasses.replace(outcomes, stage_days=stage_days))


def test_compare_places_the_played_day_among_simulated_runs(scenario: Scenario) -> None:
    _, result, _ = session(scenario, "")
    nan = math.nan
    mc = _monte_carlo(scenario, [300.0, nan, 100.0, 200.0, 200.0])
    played = dataclasses.replace(result, stage_days=(180, 200))
    c = compare(played, mc)
    assert (c.earlier, c.same, c.later) == (1, 2, 2)  # not convened counts as later
    assert c.same_luck_day == 300
    text = " ".join(comparison_text(c, scenario, "russia", SEED).split())
    assert "Your game reached its last stage (convened) on" in text
    assert "earlier than 40% (2 of 5)" in text
    assert "later than 20% (1 of 5)" in text
    assert "the simulated Russia reached it on" in text

    never = dataclasses.replace(result, stage_days=(None, None))
    c = compare(never, mc)
    assert (c.earlier, c.same, c.later) == (4, 1, 0)
    text = " ".join(comparison_text(c, scenario, "russia", SEED).split())
    assert "80% (4 of 5) of the simulated runs did; 20% (1 of 5) did not either" in text


def test_end_says_the_stages_first_and_the_date_set(game: Scenario) -> None:
    """Seed 12: the model's Russia sees a date announced on 14 August, for after the game."""
    s, result, _ = session(game, "a\n", seed=12)
    text = outcome_text(result, game, "russia", s.choices)
    lines = text.splitlines()
    assert lines[3] == "A date announced: reached on 14 August 2013."
    assert lines[4] == "Convened: not yet; on 14 August 2013 its date was set for 5 September 2013"
    assert lines[5] == "  (after the end of the game)."
    assert "You made none of Russia's decisions yourself." in text
    assert "The model chose at " in text
    assert "  end of May 2013 (31 May 2013): missed, before the game began" in text
    assert "  end of August 2013 (31 August 2013): missed" in text


def test_your_decisions_count_only_your_own(game: Scenario) -> None:
    s, result, _ = session(game, "1\nm\n2\nq\n", turns=DEFAULT_TURNS)
    text = " ".join(outcome_text(result, game, "russia", s.choices).split())
    assert "Your 3 decisions as Russia: meet_us x1, joint_proposal x1, pass x1." in text
    stood = sum(c.by is By.STANDS for c in s.choices)
    model = sum(c.by in (By.MODEL, By.AUTO) for c in s.choices)
    rest = sum(c.by is By.REST for c in s.choices)
    assert stood > 0
    assert model > 0
    assert rest > 0
    assert f"Between your turns your choice stood at {stood} more decision" in text
    assert f"The model chose at {model} decision" in text
    assert f"Passed after q or the end of the input: {rest} decisions." in text


def test_end_summary_states_outcome_deadlines_and_comparison(scenario: Scenario) -> None:
    s, result, _ = session(scenario, "1\n" * 1000)
    text = outcome_text(result, scenario, "russia", s.choices)
    assert result.convened_day is not None
    when = scenario.date_of(result.convened_day)
    assert f"Convened: reached on {when.day} {when:%B %Y}" in text
    for d in scenario.deadlines:
        assert d.label in text
    mc = run_monte_carlo(scenario, 20, SEED, executor=ExecutorSpec(workers=1))
    comparison = compare(result, mc)
    assert comparison.earlier + comparison.same + comparison.later == 20
    assert sum(d.met for d in comparison.deadlines) == sum(
        result.convened_by(d.day) for d in scenario.deadlines
    )
    # Run 0 of the simulations is the played run with Russia left to the model.
    alone = simulate(compile_scenario(scenario), SEED, 0)
    assert comparison.same_luck_day == alone.convened_day


# -- the bytes of a session, pinned -------------------------------------------------------

PINNED = Path(__file__).parent / "data" / "play"
#: Transcripts pinned byte for byte: file name, arguments after ``negsim``, the piped answers.
TRANSCRIPTS: list[tuple[str, list[str], str]] = [
    (
        "russia_mixed.txt",
        ["play", GAME, "--as", "russia", "--seed", "3", "--runs", "10", "--quiet"],
        "1\nxyz\n0\nh\nh\no\n?\nm\n\n99\np\n3\n2\n",
    ),
    (
        "russia_every_decision_then_auto.txt",
        ["play", GAME, "--as", "russia", "--turns", "all", "--seed", "3", "--runs", "10"],
        "5\n1\n9\nx\n6\nm\n4\n1\n3\n2\no\n1\n1\na\n",
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
    for old in PINNED.glob("*.txt"):
        old.unlink()
    for file_name, arguments, piped in TRANSCRIPTS:
        (PINNED / file_name).write_text(transcript(arguments, piped), encoding="utf-8")


# -- at a terminal ---------------------------------------------------------------------------


def test_a_replay_at_a_terminal_steps_a_turn_at_a_time(game: Scenario) -> None:
    played_session, result, _ = session(game, "1\nm\n2\n0\n", turns=DEFAULT_TURNS)
    recording = played_session.recording(SEED, result)
    out = io.StringIO()
    stepping = PlaySession(
        game,
        "russia",
        input=io.StringIO("\n\nh\no\n\nq\n"),  # start; turn 1; turn 2 (h, o); turn 3: q
        output=out,
        replay=recording,
        pause=True,
        step=True,
    )
    again = stepping.play(SEED)
    text = out.getvalue()
    assert again.trace == result.trace
    assert "Press Enter to start." in text
    assert text.count("The recorded choice: ") == 5  # turn 1, turn 2 three times, turn 3
    assert "The recorded choice: 1 (meet_us)." in text
    assert "The recorded choice: 1 (meet_us), made by the model." in text
    assert "== What happened ==" in text
    assert "== Odds and effects ==" in text
    assert text.endswith("Skipping to the end of the game.\n")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_at_a_terminal_the_introduction_waits_and_a_replay_steps(recording: Path) -> None:
    """``negsim play`` on a pseudo-terminal: Enter starts, and a replay waits at each turn."""
    import pty
    import select

    def run_on_terminal(args: list[str], keys: list[bytes]) -> str:
        leader, follower = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", *args],
            stdin=follower,
            stdout=follower,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
        os.close(follower)
        seen = b""
        pending = list(keys)
        try:
            while True:
                ready, _, _ = select.select([leader], [], [], 30)
                if not ready:
                    break
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the command ended and closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
                if pending and seen.rstrip().endswith((b"start.", b">", b"key):")):
                    os.write(leader, pending.pop(0))
        finally:
            proc.wait(timeout=60)
            os.close(leader)
        return seen.decode("utf-8", "replace").replace("\r\n", "\n")

    shown = run_on_terminal(
        ["play", GAME, "--replay", str(recording), "--runs", "5", "--quiet"],
        [b"\n", b"\n", b"q\n"],
    )
    assert "Press Enter to start." in shown
    assert shown.count("The recorded choice: ") == 2  # turn 1, then turn 2: q
    assert "Skipping to the end of the game." in shown
    assert "The end." in shown


# -- endings and deadlines that move ---------------------------------------------------------


def _cliff_edge() -> Scenario:
    """A tiny negotiation with a walk-out, a no-deal deadline and a move that extends it."""
    doc = tiny_dict(
        {
            "title": "A cliff edge",
            "endings": {
                "walk": {"label": "a walk-out"},
                "no_deal": {"label": "a no-deal exit"},
            },
            "deadlines": {"soon": {"label": "exit day", "default_ending": "no_deal"}},
            "actors": {
                "alpha": {
                    "name": "the Alpha States",
                    "plural": True,
                    "actions": {
                        "leave": {"kind": "walk_out", "ending": "walk", "weight": 1.0},
                        "extend": {
                            "kind": "extend_deadline",
                            "deadline": "soon",
                            "extension_days": 20,
                            "weight": 1.0,
                        },
                    },
                }
            },
        }
    )
    assert doc["start"] == START
    return scenario_from_dict(doc, source="<cliff>")


def test_the_end_says_an_ending_and_a_deadline_moved() -> None:
    cliff = _cliff_edge()
    extend = next(o.number for o in options_of(cliff, "alpha") if o.move_id == "extend")
    leave = next(o.number for o in options_of(cliff, "alpha") if o.move_id == "leave")

    s, result, out = session(cliff, f"{extend}\n" + "0\n" * 50, "alpha", turns=None)
    text = " ".join(outcome_text(result, cliff, "alpha", s.choices).split())
    assert result.ending == 1  # no_deal
    assert "The negotiation ended: a no-deal exit, on " in text
    assert "exit day (20 February 2013): missed, moved from 31 January 2013" in text
    # The screens show the deadline where it stands now.
    assert "Next deadline: exit day (20 February 2013), in 9 days, moved from 31 January 2013." in (
        " ".join(out.split())
    )

    s, result, _ = session(cliff, f"{leave}\n", "alpha", turns=None)
    text = " ".join(outcome_text(result, cliff, "alpha", s.choices).split())
    assert "The negotiation ended: a walk-out, on " in text
    assert "exit day (31 January 2013): missed" in text
    assert "Your 1 decision as the Alpha States: leave x1." in text
