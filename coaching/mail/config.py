"""How to reach the SMTP server. Built from TANDEM_SMTP_* by app/settings.py."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

DEFAULT_FROM = "Tandem <tandem@localhost>"


class SmtpSecurity(StrEnum):
    STARTTLS = "starttls"  # plain connection upgraded with STARTTLS (submission, port 587)
    TLS = "tls"  # TLS from the first byte (port 465)
    NONE = "none"  # no encryption: a relay on the same machine, or tests


@dataclass(frozen=True)
class MailSettings:
    host: str = ""  # empty: mail is kept in the outbox and never sent
    port: int = 587
    username: str = ""
    password: str = ""
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    mail_from: str = DEFAULT_FROM
    timeout_seconds: float = 30.0

    @property
    def sends(self) -> bool:
        return bool(self.host)
