"""The package's layers, checked: imports run one way, and the lower layers need no extras.

Layers, lowest first (a module may import its own layer and the layers below):

    foundation   sim._version, sim.errors, sim.files, sim.folders
    model        sim.model
    scenario     sim.scenario
    engine       sim.engine (and sim.testing, test support built on it)
    experiments  sim.experiments
    output       sim.output
    cli          sim.cli

A package inside a layer (sim/cli/play/, say) belongs to that layer.
``sim/__init__.py`` (the public facade) and ``sim/__main__.py`` (the entry
point) may import anything; ``sim.scenarios`` is data. Nothing in sim imports
``sim.testing``, which needs Hypothesis, a test extra.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from collections.abc import Collection, Iterator
from pathlib import Path

import sim

PACKAGE = Path(sim.__file__).resolve().parent

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation", ("sim._version", "sim.errors", "sim.files", "sim.folders")),
    ("model", ("sim.model",)),
    ("scenario", ("sim.scenario",)),
    # sim.testing is test support on top of the engine: it runs the model and checks runs.
    ("engine", ("sim.engine", "sim.testing")),
    ("experiments", ("sim.experiments",)),
    ("output", ("sim.output",)),
    ("cli", ("sim.cli",)),
)
EXEMPT = frozenset({"sim", "sim.__main__"})
"""The public facade and the entry point: they exist to import from every layer."""
DATA = "sim.scenarios"
"""Packaged scenario files, not code of any layer."""
TEST_SUPPORT = "sim.testing"

KNOWN_VIOLATIONS: frozenset[str] = frozenset()
"""Violations another branch is fixing right now; this test fails when one of them is gone."""


def layer_of(module: str) -> int | None:
    """The index of ``module``'s layer in :data:`LAYERS`, or ``None``."""
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    return None


def sim_modules(package: Path) -> dict[str, Path]:
    """Every module of the package in the folder ``package``, by dotted name (data left out)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if not (name == DATA or name.startswith(DATA + ".")):
            found[name] = path
    return found


MODULES = sim_modules(PACKAGE)


def resolve(importer: str, is_package: bool, level: int, module: str | None) -> str:
    """The absolute name of ``from <level dots><module> import ...`` written in ``importer``."""
    if level == 0:
        return module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imports_of(module: str, path: Path, modules: Collection[str]) -> Iterator[str]:
    """The name of every module ``path`` imports, wherever the import is written.

    Module level, inside functions, under ``if TYPE_CHECKING`` (a type-only import
    is still a dependency on that layer), relative imports, and
    ``importlib.import_module("sim....")`` with a literal name. ``from P import n``
    counts as an import of ``P.n`` when that is one of ``modules``, else of ``P``.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = resolve(module, is_package, node.level, node.module)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield sub if sub in modules else base
        elif (
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Name) and node.func.id == "import_module")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value


def is_sim(name: str) -> bool:
    return name == "sim" or name.startswith("sim.")


def layer_violations(modules: dict[str, Path]) -> list[str]:
    """One line per module outside every layer and per import against the layer order."""
    problems: set[str] = set()
    for module, path in modules.items():
        if module in EXEMPT:
            continue
        own = layer_of(module)
        reach = -1  # the highest layer the module imports from
        for target in imports_of(module, path, modules):
            if not is_sim(target) or target == module:
                continue
            if target == TEST_SUPPORT or target.startswith(TEST_SUPPORT + "."):
                if module != TEST_SUPPORT:
                    problems.add(f"{module}: imports {target} (test support, needs Hypothesis)")
                continue
            if target in EXEMPT:
                what = "the public facade" if target == "sim" else "the entry point"
                problems.add(f"{module}: imports {target} ({what}; import the module itself)")
                continue
            theirs = layer_of(target)
            if theirs is None:
                problems.add(f"{module}: imports {target} (not in any layer)")
                continue
            reach = max(reach, theirs)
            if own is not None and theirs > own:
                problems.add(
                    f"{module}: imports {target} "
                    f"(layer {LAYERS[theirs][0]} above layer {LAYERS[own][0]})"
                )
        if own is None:
            hint = f" (its imports reach layer {LAYERS[reach][0]})" if reach >= 0 else ""
            problems.add(f"{module}: not in any layer{hint}")
    return sorted(problems)


def test_imports_follow_the_layer_order() -> None:
    found = layer_violations(MODULES)
    new = [line for line in found if line not in KNOWN_VIOLATIONS]
    assert not new, "imports against the layers:\n" + "\n".join(new)
    gone = sorted(KNOWN_VIOLATIONS - set(found))
    assert not gone, "fixed, so remove from KNOWN_VIOLATIONS:\n" + "\n".join(gone)


