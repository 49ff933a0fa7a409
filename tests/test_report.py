"""Tests of ``negsim report`` and :mod:`sim.output.report` (reading: ``test_readers.py``).

Two small results folders (a run and a comparison, a few dozen runs each, one worker) are
written once per module with the real writers, with scenario titles, descriptions and a
deadline label that carry HTML and ``$...$``, so escaping is tested on the real path; the
sweep, sensitivity and Brexit folders of ``tests/data/report`` are used as they are. The
report must parse with every opened tag closed, embed every PNG of the folder as a data URI,
reference nothing outside the page, and show the folder's numbers: every stage and ending,
the change a comparison makes named from the scenarios, Newcombe's interval in words. Bad
folders end in exit status 2 with one line per problem on stderr. The last tests open the
reports in headless Chromium (a screenshot, and print to A4: no page mostly blank or
holding only the footer) and are skipped where Chromium (or pdftoppm) is not installed.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from sim.cli import main
from sim.experiments.compare import compare
from sim.experiments.executors import ExecutorSpec
from sim.experiments.montecarlo import run_monte_carlo
from sim.output.records import DeadlineDifference, OutcomeDifference
from sim.output.report import KINDS, FolderKind, ResultsError, build_report, register
from sim.output.report.sentences import interpret
from sim.output.results import write_comparison, write_run
from sim.scenario import find_scenario, load_scenario

RUNS = 48
DATA = Path(__file__).parent / "data" / "report"
XSS_TITLE = "<script>alert(1)</script> & \"quoted\" 'title' $\\undefined$"
XSS_LABEL = "end of 2013 <b onmouseover=alert(3)>"
ALT_TITLE = "What if <img src=x onerror=alert(2)> the HRC had not voted?"
ALT_DESCRIPTION = "A <em>test</em> of the description.\n\nIt asks & escapes."
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
        f"description = {json.dumps(ALT_DESCRIPTION)}\n"
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


@pytest.fixture(scope="module")
def sweep_html() -> str:
    return build_report(DATA / "sweep")


@pytest.fixture(scope="module")
def sensitivity_html() -> str:
    return build_report(DATA / "sensitivity")


@pytest.fixture(scope="module")
def endings_html() -> str:
    return build_report(DATA / "run_endings")


@pytest.fixture(scope="module")
def compare_set_html() -> str:
    return build_report(DATA / "compare_set")


ALL_PAGES = ["run_html", "compare_html", "sweep_html", "sensitivity_html", "endings_html"]


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


def plain(html_text: str) -> str:
    return re.sub(r"<[^>]+>", "", html_text)


# -- structure, embedding, isolation, escaping ---------------------------------------------------


@pytest.mark.parametrize("which", ALL_PAGES)
def test_every_opened_tag_is_closed(which: str, request: pytest.FixtureRequest) -> None:
    text: str = request.getfixturevalue(which)
    assert text.startswith("<!DOCTYPE html>\n")
    page = Page(text)
    assert page.problems == []
    assert [t for t, _ in page.tags].count("html") == 1
    assert ("meta", {"charset": "utf-8"}) in page.tags


@pytest.mark.parametrize(
    ("which", "folder", "count"),
    [
        ("run_html", "run_dir", 2),
        ("compare_html", "compare_dir", 4),
        ("sweep_html", DATA / "sweep", 1),
        ("sensitivity_html", DATA / "sensitivity", 9),
    ],
)
def test_every_png_of_the_folder_is_embedded(
    which: str, folder: str | Path, count: int, request: pytest.FixtureRequest
) -> None:
    page = Page(request.getfixturevalue(which))
    path = folder if isinstance(folder, Path) else Path(request.getfixturevalue(folder))
    pngs = sorted(path.glob("*.png"))
    assert len(pngs) == count
    images = page.images()
    assert len(images) == len(pngs)
    for png in pngs:
        data = png.read_bytes()
        assert f"data:image/png;base64,{base64.b64encode(data).decode('ascii')}" in images
    for src in images:
        assert base64.b64decode(src.removeprefix("data:image/png;base64,")).startswith(
            PNG_SIGNATURE
        )


@pytest.mark.parametrize("which", ALL_PAGES)
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


def test_titles_labels_and_descriptions_from_scenario_files_are_escaped(
    run_html: str, compare_html: str
) -> None:
    for text in (run_html, compare_html):
        assert "<script" not in text
        assert "<img src=x" not in text
        assert "<b onmouseover" not in text
        assert "<em>test</em>" not in text
    run_page = Page(run_html)
    assert XSS_TITLE in run_page.text
    assert XSS_LABEL in run_page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;" in run_html
    assert not any(t == "script" for t, _ in run_page.tags)
    compare_page = Page(compare_html)
    assert ALT_TITLE in compare_page.text
    assert "A <em>test</em> of the description." in compare_page.text
    assert not any(t == "img" and a.get("src") == "x" for t, a in compare_page.tags)


def test_figures_have_captions_and_the_page_prints_on_a4(
    compare_html: str, sensitivity_html: str
) -> None:
    page = Page(compare_html)
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", compare_html)
    assert len(captions) == len(page.images()) == 4
    for n, caption in enumerate(captions, start=1):
        assert plain(caption).startswith(f"Figure {n}. ")
        # The second fan is read as the first.
        assert len(plain(caption)) > 200 or "Read as figure 3." in plain(caption)
    assert all(a.get("alt") for t, a in page.tags if t == "img")
    # A figure per deadline: the first says how to read them, the others point to it.
    captions = [plain(c) for c in re.findall(r"<figcaption>(.*?)</figcaption>", sensitivity_html)]
    assert len(captions[0]) > 200
    assert all("Read as figure 1." in c for c in captions[1:])
    style = re.search(r"<style>(.*)</style>", compare_html, re.S)
    assert style is not None
    assert "@page { size: A4;" in style.group(1)
    printed = style.group(1).split("@media print", 1)[1]
    assert re.search(r"figure \{[^}]*break-inside: avoid", printed)
    assert re.search(r"footer \{[^}]*break-before: avoid", printed)
    assert "break-before: page" not in printed


# -- content -----------------------------------------------------------------------------------


def own_rows(folder: Path) -> list[dict[str, str]]:
    """The rows of ``deadlines.csv`` of each deadline's own stage."""
    return [r for r in read_csv(folder / "deadlines.csv") if r["is_deadline_stage"] == "true"]


