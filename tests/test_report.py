"""Tests of ``negsim report`` and :mod:`sim.output.report` (reading: ``test_readers.py``).

Two small results folders (a run and a comparison, a few dozen runs each, one worker) are
written once per module with the real writers, with scenario titles and a deadline label
that carry HTML, so escaping is tested on the real path. The report must parse with every
opened tag closed, embed every PNG of the folder as a data URI, reference nothing outside
the page, and show the folder's numbers. Bad folders must end in exit status 2 with one
line on stderr. A last test opens the report in headless Chromium (screenshot and PDF)
and is skipped where no Chromium is installed.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from sim.cli import main
from sim.experiments.compare import compare
from sim.experiments.executors import ExecutorSpec
from sim.experiments.montecarlo import run_monte_carlo
from sim.output.records import DeadlineDifference
from sim.output.report import ResultsError, build_report
from sim.output.report.sentences import interpret
from sim.output.results import write_comparison, write_run
from sim.scenario import find_scenario, load_scenario

RUNS = 48
XSS_TITLE = "<script>alert(1)</script> & \"quoted\" 'title'"
XSS_LABEL = "end of 2013 <b onmouseover=alert(3)>"
ALT_TITLE = "<img src=x onerror=alert(2)> without the HRC resolution"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VOID_TAGS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
URL_ATTRIBUTES = {"src", "href", "srcset", "action", "formaction", "poster", "data", "background"}
FORBIDDEN_TAGS = {"script", "link", "iframe", "object", "embed", "base", "frame", "audio", "video"}


# -- fixtures: real results folders ------------------------------------------------------------


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = load_scenario(None, {"title": XSS_TITLE, "deadlines.end_of_2013.label": XSS_LABEL})
    result = run_monte_carlo(scenario, RUNS, 7, executor=ExecutorSpec(workers=1))
    folder = tmp_path_factory.mktemp("run")
    write_run(result, folder, {"command": "run", "deadline_filter": None})
    return folder


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenarios = tmp_path_factory.mktemp("scenarios")
    alt_file = scenarios / "no_hrc.toml"
    alt_file.write_text(
        f"extends = {json.dumps(str(find_scenario(None)))}\n"
        'name = "no_hrc"\n'
        f"title = {json.dumps(ALT_TITLE)}\n"
        'remove = ["events.hrc_qusayr"]\n',
        encoding="utf-8",
    )
    comparison = compare(
        load_scenario(None), load_scenario(alt_file), RUNS, 0, executor=ExecutorSpec(workers=1)
    )
    folder = tmp_path_factory.mktemp("compare")
    write_comparison(comparison, folder, {"command": "compare"})
    return folder


@pytest.fixture(scope="module")
def run_html(run_dir: Path) -> str:
    return build_report(run_dir)


@pytest.fixture(scope="module")
def compare_html(compare_dir: Path) -> str:
    return build_report(compare_dir)


# -- a strict reading of the HTML --------------------------------------------------------------


class Page(HTMLParser):
    """Every tag with its attributes, the text, the tables; and tags left open or misclosed."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self.list_items: dict[str, list[str]] = {}
        self._section: str | None = None
        self._item: list[str] | None = None
        self.feed(text)
        self.close()
        if self.open:
            self.problems.append(f"never closed: {self.open}")

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "section":
            self._section = attributes.get("id")
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "li":
            self._item = []
        if tag == "br":
            self.handle_data(" ")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID_TAGS:
            self.problems.append(f"<{tag}/> is not a void element")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS:
            self.problems.append(f"</{tag}> closes a void element")
            return
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> while <{self.open[-1] if self.open else None}> open")
            return
        self.open.pop()
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "li" and self._item is not None:
            key = self._section or ""
            self.list_items.setdefault(key, []).append(" ".join("".join(self._item).split()))
            self._item = None

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._item is not None:
            self._item.append(data)

    def table_with(self, header: str) -> list[list[str]]:
        """The first table whose first row has a cell ``header``."""
        for table in self.tables:
            if table and header in table[0]:
                return table
        raise AssertionError(f"no table with a column {header!r}")

    def key_values(self, name: str) -> dict[str, str]:
        """The name–value table that has a row named ``name``: {name: first value}."""
        for table in self.tables:
            if any(row and row[0] == name for row in table):
                return {row[0]: row[1] for row in table if len(row) > 1}
        raise AssertionError(f"no table with a row {name!r}")

    def images(self) -> list[str]:
        return [str(a.get("src")) for t, a in self.tags if t == "img"]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def points(x: float) -> str:
    value = 100 * x
    return "0.0" if abs(value) < 0.05 else f"{value:+.1f}".replace("-", "\u2212")


