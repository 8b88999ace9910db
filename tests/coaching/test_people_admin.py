"""The domain side of running people: invitations, password links and changes, sign-in
delays, the audit log, and what follows for pairings when roles or accounts change."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from coaching import pairings, people, sessions
from coaching.clock import epoch_ms, now
from coaching.errors import Invalid, NotFound, PermissionDenied, Throttled
from coaching.identity import audit, invitations, throttle
from coaching.identity.accounts import PASSWORD_CHANGE_CLIENT, change_password
from coaching.identity.models import AuditAction, AuditEvent, Invitation, LoginThrottle, WebSession
from coaching.identity.passwords import verify_password
from coaching.models import Notice, Pairing, PairingStatus, User
from tests.factories import PASSWORD, make_pairing, make_user, reload

NEW_PASSWORD = "a brand new sentence of mine"


def _later() -> datetime:
    return now() + timedelta(days=1)


# --- invitations ---------------------------------------------------------------------------


async def test_a_new_invitation_for_an_address_replaces_the_pending_one(db):
    admin = await make_user("admin")
    first = await invitations.invite(admin, "nina@example.com", "Nina", ["rep"], days=7)
    second = await invitations.invite(admin, "nina@example.com", "Nina", ["manager"], days=7)

    with pytest.raises(NotFound):
        await invitations.get_open_invitation(first)
    assert (await invitations.get_open_invitation(second)).roles == ["manager"]
    assert await Invitation.filter(pending_email="nina@example.com").count() == 1


async def test_resending_gives_a_new_token_voids_the_old_one_and_says_so_in_the_audit(db):
    admin = await make_user("admin")
    old_token = await invitations.invite(admin, "nina@example.com", "Nina", ["rep"], days=7)
    pending = await Invitation.get(pending_email="nina@example.com")

    invitation, new_token = await invitations.resend(admin, pending.id, days=7)

    assert invitation.id == pending.id and new_token != old_token
    with pytest.raises(NotFound):
        await invitations.get_open_invitation(old_token)
    assert (await invitations.get_open_invitation(new_token)).email == "nina@example.com"
    line = await AuditEvent.filter(action=AuditAction.INVITED).first()
    assert line is not None and line.detail == "as rep, with a new link"


async def test_revoking_closes_the_invitation_and_a_second_revoke_is_not_found(db):
    admin = await make_user("admin")
    token = await invitations.invite(admin, "nina@example.com", "Nina", ["rep"], days=7)
    pending = await Invitation.get(pending_email="nina@example.com")

    await invitations.revoke(admin, pending.id)

    with pytest.raises(NotFound):
        await invitations.get_open_invitation(token)
    with pytest.raises(NotFound):
        await invitations.revoke(admin, pending.id)
    with pytest.raises(NotFound):
        await invitations.resend(admin, pending.id, days=7)
    assert await AuditEvent.filter(action=AuditAction.INVITATION_REVOKED).count() == 1


async def test_only_admins_list_revoke_or_renew_invitations(db):
    admin = await make_user("admin")
    await invitations.invite(admin, "nina@example.com", "Nina", ["rep"], days=7)
    pending = await Invitation.get(pending_email="nina@example.com")
    manager = await make_user("manager")
    with pytest.raises(PermissionDenied):
        await invitations.list_pending_invitations(manager)
    with pytest.raises(PermissionDenied):
        await invitations.revoke(manager, pending.id)
    with pytest.raises(PermissionDenied):
        await invitations.resend(manager, pending.id, days=7)


# --- password reset links ------------------------------------------------------------------


async def test_a_reset_link_sets_the_password_ends_every_session_and_clears_delays(db):
    admin, rep = await make_user("admin"), await make_user("rep")
    await WebSession.create(key_hash="a" * 64, user=rep, data={}, expires_at=_later())
    for _ in range(throttle.FREE_ATTEMPTS + 1):
        await throttle.claim_attempt(rep.email, "203.0.113.9")
    token = await invitations.issue_password_reset(admin, rep, days=2)

    person = await invitations.use_password_reset(token, NEW_PASSWORD, NEW_PASSWORD)

    assert person.id == rep.id
    assert await verify_password((await User.get(id=rep.id)).password_hash, NEW_PASSWORD)
    assert not await WebSession.filter(user_id=rep.id).exists()
    assert not await LoginThrottle.filter(email=rep.email).exists()
    with pytest.raises(NotFound):
        await invitations.use_password_reset(token, NEW_PASSWORD, NEW_PASSWORD)


async def test_no_reset_link_for_a_deactivated_person(db):
    admin, rep = await make_user("admin"), await make_user("rep")
    await people.set_active(admin, rep.id, False)
    with pytest.raises(Invalid, match="is deactivated"):
        await people.issue_password_reset(admin, rep.id, days=2)


async def test_only_admins_issue_reset_links(db):
    manager, rep = await make_user("manager"), await make_user("rep")
    with pytest.raises(PermissionDenied):
        await people.issue_password_reset(manager, rep.id, days=2)


# --- changing one's own password -------------------------------------------------------


async def test_changing_a_password_keeps_only_the_session_in_use(db):
    rep = await make_user("rep")
    for key in ("a", "b", "c"):
        await WebSession.create(key_hash=key * 64, user=rep, data={}, expires_at=_later())

    await change_password(rep, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, keep_session="b" * 64)

    assert [s.key_hash for s in await WebSession.filter(user_id=rep.id)] == ["b" * 64]
    assert await verify_password((await User.get(id=rep.id)).password_hash, NEW_PASSWORD)


async def test_guesses_of_the_current_password_are_throttled_and_a_right_one_forgets_them(db):
    rep = await make_user("rep")
    for _ in range(throttle.FREE_ATTEMPTS - 1):
        with pytest.raises(Invalid):
            await change_password(rep, "wrong", NEW_PASSWORD, NEW_PASSWORD, keep_session=None)
    with pytest.raises(Invalid, match="differ"):  # the current one right, the confirmation not
        await change_password(rep, PASSWORD, NEW_PASSWORD, "other", keep_session=None)
    row = await LoginThrottle.get(email=rep.email, client=PASSWORD_CHANGE_CLIENT)
    assert row.failures == 0  # the right current password wiped the slate

    for _ in range(throttle.FREE_ATTEMPTS):
        with pytest.raises(Invalid):
            await change_password(rep, "wrong", NEW_PASSWORD, NEW_PASSWORD, keep_session=None)
    with pytest.raises(Throttled):
        await change_password(rep, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, keep_session=None)
    assert await verify_password((await User.get(id=rep.id)).password_hash, PASSWORD)


async def test_someone_without_a_password_cannot_change_one(db):
    rep = await make_user("rep")
    await User.filter(id=rep.id).update(password_hash=None)
    with pytest.raises(Invalid, match="single sign-on"):
        await change_password(await reload(rep), "", NEW_PASSWORD, NEW_PASSWORD, keep_session=None)


# --- sign-in delays --------------------------------------------------------------------------


async def test_slowed_down_among_finds_the_waiting_accounts_in_one_query(db):
    waiting, free, stale = [await make_user() for _ in range(3)]
    for person, wait_ms in ((waiting, 10_000), (free, 0), (stale, -1_000)):
        await LoginThrottle.create(
            key_hash=f"{person.id:064}",
            email=person.email,
            client="198.51.100.7",
            failures=7,
            last_attempt_ms=epoch_ms(),
            next_attempt_ms=epoch_ms() + wait_ms,
        )

    found = await throttle.slowed_down_among([waiting.email, free.email, stale.email, "x@y.z"])

    assert found == {waiting.email}
    assert await throttle.slowed_down_among([]) == set()


async def test_clearing_a_delay_is_for_admins_and_leaves_an_audit_line(db):
    admin, rep = await make_user("admin"), await make_user("rep")
    for _ in range(throttle.FREE_ATTEMPTS + 1):
        await throttle.claim_attempt(rep.email, "198.51.100.7")
    with pytest.raises(PermissionDenied):
        await people.clear_login_delay(await make_user("manager"), rep.id)

    await people.clear_login_delay(admin, rep.id)

    assert not await throttle.is_slowed_down(rep.email)
    assert await AuditEvent.filter(action=AuditAction.LOGIN_DELAY_CLEARED).count() == 1


# --- the audit log ---------------------------------------------------------------------------


async def test_only_admins_read_the_whole_audit_log(db):
    admin, rep = await make_user("admin"), await make_user("rep")
    await audit.record(admin, AuditAction.DEACTIVATED, rep)
    lines, more = await audit.list_all(admin)
    assert [line.action for line in lines] == [AuditAction.DEACTIVATED] and not more
    with pytest.raises(PermissionDenied):
        await audit.list_all(rep)


async def test_a_person_reads_only_the_lines_about_themselves(db):
    admin, rosa, sam = await make_user("admin"), await make_user("rep"), await make_user("rep")
    await people.set_roles(admin, rosa.id, ["rep", "trainer"])
    await people.set_active(admin, sam.id, False)

    mine, _ = await audit.list_about(rosa)

    assert [(line.action, line.subject_id) for line in mine] == [
        (AuditAction.ROLES_CHANGED, rosa.id)
    ]


def test_every_audit_action_reads_as_a_sentence_both_ways() -> None:
    assert set(audit.DESCRIPTIONS) == set(AuditAction)
    assert set(audit.YOUR_DESCRIPTIONS) == set(AuditAction)


async def test_saving_the_same_roles_in_another_order_changes_nothing(db):
    admin, person = await make_user("admin"), await make_user("rep", "manager")

    await people.set_roles(admin, person.id, ["manager", "rep"])

    assert not await AuditEvent.filter(action=AuditAction.ROLES_CHANGED).exists()


# --- consequences for pairings ---------------------------------------------------------------


async def notices_of(person: User) -> list[str]:
    return [n.message for n in await Notice.filter(recipient_id=person.id)]


async def test_losing_the_manager_role_ends_manager_pairings_with_a_notice_each_side(db):
    admin = await make_user("admin")
    maya = await make_user("manager", name="Maya Okafor")
    rosa = await make_user("rep", name="Rosa Díaz")
    pairing = await make_pairing(maya, rosa)

    await people.set_roles(admin, maya.id, ["trainer"])

    assert (await Pairing.get(id=pairing.id)).status == PairingStatus.ENDED
    assert await notices_of(rosa) == [
        "Your manager pairing with Maya Okafor has ended: Maya Okafor no longer has the "
        "manager role. What you had shared with them is private again."
    ]
    assert await notices_of(maya) == [
        "Your manager pairing with Rosa Díaz has ended: you no longer have the manager role."
    ]
    ended = await AuditEvent.get(action=AuditAction.PAIRING_ENDED)
    assert ended.subject_id == rosa.id
    assert ended.detail == (
        "manager pairing of Rosa Díaz with Maya Okafor: Maya Okafor no longer has the manager role"
    )


async def test_a_deactivated_persons_pairings_end_and_none_can_be_scheduled(db):
    admin = await make_user("admin")
    maya = await make_user("manager", name="Maya Okafor")
    rosa = await make_user("rep", name="Rosa Díaz")
    pairing = await make_pairing(maya, rosa)

    await people.set_active(admin, rosa.id, False)

    assert (await Pairing.get(id=pairing.id)).status == PairingStatus.ENDED
    with pytest.raises(PermissionDenied, match="This pairing is ended"):
        await sessions.get_pairing_to_schedule(await reload(maya), pairing.id)
    assert await notices_of(maya) == [
        "Your manager pairing with Rosa Díaz has ended: Rosa Díaz's account was deactivated."
    ]


async def test_an_admin_ending_a_pairing_names_themselves_to_both_sides(db):
    admin = await make_user("admin", name="Ada Lindqvist")
    maya = await make_user("manager", name="Maya Okafor")
    rosa = await make_user("rep", name="Rosa Díaz")
    pairing = await make_pairing(maya, rosa, "mentor")

    await pairings.end_pairing(admin, pairing.id)

    assert await notices_of(maya) == [
        "Ada Lindqvist, an admin, ended your mentor pairing with Rosa Díaz."
    ]
    assert await notices_of(rosa) == [
        "Ada Lindqvist, an admin, ended your mentor pairing with Maya Okafor. "
        "What you had shared with them is private again."
    ]


async def test_a_proposal_withdrawn_by_a_role_change_says_withdrawn_not_ended(db):
    admin = await make_user("admin")
    leo = await make_user("manager", name="Leo Brandt")
    elif_ = await make_user("rep", name="Elif Kaya")
    await make_pairing(leo, elif_, status=PairingStatus.PROPOSED)

    await people.set_roles(admin, leo.id, ["trainer"])

    assert await notices_of(elif_) == [
        "The proposed manager pairing with Leo Brandt is withdrawn: Leo Brandt no longer has "
        "the manager role."
    ]
    assert await notices_of(leo) == [
        "The proposed manager pairing with Elif Kaya is withdrawn: you no longer have the "
        "manager role."
    ]


async def test_an_admin_withdrawing_a_proposal_says_so(db):
    admin = await make_user("admin", name="Ada Lindqvist")
    maya = await make_user("manager", name="Maya Okafor")
    rosa = await make_user("rep", name="Rosa Díaz")
    pairing = await make_pairing(maya, rosa, status=PairingStatus.PROPOSED)

    await pairings.end_pairing(admin, pairing.id)

    assert await notices_of(rosa) == [
        "Ada Lindqvist, an admin, withdrew the proposed manager pairing with Maya Okafor."
    ]
