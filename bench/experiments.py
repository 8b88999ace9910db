"""Experiments behind the throughput diagnosis: patches applied to a Tandem server, not the app.

    BENCH_EXPERIMENTS=rawsession,rawhome .venv/bin/python bench/throughput.py \\
        --serve-with bench/experiments.py

`--serve-with` runs this file instead of `python -m app.cli`; it applies the experiments named
in BENCH_EXPERIMENTS (comma-separated), then hands over to `tandem serve`. Each experiment says
what it changes. The raw-SQL ones return the same objects the domain functions return (same
rows, same privacy conditions, same access events), so the pages render identically; they
show what skipping Tortoise's query building costs or saves, not code to copy as is.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

EXPERIMENTS: dict[str, Callable[[], None]] = {}


def experiment(func: Callable[[], None]) -> Callable[[], None]:
    EXPERIMENTS[func.__name__] = func
    return func


# --- server and web layer --------------------------------------------------------------------


@experiment
def noaccesslog() -> None:
    """uvicorn without its access log (`tandem serve` logs every request at INFO)."""
    import uvicorn

    original = uvicorn.run

    def run(*args: Any, **kwargs: Any) -> None:
        original(*args, **{**kwargs, "access_log": False})

    uvicorn.run = run  # type: ignore[assignment]


@experiment
def noreload() -> None:
    """Jinja's auto_reload off: no stat() of each template file on every render."""
    import app.main
    import app.templating

    original = app.templating.make_templates

    def make_templates(*args: Any, **kwargs: Any) -> Any:
        templates = original(*args, **kwargs)
        templates.env.auto_reload = False
        return templates

    app.main.make_templates = make_templates  # type: ignore[assignment]


@experiment
def starletteurlfor() -> None:
    """Starlette's own url_for in templates (tries every route in turn), for comparison."""
    import app.main
    import app.templating

    original = app.templating.make_templates

    def make_templates(*args: Any, **kwargs: Any) -> Any:
        templates = original(*args, **kwargs)
        templates.env.globals.pop("url_for", None)
        templates._setup_env_defaults(templates.env)
        return templates

    app.main.make_templates = make_templates  # type: ignore[assignment]


@experiment
def sqlitenormal() -> None:
    """SQLite with synchronous=NORMAL (WAL stays): commits no longer wait for an fsync."""
    import app.settings

    original = app.settings.default_database_url
    app.settings.default_database_url = lambda: original() + "&synchronous=NORMAL"


# --- raw SQL ---------------------------------------------------------------------------------

_SQL: dict[tuple[str, str], str] = {}


def _sql(conn: Any, text: str) -> str:
    """Parameter style per dialect, computed once per statement text."""
    key = (conn.capabilities.dialect, text)
    if key not in _SQL:
        if key[0] == "postgres":
            parts = text.split("?")
            text = parts[0] + "".join(f"${i}{p}" for i, p in enumerate(parts[1:], 1))
        _SQL[key] = text
    return _SQL[key]


async def rows(text: str, *values: Any) -> list[dict]:
    from tortoise import connections

    conn = connections.get("default")
    return await conn.execute_query_dict(_sql(conn, text), list(values))


_COLS: dict[tuple[type, str], str] = {}


def cols(model: type, alias: str) -> str:
    """`alias."col" AS "alias.col"` for every column of the model."""
    key = (model, alias)
    if key not in _COLS:
        names = sorted(model._meta.db_fields)  # type: ignore[attr-defined]
        _COLS[key] = ",".join(f'{alias}."{n}" AS "{alias}.{n}"' for n in names)
    return _COLS[key]


def build(model: Any, row: dict, alias: str) -> Any:
    prefix = alias + "."
    values = {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)}
    if values.get("id") is None:
        return None
    return model._init_from_db(**values)


def link(obj: Any, attr: str, related: Any) -> None:
    object.__setattr__(obj, f"_{attr}", related)


def marks(n: int) -> str:
    return ",".join("?" * n)


def _session_from(row: dict) -> Any:
    from coaching.models import CoachingSession, Pairing, User

    session = build(CoachingSession, row, "s")
    pairing = build(Pairing, row, "p")
    link(pairing, "coach", build(User, row, "c"))
    link(pairing, "rep", build(User, row, "r"))
    link(session, "pairing", pairing)
    return session


SESSION_JOINS = (
    " FROM coaching_sessions s JOIN pairings p ON p.id = s.pairing_id"
    " JOIN users c ON c.id = p.coach_id JOIN users r ON r.id = p.rep_id"
)


