"""pv_year: the PV project's saving rate and what its on-site use avoided, by hand (tests/metrics/conftest.py)."""

from __future__ import annotations

from numpy.testing import assert_allclose

from etl.metrics import figures
from etl.pv import project


def _py(con, year: int, coal: str = "dangliang", grid: str = "guangxi") -> dict:
    df = con.execute("SELECT * FROM pv_year WHERE year = ? AND coal = ? AND grid = ?", [year, coal, grid]).df()
    assert len(df) == 1
    return df.iloc[0].to_dict()


def test_only_producing_months_of_hosts_count(vcon):
    r = _py(vcon, 2023)
    # I2 in 2023-02: generation 300, export 100, so 200 used on site; use = 1,500 import + 200 = 1,700 kWh.
    # January (2,000 kWh, no PV) does not dilute the rate; I1 hosts no site.
    assert_allclose([r["pv_generation_kwh"], r["pv_self_use_kwh"], r["host_use_kwh"]], [300, 200, 1700])
    assert_allclose(r["saving_rate_pct"], 100 * 200 / 1700)
    assert_allclose([r["kgce_avoided"], r["co2_t_avoided_self_use"], r["co2_t_avoided_generation"]],
                    [200 * 0.1229, 200 * 0.4476 / 1000, 300 * 0.4476 / 1000])


def test_basis_picks_the_factor(vcon):
    r = _py(vcon, 2023, "dengjia", "national")
    assert_allclose([r["kgce_avoided"], r["co2_t_avoided_generation"]], [200 * 0.3, 300 * 0.5306 / 1000])


def test_savings_read_the_view(vcon):
    s = project.savings(vcon, 2023, "dengjia", "south", "generation")
    assert_allclose([s["kgce_avoided"], s["co2_t_avoided"], s["saving_rate_pct"]],
                    [60.0, 300 * 0.4042 / 1000, 100 * 200 / 1700])
    assert s["coal_factor_id"] == "elec_kgce_dengjia" and s["co2_factor_id"] == "grid_co2_south"


def test_a_year_without_pv(vcon):
    assert vcon.execute("SELECT count(*) FROM pv_year WHERE year = 2022").fetchall()[0][0] == 0
    s = project.savings(vcon, 2022)
    assert s["kgce_avoided"] == 0 and s["co2_t_avoided"] == 0 and s["saving_rate_pct"] is None
    assert figures.pv_saving_rate(vcon, 2022)["pv_self_use_kwh"] == 0