# -- structure, embedding, isolation, escaping ---------------------------------------------------


@pytest.mark.parametrize("which", ["run_html", "compare_html"])
def test_every_opened_tag_is_closed(which: str, request: pytest.FixtureRequest) -> None:
    text: str = request.getfixturevalue(which)
    assert text.startswith("<!DOCTYPE html>\n")
    page = Page(text)
    assert page.problems == []
    assert [t for t, _ in page.tags].count("html") == 1
    assert ("meta", {"charset": "utf-8"}) in page.tags


@pytest.mark.parametrize(
    ("which", "folder"), [("run_html", "run_dir"), ("compare_html", "compare_dir")]
)
def test_every_png_of_the_folder_is_embedded(
    which: str, folder: str, request: pytest.FixtureRequest
) -> None:
    page = Page(request.getfixturevalue(which))
    pngs = sorted(Path(request.getfixturevalue(folder)).glob("*.png"))
    assert len(pngs) == (2 if which == "run_html" else 4)
    images = page.images()
    assert len(images) == len(pngs)
    for png in pngs:
        data = png.read_bytes()
        assert f"data:image/png;base64,{base64.b64encode(data).decode('ascii')}" in images
    for src in images:
        assert base64.b64decode(src.removeprefix("data:image/png;base64,")).startswith(
            PNG_SIGNATURE
        )


@pytest.mark.parametrize("which", ["run_html", "compare_html"])
def test_nothing_is_loaded_from_elsewhere(which: str, request: pytest.FixtureRequest) -> None:
    text: str = request.getfixturevalue(which)
    page = Page(text)
    for tag, attributes in page.tags:
        assert tag not in FORBIDDEN_TAGS
        for name, value in attributes.items():
            assert not name.startswith("on"), (tag, name)
            if name in URL_ATTRIBUTES:
                assert value is not None
                assert value.startswith(("data:image/png;base64,", "#")), (tag, name, value[:60])
    assert "http://" not in text
    assert "https://" not in text
    assert "url(" not in text
    assert "@import" not in text


def test_titles_and_labels_from_scenario_files_are_escaped(
    run_html: str, compare_html: str
) -> None:
    for text in (run_html, compare_html):
        assert "<script" not in text
        assert "<img src=x" not in text
        assert "<b onmouseover" not in text
    run_page = Page(run_html)
    assert XSS_TITLE in run_page.text
    assert XSS_LABEL in run_page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;" in run_html
    assert not any(t == "script" for t, _ in run_page.tags)
    compare_page = Page(compare_html)
    assert ALT_TITLE in compare_page.text
    assert not any(t == "img" and a.get("src") == "x" for t, a in compare_page.tags)


def test_figures_have_captions_and_the_page_prints_cleanly(compare_html: str) -> None:
    page = Page(compare_html)
    captions = [c for c in re.findall(r"<figcaption>(.*?)</figcaption>", compare_html)]
    assert len(captions) == len(page.images()) == 4
    for n, caption in enumerate(captions, start=1):
        assert plain(caption).startswith(f"Figure {n}. ")
        assert len(plain(caption)) > 200
    assert all(a.get("alt") for t, a in page.tags if t == "img")
    style = re.search(r"<style>(.*)</style>", compare_html, re.S)
    assert style is not None
    printed = style.group(1).split("@media print", 1)[1]
    assert re.search(r"figure \{[^}]*break-inside: avoid", printed)
    assert re.search(r"body \{[^}]*background: #fff", printed)
    assert "overflow: visible" in printed


# -- content -----------------------------------------------------------------------------------


def test_run_report_shows_the_deadline_table_of_the_folder(run_dir: Path, run_html: str) -> None:
    page = Page(run_html)
    table = page.table_with("95% interval")
    rows = read_csv(run_dir / "deadlines.csv")
    assert len(table) == 1 + len(rows)
    for cells, row in zip(table[1:], rows, strict=True):
        assert cells[0] == f"{row['label']} {row['date']}"
        assert cells[1] == pct(float(row["probability"]))
        assert cells[2] == f"{pct(float(row['ci_low']))} – {pct(float(row['ci_high']))}"
        assert cells[3] == f"{row['convened']} / {row['runs']}"


