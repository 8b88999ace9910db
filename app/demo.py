"""A living demo organisation: people, pairings, sessions, goals, a snapshot, playbooks."""

from __future__ import annotations

from datetime import date, time, timedelta

from coaching import commitments, goals, pairings, reflections, sessions, snapshots
from coaching.clock import now
from coaching.identity.accounts import create_user
from coaching.models import Pairing, User
from coaching.pipeline.deals import DealRecord, DealStatus, deal_key
from coaching.sharing import set_shared_with
from playbooks import library, reader
from playbooks.files import load_starter_library
from playbooks.models import Playbook

DEMO_PASSWORD = "tandem-demo-2026"
DEMO_PEOPLE = [
    ("admin@example.com", "Ada Lindqvist", ["admin"], "Europe/Stockholm"),
    ("trainer@example.com", "Tomás Reyes", ["trainer"], "America/Mexico_City"),
    ("maya@example.com", "Maya Okafor", ["manager"], "Europe/London"),
    ("leo@example.com", "Leo Brandt", ["manager"], "Europe/Berlin"),
    ("rosa@example.com", "Rosa Díaz", ["rep"], "Europe/Madrid"),
    ("sam@example.com", "Sam Whitaker", ["rep"], "Europe/London"),
    ("priya@example.com", "Priya Nair", ["rep"], "Asia/Kolkata"),
    ("jonas@example.com", "Jonas Berg", ["rep"], "Europe/Berlin"),
    ("elif@example.com", "Elif Kaya", ["rep"], "Europe/Istanbul"),
]

AGREEMENT = {
    "sees": "The sessions we schedule, their agenda and shared notes, goals and reflections "
    "you decide to share with me, and pipeline snapshots you bring to a session.",
    "why": "So we can prepare your key deals together and work on the skills you pick. "
    "It is never used for your review or your pay.",
    "cadence": "Every two weeks, 30 minutes",
}


async def demo_exists() -> bool:
    return await User.filter(email=DEMO_PEOPLE[0][0]).exists()


async def create_demo() -> dict[str, User]:
    by_email = {}
    for email, name, roles, tz in DEMO_PEOPLE:
        by_email[email] = await create_user(email, name, roles, DEMO_PASSWORD, tz)
    u = {e.split("@")[0]: user for e, user in by_email.items()}
    admin, maya, leo = u["admin"], u["maya"], u["leo"]

    async def pair(actor: User, coach: User, rep: User, kind: str, accept: bool = True) -> Pairing:
        form = {"coach_id": str(coach.id), "rep_id": str(rep.id), "kind": kind, **AGREEMENT}
        p = await pairings.propose_pairing(actor, pairings.parse_proposal(form))
        if accept:
            await pairings.respond_to_pairing(rep, p.id, True)
        return p

    maya_rosa = await pair(maya, maya, u["rosa"], "manager")
    await pair(maya, maya, u["sam"], "manager")
    await pair(admin, maya, u["priya"], "manager")
    await pair(leo, leo, u["jonas"], "manager")
    await pair(leo, leo, u["elif"], "manager", accept=False)
    await pair(admin, leo, u["rosa"], "mentor")

    upcoming_id = await _sessions(maya, u["rosa"], maya_rosa.id)
    await _rep_space(u["rosa"], maya)
    await sessions.get_session_page(maya, upcoming_id)  # Rosa's access log shows this read
    await _playbooks(u["trainer"], maya)
    return u


async def _playbooks(trainer: User, manager: User) -> None:
    """The starter library; Maya has read two playbooks, one of which the trainer has
    since updated; and the trainer has a draft of her own."""
    await load_starter_library()
    slipped = await Playbook.get(slug="coaching-through-a-slipped-deal")
    first = await Playbook.get(slug="the-first-session-with-a-new-rep")
    for playbook in (slipped, first):
        await reader.mark_read(manager, playbook.id)
    form = {name: getattr(slipped, name) for name in library.CONTENT_FIELDS}
    form["body"] += (
        "\n\n## When the deal is lost after all\n\n"
        "Ask what the rep would keep from how they ran it. A lost deal that was well "
        "worked teaches more than a won deal nobody understands.\n"
    )
    await library.edit_playbook(trainer, slipped.id, form)
    await library.publish_playbook(trainer, slipped.id, "Added what to do when the deal is lost.")
    await library.write_playbook(
        trainer,
        {
            "title": "Coaching a rep who is ahead of target",
            "summary": "Draft: what a rep who is doing well still wants from a coach.",
            "topics": "one-on-ones feedback",
            "body": "## Start with what they want to get better at\n\nNot with the numbers.",
        },
    )


def _form_at(day: date, at: time, title: str, minutes: int = 30) -> sessions.ScheduleForm:
    return sessions.ScheduleForm(title=title, day=day, at=at, duration_minutes=minutes)


