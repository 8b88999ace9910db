"""Pages do a constant number of queries however much data they show (no N+1)."""

import logging
from contextlib import contextmanager

from coaching import goals, reflections, sessions, snapshots
from coaching.sharing import set_shared_with
from tests.factories import make_deal, make_pairing, make_session, make_snapshot, make_user


class QueryCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "Created connection" not in str(record.msg):
            self.count += 1


@contextmanager
def counting_queries():
    logger = logging.getLogger("tortoise.db_client")
    counter, level = QueryCounter(), logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)


async def grow_session(coach, rep, session, n: int) -> None:
    for i in range(n):
        await sessions.add_agenda_item(rep if i % 2 else coach, session.id, f"Topic {i}")
        goal = await goals.add_goal(rep, {"title": f"Goal {i}"})
        await set_shared_with(rep, goal, [coach.id])
        entry = await reflections.write_reflection(rep, f"Reflection {i}")
        await set_shared_with(rep, entry, [coach.id])
    # Ten deals for every agenda point: the small session has 20, the big one 1,200.
    deals = [make_deal(f"Deal {i}", amount=1000 * i, close_in_days=i % 90) for i in range(n * 100)]
    snap = await make_snapshot(rep, deals=deals)
    await snapshots.bring_to_session(rep, snap.id, session.id)


async def queries_for(browser, url: str) -> int:
    await browser.get(url)  # the first page after signing in also consumes the welcome flash
    with counting_queries() as counter:
        response = await browser.get(url)
    assert response.status_code == 200
    return counter.count


async def test_session_page_queries_do_not_grow_with_agenda_goals_and_1000_deals(browser):
    coach, rep = await make_user("manager"), await make_user()
    small = await make_session(await make_pairing(coach, rep))
    other_rep = await make_user()
    big = await make_session(await make_pairing(coach, other_rep, "mentor"))
    await grow_session(coach, rep, small, 2)
    await grow_session(coach, other_rep, big, 12)
    await browser.login(coach)
    assert await queries_for(browser, f"/sessions/{small.id}") == await queries_for(
        browser, f"/sessions/{big.id}"
    )


async def test_home_page_queries_do_not_grow_with_sessions(browser):
    coach = await make_user("manager")
    rep_few, rep_many = await make_user(), await make_user()
    first = await make_session(await make_pairing(coach, rep_few))
    await sessions.add_agenda_item(rep_few, first.id, "Prepare")
    await goals.add_goal(rep_few, {"title": "One goal"})
    await browser.login(rep_few)
    few = await queries_for(browser, "/")
    pairing = await make_pairing(coach, rep_many)
    for days in range(1, 7):
        session = await make_session(pairing, days_ahead=days)
        await sessions.add_agenda_item(rep_many, session.id, "Prepare")
    for i in range(8):
        await goals.add_goal(rep_many, {"title": f"Goal {i}"})
    browser.client.cookies.clear()
    await browser.login(rep_many)
    assert await queries_for(browser, "/") == few
