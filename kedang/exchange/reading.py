"""Reading spreadsheets safely: what a file really is, its encoding, and its rows one at a time.

The content decides, not the name: an .xlsx renamed .csv is read as a workbook, a PNG renamed .xlsx is
refused. Memory stays bounded whatever the file holds: workbooks are streamed (openpyxl read-only,
XML parsed by defusedxml when installed), a zip whose members inflate beyond reason is refused before
it is opened, and a file with more rows than KEDANG_IMPORT_MAX_ROWS (counting empty ones) is refused
while it is being counted.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

MAX_ROWS = 200_000  # rows of a file, empty ones included
MAX_BYTES = 100 * 1024 * 1024  # the uploaded file
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024  # all members of a workbook, inflated
MAX_ZIP_RATIO = 200  # inflated / compressed, for a member over 1 MB
MAX_COLUMNS = 200
HEADER_SCAN_ROWS = 10
CSV_FIELD_LIMIT = 64 * 1024

Cell = Any  # str | int | float | bool | datetime | date | time | None


def max_rows() -> int:
    return int(getattr(settings, "KEDANG_IMPORT_MAX_ROWS", MAX_ROWS))


def refuse(message: str, code: str) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code=code)})


@dataclass(frozen=True)
class FileInfo:
    file_format: str  # xlsx | csv
    encoding: str = ""
    delimiter: str = ""


_BINARY_MAGIC: list[tuple[bytes, str]] = [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "旧版 Excel（.xls）或其他 Office 文件"),
    (b"%PDF-", "PDF 文件"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"MZ", "Windows 程序"),
    (b"\x7fELF", "可执行程序"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
]


def sniff(path: Path) -> FileInfo:
    """What the file really is (xlsx or csv, and for csv its encoding and delimiter); refuses the rest
    with a message saying what was found instead."""
    size = path.stat().st_size
    if size == 0:
        raise refuse("文件是空的", "file_empty")
    if size > MAX_BYTES:
        raise refuse(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB，请拆分后分批导入", "file_size")
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    if head.startswith(b"PK\x03\x04"):
        _check_workbook_zip(path)
        return FileInfo("xlsx")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise refuse("这是旧版 Excel 文件（.xls），请在 Excel 中“另存为” .xlsx 后再导入", "xls")
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            raise refuse(f"文件内容是{what}，不是 Excel（.xlsx）或 CSV 表格", "file_type")
    encoding = detect_encoding(path, head)
    text = head.decode(encoding, errors="ignore").lstrip("\ufeff")
    return FileInfo("csv", encoding=encoding, delimiter=_delimiter(text))


def _check_workbook_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError):
        raise refuse("文件已损坏，无法作为 Excel（.xlsx）打开", "file_corrupt") from None
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise refuse("这是一个压缩包，不是 Excel（.xlsx）工作簿", "file_type")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > MAX_ZIP_RATIO:
            raise refuse("文件解压后异常巨大（疑似压缩炸弹），已拒绝", "zip_bomb")
    if total > MAX_UNZIPPED_BYTES:
        raise refuse("文件解压后超过 1 GB（疑似压缩炸弹），已拒绝", "zip_bomb")


def detect_encoding(path: Path, head: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), else GB18030 (a superset
    of GBK and GB2312, what Chinese Excel writes). The whole file is decoded, in chunks, to be sure."""
    if head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        if b"\x00" in head:
            raise refuse("文件内容是二进制数据，不是 Excel（.xlsx）或 CSV 表格", "file_type")
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        try:
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1024 * 1024), b""):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise refuse("无法识别文件编码：CSV 应为 UTF-8 或 GBK（GB18030）编码", "encoding")


