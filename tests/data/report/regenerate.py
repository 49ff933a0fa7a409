"""Write the results folders of ``tests/data/report/`` again, with the real commands.

Run from the repository root after a deliberate change of what a results
folder holds (and say why in the commit)::

    python tests/data/report/regenerate.py
    python tests/test_report_pinned.py      # the pinned pages, from these folders

Every command runs with fixed seeds and one worker. Two edits keep the folders
small and free of one machine's details: every PNG is replaced by a blank
(white, 8-bit grey) PNG of the same width and height, so page layout (and the
print test) sees the real sizes; and the volatile provenance (wall times, when
written, the back end, Python and library versions) is fixed.
"""

from __future__ import annotations

import json
import shutil
import struct
import sys
import zlib
from pathlib import Path

from sim.cli import main

HERE = Path(__file__).resolve().parent
TITLE = 'title="<script>alert(1)</script> & \\"quoted\\" $\\\\undefined$ title"'
LABEL = 'deadlines.end_of_2013.label="end of 2013 <b onmouseover=alert(3)>"'

COMMANDS: dict[str, list[str]] = {
    "run": [
        "run",
        "--runs",
        "40",
        "--seed",
        "7",
        "--deadline",
        "end_of_2013",
        "--set",
        TITLE,
        "--set",
        LABEL,
    ],
    "run_precision": [
        "run",
        "iran_nuclear_2015",
        "--precision",
        "0.15",
        "--max-runs",
        "80",
        "--seed",
        "2",
    ],
    "run_endings": ["run", "brexit_withdrawal_2017", "--runs", "40", "--seed", "3"],
    "compare": ["compare", "geneva2_2013", "no_hrc_resolution", "--runs", "40", "--seed", "0"],
    "compare_set": [
        "compare",
        "geneva2_2013",
        "--set-alt",
        "actors.russia.tempo_days=11",
        "--runs",
        "40",
        "--seed",
        "0",
    ],
    "sweep": [
        "sweep",
        "--param",
        "actors.russia.tempo_days=4:12",
        "--points",
        "3",
        "--runs",
        "8",
    ],
    "sensitivity": [
        "sensitivity",
        "--param",
        "actors.russia.tempo_days=4:12",
        "--param",
        "world.stance_pull=0.0:2.0",
        "--samples",
        "4",
        "--runs",
        "3",
        "--seed",
        "2",
    ],
}

#: Provenance that differs from machine to machine, fixed in every JSON file.
FIXED = {
    "python": "3.11.7",
    "numpy": "2.4.6",
    "scipy": "1.17.1",
    "backend": "1 local process",
    "wall_time_s": 0.5,
    "written_at": "2026-11-30T09:15:00+00:00",
}


def blank_png(width: int, height: int) -> bytes:
    """A white 8-bit greyscale PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def fix(value: object) -> object:
    """``value`` with the volatile provenance fixed, wherever it is nested."""
    if isinstance(value, dict):
        return {k: FIXED.get(k, fix(v)) if k in FIXED else fix(v) for k, v in value.items()}
    if isinstance(value, list):
        return [fix(v) for v in value]
    return value


def regenerate(name: str, arguments: list[str]) -> None:
    folder = HERE / name
    shutil.rmtree(folder, ignore_errors=True)
    status = main([*arguments, "--workers", "1", "--quiet", "--out", str(folder)])
    if status != 0:
        raise SystemExit(f"{name}: the command failed ({status})")
    for png in folder.glob("*.png"):
        width, height = struct.unpack(">II", png.read_bytes()[16:24])
        png.write_bytes(blank_png(width, height))
    for file in folder.glob("*.json"):
        text = json.dumps(
            fix(json.loads(file.read_text(encoding="utf-8"))), indent=2, ensure_ascii=False
        )
        file.write_text(text + "\n", encoding="utf-8")
    (folder / "points.jsonl").unlink(missing_ok=True)
    (folder / "report.html").unlink(missing_ok=True)
    print(name, file=sys.stderr)


if __name__ == "__main__":
    for folder_name, args in COMMANDS.items():
        regenerate(folder_name, args)
