"""Masks phone and ID numbers in log lines (R-G7): whatever a library or an error report writes to the log
— a SQL parameter, a form value in a traceback — leaves as 138****5678 and 110105********002X."""

from __future__ import annotations

import logging
import re

from kedang.archive.masks import mask_id, mask_phone

# an 18-character ID number (17 digits and a digit or X) or a mainland mobile number, not inside a longer number
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_text(text: str) -> str:
    text = ID_NUMBER.sub(lambda m: mask_id(m.group(0)), text)
    return MOBILE.sub(lambda m: mask_phone(m.group(0)), text)


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if masked != message:
            record.msg, record.args = masked, None
        return True
