"""Tests for kedang.customers.validators (pure functions, no database).

Check characters are cross-checked against independent re-implementations
written here from the standards (GB 11643, GB 32100, ISO 3779), so the tests
do not merely compare the module with itself / with python-stdnum.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kedang.customers import validators as v

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DIGITS = "0123456789"
ID_CHECK_CHARS = DIGITS + "X"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # ISO 3779: no I, O, Q
VIN_CHECK_CHARS = DIGITS + "X"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # A–Z without I, O
PLATE_SERIAL = PLATE_LETTERS + DIGITS
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"


def error_code(func: Callable[[str], str], value: str) -> str | None:
    """Call ``func(value)``; return the ValidationError code, or None if it passed."""
    try:
        func(value)
    except ValidationError as exc:
        return exc.code
    return None


# ------------------------------------------------------ independent reference maths


def ref_id_check(first17: str) -> str:
    """GB 11643 / ISO 7064 MOD 11-2 with explicit weights 2**(17-i) mod 11."""
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    assert weights == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(first17, weights, strict=True))
    return "10X98765432"[total % 11]


def ref_uscc_check(first17: str) -> str:
    """GB 32100-2015: weights 3**i mod 31, check = 31 - (sum mod 31), 31 -> 0."""
    weights = [pow(3, i, 31) for i in range(17)]
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, weights, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def ref_vin_check(vin: str) -> str:
    """ISO 3779: transliteration = index in this table mod 10; weights 8..2,10,0,9..2."""
    table = "0123456789.ABCDEFGH..JKLMN.P.R..STUVWXYZ"
    weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
    total = sum((table.index(c) % 10) * w for c, w in zip(vin, weights, strict=True))
    r = total % 11
    return "X" if r == 10 else str(r)


# ------------------------------------------------------------------- strategies


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    region = draw(st.text(DIGITS, min_size=6, max_size=6))
    birth = draw(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date.today()))
    seq = draw(st.integers(0, 999))
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + ref_id_check(first17)


@st.composite
def usccs(draw: st.DrawFn) -> str:
    first17 = draw(st.text(USCC_CHARS, min_size=17, max_size=17))
    return first17 + ref_uscc_check(first17)


@st.composite
def vins(draw: st.DrawFn) -> str:
    chars = list(draw(st.text(VIN_CHARS, min_size=17, max_size=17)))
    chars[8] = ref_vin_check("".join(chars))
    return "".join(chars)


def _serial(size: int) -> st.SearchStrategy[str]:
    return st.text(PLATE_SERIAL, min_size=size, max_size=size)


def _digits(size: int) -> st.SearchStrategy[str]:
    return st.text(DIGITS, min_size=size, max_size=size)


_prefix = st.tuples(st.sampled_from(PROVINCES), st.sampled_from(PLATE_LETTERS)).map("".join)
ordinary_plates = st.tuples(_prefix, _serial(5)).map("".join)
special_plates = st.tuples(_prefix, _serial(4), st.sampled_from("挂学警港澳领试超")).map("".join)
small_new_energy_plates = st.tuples(_prefix, st.sampled_from("DF"), _serial(1), _digits(4)).map("".join)
large_new_energy_plates = st.tuples(_prefix, _digits(5), st.sampled_from("DF")).map("".join)
embassy_plates = _digits(6).map(lambda d: "使" + d)
valid_plates = st.one_of(
    ordinary_plates, special_plates, small_new_energy_plates, large_new_energy_plates, embassy_plates
)


# ------------------------------------------------------------------ ID numbers


def test_reference_check_char_matches_known_ids() -> None:
    assert ref_id_check("11010519491231002") == "X"
    assert ref_id_check("36042619910101007") == "1"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        (" 110105 19491231 002x ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),  # full-width IME input
        ("360426199101010071", "360426199101010071"),
    ],
)
def test_known_id_numbers(raw: str, expected: str) -> None:
    assert v.validate_id_number(raw) == expected


def test_id_birth_date_and_gender() -> None:
    assert v.id_number_birth_date("11010519491231002X") == datetime.date(1949, 12, 31)
    assert v.id_number_gender("11010519491231002X") == "F"  # 17th digit 2
    assert v.id_number_gender("360426199101010071") == "M"  # 17th digit 7
    with pytest.raises(ValueError):
        v.id_number_birth_date("110105199002300000")


@SETTINGS
@given(id_numbers())
def test_generated_id_numbers_pass_and_every_wrong_check_char_fails(number: str) -> None:
    assert v.id_number_check_char(number[:17]) == number[17]
    assert v.validate_id_number(number) == number
    assert v.validate_id_number(f"  {number.lower()}\t") == number
    assert v.id_number_birth_date(number) == datetime.date(
        int(number[6:10]), int(number[10:12]), int(number[12:14])
    )
    assert v.id_number_gender(number) == ("M" if int(number[16]) % 2 else "F")
    for wrong in ID_CHECK_CHARS.replace(number[17], ""):
        with pytest.raises(ValidationError) as info:
            v.validate_id_number(number[:17] + wrong)
        assert info.value.code == "id_number_checksum"
        assert f"应为 {number[17]}" in info.value.messages[0]


def _with_check(first17: str) -> str:
    return first17 + ref_id_check(first17)


@pytest.mark.parametrize(
    "date_part",
    ["19900230", "19900229", "19901301", "19900001", "19900100", "18991231", "20990101", "00000000"],
)
def test_id_number_impossible_dates_fail_even_with_correct_checksum(date_part: str) -> None:
    number = _with_check(f"110105{date_part}123")
    assert error_code(v.validate_id_number, number) == "id_number_date"


def test_id_number_future_birth_date_relative_to_today() -> None:
    today = datetime.date(2024, 6, 15)
    tomorrow = _with_check("11010520240616001")
    same_day = _with_check("11010520240615001")
    with pytest.raises(ValidationError) as info:
        v.validate_id_number(tomorrow, today=today)
    assert info.value.code == "id_number_date"
    assert v.validate_id_number(same_day, today=today) == same_day
    real_tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    assert (
        error_code(v.validate_id_number, _with_check(f"110105{real_tomorrow:%Y%m%d}001")) == "id_number_date"
    )


def test_id_number_leap_day_and_1900_boundary() -> None:
    assert v.validate_id_number(_with_check("11010520000229001"))
    assert v.validate_id_number(_with_check("11010519000101001"))
    assert error_code(v.validate_id_number, _with_check("11010519000229001")) == "id_number_date"


@SETTINGS
@given(
    st.integers(1900, 2020),
    st.one_of(
        st.tuples(st.integers(13, 99), st.integers(1, 28)),  # bad month
        st.tuples(st.just(0), st.integers(1, 28)),  # month 00
        st.tuples(st.integers(1, 12), st.integers(32, 99)),  # bad day
        st.tuples(st.integers(1, 12), st.just(0)),  # day 00
    ),
)
def test_id_number_generated_impossible_dates(year: int, month_day: tuple[int, int]) -> None:
    month, day = month_day
    number = _with_check(f"440300{year:04d}{month:02d}{day:02d}555")
    assert error_code(v.validate_id_number, number) == "id_number_date"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("110105491231002", "id_number_length"),  # first-generation 15-digit ID
        ("11010519491231002", "id_number_length"),
        ("11010519491231002X1", "id_number_length"),
        ("", "id_number_length"),
        ("1101051949123100XX", "id_number_chars"),
        ("X1010519491231002X", "id_number_chars"),
        ("11010519491231002Y", "id_number_chars"),
        ("11010519491231002-", "id_number_chars"),
        ("110105194912310021", "id_number_checksum"),
    ],
)
def test_id_number_errors(raw: str, code: str) -> None:
    assert error_code(v.validate_id_number, raw) == code


def test_id_number_15_digit_message_is_specific() -> None:
    with pytest.raises(ValidationError) as info:
        v.validate_id_number("110105491231002")
    assert "15位" in info.value.messages[0]


def test_id_number_region_code_not_checked() -> None:
    # 000000 / 999999 are not real regions; only structure + checksum are enforced.
    for region in ("000000", "999999"):
        number = _with_check(f"{region}19800101123")
        assert v.validate_id_number(number) == number


def test_normalize_id_number() -> None:
    assert v.normalize_id_number(" 11010519491231002x ") == "11010519491231002X"
    assert v.normalize_id_number("110105 1949 1231 002x") == "11010519491231002X"


# ------------------------------------------------------------------------- USCC


@pytest.mark.parametrize("code", ["91110000600037341L", "91350100M000100Y43", "91440300708461136T"])
def test_known_usccs(code: str) -> None:
    assert ref_uscc_check(code[:17]) == code[17]
    assert v.validate_uscc(code) == code
    assert v.validate_uscc(code.lower()) == code
    assert v.validate_uscc(f" {code[:2]} {code[2:8]}-{code[8:]} ") == code


def test_uscc_alphabet_constant() -> None:
    assert v.USCC_ALPHABET == USCC_CHARS


@SETTINGS
@given(usccs())
def test_generated_usccs_pass_and_every_wrong_check_char_fails(code: str) -> None:
    assert v.uscc_check_char(code[:17]) == code[17]
    assert v.validate_uscc(code) == code
    assert v.validate_uscc(f"  {code.lower()} ") == code
    for wrong in USCC_CHARS.replace(code[17], ""):
        with pytest.raises(ValidationError) as info:
            v.validate_uscc(code[:17] + wrong)
        assert info.value.code == "uscc_checksum"


def test_uscc_leading_letter_accepted() -> None:
    # stdnum.cn.uscc.validate demands 8 leading digits; GB 32100 allows e.g. N/Y authorities.
    code = "N2330106MA2B3C4D5"
    code += ref_uscc_check(code)
    assert v.validate_uscc(code) == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("91110000600037341", "uscc_length"),
        ("91110000600037341LL", "uscc_length"),
        ("", "uscc_length"),
        ("91110000600037341I", "uscc_chars"),
        ("9111000060003734OL", "uscc_chars"),
        ("91110000S00037341L", "uscc_chars"),
        ("91110000V00037341L", "uscc_chars"),
        ("91110000Z00037341L", "uscc_chars"),
        ("91110000600037341M", "uscc_checksum"),
    ],
)
def test_uscc_errors(raw: str, code: str) -> None:
    assert error_code(v.validate_uscc, raw) == code


# -------------------------------------------------------------------------- VIN


@pytest.mark.parametrize(
    "vin", ["1M8GDM9AXKP042788", "11111111111111111", "5GZCZ43D13S812715", "JHMCM56557C404453"]
)
def test_known_vins(vin: str) -> None:
    assert ref_vin_check(vin) == vin[8]
    assert v.vin_check_digit(vin) == vin[8]
    assert v.validate_vin(vin) == vin


def test_vin_check_digit_x() -> None:
    assert v.vin_check_digit("1M8GDM9AXKP042788") == "X"


def test_vin_without_check_digit_rejected() -> None:
    # A European-market VIN has no check digit (here 'Z'); China mandates one.
    assert error_code(v.validate_vin, "WP0ZZZ99ZTS392124") == "vin_checksum"


def test_vin_normalisation() -> None:
    assert v.validate_vin(" 1m8gdm9axkp042788 ") == "1M8GDM9AXKP042788"
    assert v.validate_vin("1M8-GDM9AX-KP042788") == "1M8GDM9AXKP042788"
    assert v.normalize_vin("1m8 gdm9ax-kp042788") == "1M8GDM9AXKP042788"


def test_vin_alphabet_constant() -> None:
    assert v.VIN_ALPHABET == VIN_CHARS


@SETTINGS
@given(vins())
def test_generated_vins_pass_and_every_wrong_check_digit_fails(vin: str) -> None:
    assert v.vin_check_digit(vin) == vin[8]
    assert v.validate_vin(vin) == vin
    assert v.validate_vin(f" {vin[:3].lower()}-{vin[3:9]} {vin[9:].lower()}  ") == vin
    for wrong in VIN_CHECK_CHARS.replace(vin[8], ""):
        with pytest.raises(ValidationError) as info:
            v.validate_vin(vin[:8] + wrong + vin[9:])
        assert info.value.code == "vin_checksum"
        assert f"应为 {vin[8]}" in info.value.messages[0]


@SETTINGS
@given(vins(), st.integers(0, 16), st.sampled_from("IOQ"))
def test_vin_with_i_o_q_fails_with_vin_chars(vin: str, pos: int, bad: str) -> None:
    corrupted = vin[:pos] + bad + vin[pos + 1 :]
    assert error_code(v.validate_vin, corrupted) == "vin_chars"
    assert error_code(v.validate_vin, corrupted.lower()) == "vin_chars"


@SETTINGS
@given(st.text(VIN_CHARS, max_size=30).filter(lambda s: len(s) != 17))
def test_vin_wrong_length(raw: str) -> None:
    assert error_code(v.validate_vin, raw) == "vin_length"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1M8GDM9AXKP04278", "vin_length"),
        ("1M8GDM9AXKP0427888", "vin_length"),
        ("", "vin_length"),
        ("1M8GDM9AXKP04278*", "vin_chars"),
        ("1M8GDM9AXKP04278京", "vin_chars"),
        ("1M8GDM9AIKP042788", "vin_chars"),
        ("1M8GDM9A1KP042788", "vin_checksum"),
        ("1M8GDM9AAKP042788", "vin_checksum"),  # position 9 must be 0-9 or X
    ],
)
def test_vin_errors(raw: str, code: str) -> None:
    assert error_code(v.validate_vin, raw) == code


def test_vin_check_digit_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        v.vin_check_digit("1M8GDM9AXKP04278")
    with pytest.raises(ValueError):
        v.vin_check_digit("1M8GDM9AXKP04278O")


# ------------------------------------------------------------------------ plates


def test_provinces_constant() -> None:
    assert v.PROVINCES == PROVINCES
    assert len(set(v.PROVINCES)) == len(v.PROVINCES) == 31


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("京A12345", "京A12345"),
        ("京a·12345", "京A12345"),
        ("京A•12345", "京A12345"),
        ("京A・12345", "京A12345"),
        ("京A.12345", "京A12345"),
        ("京A-12345", "京A12345"),
        (" 京 A 123 45 ", "京A12345"),
        ("京Ａ１２３４５", "京A12345"),  # full-width
        ("京AB123C", "京AB123C"),
        ("沪AD12345", "沪AD12345"),
        ("沪ad·12345", "沪AD12345"),
        ("京AFA1234", "京AFA1234"),
        ("粤BA12345", "粤BA12345"),  # extension letters for pure-electric small vehicles
        ("粤B12345D", "粤B12345D"),
        ("粤B12345F", "粤B12345F"),
        ("京A1234学", "京A1234学"),
        ("粤Z1234港", "粤Z1234港"),
        ("粤Z·1234澳", "粤Z1234澳"),
        ("沪A1234领", "沪A1234领"),
        ("京A1234挂", "京A1234挂"),
        ("使014578", "使014578"),
    ],
)
def test_valid_plates(raw: str, expected: str) -> None:
    assert v.validate_plate(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "A12345",
        "京12345",
        "京AI2345",  # I never used
        "京AO2345",  # O never used
        "京IA2345",
        "京A1234",  # too short
        "京A123456",  # 6 digits: neither ordinary nor new-energy
        "京AD1234A",  # small new-energy: last 4 must be digits
        "京AF1A234",  # idem
        "京A1234D5",
        "京A12345X",  # large new-energy must end in D/F
        "京A12345学",  # special-use plates have 4 serial chars
        "京A1234甲",
        "使01457",
        "京A\u0661\u0662\u0663\u0664\u0665D",  # Arabic-Indic digits are not plate digits
        "使\u0660\u0661\u0664\u0665\u0667\u0668",
        "港A12345",
        "",
        "京",
    ],
)
def test_invalid_plates(raw: str) -> None:
    assert error_code(v.validate_plate, raw) == "plate_format"


@SETTINGS
@given(valid_plates)
def test_generated_plates_pass(plate: str) -> None:
    assert v.validate_plate(plate) == plate


@SETTINGS
@given(
    st.one_of(ordinary_plates, small_new_energy_plates, large_new_energy_plates),
    st.sampled_from(["·", "•", "・", ".", "-", " ", "\u2027", "\u22c5", "\uff65", ""]),
)
def test_decorated_plates_normalise(plate: str, sep: str) -> None:
    decorated = f" {plate[:2].lower()}{sep}{plate[2:].lower()} "
    assert v.normalize_plate(decorated) == plate
    assert v.validate_plate(decorated) == plate


@SETTINGS
@given(st.text(PROVINCES + PLATE_SERIAL + "abcdefghijklmnopqrstuvwxyzIO使挂学·•・.- \t\u3000ＡＢ１２"))
def test_normalize_plate_idempotent_on_plate_like_text(raw: str) -> None:
    once = v.normalize_plate(raw)
    assert v.normalize_plate(once) == once
    assert once == once.upper()
    assert not any(ch in once for ch in "·•・.- \t\u3000")


@SETTINGS
@given(st.text())
def test_normalize_plate_idempotent_on_any_text(raw: str) -> None:
    once = v.normalize_plate(raw)
    assert v.normalize_plate(once) == once


@SETTINGS
@given(ordinary_plates, st.integers(2, 6), st.sampled_from("IO"))
def test_plates_with_i_or_o_fail(plate: str, pos: int, bad: str) -> None:
    assert error_code(v.validate_plate, plate[:pos] + bad + plate[pos + 1 :]) == "plate_format"


# ------------------------------------------------------------------------ phones


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("0086-138-1234-5678", "13812345678"),
        ("86 13812345678", "13812345678"),
        ("(+86)13812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits
        ("010-12345678", "01012345678"),
        ("010 8765 4321", "01087654321"),
        ("(0755)8765432", "07558765432"),
        ("（0755）8765－4321", "075587654321"),
        ("0755-87654321", "075587654321"),
        ("+86 755 8765 4321", "075587654321"),
        ("+86 10 87654321", "01087654321"),
        ("87654321", "87654321"),
        ("8765-432", "8765432"),
        ("4008123456", "4008123456"),
        ("400-812-3456", "4008123456"),
        ("800 810 8888", "8008108888"),
    ],
)
def test_valid_phones(raw: str, expected: str) -> None:
    assert v.validate_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "12345",
        "23812345678",
        "0101234",
        "12812345678",  # 12x is not a mobile prefix
        "1381234567",
        "138123456789",
        "01234567",  # local number may not start with 0 ...
        "1234567",  # ... or 1
        "010-12345678转123",  # extensions are rejected, see validate_phone docstring
        "010-12345678 ext 12",
        "010-12345678#12",
        "010-12345678-123",
        "0755-8765432-1",
        "138 1234 5678 abc",
        "138-1234-5678@",
        "",
        "   ",
        "+1 415 555 2671",
        "\u0661\u0663\u0668\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668",  # Arabic-Indic digits
    ],
)
def test_invalid_phones(raw: str) -> None:
    assert error_code(v.validate_phone, raw) == "phone_format"


def test_phone_extension_message() -> None:
    with pytest.raises(ValidationError) as info:
        v.validate_phone("010-12345678-123")
    assert "分机" in info.value.messages[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+86 138 1234 5678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("010-12345678", "01012345678"),
        ("86-10-12345678", "861012345678"),  # not a mobile after 86: kept as digits
        ("abc", ""),
    ],
)
def test_normalize_phone(raw: str, expected: str) -> None:
    assert v.normalize_phone(raw) == expected


mobiles = st.tuples(st.sampled_from("3456789"), _digits(9)).map(lambda t: "1" + t[0] + t[1])


@SETTINGS
@given(
    mobiles, st.sampled_from(["", "+86 ", "+86-", "0086 ", "86", "(+86) "]), st.sampled_from(["", " ", "-"])
)
def test_generated_mobiles(mobile: str, prefix: str, sep: str) -> None:
    formatted = prefix + mobile[:3] + sep + mobile[3:7] + sep + mobile[7:]
    assert v.is_mobile(mobile)
    assert v.normalize_phone(formatted) == mobile
    assert v.validate_phone(formatted) == mobile


@SETTINGS
@given(st.text())
def test_normalize_phone_idempotent_and_digits_only(raw: str) -> None:
    once = v.normalize_phone(raw)
    assert v.normalize_phone(once) == once
    assert all(ch in DIGITS for ch in once)


@SETTINGS
@given(st.text(max_size=30))
def test_validate_phone_never_crashes_and_returns_digits(raw: str) -> None:
    try:
        result = v.validate_phone(raw)
    except ValidationError as exc:
        assert exc.code == "phone_format"
    else:
        assert result.isascii() and result.isdigit()
        assert v.validate_phone(result) == result


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", True),
        ("19912345678", True),
        ("12812345678", False),
        ("1381234567", False),
        ("01012345678", False),
    ],
)
def test_is_mobile(value: str, expected: bool) -> None:
    assert v.is_mobile(value) is expected


# ------------------------------------------------- robustness of the other validators


@SETTINGS
@given(st.text(max_size=25))
def test_validators_only_raise_validation_error(raw: str) -> None:
    for func, prefix in (
        (v.validate_id_number, "id_number_"),
        (v.validate_uscc, "uscc_"),
        (v.validate_vin, "vin_"),
        (v.validate_plate, "plate_"),
    ):
        code = error_code(func, raw)
        assert code is None or code.startswith(prefix)