async def raw_list_sessions(actor: Any, *, upcoming: bool, limit: int = 20, offset: int = 0) -> Any:
    from coaching.models import CoachingSession, Pairing, PairingStatus, User
    from coaching.people import now

    cutoff = now() - timedelta(hours=2)
    select = ",".join(
        [cols(CoachingSession, "s"), cols(Pairing, "p"), cols(User, "c"), cols(User, "r")]
    )
    where = "(p.rep_id = ? OR (p.coach_id = ? AND p.status = ?))"
    when = (
        "s.starts_at >= ? ORDER BY s.starts_at"
        if upcoming
        else "s.starts_at < ? ORDER BY s.starts_at DESC"
    )
    found = await rows(
        f"SELECT {select}{SESSION_JOINS} WHERE {where} AND {when} LIMIT ? OFFSET ?",
        actor.id,
        actor.id,
        PairingStatus.ACTIVE.value,
        cutoff,
        limit,
        offset,
    )
    return [_session_from(r) for r in found]


async def raw_open_agenda(actor: Any, sessions: list) -> list:
    from coaching.models import AgendaItem, CoachingSession, User

    ids = [s.id for s in sessions]
    if not ids:
        return []
    select = ",".join([cols(AgendaItem, "a"), cols(User, "u"), cols(CoachingSession, "s")])
    found = await rows(
        f"SELECT {select} FROM agenda_items a JOIN coaching_sessions s ON s.id = a.session_id"
        " JOIN pairings p ON p.id = s.pairing_id JOIN users u ON u.id = a.author_id"
        f" WHERE (p.rep_id = ? OR a.author_id = ?) AND a.session_id IN ({marks(len(ids))})"
        " AND a.done = ? ORDER BY a.created_at, a.id",
        actor.id,
        actor.id,
        *ids,
        False,
    )
    items = []
    for r in found:
        item = build(AgendaItem, r, "a")
        link(item, "author", build(User, r, "u"))
        link(item, "session", build(CoachingSession, r, "s"))
        items.append(item)
    return items


async def raw_my_open_goals(actor: Any) -> list:
    from coaching.models import Goal, GoalStatus, User

    goals = [
        build(Goal, r, "g")
        for r in await rows(
            f"SELECT {cols(Goal, 'g')} FROM goals g WHERE g.owner_id = ? AND g.status = ?"
            " ORDER BY g.created_at DESC, g.id DESC",
            actor.id,
            GoalStatus.OPEN.value,
        )
    ]
    shared: dict[int, list] = {g.id: [] for g in goals}
    if goals:
        for r in await rows(
            f'SELECT gs.goals_id AS "goal_id",{cols(User, "u")} FROM goal_shares gs'
            f" JOIN users u ON u.id = gs.user_id WHERE gs.goals_id IN ({marks(len(goals))})",
            *shared,
        ):
            shared[r["goal_id"]].append(build(User, r, "u"))
    for g in goals:
        g.shared_with._set_result_for_query(shared[g.id])
    return goals


async def raw_home_for(actor: Any) -> Any:
    from coaching import home as home_module
    from coaching.models import Pairing, PairingStatus, Role, User

    home = home_module.Home()
    home.upcoming = await raw_list_sessions(actor, upcoming=True, limit=6)
    home.open_agenda = await raw_open_agenda(actor, home.upcoming)
    home.goals = await raw_my_open_goals(actor)
    select = ",".join([cols(Pairing, "p"), cols(User, "c"), cols(User, "r")])
    for r in await rows(
        f"SELECT {select} FROM pairings p JOIN users c ON c.id = p.coach_id"
        " JOIN users r ON r.id = p.rep_id"
        " WHERE p.status IN (?,?) AND (p.coach_id = ? OR p.rep_id = ?)",
        PairingStatus.PROPOSED.value,
        PairingStatus.ACTIVE.value,
        actor.id,
        actor.id,
    ):
        pairing = build(Pairing, r, "p")
        link(pairing, "coach", build(User, r, "c"))
        link(pairing, "rep", build(User, r, "r"))
        mine_to_answer = pairing.rep_id == actor.id
        if pairing.status == PairingStatus.PROPOSED:
            target = home.awaiting_my_answer if mine_to_answer else home.awaiting_their_answer
            target.append(pairing)
        elif pairing.coach_id == actor.id:
            home.coaching.append(pairing)
    if actor.has_role(Role.ADMIN):
        await home_module._admin_counts(home)
    return home


