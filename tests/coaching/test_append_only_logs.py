"""The access log and the audit log are append-only, and the database itself says so.

Triggers from the migrations (coaching/append_only.py) refuse UPDATE and DELETE on
`access_events` and `audit_events`, on SQLite and on PostgreSQL alike. Each way code
could change a line is tried: a queryset update or delete, saving or deleting a loaded
row, and raw SQL; each must fail with the database's refusal and leave the lines as
they were. Without the triggers (migrations 0002 downgraded) every attempt here goes
through and the tests fail on both databases.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from coaching import goals, people
from coaching.append_only import MESSAGE
from coaching.identity.models import AuditEvent, UserRole, WebSession
from coaching.models import AccessEvent, Pairing
from tests.factories import make_goal, make_pairing, make_user, open_browser, reload, text_of

Attempt = Callable[[], Awaitable[Any]]
# How the trigger's refusal reaches the code: SQLite's RAISE(ABORT) as Tortoise's
# IntegrityError; PostgreSQL's RAISE EXCEPTION (SQLSTATE P0001) as asyncpg's own
# RaiseError, which Tortoise passes through untranslated.
REFUSED = (IntegrityError, asyncpg.exceptions.RaiseError)


def attempts_to_change(model: type[Model], table: str, row: Any) -> dict[str, Attempt]:
    """Every way to update or delete `row`, through the model and with raw SQL."""
    db = connections.get("default")

    async def save_loaded() -> None:
        loaded = await model.get(id=row.id)
        loaded.actor_name = "Someone Else"
        await loaded.save()

    async def delete_loaded() -> None:
        await (await model.get(id=row.id)).delete()

    return {
        "queryset update": lambda: model.filter(id=row.id).update(actor_name="Someone Else"),
        "queryset delete": lambda: model.filter(id=row.id).delete(),
        "save of a loaded row": save_loaded,
        "delete of a loaded row": delete_loaded,
        "raw UPDATE": lambda: db.execute_query(f"UPDATE {table} SET actor_name = 'Someone Else'"),
        "raw DELETE": lambda: db.execute_query(f"DELETE FROM {table}"),
    }


async def assert_every_change_is_refused(model: type[Model], table: str, row: Any) -> None:
    before = await model.all().order_by("id").values()
    assert before, "nothing to try to change"
    for way, attempt in attempts_to_change(model, table, row).items():
        with pytest.raises(REFUSED) as refused:
            await attempt()
        assert MESSAGE in str(refused.value), f"{way}: refused for another reason: {refused.value}"
        assert await model.all().order_by("id").values() == before, f"{way} changed the log"


async def test_access_events_can_be_neither_updated_nor_deleted(db) -> None:
    rep, coach = await make_user("rep"), await make_user("manager")
    await make_pairing(coach, rep)
    goal = await make_goal(rep)
    await goals.share_goal(rep, goal.id, [coach.id])
    await goals.get_goal(coach, goal.id)  # a read: one access event
    event = await AccessEvent.get(subject_id=rep.id)

    await assert_every_change_is_refused(AccessEvent, "access_events", event)


async def test_audit_events_can_be_neither_updated_nor_deleted(db) -> None:
    admin, person = await make_user("admin"), await make_user("rep")
    await people.set_roles(await reload(admin), person.id, ["rep", "manager"])
    event = await AuditEvent.get(subject_id=person.id)

    await assert_every_change_is_refused(AuditEvent, "audit_events", event)


async def test_a_readers_deleted_account_leaves_their_reads_in_the_reps_log(app) -> None:
    """The reader is copied into each line (no foreign key), so deleting the reader's
    account, with a raw DELETE once the rows that point at it are gone, keeps the lines,
    with their name and email, and the rep still sees them."""
    rep = await make_user("rep", name="Rosa Rep")
    coach = await make_user("manager", name="Maya Coach", email="maya@example.com")
    await make_pairing(coach, rep)
    goal = await make_goal(rep, "Close the Northwind renewal")
    await goals.share_goal(rep, goal.id, [coach.id])
    await goals.get_goal(coach, goal.id)
    await goals.get_goal(coach, goal.id)

    await goal.shared_with.clear()
    await Pairing.filter(coach_id=coach.id).delete()
    await UserRole.filter(user_id=coach.id).delete()
    await WebSession.filter(user_id=coach.id).delete()
    await connections.get("default").execute_query(f"DELETE FROM users WHERE id = {coach.id}")

    events = await AccessEvent.filter(subject_id=rep.id)
    assert len(events) == 2
    assert {(e.actor_id, e.actor_name, e.actor_email) for e in events} == {
        (coach.id, "Maya Coach", "maya@example.com")
    }
    async with open_browser(app) as browser:
        await browser.login(rep)
        log = text_of((await browser.get("/account/access-log")).text)
    assert "Maya Coach (maya@example.com) opened your goal ‘Close the Northwind renewal’" in log
