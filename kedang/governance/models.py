"""Governance of the archive (SPEC §10): access grants, change requests, recycle bin."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kedang.privacy.crypto import EncryptedJSONField


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("已拒绝")
    CANCELLED = "cancelled", _("已撤回")


class AccessRequest(models.Model):
    """A request to open another's customer (R-G2). Approved, it is a grant until `expires_at`.

    It keeps what the requester asked for (a customer id or an archive number) and answers her the
    same whether that archive exists or not: `customer` is empty when nothing matched (only the
    approver sees that, and refuses). Nothing of the customer is shown to her until granted (#13)."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_requests"
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="access_requests"
    )
    asked_customer_id = models.PositiveBigIntegerField(_("申请的客户编号"), null=True, blank=True)
    asked_archive_no = models.CharField(_("申请的档号"), max_length=50, blank=True)
    reason = models.CharField(_("理由"), max_length=200)
    days = models.PositiveSmallIntegerField(_("天数"))
    status = models.CharField(
        _("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    expires_at = models.DateTimeField(_("到期"), null=True, blank=True)

    class Meta:
        verbose_name = _("查阅申请")
        verbose_name_plural = _("查阅申请")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requester", "status", "expires_at"])]
        constraints = [
            # one pending request per key asked for (not per customer found: that would tell the
            # requester that an id and an archive number she asked for are the same archive)
            models.UniqueConstraint(
                fields=["requester", "asked_customer_id"],
                condition=Q(status="pending", asked_customer_id__isnull=False),
                name="one_pending_request_per_asked_id",
            ),
            models.UniqueConstraint(
                fields=["requester", "asked_archive_no"],
                condition=Q(status="pending") & ~Q(asked_archive_no=""),
                name="one_pending_request_per_asked_archive_no",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.asked} ({self.status})"

    @property
    def asked(self) -> str:
        """What the requester asked for, as she wrote it."""
        if self.asked_archive_no:
            return f"档号 {self.asked_archive_no}"
        if self.asked_customer_id is not None:
            return f"客户编号 {self.asked_customer_id}"
        return f"客户编号 {self.customer_id}" if self.customer_id else "—"


class BinKind(models.TextChoices):
    CUSTOMER = "customer", _("客户档案")
    VEHICLE = "vehicle", _("车辆")


class RecycleBinEntry(models.Model):
    """A deleted customer or vehicle (R-G4): restorable until `purge_after`, then purged by run_daily."""

    kind = models.CharField(_("类型"), max_length=10, choices=BinKind.choices)
    object_id = models.BigIntegerField()
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    label = models.CharField(_("名称"), max_length=200)
    reason = models.CharField(_("删除原因"), max_length=200)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    deleted_at = models.DateTimeField(_("删除时间"))
    purge_after = models.DateTimeField(_("彻底删除时间"))
    restored_at = models.DateTimeField(null=True, blank=True)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("回收站")
        verbose_name_plural = _("回收站")
        ordering = ["-deleted_at"]
        indexes = [models.Index(fields=["restored_at", "purge_after"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label}"


class ChangeKind(models.TextChoices):
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")


class ChangeRequest(models.Model):
    """A proposed change to a filed archive (R-G3): applied only when the sales manager approves."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="change_requests"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=ChangeKind.choices, default=ChangeKind.UPDATE)
    # field → new value, as the service takes it; and field → value when proposed, for the reviewer's
    # diff. Both carry phones and ID numbers: encrypted at rest (R-G7)
    changes = EncryptedJSONField(_("修改内容"), default=dict, purpose="changerequest.changes")
    before = EncryptedJSONField(default=dict, purpose="changerequest.before")
    reason = models.CharField(_("理由"), max_length=200)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("变更申请")
        verbose_name_plural = _("变更申请")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.customer_id} ({self.status})"


class PaperBox(models.Model):
    """A box of paper archives on a shelf of a cabinet (R-A8, R-G8): the paper twin of electronic files."""

    code = models.CharField(_("盒号"), max_length=30, unique=True)
    cabinet = models.CharField(_("柜号"), max_length=20)
    shelf = models.CharField(_("层号"), max_length=20)
    label = models.CharField(_("说明"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("档案盒")
        verbose_name_plural = _("档案盒")
        ordering = ["cabinet", "shelf", "code"]

    def __str__(self) -> str:
        return self.code

    @property
    def location(self) -> str:
        return f"{self.cabinet}柜{self.shelf}层 {self.code}盒"


class LoanStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    LENT = "lent", _("借出")
    RETURNED = "returned", _("已归还")
    REFUSED = "refused", _("已拒绝")


class Loan(models.Model):
    """Borrowing a box (借阅, R-G8): requested, approved and handed out by the archivist, returned."""

    box = models.ForeignKey(PaperBox, on_delete=models.PROTECT, related_name="loans")
    borrower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="loans")
    purpose = models.CharField(_("借阅目的"), max_length=200)
    due_date = models.DateField(_("应还日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=LoanStatus.choices, default=LoanStatus.REQUESTED
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lent_at = models.DateTimeField(_("借出时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("归还时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("借阅")
        verbose_name_plural = _("借阅")
        ordering = ["-requested_at"]
        constraints = [
            # a box is never lent twice at once, whatever the application does
            models.UniqueConstraint(
                fields=["box"], condition=Q(status="lent"), name="one_loan_per_box_at_a_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.box} → {self.borrower} ({self.status})"


class Volume(models.Model):
    """A fixed volume (固定卷, R-A9): one category's filed records of one year, bound and numbered.
    Its records are read-only for everyone from the moment it is sealed."""

    code = models.CharField(_("卷号"), max_length=40, unique=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    file_type = models.ForeignKey("customers.FileType", on_delete=models.PROTECT, related_name="volumes")
    number = models.PositiveSmallIntegerField(_("卷序"))
    sealed_at = models.DateTimeField(_("封卷时间"))
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    box = models.ForeignKey(
        PaperBox, null=True, blank=True, on_delete=models.SET_NULL, related_name="volumes"
    )

    class Meta:
        verbose_name = _("固定卷")
        verbose_name_plural = _("固定卷")
        ordering = ["-year", "file_type", "number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "file_type", "number"], name="volume_number_unique")
        ]

    def __str__(self) -> str:
        return self.code
