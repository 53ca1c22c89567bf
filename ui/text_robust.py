"""Texts of waiting, errors and limits (issue 14): key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {
    "db_waiting_load": ("正在导入数据，本页面将在导入完成后自动显示，请稍候……",
                        "A data load is running; this page will appear as soon as it has finished. Please wait…"),
    "db_damaged_public": ("数据库文件已损坏，暂时无法显示数据。已通知管理员（错误编号 {id}）。",
                          "The database file is damaged, so no data can be shown for now. The administrator "
                          "has been told (error id {id})."),
    "db_damaged_admin": ("数据库文件 {path} 已损坏（并非被占用）。最近一份完好的副本：{good}。请停止看板，"
                         "用该副本覆盖数据库文件，再重新导入此后的文件。（错误编号 {id}）",
                         "The database file {path} is damaged (not busy). The last good copy: {good}. Stop the "
                         "dashboard, copy it over the database file and load the files since then again. "
                         "(error id {id})"),
    "db_no_good_copy": ("未找到完好副本，请从备份恢复或重新生成（python -m etl demo --force）",
                        "none found; restore from your backup or rebuild (python -m etl demo --force)"),
    "page_error": ("本页面出现内部错误，已记录（错误编号 {id}）。请稍后再试；如问题持续，请将编号告知管理员。",
                   "Something went wrong on this page; it has been logged (error id {id}). Try again later, "
                   "and if it persists, give the administrator this id."),
}
