"""What an uploaded scan really is, judged by its content, never by its name (R-A7).

Only scanned originals are accepted: PDF, JPEG, PNG, TIFF. The first bytes must carry the format's
signature, and the rest must hold up: images decode completely with Pillow (which also refuses
decompression bombs), a PDF ends with its %%EOF trailer and carries no JavaScript, launch, open or
additional action nor embedded file, however its names are spelt (#xx escapes are decoded first).
A file that is something else wearing a scan's first bytes (an HTML/SVG polyglot, a truncated or
padded file) is refused on the `file` field.
"""

from __future__ import annotations

import re
import warnings

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

SIGNATURES: list[tuple[str, bytes]] = [
    ("application/pdf", b"%PDF-"),
    ("image/jpeg", b"\xff\xd8\xff"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/tiff", b"II*\x00"),
    ("image/tiff", b"MM\x00*"),
]
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif"}
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/tiff": "TIFF"}
# PDF names that run code, open other programs or carry files when the document is opened or viewed.
# Compared after decoding the #xx escapes of PDF names (ISO 32000-1 §7.3.5: /J#61vaScript is /JavaScript).
PDF_ACTIVE = frozenset(
    {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia", b"OpenAction", b"AA"}
)
# A name: a solidus and the regular characters up to the next white-space or delimiter (§7.2.2).
PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r /<>\[\](){}%]*)")
PDF_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
CARRY = 512  # bytes kept from the previous chunk, so that a name cut by a chunk boundary is seen whole
CHUNK = 1024 * 1024


def pdf_name(raw: bytes) -> bytes:
    """A PDF name as the reader sees it: each #xx escape decoded."""
    return PDF_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)


def _active_name(window: bytes, *, final: bool) -> bool:
    """Whether `window` holds an active name. A name running into the end of a non-final window is left
    for the next one (it may go on there)."""
    for match in PDF_NAME.finditer(window):
        if not final and match.end() == len(window):
            continue
        if pdf_name(match.group(1)) in PDF_ACTIVE:
            return True
    return False


def _refuse(message: str, code: str = "file_type") -> ValidationError:
    return ValidationError({"file": ValidationError(message, code=code)})


def sniff(upload: UploadedFile) -> str:
    """The content type judged by the first bytes; raises ValidationError on `file` for anything else."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for ctype, magic in SIGNATURES:
        if head.startswith(magic):
            return ctype
    raise _refuse(_("只能上传 PDF、JPEG、PNG 或 TIFF 扫描件"))


def _check_image(upload: UploadedFile, ctype: str) -> None:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's complaints about damaged metadata
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as img:
                if img.format != PILLOW_FORMATS[ctype]:
                    raise ValueError(img.format)
                img.verify()
            upload.seek(0)
            with Image.open(upload) as img:
                img.load()  # decodes every pixel: a truncated or doctored image fails here
    except ValidationError:
        raise
    except Exception as exc:  # Pillow raises many kinds (OSError, SyntaxError, ValueError, bombs)
        raise _refuse(_("图片文件已损坏或不是真正的图片，无法接收"), code="file_invalid") from exc
    finally:
        upload.seek(0)


def _check_pdf(upload: UploadedFile) -> None:
    upload.seek(0)
    tail = b""
    carry = b""
    active = False
    for chunk in upload.chunks(CHUNK):
        window = carry + chunk
        if _active_name(window, final=False):
            active = True
            break
        carry = window[-CARRY:]
        tail = (tail + chunk)[-2048:]
    active = active or _active_name(carry, final=True)
    upload.seek(0)
    if active:
        raise _refuse(_("PDF 中含有脚本或可执行动作，不能作为扫描件接收"), code="file_active")
    if b"%%EOF" not in tail:
        raise _refuse(_("PDF 文件不完整（缺少结尾标记），请重新扫描或导出"), code="file_invalid")


def check_upload(upload: UploadedFile) -> str:
    """Sniff and validate the upload by content; returns its content type."""
    ctype = sniff(upload)
    if ctype == "application/pdf":
        _check_pdf(upload)
    else:
        _check_image(upload, ctype)
    return ctype


def download_name(original_name: str, content_type: str) -> str:
    """The file name offered for download: the stem the user gave, the extension of what the file is
    (a PDF uploaded as 'x.html' downloads as 'x.pdf', so that no browser or desktop opens it as HTML)."""
    stem = (original_name or "scan").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if "." in stem:
        stem = stem.rsplit(".", 1)[0]
    return (stem.strip() or "scan") + EXTENSIONS.get(content_type, ".bin")
