"""How an attachment leaves the server (R-A7): always as a download, never rendered by the browser.

Content-Disposition: attachment with a name whose extension is what the file is; a content type from the
allowed list only (anything else goes out as application/octet-stream); nosniff, a sandboxing
Content-Security-Policy in case a browser renders it anyway, and no caching by shared caches.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from .models import Attachment
from .services.upload_checks import EXTENSIONS, download_name


def attachment_response(att: Attachment) -> FileResponse:
    try:
        fh = att.file.open("rb")
    except FileNotFoundError as exc:  # reported by `manage.py verify_attachments`, never silently fixed
        raise Http404(_("附件文件缺失，请联系管理员")) from exc
    ctype = att.content_type if att.content_type in EXTENSIONS else "application/octet-stream"
    response = FileResponse(
        fh, as_attachment=True, filename=download_name(att.original_name, ctype), content_type=ctype
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