def _delimiter(text: str) -> str:
    first = text.splitlines()[0] if text else ""
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def iter_rows(path: Path, info: FileInfo) -> Iterator[tuple[int, list[Cell]]]:
    """(row number as the user sees it, cell values) for every row, empty ones included.

    Refuses, while reading, a file with more than `max_rows()` rows or `MAX_COLUMNS` columns."""
    limit = max_rows()
    rows = _xlsx_rows(path) if info.file_format == "xlsx" else _csv_rows(path, info)
    for number, values in rows:
        if number > limit:
            raise refuse(
                f"文件超过 {limit:,} 行（空行也计算在内），请删除多余的空行或拆分后再导入", "too_many_rows"
            )
        if len(values) > MAX_COLUMNS:
            values = _trim(values)
            if len(values) > MAX_COLUMNS:
                raise refuse(f"文件超过 {MAX_COLUMNS} 列", "too_many_columns")
        yield number, values


def _trim(values: list[Cell]) -> list[Cell]:
    end = len(values)
    while end and is_blank(values[end - 1]):
        end -= 1
    return values[:end]


def is_blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Cell]]]:
    """The first sheet's rows: read by calamine (Rust, a whole sheet in a second) when the sheet's
    grid is of a reasonable size, else streamed by openpyxl (slow, but its memory does not grow)."""
    rows, columns = _xlsx_prescan(path)
    if rows * columns <= CALAMINE_MAX_CELLS:
        yield from _calamine_rows(path)
    else:
        yield from _openpyxl_rows(path)


CALAMINE_MAX_CELLS = 8_000_000  # cells of the sheet's grid (rows × columns) read at once


def _calamine_rows(path: Path) -> Iterator[tuple[int, list[Cell]]]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        grid = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
        wb.close()
    except Exception as exc:  # calamine raises its own kinds for a broken workbook
        raise refuse(f"无法读取 Excel 文件：{exc.__class__.__name__}", "file_corrupt") from None
    for number, row in enumerate(grid, start=1):
        yield number, _trim([x if type(x) is str and x else _as_openpyxl(x) for x in row])


def _as_openpyxl(value: Cell) -> Cell:
    """A calamine value as openpyxl gives it, so that both readers import alike: None for an empty
    cell, an int for an integral number, a datetime for a date."""
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _openpyxl_rows(path: Path) -> Iterator[tuple[int, list[Cell]]]:
    from openpyxl import load_workbook

    fh = path.open("rb")  # a file object: openpyxl would judge a path by its name
    try:
        try:
            wb = load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken workbook
            raise refuse(f"无法读取 Excel 文件：{exc.__class__.__name__}", "file_corrupt") from None
        try:
            ws = wb.worksheets[0]
            # read-only sheets trust the file's <dimension>; a wrong one would cut or pad the rows
            ws.reset_dimensions()
            for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
                yield number, _trim(list(row))
        finally:
            wb.close()
    finally:
        fh.close()


_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_ROW_NUMBER = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=\"(\d+)\"")
_WIDE_COLUMN = re.compile(rb"<c r=\"([A-Z]{2,3})\d+\"")
_FIRST_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"")


def _first_sheet_member(zf: zipfile.ZipFile) -> str | None:
    """The zip member of the workbook's first sheet (what openpyxl reads as worksheets[0])."""
    try:
        book = zf.read("xl/workbook.xml")[:1_000_000]
        rels = zf.read("xl/_rels/workbook.xml.rels")[:1_000_000]
    except KeyError:
        return None
    m = _FIRST_SHEET.search(book)
    if not m:
        return None
    rel = re.search(rb"<Relationship\b[^>]*?Id=\"" + re.escape(m.group(1)) + rb"\"[^>]*>", rels)
    target = re.search(rb"Target=\"([^\"]+)\"", rel.group(0)) if rel else None
    if not target:
        return None
    name = target.group(1).decode("utf-8", "replace").lstrip("/")
    return name if name.startswith("xl/") else f"xl/{name}"


