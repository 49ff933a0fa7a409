"""The scenario files shipped with negsim, installed as the package data ``sim.scenarios``.

This file only makes the folder installable; the scenarios are the ``.toml`` files.
"""
