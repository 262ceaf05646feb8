"""Default file types and required-document checklists from the seed (R-A4, R-A5).

Loaded by a data migration; afterwards they are data the administrator edits in the admin.
"""

from typing import Any

# (code, name, per_vehicle, description, [(item, required), ...])
FILE_TYPES: list[tuple[str, str, bool, str, list[tuple[str, bool]]]] = [
    (
        "SALES",
        "销售档案",
        True,
        "新车销售资料，提车后 2 个工作日内交档案室",
        [
            ("购车合同", True),
            ("附件购买合同", True),
            ("客户身份证（或营业执照/机构代码证）", True),
            ("暂住证", False),
            ("车辆合格证", True),
            ("车辆零售发票（或增值税发票）", True),
            ("购置税证", True),
            ("购置税收据", True),
            ("行驶证代办回执", True),
            ("保险单", True),
            ("保单发票", True),
            ("提车确认书", True),
            ("销售开票出库单", True),
            ("客户入会资料表", True),
        ],
    ),
    (
        "REPAIR",
        "维修档案",
        True,
        "维修保养资料，修竣后 1 个工作日内交档案室",
        [("接车单", True), ("派工单", True), ("结算单", True), ("常规项目检查表", True)],
    ),
    (
        "C1",
        "1 基础资料",
        False,
        "客户登记表、身份证明复印件、授权签字人、拜访报告",
        [
            ("客户档案基本资料表", True),
            ("身份证明复印件（身份证/营业执照）", True),
            ("授权签字人资料", False),
            ("拜访报告", False),
        ],
    ),
    ("C2", "2 合同协议", False, "按签订先后顺序存放", []),
    ("C3", "3 信用与欠还款", False, "资信资料、欠款与还款记录", []),
    ("C4", "4 投诉与折让", False, "投诉、折让及其审批", []),
    ("C5", "5 市场与竞品信息", False, "", []),
    ("C6", "6 内部推广与提成", False, "", []),
]


def ensure_file_types(file_type_model: Any, checklist_item_model: Any) -> None:
    """Create the default file types and checklists where missing (idempotent).

    Takes the model classes so that the data migration can pass its historical models."""
    for order, (code, name, per_vehicle, description, items) in enumerate(FILE_TYPES):
        ft, _ = file_type_model.objects.get_or_create(
            code=code,
            defaults={"name": name, "per_vehicle": per_vehicle, "description": description, "order": order},
        )
        for i, (item, required) in enumerate(items):
            checklist_item_model.objects.get_or_create(
                file_type=ft, name=item, defaults={"required": required, "order": i}
            )
