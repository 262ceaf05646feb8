"""`manage.py check --deploy` is clean with production settings, and production refuses to start without a
secret key from the environment (no secret lives in the repository)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # a clean environment: nothing from the test run (browser tests set DJANGO_ALLOW_ASYNC_UNSAFE)
    drop = ("KEDANG_", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "ALLOWED_HOSTS")
    base = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_clean_with_production_settings() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        KEDANG_PRODUCTION="1",
        DEBUG="1",  # production wins: DEBUG stays off
        KEDANG_SECRET_KEY=secrets.token_urlsafe(50),
        KEDANG_FIELD_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="kedang.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_deploy_check_warns_without_production_settings() -> None:
    """The check is not clean by accident: the development defaults do trip it."""
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W004" in result.stderr or "security.W004" in result.stdout


def test_production_needs_a_secret_key_from_the_environment() -> None:
    result = _manage("check", KEDANG_PRODUCTION="1")
    assert result.returncode != 0
    assert "KEDANG_SECRET_KEY" in result.stderr


def test_production_needs_the_field_key_from_the_environment() -> None:
    """Production never falls back to a key file generated under var/: the ID numbers' key is given."""
    result = _manage("check", KEDANG_PRODUCTION="1", KEDANG_SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode != 0
    assert "KEDANG_FIELD_KEY" in result.stderr