def _xlsx_prescan(path: Path) -> tuple[int, int]:
    """Count the first sheet's rows in its raw XML, in chunks, before a reader builds anything: a sheet
    of a million (empty) rows is refused in a second with a few MB of memory. Returns the size of the
    sheet's grid, (rows, columns) — columns as the total of cells when some cell has no reference."""
    limit = max_rows()
    with zipfile.ZipFile(path) as zf:
        member = _first_sheet_member(zf)
        if member is None or member not in zf.namelist():
            return limit, MAX_COLUMNS * 1000  # unknown: read by the streaming reader
        count, highest, tail = 0, 0, b""
        cells, referenced, letters = 0, 0, set()
        with zf.open(member) as fh:
            for chunk in chain(iter(lambda: fh.read(1024 * 1024), b""), [b"<"]):
                data = tail + chunk
                cut = data.rfind(b"<")  # the last tag may be cut in two: it is read with the next chunk
                body = data[:cut]
                count += len(_ROW_TAG.findall(body))
                numbers = _ROW_NUMBER.findall(body)
                if numbers:
                    highest = max(highest, max(map(int, numbers)))
                # cells, and those that name their column first (as Excel, LibreOffice and openpyxl
                # write them); only columns past Z are collected, the rest cannot widen the grid much
                cells += body.count(b"<c ") + body.count(b"<c>") + body.count(b"<c/>")
                cells += body.count(b":c ") + body.count(b":c>")  # <x:c …>: counted, never referenced
                referenced += body.count(b'<c r="')
                letters.update(_WIDE_COLUMN.findall(body))
                tail = data[cut:]
                if max(count, highest) > limit:
                    raise refuse(
                        f"文件超过 {limit:,} 行（空行也计算在内），请删除多余的空行或拆分后再导入",
                        "too_many_rows",
                    )
    columns = max((column_index_from_letters(x.decode()) for x in letters), default=26)
    return max(count, highest), (columns if cells and referenced >= cells else max(cells, columns))


def column_index_from_letters(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _csv_rows(path: Path, info: FileInfo) -> Iterator[tuple[int, list[Cell]]]:
    csv.field_size_limit(CSV_FIELD_LIMIT)
    with path.open("r", encoding=info.encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=info.delimiter or ",")
        try:
            for number, row in enumerate(reader, start=1):
                yield number, _trim(list(row))
        except csv.Error as exc:
            raise refuse(f"CSV 格式错误（第 {reader.line_num} 行附近）：{exc}", "csv_format") from None


def read_header(path: Path, info: FileInfo) -> tuple[int, list[str]]:
    """The header row: among the first rows, the one whose cells name the most known fields (a title
    row above the headers is common); the first non-empty row when none does."""
    first = []
    for number, values in iter_rows(path, info):
        if number > HEADER_SCAN_ROWS:
            break
        first.append((number, values))
    return _header_of(first)


def _header_of(first: list[tuple[int, list[Cell]]]) -> tuple[int, list[str]]:
    from .mapping import guess_mapping

    best: tuple[int, int, list[str]] | None = None
    found: tuple[int, list[str]] | None = None
    for number, values in first:
        if all(is_blank(v) for v in values):
            continue
        cells = [cell_text(v) for v in values]
        if found is None:
            found = (number, cells)
        score = len(guess_mapping(cells))
        if score >= 2 and (best is None or score > best[1]):
            best = (number, score, cells)
    if best is not None:
        return best[0], best[2]
    if found is None:
        raise refuse("文件中没有任何数据", "file_empty")
    return found


def header_and_count(path: Path, info: FileInfo) -> tuple[int, list[str], int]:
    """`read_header` and `count_rows` in one reading of the file: (header row, headers, data rows)."""
    first: list[tuple[int, list[Cell]]] = []
    last_filled = 0
    for number, values in iter_rows(path, info):
        if number <= HEADER_SCAN_ROWS:
            first.append((number, values))
        if not all(is_blank(v) for v in values):
            last_filled = number
    header_row, headers = _header_of(first)
    return header_row, headers, max(last_filled, header_row) - header_row


def cell_text(value: Cell) -> str:
    """A cell as the user reads it: numbers without a trailing .0, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d") if value.time() == dt.time(0) else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def save_upload(chunks: Iterator[bytes], dest: Path) -> tuple[str, int]:
    """Write an upload to `dest`, returning its SHA-256 and size; refuses it past MAX_BYTES."""
    import hashlib

    digest = hashlib.sha256()
    size = 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("wb") as out:
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_BYTES:
                out.close()
                dest.unlink(missing_ok=True)
                raise refuse(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB，请拆分后分批导入", "file_size")
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def file_sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()
