"""Attachments (R-A7): type and size judged by content, served only through the permission-checked view,
always as a download (never inline HTML/SVG)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from kedang.accounts.models import User
from kedang.customers import services
from kedang.customers.models import Attachment
from kedang.customers.services.upload_checks import check_upload, download_name

from .helpers import pdf_bytes, png_bytes, upload

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
HTML = b"<!doctype html><script>alert(document.cookie)</script>"


def _refused(data: bytes, name: str = "scan.pdf") -> str:
    with pytest.raises(ValidationError) as exc:
        check_upload(upload(name, data))
    assert list(exc.value.message_dict) == ["file"]
    return exc.value.error_dict["file"][0].code or ""


def test_real_scans_accepted() -> None:
    assert check_upload(upload("x.pdf", pdf_bytes("ok"))) == "application/pdf"
    assert check_upload(upload("x.bin", png_bytes())) == "image/png"  # the name does not matter
    import io

    from PIL import Image

    for fmt, ctype in (("JPEG", "image/jpeg"), ("TIFF", "image/tiff")):
        buf = io.BytesIO()
        Image.new("RGB", (16, 16), (200, 10, 10)).save(buf, fmt)
        assert check_upload(upload("scan.pdf", buf.getvalue())) == ctype


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (HTML, "file_type"),  # HTML named .pdf
        (SVG, "file_type"),
        (b"\x89PNG\r\n\x1a\n" + HTML, "file_invalid"),  # a PNG signature in front of HTML
        (png_bytes()[:-20], "file_invalid"),  # truncated
        (b"\xff\xd8\xff\xe0" + SVG, "file_invalid"),
        (b"%PDF-1.4\n" + HTML, "file_invalid"),  # no %%EOF trailer: not a finished PDF
        (b"%PDF-1.4\n1 0 obj<</S/JavaScript/JS(app.alert(1))>>endobj\n%%EOF\n", "file_active"),
        (b"%PDF-1.4\n1 0 obj<</Type/Action/S/Launch/F(cmd.exe)>>endobj\n%%EOF\n", "file_active"),
    ],
)
def test_disguised_or_active_content_refused(data: bytes, code: str) -> None:
    assert _refused(data) == code


@hsettings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=400))
def test_arbitrary_bytes_after_an_image_signature_are_refused(tail: bytes) -> None:
    for magic in (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*"):
        _refused(magic + tail)


@hsettings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=200).filter(
        lambda b: not b.startswith((b"%PDF-", b"\xff\xd8\xff", b"\x89PNG", b"II*", b"MM\x00"))
    )
)
def test_anything_without_a_scan_signature_is_refused(data: bytes) -> None:
    assert _refused(data or b"x") == "file_type"


@given(
    st.text(max_size=40),
    st.sampled_from(["application/pdf", "image/png", "image/jpeg", "image/tiff", "text/html"]),
)
def test_download_name_extension_is_what_the_file_is(name: str, ctype: str) -> None:
    result = download_name(name, ctype)
    assert result.endswith(
        {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/tiff": ".tif"}.get(
            ctype, ".bin"
        )
    )
    assert "/" not in result and "\\" not in result


@pytest.mark.django_db
def test_size_limit(users: dict[str, User], make_customer: Callable[..., Any], settings: Any) -> None:
    settings.KEDANG_MAX_UPLOAD_BYTES = 1024 * 1024
    c = make_customer()
    big = pdf_bytes("x" * (1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        services.document_add(
            actor=users["account_manager"],
            customer_id=c.pk,
            file_type_code="C1",
            title="大",
            upload=upload("a.pdf", big),
        )
    assert exc.value.error_dict["file"][0].code == "file_size"
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_served_only_as_a_download_to_those_who_may_see_it(
    users: dict[str, User], make_customer: Callable[..., Any], login: Callable[[str], Client]
) -> None:
    c = make_customer(owner=users["account_manager"])
    services.document_add(
        actor=users["account_manager"],
        customer_id=c.pk,
        file_type_code="C1",
        title="签字",
        upload=upload("合同<script>.html", pdf_bytes("x")),
    )
    att = Attachment.objects.get()
    url = reverse("attachment_download", args=[att.pk])
    resp = login("account_manager").get(url)
    assert resp.status_code == 200
    assert b"".join(resp.streaming_content) == pdf_bytes("x")  # type: ignore[attr-defined]
    assert resp["Content-Type"] == "application/pdf"
    assert resp["Content-Disposition"].startswith("attachment;")
    assert ".pdf" in resp["Content-Disposition"] and ".html" not in resp["Content-Disposition"]
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in resp["Content-Security-Policy"]
    # another department's account manager may not see the customer: 404, not 403 (R-G2)
    assert login("am2").get(url).status_code == 404
    assert Client().get(url).status_code == 302  # anonymous: to the login page
    # no other way to the bytes: media is not served
    assert Client().get("/media/" + att.file.name).status_code == 404


@pytest.mark.django_db
def test_unknown_stored_type_goes_out_as_octet_stream_and_missing_file_is_404(
    users: dict[str, User], make_customer: Callable[..., Any], login: Callable[[str], Client]
) -> None:
    c = make_customer(owner=users["account_manager"])
    services.document_add(
        actor=users["account_manager"],
        customer_id=c.pk,
        file_type_code="C1",
        title="x",
        upload=upload("x.pdf", pdf_bytes("y")),
    )
    att = Attachment.objects.get()
    Attachment.objects.filter(pk=att.pk).update(content_type="text/html")
    client = login("account_manager")
    resp = client.get(reverse("attachment_download", args=[att.pk]))
    assert resp["Content-Type"] == "application/octet-stream"
    assert resp["Content-Disposition"].startswith("attachment;") and ".bin" in resp["Content-Disposition"]
    b"".join(resp.streaming_content)  # type: ignore[attr-defined]
    att.file.storage.delete(att.file.name)
    assert client.get(reverse("attachment_download", args=[att.pk])).status_code == 404


def test_decompression_bomb_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert _refused(png_bytes(size=40)) == "file_invalid"  # 1600 px: over the limit, a warning made an error
    assert _refused(png_bytes(size=100)) == "file_invalid"  # over twice the limit: Pillow's own error
    assert check_upload(upload("ok.png", png_bytes(size=20))) == "image/png"
