"""The project's own settings and reference files under data/: CSV with a header, '#' lines are comments."""

from __future__ import annotations

import csv
from pathlib import Path


def rows(path: Path) -> list[dict[str, str]]:
    """Every row of a data/ CSV file as a dict (header -> text); comment lines ('#') left out."""
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))
