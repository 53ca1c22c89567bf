"""A county N times larger for measuring (`python -m etl demo --scale N`, issue 14).

The demo county (N=1) is written first, exactly as always. Each further district k = 2..N is that
county again as its own set of files (`<file>_d02.csv`, …), the way a district would export them: the
same institutions, meters, PV sites, cars and logs, with their own codes, account numbers, plates,
fuel cards, record numbers and names (the district's name in front), and the same readings. So every
table grows N times with the realism of the demo (its seasons, leaks, gaps, PV hosts, fleet checks),
and N=1 stays byte for byte what it was. Each file is no larger than the county's own, so the loader's
upload caps and memory stay as they are for one file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

# neighbouring counties of Liuzhou prefecture, used as district names (k = 2 … 15)
DISTRICTS = ("柳城", "融安", "融水", "三江", "柳江", "象州", "武宣", "金秀", "忻城", "来宾", "合山", "宜州",
             "罗城", "环江")
MAX_SCALE = len(DISTRICTS) + 1
PLATE_CITY = "ACDEFGHJKLMNPR"  # one plate letter per district (桂B is the county's own)

INSTITUTION_COLS = ("单位编码", "institution_id")
ACCOUNT_COLS = ("户号", "用户号")
METER_COLS = ("表号",)
NAME_COLS = ("单位名称", "户名", "电站名称", "name")
GROUP_COLS = ("楼群",)
PLATE_COLS = ("车牌号",)
CARD_COLS = ("卡号", "油卡号")
RECORD_COLS = ("派车单号", "工单号", "会议编号", "接待编号", "批次号")
SITE_COLS = ("site_id",)


def check(n: int) -> None:
    if not 1 <= n <= MAX_SCALE:
        raise ValueError(f"--scale must be between 1 and {MAX_SCALE} (one district name per copy); got {n}")


def _institution(code: str, k: int) -> str:
    return f"I{k}{code[1:]}" if code else code  # I001 -> I2001 (the demo has fewer than 1000 institutions)


def _account(acct: str, k: int) -> str:
    """0450000001 -> 0450002001, 88000001 -> 88002001: the last six digits carry the district."""
    if len(acct) < 6 or not acct[-6:].isdigit():
        return acct
    return acct[:-6] + f"{k * 1000 + int(acct[-6:]) % 1000:06d}"


def _meter(meter_id: str, k: int) -> str:
    kind, _, code = meter_id.partition("-")  # E-I001 -> E-I2001
    return f"{kind}-{_institution(code, k)}" if code else meter_id


def _name(name: str, k: int) -> str:
    if not name:
        return name
    county = DISTRICTS[k - 2]
    return f"{county}{name}" if name.startswith("县") else f"{county}县{name}"


def _plate(plate: str, k: int) -> str:
    return plate.replace("桂B", f"桂{PLATE_CITY[k - 2]}", 1) if plate.startswith("桂B") else plate


def _card(card: str, k: int) -> str:
    return card[:6] + f"{k:02d}" + card[8:] if len(card) >= 10 and card.isdigit() else card


def _site(site_id: str, k: int) -> str:
    return f"PV{k:02d}{site_id[2:]}" if site_id.startswith("PV") else site_id


RULES = ((INSTITUTION_COLS, _institution), (ACCOUNT_COLS, _account), (METER_COLS, _meter), (NAME_COLS, _name),
         (GROUP_COLS, _name), (PLATE_COLS, _plate), (CARD_COLS, _card), (SITE_COLS, _site),
         (RECORD_COLS, lambda r, k: f"{r}-{k:02d}" if r else r))


def _encoding(path: Path) -> str:
    head = path.read_bytes()[:3]
    return "utf-8-sig" if head == b"\xef\xbb\xbf" else "gb18030"


def district(df: pd.DataFrame, k: int) -> pd.DataFrame:
    """One file's rows for district k: every code and name changed, every reading as it is."""
    out = df.copy()
    for cols, fn in RULES:
        for col in cols:
            if col in out.columns:
                values = out[col].unique()
                out[col] = out[col].map({v: fn(v, k) for v in values})
    return out


def extend(out_dir: Path, written: list[Path], n: int) -> list[Path]:
    """Write districts 2..n of every demo file next to it; return the new paths."""
    check(n)
    new: list[Path] = []
    for path in list(written):
        if n == 1:
            break
        enc = _encoding(path)
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=enc)
        for k in range(2, n + 1):
            target = out_dir / f"{path.stem}_d{k:02d}{path.suffix}"
            district(df, k).to_csv(target, index=False, encoding=enc)
            new.append(target)
    return new
