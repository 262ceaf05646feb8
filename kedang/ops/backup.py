"""Backup and restore of the database and the attachment store (R-G9), while the app keeps serving.

A backup is a directory:

    manifest.json     what is in it: engine, the database file and its SHA-256, a row count and an
                      order-independent checksum of every table, every media file and its SHA-256
    db.sqlite3        SQLite: a page-consistent copy made with the online backup API
    db.dump           PostgreSQL: pg_dump custom format
    media/…           the files under MEDIA_ROOT

Consistency: the database copy is one snapshot (SQLite's backup API copies in one read transaction;
pg_dump runs in a snapshot exported by a REPEATABLE READ transaction, in which the table checksums are
computed too). Attachments are content-addressed and written before their row commits, so the files the
snapshot refers to exist when the snapshot is taken; the backup copies exactly those, checking each against
the SHA-256 its row recorded — a file changed or gone is reported and makes the backup fail, never silently
skipped. Other media (import uploads) are copied as they are.

Restore checks every file of the backup against the manifest first and touches nothing if one differs;
then replaces the database and makes MEDIA_ROOT equal to the backup's media, and verifies: each table's
row count and checksum, each media file's hash. The `restored` signal then lets other modules re-apply
what must survive a restore (e.g. an erasure ledger).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from django.conf import settings
from django.db import connections
from django.dispatch import Signal
from django.utils import timezone

from .fixity import ATTACHMENT_DIR, file_sha256

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_DIR = "media"
ALIAS = "default"
CHUNK = 1024 * 1024

# Sent after a successful restore, with manifest=<the backup's manifest dict>.
restored = Signal()


class BackupError(Exception):
    """The backup or restore cannot be made or trusted; the message says why (in Chinese, for operators)."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    problems: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    tables: int = 0
    rows: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)


# --- helpers -------------------------------------------------------------------------------------------


def _vendor() -> str:
    return connections[ALIAS].vendor


def _db_settings() -> dict[str, Any]:
    return connections[ALIAS].settings_dict


def _copy_hashed(src: Path, dst: Path) -> tuple[str, int]:
    """Copy src to dst, hashing the bytes written; returns (sha256, size)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        for chunk in iter(lambda: fin.read(CHUNK), b""):
            digest.update(chunk)
            fout.write(chunk)
            size += len(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    return digest.hexdigest(), size


def _media_files(root: Path) -> Iterator[str]:
    if not root.is_dir():
        return
    for dirpath, _dirs, files in os.walk(root):
        for filename in files:
            yield (Path(dirpath) / filename).relative_to(root).as_posix()


# --- SQLite --------------------------------------------------------------------------------------------


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    return [name for name, sql in rows if not (sql or "").upper().startswith("CREATE VIRTUAL")]


def sqlite_checksums(path: str | Path) -> dict[str, dict[str, Any]]:
    """Row count and an order-independent checksum (sum of row hashes mod 2^64) of every table.
    Virtual tables (full-text search) are covered by their shadow tables."""
    conn = _ro(path)
    try:
        result = {}
        for table in _sqlite_tables(conn):
            total, count = 0, 0
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                total = (
                    total + int.from_bytes(hashlib.sha256(repr(row).encode()).digest()[:8], "big")
                ) % 2**64
                count += 1
            result[table] = {"rows": count, "checksum": f"{total:016x}"}
        return result
    finally:
        conn.close()


def _ro(path: str | Path) -> sqlite3.Connection:
    return sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True, timeout=60)


def _sqlite_copy(src: str | Path, dst: str | Path, *, into_live: bool = False) -> None:
    """Copy a SQLite database with the online backup API: one consistent snapshot, writers continue.
    A backup file is left in rollback-journal mode (one self-contained file); the live database goes
    back to WAL, as the app runs it."""
    source = _ro(src) if into_live else sqlite3.connect(str(src), timeout=60)
    target = sqlite3.connect(str(dst), timeout=60)
    try:
        with target:
            source.backup(target)  # pages=-1: the whole database in one step, inside one read transaction
        target.execute("PRAGMA journal_mode=WAL" if into_live else "PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()


def _sqlite_attachments(path: Path) -> list[tuple[str, str]]:
    conn = _ro(path)
    try:
        return conn.execute(
            "SELECT DISTINCT file, sha256 FROM customers_attachment WHERE file <> ''"
        ).fetchall()
    finally:
        conn.close()


# --- PostgreSQL ----------------------------------------------------------------------------------------


def pg_binary(name: str) -> str:
    """pg_dump / pg_restore: on PATH, else the newest under /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(Path(p).parts[-3].split(".")[0])
    )
    if not candidates:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端工具（postgresql-client）")
    return candidates[-1]


