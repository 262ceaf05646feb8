"""Message templates accept only the documented variables: no format spec, conversion, attribute or index
access, positional field (#13: `{name:>20000000}` made a 40 MB preview). Saving (API and the admin form) and
the preview refuse them with the placeholder named; rendering never exceeds OUTPUT_MAX, whatever is stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.care.admin import MessageTemplateForm
from kedang.care.models import MessageTemplate
from kedang.care.templating import OUTPUT_MAX, VARIABLES, Values, check_template, render

BAD = ["{name:>20000000}", "{name!r}", "{name.__class__}", "{0}", "{}", "{name[0]}", "{name:{plate}}"]


@pytest.mark.parametrize("placeholder", BAD)
def test_format_specs_conversions_attributes_and_positions_are_refused(placeholder: str) -> None:
    with pytest.raises(ValidationError) as exc:
        check_template(f"您好{placeholder}", "body")
    [message] = exc.value.message_dict["body"]
    assert message.startswith("不支持的占位符：") and placeholder in message


@pytest.mark.parametrize("placeholder", BAD)
def test_render_substitutes_documented_variables_only(placeholder: str) -> None:
    out = render(f"{placeholder}|{{name}}", Values(name="张三"))
    assert out == f"{placeholder}|张三"  # left as written, never formatted


pieces = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["{", "}", "{{", "}}", ":", "!", ".", "[", "]", "0", ">", "9" * 9, *BAD]),
    st.sampled_from(sorted(VARIABLES)).map(lambda v: "{" + v + "}"),
    st.builds(
        lambda v, spec: "{" + v + spec + "}",
        st.sampled_from(sorted(VARIABLES)),
        st.sampled_from([":>99999999", "!r", "!s", ".upper", "[0]", ":{name}", ":,", "!a:^500000"]),
    ),
)
value = st.text(max_size=300)


@settings(max_examples=400, deadline=None)
@given(st.lists(pieces, max_size=40).map("".join), st.builds(Values, name=value, plate=value, place=value))
def test_any_template_only_raises_the_validation_error_and_stays_under_the_cap(
    text: str, values: Values
) -> None:
    try:
        check_template(text, "body")
    except ValidationError as exc:
        assert exc.message_dict["body"]
    out = render(text, values)  # a stored template is rendered whether it passes the check or not
    assert isinstance(out, str) and len(out) <= OUTPUT_MAX


def test_cap_holds_for_long_values() -> None:
    assert len(render("{name}" * 50, Values(name="长" * 1000))) == OUTPUT_MAX


@pytest.mark.django_db
def test_api_and_admin_form_refuse_and_name_the_placeholder(
    api: Callable[..., Any], users: dict[str, User]
) -> None:
    r = api(
        Role.ACCOUNT_MANAGER,
        "post",
        "/message-templates",
        {"name": "大", "channel": "sms", "body": "{name:>20000000}"},
    )
    assert r.status_code == 422 and "{name:>20000000}" in r.json()["errors"]["body"][0]["message"]
    assert not MessageTemplate.objects.filter(name="大").exists()
    form = MessageTemplateForm(
        data={"name": "大", "channel": "sms", "subject": "{name!r}", "body": "您好{name}", "active": True}
    )
    assert not form.is_valid()
    assert "{name!r}" in form.errors["subject"][0]


@pytest.mark.django_db
def test_preview_of_a_stored_bad_template_says_why(
    api: Callable[..., Any], make_customer: Callable[..., Any]
) -> None:
    c = make_customer(name="钱一")
    tpl = MessageTemplate.objects.create(name="旧模板", channel="sms", body="{name:>20000000}")
    r = api(
        Role.ACCOUNT_MANAGER, "post", "/messages/preview", {"template_id": tpl.pk, "customer_ids": [c.pk]}
    )
    assert r.status_code == 422 and "{name:>20000000}" in r.json()["errors"]["body"][0]["message"]
    assert len(r.content) < 5000
    r = api(Role.ACCOUNT_MANAGER, "post", "/messages", {"template_id": tpl.pk, "customer_ids": [c.pk]})
    assert r.status_code == 422


@pytest.mark.django_db
def test_page_preview_of_a_stored_bad_template_says_why(
    login: Callable[[str], Any], make_customer: Callable[..., Any]
) -> None:
    import datetime as dt

    from django.utils import timezone

    from kedang.agenda.models import Task
    from kedang.care.daily import care_tasks_for
    from kedang.care.models import Message

    today = timezone.localdate()
    c = make_customer(name="孙二", birthday=(today + dt.timedelta(days=5)).replace(year=1980))
    care_tasks_for(today)
    [task] = Task.objects.filter(rule__code="BIRTHDAY", customer=c)
    tpl = MessageTemplate.objects.create(
        name="旧模板", channel="sms", body="{name:>20000000}{name.__class__}"
    )
    client = login(Role.ACCOUNT_MANAGER)
    r = client.post("/care/preview/", {"template": tpl.pk, "task": [task.pk]}, follow=True)
    html = r.content.decode()
    assert r.status_code == 200 and "{name:&gt;20000000}" in html and "{name.__class__}" in html
    assert len(r.content) < 500_000
    r = client.post("/care/send/", {"template": tpl.pk, "task": [task.pk]}, follow=True)
    assert "不支持的占位符" in r.content.decode() and not Message.objects.exists()
