"""``import negsim``: the distribution's name for the :mod:`sim` package.

``negsim`` *is* ``sim``: the same module object, and ``negsim.X`` is the module ``sim.X``
(``from negsim.experiments.sweep import Sweep`` gives the very class ``sim`` has), so nothing is
imported twice and ``isinstance`` checks agree whichever name was used. Importing it imports
only ``sim`` itself, which loads the rest on first use.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

import sim

_PREFIX = "negsim."


class _SimAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``negsim.X`` as the module ``sim.X`` (imported under its own name, once)."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(_PREFIX):
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module("sim." + spec.name[len(_PREFIX) :])

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the ``sim`` module was run when it was imported."""


if not any(isinstance(finder, _SimAlias) for finder in sys.meta_path):
    sys.meta_path.insert(0, _SimAlias())
sys.modules[__name__] = sim
