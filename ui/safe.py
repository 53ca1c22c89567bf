"""The one escaping helper for text from data (names, file names, user names, messages quoting a file)
shown through Streamlit's markdown: st.markdown, st.caption, st.subheader, alerts, labels.

Names are data, never markup: `[点此登录](https://x)` must not become a link, `**x**` not bold,
`$x$` not maths, `:red[x]` not colour, `<b>` not HTML. CommonMark lets a backslash escape any ASCII
punctuation, so every one is escaped; line breaks become spaces (no headings or lists from a name).
"""

from __future__ import annotations

import re
import string

_PUNCT = re.compile("([" + re.escape(string.punctuation) + "])")


def md(text: object) -> str:
    """text, safe to put inside markdown: shows exactly as written."""
    if text is None:
        return ""
    return _PUNCT.sub(r"\\\1", " ".join(str(text).splitlines()))
