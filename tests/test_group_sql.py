"""Per-meter statistics computed in DuckDB (loader._interval_minutes, _group_median) equal pandas' groupby."""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.ingest import loader


def test_interval_minutes_by_hand():
    df = pd.DataFrame({"m": ["a", "a", "a", "b", "b", None, "c"],
                       "ts": pd.to_datetime(["2023-01-01 00:15", "2023-01-01 00:00", "2023-01-01 00:30",
                                             "2023-01-01 00:00", "2023-01-01 01:00", "2023-01-01 00:00", None])})
    # a: steps 15, 15 -> 15; b: one step of 60; no meter and no time: the default hour
    assert loader._interval_minutes(df, "m", "ts").tolist() == [15, 15, 15, 60, 60, 60, 60]


def _pandas_interval_minutes(df, key, ts):  # the rule as it was written in pandas
    d = df[[key, ts]].sort_values([key, ts])
    steps = d.groupby(key)[ts].diff().dt.total_seconds() / 60
    median = steps.groupby(d[key]).transform("median").fillna(60.0).clip(lower=1, upper=1440)
    return median.reindex(df.index).round().astype("int64")


def test_group_statistics_equal_pandas_on_random_frames():
    rng = np.random.default_rng(13)
    for _ in range(60):
        n = int(rng.integers(0, 40))
        base = pd.Timestamp("2023-01-01")
        ts = [None if rng.random() < 0.1 else base + pd.Timedelta(minutes=int(rng.choice([0, 15, 45, 60, 90]))
                                                                   * int(rng.integers(0, 10))) for _ in range(n)]
        df = pd.DataFrame({"meter_id": pd.Series(rng.choice(["a", "b", None, "c"], size=n), dtype=object),
                           "ts": pd.to_datetime(pd.Series(ts, dtype=object)),
                           "source": rng.choice(["bill", "interval"], size=n)}, index=np.arange(n) * 3)
        got = loader._interval_minutes(df, "meter_id", "ts")
        want = _pandas_interval_minutes(df, "meter_id", "ts")
        assert got.tolist() == want.tolist() and list(got.index) == list(want.index)
        rate = pd.Series(rng.choice([np.nan, -1, 0, 1.5, 2, 3, 7], size=n), index=df.index).where(lambda r: r > 0)
        grp = rate.groupby([df["meter_id"], df["source"]])
        want_med = grp.transform("median").where(grp.transform("count") >= 4)
        got_med = loader._group_median(loader._group_codes(df, ["meter_id", "source"]),
                                       rate.to_numpy("float64", na_value=np.nan), min_count=4)
        assert np.array_equal(got_med, want_med.to_numpy("float64", na_value=np.nan), equal_nan=True)
