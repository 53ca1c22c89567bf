"""The one escaping helper for text from data (names, file names, user names, messages quoting a file)
shown through Streamlit's markdown: st.markdown, st.caption, st.subheader, alerts, labels.

Names are data, never markup: `[点此登录](https://x)` must not become a link, `**x**` not bold,
`$x$` not maths, `:red[x]` not colour, `<b>` not HTML. CommonMark lets a backslash escape any ASCII
punctuation: the marks that make markup anywhere are escaped everywhere, those that only do at the start
of a line (#, -, +, 1.) only there; line breaks become spaces (no headings or lists from a name).
"""

from __future__ import annotations

import re

# anywhere: links and images ([ ] ( )), emphasis (* _ ~), code (`), maths ($), HTML and entities (< > &),
# Streamlit's colour and icon directives (:red[…], :material/…:), tables (|), e-mail autolinks (@), escapes themselves (\\)
_INLINE = re.compile(r"([\\`*_{}\[\]()<>$:|~&@])")
_WWW = re.compile(r"(www)\.", re.IGNORECASE)  # GFM makes www.x.y a link by itself
# only at the start: headings, lists, numbered lists
_LEADING = re.compile(r"^(\s*)([#+\-])")
_NUMBERED = re.compile(r"^(\s*\d+)([.)])(?=\s|$)")


def md(text: object) -> str:
    """text, safe to put inside markdown: shows exactly as written (ids like W-I100 stay readable)."""
    if text is None:
        return ""
    out = _WWW.sub(r"\1\\.", _INLINE.sub(r"\\\1", " ".join(str(text).splitlines())))
    out = _LEADING.sub(lambda m: m.group(1) + "\\" + m.group(2), out)
    return _NUMBERED.sub(lambda m: m.group(1) + "\\" + m.group(2), out)
