"""The loader fuzz, extended to the command line: any argv ends in exit 0, or exit 2 with one line.

Hypothesis builds command lines from hostile pieces: ``--set`` keys and
values (control characters, line breaks, bytes that are not UTF-8, integers
of thousands of digits, brackets nested thousands deep, numbers at the
limits of a float), ``--param`` specifications, and scenario and output file
names (too long, not UTF-8, a folder, a FIFO, a device). Each command line
runs through :func:`sim.cli.main` in this process. Whatever it is, the
command exits 0, or exits 2 with its reason on stderr: one line (one per
problem of a scenario), each starting ``negsim:``, with no traceback and no
control character. An output folder named by a command that exits 2 holds
no results.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CliOutcome
from conftest import negsim_in_process as negsim
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=int(os.environ.get("NEGSIM_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def places() -> Iterator[dict[str, str]]:
    """Names of things that are not scenario files: a folder, a FIFO, a device, a long name."""
    with tempfile.TemporaryDirectory() as root:
        folder = Path(root)
        fifo = folder / "fifo.toml"
        os.mkfifo(fifo)
        (folder / "empty.toml").write_text("", encoding="utf-8")
        (folder / "binary.toml").write_bytes(b"\xff\xfe\x00title = 1")
        yield {
            "folder": str(folder),
            "fifo": str(fifo),
            "empty": str(folder / "empty.toml"),
            "binary": str(folder / "binary.toml"),
            "device": "/dev/zero",
            "long": str(folder / ("n" * 300 + ".toml")),
            "deep": str(folder / "/".join(["d"] * 2000)),
            "not-utf8": os.fsdecode(folder.as_posix().encode() + b"/\xff\xfe.toml"),
            "packaged": "geneva2_2013",
            "missing": str(folder / "missing.toml"),
        }


KEYS = [
    "title",
    "description",
    "initial.readiness",
    "actors.russia.tempo_days",
    "actors.russia.name",
    "actors.russia.reactions",
    "mechanisms.focal_dates.tempo_boost",
    "mechanisms.reactions.max_depth",
    "world.tick_days",
    "convening.lead_days",
    "convening.announce_threshold",
    "deadlines.montreux.label",
    "deadlines.montreux.date",
    "horizon",
    "start",
    "nosuch",
    "actors.nosuch.tempo_days",
]

hostile_text = st.one_of(
    st.text(max_size=20),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Zl", "Zp", "Ll"]), max_size=8),
    st.binary(max_size=8).map(os.fsdecode),  # bytes that are not UTF-8 become surrogates
    st.sampled_from(
        [
            "9" * 5000,
            "-" + "9" * 5000,
            "[" * 3000 + "]" * 3000,
            "{a=" * 500 + "1" + "}" * 500,
            "1e308",
            "1e-320",
            "-1e308",
            "nan",
            "inf",
            "0",
            "-1",
            "100000000",
            "0.5\n[x]",
            "0.5 # comment",
            "'$\\undefined$'",
            '"\\u001b[2J"',
            '"a\\nb"',
            "9999-12-31",
            "0001-01-01",
            "[1, 2, 3]",
            "{}",
            "true",
            "",
        ]
    ),
)

keys = st.one_of(
    st.sampled_from(KEYS),
    st.lists(st.from_regex(r"[a-z_]{1,6}", fullmatch=True), min_size=1, max_size=4).map(".".join),
    st.integers(20, 1500).map(lambda n: ".".join(["a"] * n)),
    st.text(max_size=12),
)

settings_ = st.builds(lambda k, v: f"{k}={v}", keys, hostile_text)


def assert_clean(done: CliOutcome, several: bool) -> None:
    """Exit 0, or exit 2 with one line (several only for a scenario's problems), no traceback."""
    assert done.returncode in (0, 2), (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    assert "\x1b" not in done.stdout
    if done.returncode == 0:
        return
    lines = done.stderr.splitlines()
    assert lines, "a refusal says why"
    if not several:
        assert len(lines) == 1, lines
    for line in lines:
        assert line.startswith("negsim: "), line
        assert line.isprintable(), repr(line)


@FUZZ
@given(setting=settings_)
def test_any_set_on_the_command_line_is_clean(setting: str) -> None:
    assert_clean(negsim("trace", "--set", setting), several=True)


@FUZZ
@given(
    key=st.one_of(st.sampled_from(["actors.russia.tempo_days", "world.tick_days", "title"]), keys),
    spec=st.one_of(
        hostile_text,
        st.builds(lambda a, b: f"{a}:{b}", hostile_text, hostile_text),
        st.builds(lambda a, b: f"{a},{b}", hostile_text, hostile_text),
    ),
    points=st.sampled_from(["2", "3", "0", "-1", "1000000000000", "9" * 5000, "x"]),
    design=st.sampled_from(["grid", "lhs", "sobol", "nope"]),
)
def test_any_param_on_the_command_line_is_clean(
    key: str, spec: str, points: str, design: str
) -> None:
    with tempfile.TemporaryDirectory() as root:
        out = Path(root) / "out"
        argv = ["--param", f"{key}={spec}", "--design", design, "--points", points]
        done = negsim("sweep", *argv, "--runs", "1", "--workers", "1", "--out", str(out))
        assert_clean(done, several=True)
        if done.returncode == 2 and out.exists():
            assert not [p for p in out.iterdir() if p.suffix in (".csv", ".json", ".png")]


@FUZZ
@given(
    command=st.sampled_from(["validate", "trace", "params", "run"]),
    place=st.sampled_from(
        [
            "folder",
            "fifo",
            "empty",
            "binary",
            "device",
            "long",
            "deep",
            "not-utf8",
            "packaged",
            "missing",
        ]
    ),
    out_name=st.one_of(st.none(), st.text(max_size=12), st.binary(max_size=6).map(os.fsdecode)),
)
def test_any_file_name_is_clean(
    places: dict[str, str], command: str, place: str, out_name: str | None
) -> None:
    argv = [command, places[place]]
    if command == "run":
        argv += ["--runs", "2", "--workers", "1"]
    with tempfile.TemporaryDirectory() as root:
        if command == "run" and out_name is not None:
            argv += ["--out", os.path.join(root, out_name or ".")]
        done = negsim(*argv)
    assert_clean(done, several=place == "empty")  # an empty file misses several keys
    if place != "packaged":
        assert done.returncode == 2


@FUZZ
@given(
    argv=st.lists(
        st.one_of(
            st.sampled_from(
                ["run", "trace", "validate", "--runs", "--seed", "--set", "--deadline", "-h"]
            ),
            hostile_text,
        ),
        min_size=1,
        max_size=5,
    )
)
def test_any_argv_is_clean(argv: list[str]) -> None:
    if "run" in argv:
        argv = [*argv, "--workers", "1", "--runs", "2"]
    if any(a in ("-h", "--help") for a in argv):
        return  # --help prints and exits 0 through argparse
    # A scenario's problems, and validate's files, are one line each.
    assert_clean(negsim(*argv), several="--set" in argv or argv[0] == "validate")
