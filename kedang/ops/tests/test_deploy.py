"""The production start (issue #20 item 2, deploy/): with DEBUG off the application refuses to start
without collectstatic's manifest instead of answering 500 on every page; deploy/start.sh collects, checks
and hands over to gunicorn with the settings of deploy/kedang.env.example; gunicorn's workers follow
the core count."""

from __future__ import annotations

import json
import os
import re
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"


def _env(var_dir: Path, **extra: str) -> dict[str, str]:
    """A clean environment (nothing of the test run's settings), DEBUG off, var/ in a temporary folder."""
    drop = (
        "KEDANG_",
        "DEBUG",
        "SECRET_KEY",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "ALLOWED_HOSTS",
        "HUEY_",
        "DATABASE_URL",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(KEDANG_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="kedang.settings")
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_the_wsgi_application_refuses_to_start_without_the_static_manifest(tmp_path: Path) -> None:
    r = _run([sys.executable, "-c", "import kedang.wsgi"], _env(tmp_path))
    assert r.returncode != 0
    assert "客档 Kedang 拒绝启动" in r.stderr
    assert "staticfiles.json 不存在" in r.stderr and "collectstatic" in r.stderr
    # the development server (DEBUG on) reads the apps' files directly: no manifest needed
    assert _run([sys.executable, "-c", "import kedang.wsgi"], _env(tmp_path, DEBUG="1")).returncode == 0


def test_check_static_refuses_a_manifest_older_than_the_code(tmp_path: Path) -> None:
    manifest = tmp_path / "staticfiles" / "staticfiles.json"
    manifest.parent.mkdir()
    manifest.write_text(json.dumps({"paths": {"web/old.css": "web/old.0123.css"}, "version": "1.1"}))
    r = _run([sys.executable, "manage.py", "check_static"], _env(tmp_path))
    assert r.returncode == 1
    assert "已过期" in r.stderr and "collectstatic" in r.stderr
    manifest.write_text("{not json")
    r = _run([sys.executable, "manage.py", "check_static"], _env(tmp_path))
    assert r.returncode == 1 and "已损坏" in r.stderr


def _fake_gunicorn(tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "gunicorn-ran"
    fake = tmp_path / "fake-gunicorn"
    fake.write_text(f'#!/bin/sh\necho "$@" > {marker}\n')
    fake.chmod(0o755)
    return fake, marker


def test_start_sh_refuses_to_start_gunicorn_without_the_manifest(tmp_path: Path) -> None:
    fake, marker = _fake_gunicorn(tmp_path)
    env = _env(tmp_path, KEDANG_COLLECTSTATIC="0", KEDANG_GUNICORN=str(fake), KEDANG_PYTHON=sys.executable)
    r = _run([str(DEPLOY / "start.sh")], env)
    assert r.returncode == 78  # EX_CONFIG: the systemd unit does not restart it in a loop
    assert "REFUSED" in r.stderr and "collectstatic" in r.stderr
    assert not marker.exists()
    assert "RestartPreventExitStatus=78" in (DEPLOY / "systemd" / "kedang-web.service").read_text()


def _example_env() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in (DEPLOY / "kedang.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def test_the_example_environment_holds_no_secret() -> None:
    example = _example_env()
    assert example["KEDANG_PRODUCTION"] == "1"
    assert not {"KEDANG_SECRET_KEY", "SECRET_KEY", "KEDANG_FIELD_KEY", "EMAIL_HOST_PASSWORD"} & set(example)
    assert not [v for v in example.values() if re.search(r"//[^/@:]+:[^/@]+@", v)]  # no user:password@


def test_start_sh_with_the_example_environment_collects_checks_and_starts_gunicorn(tmp_path: Path) -> None:
    """The real path up to a running server: collectstatic, check_static, `check --deploy` clean with
    deploy/kedang.env.example (secrets as files), and gunicorn loading the application with
    deploy/gunicorn.conf.py (`--check-config`: load, then exit). Migrations are left out here (the suite
    migrates its database itself); README "Production" has the whole walk-through."""
    (tmp_path / "secret_key").write_text(secrets.token_urlsafe(50))
    (tmp_path / "field_key").write_text(secrets.token_urlsafe(48))
    example = _example_env()
    example.update(
        KEDANG_SECRET_KEY_FILE=str(tmp_path / "secret_key"),
        KEDANG_FIELD_KEY_FILE=str(tmp_path / "field_key"),
        KEDANG_VAR_DIR=str(tmp_path / "var"),
        KEDANG_MEDIA_ROOT=str(tmp_path / "media"),
        KEDANG_ERASURE_LEDGER=str(tmp_path / "ledger.jsonl"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        HUEY_REDIS_URL="",
        KEDANG_MIGRATE="0",
        KEDANG_PYTHON=sys.executable,
        KEDANG_GUNICORN=str(Path(sys.executable).parent / "gunicorn"),
    )
    r = _run([str(DEPLOY / "start.sh"), "--check-config"], _env(tmp_path, **example))
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "var" / "staticfiles" / "staticfiles.json").exists()
    steps = [line.split(": ", 1)[1] for line in r.stderr.splitlines() if line.startswith("kedang start: ")]
    assert steps == ["collectstatic", "check_static", "check --deploy", "gunicorn"]
    assert "System check identified no issues" in r.stdout


def test_gunicorn_workers_follow_the_core_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEDANG_WORKERS", raising=False)
    monkeypatch.delenv("KEDANG_THREADS", raising=False)
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert conf["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert conf["worker_class"] == "sync" and conf["timeout"] >= 60 and conf["graceful_timeout"] > 0
    assert conf["preload_app"] is False  # HUP (systemctl reload) loads the new code
    monkeypatch.setenv("KEDANG_WORKERS", "3")
    monkeypatch.setenv("KEDANG_THREADS", "4")
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert conf["workers"] == 3 and conf["worker_class"] == "gthread"
