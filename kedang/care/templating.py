"""Message templates with variables (R-C4): {name} {plate} {model} {due_date} {company} {holiday} {event}
{event_date} {place} {agent}. Unknown variables are refused when a template is saved, so that a message
never goes out with a brace in it."""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

VARIABLES = {
    "name": _("客户姓名/名称"),
    "plate": _("车牌号"),
    "model": _("车型"),
    "due_date": _("日期（生日、节日、到期日）"),
    "company": _("本公司名称"),
    "holiday": _("节日名称"),
    "event": _("活动名称"),
    "event_date": _("活动日期"),
    "place": _("活动地点"),
    "agent": _("经办人"),
}


def company_name() -> str:
    return str(getattr(settings, "KEDANG_COMPANY_NAME", "客档汽车服务"))


def check_template(text: str, field: str = "body") -> None:
    """ValidationError on `field` for an unknown variable or a stray brace."""
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        raise ValidationError({field: "花括号不成对"}, code="invalid") from exc
    unknown = sorted({n for n in names if n not in VARIABLES})
    if unknown:
        raise ValidationError(
            {field: f"未知变量：{'、'.join('{' + n + '}' for n in unknown)}"}, code="unknown_variable"
        )


def cn_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


@dataclass
class Values:
    name: str = ""
    plate: str = ""
    model: str = ""
    due_date: str = ""
    company: str = ""
    holiday: str = ""
    event: str = ""
    event_date: str = ""
    place: str = ""
    agent: str = ""


def render(text: str, values: Values) -> str:
    """The text with its variables filled in (unknown ones left as they are)."""
    data = {**vars(values), "company": values.company or company_name()}
    try:
        return text.format_map(_Keep(data))
    except (ValueError, IndexError):
        return text


class _Keep(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
