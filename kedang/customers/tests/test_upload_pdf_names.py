"""The PDF script filter judges names as a reader decodes them (#13): `/J#61vaScript` is /JavaScript and
`/#4A#53` is /JS (ISO 32000-1 §7.3.5), so escapes are decoded before the check; open and additional
actions and embedded files are refused too, also across the boundary of the chunks the file is read in."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from kedang.customers.services.upload_checks import CHUNK, PDF_ACTIVE, check_upload, pdf_name


def _code(data: bytes) -> str:
    with pytest.raises(ValidationError) as exc:
        check_upload(SimpleUploadedFile("scan.pdf", data))
    return exc.value.error_dict["file"][0].code or ""


def _pdf(body: bytes) -> bytes:
    return b"%PDF-1.4\n1 0 obj<<" + body + b">>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.parametrize(
    "body",
    [
        b"/S/J#61vaScript/JS(app.alert(1))",
        b"/S/#4A#61#76#61#53#63#72#69#70#74",
        b"/#4A#53(app.alert(1))",
        b"/#4a#53",  # lower-case hex digits
        b"/Type/Catalog/OpenAction 2 0 R",
        b"/Open#41ction<</S/URI>>",
        b"/AA<</O 3 0 R>>",
        b"/#41#41<</O 3 0 R>>",
        b"/S/L#61unch/F(cmd.exe)",
        b"/Type/Em#62eddedFile",
        b"/Names<</EmbeddedFiles 4 0 R>>",
    ],
)
def test_escaped_and_open_actions_are_refused(body: bytes) -> None:
    assert _code(_pdf(body)) == "file_active"


def test_a_name_cut_by_the_chunk_boundary_is_seen_whole() -> None:
    head = b"%PDF-1.4\n% "
    pad = b"x" * (CHUNK - len(head) - 5) + b"\n"
    data = head + pad + b"/J#61vaScript(1)\n%%EOF\n"
    assert _code(data) == "file_active"


def test_harmless_names_pass() -> None:
    data = _pdf(b"/Type/Page/Resources<</XObject<</Im#31 5 0 R>>>>/JSX 1/AAB 2/Jav")
    assert check_upload(SimpleUploadedFile("scan.pdf", data)) == "application/pdf"


@given(st.sampled_from(sorted(PDF_ACTIVE)), st.data())
def test_any_escaping_of_an_active_name_is_refused(name: bytes, data: st.DataObject) -> None:
    escape = data.draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    upper = data.draw(st.booleans())
    spelt = b"".join(
        (f"#{b:02X}" if upper else f"#{b:02x}").encode() if e else bytes([b])
        for b, e in zip(name, escape, strict=True)
    )
    assert pdf_name(spelt) == name
    assert _code(_pdf(b"/" + spelt + b" 1")) == "file_active"
