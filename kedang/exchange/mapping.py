"""Which column is which field, and how a cell becomes a field value.

`guess_mapping(headers)` reads Chinese or English headers (姓名/客户名称/name, 手机/电话, 身份证号,
车牌号, 车架号/VIN, 提车日期, …). `parse_cell(field, value)` turns a cell into the value the services
take, reading dates the way Chinese spreadsheets write them (2026-03-01, 2026/3/1, 2026年3月1日,
20260301, Excel serial numbers); it raises ValidationError with a code and a Chinese message.
Identifier checks are the customers app's validators, not a copy of them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kedang.customers import validators as v
from kedang.customers.models import CustomerKind, Tier
from kedang.web.fields import parse_cn_date

from .reading import Cell, cell_text, is_blank

# The column the error workbook adds; ignored when the fixed workbook is imported again.
ERROR_COLUMN = "错误原因"


@dataclass(frozen=True)
class FieldSpec:
    code: str  # customer.name, vehicle.vin, event.date …
    label: Any  # lazy Chinese label
    parse: str  # text | phone | id_number | uscc | vin | plate | date | bool | kind | gender | tier | int | money
    synonyms: tuple[str, ...]

    @property
    def target(self) -> str:
        return self.code.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.code.split(".", 1)[1]


def _spec(code: str, label: Any, parse: str, synonyms: str) -> FieldSpec:
    return FieldSpec(code, label, parse, tuple(synonyms.split("|")))


FIELDS: tuple[FieldSpec, ...] = (
    _spec(
        "customer.name",
        _("客户名称"),
        "text",
        "姓名|客户名称|客户姓名|名称|客户|车主|车主姓名|单位名称|公司名称|企业名称|name|customer|customername|fullname",
    ),
    _spec(
        "customer.kind", _("客户类型"), "kind", "客户类型|类型|客户类别|类别|个人/单位|kind|type|customertype"
    ),
    _spec(
        "customer.phone",
        _("手机/电话"),
        "phone",
        "手机|手机号|手机号码|电话|联系电话|电话号码|移动电话|联系方式|车主电话|phone|mobile|tel|telephone|mobilephone",
    ),
    _spec(
        "customer.phone2",
        _("备用电话"),
        "phone",
        "备用电话|固定电话|座机|电话2|其他电话|办公电话|phone2|landline",
    ),
    _spec(
        "customer.id_number",
        _("身份证号"),
        "id_number",
        "身份证号|身份证|身份证号码|证件号码|证件号|居民身份证|idnumber|idno|idcard",
    ),
    _spec(
        "customer.uscc",
        _("统一社会信用代码"),
        "uscc",
        "统一社会信用代码|信用代码|社会信用代码|营业执照号|uscc|creditcode",
    ),
    _spec("customer.gender", _("性别"), "gender", "性别|gender|sex"),
    _spec(
        "customer.birthday", _("出生日期"), "date", "出生日期|生日|出生年月日|birthday|birthdate|dateofbirth"
    ),
    _spec(
        "customer.birthday_is_lunar",
        _("过农历生日"),
        "bool",
        "过农历生日|农历生日|是否农历|lunar|lunarbirthday",
    ),
    _spec(
        "customer.address",
        _("地址"),
        "text",
        "地址|住址|联系地址|通讯地址|家庭住址|单位地址|address",
    ),
    _spec("customer.email", _("电子邮箱"), "text", "电子邮箱|邮箱|电子邮件|email|e-mail|mail"),
    _spec(
        "customer.legal_representative",
        _("法定代表人"),
        "text",
        "法定代表人|法人|法人代表|legalrepresentative",
    ),
    _spec(
        "customer.owner",
        _("客户经理"),
        "text",
        "客户经理|客户经理用户名|业务员|销售顾问|负责人|owner|accountmanager",
    ),
    _spec("customer.tier", _("等级"), "tier", "等级|客户等级|级别|客户级别|tier|level|grade"),
    _spec("customer.tags", _("标签"), "text", "标签|tags|tag"),
    _spec("customer.source", _("来源"), "text", "来源|客户来源|source|channel"),
    _spec("customer.since", _("建立关系日期"), "date", "建立关系日期|首次来店日期|入会日期|since"),
    _spec("customer.notes", _("备注"), "text", "备注|说明|客户备注|notes|note|remarks|remark|comments"),
    _spec("customer.market_area", _("市场区域"), "text", "市场区域|区域|marketarea|region"),
    _spec("customer.business_scope", _("经营范围"), "text", "经营范围|businessscope"),
    _spec("customer.capacity", _("规模/产能"), "text", "规模/产能|规模|产能|capacity"),
    _spec("customer.credit_rating", _("信用等级"), "text", "信用等级|信用|creditrating"),
    _spec(
        "vehicle.vin",
        _("车架号"),
        "vin",
        "车架号|vin|vin码|车辆识别代号|车辆识别号|车辆识别码|底盘号|车架号码|vinno",
    ),
    _spec("vehicle.plate", _("车牌号"), "plate", "车牌号|车牌|车牌号码|号牌号码|plate|plateno|licenseplate"),
    _spec("vehicle.model", _("车型"), "text", "车型|车辆型号|品牌车型|车系|model|carmodel"),
    _spec("vehicle.color", _("颜色"), "text", "颜色|车身颜色|color|colour"),
    _spec(
        "vehicle.delivery_date",
        _("提车日期"),
        "date",
        "提车日期|交车日期|交付日期|购车日期|提车时间|deliverydate|delivery",
    ),
    _spec("vehicle.invoice_date", _("开票日期"), "date", "开票日期|发票日期|invoicedate"),
    _spec(
        "vehicle.via_secondary_dealer",
        _("二级网点销售"),
        "bool",
        "二级网点销售|二级网点|二网|是否二网|viasecondarydealer|secondarydealer",
    ),
    _spec(
        "vehicle.insurance_expiry", _("保险到期"), "date", "保险到期|保险到期日|保险到期日期|insuranceexpiry"
    ),
    _spec("vehicle.inspection_due", _("年检到期"), "date", "年检到期|年审到期|年检日期|inspectiondue"),
    _spec(
        "vehicle.maintenance_cycle_months",
        _("保养周期（月）"),
        "int",
        "保养周期（月）|保养周期|保养周期(月)|maintenancecycle|maintenancecyclemonths",
    ),
    _spec("vehicle.maintenance_due", _("下次保养"), "date", "下次保养|下次保养日期|maintenancedue"),
    _spec(
        "event.kind",
        _("服务类型"),
        "event_kind",
        "服务类型|事件类型|业务类型|服务项目类型|eventkind|eventtype",
    ),
    _spec(
        "event.date",
        _("服务日期"),
        "date",
        "服务日期|维修日期|进厂日期|来店日期|事件日期|eventdate|servicedate",
    ),
    _spec("event.amount", _("金额"), "money", "金额|维修金额|结算金额|服务金额|amount"),
    _spec("event.accident", _("事故车"), "bool", "事故车|是否事故车|accident"),
    _spec("event.notes", _("服务内容"), "text", "服务内容|维修项目|服务说明|eventnotes|servicenotes"),
)
FIELDS_BY_CODE = {f.code: f for f in FIELDS}

_HEADER_NOISE = re.compile(r"[\s*＊:：_\-]+")
_PAREN = re.compile(r"[（(][^）)]*[）)]")


def header_key(text: str) -> str:
    """How headers are compared: folded width, lower case, no spaces, stars or trailing （说明）."""
    text = unicodedata.normalize("NFKC", text or "").strip().lower()
    return _HEADER_NOISE.sub("", text)


def _synonym_keys(spec: FieldSpec) -> list[str]:
    return [header_key(s) for s in spec.synonyms]


def guess_mapping(headers: list[str]) -> dict[int, str]:
    """Column index → field code, for the headers that name a known field (each field used once).

    Exact names first (with and without a parenthesised note such as 保养周期（月）), then headers that
    contain a field's name (联系电话（手机） → phone)."""
    keys = [header_key(h) for h in headers]
    bare = [header_key(_PAREN.sub("", h or "")) for h in headers]
    mapping: dict[int, str] = {}
    used: set[str] = set()

    def take(i: int, code: str) -> None:
        mapping[i] = code
        used.add(code)

    for i, (key, plain) in enumerate(zip(keys, bare, strict=True)):
        if not key or key == header_key(ERROR_COLUMN):
            continue
        for spec in FIELDS:
            if spec.code not in used and (key in _synonym_keys(spec) or plain in _synonym_keys(spec)):
                take(i, spec.code)
                break
    for i, key in enumerate(keys):
        if i in mapping or not key or key == header_key(ERROR_COLUMN):
            continue
        for spec in FIELDS:
            if spec.code in used:
                continue
            if any(len(s) >= 2 and s in key and not s.isascii() for s in _synonym_keys(spec)):
                take(i, spec.code)
                break
    return mapping


