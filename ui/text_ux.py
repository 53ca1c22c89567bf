"""Texts added for issue 12 (what a person sees) that belong to no single page: key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {
    "mv_col_source_en": ("来源（英文）", "Source (English)"),
    # the file uploader's own texts (ui/uploader.py)
    "uploader_button": ("选择文件", "Upload"),
    "uploader_hint": ("可将文件拖放到此处 · 每个文件不超过 {mb} MB · {types}", "{mb}MB per file • {types}"),
    "en_series_national_off": ("全国平均 {value}（不在图示范围内，{where}）", "National average {value} (off the chart, {where})"),
    "en_off_above": ("高于图中各值", "above the values shown"),
    "en_off_below": ("低于图中各值", "below the values shown"),
}
