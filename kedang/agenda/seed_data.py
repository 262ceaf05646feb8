"""Default follow-up rules from SPEC §4 (the seed's table). Loaded by a data migration; afterwards they are
data the administrator edits in the admin."""

from __future__ import annotations

from typing import Any

_GREETING = "您好，请问是{customer}吗？我是客服专员{agent}，耽误您两分钟做个回访。"

# code: (name, level, event_kinds, after_rule, months, days, window, secondary_dealer_days, order, script)
RULES: dict[str, tuple[str, int, str, str, int, int, int, int | None, int, str]] = {
    "7DC": (
        "7DC 新车回访",
        1,
        "delivery",
        "",
        0,
        7,
        0,
        10,
        10,
        _GREETING + "您{date}提的{model}（{plate}）用了一周了，想了解您对购车过程、交车讲解和车辆使用的感受。"
        "请您为以下几项打分，有任何问题我们马上安排处理。",
    ),
    "3DC": (
        "3DC 维修回访",
        1,
        "repair,maintenance",
        "",
        0,
        3,
        2,
        None,
        20,
        _GREETING + "您的{plate}于{date}在我店维修保养，想了解车辆现在的情况和您对这次服务的评价。",
    ),
    "INSTALL": (
        "安装回访",
        1,
        "installation",
        "",
        0,
        2,
        1,
        None,
        30,
        _GREETING + "{date}我们为您完成了安装，想确认设备使用是否正常、安装人员的服务是否满意。",
    ),
    "SERVICE_1": (
        "服务回访（第一次）",
        1,
        "service",
        "",
        0,
        3,
        4,
        None,
        40,
        _GREETING + "您{date}在我们这里办理的业务/咨询已经处理，想了解结果是否满意、还有什么需要帮助。",
    ),
    "SERVICE_2": (
        "服务回访（第二次）",
        1,
        "",
        "SERVICE_1",
        0,
        7,
        7,
        None,
        50,
        _GREETING + "上次回访时您反映的情况现在是否已经解决？还有其他需要我们做的吗？",
    ),
    "MONTHLY": (
        "首月回访",
        1,
        "delivery",
        "",
        1,
        0,
        0,
        None,
        60,
        _GREETING + "您的{model}（{plate}）已经用了一个月，想了解用车情况，并提醒您首次保养的时间。",
    ),
    "QUARTERLY": (
        "季度回访（三级）",
        3,
        "delivery",
        "",
        3,
        0,
        0,
        None,
        70,
        "您好，{customer}，我是总经理办公室的工作人员。感谢您选择我们，想听听您三个月来对车辆和服务的真实评价。",
    ),
    "YEARLY": (
        "周年回访",
        1,
        "delivery",
        "",
        12,
        0,
        0,
        None,
        80,
        _GREETING
        + "您的{model}（{plate}）提车满一周年了，感谢您一年来的信任，想了解用车情况并提醒年度保养和保险续保。",
    ),
}


def ensure_rules(rule_model: Any) -> None:
    """Create the default rules where missing (idempotent; never changes a rule the administrator edited)."""
    have = set(rule_model.objects.values_list("code", flat=True))
    if have >= set(RULES):
        return
    for code, (name, level, kinds, after, months, days, window, secondary, order, script) in RULES.items():
        if code in have:
            continue
        rule_model.objects.create(
            code=code,
            name=name,
            level=level,
            event_kinds=kinds,
            after_rule=rule_model.objects.get(code=after) if after else None,
            offset_months=months,
            offset_days=days,
            window_days=window,
            secondary_dealer_days=secondary,
            order=order,
            script=script,
        )
