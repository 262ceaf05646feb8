"""Pure validators / normalisers for Chinese customer-archive identifiers.

Every ``validate_*`` function takes the raw user input, returns the
*normalised* value on success and raises
:class:`django.core.exceptions.ValidationError` (Chinese message, stable
English ``code``) on failure.  No database access, no settings access; field
names are added by the callers.

Error codes
-----------
* phone:      ``phone_format``
* ID number:  ``id_number_length``, ``id_number_chars``, ``id_number_date``,
  ``id_number_checksum``
* USCC:       ``uscc_length``, ``uscc_chars``, ``uscc_checksum``
* VIN:        ``vin_length``, ``vin_chars``, ``vin_checksum``
* plate:      ``plate_format``
* name:       ``name_control``, ``name_bidi``, ``name_invisible``
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import Final

from django.core.exceptions import ValidationError
from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc

__all__ = [
    "PLATE_LETTERS",
    "PLATE_SERIAL_CHARS",
    "PLATE_SUFFIXES",
    "PROVINCES",
    "USCC_ALPHABET",
    "VIN_ALPHABET",
    "id_number_birth_date",
    "id_number_check_char",
    "id_number_gender",
    "is_mobile",
    "normalize_id_number",
    "normalize_phone",
    "normalize_plate",
    "normalize_uscc",
    "normalize_vin",
    "uscc_check_char",
    "validate_id_number",
    "validate_name",
    "validate_phone",
    "validate_plate",
    "validate_uscc",
    "validate_vin",
    "vin_check_digit",
]


def _nfkc(value: str) -> str:
    """Fold full-width digits/letters/punctuation (common in Chinese IMEs) to ASCII."""
    return unicodedata.normalize("NFKC", value)


def _strip_whitespace(value: str) -> str:
    return "".join(value.split())


# --------------------------------------------------------------------------- names

# Bidirectional embeddings, overrides and isolates (and the marks): they reorder what is shown after them,
# so a name could display as something else than it is (U+202E: "客户\u202eabc" reads "客户cba").
BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# What shows nothing by itself: format characters (zero-width space/joiners, BOM, word joiner…), spaces,
# line/paragraph separators, combining marks.
_INVISIBLE_CATEGORIES: Final = frozenset({"Cf", "Zs", "Zl", "Zp", "Mn", "Me", "Cc"})


def validate_name(value: str) -> str:
    """A customer's or a contact's name: surrounding white space removed; refused if it holds a control
    character (NUL, line breaks, tabs, DEL and C1 controls, lone surrogates), a bidi override/isolate, or
    shows nothing at all (zero-width characters only). Emptiness and length are the caller's."""
    text = value.strip()
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs"):
            raise ValidationError(f"名称不能含控制字符（U+{ord(ch):04X}）", code="name_control")
        if ch in BIDI_CONTROLS:
            raise ValidationError(f"名称不能含文字方向控制符（U+{ord(ch):04X}）", code="name_bidi")
    if text and all(unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in text):
        raise ValidationError("名称不能只含不可见字符", code="name_invisible")
    return text


# --------------------------------------------------------------------------- phones

_MOBILE_RE: Final = re.compile(r"1[3-9]\d{9}", re.ASCII)
_SERVICE_RE: Final = re.compile(r"[48]00\d{7}", re.ASCII)
_LOCAL_RE: Final = re.compile(r"[2-9]\d{6,7}", re.ASCII)
_LOCAL_AFTER_AREA_RE: Final = re.compile(r"[1-9]\d{6,7}", re.ASCII)
_PHONE_CHARS_RE: Final = re.compile(r"[0-9\s()\-]+")
_COUNTRY_PREFIX_RE: Final = re.compile(r"^\(?\s*(?:\+|00)\s*86\s*\)?[\s\-]*")
_EXTENSION_MARK_RE: Final = re.compile(r"转|分机|ext|[x#]", re.IGNORECASE)

_PHONE_FORMAT_MSG: Final = (
    "电话号码格式不正确：应为11位手机号、带区号的固定电话、7–8位本地固话或400/800服务号码"
)
_PHONE_EXTENSION_MSG: Final = "暂不支持分机号，请只填写总机号码（分机号可写在备注中）"


def normalize_phone(value: str) -> str:
    """Keep ASCII digits only; drop a +86 / 0086 / 86 prefix in front of an 11-digit mobile."""
    digits = "".join(ch for ch in _nfkc(value) if "0" <= ch <= "9")
    for prefix in ("0086", "86"):
        rest = digits[len(prefix) :]
        if digits.startswith(prefix) and _MOBILE_RE.fullmatch(rest):
            return rest
    return digits


