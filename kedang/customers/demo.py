"""Demo data (SPEC §14 `seed_demo`): valid Chinese identifiers and realistic customers, vehicles and files.

Two layers:

* pure generators of a `random.Random` (`valid_id_number`, `valid_uscc`, `valid_vin`, `plate`, `mobile`,
  `landline`, `demo_customers`) — no database, reusable by benchmarks and tests;
* `demo_users_ensure` and `demo_seed`, which write through the services (`user_upsert`,
  `customer_create`, `vehicle_create`, `document_add`) so archive numbers, history and timeline
  records are exactly what real use produces.

Everything is reproducible: the same seed on the same day gives the same data.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.db import transaction
from django.utils import timezone
from faker import Faker

from kedang.accounts.models import Department, User
from kedang.accounts.roles import Role
from kedang.accounts.services import department_get_or_create, roles_ensure, user_upsert

from . import validators as v
from .models import ChecklistItem, Customer, CustomerKind, Vehicle
from .services import customer_create, document_add, vehicle_create

DEMO_PASSWORD = "Kedang@2026"
DEFAULT_SEED = 2026


# ---------------------------------------------------------------- reference data


@dataclass(frozen=True)
class Region:
    """A district: its GB/T 2260 code (first 6 digits of ID numbers and USCCs) and local conventions."""

    code: str
    city: str
    district: str
    province: str  # licence-plate province abbreviation
    plate_letters: str  # issuing-authority letters of the city
    area_code: str  # landline trunk code
    market_area: str


REGIONS: tuple[Region, ...] = (
    Region("110105", "北京市", "朝阳区", "京", "ABCEFGHJKLMNPQ", "010", "华北"),
    Region("110108", "北京市", "海淀区", "京", "ABCEFGHJKLMNPQ", "010", "华北"),
    Region("310104", "上海市", "徐汇区", "沪", "ABDEFGHJKLMN", "021", "华东"),
    Region("310115", "上海市", "浦东新区", "沪", "ABDEFGHJKLMN", "021", "华东"),
    Region("440305", "深圳市", "南山区", "粤", "B", "0755", "华南"),
    Region("440304", "深圳市", "福田区", "粤", "B", "0755", "华南"),
    Region("440106", "广州市", "天河区", "粤", "A", "020", "华南"),
    Region("330106", "杭州市", "西湖区", "浙", "A", "0571", "华东"),
    Region("330203", "宁波市", "海曙区", "浙", "B", "0574", "华东"),
    Region("510107", "成都市", "武侯区", "川", "A", "028", "西南"),
    Region("320102", "南京市", "玄武区", "苏", "A", "025", "华东"),
    Region("320505", "苏州市", "虎丘区", "苏", "E", "0512", "华东"),
    Region("420106", "武汉市", "武昌区", "鄂", "A", "027", "华中"),
)

# plate-issuing letters of the demo cities, by province
PROVINCE_PLATE_LETTERS: dict[str, str] = {
    province: "".join(dict.fromkeys("".join(r.plate_letters for r in REGIONS if r.province == province)))
    for province in dict.fromkeys(r.province for r in REGIONS)
}


@dataclass(frozen=True)
class CarModel:
    name: str
    wmi: str  # world manufacturer identifier of the Chinese joint venture that builds it
    new_energy: bool = False


# (model, weight): about one in five sold vehicles is new-energy (green plate).
CAR_MODELS: tuple[tuple[CarModel, int], ...] = (
    (CarModel("大众帕萨特", "LSV"), 9),
    (CarModel("大众途观L", "LSV"), 7),
    (CarModel("大众朗逸", "LSV"), 8),
    (CarModel("大众迈腾", "LFV"), 8),
    (CarModel("大众速腾", "LFV"), 6),
    (CarModel("奥迪A6L", "LFV"), 4),
    (CarModel("丰田凯美瑞", "LVG"), 8),
    (CarModel("丰田汉兰达", "LVG"), 4),
    (CarModel("本田雅阁", "LHG"), 7),
    (CarModel("本田飞度", "LHG"), 3),
    (CarModel("日产轩逸", "LGB"), 6),
    (CarModel("日产天籁", "LGB"), 3),
    (CarModel("福特锐界", "LVS"), 3),
    (CarModel("福特蒙迪欧", "LVS"), 2),
    (CarModel("宝马3系", "LBV"), 5),
    (CarModel("宝马5系", "LBV"), 4),
    (CarModel("宝马X3", "LBV"), 3),
    (CarModel("雪铁龙C5", "LDC"), 2),
    (CarModel("标致508L", "LDC"), 2),
    (CarModel("比亚迪汉EV", "LGX", True), 8),
    (CarModel("比亚迪秦PLUS DM-i", "LGX", True), 7),
    (CarModel("比亚迪宋PLUS EV", "LGX", True), 5),
    (CarModel("特斯拉Model 3", "LRW", True), 4),
    (CarModel("特斯拉Model Y", "LRW", True), 5),
)
WMIS: tuple[str, ...] = tuple(dict.fromkeys(m.wmi for m, _ in CAR_MODELS))
COLORS = ("白色", "黑色", "银色", "灰色", "蓝色", "红色", "香槟金", "珍珠白")

MALE_GIVEN = (
    "伟 强 磊 军 勇 杰 涛 明 超 刚 平 辉 鹏 华 飞 鑫 波 斌 宇 浩 凯 健 俊 帆 旭 宁 龙 林 建国 建华 志强 志明 "
    "海涛 俊杰 子轩 浩然 宇航 文博 晓东 国强 建军 永刚 立新 德明 振华 家豪 天佑 梓豪"
).split()
FEMALE_GIVEN = (
    "芳 娜 敏 静 丽 艳 娟 霞 燕 玲 婷 雪 琳 颖 倩 洁 慧 莉 秀英 桂英 秀兰 玉兰 丽娟 欣怡 梓涵 雨萱 思雨 晓燕 "
    "海燕 婷婷 佳琪 雅静 淑珍 美玲 春梅 晓红 丽华 紫涵 诗涵 一诺"
).split()
STREETS = (
    "建设路 人民路 解放路 中山路 和平路 长江路 滨河路 科技园路 文化路 新华路 学府路 朝阳路 青年路 "
    "光明街 幸福路 东风路 金融街 创业路 湖滨路 望江路 南京路 滨海大道 深南大道 天府大道 武珞路"
).split()
COMPOUNDS = "阳光花园 锦绣家园 碧桂园 万科城 金色家园 翠苑小区 华润城 保利花园 世纪新城 滨江花园".split()
BUILDINGS = "国际大厦 科技大厦 金融中心 商务中心 创新大厦 环球中心 时代广场 中心大厦".split()
INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("科技", "计算机软硬件开发、技术服务、技术咨询"),
    ("电子", "电子产品研发、生产与销售"),
    ("物流", "普通货运、仓储服务、供应链管理"),
    ("贸易", "国内贸易、货物及技术进出口"),
    ("建设工程", "房屋建筑工程、市政工程施工"),
    ("信息技术", "信息系统集成、数据处理服务"),
    ("实业", "实业投资、企业管理咨询"),
    ("餐饮管理", "餐饮服务、餐饮企业管理"),
    ("汽车租赁", "汽车租赁、商务车辆服务"),
    ("医疗器械", "第二类医疗器械销售、技术服务"),
)
SOURCES = ("展厅到店", "展厅到店", "网络线索", "老客户介绍", "车展", "电话咨询")
PERSON_TAGS = ("老客户", "车友会", "投诉过", "转介绍", "家庭用车", "商务用车")
COMPANY_TAGS = ("大客户", "车队客户", "老客户", "投诉过")
NOTES = (
    "喜欢钓鱼，周末常去水库，工作日白天不便接听电话。",
    "孩子在读高中，关注车辆安全配置。",
    "性格爽快，对价格敏感，重视保养优惠。",
    "经常出差，回访请发短信预约时间。",
    "爱好自驾游，参加过两次车友会活动。",
    "家里有老人，偏好周末上门送取车服务。",
    "做餐饮生意，早上十点前联系。",
    "对服务要求高，投诉过一次等待时间过长，已妥善处理。",
)
COMPANY_NOTES = (
    "车辆由行政部统一管理，联系人为行政主管。",
    "年底集中采购，付款周期较长，请注意应收账款。",
    "车队用车强度大，保养间隔需重点跟踪。",
)
CREDIT_RATINGS = ("AAA", "AA", "AA", "A", "A", "BBB")

# Model-year codes of VIN position 10, starting with 2010 (ISO 3779 cycle of 30).
_VIN_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
# GB 11714 organisation-code weights.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_MOBILE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 173 176 177 180 181 182 183 185 186 187 188 189 191 198 199"
).split()
_DIGITS = "0123456789"


# ---------------------------------------------------------------- identifier generators


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A uniformly random date in [start, end]."""
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months; the 31st becomes the month's last day (29 Feb → 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_id_number(
    rng: random.Random,
    *,
    region: str | None = None,
    birth: dt.date | None = None,
    male: bool | None = None,
    born_from: dt.date = dt.date(1950, 1, 1),
    born_to: dt.date = dt.date(2004, 12, 31),
) -> str:
    """An 18-digit resident ID number (GB 11643) with a correct MOD 11-2 check character."""
    region = region or rng.choice(REGIONS).code
    birth = birth or random_date(rng, born_from, born_to)
    seq = rng.randint(1, 999)
    if male is not None and (seq % 2 == 1) != male:
        seq = seq + 1 if seq < 999 else seq - 1
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + v.id_number_check_char(body)


