"""Default questionnaires (调查表) from the seed's follow-up forms. Loaded by a data migration; afterwards
data the administrator edits in the admin."""

from __future__ import annotations

from typing import Any

# name: (rule codes, scale_max, items)
QUESTIONNAIRES: dict[str, tuple[list[str], int, list[str]]] = {
    "新车交付满意度调查表": (
        ["7DC", "MONTHLY"],
        10,
        [
            "销售顾问的接待与专业程度",
            "交车过程与车辆功能讲解",
            "交车时车辆清洁与完好",
            "价格与手续办理的透明度",
            "总体满意度",
        ],
    ),
    "维修保养满意度调查表": (
        ["3DC"],
        5,
        [
            "预约与接待",
            "维修质量（一次修好）",
            "按承诺时间交车",
            "费用说明清楚",
            "交车时车辆清洁",
            "总体满意度",
        ],
    ),
    "服务满意度调查表": (
        ["INSTALL", "SERVICE_1", "SERVICE_2", "QUARTERLY", "YEARLY"],
        5,
        ["服务态度", "问题解决情况", "响应速度", "总体满意度"],
    ),
}


def ensure_questionnaires(questionnaire_model: Any, item_model: Any, rule_model: Any) -> None:
    """Create the default questionnaires where missing (idempotent)."""
    have = set(questionnaire_model.objects.values_list("name", flat=True))
    if have >= set(QUESTIONNAIRES):
        return
    for name, (codes, scale, items) in QUESTIONNAIRES.items():
        if name in have:
            continue
        q = questionnaire_model.objects.create(name=name)
        q.rules.set(rule_model.objects.filter(code__in=codes))
        item_model.objects.bulk_create(
            [item_model(questionnaire=q, order=i, text=t, scale_max=scale) for i, t in enumerate(items, 1)]
        )
