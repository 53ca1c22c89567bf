"""Every page file of the app, and the one way tests open the app as a role in a language (AppTest)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
ALL_PAGES = sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))


def app_as(role: str | None = None, lang: str = "zh", *, user: str | None = None, timeout: float = 120,
           script: str = "dashboard.py") -> AppTest:
    """The app (not yet run) as a visitor (role None), an officer or an admin, in zh or en. The login is the
    session state the login form sets; `user` names who writes (default "test-<role>")."""
    at = AppTest.from_file(str(ROOT / script), default_timeout=timeout)
    at.session_state["lang"] = lang
    if role:
        at.session_state["auth_user"], at.session_state["auth_role"] = user or f"test-{role}", role
    return at
