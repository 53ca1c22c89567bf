"""The leaders' first screen: the six figures they ask about first, each with a status, and one status line.

Built on the KPI report (etl.metrics.kpi.kpi_report), so the first screen, the KPI tables, the workbook and
the Word draft share one definition. Pure functions over the report dict: no SQL here.

Status of a figure:
- where a target exists (data/targets.csv, data/kpi_targets.csv), the target's status
  (on_track / at_risk / off_track against the 2020-2025 path; met / not_met for a level);
- otherwise the direction of its change against its reference (2020 for total energy, the year before
  for the fleet), judged by whether that direction is good for the figure: better / worse / unchanged
  (a change that rounds to 0.0 % is unchanged).
"""

from __future__ import annotations

from etl.metrics.kpi import BY_KEY

# (KPI key, where its change is measured against: "baseline" = 2020, "previous" = the year before)
HEADLINE: tuple[tuple[str, str], ...] = (
    ("energy_kgce", "baseline"),
    ("energy_kgce_per_m2", "baseline"),
    ("energy_kgce_per_person", "baseline"),
    ("pv_saving_rate_pct", "previous"),
    ("jieyue_units_certified", "previous"),
    ("fleet_co2_t", "previous"),
)
GOOD = {"on_track", "met", "better", "unchanged"}
RISK = {"at_risk"}
BAD = {"off_track", "not_met", "worse"}


def direction(change: float | None, better: str | None, digits: int = 1) -> str | None:
    """better / worse / unchanged for a change (in % or pp), or None when it cannot be judged."""
    if change is None or better not in ("higher", "lower"):
        return None
    if round(change, digits) == 0:
        return "unchanged"
    return "better" if (change > 0) == (better == "higher") else "worse"


def _change(report: dict, key: str, against: str) -> tuple[float | None, str]:
    """The change of a KPI against its reference and its unit: '%' for values, 'pp' for rates."""
    if against == "baseline":
        return report.get(f"{key}_change_vs_2020_pct"), "%"
    if key.endswith("_pct"):
        return report["change_pp"].get(key), "pp"
    return report["change_pct"].get(key), "%"


def headline(report: dict) -> list[dict]:
    """The first screen's figures: key, value, change, change_unit, against (year), status, target."""
    out = []
    for key, against in HEADLINE:
        spec = BY_KEY[key]
        change, unit = _change(report, key, against)
        target_key = "jieyue_units" if key == "jieyue_units_certified" else key
        tg = report["targets"].get(target_key)
        status = tg["status"] if tg and tg.get("status") else direction(change, spec.better)
        out.append({
            "key": key, "value": report.get(key), "digits": spec.digits, "better": spec.better,
            "change": change, "change_unit": unit,
            "against": report["baseline_year"] if against == "baseline" else report["year"] - 1,
            "status": status, "target": tg,
        })
    return out


def status_line(report: dict, open_alerts: int | None = None) -> dict:
    """Counts of the year's targets by outcome (good = on track or met, at risk, bad = off track or not
    met; targets without a status are not counted) and the open alerts."""
    statuses = [tg.get("status") for tg in report["targets"].values()]
    return {"targets": sum(s is not None for s in statuses), "good": sum(s in GOOD for s in statuses),
            "at_risk": sum(s in RISK for s in statuses), "bad": sum(s in BAD for s in statuses),
            "open_alerts": open_alerts}