def test_run_report_shows_the_deadline_table_of_the_folder(run_dir: Path, run_html: str) -> None:
    page = Page(run_html)
    table = page.table_with("95% interval")
    rows = own_rows(run_dir)
    assert len(table) == 1 + len(rows)
    for cells, row in zip(table[1:], rows, strict=True):
        assert cells[0] == f"{row['deadline_label']} {row['date']}"
        if row["from_record"] == "true":
            assert cells[1] == "missed (record)"
            continue
        assert cells[1] == pct(float(row["probability"]))
        assert cells[2] == f"{pct(float(row['ci_low']))} – {pct(float(row['ci_high']))}"
        assert cells[3] == f"{row['count']} / {row['runs']}"


def test_every_stage_and_ending_appears(endings_html: str) -> None:
    summary = json.loads((DATA / "run_endings" / "summary.json").read_text(encoding="utf-8"))
    result = summary["result"]
    page = Page(endings_html)
    table = page.table_with("deadline")
    text = " ".join(page.text.split())
    for outcome in (*result["stages"], *result["endings"]):
        assert outcome["label"] in text
    matrix = next(t for t in page.tables if t and "a no-deal exit ending" in t[0])
    assert len(matrix) == 1 + len(result["deadlines"]) + 1  # and the horizon
    for row, d in zip(matrix[1:], result["deadlines"], strict=False):
        assert row[1:] == [pct(o["probability"]) for o in d["outcomes"]]
    assert "the runs stood so" in text
    assert "these add up to 100%" in text
    assert "extended in 87.5% of the runs" in text
    assert table


def test_run_report_shows_findings_and_provenance(run_dir: Path, run_html: str) -> None:
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    result = summary["result"]
    prov = summary["provenance"]
    page = Page(run_html)
    text = " ".join(page.text.split())
    still = result["by_horizon"]["still_open"]
    assert (
        "By the end of the simulation (31 December 2014), the runs stood so: convened "
        f"{pct(result['by_horizon']['outcomes'][-1]['probability'])}; still open "
        f"{pct(still['probability'])}" in text
    )
    median = result["stages"][-1]["median_date"]
    assert median is not None, "choose a seed whose runs convene in half the cases"
    assert "Half of the runs had reached convened by" in text
    assert (
        "Before the forecast origin (5 June 2013) the record decides: end of May 2013 missed"
        in text
    )
    kv = page.key_values("scenario SHA-256 (resolved)")
    assert kv["scenario SHA-256 (resolved)"] == prov["scenario_sha256"]
    assert kv["scenario file"] == "packaged with negsim: geneva2_2013.toml"
    assert kv["values set on the command line"].startswith("title=")
    assert kv["seed"] == "7"
    assert kv["runs"] == str(RUNS)
    assert kv["back end"] == prov["backend"]
    assert kv["negsim version"] == prov["negsim_version"]
    assert kv["wall time"].endswith(" s")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d \S+", kv["report generated"])
    assert "site-packages" not in run_html
    assert str(find_scenario(None)) not in run_html
    assert len(page.text.split("Figure ")[1:]) >= 2
    assert "How the runs went" in text


