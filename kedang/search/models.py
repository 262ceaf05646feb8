"""The search index (R-S1, DESIGN.md "Search"): owned by this app, kept in step with every write.

- SearchKey: one row per normalised key of a customer (phone, plate, VIN and its reverse, ID number
  and its reverse, USCC, archive number, pinyin, pinyin initials, 2-character name grams). Exact and
  prefix lookups are B-tree range scans on `key`; suffixes are prefixes of the reversed key.
- SearchDoc: one row per customer with its fragment text. SQLite indexes it in the FTS5 table
  `search_fts` (trigram tokenizer, rowid = customer id); PostgreSQL with a pg_trgm GIN index.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class KeyKind(models.TextChoices):
    PHONE = "phone", _("电话")
    PLATE = "plate", _("车牌")
    VIN = "vin", _("车架号")
    VIN_REVERSED = "vinr", _("车架号")
    ID_NUMBER = "id", _("身份证号")
    ID_REVERSED = "idr", _("身份证号")
    USCC = "uscc", _("统一社会信用代码")
    ARCHIVE_NO = "arch", _("档号")
    NAME = "name", _("名称")
    PINYIN = "py", _("拼音")
    INITIALS = "pyi", _("拼音首字母")
    BIGRAM = "bi", _("名称")


class SearchKey(models.Model):
    """A key of a customer. `owner` is copied from the customer so that an account manager's
    search seeks (owner, key) instead of filtering a million rows by owner."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, db_index=False, related_name="+"
    )
    owner = models.ForeignKey(
        "accounts.User", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    kind = models.CharField(max_length=5, choices=KeyKind.choices)
    key = models.CharField(max_length=100)

    class Meta:
        indexes = [
            # covering: every lookup of `find` reads this index only, never the table (a
            # million customers' common keys, such as a namesake's name, have hundreds of rows
            # each; the owner in the index filters an account manager's rows without them)
            models.Index(fields=["key", "kind", "owner", "customer"], name="search_key_covering_idx"),
            models.Index(fields=["owner", "key"]),
            models.Index(fields=["customer"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


class SearchDoc(models.Model):
    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    owner = models.ForeignKey(
        "accounts.User", on_delete=models.DO_NOTHING, db_constraint=False, db_index=True, related_name="+"
    )
    text = models.TextField()

    class Meta:
        indexes = [
            # an account manager's fragment search checks each trigram match's owner here, in
            # this narrow index, instead of in the wide table row (SQLite: INDEXED BY in find)
            models.Index(fields=["customer", "owner"], name="search_doc_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.text[:50]
