"""Display helpers. Masking here is presentation only; the privacy issue makes it role-aware (R-G7)."""

from django import template

register = template.Library()


@register.filter
def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; landlines keep area code and last 4."""
    if not value:
        return ""
    if len(value) <= 6:
        return value
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


@register.filter
def mask_id(value: str) -> str:
    """110105194912310021 → 110105********0021."""
    if not value or len(value) < 10:
        return value or ""
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}"


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
