"""Bugs people saw on the pages (issue section 6); each test failed before its fix."""

from __future__ import annotations

import html
import re

import pytest

from coaching import reflections
from coaching.errors import Invalid
from coaching.models import (
    PairingStatus,
    Reflection,
)
from playbooks.models import Playbook
from tests.factories import make_pairing, make_playbook, make_user, text_of

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


# --- (b) Markdown that is empty once cleaned ---------------------------------------------


async def test_journal_entry_that_is_only_a_script_is_refused_with_the_input_kept(browser):
    rep = await make_user("rep")
    await browser.login(rep)

    response = await browser.post("/journal", {"body": SCRIPT_ONLY})

    assert response.status_code == 400
    assert "has no words left once unsafe HTML such as &lt;script&gt; is removed" in response.text
    textarea = re.search(r'<textarea id="body"[^>]*>(.*?)</textarea>', response.text, re.S)
    assert textarea is not None and html.unescape(textarea.group(1)) == SCRIPT_ONLY
    assert await Reflection.filter(author_id=rep.id).count() == 0


@pytest.mark.parametrize("body", [SCRIPT_ONLY, "<style>p{}</style>", "![](http://x/y.png)", "---"])
async def test_reflection_with_no_readable_words_is_refused(db, body):
    rep = await make_user("rep")
    with pytest.raises(Invalid) as refused:
        await reflections.write_reflection(rep, body)
    assert "body" in refused.value.errors


async def test_reflection_with_words_beside_a_script_keeps_the_words(db):
    rep = await make_user("rep")
    entry = await reflections.write_reflection(rep, f"Good call today. {SCRIPT_ONLY}")
    assert "Good call today." in entry.body_html and "<script" not in entry.body_html


async def test_playbook_that_is_only_a_script_is_refused_with_the_input_kept(browser):
    trainer = await make_user("trainer")
    await browser.login(trainer)
    form = {"title": "Asking about slipped dates", "summary": "", "body": SCRIPT_ONLY}

    response = await browser.post("/playbooks/new", form)

    assert response.status_code == 400
    assert "Playbook text has no words left" in response.text
    assert 'value="Asking about slipped dates"' in response.text
    assert not await Playbook.exists()
    playbook = await make_playbook(trainer)
    edited = await browser.post(f"/playbooks/{playbook.id}/edit", form)
    assert edited.status_code == 400
    assert (await Playbook.get(id=playbook.id)).body_html == playbook.body_html
