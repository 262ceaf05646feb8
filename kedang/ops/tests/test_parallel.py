"""The suite runs in parallel (pytest -n auto, issue #20 item 7): each xdist worker writes its job queue,
erasure ledger, outgoing messages and test database in a folder of its own, and processes starting at
once on a fresh installation all read the same keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SHOW = (
    "import json, django\n"
    "from django.conf import settings\n"
    "django.setup()\n"
    "print(json.dumps({'huey': settings.HUEY['filename'], 'ledger': str(settings.KEDANG_ERASURE_LEDGER),"
    " 'sms': str(settings.KEDANG_SMS_DIR), 'mail': str(settings.EMAIL_FILE_PATH),"
    " 'testdb': settings.DATABASES['default'].get('TEST', {}).get('NAME', ''),"
    " 'field_key': settings.KEDANG_FIELD_KEY, 'secret_key': settings.SECRET_KEY}))\n"
)


def _env(var_dir: Path, worker: str | None) -> dict[str, str]:
    drop = ("KEDANG_", "DEBUG", "SECRET_KEY", "DATABASE_URL", "HUEY_", "EMAIL_", "PYTEST_XDIST")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(KEDANG_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="kedang.settings")
    if worker:
        env["PYTEST_XDIST_WORKER"] = worker
    return env


def _start(var_dir: Path, worker: str | None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env=_env(var_dir, worker),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(proc: subprocess.Popen[str]) -> dict[str, str]:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return json.loads(out)


def test_each_xdist_worker_writes_in_its_own_folder_and_all_share_the_keys(tmp_path: Path) -> None:
    """Five processes start at once on a fresh installation: four xdist workers and a plain one."""
    workers = ("gw0", "gw1", "gw2", "gw3", None)
    procs = {w: _start(tmp_path, w) for w in workers}
    seen = {w: _result(p) for w, p in procs.items()}
    for worker in workers[:-1]:
        own = tmp_path / f"xdist-{worker}"
        for name in ("huey", "ledger", "sms", "mail", "testdb"):
            assert Path(seen[worker][name]).is_relative_to(own), (worker, name, seen[worker][name])
    plain = seen[None]  # outside pytest-xdist (a server, a serial test run): var/ itself, as before
    assert Path(plain["huey"]) == tmp_path / "huey.sqlite3"
    assert Path(plain["ledger"]) == tmp_path / "erasure-ledger.jsonl"
    # the keys are the installation's: the first process made them, every other one read them
    assert {s["field_key"] for s in seen.values()} == {plain["field_key"]}
    assert {s["secret_key"] for s in seen.values()} == {plain["secret_key"]}
    assert (tmp_path / "field_key").read_text(encoding="utf-8").strip() == plain["field_key"]
    assert oct((tmp_path / "field_key").stat().st_mode & 0o777) == "0o600"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no draft left behind
