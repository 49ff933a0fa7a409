"""Nothing in a scenario file is executed, evaluated or unpickled, and its text is only text.

A scenario's strings that look like code (Python, shell, templates, YAML tags, a pickle)
are carried through validation, a Monte Carlo run, a story and a report as the text
they are: no file appears, and the story prints them as written. The scenario layer's
source calls no evaluator at all.
"""

from __future__ import annotations

import ast
import html
from pathlib import Path

import pytest
from conftest import negsim_in_process, tiny_dict, to_toml

import sim.scenario

#: Strings that some reader somewhere would run: each would create the marker file.
PAYLOADS = (
    "__import__('pathlib').Path('{marker}').touch()",
    "$(touch {marker})",
    "`touch {marker}`",
    "{{{{ ''.__class__.__mro__[1].__subclasses__() }}}} {marker}",
    "!!python/object/apply:os.system ['touch {marker}']",
    "cos\nsystem\n(S'touch {marker}'\ntR.",
)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_code_in_a_scenario_is_text(tmp_path: Path, payload: str) -> None:
    marker = tmp_path / "ran"
    text = payload.format(marker=marker).replace("\n", " ")
    doc = tiny_dict({"title": text, "actors": {"alpha": {"name": text}}})
    path = tmp_path / "code.toml"
    path.write_text(to_toml(doc), encoding="utf-8")
    for args in (
        ("validate", str(path)),
        ("run", str(path), "--runs", "5", "--workers", "1", "--out", str(tmp_path / "out")),
        ("trace", str(path), "--verbose"),
        ("report", str(tmp_path / "out")),
    ):
        outcome = negsim_in_process(*args)
        assert outcome.returncode == 0, outcome.stderr
        assert not marker.exists()
    story = negsim_in_process("trace", str(path)).stdout
    assert text in story
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert html.escape(text) in page or html.escape(text, quote=False) in page


#: What must never be called, or imported, by the code that reads scenario files.
EVALUATORS = {"eval", "exec", "compile", "__import__"}
UNSAFE_MODULES = {"pickle", "marshal", "shelve", "yaml", "dill", "cloudpickle", "subprocess"}


def test_the_scenario_layer_calls_no_evaluator() -> None:
    root = Path(sim.scenario.__file__).parent
    found = []
    for file in sorted(root.rglob("*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in EVALUATORS:
                    found.append(f"{file.name}:{node.lineno}: {node.func.id}()")
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                for name in names:
                    if name.split(".")[0] in UNSAFE_MODULES:
                        found.append(f"{file.name}:{node.lineno}: import {name}")
    assert not found
