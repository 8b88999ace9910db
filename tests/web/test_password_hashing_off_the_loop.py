"""Password hashing and checking run in a worker thread, never on the event loop.

argon2 spends tens of milliseconds of CPU on each hash by design; on the event loop that
would stall every other request of the server meanwhile. The recording hasher
(tests/hashing.py) notes, for each real hash or verification, whether an asyncio loop
is running in the thread that called it: it must not be. Each test also checks that
the path did hash or verify at all, so a path that stopped hashing can't pass by
recording nothing. Without `asyncio.to_thread` in `passwords.hash_password` and
`passwords.verify_password`, every test here fails on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from coaching.errors import Invalid
from coaching.identity import invitations
from coaching.identity.accounts import change_password, create_user
from coaching.identity.models import User
from coaching.identity.passwords import authenticate
from tests.factories import PASSWORD, make_user, open_browser, reload
from tests.hashing import RecordingHasher, install

NEW_PASSWORD = "a long enough secret"


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> RecordingHasher:
    return install(monkeypatch)


def assert_all_off_the_loop(hasher: RecordingHasher, *operations: str) -> None:
    for operation in operations:
        assert hasher.count(operation), f"no {operation} was recorded on this path"
    on_loop = [call for call in hasher.calls if call.on_event_loop]
    assert not on_loop, f"ran on the event loop: {on_loop}"


async def test_sign_in_checks_the_password_off_the_event_loop(app, hasher) -> None:
    """Right password, wrong password and unknown address (checked against a dummy hash,
    so timing tells nothing) all verify in a worker thread."""
    person = await make_user("rep")
    async with open_browser(app) as browser:
        assert (
            await browser.post("/login", {"email": person.email, "password": "wrong guess 1"})
        ).status_code == 400
        assert (
            await browser.post("/login", {"email": "nobody@example.com", "password": PASSWORD})
        ).status_code == 400
        assert (await browser.login(person)).status_code == 303

    assert hasher.count("verify") == 3
    assert_all_off_the_loop(hasher, "verify")


async def test_sign_in_to_an_unknown_or_deactivated_account_checks_a_password_too(
    db, hasher
) -> None:
    """Found by the test above: sign-in skipped the password check when no active account
    had the address, so a quick refusal told a guesser the account did not exist. Now a
    dummy hash is checked instead, exactly once per attempt, as for a real account."""
    gone = await make_user("rep", email="gone@example.com")
    gone.is_active = False
    await gone.save(update_fields=["is_active"])
    hasher.calls.clear()

    for email in ("nobody@example.com", "gone@example.com"):
        with pytest.raises(Invalid, match="don't match an active account"):
            await authenticate(email, PASSWORD, "192.0.2.1")
        assert hasher.count("verify") == 1, email
        hasher.calls.clear()


async def test_accepting_an_invitation_hashes_the_new_password_off_the_event_loop(
    app, hasher
) -> None:
    admin = await reload(await make_user("admin"))
    token = await invitations.invite(admin, "nina@example.com", "Nina New", ["rep"], days=7)
    hasher.calls.clear()
    async with open_browser(app) as invitee:
        accepted = await invitee.post(
            f"/invitations/{token}",
            {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "timezone": "UTC"},
        )

    assert accepted.status_code == 303
    assert await User.filter(email="nina@example.com").exists()
    assert_all_off_the_loop(hasher, "hash")


async def test_creating_an_account_hashes_the_password_off_the_event_loop(db, hasher) -> None:
    await create_user("new@example.com", "New Person", ["rep"], password=PASSWORD)

    assert hasher.count("hash") == 1
    assert_all_off_the_loop(hasher, "hash")


async def test_changing_a_password_checks_and_hashes_off_the_event_loop(db, hasher) -> None:
    person = await make_user("rep")
    hasher.calls.clear()
    await change_password(person, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, keep_session=None)

    assert_all_off_the_loop(hasher, "verify", "hash")
