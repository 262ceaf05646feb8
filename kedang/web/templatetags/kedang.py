"""Display helpers. Masking is role-aware (kedang.archive.masking, R-G7)."""

from typing import Any

from django import template

from kedang.archive import masking
from kedang.archive.masking import mask_id, mask_phone

register = template.Library()


register.filter("mask_phone", mask_phone)
register.filter("mask_id", mask_id)


@register.filter
def phone_for(value: str, user: Any) -> str:
    """{{ customer.phone|phone_for:user }}: in clear or masked, as the user's role may see it (R-G7)."""
    return masking.shown(user, "phone", value)


@register.filter
def contact_for(value: str, user: Any) -> str:
    """A message's recipient (mobile, e-mail or postal address): a phone number is masked as phone_for."""
    return masking.shown_contact(user, value)


@register.filter
def id_for(value: str, user: Any) -> str:
    """{{ customer.id_number|id_for:user }}: in clear or masked, as the user's role may see it (R-G7)."""
    return masking.shown(user, "id_number", value)


@register.filter
def lunar_birthday(customer: object) -> str:
    """The lunar date of a solar birthday, e.g. 农历八月十五 (lunar-python)."""
    from lunar_python import Solar

    birthday = getattr(customer, "birthday", None)
    if birthday is None:
        return ""
    lunar = Solar.fromYmd(birthday.year, birthday.month, birthday.day).getLunar()
    return f"农历{lunar.getMonthInChinese()}月{lunar.getDayInChinese()}"


@register.filter
def is_checkbox(bound_field: object) -> bool:
    from django import forms

    return isinstance(getattr(bound_field, "field", None), forms.BooleanField)


@register.filter
def is_radio(bound_field: object) -> bool:
    from django import forms

    return isinstance(getattr(getattr(bound_field, "field", None), "widget", None), forms.RadioSelect)


@register.filter
def with_class(bound_field: object, css: str) -> str:
    """Render a form field with CSS classes, marked invalid when it has errors."""
    from django import forms

    field = getattr(bound_field, "field", None)
    if isinstance(getattr(field, "widget", None), forms.Select):
        css = css.replace("form-control", "form-select")
    if getattr(bound_field, "errors", None):
        css += " is-invalid"
    return bound_field.as_widget(attrs={"class": css})  # type: ignore[attr-defined]


@register.filter
def hx_checked(attrs: dict[str, str]) -> bool:
    """True for a widget that htmx validates as the user leaves it."""
    return "hx-post" in attrs


@register.simple_tag
def mark_match(value: str, query: str) -> str:
    """value with the part matching the search query wrapped in <mark>."""
    from kedang.search.selectors import highlight

    return highlight(value or "", query)
