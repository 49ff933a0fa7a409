"""The public facade: dir(sim) shows its names; import negsim is import sim; both light."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import sim


def test_dir_lists_every_public_name_and_each_resolves() -> None:
    names = dir(sim)
    for name in sim.__all__:
        assert name in names
        assert getattr(sim, name) is not None
    assert "__getattr__" in names  # the module's own names stay listed


def python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_import_negsim_is_import_sim_and_loads_nothing_heavy() -> None:
    out = python(
        """
        import sys
        import negsim
        import sim
        assert negsim is sim
        heavy = sorted(m for m in sys.modules
                       if m.partition(".")[0] in ("numpy", "scipy", "simpy", "pandas",
                                                  "matplotlib", "ema_workbench"))
        ours = sorted(m for m in sys.modules if m.partition(".")[0] in ("sim", "negsim"))
        print(heavy, ours)
        """
    )
    assert out.strip() == "[] ['negsim', 'sim', 'sim._version']"


def test_negsim_submodules_are_the_sim_modules() -> None:
    import negsim.experiments.designs as designs
    from negsim.experiments.sweep import Sweep

    import negsim
    import sim.experiments.designs
    import sim.experiments.sweep

    assert negsim is sim
    assert Sweep is sim.experiments.sweep.Sweep
    assert designs is sim.experiments.designs
    assert sys.modules["negsim.experiments.sweep"] is sim.experiments.sweep


def test_tab_completion_offers_the_lazy_names() -> None:
    import rlcompleter

    import negsim

    completer = rlcompleter.Completer({"negsim": negsim})
    found, state = [], 0
    while (match := completer.complete("negsim.Sw", state)) is not None:
        found.append(match)
        state += 1
    assert "negsim.Sweep(" in found
    assert "negsim.SweepResult(" in found