def org_code_check_char(first8: str) -> str:
    """GB 11714 organisation-code check character for 8 code characters."""
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def valid_uscc(rng: random.Random, *, region: str | None = None) -> str:
    """A Unified Social Credit Code of an enterprise (91 + region + organisation code) with a correct check char."""
    region = region or rng.choice(REGIONS).code
    letters = [c for c in v.USCC_ALPHABET if c.isalpha()]
    if rng.random() < 0.5:
        # codes issued since 2015 carry an "MA" organisation code
        org = "MA" + rng.choice(_DIGITS) + "".join(rng.choice(_DIGITS + "".join(letters)) for _ in range(5))
    else:
        org = "".join(rng.choice(_DIGITS) for _ in range(8))
    first17 = f"91{region}{org}{org_code_check_char(org)}"
    return first17 + v.uscc_check_char(first17)


def valid_vin(rng: random.Random, *, wmi: str | None = None, year: int | None = None) -> str:
    """A 17-character VIN with a correct ISO 3779 check digit (position 9) and model-year code (position 10)."""
    wmi = wmi or rng.choice(WMIS)
    year = year or rng.randint(2018, dt.date.today().year)
    vds = "".join(rng.choice(v.VIN_ALPHABET) for _ in range(5))
    year_code = _VIN_YEAR_CODES[(year - 2010) % len(_VIN_YEAR_CODES)]
    plant = rng.choice(v.VIN_ALPHABET)
    serial = "".join(rng.choice(_DIGITS) for _ in range(6))
    vin = f"{wmi}{vds}0{year_code}{plant}{serial}"
    return vin[:8] + v.vin_check_digit(vin) + vin[9:]