async def raw_list_unread(actor: Any, limit: int = 5) -> list:
    from coaching.models import User
    from playbooks.models import Playbook, PlaybookStatus

    select = ",".join([cols(Playbook, "b"), cols(User, "u")])
    found = await rows(
        f"SELECT {select} FROM playbooks b LEFT JOIN users u ON u.id = b.author_id"
        " WHERE b.status = ? AND b.id NOT IN"
        " (SELECT playbook_id FROM playbook_reads WHERE reader_id = ?)"
        " ORDER BY b.published_at DESC, b.id DESC LIMIT ?",
        PlaybookStatus.PUBLISHED.value,
        actor.id,
        limit,
    )
    books = []
    for r in found:
        book = build(Playbook, r, "b")
        link(book, "author", build(User, r, "u"))
        books.append(book)
    return books


@experiment
def rawhome() -> None:
    """The home page's queries as hand-written SQL (same conditions), no Tortoise QuerySets;
    the unread playbooks in one query instead of two."""
    import app.views.home

    app.views.home.home_for = raw_home_for  # type: ignore[assignment]
    app.views.home.list_unread = raw_list_unread  # type: ignore[assignment]


async def raw_session_page(actor: Any, session_id: int) -> Any:
    from coaching import privacy
    from coaching.errors import NotFound
    from coaching.models import (
        AgendaItem,
        CoachingSession,
        Goal,
        Pairing,
        PairingStatus,
        PipelineSnapshot,
        PrivateNote,
        Reflection,
        SnapshotDeal,
        User,
    )
    from coaching.people import now
    from coaching.privacy import Action
    from coaching.sessions import SessionPage

    select = ",".join(
        [
            cols(CoachingSession, "s"),
            cols(Pairing, "p"),
            cols(User, "c"),
            cols(User, "r"),
            cols(User, "e"),
        ]
    )
    found = await rows(
        f"SELECT {select}{SESSION_JOINS} LEFT JOIN users e ON e.id = s.shared_notes_updated_by_id"
        " WHERE s.id = ?",
        session_id,
    )
    session = _session_from(found[0]) if found else None
    if session is not None:
        link(session, "shared_notes_updated_by", build(User, found[0], "e"))
    if session is None or not await privacy.may(actor, Action.READ, session):
        raise NotFound("No such session, or it isn't one of yours.")
    rep_id = session.pairing.rep_id
    agenda = []
    for r in await rows(
        f"SELECT {cols(AgendaItem, 'a')},{cols(User, 'u')} FROM agenda_items a"
        " JOIN users u ON u.id = a.author_id WHERE a.session_id = ? ORDER BY a.created_at, a.id",
        session.id,
    ):
        item = build(AgendaItem, r, "a")
        link(item, "author", build(User, r, "u"))
        agenda.append(item)
    notes = await rows(
        f"SELECT {cols(PrivateNote, 'n')} FROM private_notes n"
        " WHERE n.session_id = ? AND n.author_id = ?",
        session.id,
        actor.id,
    )
    note = build(PrivateNote, notes[0], "n") if notes else None
    snapshots: dict[int, Any] = {}
    deals: dict[int, list] = {}
    for r in await rows(  # snapshots and their deals in one query
        f"SELECT {cols(PipelineSnapshot, 'ps')},{cols(SnapshotDeal, 'd')}"
        " FROM pipeline_snapshots ps LEFT JOIN snapshot_deals d ON d.snapshot_id = ps.id"
        " WHERE ps.session_id = ?"
        " ORDER BY ps.id, d.close_date, d.id",
        session.id,
    ):
        snap_id = r["ps.id"]
        if snap_id not in snapshots:
            snapshots[snap_id] = build(PipelineSnapshot, r, "ps")
            deals[snap_id] = []
        deal = build(SnapshotDeal, r, "d")
        if deal is not None:
            deals[snap_id].append(deal)
    for snap_id, snap in snapshots.items():
        snap.deals._set_result_for_query(deals[snap_id])
    page = SessionPage(session, agenda, note, list(snapshots.values()))
    page.can_write = await privacy.may(actor, Action.WRITE, session)
    if actor.id == rep_id:
        return page
    shared = (
        " JOIN {shares} x ON x.{key} = t.id JOIN pairings p ON p.rep_id = t.{owner}"
        " WHERE x.user_id = ? AND p.coach_id = ? AND p.status = ? AND t.{owner} = ?"
        " ORDER BY t.created_at DESC, t.id DESC"
    )
    args = (actor.id, actor.id, PairingStatus.ACTIVE.value, rep_id)
    page.shared_goals = [
        build(Goal, r, "t")
        for r in await rows(
            f"SELECT DISTINCT {cols(Goal, 't')} FROM goals t"
            + shared.format(shares="goal_shares", key="goals_id", owner="owner_id"),
            *args,
        )
    ]
    page.shared_reflections = [
        build(Reflection, r, "t")
        for r in await rows(
            f"SELECT DISTINCT {cols(Reflection, 't')} FROM reflections t"
            + shared.format(shares="reflection_shares", key="reflections_id", owner="author_id"),
            *args,
        )
    ]
    events = [("session", session.id)]
    events += [("snapshot", s) for s in snapshots]
    events += [("goal", g.id) for g in page.shared_goals]
    events += [("reflection", r.id) for r in page.shared_reflections]
    at = now()
    values: list[Any] = []
    for object_type, object_id in events:  # one INSERT for all of the page's reads
        values += [actor.id, rep_id, object_type, object_id, "read", at]
    await rows(
        "INSERT INTO access_events (actor_id, subject_id, object_type, object_id, action, at)"
        " VALUES " + ",".join(["(?,?,?,?,?,?)"] * len(events)),
        *values,
    )
    return page


