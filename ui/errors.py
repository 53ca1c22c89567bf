"""What a visitor sees when something goes wrong: a sentence and an error id, never a traceback.

The full traceback goes to the server log (logger "energy.app") under the same id, so an
administrator can find it. Streamlit's own error details are off (.streamlit/config.toml).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import streamlit as st

from etl.store.db import DatabaseBusy, damaged
from ui.auth import can_write
from ui.i18n import t

log = logging.getLogger("energy.app")


def error_id() -> str:
    return uuid.uuid4().hex[:8]


def show_error(exc: BaseException) -> str:
    """Log exc with a fresh id and show the sentence that fits it. Returns the id."""
    eid = error_id()
    broken = damaged(exc)
    if broken is not None:
        log.error("database damaged [%s]: %s", eid, broken)
        if can_write():
            good = str(broken.good_copy) if broken.good_copy else t("db_no_good_copy")
            st.error(t("db_damaged_admin", path=str(broken.path), good=good, id=eid), icon=":material/error:")
        else:
            st.error(t("db_damaged_public", id=eid), icon=":material/error:")
        return eid
    if isinstance(exc, DatabaseBusy):
        log.warning("database busy [%s]: %s", eid, exc)
        st.error(t("db_busy"))
        return eid
    log.error("page error [%s]", eid, exc_info=exc)
    st.error(t("page_error", id=eid), icon=":material/error:")
    return eid


def wait_notice(_reason: str) -> Callable[[], None]:
    """Shown while a page waits for a load to finish (etl.store.db.notice); returns what clears it."""
    slot = st.empty()
    slot.info(t("db_waiting_load"), icon=":material/hourglass_top:")
    return slot.empty
