"""Each main page makes a fixed, pinned number of queries per role, however much data it
shows: a page that starts querying in a loop (or from a template) fails here, and a page
that needs one more query says so in this table, in review."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from coaching import goals, reflections, sessions
from coaching.compiled import Shape
from coaching.sharing import set_shared_with
from tests.factories import (
    make_pairing,
    make_playbook,
    make_session,
    make_snapshot,
    make_user,
    open_browser,
)
from tests.web.test_query_counts import counting_queries

# (page, role) -> queries for one signed-in GET, the session lookup included.
# fmt: off
PINNED: dict[tuple[str, str], int] = {
    ("home", "rep"): 9,
    # The coach's home also reads what reps put on upcoming agendas, and logs it for them.
    ("home", "manager"): 11,
    ("home", "trainer"): 9,
    ("home", "admin"): 11,
    ("sessions", "rep"): 3,
    ("sessions", "manager"): 3,
    # The deals a bringing shows never change: read once per process (pipeline/memo.py),
    # so this second visit does not read them again.
    ("session", "rep"): 10,
    ("session", "manager"): 13,
    ("goals", "rep"): 5,
    ("journal", "rep"): 6,
    ("pipeline", "rep"): 4,
    ("snapshot", "rep"): 9,
    ("pairings", "rep"): 2,
    ("pairings", "manager"): 2,
    ("pairings", "admin"): 3,
    # Beside the signed-in person: the page of playbooks and their count, the topics, the
    # reader's reads, notes and bookmarks.
    ("playbooks", "manager"): 7,
    ("playbooks", "trainer"): 7,
    ("people", "admin"): 5,
    ("access log", "rep"): 4,
}
# fmt: on


@dataclass
class Org:
    people: dict[str, object]
    urls: dict[str, str]


async def build_org(size: int) -> Org:
    """A rep, their manager, a trainer and an admin, with `size` of everything."""
    rep, manager = await make_user("rep"), await make_user("manager")
    trainer, admin = await make_user("trainer"), await make_user("admin")
    pairing = await make_pairing(manager, rep)
    session = await make_session(pairing)
    snapshot = await make_snapshot(rep, session)
    await sessions.add_agenda_item(rep, session.id, "What the rep wants to talk about")
    for i in range(size):
        await make_session(pairing, days_ahead=3 + i)
        await sessions.add_agenda_item(rep if i % 2 else manager, session.id, f"Topic {i}")
        goal = await goals.add_goal(rep, {"title": f"Goal {i}"})
        await set_shared_with(rep, goal, [manager.id])
        entry = await reflections.write_reflection(rep, f"Reflection {i}")
        await set_shared_with(rep, entry, [manager.id])
        await make_playbook(trainer, f"Playbook {i}", published=i % 2 == 0)
        await make_snapshot(rep, deal=f"Deal {i}")
        await make_pairing(manager, await make_user("rep"))
        await goals.get_goal(manager, goal.id)  # reads for the access log
    urls = {
        "home": "/",
        "sessions": "/sessions",
        "session": f"/sessions/{session.id}",
        "goals": "/goals",
        "journal": "/journal",
        "pipeline": "/snapshots",
        "snapshot": f"/snapshots/{snapshot.id}",
        "pairings": "/pairings",
        "playbooks": "/playbooks",
        "people": "/admin/people",
        "access log": "/account/access-log",
    }
    people = {"rep": rep, "manager": manager, "trainer": trainer, "admin": admin}
    return Org(people, urls)


async def count_queries(app, org: Org, page: str, role: str) -> int:  # type: ignore[no-untyped-def]
    async with open_browser(app) as browser:
        await browser.login(org.people[role])
        url = org.urls[page]
        await browser.get(url)  # the first page after signing in consumes the welcome message
        with counting_queries() as counter:
            response = await browser.get(url)
        assert response.status_code == 200, (page, role, response.status_code)
    return counter.count


@pytest.mark.parametrize(("page", "role"), list(PINNED), ids=[f"{p}-{r}" for p, r in PINNED])
async def test_page_makes_its_pinned_number_of_queries_with_little_and_much_data(
    app, page: str, role: str
) -> None:
    little = await count_queries(app, await build_org(1), page, role)
    much = await count_queries(app, await build_org(8), page, role)
    assert (little, much) == (PINNED[page, role], PINNED[page, role])


async def test_every_query_shape_the_main_pages_use_is_compiled(app) -> None:
    """A shape that can't be compiled still works, slowly: say so here instead of finding
    out from the bench (coaching/compiled.py lists what can't be)."""
    org = await build_org(2)
    for page, role in PINNED:
        await count_queries(app, org, page, role)
    ours = [s for s in Shape.every if s.build.__module__.split(".")[0] in {"coaching", "playbooks"}]
    used = [shape for shape in ours if shape._compiled]
    assert len(used) > 10
    assert not [describe(shape) for shape in used if shape.fell_back]


def describe(shape: Shape) -> str:  # type: ignore[type-arg]
    """Where the shape was written (a policy-scoped shape: the shape it wraps)."""
    cells = [cell.cell_contents for cell in shape.build.__closure__ or ()]
    inner = next((cell for cell in cells if isinstance(cell, Shape)), shape)
    code = inner.build.__code__
    return f"{code.co_filename}:{code.co_firstlineno} {shape._compiled}"
