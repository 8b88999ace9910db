"""Bugs people saw on the pages (issue section 6); each test failed before its fix."""

from __future__ import annotations

from coaching.models import PairingStatus
from tests.factories import make_pairing, make_user, text_of

SCRIPT_ONLY = "<script>alert('hello')</script>"

# --- (a) the home page of a rep who has just accepted a pairing ------------------------


async def test_rep_who_just_accepted_a_pairing_is_told_who_she_is_paired_with(browser):
    coach = await make_user("manager", name="Maya Okafor")
    rep = await make_user("rep", name="Rosa Díaz")
    pairing = await make_pairing(coach, rep, status=PairingStatus.PROPOSED)
    await browser.login(rep)
    await browser.post(f"/pairings/{pairing.id}/respond", {"answer": "accept"})

    home = text_of((await browser.get("/")).text)

    assert "Once you're paired with a coach" not in home
    assert "You're paired with Maya Okafor." in home
    assert "No sessions planned." in home


async def test_rep_with_a_proposal_only_is_still_told_she_is_not_paired_yet(browser):
    coach, rep = await make_user("manager"), await make_user("rep")
    await make_pairing(coach, rep, status=PairingStatus.PROPOSED)
    await browser.login(rep)
    home = text_of((await browser.get("/")).text)
    assert "Once you're paired with a coach" in home
    assert "You're paired with" not in home