def test_run_report_shows_summary_and_provenance(run_dir: Path, run_html: str) -> None:
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    result = summary["result"]
    prov = summary["provenance"]
    page = Page(run_html)
    text = " ".join(page.text.split())
    never = result["not_convened_by_horizon"]
    assert (
        f"Not convened by the end of the simulation (31 December 2014): {pct(never['probability'])}"
        f" of runs (95% interval {pct(never['ci_low'])} to {pct(never['ci_high'])})" in text
    )
    median = result["median_convening_date"]
    assert median is not None, "choose a seed whose runs convene in half the cases"
    assert f"({median}): half of the runs had convened by then" in text
    kv = page.key_values("scenario SHA-256 (resolved)")
    assert kv["scenario SHA-256 (resolved)"] == prov["scenario_sha256"]
    assert kv["seed"] == "7"
    assert kv["runs"] == str(RUNS)
    assert kv["back end"] == prov["backend"]
    assert kv["negsim version"] == prov["negsim_version"]
    assert kv["wall time"].endswith(" s")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d \S+", kv["report generated"])
    figure_captions = [c for c in page.text.split("Figure ")[1:]]
    assert len(figure_captions) == 2
    assert "How the runs went" in text


def test_compare_report_shows_the_differences_of_the_folder(
    compare_dir: Path, compare_html: str
) -> None:
    page = Page(compare_html)
    table = page.table_with("McNemar p")
    rows = read_csv(compare_dir / "deadlines.csv")
    assert len(table) == 1 + len(rows)
    for cells, row in zip(table[1:], rows, strict=True):
        assert cells[0] == f"{row['label']} {row['date']}"
        assert cells[1] == pct(float(row["base_probability"]))
        assert cells[2] == pct(float(row["alt_probability"]))
        assert cells[3] == points(float(row["difference"]))
        assert cells[4] == f"{points(float(row['ci_low']))} to {points(float(row['ci_high']))}"
        assert cells[5] == f"{row['only_base']} / {row['only_alt']}"
        p = float(row["mcnemar_p"])
        assert cells[6] == ("< 0.001" if p < 0.001 else f"{p:.3g}")
        assert cells[7] == f"{float(row['width_ratio']):.2f}"
    findings = page.list_items["summary"]
    assert len(findings) == len(rows)
    for sentence, row in zip(findings, rows, strict=True):
        assert sentence.startswith(row["label"] + " (")
    both = page.table_with("alternative")
    assert ["name", "geneva2_2013", "no_hrc"] in both
    assert ["title", load_scenario(None).title, ALT_TITLE] in both


def difference(**changes: Any) -> DeadlineDifference:
    fields: dict[str, Any] = {
        "name": "end_of_2013",
        "label": "end of 2013",
        "date": dt.date(2013, 12, 31),
        "base_probability": 0.40,
        "alt_probability": 0.42,
        "difference": 0.02,
        "ci_low": 0.002,
        "ci_high": 0.024,
        "mcnemar_p": 0.03,
        "both": 110,
        "only_base": 10,
        "only_alt": 16,
        "neither": 164,
        "unpaired_ci_low": -0.05,
        "unpaired_ci_high": 0.09,
        "width_ratio": 0.3,
    }
    fields.update(changes)
    return DeadlineDifference(**fields)