def is_mobile(value_norm: str) -> bool:
    """True if ``value_norm`` (digits only) is a mainland mobile number (1[3-9] + 9 digits)."""
    return _MOBILE_RE.fullmatch(value_norm) is not None


def _area_code_length(digits: str) -> int:
    """Length (with trunk 0) of the area code of a landline starting with 0.

    China's numbering plan: 010 and 02X are 3 characters, everything else
    (03XX–09XX) is 4 characters.
    """
    return 3 if digits[1:2] in ("1", "2") else 4


def _local_groups_ok(groups: list[str]) -> bool:
    """A local number may be written in one piece or split once (e.g. ``8765 4321``)."""
    if len(groups) == 1:
        return True
    return len(groups) == 2 and len(groups[0]) >= 3 and len(groups[1]) >= 3


def _classify_phone(digits: str, groups: list[str]) -> str | None:
    """Return the normalised number if ``digits`` (split as ``groups``) is acceptable."""
    if _MOBILE_RE.fullmatch(digits) or _SERVICE_RE.fullmatch(digits):
        # Free grouping (138 1234 5678, 400-812-3456), but no dangling 1–2 digit tail.
        return digits if len(groups) == 1 or len(groups[-1]) >= 3 else None
    if digits.startswith("0"):
        area_len = _area_code_length(digits)
        area, local = digits[:area_len], digits[area_len:]
        if not _LOCAL_AFTER_AREA_RE.fullmatch(local):
            return None
        if len(groups) == 1:
            return digits
        # When separated, the first group must be exactly the area code.
        if groups[0] != area or not _local_groups_ok(groups[1:]):
            return None
        return digits
    if _LOCAL_RE.fullmatch(digits) and _local_groups_ok(groups):
        return digits
    return None


def validate_phone(value: str) -> str:
    """Validate a mainland phone number and return it as digits only.

    Accepted: mobiles (``13812345678``, ``+86 138 1234 5678``), landlines with
    area code (``010-12345678``, ``(0755)8765432``, ``+86 755 8765 4321``),
    local landlines without area code (7–8 digits not starting with 0/1) and
    400/800 service numbers.  Separators ``-``, space and parentheses are
    allowed; full-width characters are folded.

    Extensions (``转123``, ``ext 12``, ``#12``, ``010-12345678-123``) are
    rejected rather than silently dropped or merged into the number: the
    normalised value is digits only and cannot represent an extension, and
    gluing the extension digits on could turn a 7-digit local number into a
    different, plausible-looking 8-digit one.
    """
    text = _nfkc(value).strip()
    if not text:
        raise ValidationError("请填写电话号码", code="phone_format")
    if _EXTENSION_MARK_RE.search(text):
        raise ValidationError(_PHONE_EXTENSION_MSG, code="phone_format")
    international = False
    match = _COUNTRY_PREFIX_RE.match(text)
    if match:
        international = True
        text = text[match.end() :]
    if not _PHONE_CHARS_RE.fullmatch(text):
        raise ValidationError("电话号码只能包含数字、空格、“-”、括号和开头的“+86”", code="phone_format")
    groups = re.findall(r"[0-9]+", text)
    digits = "".join(groups)
    if not digits:
        raise ValidationError(_PHONE_FORMAT_MSG, code="phone_format")

    if international:
        # +86 755 87654321: the domestic trunk prefix 0 is omitted after +86.
        if not (is_mobile(digits) or _SERVICE_RE.fullmatch(digits) or digits.startswith("0")):
            digits = "0" + digits
            groups = ["0" + groups[0], *groups[1:]]
    elif digits.startswith("86") and len(digits) == 13 and is_mobile(digits[2:]):
        # "86 13812345678" / "8613812345678" without the plus sign.
        digits = digits[2:]
        groups = [groups[0][2:], *groups[1:]] if len(groups[0]) > 2 else groups[1:]

    result = _classify_phone(digits, groups)
    if result is not None:
        return result
    # A trailing short group after an otherwise valid number looks like an extension.
    if len(groups) > 1 and len(groups[-1]) <= 5:
        if _classify_phone("".join(groups[:-1]), groups[:-1]) is not None:
            raise ValidationError(_PHONE_EXTENSION_MSG, code="phone_format")
    raise ValidationError(_PHONE_FORMAT_MSG, code="phone_format")


# --------------------------------------------------------------------- ID numbers

_ID_MIN_BIRTH_DATE: Final = datetime.date(1900, 1, 1)
_ID_BODY_RE: Final = re.compile(r"[0-9]{17}[0-9X]")


def normalize_id_number(value: str) -> str:
    """Fold full-width characters, remove all whitespace and upper-case the trailing x."""
    return _strip_whitespace(_nfkc(value)).upper()


