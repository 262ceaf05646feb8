"""The frame every page shares: the grouped left menu (UI.md). Modules not built yet show greyed out."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kedang.accounts.selectors import can_write
from kedang.privacy.selectors import may_read_access_log

StrOrPromise = str | Promise

# (group title, [(label, icon, url name or None, url prefix for the active state)])
MENU: list[tuple[StrOrPromise, list[tuple[StrOrPromise, str, str | None]]]] = [
    (_("工作台"), [(_("工作台"), "bi-speedometer2", "home")]),
    (
        _("客户档案"),
        [
            (_("客户档案"), "bi-people", "customer_list"),
            (_("新建档案"), "bi-person-plus", "customer_create"),
            (_("导入客户"), "bi-upload", "import_home"),
        ],
    ),
    (
        _("回访"),
        [
            (_("回访任务"), "bi-telephone", "task_list"),
            (_("回访报表"), "bi-graph-up", "followup_reports"),
            (_("二三级回访"), "bi-shuffle", "followup_samples"),
            (_("资料交接"), "bi-box-arrow-in-down", "handover"),
        ],
    ),
    (
        _("关怀提醒"),
        [
            (_("关怀任务"), "bi-gift", "care_tasks"),
            (_("发件箱"), "bi-send", "care_outbox"),
            (_("客户活动"), "bi-calendar-event", "care_events"),
            (_("登记表"), "bi-journal-text", "care_register"),
        ],
    ),
    (
        _("投诉"),
        [
            (_("投诉处理"), "bi-exclamation-octagon", "complaint_list"),
            (_("登记投诉"), "bi-plus-circle", "complaint_create"),
            (_("投诉分析"), "bi-bar-chart-line", "complaint_analysis"),
        ],
    ),
    (
        _("合同回款"),
        [
            (_("合同台账"), "bi-cash-coin", "contract_ledger"),
            (_("应收账龄"), "bi-hourglass-split", "receivables_aging"),
        ],
    ),
    (_("统计分析"), [(_("统计分析"), "bi-bar-chart", None)]),
    (
        _("档案管理"),
        [(_("审批与回收站"), "bi-archive", "governance"), (_("纸质档案"), "bi-box-seam", "paper")],
    ),
    (
        _("系统设置"),
        [(_("访问日志"), "bi-journal-check", "access_log"), (_("系统设置"), "bi-gear", "admin:index")],
    ),
]


# Entries that only write: a read-only role (auditor) would meet a 403 there, so it does not see them.
WRITE_ONLY = frozenset({"customer_create", "import_home", "complaint_create"})


def shown(user: Any, name: str | None) -> bool:
    """Whether the menu shows the entry `name` to `user`: every shown link opens, no hidden one does."""
    if name == "admin:index":
        return bool(user.is_staff)
    if name == "access_log":
        return may_read_access_log(user)
    if name in WRITE_ONLY:
        return can_write(user)
    return True


def frame(request: HttpRequest) -> dict[str, Any]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    path = request.path
    groups = []
    best = ""
    urls = [reverse(name) for _, items in MENU for _, _, name in items if name]
    for url in urls:  # the longest menu URL that prefixes the path is the active one
        if (path == url or (url != "/" and path.startswith(url))) and len(url) > len(best):
            best = url
    for title, items in MENU:
        entries = []
        for label, icon, name in items:
            if not shown(request.user, name):
                continue
            href = reverse(name) if name else None
            entries.append({"label": label, "icon": icon, "url": href, "active": href == best})
        if entries:
            groups.append({"title": title, "items": entries})
    return {"menu": groups}