def test_compare_report_shows_the_differences_of_the_folder(
    compare_dir: Path, compare_html: str
) -> None:
    page = Page(compare_html)
    table = page.table_with("width ratio")
    rows = own_rows(compare_dir)
    assert len(table) == 1 + len(rows)
    for cells, row in zip(table[1:], rows, strict=True):
        assert cells[0] == f"{row['deadline_label']} {row['date']}"
        assert cells[1] == pct(float(row["base_probability"]))
        assert cells[2] == pct(float(row["alt_probability"]))
        assert cells[3] == points(float(row["difference"]))
        assert cells[4] == f"{points(float(row['ci_low']))} to {points(float(row['ci_high']))}"
        assert cells[5] == f"{row['only_base']} / {row['only_alt']}"
        p = float(row["mcnemar_p"])
        assert cells[6] == ("< 0.001" if p < 0.001 else f"{p:.3g}")
        alike = int(row["both"]) == RUNS or int(row["neither"]) == RUNS
        assert cells[7] == ("—" if alike else f"{float(row['width_ratio']):.2f}")
    text = " ".join(page.text.split())
    # Both sides at 0%: no width ratio, and a note saying why.
    assert table[1][7] == "—"
    assert "A width ratio of “—”: every pair agrees" in text
    # Newcombe's method in words.
    assert "Newcombe’s method 10 for paired proportions: it starts from each scenario’s own" in text
    # The change is named from the alternative's title; one sentence per forecast deadline.
    assert f"The change: {ALT_TITLE}" in text
    findings = page.list_items["summary"]
    forecast = [r for r in rows if r["from_record"] == "false"]
    assert len(findings) == len(forecast)
    for sentence, row in zip(findings, forecast, strict=True):
        assert sentence.startswith(row["deadline_label"] + " (")
    assert "going from the baseline to the alternative" not in text
    assert any(["name", "geneva2_2013", "no_hrc"] in t for t in page.tables)
    assert any(["title", load_scenario(None).title, ALT_TITLE] in t for t in page.tables)


def test_a_comparison_of_one_file_with_a_set_value_names_the_value(compare_set_html: str) -> None:
    page = Page(compare_set_html)
    text = " ".join(page.text.split())
    assert "The change: The alternative with actors.russia.tempo_days = 11" in text
    assert "with actors.russia.tempo_days=11" in page.text  # the title
    kv = page.tables[-1]
    assert ["values set on the command line", "none", "actors.russia.tempo_days=11"] in kv


def test_sweep_and_sensitivity_reports(sweep_html: str, sensitivity_html: str) -> None:
    sweep = Page(sweep_html)
    text = " ".join(sweep.text.split())
    assert (
        "A grid design of 3 points over actors.russia.tempo_days: whole numbers from 4 to 12"
        in (text)
    )
    table = sweep.table_with("deadline")
    assert table[0] == ["deadline", "4", "8", "12"]
    assert table[-1][0] == "mid-2014 2014-06-30"
    assert re.fullmatch(r"\d+\.\d% \d+\.\d% – \d+\.\d%", table[-1][1])
    analysis = Page(sensitivity_html)
    text = " ".join(analysis.text.split())
    assert "N=4 is small" in text
    assert "14 of the 18 outputs did not vary over the evaluations" in text
    indices = analysis.table_with("first-order")
    assert all("end of May 2013" not in row[0] for row in indices)


def difference(**changes: Any) -> DeadlineDifference:
    fields: dict[str, Any] = {
        "name": "end_of_2013",
        "label": "end of 2013",
        "date": dt.date(2013, 12, 31),
        "stage": "convened",
        "stage_label": "convened",
        "outcomes": (),
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


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {},
            "end of 2013: convened by then in 42.0% of the runs with the change against 40.0% "
            "without it: 2.0 points more (95% interval +0.2 to +2.4 points). The whole interval "
            "is above zero: these runs show the change clearly.",
        ),
        (
            {"alt_probability": 0.37, "difference": -0.03, "ci_low": -0.05, "ci_high": -0.01},
            "in 37.0% of the runs with the change against 40.0% without it: 3.0 points fewer "
            "(95% interval \u22125.0 to \u22121.0 points). The whole interval is below zero",
        ),
        (
            {"ci_low": -0.003, "ci_high": 0.043},
            "(95% interval \u22120.3 to +4.3 points). The interval includes zero, so these runs "
            "cannot tell whether the change raised or lowered it",
        ),
        (
            {
                "alt_probability": 0.40,
                "difference": 0.0,
                "ci_low": -0.02,
                "ci_high": 0.02,
                "only_alt": 10,
            },
            "convened by then in 40.0% of the runs with the change and without it: no difference "
            "on balance (10 runs reached it only without the change, 10 only with it; 95% "
            "interval \u22122.0 to +2.0 points).",
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
            "no run reached convened by then, with the change or without it",
        ),
    ],
)
def test_one_plain_sentence_per_deadline(changes: dict[str, Any], expected: str) -> None:
    sentence = plain(interpret(difference(**changes), 300, "end of 2013: "))
    assert expected in sentence
    assert "\n" not in sentence