def id_number_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character ('0'–'9' or 'X') for the first 17 digits."""
    if not (len(first17) == 17 and first17.isascii() and first17.isdigit()):
        raise ValueError("expected 17 ASCII digits")
    # stdnum's implementation ignores the last character of its argument.
    return _ric.calc_check_digit(first17 + "0")


def id_number_birth_date(value_norm: str) -> datetime.date:
    """Birth date encoded in characters 7–14 (YYYYMMDD); raises ``ValueError`` if impossible."""
    text = value_norm[6:14]
    if not (len(text) == 8 and text.isascii() and text.isdigit()):
        raise ValueError(f"invalid birth date field {text!r}")
    return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def id_number_gender(value_norm: str) -> str:
    """``"M"`` if the 17th digit (sequence code) is odd, otherwise ``"F"``."""
    return "M" if int(value_norm[16]) % 2 else "F"


def validate_id_number(value: str, *, today: datetime.date | None = None) -> str:
    """Validate an 18-character resident ID number (GB 11643-1999) and return it normalised.

    Checks, in order: length (15-digit first-generation IDs are rejected),
    characters, birth date (real date, 1900-01-01 ≤ date ≤ ``today``) and the
    MOD 11-2 check character.  The 6-digit region code is intentionally not
    checked against a region table (tables go stale, old codes stay valid).
    """
    number = normalize_id_number(value)
    if len(number) == 15 and number.isascii() and number.isdigit():
        raise ValidationError("不支持15位旧版身份证号，请填写18位第二代身份证号", code="id_number_length")
    if len(number) != 18:
        raise ValidationError(f"身份证号必须为18位（当前{len(number)}位）", code="id_number_length")
    if not (number.isascii() and _ID_BODY_RE.fullmatch(number)):
        raise ValidationError("身份证号前17位必须为数字，最后一位为数字或X", code="id_number_chars")

    raw_date = number[6:14]
    try:
        birth = id_number_birth_date(number)
    except ValueError:
        raise ValidationError(
            f"身份证号中的出生日期 {raw_date} 不是有效日期", code="id_number_date"
        ) from None
    if birth < _ID_MIN_BIRTH_DATE:
        raise ValidationError(f"身份证号中的出生日期 {raw_date} 早于1900年", code="id_number_date")
    if birth > (today or datetime.date.today()):
        raise ValidationError(f"身份证号中的出生日期 {raw_date} 晚于今天", code="id_number_date")

    expected = id_number_check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(f"身份证号校验码错误，应为 {expected}", code="id_number_checksum")
    return number


# ---------------------------------------------------------------------------- USCC

#: GB 32100-2015 character set: digits and upper-case letters except I, O, S, V, Z.
USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def normalize_uscc(value: str) -> str:
    """Fold full-width characters, remove whitespace and hyphens, upper-case."""
    return _strip_whitespace(_nfkc(value)).replace("-", "").upper()


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character (MOD 31, weights 3**i mod 31) for 17 USCC characters."""
    if len(first17) != 17 or any(ch not in USCC_ALPHABET for ch in first17):
        raise ValueError("expected 17 characters from the USCC alphabet")
    return _uscc.calc_check_digit(first17)


