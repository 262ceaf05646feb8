"""Default complaint categories and stage deadlines (R-P3), loaded by a data migration; afterwards they
are data the administrator edits in the admin."""

from typing import Any

# (category, [sub-categories])
CATEGORIES: list[tuple[str, list[str]]] = [
    ("产品质量", ["发动机/变速箱", "电气设备", "车身/漆面", "其他部件"]),
    ("服务态度", []),
    ("维修质量", ["返修", "配件", "施工工艺"]),
    ("价格收费", []),
    ("等待时间", []),
    ("交车与手续", []),
    ("其他", []),
]

# state → working days allowed in it (the seed: confirm within 1 working day, resolve within 2 after the
# assignment, report back to the customer within 1 after the resolution)
DEADLINES: list[tuple[str, int]] = [("received", 1), ("assigned", 2), ("resolved", 1)]


def ensure_reference_data(category_model: Any, deadline_model: Any) -> None:
    """Create the default categories and deadlines where missing (idempotent)."""
    for order, (name, children) in enumerate(CATEGORIES):
        parent, _ = category_model.objects.get_or_create(parent=None, name=name, defaults={"order": order})
        for i, child in enumerate(children):
            category_model.objects.get_or_create(parent=parent, name=child, defaults={"order": i})
    for state, days in DEADLINES:
        deadline_model.objects.get_or_create(state=state, defaults={"working_days": days})
