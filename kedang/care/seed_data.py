"""Default care rules (SPEC §14 codes), holidays and message templates. Loaded by a data migration (and the
test fixture); afterwards they are data the administrator edits in the admin.

For a care rule `offset_days` counts *before* the date (birthday, holiday, due date): the task falls due
that many days ahead and may be worked for `window_days` more (BIRTHDAY 7/5: from 7 to 2 days before)."""

from __future__ import annotations

from typing import Any

CARE_TRIGGER = "care"  # = kedang.agenda.models.CARE_TRIGGER (migrations must not import models)

# code: (name, days before, window days, order, script)
RULES: dict[str, tuple[str, int, int, int, str]] = {
    "BIRTHDAY": ("生日关怀", 7, 5, 110, "您好，{customer}，{date}是您的生日，提前祝您生日快乐！"),
    "HOLIDAY": ("节日问候", 7, 6, 120, "您好，{customer}，节日将至（{date}），祝您和家人节日快乐！"),
    "MAINTENANCE_DUE": (
        "保养提醒",
        7,
        7,
        130,
        "您好，{customer}，您的{model}（{plate}）保养日期是{date}，欢迎提前预约。",
    ),
    "INSPECTION_DUE": (
        "年检提醒",
        7,
        7,
        140,
        "您好，{customer}，您的{plate}年检到期日是{date}，请及时办理。",
    ),
    "INSURANCE_DUE": (
        "保险续保提醒",
        7,
        7,
        150,
        "您好，{customer}，您的{plate}保险{date}到期，需要为您报价续保吗？",
    ),
    "VEHICLE_TAX_DUE": (
        "车船税提醒",
        7,
        7,
        160,
        "您好，{customer}，您的{plate}车船税{date}到期，请及时缴纳。",
    ),
    # phone invitations to a customer event (R-C5), made two weeks ahead; created from invitations
    "EVENT_INVITE": ("活动邀请电话", 14, 12, 170, "您好，{customer}，诚邀您参加我们{date}举办的客户活动。"),
    # a phone-channel message without a care task becomes a call of this rule
    "CARE_CALL": ("关怀电话", 0, 2, 180, "您好，{customer}，我是您的专属客服{agent}。"),
}

# name: (calendar, month, day)
HOLIDAYS: dict[str, tuple[str, int, int]] = {
    "元旦": ("solar", 1, 1),
    "春节": ("lunar", 1, 1),
    "劳动节": ("solar", 5, 1),
    "中秋节": ("lunar", 8, 15),
    "国庆节": ("solar", 10, 1),
}

# name: (channel, subject, body)
TEMPLATES: dict[str, tuple[str, str, str]] = {
    "生日祝福短信": ("sms", "", "【{company}】{name}您好，{due_date}是您的生日，祝您生日快乐、万事如意！"),
    "节日问候短信": ("sms", "", "【{company}】{name}您好，{holiday}将至，祝您和家人节日快乐！"),
    "保养提醒短信": (
        "sms",
        "",
        "【{company}】{name}您好，您的爱车{plate}将于{due_date}到保养时间，欢迎提前预约。",
    ),
    "保险续保提醒短信": (
        "sms",
        "",
        "【{company}】{name}您好，您的爱车{plate}保险将于{due_date}到期，如需续保报价请回电。",
    ),
    "年检提醒短信": (
        "sms",
        "",
        "【{company}】{name}您好，您的爱车{plate}年检将于{due_date}到期，请及时办理。",
    ),
    "车船税提醒短信": ("sms", "", "【{company}】{name}您好，您的爱车{plate}车船税将于{due_date}到期。"),
    "生日祝福邮件": (
        "email",
        "{name}，生日快乐",
        "尊敬的{name}：\n\n{due_date}是您的生日，{company}全体员工祝您生日快乐！\n\n{company}",
    ),
    "生日贺信": (
        "letter",
        "生日贺信",
        "尊敬的{name}：\n\n值此生日（{due_date}）来临之际，{company}全体员工向您致以诚挚的祝福，"
        "祝您身体健康、生活美满！\n\n感谢您一直以来对我们的信任与支持。",
    ),
    "活动邀请函": (
        "letter",
        "邀请函",
        "尊敬的{name}：\n\n我们诚挚邀请您参加{event}（{event_date}，{place}）。\n\n期待您的光临！",
    ),
}


def ensure_care_data(rule_model: Any, holiday_model: Any, template_model: Any) -> None:
    """Create the default care rules, holidays and templates where missing (idempotent; never changes a row
    the administrator edited)."""
    have = set(rule_model.objects.filter(code__in=RULES).values_list("code", flat=True))
    for code, (name, before, window, order, script) in RULES.items():
        if code not in have:
            rule_model.objects.create(
                code=code,
                name=name,
                event_kinds=CARE_TRIGGER,
                offset_days=before,
                window_days=window,
                assign_mode="owner",
                order=order,
                script=script,
            )
    if not holiday_model.objects.exists():
        for name, (cal, month, day) in HOLIDAYS.items():
            holiday_model.objects.create(name=name, calendar=cal, month=month, day=day)
    have = set(template_model.objects.values_list("name", flat=True))
    for name, (channel, subject, body) in TEMPLATES.items():
        if name not in have:
            template_model.objects.create(name=name, channel=channel, subject=subject, body=body)