def validate_uscc(value: str) -> str:
    """Validate a Unified Social Credit Code (统一社会信用代码) and return it normalised.

    Only length, character set and the check character are verified; the
    registration-authority / entity-type / region parts are not checked
    (stdnum's ``validate`` insists on 8 leading digits, which rejects real
    codes starting with letters such as ``N`` or ``Y``).
    """
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(f"统一社会信用代码必须为18位（当前{len(code)}位）", code="uscc_length")
    if any(ch not in USCC_ALPHABET for ch in code):
        raise ValidationError(
            "统一社会信用代码只能包含数字和大写字母（不含 I、O、S、V、Z）", code="uscc_chars"
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(f"统一社会信用代码校验码错误，应为 {expected}", code="uscc_checksum")
    return code


# ----------------------------------------------------------------------------- VIN

#: Characters allowed in a VIN (ISO 3779): digits and letters except I, O, Q.
VIN_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"

_VIN_TRANSLITERATION: Final[dict[str, int]] = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS: Final = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def normalize_vin(value: str) -> str:
    """Fold full-width characters, upper-case, remove whitespace and hyphens."""
    return _strip_whitespace(_nfkc(value)).replace("-", "").upper()


def vin_check_digit(vin17: str) -> str:
    """ISO 3779 / GB 16735 check digit ('0'–'9' or 'X') for a 17-character VIN.

    Position 9 (the check digit itself) has weight 0, so its current value is
    irrelevant.  Raises ``ValueError`` on a wrong length or disallowed character.
    """
    if len(vin17) != 17:
        raise ValueError("expected 17 characters")
    try:
        total = sum(_VIN_TRANSLITERATION[ch] * w for ch, w in zip(vin17, _VIN_WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"invalid VIN character {exc.args[0]!r}") from None
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def validate_vin(value: str) -> str:
    """Validate a 17-character VIN including the position-9 check digit (mandatory in China)."""
    vin = normalize_vin(value)
    if len(vin) != 17:
        raise ValidationError(f"车架号必须为17位（当前{len(vin)}位）", code="vin_length")
    bad = sorted({ch for ch in vin if ch not in VIN_ALPHABET})
    if bad:
        if set(bad) <= {"I", "O", "Q"}:
            message = f"车架号不能包含字母 {'、'.join(bad)}（I、O、Q 不用于车架号）"
        else:
            message = "车架号只能包含数字和字母（不含 I、O、Q）"
        raise ValidationError(message, code="vin_chars")
    expected = vin_check_digit(vin)
    if vin[8] != expected:
        raise ValidationError(f"车架号校验位（第9位）错误，应为 {expected}", code="vin_checksum")
    return vin


# -------------------------------------------------------------------------- plates

#: Province-level abbreviations used as the first character of a plate.
PROVINCES: Final = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
#: Issuing-authority letters (position 2) and serial letters: A–Z without I and O.
PLATE_LETTERS: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ"
PLATE_SERIAL_CHARS: Final = PLATE_LETTERS + "0123456789"
#: Special-use suffix characters (trailer, driving school, police, HK, Macau, consulate, test, over-limit).
PLATE_SUFFIXES: Final = "挂学警港澳领试超"

# Spaces are removed separately; these are the dots/dashes people type between parts.
_PLATE_SEPARATORS: Final = frozenset(
    ".-_"
    "\u00b7\u0387\u2022\u2027\u2219\u22c5\u30fb\uff65\u2e31\ua78f\u16eb\u1427\u2981\u25cf"
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
)

_P = f"[{PROVINCES}]"
_L = "[A-HJ-NP-Z]"
_S = "[A-HJ-NP-Z0-9]"
_PLATE_RE: Final = re.compile(
    "|".join(
        (
            f"{_P}{_L}{_S}{{5}}",  # ordinary: 京A12345, 京AB123C
            f"{_P}{_L}{_S}{{4}}[{PLATE_SUFFIXES}]",  # special use: 京A1234学, 粤Z1234港
            f"{_P}{_L}[A-HJK]{_S}[0-9]{{4}}",  # small new-energy: 京AD12345, 沪AFA1234
            f"{_P}{_L}[0-9]{{5}}[DF]",  # large new-energy: 粤B12345D
            "使[0-9]{6}",  # embassy: 使014578
        )
    )
)


def _plate_pass(text: str) -> str:
    text = _strip_whitespace(_nfkc(text)).upper()
    return "".join(ch for ch in text if ch not in _PLATE_SEPARATORS)


def normalize_plate(value: str) -> str:
    """Fold full-width characters, upper-case, drop spaces, dots (any middle dot) and dashes.

    Idempotent: the pass is repeated until stable, because removing a
    separator can leave a combining mark that NFKC then composes.
    """
    text = _plate_pass(value)
    for _ in range(5):  # plate-like input is stable after one pass; odd Unicode needs 2
        again = _plate_pass(text)
        if again == text:
            break
        text = again
    return text


def validate_plate(value: str) -> str:
    """Validate a mainland licence plate and return it normalised (e.g. ``京A12345``).

    Accepted forms (letters I and O never occur after the province):

    * ordinary: province + authority letter + 5 letters/digits (``京A12345``);
    * special use: province + letter + 4 letters/digits + 挂/学/警/港/澳/领/试/超
      (``京A1234学``; these plates have 4 serial characters before the suffix);
    * small new-energy (GA 36-2018): province + letter + D/F (or the extension
      letters A/B/C/E, G/H/J/K) + letter/digit + 4 digits (``沪AD12345``);
    * large new-energy: province + letter + 5 digits + D/F (``粤B12345D``);
    * embassy: 使 + 6 digits (``使014578``).

    Military and armed-police (WJ) plates are not accepted.
    """
    plate = normalize_plate(value)
    if _PLATE_RE.fullmatch(plate):
        return plate
    if not plate:
        message = "请填写车牌号"
    elif plate[0] not in PROVINCES and plate[0] != "使":
        message = "车牌号第一位必须是省份简称（如 京、沪、粤）"
    elif plate[0] != "使" and (len(plate) < 2 or plate[1] not in PLATE_LETTERS):
        message = "车牌号第二位必须是发牌机关字母（A–Z，不含 I、O）"
    else:
        message = "车牌号格式不正确，例如：京A12345、京AD12345（新能源）、粤B12345D、京A1234学"
    raise ValidationError(message, code="plate_format")