def _pg_env() -> dict[str, str]:
    s = _db_settings()
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if s.get(key):
            env[var] = str(s[key])
    env["PGDATABASE"] = str(s["NAME"])
    return env


@contextmanager
def _pg_snapshot() -> Iterator[tuple[Any, str]]:
    """A REPEATABLE READ transaction on its own connection, and its exported snapshot id."""
    import psycopg

    s = _db_settings()
    conn = psycopg.connect(
        dbname=s["NAME"],
        user=s.get("USER") or None,
        password=s.get("PASSWORD") or None,
        host=s.get("HOST") or None,
        port=s.get("PORT") or None,
    )
    try:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        yield conn, row[0]
        conn.execute("COMMIT")
    finally:
        conn.close()


def pg_checksums(conn: Any) -> dict[str, dict[str, Any]]:
    """Row count and an order-independent checksum (sum of 60-bit prefixes of each row's md5) per table."""
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        ).fetchall()
    ]
    result = {}
    for table in tables:
        row = conn.execute(
            f"SELECT count(*), coalesce(sum(('x' || left(md5(t::text), 15))::bit(60)::bigint), 0)::text "
            f'FROM "{table}" AS t'
        ).fetchone()
        result[table] = {"rows": int(row[0]), "checksum": row[1]}
    return result


def _pg_live_checksums() -> dict[str, dict[str, Any]]:
    with _pg_snapshot() as (conn, _snapshot):
        return pg_checksums(conn)


# --- backup --------------------------------------------------------------------------------------------


