"""Texts of the energy page's ranking at scale (issue 14): key -> (zh, en)."""

TEXT: dict[str, tuple[str, str]] = {
    "en_rank_all": ("显示全部 {n} 家单位", "Show all {n} institutions"),
    "en_rank_shown": ("表中为每类强度最高的前 {top} 家（共 {n} 家）；下载文件包含全部单位。",
                      "The table lists the {top} highest of each type ({n} institutions in all); "
                      "the downloads hold every institution."),
}
