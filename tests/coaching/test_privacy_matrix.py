"""Who may read and write each kind of coaching object, per TRUST.md rules 2, 4 and 6.

Every cell of EXPECTED is checked twice: through `coaching.privacy.may` (the rule) and
through the domain functions the views call (what a person actually gets or changes).
A cell passes only when both agree with the table.

The world, built fresh for every cell:

- rep           owns everything below.
- coach         a manager in an ACTIVE pairing with the rep. The session belongs to this
                pairing; the shared goal and reflection are shared with this coach; the
                brought snapshot is brought to this session.
- ended_coach   the same coach after the rep ended the pairing (consent withdrawn).
- second_coach  a mentor in another active pairing with the rep; nothing shared with them.
- other_manager a manager coaching a different rep; no pairing with this rep.
- admin         runs the organisation (people, pairings) but reads no coaching content.
- trainer       writes playbooks.

Objects: the session (with shared notes), the rep's private note on it, an unshared and
a shared goal, an unshared and a shared reflection, a snapshot brought to the session,
a snapshot not brought, and the pairing itself.

"write" means changing the object: shared notes for the session; the note's text; the
status and sharing of a goal; the sharing of a reflection (its only change); bringing a
snapshot to or taking it back from a session; ending the pairing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from coaching import goals, pairings, privacy, reflections, sessions, snapshots
from coaching.errors import Invalid, NotFound, PermissionDenied
from coaching.models import (
    CoachingSession,
    Goal,
    GoalStatus,
    Pairing,
    PairingStatus,
    PipelineSnapshot,
    PrivateNote,
    Reflection,
    User,
)
from coaching.privacy import Action
from tests.factories import (
    make_goal,
    make_pairing,
    make_reflection,
    make_session,
    make_snapshot,
    make_user,
    reload,
)

ROLES = ("rep", "coach", "ended_coach", "second_coach", "other_manager", "admin", "trainer")
Y, N = True, False

# fmt: off
EXPECTED: dict[tuple[str, str], tuple[bool, ...]] = {
    #                                   rep  coach ended 2nd-coach other-mgr admin trainer
    ("session", "read"):               (Y,   Y,    N,    N,        N,        N,    N),
    ("session", "write"):              (Y,   Y,    N,    N,        N,        N,    N),
    ("private_note", "read"):          (Y,   N,    N,    N,        N,        N,    N),
    ("private_note", "write"):         (Y,   N,    N,    N,        N,        N,    N),
    ("unshared_goal", "read"):         (Y,   N,    N,    N,        N,        N,    N),
    ("unshared_goal", "write"):        (Y,   N,    N,    N,        N,        N,    N),
    ("shared_goal", "read"):           (Y,   Y,    N,    N,        N,        N,    N),
    ("shared_goal", "write"):          (Y,   N,    N,    N,        N,        N,    N),
    ("unshared_reflection", "read"):   (Y,   N,    N,    N,        N,        N,    N),
    ("unshared_reflection", "write"):  (Y,   N,    N,    N,        N,        N,    N),
    ("shared_reflection", "read"):     (Y,   Y,    N,    N,        N,        N,    N),
    ("shared_reflection", "write"):    (Y,   N,    N,    N,        N,        N,    N),
    ("snapshot_brought", "read"):      (Y,   Y,    N,    N,        N,        N,    N),
    ("snapshot_brought", "write"):     (Y,   N,    N,    N,        N,        N,    N),
    ("snapshot_not_brought", "read"):  (Y,   N,    N,    N,        N,        N,    N),
    ("snapshot_not_brought", "write"): (Y,   N,    N,    N,        N,        N,    N),
    # A pairing is the organisation's record of who coaches whom, not coaching content:
    # both sides (even after it ended) and admins read it; either side or an admin may end it.
    ("pairing", "read"):               (Y,   Y,    Y,    N,        N,        Y,    N),
    ("pairing", "write"):              (Y,   Y,    N,    N,        N,        Y,    N),
}
# fmt: on

# The privacy actions that count as "write" for each kind of object.
WRITE_ACTIONS = {
    "session": (Action.WRITE,),
    "private_note": (Action.WRITE,),
    "goal": (Action.WRITE, Action.SHARE),
    "reflection": (Action.WRITE, Action.SHARE),
    "snapshot": (Action.WRITE,),
    "pairing": (Action.END,),
}

SHARED_NOTES = "We agreed to practise discovery questions."
NOTE_TEXT = "I felt judged when we looked at the pipeline."


@dataclass
class World:
    rep: User
    actors: dict[str, User]
    pairing: Pairing
    session: CoachingSession
    note: PrivateNote
    goals: dict[str, Goal]
    reflections: dict[str, Reflection]
    snapshots: dict[str, PipelineSnapshot]


async def build_world(role: str) -> World:
    rep = await make_user("rep", name="Rosa Rep")
    coach = await make_user("manager", name="Maya Coach")
    second = await make_user("rep", name="Sam Senior")
    other = await make_user("manager", name="Omar Other")
    pairing = await make_pairing(coach, rep)
    await make_pairing(second, rep, kind="mentor")
    await make_pairing(other, await make_user("rep"))
    session = await make_session(pairing)
    await sessions.save_shared_notes(rep, session.id, SHARED_NOTES)
    note = await sessions.save_private_note(rep, session.id, NOTE_TEXT)

    shared_goal = await make_goal(rep, "Shared goal")
    await goals.share_goal(rep, shared_goal.id, [coach.id])
    shared_reflection = await make_reflection(rep, "Shared reflection")
    await reflections.share_reflection(rep, shared_reflection.id, [coach.id])
    brought = await make_snapshot(rep, deal="Brought deal")
    await snapshots.bring_to_session(rep, brought.id, session.id)

    world = World(
        rep=rep,
        actors={
            "rep": rep,
            "coach": coach,
            "ended_coach": coach,
            "second_coach": second,
            "other_manager": other,
            "admin": await make_user("admin"),
            "trainer": await make_user("trainer"),
        },
        pairing=pairing,
        session=session,
        note=note,
        goals={"unshared_goal": await make_goal(rep, "Private goal"), "shared_goal": shared_goal},
        reflections={
            "unshared_reflection": await make_reflection(rep, "Private reflection"),
            "shared_reflection": shared_reflection,
        },
        snapshots={
            "snapshot_brought": brought,
            "snapshot_not_brought": await make_snapshot(rep, deal="Kept deal"),
        },
    )
    if role == "ended_coach":
        await pairings.end_pairing(rep, pairing.id)
    return world


# --- what each path gives the actor -----------------------------------------------------


async def refused(call) -> bool:  # type: ignore[no-untyped-def]
    """Run a domain call; True if it was refused (NotFound or PermissionDenied)."""
    try:
        await call
    except (NotFound, PermissionDenied):
        return True
    return False


async def session_page(actor: User, world: World) -> sessions.SessionPage | None:
    try:
        return await sessions.get_session_page(actor, world.session.id)
    except NotFound:
        return None


async def fresh(world: World, kind: str) -> object:
    """The object as stored now, for privacy.may (never a stale in-memory copy)."""
    if kind == "session":
        return await CoachingSession.get(id=world.session.id)
    if kind == "private_note":
        return await PrivateNote.get(id=world.note.id)
    if kind == "pairing":
        return await Pairing.get(id=world.pairing.id)
    if kind in world.goals:
        return await Goal.get(id=world.goals[kind].id)
    if kind in world.reflections:
        return await Reflection.get(id=world.reflections[kind].id)
    return await PipelineSnapshot.get(id=world.snapshots[kind].id)


def family(kind: str) -> str:
    """'shared_goal' -> 'goal', 'snapshot_brought' -> 'snapshot', 'session' -> 'session'."""
    for name in ("goal", "reflection", "snapshot"):
        if name in kind:
            return name
    return kind


async def read_outcomes(actor: User, world: World, kind: str) -> dict[str, bool]:
    """For each way to read the object: did the actor get it?"""
    obj = await fresh(world, kind)
    outcomes = {"privacy.may(read)": await privacy.may(actor, Action.READ, obj)}
    page = await session_page(actor, world)
    is_owner = actor.id == world.rep.id

    if kind == "session":
        outcomes["get_session_page"] = (
            page is not None and page.session.shared_notes == SHARED_NOTES
        )
        listed = await sessions.list_sessions(actor, upcoming=True)
        outcomes["list_sessions"] = world.session.id in {s.id for s in listed}
    elif kind == "private_note":
        outcomes["get_session_page"] = (
            page is not None
            and page.private_note is not None
            and page.private_note.id == world.note.id
            and page.private_note.body == NOTE_TEXT
        )
    elif family(kind) == "goal":
        goal = world.goals[kind]
        outcomes["get_goal"] = not await refused(goals.get_goal(actor, goal.id))
        if is_owner:
            outcomes["list_my_goals"] = goal.id in {g.id for g in await goals.list_my_goals(actor)}
        else:  # what a coach is shown of the rep's goals: the session page
            outcomes["session page"] = page is not None and goal.id in {
                g.id for g in page.shared_goals
            }
    elif family(kind) == "reflection":
        entry = world.reflections[kind]
        outcomes["get_reflection"] = not await refused(reflections.get_reflection(actor, entry.id))
        if is_owner:
            mine, _ = await reflections.list_my_reflections(actor)
            outcomes["list_my_reflections"] = entry.id in {r.id for r in mine}
        else:
            outcomes["session page"] = page is not None and entry.id in {
                r.id for r in page.shared_reflections
            }
    elif family(kind) == "snapshot":
        snapshot = world.snapshots[kind]
        outcomes["get_snapshot"] = not await refused(snapshots.get_snapshot(actor, snapshot.id))
        if is_owner:
            mine = await snapshots.list_my_snapshots(actor)
            outcomes["list_my_snapshots"] = snapshot.id in {s.id for s in mine}
        else:
            outcomes["session page"] = page is not None and snapshot.id in {
                s.id for s in page.snapshots
            }
    elif kind == "pairing":
        outcomes["get_pairing"] = not await refused(pairings.get_pairing(actor, world.pairing.id))
    return outcomes


async def write_outcomes(actor: User, world: World, kind: str) -> dict[str, bool]:
    """For each way to change the object: did it change?"""
    obj = await fresh(world, kind)
    outcomes = {
        f"privacy.may({action})": await privacy.may(actor, action, obj)
        for action in WRITE_ACTIONS[family(kind)]
    }
    if kind == "session":
        await refused(sessions.save_shared_notes(actor, world.session.id, "Rewritten"))
        stored = await CoachingSession.get(id=world.session.id)
        outcomes["save_shared_notes"] = stored.shared_notes == "Rewritten"
    elif kind == "private_note":
        await refused(sessions.save_private_note(actor, world.session.id, "Rewritten"))
        stored_note = await PrivateNote.get(id=world.note.id)
        outcomes["save_private_note"] = stored_note.body == "Rewritten"
    elif family(kind) == "goal":
        goal = world.goals[kind]
        await refused(goals.set_goal_status(actor, goal.id, True))
        outcomes["set_goal_status"] = (await Goal.get(id=goal.id)).status == GoalStatus.DONE
        before = await shared_ids(goal)
        await refused(goals.share_goal(actor, goal.id, toggled(before, world)))
        outcomes["share_goal"] = await shared_ids(goal) != before
    elif family(kind) == "reflection":
        entry = world.reflections[kind]
        before = await shared_ids(entry)
        await refused(reflections.share_reflection(actor, entry.id, toggled(before, world)))
        outcomes["share_reflection"] = await shared_ids(entry) != before
    elif family(kind) == "snapshot":
        snapshot = await PipelineSnapshot.get(id=world.snapshots[kind].id)
        before_session = snapshot.session_id
        target = None if before_session else world.session.id
        await refused(snapshots.bring_to_session(actor, snapshot.id, target))
        stored_snapshot = await PipelineSnapshot.get(id=snapshot.id)
        outcomes["bring_to_session"] = stored_snapshot.session_id != before_session
    elif kind == "pairing":
        before_end: datetime | None = (await Pairing.get(id=world.pairing.id)).ended_at
        await refused(pairings.end_pairing(actor, world.pairing.id))
        stored_pairing = await Pairing.get(id=world.pairing.id)
        outcomes["end_pairing"] = (
            stored_pairing.status == PairingStatus.ENDED and stored_pairing.ended_at != before_end
        )
    return outcomes


async def shared_ids(item: Goal | Reflection) -> set[int]:
    return {u.id for u in await item.shared_with.all()}


def toggled(shared: set[int], world: World) -> list[int]:
    """Sharing that differs from the current one: unshare if shared, else share with the coach."""
    return [] if shared else [world.actors["coach"].id]


# --- the matrix -------------------------------------------------------------------------


def _cases() -> list:  # type: ignore[type-arg]
    cases = []
    for (kind, action), row in EXPECTED.items():
        for role, allowed in zip(ROLES, row, strict=True):
            verb = "may" if allowed else "cannot"
            cases.append(
                pytest.param(role, action, kind, allowed, id=f"{role}-{verb}-{action}-{kind}")
            )
    return cases


@pytest.mark.parametrize(("role", "action", "kind", "allowed"), _cases())
async def test_who_may_read_and_write_each_coaching_object(
    db, role: str, action: str, kind: str, allowed: bool
) -> None:
    world = await build_world(role)
    actor = await reload(world.actors[role])
    if action == "read":
        outcomes = await read_outcomes(actor, world, kind)
    else:
        outcomes = await write_outcomes(actor, world, kind)
    wrong = {path: got for path, got in outcomes.items() if got != allowed}
    verb = "be allowed" if allowed else "be refused"
    assert not wrong, f"{role} should {verb} to {action} the {kind}, but got {wrong}"


def test_the_expectation_table_covers_every_role_object_and_action() -> None:
    kinds = {kind for kind, _ in EXPECTED}
    assert {(kind, action) for kind in kinds for action in ("read", "write")} == set(EXPECTED)
    assert all(len(row) == len(ROLES) for row in EXPECTED.values())
    assert len(kinds) == 9


# --- rules that hold for every object ---------------------------------------------------


async def test_privacy_refuses_an_object_type_without_a_rule(db) -> None:
    rep = await make_user("rep")

    class Unknown:
        owner_id = rep.id

    assert not await privacy.may(rep, Action.READ, Unknown())


async def test_nobody_signed_out_may_read_anything(db) -> None:
    rep = await make_user("rep")
    goal = await make_goal(rep)
    assert not await privacy.may(None, Action.READ, goal)


async def test_a_deactivated_rep_cannot_read_even_their_own_goal(db) -> None:
    rep = await make_user("rep")
    goal = await make_goal(rep)
    rep.is_active = False
    assert not await privacy.may(rep, Action.READ, goal)


async def test_coach_who_is_also_an_admin_still_cannot_read_a_reps_private_note(db) -> None:
    coach = await make_user("manager", "admin")
    rep = await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    note = await sessions.save_private_note(rep, session.id, NOTE_TEXT)
    page = await sessions.get_session_page(coach, session.id)
    assert page.private_note is None
    assert not await privacy.may(coach, Action.READ, note)


async def test_rep_cannot_read_the_coachs_private_note(db) -> None:
    coach = await make_user("manager")
    rep = await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    note = await sessions.save_private_note(coach, session.id, "Remember to listen more.")
    page = await sessions.get_session_page(rep, session.id)
    assert page.private_note is None
    assert not await privacy.may(rep, Action.READ, note)


async def test_goal_shared_during_a_pairing_stays_hidden_from_a_coach_after_it_ended(db) -> None:
    coach = await make_user("manager")
    rep = await make_user("rep")
    pairing = await make_pairing(coach, rep)
    goal = await make_goal(rep)
    await goals.share_goal(rep, goal.id, [coach.id])
    await pairings.end_pairing(coach, pairing.id)
    with pytest.raises(NotFound):
        await goals.get_goal(coach, goal.id)


async def test_rep_cannot_share_a_goal_with_a_manager_they_are_not_paired_with(db) -> None:
    rep = await make_user("rep")
    stranger = await make_user("manager")
    goal = await make_goal(rep)
    with pytest.raises(Invalid):
        await goals.share_goal(rep, goal.id, [stranger.id])
    assert await shared_ids(goal) == set()
