"""The attachment fixity sweep (R-A7): every stored file is hashed again and compared with the SHA-256
recorded at upload. Problems are reported — changed, missing, stray — and never silently fixed.

Attachments are content-addressed (MEDIA_ROOT/attachments/<2 hex>/<sha256>), and several rows may share a
file; a file is reported once, with the ids of the attachments that use it. A stray file is one under
attachments/ that no row refers to.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage

from kedang.customers.models import Attachment

from .models import FixityRun

log = logging.getLogger("kedang.fixity")
ATTACHMENT_DIR = "attachments"
CHUNK = 1024 * 1024


def file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Problem:
    name: str  # the file's name in the store (relative to MEDIA_ROOT)
    attachment_ids: list[int] = field(default_factory=list)
    expected: str = ""
    actual: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "attachments": self.attachment_ids,
            "expected": self.expected,
            "actual": self.actual,
        }


@dataclass
class FixityReport:
    checked: int = 0
    changed: list[Problem] = field(default_factory=list)
    missing: list[Problem] = field(default_factory=list)
    stray: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.stray)

    def lines(self) -> list[str]:
        out = []
        for p in self.changed:
            out.append(f"CHANGED {p.name} 附件 {_ids(p)} 应为 {p.expected} 实为 {p.actual}")
        for p in self.missing:
            out.append(f"MISSING {p.name} 附件 {_ids(p)}")
        for p in self.stray:
            out.append(f"STRAY   {p.name}")
        return out


def _ids(p: Problem) -> str:
    return ",".join(str(i) for i in p.attachment_ids)


def sweep(*, save: bool = True) -> FixityReport:
    """Check every attachment file and look for strays; record the run (FixityRun) unless save=False."""
    started = time.monotonic()
    report = FixityReport()
    expected: dict[str, set[str]] = defaultdict(set)
    ids: dict[str, list[int]] = defaultdict(list)
    for pk, name, sha in Attachment.objects.order_by("pk").values_list("pk", "file", "sha256").iterator(2000):
        if name:
            expected[name].add(sha)
            ids[name].append(pk)
    for name in sorted(expected):
        path = default_storage.path(name)
        want = sorted(expected[name])
        if not os.path.isfile(path):
            report.missing.append(Problem(name, ids[name], expected=want[0]))
            continue
        actual = file_sha256(path)
        report.checked += 1
        if want != [actual]:
            report.changed.append(Problem(name, ids[name], expected=",".join(want), actual=actual))
    root = Path(settings.MEDIA_ROOT)
    for dirpath, _dirs, files in os.walk(root / ATTACHMENT_DIR):
        for filename in files:
            name = (Path(dirpath) / filename).relative_to(root).as_posix()
            if name not in expected:
                report.stray.append(Problem(name, actual=file_sha256(Path(dirpath) / filename)))
    report.stray.sort(key=lambda p: p.name)
    report.seconds = time.monotonic() - started
    if save:
        FixityRun.objects.create(
            seconds=round(report.seconds, 3),
            checked=report.checked,
            changed=[p.as_dict() for p in report.changed],
            missing=[p.as_dict() for p in report.missing],
            stray=[p.as_dict() for p in report.stray],
        )
    if not report.ok:
        log.error("attachment fixity: %s", "; ".join(report.lines()))
    return report
