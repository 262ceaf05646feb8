"""Message templates with variables (R-C4): {name} {plate} {model} {due_date} {company} {holiday} {event}
{event_date} {place} {agent}. Anything else in braces (unknown names, format specs, conversions, attribute or
index access) is refused when a template is saved and at preview, so that a message never goes out with a
brace in it; rendering substitutes those variables only and cuts the result at OUTPUT_MAX characters."""

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


TEMPLATE_MAX = 2000
"""Characters a template's subject or body may have."""
OUTPUT_MAX = 4000
"""Characters a rendered subject or body is cut to (variables are short, so a valid template stays well
below; the cap holds for whatever is stored, even a template saved before variables were checked)."""


def _placeholder(field: str, spec: str | None, conversion: str | None) -> str:
    """The placeholder as it was written in the template."""
    return "{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"


def _bad(field: str, spec: str | None, conversion: str | None) -> bool:
    return field not in VARIABLES or bool(spec) or conversion is not None


def check_template(text: str, field: str = "body") -> None:
    """ValidationError on `field` for a stray brace, an unknown variable, or a placeholder that is more than
    a documented variable: no format spec (`{name:>20}`), conversion (`{name!r}`), attribute or index
    (`{name.x}` `{name[0]}`), positional field (`{0}` `{}`)."""
    if len(text) > TEMPLATE_MAX:
        raise ValidationError({field: f"模板过长：最多 {TEMPLATE_MAX} 字"}, code="too_long")
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValidationError({field: "花括号不成对（字面花括号请写成 {{ 或 }}）"}, code="invalid") from exc
    placeholders = [(f, spec, conv) for _, f, spec, conv in parts if f is not None]
    unknown = [
        f for f, spec, conv in placeholders if f not in VARIABLES and f.isidentifier() and not (spec or conv)
    ]
    odd = [
        _placeholder(f, spec, conv)
        for f, spec, conv in placeholders
        if _bad(f, spec, conv) and f not in unknown
    ]
    if odd or unknown:
        known = " ".join("{" + n + "}" for n in VARIABLES)
        said = []
        if odd:
            said.append(f"不支持的占位符：{'、'.join(dict.fromkeys(odd))}")
        if unknown:
            said.append(f"未知变量：{'、'.join(dict.fromkeys('{' + n + '}' for n in unknown))}")
        raise ValidationError(
            {field: f"{'；'.join(said)}。只能使用 {known}，不能带格式、转换或下标"}, code="unknown_variable"
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
    """The text with its variables filled in, at most OUTPUT_MAX characters. Nothing but a documented
    variable is ever substituted (no str.format: a stored template cannot pad, convert or reach attributes);
    anything else is left as written."""
    data = {**vars(values), "company": values.company or company_name()}
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return text[:OUTPUT_MAX]
    out: list[str] = []
    size = 0
    for literal, f, spec, conv in parts:
        out.append(literal)
        size += len(literal)
        if f is not None:
            piece = _placeholder(f, spec, conv) if _bad(f, spec, conv) else str(data.get(f, ""))
            out.append(piece)
            size += len(piece)
        if size >= OUTPUT_MAX:
            break
    return "".join(out)[:OUTPUT_MAX]