async def _sessions(coach: User, rep: User, pairing_id: int) -> int:
    today = now().date()
    upcoming = await sessions.schedule_session(
        coach, pairing_id, _form_at(today + timedelta(days=2), time(10, 0), "Weekly coaching")
    )
    await sessions.add_agenda_item(rep, upcoming.id, "Prepare the Northwind renewal call")
    await sessions.add_agenda_item(rep, upcoming.id, "Practise handling the pricing objection")
    await sessions.add_agenda_item(
        coach, upcoming.id, "How is the new discovery question set working?"
    )
    await sessions.schedule_session(
        coach, pairing_id, _form_at(today + timedelta(days=16), time(10, 0), "Weekly coaching")
    )
    # Scheduling refuses a start in the past: schedule it ahead, then move it back 12 days.
    past = await sessions.schedule_session(
        coach, pairing_id, _form_at(today + timedelta(days=1), time(8, 0), "Quarter kick-off", 45)
    )
    past.starts_at = past.starts_at - timedelta(days=13)
    await past.save(update_fields=["starts_at"])
    await sessions.save_shared_notes(
        coach,
        past.id,
        "Agreed: Rosa leads the Northwind demo; Maya joins only for the pricing part.\n"
        "Next step: Rosa drafts three discovery questions for Acme.",
    )
    await sessions.save_private_note(
        rep, past.id, "Felt nervous about pricing. Ask for a role-play."
    )
    await sessions.save_private_note(
        coach, past.id, "Rosa is strongest when she leads. Step back more."
    )
    await _demo_snapshots(rep, past.id, upcoming.id, today)
    await _commitments(coach, rep, past.id, today)
    return upcoming.id


async def _commitments(coach: User, rep: User, session_id: int, today: date) -> None:
    """Made in the past session: two still open (they show in the next one), one done."""
    due = (today + timedelta(days=1)).isoformat()
    for owner, text, due_on in (
        (rep, "Draft three discovery questions for Acme", due),
        (coach, "Set up a pricing role-play before the Northwind call", ""),
        (rep, "Send Northwind the revised proposal", ""),
    ):
        form = {"text": text, "owner_id": str(owner.id), "due_on": due_on}
        made = await commitments.add_commitment(coach, session_id, form)
    await commitments.set_done(rep, made.id, True)


def _deal(
    crm_id: str, name: str, account: str, stage: str, amount: int, close: date, next_step: str = ""
) -> DealRecord:
    won = stage == "Closed Won"
    return DealRecord(
        key=deal_key(crm_id, account, name), crm_id=crm_id, name=name, account=account,
        stage=stage, status=DealStatus.WON if won else DealStatus.OPEN,
        amount_minor=amount * 100, currency="EUR", close_date=close, next_step=next_step,
    )  # fmt: skip


async def _demo_snapshots(rep: User, past_id: int, upcoming_id: int, today: date) -> None:
    """Two snapshots a fortnight apart, so the session shows what changed between them."""

    def day(n: int) -> date:
        return today + timedelta(days=n)

    before = today - timedelta(days=14)
    legal = "Legal review of the order form"
    earlier = [
        _deal(
            "006A1", "Northwind renewal", "Northwind Traders", "Negotiation", 48_000, day(6), legal
        ),
        _deal("006A2", "Acme expansion", "Acme Corp", "Discovery", 12_500, day(30)),
        _deal("006A3", "Globex pilot", "Globex", "Proposal", 9_000, day(2), "Pilot scope call"),
        _deal("006A4", "Initech seats", "Initech", "Qualification", 6_400, day(50)),
    ]
    later = [
        _deal(
            "006A1", "Northwind renewal", "Northwind Traders", "Negotiation", 48_000, day(34), legal
        ),
        _deal("006A2", "Acme expansion", "Acme Corp", "Proposal", 15_000, day(30), "Send proposal"),
        _deal("006A3", "Globex pilot", "Globex", "Closed Won", 9_000, day(-1)),
        _deal("006A5", "Umbrella renewal", "Umbrella Health", "Discovery", 22_000, day(75)),
    ]
    for taken_on, deals, session_id in ((before, earlier, past_id), (today, later, upcoming_id)):
        origin = snapshots.ImportOrigin("Demo", "salesforce-report", taken_on, by=rep)
        imported = await snapshots.import_snapshot(
            rep, deals, origin, snapshots.content_hash_of_deals(deals)
        )
        await snapshots.bring_to_session(rep, imported.snapshot.id, session_id)


async def _rep_space(rep: User, coach: User) -> None:
    shared = await goals.add_goal(
        rep,
        {
            "title": "Lead discovery calls without a script",
            "detail": "I want to listen more than I talk.",
        },
    )
    await set_shared_with(rep, shared, [coach.id])
    await goals.add_goal(rep, {"title": "Close Northwind before the end of the quarter"})
    entry = await reflections.write_reflection(
        rep, "The kick-off helped. **Next time** I'll bring my own questions for the pricing part."
    )
    await set_shared_with(rep, entry, [coach.id])
    await reflections.write_reflection(rep, "Private thought: I'm not sure the Acme deal is real.")
