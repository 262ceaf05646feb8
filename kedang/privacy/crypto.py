"""Encryption at rest of ID numbers, and of the JSON that carries personal data (R-G7).

AES-SIV (RFC 5297, deterministic authenticated encryption, 512-bit key derived from KEDANG_FIELD_KEY with
HKDF): equal values give equal ciphertexts and nothing else leaks, so the ciphertext is itself the keyed
blind index — exact lookups (`filter(id_number=…)`, `__in`) and duplicate detection keep working in SQL,
while the database file and its backups hold no ID number in clear. The field's purpose is bound in as
associated data, so the same number in another field encrypts differently.

Stored form: ``v1$`` + url-safe base64. A value without the prefix is read as clear text (rows written
before the migration); the prefix leaves room to rotate keys later.

`EncryptedJSONField` holds JSON that carries personal data beside other things (a change request's values,
an import's rejected cells): nothing is looked up in it, so it is encrypted with a random nonce (equal
values do not give equal ciphertexts). It is stored as a JSON string ``"j1$…"`` in an ordinary JSON column,
so the column type (and SQLite's JSON_VALID check) does not change; a value that is not such a string is
read as clear JSON (rows written before the migration).
"""

from __future__ import annotations

import base64
import functools
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models

PREFIX = "v1$"
JSON_PREFIX = "j1$"
NONCE_BYTES = 16


@functools.cache
def _cipher(secret: str) -> AESSIV:
    if not secret:
        raise ImproperlyConfigured("KEDANG_FIELD_KEY is not set")
    key = HKDF(algorithm=hashes.SHA256(), length=64, salt=b"kedang", info=b"field-encryption-v1").derive(
        secret.encode()
    )
    return AESSIV(key)


def encrypt(value: str, purpose: str) -> str:
    token = _cipher(settings.KEDANG_FIELD_KEY).encrypt(value.encode(), [purpose.encode()])
    return PREFIX + base64.urlsafe_b64encode(token).decode().rstrip("=")


def decrypt(stored: str, purpose: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption was switched on
    raw = stored[len(PREFIX) :]
    token = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    try:
        return _cipher(settings.KEDANG_FIELD_KEY).decrypt(token, [purpose.encode()]).decode()
    except InvalidTag as exc:
        raise ImproperlyConfigured(
            "An encrypted field cannot be read with this KEDANG_FIELD_KEY (wrong key, or the value was altered)"
        ) from exc


class EncryptedCharField(models.CharField):
    """A CharField stored encrypted (see the module docstring); "" stays "" so that blank checks work.

    Only exact lookups make sense on a ciphertext: `contains`, `startswith`, ordering by value … are refused
    rather than silently wrong."""

    ALLOWED_LOOKUPS = frozenset({"exact", "in", "isnull"})

    def __init__(self, *args: Any, purpose: str = "", **kwargs: Any) -> None:
        self.purpose = purpose
        kwargs.setdefault("max_length", 64)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in self.ALLOWED_LOOKUPS:
            raise FieldError(f"{self.name} is encrypted: only exact lookups are possible, not {lookup_name}")
        return super().get_lookup(lookup_name)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not value:
            return value
        return decrypt(value, self.purpose)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value or value.startswith(PREFIX):
            return value
        return encrypt(value, self.purpose)


def encrypt_json(value: Any, purpose: str, *, encoder: type[json.JSONEncoder] | None = None) -> str:
    """`value` as JSON, encrypted with a random nonce (the last associated datum, RFC 5297 §3)."""
    nonce = os.urandom(NONCE_BYTES)
    plain = json.dumps(value, cls=encoder, ensure_ascii=False, separators=(",", ":")).encode()
    token = _cipher(settings.KEDANG_FIELD_KEY).encrypt(plain, [purpose.encode(), nonce])
    return JSON_PREFIX + base64.urlsafe_b64encode(nonce + token).decode().rstrip("=")


def is_encrypted_json(stored: Any) -> bool:
    return isinstance(stored, str) and stored.startswith(JSON_PREFIX)


def decrypt_json(stored: Any, purpose: str, *, decoder: type[json.JSONDecoder] | None = None) -> Any:
    if not is_encrypted_json(stored):
        return stored  # clear JSON, written before encryption was switched on
    raw = stored[len(JSON_PREFIX) :]
    blob = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    nonce, token = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
    try:
        plain = _cipher(settings.KEDANG_FIELD_KEY).decrypt(token, [purpose.encode(), nonce])
    except InvalidTag as exc:
        raise ImproperlyConfigured(
            "An encrypted field cannot be read with this KEDANG_FIELD_KEY (wrong key, or the value was altered)"
        ) from exc
    return json.loads(plain, cls=decoder)


class EncryptedJSONField(models.JSONField):
    """A JSONField stored encrypted with a random nonce (see the module docstring).

    Nothing can be looked up inside a ciphertext, and equal values have different ciphertexts: every
    lookup and key transform but `isnull` is refused rather than silently wrong."""

    ALLOWED_LOOKUPS = frozenset({"isnull"})

    def __init__(self, *args: Any, purpose: str = "", **kwargs: Any) -> None:
        self.purpose = purpose
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in self.ALLOWED_LOOKUPS:
            raise FieldError(f"{self.name} is encrypted: nothing can be looked up in it ({lookup_name})")
        return super().get_lookup(lookup_name)

    def get_transform(self, name: str) -> Any:
        raise FieldError(f"{self.name} is encrypted: nothing can be looked up in it ({name})")

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        value = super().from_db_value(value, expression, connection)
        return decrypt_json(value, self.purpose, decoder=self.decoder)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or is_encrypted_json(value):
            return value
        return encrypt_json(value, self.purpose, encoder=self.encoder)
