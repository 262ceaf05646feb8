"""Properties of the template check and the quiet hours (Hypothesis)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from kedang.care.contact import quiet_until
from kedang.care.templating import VARIABLES, Values, check_template, render

known = st.sampled_from(sorted(VARIABLES))
plain = st.text(alphabet=st.characters(exclude_characters="{}", exclude_categories=["Cs"]), max_size=20)


@given(st.lists(st.tuples(plain, known), max_size=6), plain)
def test_known_variables_pass_and_are_all_filled(parts: list[tuple[str, str]], tail: str) -> None:
    text = "".join(f"{p}{{{v}}}" for p, v in parts) + tail
    check_template(text)
    values = Values(**{v: f"<{v}>" for v in VARIABLES})
    out = render(text, values)
    assert "{" not in out and "}" not in out
    for _p, v in parts:
        assert f"<{v}>" in out


@given(plain, st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12))
def test_unknown_variables_are_refused(prefix: str, name: str) -> None:
    if name in VARIABLES:
        return
    with pytest.raises(ValidationError):
        check_template(f"{prefix}{{{name}}}")


@given(st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31)))
def test_sms_quiet_from_21_to_8_and_released_at_8(naive: dt.datetime) -> None:
    at = timezone.make_aware(naive)
    until = quiet_until("sms", at)
    quiet = naive.time() >= dt.time(21) or naive.time() < dt.time(8)
    assert (until is not None) == quiet
    if until is not None:
        local = timezone.localtime(until)
        assert local.time() == dt.time(8) and dt.timedelta(0) < until - at <= dt.timedelta(hours=11)
    assert quiet_until("email", at) is None
