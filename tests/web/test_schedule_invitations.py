"""Scheduling a session mails both people a calendar invitation, through the outbox, in
the same transaction: no session without its invitations, no invitation without a session."""

import email
import email.policy
from datetime import timedelta

from coaching.clock import now
from coaching.mail.models import MailKind, OutboxMessage
from coaching.models import CoachingSession
from tests.calendar_parsing import parse_calendar
from tests.factories import make_pairing, make_user


async def _schedule(browser, pairing, **changes: str):
    day = (now() + timedelta(days=10)).date().isoformat()
    form = {"title": "Weekly coaching", "date": day, "time": "09:00", "duration": "30"}
    return await browser.post(f"/pairings/{pairing.id}/sessions/new", {**form, **changes})


async def test_scheduling_mails_the_coach_and_the_rep_one_request_each(browser):
    coach = await make_user("manager", name="Maya Okafor")
    rep = await make_user("rep", name="Rosa Diaz")
    pairing = await make_pairing(coach, rep)
    await browser.login(coach)

    assert (await _schedule(browser, pairing)).status_code == 303

    session = await CoachingSession.get(pairing_id=pairing.id)
    rows = await OutboxMessage.all().order_by("id")
    assert sorted(row.recipient for row in rows) == sorted([coach.email, rep.email])
    assert {row.kind for row in rows} == {MailKind.INVITATION}
    uids = set()
    for row in rows:
        message = email.message_from_bytes(row.message, policy=email.policy.default)
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        assert part.get_param("method") == "REQUEST"
        parsed = parse_calendar(part.get_content())
        assert parsed.by_icalendar["METHOD"] == "REQUEST"
        (event,) = parsed.events()
        assert event["SEQUENCE"] == 0 and f"/sessions/{session.id}" in str(event["DESCRIPTION"])
        assert parsed.vevents()[0].uid.value == str(event["UID"])
        uids.add(str(event["UID"]))
    assert uids == {f"session-{session.id}@testserver"}


async def test_a_refused_schedule_mails_nothing(browser):
    coach, rep = await make_user("manager"), await make_user("rep")
    pairing = await make_pairing(coach, rep)
    await browser.login(coach)
    assert (await _schedule(browser, pairing, date="2020-01-01")).status_code == 400
    assert not await CoachingSession.exists() and not await OutboxMessage.exists()
