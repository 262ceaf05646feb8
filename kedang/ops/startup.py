"""Production start (issue #20 item 2): with DEBUG off, static files come from the manifest that
`collectstatic` writes (whitenoise's CompressedManifestStaticFilesStorage); without it every page answers
500. So the web server refuses to start instead, saying why: kedang/wsgi.py calls require_static_manifest()
and deploy/start.sh runs `manage.py check_static` before gunicorn."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.exceptions import ImproperlyConfigured

FIX = "先运行 manage.py collectstatic --noinput（deploy/start.sh 会先做这一步）"
WHY = "DEBUG 关闭时页面引用的静态文件都从这份清单查找，缺了它每个页面都是 500"


def _app_static_files() -> set[str]:
    found: set[str] = set()
    for finder in finders.get_finders():
        for path, _storage in finder.list(["CVS", ".*", "*~"]):
            found.add(Path(path).as_posix())
    return found


def static_manifest_problem() -> str | None:
    """What keeps the pages from finding their static files, or None (also when no manifest is used:
    DEBUG, tests)."""
    storage = staticfiles_storage
    try:
        if not isinstance(storage, ManifestFilesMixin):  # loads the manifest
            return None
    except ValueError:  # "Couldn't load manifest"
        return f"静态文件清单 {Path(settings.STATIC_ROOT) / 'staticfiles.json'} 已损坏：{FIX}。"
    path = Path(settings.STATIC_ROOT) / storage.manifest_name
    content = storage.read_manifest()
    if content is None:
        return f"静态文件清单 {path} 不存在：{FIX}。{WHY}。"
    try:
        paths = json.loads(content).get("paths") or {}
    except (ValueError, AttributeError):
        return f"静态文件清单 {path} 已损坏：{FIX}。"
    missing = sorted(_app_static_files() - set(paths))
    if missing:
        return f"静态文件清单 {path} 已过期，缺少 {len(missing)} 个文件（如 {missing[0]}）：{FIX}。"
    return None


def require_static_manifest() -> None:
    """Refuse to serve (the WSGI application does not load) while static_manifest_problem() says why."""
    problem = static_manifest_problem()
    if problem:
        raise ImproperlyConfigured(f"客档 Kedang 拒绝启动：{problem}")