def backup(dest: str | Path) -> BackupResult:
    """Write a backup into DEST (a new or empty directory). Raises BackupError when it cannot; returns the
    problems found in the attachment store (the backup is then incomplete and must not be trusted)."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"备份目录不是空的：{dest}")
    dest.mkdir(parents=True, exist_ok=True)
    vendor = _vendor()
    media_root = Path(settings.MEDIA_ROOT)
    problems: list[str] = []
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "app": "kedang",
        "created_at": timezone.now().isoformat(),
        "engine": vendor,
    }

    if vendor == "sqlite":
        db_file = dest / "db.sqlite3"
        _sqlite_copy(_db_settings()["NAME"], db_file)
        tables = sqlite_checksums(db_file)
        referenced = _sqlite_attachments(db_file)
        media = _copy_media(media_root, dest / MEDIA_DIR, referenced, problems)
    elif vendor == "postgresql":
        db_file = dest / "db.dump"
        with _pg_snapshot() as (conn, snapshot):
            subprocess.run(
                [
                    pg_binary("pg_dump"),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--no-owner",
                    f"--file={db_file}",
                ],
                env=_pg_env(),
                check=True,
                capture_output=True,
            )
            tables = pg_checksums(conn)
            referenced = conn.execute(
                "SELECT DISTINCT file, sha256 FROM customers_attachment WHERE file <> ''"
            ).fetchall()
            # the snapshot stays open while the files are copied: rows and files describe one moment
            media = _copy_media(media_root, dest / MEDIA_DIR, referenced, problems)
    else:
        raise BackupError(f"不支持的数据库：{vendor}")

    manifest["database"] = {"file": db_file.name, "sha256": file_sha256(db_file), "tables": tables}
    manifest["media"] = media
    manifest["problems"] = problems
    tmp = dest / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(dest / MANIFEST)
    return BackupResult(path=dest, manifest=manifest, problems=problems)


def _copy_media(
    root: Path, target: Path, referenced: list[tuple[str, str]], problems: list[str]
) -> dict[str, dict[str, Any]]:
    """Copy the attachments the snapshot refers to (each checked against its recorded hash) and every
    other media file; attachment files no row of the snapshot refers to are left out."""
    media: dict[str, dict[str, Any]] = {}
    for name, sha in sorted(set(referenced)):
        src = root / name
        if not src.is_file():
            problems.append(f"附件文件缺失：{name}")
            continue
        digest, size = _copy_hashed(src, target / name)
        if digest != sha:
            problems.append(f"附件内容已改变：{name}（应为 {sha}，实为 {digest}）")
        media[name] = {"sha256": digest, "size": size}
    for name in sorted(_media_files(root)):
        if name.startswith(ATTACHMENT_DIR + "/") or name in media:
            continue
        try:
            digest, size = _copy_hashed(root / name, target / name)
        except FileNotFoundError:  # removed while we were copying (e.g. a finished import)
            continue
        media[name] = {"sha256": digest, "size": size}
    return media


# --- restore -------------------------------------------------------------------------------------------


def read_manifest(src: Path) -> dict[str, Any]:
    path = src / MANIFEST
    if not path.is_file():
        raise BackupError(f"不是备份目录（没有 {MANIFEST}）：{src}")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT or manifest.get("app") != "kedang":
        raise BackupError("备份格式无法识别")
    return manifest


def _inside(path: Path, root: Path) -> bool:
    """Whether `path`, with every symlink resolved, lies under `root` (resolved too)."""
    return path.resolve().is_relative_to(root.resolve())


def _has_symlink(path: Path, root: Path) -> bool:
    """Whether `path` or a folder between `root` and it is a symlink."""
    while path != root and path != path.parent:
        if path.is_symlink():
            return True
        path = path.parent
    return False


def unsafe_paths(src: Path, manifest: dict[str, Any]) -> list[str]:
    """Manifest paths that would read or write outside the backup's or MEDIA_ROOT's folder: absolute paths,
    `..`, backslashes, NUL, symlinks in the backup or under MEDIA_ROOT (#13: a crafted manifest made restore
    write anywhere). Checked before any file is read or written."""
    problems = []
    media_src = src / MEDIA_DIR
    root = Path(settings.MEDIA_ROOT)
    db_file = str((manifest.get("database") or {}).get("file") or "")
    if not db_file or db_file != Path(db_file).name or db_file in (".", "..") or "\\" in db_file:
        problems.append(f"数据库文件名不安全：{db_file!r}")
    elif (src / db_file).is_symlink():
        problems.append(f"数据库文件是符号链接：{db_file}")
    media = manifest.get("media")
    if not isinstance(media, dict):
        return [*problems, "备份清单的文件列表无法识别"]
    for name in media:
        pure = PurePosixPath(name) if isinstance(name, str) else None
        if (
            pure is None
            or not name
            or pure.is_absolute()
            or PureWindowsPath(name).drive
            or "\\" in name
            or "\x00" in name
            or any(part in ("..", ".") for part in name.split("/"))
            or "" in name.split("/")
        ):
            problems.append(f"文件路径超出媒体目录：{name!r}")
            continue
        if _has_symlink(media_src / name, media_src) or not _inside(media_src / name, media_src):
            problems.append(f"备份中的文件是符号链接：{name}")
        elif _has_symlink(root / name, root) or not _inside(root / name, root):
            problems.append(f"恢复目标经过符号链接、超出媒体目录：{name}")
    return problems


def verify_backup(src: str | Path) -> list[str]:
    """Check every file of a backup against its manifest; returns the differences (empty: intact)."""
    src = Path(src)
    manifest = read_manifest(src)
    problems = unsafe_paths(src, manifest)
    if problems:
        return problems  # read no file a crafted manifest points at
    db = manifest["database"]
    db_path = src / db["file"]
    if not db_path.is_file():
        problems.append(f"数据库文件缺失：{db['file']}")
    elif file_sha256(db_path) != db["sha256"]:
        problems.append(f"数据库文件已改变：{db['file']}")
    for name, info in manifest["media"].items():
        path = src / MEDIA_DIR / name
        if not path.is_file():
            problems.append(f"备份中的文件缺失：{name}")
        elif file_sha256(path) != info["sha256"]:
            problems.append(f"备份中的文件已改变：{name}")
    listed = set(manifest["media"])
    problems += [f"备份中多出文件：{n}" for n in sorted(_media_files(src / MEDIA_DIR)) if n not in listed]
    return problems


def live_checksums() -> dict[str, dict[str, Any]]:
    if _vendor() == "sqlite":
        return sqlite_checksums(_db_settings()["NAME"])
    return _pg_live_checksums()


def restore(src: str | Path) -> RestoreResult:
    """Replace the database and media with the backup's, then verify. Stop the app (web and worker) first."""
    src = Path(src)
    manifest = read_manifest(src)
    vendor = _vendor()
    if manifest["engine"] != vendor:
        raise BackupError(f"备份来自 {manifest['engine']}，当前数据库是 {vendor}")
    unsafe = unsafe_paths(src, manifest)
    if unsafe:
        raise BackupError("备份清单含有不安全的路径，拒绝恢复，未做任何改动：\n" + "\n".join(unsafe))
    broken = verify_backup(src)
    if broken:
        raise BackupError("备份已损坏，未做任何改动：\n" + "\n".join(broken))

    db_path = src / manifest["database"]["file"]
    connections.close_all()
    if vendor == "sqlite":
        _sqlite_copy(db_path, _db_settings()["NAME"], into_live=True)
    else:
        result = subprocess.run(
            [
                pg_binary("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                f"--dbname={_db_settings()['NAME']}",
                str(db_path),
            ],
            env=_pg_env(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BackupError("pg_restore 失败：\n" + result.stderr[-4000:])
    _restore_media(src / MEDIA_DIR, Path(settings.MEDIA_ROOT), manifest["media"])

    report = RestoreResult()
    expected = manifest["database"]["tables"]
    actual = live_checksums()
    for table, info in expected.items():
        report.tables += 1
        report.rows += info["rows"]
        got = actual.get(table)
        if got != info:
            report.problems.append(f"表 {table} 与备份不一致：应为 {info}，实为 {got}")
    for name, info in manifest["media"].items():
        path = Path(settings.MEDIA_ROOT) / name
        if not path.is_file() or file_sha256(path) != info["sha256"]:
            report.problems.append(f"恢复后的文件不一致：{name}")
        report.files += 1
    if not report.problems:
        restored.send(sender=None, manifest=manifest)
    return report


def _restore_media(src: Path, root: Path, media: dict[str, dict[str, Any]]) -> None:
    """Make MEDIA_ROOT hold exactly the backup's files (each written to a temporary name, then renamed)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, info in media.items():
        target = root / name
        if target.is_file() and file_sha256(target) == info["sha256"]:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".restore-")
        os.close(fd)
        _copy_hashed(src / name, Path(tmp))
        os.replace(tmp, target)
    for name in list(_media_files(root)):
        if name not in media:
            (root / name).unlink()
    for dirpath, _dirs, _files in os.walk(root, topdown=False):
        if Path(dirpath) != root:
            try:
                Path(dirpath).rmdir()  # only succeeds when empty
            except OSError:
                pass
