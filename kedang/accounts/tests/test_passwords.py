import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from kedang import settings as project_settings


def test_project_hashes_passwords_with_argon2(settings: object) -> None:
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # type: ignore[attr-defined]
    assert make_password("Kd-test-pass-2026").startswith("argon2$")


def test_weak_passwords_are_refused() -> None:
    assert django_settings.AUTH_PASSWORD_VALIDATORS
    for weak in ("12345678", "password", "abc"):
        with pytest.raises(ValidationError):
            validate_password(weak)