def plate(rng: random.Random, province: str, *, letter: str | None = None, new_energy: bool = False) -> str:
    """A licence plate of the province (e.g. 粤B3K7Q2); new-energy plates look like 粤BD12345."""
    letter = letter or rng.choice(PROVINCE_PLATE_LETTERS.get(province, v.PLATE_LETTERS))
    if new_energy:
        serial = (
            rng.choice("DDDF")
            + rng.choice(_DIGITS + "ABCDEFGH")
            + "".join(rng.choice(_DIGITS) for _ in range(4))
        )
    else:
        chars = [rng.choice(_DIGITS) for _ in range(5)]
        for pos in rng.sample(range(5), rng.choice((0, 1, 1, 2))):
            chars[pos] = rng.choice(v.PLATE_LETTERS)
        serial = "".join(chars)
    return f"{province}{letter}{serial}"


def mobile(rng: random.Random) -> str:
    """A mainland mobile number."""
    return rng.choice(_MOBILE_PREFIXES) + "".join(rng.choice(_DIGITS) for _ in range(8))


def landline(rng: random.Random, area_code: str) -> str:
    """A landline written the usual way, e.g. 0755-86123456."""
    return f"{area_code}-{rng.randint(2, 8)}" + "".join(rng.choice(_DIGITS) for _ in range(7))


# ---------------------------------------------------------------- customer generator (no database)


@dataclass
class DemoVehicle:
    fields: dict[str, Any]  # keyword arguments of vehicle_create
    documents: float  # share of the sales-file required documents already filed (0–1)


@dataclass
class DemoCustomer:
    owner: str  # username of the account manager
    fields: dict[str, Any]  # keyword arguments of customer_create
    vehicles: list[DemoVehicle] = field(default_factory=list)


