"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 and a free port, in its own thread."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from coaching.mail.config import MailSettings, SmtpSecurity


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Inbox:
    """Keeps what it receives; answers `refusal` to the first `refuse_first` messages."""

    refuse_first: int = 0
    refusal: str = "451 4.3.0 Try again later"
    received: list[Received] = field(default_factory=list)
    refused: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refused < self.refuse_first:
            self.refused += 1
            return self.refusal
        raw = envelope.original_content or b""
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [str(r.message["Message-ID"]) for r in self.received]


class FreePortController(Controller):
    """aiosmtpd 1.4's Controller with port=0 binds a free port but then checks that it
    answers on port 0 (refused): learn the port the server got before that check."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


def settings_for(port: int) -> MailSettings:
    return MailSettings(
        host="127.0.0.1",
        port=port,
        security=SmtpSecurity.NONE,
        mail_from="Tandem <tandem@example.com>",
        timeout_seconds=5,
    )


@contextmanager
def smtp_server(inbox: Inbox, port: int = 0) -> Iterator[MailSettings]:
    controller = FreePortController(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield settings_for(controller.port)
    finally:
        controller.stop()


def port_nobody_listens_on() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