def plain(html_text: str) -> str:
    return re.sub(r"<[^>]+>", "", html_text)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {},
            "end of 2013 (31 December 2013): going from the baseline to the alternative raised "
            "the chance of convening by then by 2.0 points, from 40.0% to 42.0% (95% interval "
            "+0.2 to +2.4 points). The whole interval is above zero: these runs show the change "
            "clearly.",
        ),
        (
            {"alt_probability": 0.37, "difference": -0.03, "ci_low": -0.05, "ci_high": -0.01},
            "lowered the chance of convening by then by 3.0 points, from 40.0% to 37.0% (95% "
            "interval \u22125.0 to \u22121.0 points). The whole interval is below zero",
        ),
        (
            {"ci_low": -0.003, "ci_high": 0.043},
            "(95% interval \u22120.3 to +4.3 points). The interval includes zero, so these runs "
            "cannot tell whether the change is real",
        ),
        (
            {
                "alt_probability": 0.40,
                "difference": 0.0,
                "ci_low": -0.02,
                "ci_high": 0.02,
                "only_alt": 10,
            },
            "the change made no difference on balance: 40.0% in both (95% interval \u22122.0 to "
            "+2.0 points); 10 runs had convened by then only in the baseline and 10 only in the "
            "alternative.",
        ),
        (
            {
                "base_probability": 0.0,
                "alt_probability": 0.0,
                "difference": 0.0,
                "ci_low": -0.0126,
                "ci_high": 0.0126,
                "both": 0,
                "only_base": 0,
                "only_alt": 0,
                "neither": 300,
            },
            "no run of either scenario had convened by then",
        ),
    ],
)
def test_one_plain_sentence_per_deadline(changes: dict[str, Any], expected: str) -> None:
    sentence = plain(interpret(difference(**changes), 300))
    assert expected in sentence
    assert "\n" not in sentence


def test_a_comparison_sentence_escapes_the_label() -> None:
    sentence = interpret(difference(label="<i>x</i>"), 300)
    assert "&lt;i&gt;x&lt;/i&gt;" in sentence
    assert "<i>" not in sentence


# -- command line ----------------------------------------------------------------------------


def negsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_writes_the_report_where_asked(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.html"
    p = negsim("report", str(run_dir), "-o", "out.html", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    assert p.stdout == "out.html\n"
    text = out.read_text(encoding="utf-8")
    assert Page(text).problems == []
    assert XSS_TITLE in Page(text).text
    assert not (run_dir / "report.html").exists()


def test_cli_bad_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    p = negsim("report", "no_such_results", cwd=tmp_path)
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr == "negsim: report: no_such_results: no such folder\n"


def test_default_output_is_report_html_in_the_folder(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = shutil.copytree(run_dir, tmp_path / "results")
    assert main(["report", str(folder)]) == 0
    written = folder / "report.html"
    assert capsys.readouterr().out == f"{written}\n"
    assert written.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not [f for f in os.listdir(folder) if f.endswith(".tmp")]


def edit_summary(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / "summary.json"
        summary = json.loads(path.read_text(encoding="utf-8"))
        change(summary)
        path.write_text(json.dumps(summary), encoding="utf-8")

    return apply


def traversal(folder: Path) -> None:
    shutil.copy(folder / "convening_cdf.png", folder.parent / "elsewhere.png")
    edit_summary(lambda s: s["files"].append("../elsewhere.png"))(folder)


def truncate_runs(folder: Path) -> None:
    lines = (folder / "runs.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "runs.csv").write_text("".join(lines[:-3]), encoding="utf-8")


def bad_csv_number(folder: Path) -> None:
    path = folder / "deadlines.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(",0.0,", ",zero,", 1), encoding="utf-8"
    )


BAD_RUN_FOLDERS: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "no summary.json",
        lambda f: (f / "summary.json").unlink(),
        r"results: no summary\.json \(not a folder written by 'negsim run --out'",
    ),
    (
        "summary.json not JSON",
        lambda f: (f / "summary.json").write_text('{"kind": "run",', encoding="utf-8"),
        r"results/summary\.json: not valid JSON \(.* at line 1 column \d+\)",
    ),
    (
        "summary.json not an object",
        lambda f: (f / "summary.json").write_text("[1, 2]", encoding="utf-8"),
        r"summary\.json: the top level: expected an object, got \[1, 2\]",
    ),
    (
        "summary.json not UTF-8",
        lambda f: (f / "summary.json").write_bytes(b"\xff\xfe{}"),
        r"summary\.json: not UTF-8 text",
    ),
    (
        "figure listed but missing",
        lambda f: (f / "readiness_fan.png").unlink(),
        r"results/readiness_fan\.png: missing \(summary\.json lists it under 'files'\)",
    ),
    (
        "figure not a PNG",
        lambda f: (f / "convening_cdf.png").write_bytes(b"GIF89a not really"),
        r"results/convening_cdf\.png: not a PNG image",
    ),
    (
        "unknown kind",
        edit_summary(lambda s: s.update(kind="sweep")),
        r"summary\.json: key 'kind': expected \"run\" or \"compare\", got \"sweep\"",
    ),
    (
        "missing key",
        edit_summary(lambda s: s["provenance"].pop("seed")),
        r"summary\.json: missing key 'provenance\.seed'",
    ),
    (
        "wrong type",
        edit_summary(lambda s: s["result"]["deadlines"][1].update(probability="high")),
        r"summary\.json: key 'result\.deadlines\[1\]\.probability': expected a number from 0 "
        r"to 1, got \"high\"",
    ),
    (
        "bad date",
        edit_summary(lambda s: s["result"].update(horizon="soon")),
        r"key 'result\.horizon': expected a date \(YYYY-MM-DD\), got \"soon\"",
    ),
    (
        "file outside the folder",
        traversal,
        r"key 'files\[5\]': expected a file name inside the results folder, "
        r"got \"\.\./elsewhere\.png\"",
    ),
    (
        "deadlines.csv missing",
        lambda f: (f / "deadlines.csv").unlink(),
        r"results/deadlines\.csv: missing; the results folder is incomplete",
    ),
    (
        "deadlines.csv bad number",
        bad_csv_number,
        r"results/deadlines\.csv: line 2, column 'probability': expected a number from 0 to 1, "
        r"got 'zero'",
    ),
    (
        "runs.csv from another run",
        truncate_runs,
        rf"results/runs\.csv: does not match summary\.json \({RUNS - 3} runs, not {RUNS}\)",
    ),
]


@pytest.mark.parametrize(
    ("damage", "message"),
    [pytest.param(d, m, id=name) for name, d, m in BAD_RUN_FOLDERS],
)
def test_bad_results_folder_is_one_line_and_exit_2(
    damage: Callable[[Path], None],
    message: str,
    run_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = shutil.copytree(run_dir, tmp_path / "results")
    damage(folder)
    assert main(["report", str(folder)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("negsim: report: ")
    assert captured.err.endswith("\n")
    assert captured.err.count("\n") == 1
    assert "Traceback" not in captured.err
    assert re.search(message, captured.err), captured.err
    assert not (folder / "report.html").exists()


def test_a_comparison_missing_its_figure_is_refused(compare_dir: Path, tmp_path: Path) -> None:
    folder = shutil.copytree(compare_dir, tmp_path / "cmp")
    (folder / "comparison.png").unlink()
    with pytest.raises(ResultsError, match=r"cmp/comparison\.png: missing"):
        build_report(folder)


def test_a_file_instead_of_a_folder_is_refused(run_dir: Path) -> None:
    with pytest.raises(ResultsError, match=r"summary\.json: not a folder"):
        build_report(run_dir / "summary.json")


def test_unwritable_output_is_one_line_and_exit_2(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "missing" / "report.html"
    assert main(["report", str(run_dir), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"negsim: -o {out}: cannot write the report (No such file or directory)\n"


# -- a real browser ----------------------------------------------------------------------------

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def find_browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(f"no Chromium installed: none of {', '.join(BROWSERS)} is on PATH")


def headless(browser: str, page: Path, profile: Path, *extra: str) -> None:
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *extra,
        page.as_uri(),
    ]
    env = {**os.environ, "HOME": str(profile)}
    try:
        subprocess.run(command, capture_output=True, timeout=90, check=False, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{browser} did not finish within 90 s")


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_SIGNATURE)
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_renders_and_prints_in_headless_chromium(compare_html: str, tmp_path: Path) -> None:
    browser = find_browser()
    page = tmp_path / "report.html"
    page.write_text(compare_html, encoding="utf-8")
    shot = tmp_path / "shot.png"
    headless(browser, page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,2000")
    assert shot.is_file(), "Chromium wrote no screenshot"
    data = shot.read_bytes()
    assert png_size(data) == (1200, 2000)
    # A blank or near-blank page compresses to a few kB; text, tables and figures do not.
    assert len(data) > 60_000
    pdf = tmp_path / "report.pdf"
    headless(browser, page, tmp_path / "profile", f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert pdf.is_file(), "Chromium wrote no PDF"
    document = pdf.read_bytes()
    assert document.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", document))
    # Text, four tables and four figures do not fit on one or two sheets.
    assert pages >= 3