@dataclass
class UniqueValues:
    """Values that must not repeat across the generated data (and the database)."""

    vins: set[str] = field(default_factory=set)
    plates: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)

    @staticmethod
    def fresh(seen: set[str], make: Callable[[], str]) -> str:
        for _ in range(1000):
            value = make()
            if value not in seen:
                seen.add(value)
                return value
        raise RuntimeError("could not generate a fresh value")


def _person_name(rng: random.Random, fake: Faker, male: bool) -> str:
    return str(fake.last_name()) + rng.choice(MALE_GIVEN if male else FEMALE_GIVEN)


def _address(rng: random.Random, region: Region, *, company: bool) -> str:
    base = f"{region.city}{region.district}{rng.choice(STREETS)}{rng.randint(1, 888)}号"
    if company:
        return base + f"{rng.choice(BUILDINGS)}{rng.randint(2, 32)}层"
    if rng.random() < 0.7:
        return (
            base
            + f"{rng.choice(COMPOUNDS)}{rng.randint(1, 28)}栋{rng.randint(1, 33)}{rng.randint(1, 6):02d}室"
        )
    return base


def _tier(rng: random.Random, company: bool) -> str:
    weights = (15, 35, 35, 10, 5) if company else (5, 20, 45, 20, 10)
    return rng.choices(("VIP", "A", "B", "C", ""), weights=weights)[0]


def _delivery(rng: random.Random, today: dt.date) -> dt.date:
    # one in ten vehicles was handed over in the last month, so first follow-ups are due in the demo
    if rng.random() < 0.1:
        return today - dt.timedelta(days=rng.randint(0, 30))
    return today - dt.timedelta(days=rng.randint(31, 3 * 365))


def _next_after(start: dt.date, months: int, today: dt.date) -> dt.date:
    """The first date start + k·months (k ≥ 1) on or after today."""
    k = 1
    while add_months(start, k * months) < today:
        k += 1
    return add_months(start, k * months)


def demo_vehicle(rng: random.Random, region: Region, today: dt.date, seen: UniqueValues) -> DemoVehicle:
    """One vehicle sold to a customer of `region`: VIN, plate of the region, dates derived from the delivery."""
    models = [m for m, _ in CAR_MODELS]
    model = rng.choices(models, weights=[w for _, w in CAR_MODELS])[0]
    delivery = _delivery(rng, today)
    age = (today - delivery).days
    vin = seen.fresh(seen.vins, lambda: valid_vin(rng, wmi=model.wmi, year=delivery.year))
    # just delivered: often still on a temporary plate
    has_plate = age > 10 or rng.random() < 0.5
    plate_no = (
        seen.fresh(
            seen.plates,
            lambda: plate(
                rng, region.province, letter=rng.choice(region.plate_letters), new_energy=model.new_energy
            ),
        )
        if has_plate
        else ""
    )
    insurance = _next_after(delivery, 12, today)
    if rng.random() < 0.08 and add_months(insurance, -12) > delivery:
        insurance = add_months(insurance, -12)  # lapsed: insured elsewhere since
    cycle = 12 if model.new_energy else rng.choice((6, 6, 12))
    maintenance = _next_after(delivery, cycle, today)
    if rng.random() < 0.15 and add_months(maintenance, -cycle) > delivery:
        maintenance = add_months(maintenance, -cycle)  # overdue
    fields: dict[str, Any] = {
        "vin": vin,
        "plate": plate_no,
        "model": model.name,
        "color": rng.choice(COLORS),
        "delivery_date": delivery,
        "invoice_date": delivery - dt.timedelta(days=rng.choice((0, 0, 0, 1, 2, 3, 5, 7))),
        "via_secondary_dealer": rng.random() < 0.1,
        "insurance_expiry": insurance,
        # private cars within ten years are inspected in their 6th year (公安部 2022 rules)
        "inspection_due": add_months(delivery, 6 * 12),
        "maintenance_cycle_months": cycle,
        "maintenance_due": maintenance,
    }
    if age <= 2:
        share = 0.0  # the sales file is due at the archive two working days after delivery
    else:
        # a few complete sales files, more partly complete ones (documents still missing), the rest not yet filed
        share = rng.choices((1.0, rng.uniform(0.15, 0.7), 0.0), weights=(10, 25, 65))[0]
    return DemoVehicle(fields=fields, documents=share)


