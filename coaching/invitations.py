"""Calendar invitations mailed to both people of a session, through the outbox: written in
the same transaction as the change, so a session and its invitations exist together."""

from __future__ import annotations

from dataclasses import dataclass

from coaching.calendars import CalendarSite, Method, invitation
from coaching.mail.models import MailKind
from coaching.mail.outbox import enqueue
from coaching.models import CoachingSession, Pairing


@dataclass(frozen=True)
class Invitations:
    """Where invitations come from: the site (UIDs, links) and the From address."""

    site: CalendarSite
    sender: str

    async def send(
        self, session: CoachingSession, pairing: Pairing, method: Method, note: str = ""
    ) -> None:
        """One message to the coach and one to the rep (the pairing's people loaded)."""
        coach, rep = pairing.coach, pairing.rep
        for person in (coach, rep):
            message = invitation(
                session,
                coach,
                rep,
                method=method,
                to=person,
                sender=self.sender,
                site=self.site,
                note=note,
            )
            await enqueue(message, MailKind.INVITATION)