# ---------------------------------------------------------------- cell parsers


def _err(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME_TAIL = re.compile(r"^(\S+)[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def parse_date(value: Cell) -> dt.date:
    """A date cell: a real date, an Excel serial number, or text in the usual Chinese spellings."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise _err("不是日期", "invalid_date")
    if isinstance(value, int | float):
        return _from_serial(float(value))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    m = _DATETIME_TAIL.match(text)
    if m:
        text = m.group(1)
    try:
        parsed = parse_cn_date(text)
        if parsed is None:
            c = _COMPACT_DATE.match(text)
            if c:
                parsed = dt.date(int(c.group(1)), int(c.group(2)), int(c.group(3)))
    except ValueError:
        raise _err(f"没有这一天：{text}", "invalid_date") from None
    if parsed is None:
        if re.fullmatch(r"\d{5}(\.\d+)?", text):
            return _from_serial(float(text))
        raise _err(f"日期格式不正确：{text}（应为 2026-03-01、2026/3/1 或 2026年3月1日）", "invalid_date")
    if not 1900 <= parsed.year <= 2100:
        raise _err(f"日期不合理：{text}", "invalid_date")
    return parsed


def _from_serial(serial: float) -> dt.date:
    # Excel's serial day 60 is the 29 February 1900 that never was; later serials are off by one
    if not 1 <= serial < 73051:  # 2099-12-31
        raise _err(f"日期不合理：{cell_text(serial)}", "invalid_date")
    days = int(serial)
    return _EXCEL_EPOCH + dt.timedelta(days=days if days > 60 else days + 1)


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "有", "对", "t", "x"}
_FALSE = {"否", "n", "no", "false", "0", "×", "无", "不是", "f", ""}


def parse_bool(value: Cell) -> bool:
    if isinstance(value, bool):
        return value
    text = cell_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _err(f"应填“是”或“否”，而不是“{text}”", "invalid_choice")


_KINDS: dict[str, str] = {
    "个人": CustomerKind.PERSON,
    "person": CustomerKind.PERSON,
    "私人": CustomerKind.PERSON,
    "自然人": CustomerKind.PERSON,
    "单位": CustomerKind.COMPANY,
    "公司": CustomerKind.COMPANY,
    "企业": CustomerKind.COMPANY,
    "机构": CustomerKind.COMPANY,
    "company": CustomerKind.COMPANY,
}
_GENDERS = {"男": "M", "m": "M", "male": "M", "女": "F", "f": "F", "female": "F"}
_EVENT_KINDS = {
    "提车": "delivery",
    "交车": "delivery",
    "delivery": "delivery",
    "维修": "repair",
    "修理": "repair",
    "事故维修": "repair",
    "repair": "repair",
    "保养": "maintenance",
    "维护保养": "maintenance",
    "maintenance": "maintenance",
    "安装": "installation",
    "installation": "installation",
    "服务": "service",
    "咨询": "service",
    "服务/咨询": "service",
    "service": "service",
}


def _choice(table: dict[str, str], value: Cell, what: str) -> str:
    text = cell_text(value)
    found = table.get(text.lower())
    if found is None:
        allowed = "、".join(dict.fromkeys(k for k in table if not k.isascii()))
        raise _err(f"{what}应为 {allowed} 之一，而不是“{text}”", "invalid_choice")
    return found


def _identifier_text(value: Cell, what: str) -> str:
    """An identifier that Excel may have stored as a number: a float has lost digits past the 15th."""
    if isinstance(value, float) and not value.is_integer():
        raise _err(f"{what}被 Excel 存成了小数，请把该列设为“文本”格式后重新填写", "number_cell")
    if isinstance(value, float) and abs(value) >= 1e15:
        raise _err(
            f"{what}被 Excel 存成了数字，15 位以后的数字已丢失；请把该列设为“文本”格式后重新填写",
            "number_cell",
        )
    return cell_text(value)


def parse_money(value: Cell) -> Decimal:
    if isinstance(value, bool):
        raise _err("金额应为数字", "invalid_amount")
    text = cell_text(value).replace(",", "").replace("，", "").lstrip("¥￥").removesuffix("元")
    try:
        amount = Decimal(str(value) if isinstance(value, float) else text)
    except InvalidOperation:
        raise _err(f"金额应为数字，而不是“{cell_text(value)}”", "invalid_amount") from None
    if not amount.is_finite():
        raise _err("金额应为数字", "invalid_amount")
    return amount.quantize(Decimal("0.01"))


def _parse_int(value: Cell) -> int:
    text = cell_text(value).removesuffix("个月").removesuffix("月")
    if not re.fullmatch(r"\d{1,4}", text):
        raise _err(f"应为整数，而不是“{cell_text(value)}”", "invalid_number")
    return int(text)


def _tier(value: Cell) -> str:
    text = cell_text(value).upper().removesuffix("类").removesuffix("级").strip()
    if text not in Tier.values:
        raise _err(f"等级应为 {'、'.join(Tier.values)} 之一，而不是“{cell_text(value)}”", "invalid_choice")
    return text


PARSERS: dict[str, Callable[[Cell], Any]] = {
    "text": cell_text,
    "phone": lambda x: v.validate_phone(_identifier_text(x, "电话")),
    "id_number": lambda x: v.validate_id_number(_identifier_text(x, "身份证号")),
    "uscc": lambda x: v.validate_uscc(cell_text(x)),
    "vin": lambda x: v.validate_vin(cell_text(x)),
    "plate": lambda x: v.validate_plate(cell_text(x)),
    "date": parse_date,
    "bool": parse_bool,
    "kind": lambda x: _choice(_KINDS, x, "客户类型"),
    "gender": lambda x: _choice(_GENDERS, x, "性别"),
    "event_kind": lambda x: _choice(_EVENT_KINDS, x, "服务类型"),
    "tier": _tier,
    "int": _parse_int,
    "money": parse_money,
}


def parse_cell(spec: FieldSpec, value: Cell) -> Any:
    """The field value of a non-blank cell; raises ValidationError (code, Chinese message)."""
    assert not is_blank(value)
    return PARSERS[spec.parse](value)
