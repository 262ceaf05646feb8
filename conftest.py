"""Shared test fixtures: a user of every role, two account managers in two departments, and a
factory that creates customers through the real service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.accounts.services import user_upsert

# No per-example deadline: the machines that run the suite are shared and loaded, and a property that took
# 250 ms once is not a failure of the property (the default 200 ms deadline made such runs flaky)
hypothesis_settings.register_profile("kedang", deadline=None)
hypothesis_settings.load_profile("kedang")

PASSWORD = "Kd-test-pass-2026"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher.
    kedang/accounts/tests/test_passwords.py checks the real configuration."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def plain_static_storage(settings: Any) -> None:
    """Tests serve static files from the apps, without a collectstatic manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> None:
    """Attachments of each test go to its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def private_files(settings: Any, tmp_path: Any) -> None:
    """Every other file a test may write goes to its own temporary folder too (the suite runs in parallel,
    pytest -n auto): the erasure ledger, outgoing SMS and mail. The job queue and the test database are
    per worker already (settings.RUN_DIR)."""
    settings.KEDANG_ERASURE_LEDGER = tmp_path / "erasure-ledger.jsonl"
    settings.KEDANG_SMS_DIR = tmp_path / "sms"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"


@pytest.fixture(autouse=True)
def reference_data(request: pytest.FixtureRequest) -> None:
    """Data migrations' reference rows (roles, file types, follow-up rules, holiday calendar,
    questionnaires), restored for every database test:
    a transactional test flushes the database, and with it what the migrations seeded."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None:
        transactional = marker.kwargs.get("transaction", False)
    elif "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        transactional = "transactional_db" in request.fixturenames
    else:
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    from kedang.accounts.services import roles_ensure
    from kedang.agenda.models import CalendarDay, HolidayYear, Rule
    from kedang.agenda.seed_data import ensure_rules
    from kedang.agenda.workdays import seed_calendar
    from kedang.customers.models import ChecklistItem, FileType
    from kedang.customers.seed_data import ensure_file_types
    from kedang.followups.models import QuestionItem, Questionnaire
    from kedang.followups.seed_data import ensure_questionnaires

    roles_ensure()
    ensure_file_types(FileType, ChecklistItem)
    ensure_rules(Rule)
    seed_calendar(HolidayYear, CalendarDay)
    ensure_questionnaires(Questionnaire, QuestionItem, Rule)
    from kedang.complaints.models import Category, StageDeadline
    from kedang.complaints.seed_data import ensure_reference_data

    ensure_reference_data(Category, StageDeadline)
    from kedang.care.models import Holiday, MessageTemplate
    from kedang.care.seed_data import ensure_care_data

    ensure_care_data(Rule, Holiday, MessageTemplate)
    if transactional:  # the flush after a transactional test does not reach SQLite's FTS table
        from kedang.search.index import fts_clear

        fts_clear()


@pytest.fixture
def users(db: Any) -> dict[str, User]:
    """One user per role (key = role code), plus `am2`, a second account manager in another department."""
    result: dict[str, User] = {}
    for role in Role.values:
        dept = "销售一部" if role in (Role.ACCOUNT_MANAGER, Role.SALES_MANAGER) else "客服部"
        result[role], _ = user_upsert(
            username=role, role=role, password=PASSWORD, department=dept, check_password=False
        )
    result["am2"], _ = user_upsert(
        username="am2",
        role=Role.ACCOUNT_MANAGER,
        password=PASSWORD,
        department="销售二部",
        check_password=False,
    )
    return result


@pytest.fixture
def make_customer(users: dict[str, User]) -> Callable[..., Any]:
    from kedang.customers.services import customer_create

    counter = {"n": 0}

    def make(owner: User | None = None, **fields: Any) -> Any:
        counter["n"] += 1
        owner = owner or users[Role.ACCOUNT_MANAGER]
        fields.setdefault("name", f"测试客户{counter['n']}")
        fields.setdefault("phone", f"1391234{counter['n']:04d}")
        return customer_create(actor=owner, **fields)

    return make


@pytest.fixture
def login(client: Client, users: dict[str, User]) -> Callable[[str], Client]:
    """login('cs_agent') → the test client logged in as that user."""

    def do(name: str) -> Client:
        client.force_login(users[name])
        return client

    return do


@pytest.fixture
def api(client: Client, users: dict[str, User]) -> Callable[..., Any]:
    """api(who, method, path, body=None) → response, authenticated with a bearer token of users[who]."""
    import json

    from kedang.accounts.services import token_issue

    tokens: dict[str, str] = {}

    def call(who: str, method: str, path: str, body: Any = None) -> Any:
        if who not in tokens:
            token = token_issue(username=users[who].username, password=PASSWORD)
            assert token
            tokens[who] = token
        kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {tokens[who]}"}}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(f"/api/v1{path}", **kwargs)

    return call


@pytest.fixture
def make_vehicle(users: dict[str, User]) -> Callable[..., Any]:
    """make_vehicle(customer, **fields) → a vehicle with a fresh valid VIN, created through the service."""
    import random

    from kedang.customers.demo import valid_vin
    from kedang.customers.services import vehicle_create

    rng = random.Random(4)

    def make(customer: Any, actor: User | None = None, **fields: Any) -> Any:
        fields.setdefault("vin", valid_vin(rng))
        return vehicle_create(actor=actor or customer.owner, customer_id=customer.pk, **fields)

    return make


@pytest.fixture
def make_legacy_vehicle(make_vehicle: Callable[..., Any]) -> Callable[..., Any]:
    """A vehicle whose delivery fields were written past the services (an older version, a SQL fix), so that
    no delivery event exists for it: the daily job's catch-up case."""
    from kedang.customers.models import Vehicle

    delivery = ("delivery_date", "invoice_date", "via_secondary_dealer")

    def make(customer: Any, **fields: Any) -> Any:
        later = {k: fields.pop(k) for k in delivery if k in fields}
        vehicle = make_vehicle(customer, **fields)
        Vehicle.objects.filter(pk=vehicle.pk).update(**later)
        vehicle.refresh_from_db()
        return vehicle

    return make