def test_a_comparison_sentence_escapes_the_labels() -> None:
    sentence = interpret(difference(stage_label="<i>x</i>"), 300, "")
    assert "&lt;i&gt;x&lt;/i&gt;" in sentence
    assert "<i>" not in sentence
    outcome = OutcomeDifference(
        name="no_deal",
        label="a <b>no-deal</b> exit",
        kind="ending",
        **{
            k: getattr(difference(), k)
            for k in (
                "base_probability",
                "alt_probability",
                "difference",
                "ci_low",
                "ci_high",
                "mcnemar_p",
                "both",
                "only_base",
                "only_alt",
                "neither",
                "unpaired_ci_low",
                "unpaired_ci_high",
                "width_ratio",
            )
        },
    )
    assert "a &lt;b&gt;no-deal&lt;/b&gt; exit" in interpret(outcome, 300)


# -- the kinds of folder ---------------------------------------------------------------------------


def test_a_kind_of_folder_can_be_added(tmp_path: Path) -> None:
    # A made-up kind: calibration.json marks a calibration still running (see test_report_backtest).
    (tmp_path / "example.json").write_text("{}", encoding="utf-8")
    kind = FolderKind(
        "example",
        "example.json",
        "negsim example --out",
        lambda folder, generated: f"<p>{folder.name} {generated}</p>",
    )
    known = list(KINDS)
    try:
        register(kind)
        page = build_report(tmp_path, now=dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC))
        assert page.startswith(f"<p>{tmp_path.name} 2026-01-02")
    finally:
        KINDS[:] = known
    with pytest.raises(ResultsError, match=r"it has none of summary\.json"):
        build_report(tmp_path)


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
    shutil.copy(folder / "outcomes.png", folder.parent / "elsewhere.png")
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
        r"results: not a results folder: it has none of summary\.json \(negsim run --out or "
        r"negsim compare --out\); sweep\.json",
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
        r"results/readiness_fan\.png: missing \(the folder's figures include it\)",
    ),
    (
        "figure not a PNG",
        lambda f: (f / "outcomes.png").write_bytes(b"GIF89a not really"),
        r"results/outcomes\.png: not a PNG image",
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
        r"results/deadlines\.csv: line \d+, column '\w+': expected a number from 0 to 1, "
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


def grey_png(width: int, height: int) -> bytes:
    """A mid-grey PNG: a figure the page measurement sees (the fixtures' PNGs are white)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        PNG_SIGNATURE
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


#: A page other than the last is mostly blank if its content ends above this share of it.
MOSTLY_BLANK = 0.45
#: The last page holds more than the footer if its content reaches this share of it.
MORE_THAN_A_FOOTER = 0.15


def printed_pages(html: Path, tmp_path: Path) -> list[tuple[float, float]]:
    """Print ``html`` on A4 with Chromium; per page, (share of rows used, where content ends)."""
    browser = find_browser()
    raster = shutil.which("pdftoppm")
    if raster is None:
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils): pages not measured")
    pdf = tmp_path / "report.pdf"
    headless(browser, html, tmp_path / "profile", f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert pdf.is_file(), "Chromium wrote no PDF"
    subprocess.run([raster, "-r", "30", "-gray", str(pdf), str(tmp_path / "page")], check=True)
    from PIL import Image

    found = []
    for image in sorted(tmp_path.glob("page-*.pgm")):
        with Image.open(image) as page:
            width, height = page.size
            pixels = page.load()
            assert pixels is not None
            used = [any(pixels[x, y] < 235 for x in range(0, width, 2)) for y in range(height)]
        last = max((y for y, u in enumerate(used) if u), default=0)
        found.append((sum(used) / height, last / height))
    return found


@pytest.mark.parametrize(
    "name", ["run", "run_endings", "compare", "compare_set", "sweep", "sensitivity"]
)
def test_printed_on_a4_no_page_is_mostly_blank_or_only_a_footer(name: str, tmp_path: Path) -> None:
    folder = shutil.copytree(DATA / name, tmp_path / name)
    for png in folder.glob("*.png"):
        png.write_bytes(grey_png(*png_size(png.read_bytes())))
    html = tmp_path / "report.html"
    html.write_text(build_report(folder), encoding="utf-8")
    pages = printed_pages(html, tmp_path)
    assert pages, "no page printed"
    for number, (_, end) in enumerate(pages[:-1], start=1):
        assert end >= MOSTLY_BLANK, f"page {number} of {len(pages)} ends at {end:.0%}: {pages}"
    assert pages[-1][1] >= MORE_THAN_A_FOOTER, f"the last page holds only the footer: {pages}"