@experiment
def rawsessionpage() -> None:
    """The session page's queries as hand-written SQL (same conditions), snapshots with their
    deals in one query, and the page's access events in one INSERT."""
    import coaching.sessions

    coaching.sessions.get_session_page = raw_session_page  # type: ignore[assignment]


@experiment
def onebulkaccess() -> None:
    """Only the access events changed: the session page's reads in one bulk INSERT instead
    of four (through the ORM, like today)."""
    import coaching.sessions as s
    from coaching.models import AccessEvent

    async def get_session_page(actor: Any, session_id: int) -> Any:
        pending: list[tuple] = []
        original_reads = s.access.record_reads

        async def collect(actor: Any, subject_id: int, object_type: str, ids: Any) -> None:
            pending.extend((subject_id, object_type, i) for i in ids)

        s.access.record_reads = collect  # type: ignore[assignment]
        s.access.record_read = lambda a, sub, t, i: collect(a, sub, t, [i])  # type: ignore[assignment]
        try:
            page = await ORIGINAL_PAGE(actor, session_id)
        finally:
            s.access.record_reads = original_reads  # type: ignore[assignment]
            s.access.record_read = ORIGINAL_READ  # type: ignore[assignment]
        if pending and actor.id != pending[0][0]:
            await AccessEvent.bulk_create(
                [
                    AccessEvent(actor_id=actor.id, subject_id=sub, object_type=t, object_id=i)
                    for sub, t, i in pending
                ]
            )
        return page

    import coaching.access

    global ORIGINAL_PAGE, ORIGINAL_READ
    ORIGINAL_PAGE = s.get_session_page
    ORIGINAL_READ = coaching.access.record_read
    s.get_session_page = get_session_page  # type: ignore[assignment]


ORIGINAL_PAGE: Any = None
ORIGINAL_READ: Any = None


async def raw_session_row(self: Any, cookie: str | None) -> Any:
    from app.web_sessions import SessionData, SessionState
    from coaching.models import User, WebSession
    from coaching.people import hash_token, now

    row = None
    if cookie and self._signed_by_us(cookie):
        found = await rows(
            f"SELECT {cols(WebSession, 'w')},{cols(User, 'u')} FROM web_sessions w"
            " LEFT JOIN users u ON u.id = w.user_id WHERE w.key_hash = ? AND w.expires_at > ?",
            hash_token(cookie),
            now(),
        )
        if found:
            row = build(WebSession, found[0], "w")
            link(row, "user", build(User, found[0], "u"))
    return SessionState(row, SessionData(row.data if row is not None else {}))


async def orm_session_row(self: Any, cookie: str | None) -> Any:
    from app.web_sessions import SessionData, SessionState
    from coaching.models import WebSession
    from coaching.people import hash_token, now

    row = None
    if cookie and self._signed_by_us(cookie):
        row = await WebSession.get_or_none(
            key_hash=hash_token(cookie), expires_at__gt=now()
        ).select_related("user")
    return SessionState(row, SessionData(row.data if row is not None else {}))


@experiment
def ormsession() -> None:
    """The session middleware's lookup as a plain Tortoise query built on every request (as
    before app/compiled.py), for comparison."""
    import app.web_sessions

    app.web_sessions.ServerSessionMiddleware._load = orm_session_row  # type: ignore[method-assign]


@experiment
def rawsession() -> None:
    """The session middleware's session+user lookup as one hand-written SQL query."""
    import app.web_sessions

    app.web_sessions.ServerSessionMiddleware._load = raw_session_row  # type: ignore[method-assign]


def main() -> int:
    for name in filter(None, os.environ.get("BENCH_EXPERIMENTS", "").split(",")):
        print(f"experiment: {name}: {EXPERIMENTS[name].__doc__}", flush=True)
        EXPERIMENTS[name]()
    from app.cli import main as tandem

    sys.argv = ["tandem", *sys.argv[1:]]
    return tandem()


if __name__ == "__main__":
    sys.exit(main())
