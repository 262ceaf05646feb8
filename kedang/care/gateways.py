"""Channel gateways (R-C4). A gateway sends one outbox message and returns the provider's id for it.

`idempotent` gateways take the message id as the request key and never deliver the same id twice, so the
sender may simply send again a message whose outcome a crash left unknown; for the others (e-mail over
SMTP) such a message is marked failed for a person to check, never sent twice.

SMS: `FileSmsBackend` (default: one file per message under KEDANG_SMS_DIR, created exclusively — a
second send of the same id finds the file) and `ConsoleSmsBackend`; `AliyunSmsAdapter` and
`TencentSmsAdapter` show the shape a real provider's adapter fills in (request built from the message,
OutId/SessionContext = message id for idempotency, delivery reports through `mark_delivered`).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from .models import Message


class GatewayError(Exception):
    """The gateway refused or failed; `permanent` ones are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Gateway(Protocol):
    idempotent: ClassVar[bool]

    def send(self, message: Message) -> str: ...


class FileSmsBackend:
    """Writes each SMS to <dir>/<message id>.json (O_EXCL) and appends it to <dir>/sent.log."""

    idempotent: ClassVar[bool] = True

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory or settings.KEDANG_SMS_DIR)

    def send(self, message: Message) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        provider_id = f"file-{message.pk}"
        payload = {
            "id": message.pk,
            "to": message.recipient,
            "body": message.body,
            "at": timezone.now().isoformat(),
        }
        try:
            fd = os.open(self.directory / f"{message.pk}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return provider_id  # sent before a crash: the same message is not sent again
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(payload, f, ensure_ascii=False)
        with open(self.directory / "sent.log", "a", encoding="utf-8") as log:
            log.write(json.dumps(payload, ensure_ascii=False) + "\n")
        return provider_id


class ConsoleSmsBackend:
    idempotent: ClassVar[bool] = False

    def send(self, message: Message) -> str:
        sys.stdout.write(f"[SMS {message.pk}] {message.recipient}: {message.body}\n")
        return f"console-{message.pk}"


class ProviderSmsAdapter:
    """The shape of a provider adapter: build the request, post it, read the provider's id.
    A concrete adapter sets the endpoint and credentials from settings and implements `post`."""

    idempotent: ClassVar[bool] = True
    sign_name: str = ""
    template_code: str = ""

    def request(self, message: Message) -> dict[str, Any]:
        raise NotImplementedError

    def post(self, request: dict[str, Any]) -> dict[str, Any]:
        raise GatewayError("短信服务商适配器尚未配置", permanent=True)

    def provider_id(self, response: dict[str, Any]) -> str:
        raise NotImplementedError

    def send(self, message: Message) -> str:
        return self.provider_id(self.post(self.request(message)))


class AliyunSmsAdapter(ProviderSmsAdapter):
    """Aliyun dysmsapi SendSms: PhoneNumbers, SignName, TemplateCode, TemplateParam, OutId."""

    def request(self, message: Message) -> dict[str, Any]:
        return {
            "Action": "SendSms",
            "PhoneNumbers": message.recipient,
            "SignName": self.sign_name,
            "TemplateCode": self.template_code,
            "TemplateParam": json.dumps({"content": message.body}, ensure_ascii=False),
            "OutId": str(message.pk),
        }

    def provider_id(self, response: dict[str, Any]) -> str:
        if response.get("Code") != "OK":
            raise GatewayError(str(response.get("Message", "发送失败")))
        return str(response["BizId"])


class TencentSmsAdapter(ProviderSmsAdapter):
    """Tencent Cloud SMS SendSms: PhoneNumberSet, SignName, TemplateId, TemplateParamSet, SessionContext."""

    def request(self, message: Message) -> dict[str, Any]:
        return {
            "PhoneNumberSet": [f"+86{message.recipient}"],
            "SignName": self.sign_name,
            "TemplateId": self.template_code,
            "TemplateParamSet": [message.body],
            "SessionContext": str(message.pk),
        }

    def provider_id(self, response: dict[str, Any]) -> str:
        status = (response.get("SendStatusSet") or [{}])[0]
        if status.get("Code") != "Ok":
            raise GatewayError(str(status.get("Message", "发送失败")))
        return str(status["SerialNo"])


class EmailGateway:
    """E-mail through Django's mail backend (SMTP, file, console … per settings.EMAIL_BACKEND)."""

    idempotent: ClassVar[bool] = False

    def send(self, message: Message) -> str:
        provider_id = f"<kedang-{message.pk}@{settings.DEFAULT_FROM_EMAIL.split('@')[-1]}>"
        mail = EmailMessage(
            subject=message.subject,
            body=message.body,
            to=[message.recipient],
            headers={"Message-ID": provider_id},
        )
        try:
            mail.send()
        except OSError as exc:
            raise GatewayError(f"邮件发送失败：{exc}") from exc
        return provider_id


class LetterGateway:
    """Letters are printed from the outbox (letters.py, one mail-merged PDF): 'sent' = put in the print run."""

    idempotent: ClassVar[bool] = True

    def send(self, message: Message) -> str:
        return f"letter-{message.pk}"


class PhoneGateway:
    """A phone message is a call for a person: its care task, or a new CARE_CALL task for the owner."""

    idempotent: ClassVar[bool] = True

    def send(self, message: Message) -> str:
        from .services import phone_task_for

        return f"task-{phone_task_for(message).pk}"


def gateway(channel: str) -> Gateway:
    if channel == "sms":
        cls: Any = import_string(settings.KEDANG_SMS_BACKEND)
        return cast(Gateway, cls())
    others: dict[str, type[Any]] = {"email": EmailGateway, "letter": LetterGateway, "phone": PhoneGateway}
    return cast(Gateway, others[channel]())