# -- the checker itself, on a small made-up package --------------------------------------------


def test_every_kind_of_import_is_seen(tmp_path: Path) -> None:
    files = {
        "sim/__init__.py": "from sim.cli import main\n",
        "sim/errors.py": "import sim.model.state\n",
        "sim/model/__init__.py": "",
        "sim/model/state.py": "from ..engine import run\n",
        "sim/scenario/__init__.py": "from . import loader\n",
        "sim/scenario/loader.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n"
            "    from sim.experiments.montecarlo import Result\n"
            "def f():\n"
            "    from sim.output import tables\n"
            "    import importlib\n"
            "    return importlib.import_module('sim.cli.run_cmd')\n"
        ),
        "sim/engine/__init__.py": "",
        "sim/engine/run.py": "from sim.model.state import State\nfrom sim.scenario import x\n",
        "sim/experiments/__init__.py": "",
        "sim/experiments/montecarlo.py": "from sim import testing\n",
        "sim/output/__init__.py": "",
        "sim/output/tables.py": "from sim import __version__\n",
        "sim/cli/__init__.py": "",
        "sim/cli/run_cmd.py": "",
        "sim/cli/play/__init__.py": "from ...output import tables\nfrom sim.feature import y\n",
        "sim/cli/main.py": "import sim.__main__\n",
        "sim/testing.py": "",
        "sim/feature.py": "from sim.engine import run\n",
        "sim/scenarios/__init__.py": "from sim.cli import run_cmd\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert layer_violations(sim_modules(tmp_path / "sim")) == [
        "sim.cli.main: imports sim.__main__ (the entry point; import the module itself)",
        "sim.cli.play: imports sim.feature (not in any layer)",
        "sim.errors: imports sim.model.state (layer model above layer foundation)",
        "sim.experiments.montecarlo: imports sim.testing (test support, needs Hypothesis)",
        "sim.feature: not in any layer (its imports reach layer engine)",
        "sim.model.state: imports sim.engine.run (layer engine above layer model)",
        "sim.output.tables: imports sim (the public facade; import the module itself)",
        "sim.scenario.loader: imports sim.cli.run_cmd (layer cli above layer scenario)",
        "sim.scenario.loader: imports sim.experiments.montecarlo "
        "(layer experiments above layer scenario)",
        "sim.scenario.loader: imports sim.output.tables (layer output above layer scenario)",
    ]


# -- the lower layers need none of the heavy dependencies --------------------------------------

HEAVY = ("simpy", "matplotlib", "dask", "distributed", "tqdm", "pandas")
TEST_EXTRAS = ("hypothesis", "pytest", "_pytest")


def blocking(names: tuple[str, ...]) -> str:
    """Python code that makes importing any of ``names`` (or their submodules) an ImportError.

    A meta-path finder first in line, installed before sim is imported, in a
    fresh interpreter where none of them is loaded yet.
    """
    return textwrap.dedent(
        f"""
        import importlib.abc
        import sys

        BLOCKED = {names!r}


        class Blocker(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.partition(".")[0] in BLOCKED:
                    raise ImportError(f"{{name}} is blocked by the test")
                return None


        already = sorted(m for m in sys.modules if m.partition(".")[0] in BLOCKED)
        assert not already, already
        sys.meta_path.insert(0, Blocker())
        """
    )


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


def test_the_blocker_blocks() -> None:
    done = run_python(blocking(HEAVY) + "import simpy\n")
    assert done.returncode == 1
    assert "ImportError: simpy is blocked by the test" in done.stderr


def test_model_and_scenario_import_without_simpy_matplotlib_dask_tqdm_pandas() -> None:
    code = blocking(HEAVY + TEST_EXTRAS) + textwrap.dedent(
        """
        import sim
        import sim.model
        import sim.scenario
        from sim.scenario import load_scenario, packaged_scenarios

        baseline = load_scenario()
        assert baseline.name == "geneva2_2013", baseline.name
        names = [load_scenario(path).name for path in packaged_scenarios()]
        loaded = sorted(m for m in sys.modules if m.partition(".")[0] in BLOCKED)
        assert not loaded, loaded
        print(len(baseline.actors), len(names))
        """
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    actors, scenarios = map(int, done.stdout.split())
    assert actors == 8
    assert scenarios > 1


def test_nothing_in_sim_needs_the_test_extras() -> None:
    """Every module but sim.testing imports without Hypothesis or pytest; sim.testing says so."""
    names = sorted(m for m in MODULES if m not in ("sim.__main__", TEST_SUPPORT))
    code = blocking(TEST_EXTRAS) + (
        "import importlib\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "try:\n"
        "    import sim.testing\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert 'sim.testing needs Hypothesis, a test extra: pip install "negsim[test]"' in done.stdout
