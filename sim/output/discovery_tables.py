"""Scenario discovery as text and files: the chosen box, its limits and the trajectory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from sim.files import atomic_write_json, atomic_write_text, csv_text
from sim.output.tables import format_table

if TYPE_CHECKING:
    from sim.experiments.discovery import Discovery

__all__ = ["discovery_table", "write_discovery"]


def _g(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def discovery_table(discovery: Discovery) -> str:
    """The question, the chosen box and its limits with their quasi-p values, as text."""
    box = discovery.box
    lines = [
        discovery.describe(),
        f"Chosen box {discovery.chosen} of {len(discovery.trajectory)} on the peeling "
        f"trajectory: coverage {box.coverage:.2f}, density {box.density:.2f}, "
        f"{box.points} points ({box.mass:.0%} of all), {box.restricted} parameter"
        f"{'s' if box.restricted != 1 else ''} restricted"
        + (
            ""
            if discovery.met_threshold
            else f" (no box reached density {discovery.density_threshold:g}: the densest is shown)"
        ),
        "",
    ]
    if not discovery.limits:
        lines.append("The box restricts no parameter.")
    else:
        rows = []
        for b in discovery.limits:
            if b.values:
                rows.append([b.key, "keeps " + ", ".join(map(str, b.values)), "", "", _g(b.qp)])
            else:
                rows.append(
                    [
                        b.key,
                        _g(b.low),
                        _g(b.high),
                        f"{_g(b.full_low)} .. {_g(b.full_high)}",
                        f"{_g(b.qp_low)} / {_g(b.qp_high)}",
                    ]
                )
        lines.append(
            format_table(
                ["parameter", "box low", "box high", "swept range", "qp low / high"],
                rows,
                {1, 2, 4},
            ).rstrip("\n")
        )
        lines.append(
            "qp: quasi-p value of each limit (Bryant and Lempert's one-sided binomial test); "
            "'-' where the box keeps that end of the range"
        )
    return "\n".join(lines) + "\n"


def write_discovery(discovery: Discovery, folder: str | os.PathLike[str]) -> list[Path]:
    """Write ``discovery_trajectory.csv``, the two figures, then ``discovery.json``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from sim.output.discovery_figures import write_discovery_figures

    out = Path(folder)
    data = discovery.to_json()
    columns = ["box", "coverage", "density", "mass", "restricted", "points", "cases"]
    atomic_write_text(out / "discovery_trajectory.csv", csv_text(data["trajectory"], columns))
    written = [out / "discovery_trajectory.csv", *write_discovery_figures(discovery, out)]
    atomic_write_json(out / "discovery.json", data)
    return [*written, out / "discovery.json"]
