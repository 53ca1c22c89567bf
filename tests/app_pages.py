"""Every page file of the app, for tests that must visit all of them (a new page is covered by itself)."""

from pathlib import Path

ALL_PAGES = sorted(f"pages/{p.name}" for p in (Path(__file__).resolve().parent.parent / "pages").glob("*.py"))
