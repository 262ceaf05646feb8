"""seed_demo_complaints: demo complaints through the real services, in every state, reproducible."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from kedang.complaints.demo import demo_complaints
from kedang.complaints.models import Complaint, Transition

pytestmark = pytest.mark.django_db


def test_demo_complaints_cover_the_workflow() -> None:
    call_command("seed_demo", "--customers", "60", stdout=StringIO())
    made = demo_complaints(days=60, count=40, today=dt.date(2026, 6, 30))
    assert made == Complaint.objects.count() > 30
    states = set(Complaint.objects.values_list("state", flat=True))
    assert {"closed", "received"} <= states and len(states) >= 4
    assert (
        Transition.objects.filter(action="close").count() == Complaint.objects.filter(state="closed").count()
    )
    out = StringIO()
    call_command("seed_demo_complaints", "--if-empty", stdout=out)
    assert "跳过" in out.getvalue()
