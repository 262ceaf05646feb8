"""Names refuse what would hide or disguise them (#13): control characters (NUL…), bidi overrides and
isolates (U+202A–202E, U+2066–2069), text of zero-width characters only. One validator,
kedang.customers.validators.validate_name, used by the customer service's clean step (create, update,
import) and by contact_add."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from kedang.accounts.models import User
from kedang.customers import services
from kedang.customers.models import ContactPerson, Customer
from kedang.customers.validators import BIDI_CONTROLS, validate_name

BAD = [
    ("张\x00三", "name_control"),
    ("张\n三", "name_control"),
    ("张\x7f三", "name_control"),
    ("张\x85三", "name_control"),
    ("客户\u202eabc", "name_bidi"),
    ("\u202d张三", "name_bidi"),
    ("张三\u2066", "name_bidi"),
    ("\u2069", "name_bidi"),
    ("\u200b", "name_invisible"),
    ("\u200b\u200c\u200d\ufeff\u2060", "name_invisible"),
    ("\u3000\u200b", "name_invisible"),
    ("\u0301", "name_invisible"),
]


@pytest.mark.parametrize(("name", "code"), BAD)
def test_bad_names_are_refused_with_their_code(name: str, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_name(name)
    assert exc.value.code == code


def test_ordinary_names_pass() -> None:
    for name in (
        "张三",
        "王小明",
        "Zhang San",
        "阿卜杜拉·买买提",
        "北京某某汽车服务有限公司",
        "O'Brien",
        "👨‍👩‍👧 家",
    ):
        assert validate_name(f"  {name} ") == name


printable = st.characters(exclude_categories=["Cc", "Cs", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"])


@given(st.text(max_size=30))
def test_any_text_passes_only_if_clean_and_visible(text: str) -> None:
    try:
        out = validate_name(text)
    except ValidationError as exc:
        assert exc.code in ("name_control", "name_bidi", "name_invisible")
        stripped = text.strip()
        assert any(
            unicodedata.category(c) in ("Cc", "Cs") or c in BIDI_CONTROLS for c in stripped
        ) or not any(
            unicodedata.category(c) not in ("Cf", "Zs", "Zl", "Zp", "Mn", "Me", "Cc") for c in stripped
        )
        return
    assert out == text.strip()
    assert not any(unicodedata.category(c) in ("Cc", "Cs") or c in BIDI_CONTROLS for c in out)
    assert out == "" or any(unicodedata.category(c) not in ("Cf", "Zs", "Zl", "Zp", "Mn", "Me") for c in out)


@given(st.text(printable, min_size=1, max_size=10), st.sampled_from(sorted(BIDI_CONTROLS | {"\x00", "\x1b"})))
def test_one_control_anywhere_is_enough(text: str, bad: str) -> None:
    for at in (0, len(text) // 2, len(text)):
        with pytest.raises(ValidationError):
            validate_name(text[:at] + bad + text[at:])


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["张\x00三", "客户\u202eabc", "\u200b\u200b"])
def test_the_service_refuses_them_on_create_update_and_contacts(
    name: str, users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    am = users["account_manager"]
    with pytest.raises(ValidationError) as exc:
        services.customer_create(actor=am, name=name, phone="13912340000")
    assert list(exc.value.message_dict) == ["name"]
    assert not Customer.objects.filter(phone_norm="13912340000").exists()
    c = make_customer()
    with pytest.raises(ValidationError) as exc:
        services.customer_update(actor=am, customer_id=c.pk, name=name)
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.contact_add(actor=am, customer_id=c.pk, name=name)
    assert "name" in exc.value.message_dict
    assert not ContactPerson.objects.exists()
    c.refresh_from_db()
    assert c.name.startswith("测试客户")
