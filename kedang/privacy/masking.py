"""Moved to kedang.archive.masking (the archive layer decides what is masked); kept for code written
before the move."""

from kedang.archive.masking import *  # noqa: F403
from kedang.archive.masking import CUSTOMER_FIELDS, MASKS, may_unmask, sees, shown, shown_contact  # noqa: F401