def demo_customer(
    rng: random.Random,
    fake: Faker,
    *,
    today: dt.date,
    owners: Sequence[str],
    seen: UniqueValues | None = None,
) -> DemoCustomer:
    """One customer (80 % persons, 20 % companies) with 0–4 vehicles; valid identifiers throughout."""
    seen = seen if seen is not None else UniqueValues()
    region = rng.choice(REGIONS)
    company = rng.random() < 0.2
    fields: dict[str, Any] = {"address": _address(rng, region, company=company), "tier": _tier(rng, company)}
    if company:
        industry, scope = rng.choice(INDUSTRIES)
        fields.update(
            kind=CustomerKind.COMPANY,
            name=seen.fresh(seen.names, lambda: f"{region.city}{fake.company_prefix()}{industry}有限公司"),
            uscc=seen.fresh(seen.ids, lambda: valid_uscc(rng, region=region.code)),
            phone=seen.fresh(seen.phones, lambda: landline(rng, region.area_code)),
            legal_representative=_person_name(rng, fake, rng.random() < 0.75),
            market_area=region.market_area,
            business_scope=scope,
            capacity=f"员工约 {rng.choice((20, 50, 80, 120, 200, 500, 1200))} 人",
            credit_rating=rng.choice(CREDIT_RATINGS),
            tags=rng.sample(COMPANY_TAGS, rng.choice((0, 1, 1, 2))),
        )
        if rng.random() < 0.6:
            fields["phone2"] = seen.fresh(seen.phones, lambda: mobile(rng))
        if rng.random() < 0.5:
            fields["email"] = str(fake.company_email())
        if rng.random() < 0.3:
            fields["notes"] = rng.choice(COMPANY_NOTES)
        n_vehicles = rng.choices((1, 2, 3, 4), weights=(40, 30, 20, 10))[0]
    else:
        male = rng.random() < 0.62
        birth = random_date(rng, dt.date(1950, 1, 1), dt.date(2004, 12, 31))
        fields.update(
            kind=CustomerKind.PERSON,
            name=_person_name(rng, fake, male),
            id_number=seen.fresh(
                seen.ids, lambda: valid_id_number(rng, region=region.code, birth=birth, male=male)
            ),
            phone=seen.fresh(seen.phones, lambda: mobile(rng)),
            # older customers more often keep their birthday by the lunar calendar
            birthday_is_lunar=rng.random() < (0.35 if birth.year < 1970 else 0.08),
            tags=rng.sample(PERSON_TAGS, rng.choice((0, 0, 1, 1, 2))),
        )
        roll = rng.random()
        if roll < 0.2:
            fields["phone2"] = seen.fresh(seen.phones, lambda: landline(rng, region.area_code))
        elif roll < 0.3:
            fields["phone2"] = seen.fresh(seen.phones, lambda: mobile(rng))
        if rng.random() < 0.2:
            fields["email"] = str(fake.free_email())
        if rng.random() < 0.3:
            fields["notes"] = rng.choice(NOTES)
        n_vehicles = rng.choices((0, 1, 2, 3), weights=(3, 55, 33, 9))[0]
    vehicles = [demo_vehicle(rng, region, today, seen) for _ in range(n_vehicles)]
    secondary = any(dv.fields["via_secondary_dealer"] for dv in vehicles)
    fields["source"] = "二级网点" if secondary else rng.choice(SOURCES)
    first = min(
        (dv.fields["delivery_date"] for dv in vehicles),
        default=today - dt.timedelta(days=rng.randint(0, 400)),
    )
    fields["since"] = first - dt.timedelta(days=rng.randint(0, 30))
    return DemoCustomer(owner=rng.choice(owners), fields=fields, vehicles=vehicles)


def demo_customers(
    n: int,
    *,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    owners: Sequence[str] = ("am1", "am2", "am3"),
    seen: UniqueValues | None = None,
) -> Iterator[DemoCustomer]:
    """`n` reproducible demo customers (pure data: nothing is written)."""
    today = today or timezone.localdate()
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    seen = seen if seen is not None else UniqueValues()
    for _ in range(n):
        yield demo_customer(rng, fake, today=today, owners=owners, seen=seen)


# ---------------------------------------------------------------- users and departments


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    department: str
    display_name: str


DEMO_DEPARTMENTS: tuple[tuple[str, str | None], ...] = (
    ("总经理室", None),
    ("销售部", None),
    ("销售一部", "销售部"),
    ("销售二部", "销售部"),
    ("客服部", None),
    ("售后服务部", None),
    ("财务部", None),
    ("档案室", None),
)

DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("gm", Role.GENERAL_MANAGER, "总经理室", "王建国"),
    DemoUser("sm", Role.SALES_MANAGER, "销售部", "李志强"),
    DemoUser("csm", Role.CS_MANAGER, "客服部", "张丽华"),
    DemoUser("cs1", Role.CS_AGENT, "客服部", "陈静"),
    DemoUser("cs2", Role.CS_AGENT, "客服部", "刘婷"),
    DemoUser("svc", Role.CS_AGENT, "售后服务部", "黄海涛"),
    DemoUser("am1", Role.ACCOUNT_MANAGER, "销售一部", "赵磊"),
    DemoUser("am2", Role.ACCOUNT_MANAGER, "销售一部", "孙悦"),
    DemoUser("am3", Role.ACCOUNT_MANAGER, "销售二部", "周鹏"),
    DemoUser("fin", Role.FINANCE, "财务部", "吴芳"),
    DemoUser("arch", Role.ARCHIVIST, "档案室", "郑秀英"),
    DemoUser("audit", Role.AUDITOR, "总经理室", "何伟"),
    DemoUser("admin", Role.ADMIN, "总经理室", "系统管理员"),
)


@transaction.atomic
def demo_users_ensure(password: str = DEMO_PASSWORD) -> list[User]:
    """The demo departments (销售一部/二部 under 销售部) and one demo login per role, all with `password`."""
    roles_ensure()
    depts: dict[str, Department] = {}
    for name, parent in DEMO_DEPARTMENTS:
        dept = department_get_or_create(name=name, parent=depts[parent] if parent else None)
        if parent and dept.parent_id is None:
            # created earlier without a parent (e.g. by add_user): hang it under its demo parent
            Department.objects.filter(pk=dept.pk).update(parent=depts[parent])
        depts[name] = dept
    users = []
    for du in DEMO_USERS:
        user, _ = user_upsert(
            username=du.username,
            role=du.role,
            password=password,
            department=du.department,
            display_name=du.display_name,
            check_password=False,  # demo only: one well-known password for every login
        )
        users.append(user)
    return users


# ---------------------------------------------------------------- loading through the services


@dataclass
class SeedResult:
    users: list[User]
    customers: int = 0
    vehicles: int = 0
    documents: int = 0


def demo_seed(
    *,
    customers: int = 200,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    batch: int = 50,
    progress: Callable[[int, int], None] | None = None,
) -> SeedResult:
    """Create the demo users, then `customers` customers with vehicles and sales-file documents.

    Writes only through the services. Each batch of customers is one transaction (few fsyncs on
    SQLite). On a database that already has customers the seed is varied, so a second run adds
    new people instead of repeating the first run's identifiers.
    """
    today = today or timezone.localdate()
    users = demo_users_ensure()
    by_name = {u.username: u for u in users}
    owners = [du.username for du in DEMO_USERS if du.role == Role.ACCOUNT_MANAGER]
    archivist = by_name[next(du.username for du in DEMO_USERS if du.role == Role.ARCHIVIST)]
    checklist = list(
        ChecklistItem.objects.filter(file_type__code="SALES", required=True, active=True).order_by(
            "order", "id"
        )
    )
    existing = Customer.objects.count()
    seen = UniqueValues(vins=set(Vehicle.objects.values_list("vin", flat=True)))
    specs = demo_customers(customers, seed=seed + existing * 7919, today=today, owners=owners, seen=seen)
    result = SeedResult(users=users)
    while result.customers < customers:
        with transaction.atomic():
            for spec in islice(specs, batch):
                owner = by_name[spec.owner]
                customer = customer_create(actor=owner, **spec.fields)
                for dv in spec.vehicles:
                    vehicle = vehicle_create(actor=owner, customer_id=customer.pk, **dv.fields)
                    result.vehicles += 1
                    delivered: dt.date = dv.fields["delivery_date"]
                    for item in checklist[: round(dv.documents * len(checklist))]:
                        document_add(
                            actor=archivist,
                            customer_id=customer.pk,
                            file_type_code="SALES",
                            vehicle_id=vehicle.pk,
                            checklist_item_id=item.pk,
                            occurred_on=min(today, delivered + dt.timedelta(days=2)),
                        )
                        result.documents += 1
                result.customers += 1
                if progress is not None and (result.customers % 100 == 0 or result.customers == customers):
                    progress(result.customers, customers)
    return result
