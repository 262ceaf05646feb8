"""The customer archive (SPEC §2): customers, vehicles, files, records, attachments.

Invariants live here as database constraints; business rules live in services.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kedang.archive.softdelete import LiveManager
from kedang.privacy.crypto import EncryptedCharField


class CustomerKind(models.TextChoices):
    PERSON = "person", _("个人")
    COMPANY = "company", _("单位")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")
    UNKNOWN = "", _("未知")


class Tier(models.TextChoices):
    VIP = "VIP", "VIP"
    A = "A", _("A 类")
    B = "B", _("B 类")
    C = "C", _("C 类")


class Tag(models.Model):
    name = models.CharField(_("名称"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ArchiveSequence(models.Model):
    """The last number issued under one archive-number prefix (R-A3). Rows are only incremented."""

    key = models.CharField(max_length=100, unique=True)
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"


class Customer(models.Model):
    """One customer, one archive (一客一档). R-A1."""

    archive_no = models.CharField(_("档号"), max_length=50, unique=True, editable=False)
    kind = models.CharField(
        _("类型"), max_length=10, choices=CustomerKind.choices, default=CustomerKind.PERSON
    )
    name = models.CharField(_("名称"), max_length=100)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    phone_norm = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    phone2 = models.CharField(_("备用电话"), max_length=40, blank=True)
    phone2_norm = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    # encrypted at rest; the deterministic ciphertext is the blind index for exact look-ups (R-G7)
    id_number = EncryptedCharField(_("身份证号"), blank=True, db_index=True, purpose="customer.id_number")
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birthday = models.DateField(_("出生日期"), null=True, blank=True)
    birthday_is_lunar = models.BooleanField(_("过农历生日"), default=False)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("客户经理"),
        on_delete=models.PROTECT,
        related_name="owned_customers",
    )
    tier = models.CharField(_("等级"), max_length=5, choices=Tier.choices, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="customers")
    source = models.CharField(_("来源"), max_length=50, blank=True)
    since = models.DateField(_("建立关系日期"), null=True, blank=True)
    notes = models.TextField(_("备注（兴趣、性格、家庭、背景）"), blank=True)
    # company traits (R-A1)
    market_area = models.CharField(_("市场区域"), max_length=100, blank=True)
    business_scope = models.TextField(_("经营范围"), blank=True)
    capacity = models.CharField(_("规模/产能"), max_length=100, blank=True)
    credit_rating = models.CharField(_("信用等级"), max_length=20, blank=True)

    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, editable=False
    )
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    objects = models.Manager()  # everything, the recycle bin included (the default manager)
    live = LiveManager()  # not in the recycle bin
    # optimistic lock: a save based on an older version is refused with the diff (R-G3)
    version = models.PositiveIntegerField(default=1, editable=False)
    # filing sign-off (R-G5): submitted with the customer's signature by the handler, approved by a
    # supervisor; once filed, changes need the sales manager's approval (R-G3)
    filing_submitted_at = models.DateTimeField(_("提交归档时间"), null=True, blank=True, editable=False)
    filing_handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    filed_at = models.DateTimeField(_("归档时间"), null=True, blank=True, editable=False)
    filed_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("归档审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords(excluded_fields=["phone_norm", "phone2_norm", "updated_at"])

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            # the list's keyset and the home page's newest customers (kedang.web.paging, issue #20)
            models.Index(fields=["-created_at", "-id"], name="customer_created_keyset"),
            # the archives awaiting filing approval (the home page's 待审批, kedang/governance)
            models.Index(
                fields=["filing_submitted_at"],
                name="customer_filing_pending",
                condition=Q(filed_at__isnull=True, filing_submitted_at__isnull=False),
            ),
            models.Index(fields=["name"]),
            models.Index(fields=["birthday"]),  # birthday greetings (kedang/care)
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="customer_name_not_empty"),
            models.CheckConstraint(
                condition=Q(kind=CustomerKind.PERSON, uscc="") | Q(kind=CustomerKind.COMPANY, id_number=""),
                name="customer_identifier_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.archive_no}）"


class ContactPerson(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职务/关系"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    is_authorised_signer = models.BooleanField(_("授权签字人"), default=False)

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")

    def __str__(self) -> str:
        return self.name


class Vehicle(models.Model):
    """A vehicle of a customer (R-A2). One vehicle, two files: sales and repair."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.PROTECT, related_name="vehicles"
    )
    vin = models.CharField(_("车架号"), max_length=17, unique=True)
    plate = models.CharField(_("车牌号"), max_length=12, blank=True, db_index=True)
    model = models.CharField(_("车型"), max_length=100, blank=True)
    color = models.CharField(_("颜色"), max_length=20, blank=True)
    delivery_date = models.DateField(_("提车日期"), null=True, blank=True)
    invoice_date = models.DateField(_("开票日期"), null=True, blank=True)
    via_secondary_dealer = models.BooleanField(_("二级网点销售"), default=False)
    insurance_expiry = models.DateField(_("保险到期"), null=True, blank=True)
    inspection_due = models.DateField(_("年检到期"), null=True, blank=True)
    maintenance_cycle_months = models.PositiveSmallIntegerField(_("保养周期（月）"), null=True, blank=True)
    maintenance_due = models.DateField(_("下次保养"), null=True, blank=True)
    vehicle_tax_due = models.DateField(_("车船税到期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    objects = models.Manager()
    live = LiveManager()

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("车辆")
        verbose_name_plural = _("车辆")
        ordering = ["-delivery_date", "-id"]
        # the care reminders (kedang/care) find the vehicles due on a day through these
        indexes = [
            models.Index(fields=["insurance_expiry"]),
            models.Index(fields=["inspection_due"]),
            models.Index(fields=["maintenance_due"]),
            models.Index(fields=["vehicle_tax_due"]),
            models.Index(fields=["delivery_date"]),  # the hand-over report's quarter (issue #20)
        ]

    def __str__(self) -> str:
        return self.plate or self.vin


class FileType(models.Model):
    """A kind of archive file: the six record categories of R-A4 plus the dealer's sales and repair files.

    `per_vehicle` file types (sales, repair) have one file per vehicle; the others one per customer.
    """

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    per_vehicle = models.BooleanField(_("按车辆建档"), default=False)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("档案类别")
        verbose_name_plural = _("档案类别")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    """A document a file of this type must contain (R-A5). Data, editable by the administrator."""

    file_type = models.ForeignKey(FileType, on_delete=models.CASCADE, related_name="checklist")
    name = models.CharField(_("资料名称"), max_length=100)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    required = models.BooleanField(_("必备"), default=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("必备资料")
        verbose_name_plural = _("必备资料清单")
        ordering = ["file_type", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["file_type", "name"], name="checklist_item_unique")]

    def __str__(self) -> str:
        return f"{self.file_type.name} · {self.name}"


class ArchiveFile(models.Model):
    """One file (档案) of a customer: a file type, optionally for one vehicle, with its paper location (R-A8)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="files")
    vehicle = models.ForeignKey(
        Vehicle, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    file_type = models.ForeignKey(FileType, on_delete=models.PROTECT, related_name="files")
    paper_archive_no = models.CharField(_("纸质档号"), max_length=50, blank=True)
    cabinet = models.CharField(_("柜号"), max_length=20, blank=True)
    shelf = models.CharField(_("层号"), max_length=20, blank=True)
    box = models.CharField(_("盒号"), max_length=20, blank=True)
    paper_box = models.ForeignKey(
        "governance.PaperBox",
        verbose_name=_("档案盒"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="files",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("档案")
        verbose_name_plural = _("档案")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "file_type"], condition=Q(vehicle=None), name="one_customer_file_per_type"
            ),
            models.UniqueConstraint(
                fields=["vehicle", "file_type"], condition=~Q(vehicle=None), name="one_vehicle_file_per_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_type.name}（{self.vehicle or self.customer.name}）"

    @property
    def location(self) -> str:
        parts = [
            f"{self.cabinet}柜" if self.cabinet else "",
            f"{self.shelf}层" if self.shelf else "",
            f"{self.box}盒" if self.box else "",
        ]
        return "".join(parts)

    @property
    def location_display(self) -> str:
        """`location` in the current language. `location` itself stays Chinese: services write it into
        timeline records, which are data."""
        parts = [
            gettext("%(n)s柜") % {"n": self.cabinet} if self.cabinet else "",
            gettext("%(n)s层") % {"n": self.shelf} if self.shelf else "",
            gettext("%(n)s盒") % {"n": self.box} if self.box else "",
        ]
        # a translation may end each part with a separator ("Cabinet 3 · "); the last one is dropped
        return "".join(parts).rstrip(" ·,")


class RecordKind(models.TextChoices):
    DOCUMENT = "document", pgettext_lazy("record kind", "资料")
    EVENT = "event", pgettext_lazy("record kind", "服务事件")
    CALL = "call", pgettext_lazy("record kind", "电话")
    MESSAGE = "message", pgettext_lazy("record kind", "信息")
    COMPLAINT = "complaint", pgettext_lazy("record kind", "投诉")
    PAYMENT = "payment", pgettext_lazy("record kind", "收付款")
    NOTE = "note", pgettext_lazy("record kind", "备注")
    CHANGE = "change", pgettext_lazy("record kind", "变更")


class Record(models.Model):
    """Anything that happened to a customer, on her timeline (R-A4). Later modules add records of their kinds."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="records")
    vehicle = models.ForeignKey(
        Vehicle, null=True, blank=True, on_delete=models.SET_NULL, related_name="records"
    )
    file = models.ForeignKey(
        ArchiveFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="records"
    )
    checklist_item = models.ForeignKey(
        ChecklistItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="records"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=RecordKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    occurred_on = models.DateField(_("日期"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # annual sealing (R-A9): the fixed volume holding this record and its number in the catalogue
    volume = models.ForeignKey(
        "governance.Volume",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
        editable=False,
    )
    volume_seq = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("档案记录")
        verbose_name_plural = _("档案记录")
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_on", "-id"]),
            # the home page's latest activity (issue #20)
            models.Index(fields=["-created_at", "-id"], name="record_created_keyset"),
        ]

    def __str__(self) -> str:
        return self.title


def attachment_path(instance: Attachment, filename: str) -> str:
    # content-addressed: the name says nothing about the customer
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    """A scanned original of a record, with its SHA-256 fixity hash (R-A7)."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name
