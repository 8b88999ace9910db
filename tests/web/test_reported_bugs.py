"""Bugs people saw on the pages (issue section 6); each test failed before its fix."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from coaching import reflections, sessions
from coaching.clock import now
from coaching.errors import Invalid
from coaching.identity.models import LoginThrottle
from coaching.models import (
    AgendaItem,
    CoachingSession,
    PairingStatus,
    Reflection,
)
from coaching.timezones import to_local
from playbooks import library
from playbooks.models import Playbook
from tests.factories import make_pairing, make_playbook, make_session, make_user, text_of

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


# --- (c) text longer than a limit is refused, never cut ------------------------------------


async def test_people_search_longer_than_the_limit_is_refused_and_kept_whole(browser):
    admin = await make_user("admin")
    await browser.login(admin)
    query = "x" * 101

    response = await browser.get("/admin/people", params={"q": query})

    assert response.status_code == 400
    assert "Search for at most 100 characters (this has 101)." in response.text
    assert f'value="{query}"' in response.text
    assert 'aria-describedby="q-error"' in response.text


async def test_people_search_at_the_limit_still_searches(browser):
    admin = await make_user("admin", name="Ada " + "y" * 96)
    await browser.login(admin)
    response = await browser.get("/admin/people", params={"q": "y" * 100})
    assert response.status_code == 200
    assert "No one matches" in response.text
    response = await browser.get("/admin/people", params={"q": "y" * 96})
    assert "Ada " + "y" * 96 in response.text


async def test_agenda_field_does_not_let_the_browser_cut_a_long_paste(browser):
    """A maxlength attribute silently drops what is pasted past it; the server says why."""
    coach, rep = await make_user("manager"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    await browser.login(rep)
    page = await browser.get(f"/sessions/{session.id}")
    assert "maxlength" not in page.text

    text = "Northwind " * 30 + "renewal"  # 307 characters
    response = await browser.post(f"/sessions/{session.id}/agenda", {"text": text})

    assert response.status_code == 400
    assert "Agenda item must be at most 300 characters (it has 307)." in response.text
    assert f'value="{text}"' in response.text
    assert not await AgendaItem.exists()


async def test_sign_in_with_an_overlong_email_says_so_and_keeps_it(browser):
    email = "a" * 250 + "@example.com"
    response = await browser.post("/login", {"email": email, "password": "whatever it is"})
    assert response.status_code == 400
    assert "An email address has at most 254 characters; this one has 262." in response.text
    assert f'value="{email}"' in response.text
    assert not await LoginThrottle.exists()  # nothing stored under a shortened address


# --- (d) the sharing box says what its button does -----------------------------------------


async def test_share_box_says_the_choice_takes_effect_on_save(browser):
    coach = await make_user("manager", name="Maya Okafor")
    rep = await make_user("rep")
    await make_pairing(coach, rep)
    await browser.login(rep)
    await browser.post("/goals", {"title": "Lead discovery calls"})

    page = text_of((await browser.get("/goals")).text)

    assert "apply at once" not in page
    assert "takes effect when you press Save sharing" in page
    assert "Save sharing" in page.split("takes effect when you press Save sharing", 1)[1]


# --- (e) no session in the past -------------------------------------------------------------


ZONES = ["Pacific/Kiritimati", "Europe/Madrid", "Pacific/Pago_Pago"]  # UTC+14, +1/+2, -11


def _schedule(at_local, title="Pipeline review") -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "title": title,
        "date": at_local.date().isoformat(),
        "time": at_local.strftime("%H:%M"),
        "duration": "30",
    }


@pytest.mark.parametrize("zone", ZONES)
async def test_a_start_earlier_today_in_the_schedulers_zone_is_refused(browser, zone):
    coach = await make_user("manager", timezone=zone)
    pairing = await make_pairing(coach, await make_user("rep"))
    await browser.login(coach)
    a_moment_ago = to_local(now() - timedelta(minutes=5), zone)

    response = await browser.post(f"/pairings/{pairing.id}/sessions/new", _schedule(a_moment_ago))

    assert response.status_code == 400
    page = text_of(response.text)
    assert "has already passed" in page or "has passed; choose today" in page
    assert zone in page or "has passed; choose today" in page
    assert 'value="Pipeline review"' in response.text
    assert not await CoachingSession.exists()


@pytest.mark.parametrize("zone", ZONES)
async def test_a_start_later_today_in_the_schedulers_zone_is_accepted(browser, zone):
    coach = await make_user("manager", timezone=zone)
    pairing = await make_pairing(coach, await make_user("rep"))
    await browser.login(coach)
    soon = to_local(now() + timedelta(minutes=10), zone)
    response = await browser.post(f"/pairings/{pairing.id}/sessions/new", _schedule(soon))
    assert response.status_code == 303
    assert await CoachingSession.filter(pairing_id=pairing.id).count() == 1


async def test_a_start_late_yesterday_less_than_a_day_ago_is_refused_on_the_date(db):
    coach = await make_user("manager", timezone="Asia/Tokyo")
    pairing = await make_pairing(coach, await make_user("rep"))
    today = to_local(now(), "Asia/Tokyo")
    yesterday = (today - timedelta(days=1)).replace(hour=23, minute=59)
    with pytest.raises(Invalid) as refused:
        await sessions.schedule_session(
            coach, pairing.id, sessions.parse_schedule(_schedule(yesterday))
        )
    assert "has passed; choose today" in refused.value.errors["date"]


# --- (f) a trainer's own playbooks are never "to read" ---------------------------------------


async def test_trainer_home_does_not_ask_them_to_read_their_own_playbook(browser):
    trainer = await make_user("trainer", name="Tomás Reyes")
    other = await make_user("trainer", name="Tess Other")
    mine = await make_playbook(trainer, "My own guidance", published=True)
    theirs = await make_playbook(other, "Guidance from another trainer", published=True)
    await browser.login(trainer)

    home = text_of((await browser.get("/")).text)

    to_read = home.split("Playbooks to read", 1)[1].split("Your drafts", 1)[0]
    assert "My own guidance" not in to_read
    assert "Guidance from another trainer" in to_read
    assert [p.id for p in await library.list_unread(trainer)] == [theirs.id]
    own_page = await browser.get(f"/playbooks/{mine.id}")
    assert "Mark as read" not in own_page.text
    assert "Mark as read" in (await browser.get(f"/playbooks/{theirs.id}")).text


async def test_trainer_whose_only_playbook_is_their_own_is_up_to_date(browser):
    trainer = await make_user("trainer")
    await make_playbook(trainer, "My own guidance", published=True)
    await browser.login(trainer)
    home = text_of((await browser.get("/")).text)
    assert "You're up to date with the playbooks." in home
