"""One-line text (names, titles, agenda items) refuses control and text-direction characters
with a message beside the field, keeping what was typed; joiners that scripts need stay."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from coaching.identity.models import Invitation
from coaching.models import User
from coaching.text import clean_line
from tests.factories import Browser, make_user

BIDI_CONTROLS = [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]


def field_error(page: httpx.Response, field: str) -> str:
    """The message shown beside a field (the element its input points to)."""
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page.text, re.S)
    assert found, f"no message beside the {field} field"
    return html.unescape(found.group(1))


def kept_value(page: httpx.Response, field: str) -> str:
    found = re.search(rf'<input id="{field}" name="{field}"[^>]* value="([^"]*)"', page.text)
    assert found, f"no {field} input on the page"
    return html.unescape(found.group(1))


async def save_name(browser: Browser, name: str) -> httpx.Response:
    return await browser.post("/account", {"name": name, "timezone": "UTC"})


@pytest.mark.parametrize("control", BIDI_CONTROLS, ids=[f"U+{ord(c):04X}" for c in BIDI_CONTROLS])
async def test_profile_name_with_a_text_direction_control_is_refused(browser, control) -> None:
    rep = await make_user("rep", name="Rosa Rep")
    await browser.login(rep)
    typed = f"Rosa {control}peR asoR"

    page = await save_name(browser, typed)

    assert page.status_code == 400
    message = field_error(page, "name")
    assert f"Name contains a text-direction control (U+{ord(control):04X}" in message
    assert "misleading order" in message
    assert kept_value(page, "name") == typed
    assert (await User.get(id=rep.id)).name == "Rosa Rep"


@pytest.mark.parametrize(
    ("character", "shown"),
    [
        ("\x07", "U+0007"),
        ("\x1b", "U+001B"),
        ("\u200b", "U+200B ZERO WIDTH SPACE"),
        ("\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ("\u00ad", "U+00AD SOFT HYPHEN"),
    ],
)
async def test_invitation_name_with_an_invisible_character_is_refused(
    browser, character, shown
) -> None:
    await browser.login(await make_user("admin"))
    typed = f"Nina{character} New"

    page = await browser.post(
        "/admin/invite", {"name": typed, "email": "nina@example.com", "roles": ["rep"]}
    )

    assert page.status_code == 400
    assert field_error(page, "name") == (
        f"Name contains an invisible control character ({shown}). Please remove it."
    )
    assert kept_value(page, "name") == typed
    assert kept_value(page, "email") == "nina@example.com"
    assert not await Invitation.exists()


async def test_goal_title_with_a_text_direction_control_is_refused(browser) -> None:
    await browser.login(await make_user("rep"))

    page = await browser.post("/goals", {"title": "Close \u202eniw"})

    assert page.status_code == 400
    assert field_error(page, "title").startswith("Goal contains a text-direction control")


@pytest.mark.parametrize(
    "name",
    [
        "محمد\u200cزاده",  # Persian: a zero-width non-joiner inside the name
        "ශ්\u200dරී ලංකා",  # Sinhala: a zero-width joiner forms the conjunct
        "ഉണ്ണികൃഷ്ണന്\u200d",  # Malayalam (older encoding): a joiner ends the word
        "Ana\tMaría  José",  # ordinary spaces and a tab fold into single spaces
    ],
)
async def test_names_from_scripts_that_need_joiners_are_accepted(browser, name) -> None:
    rep = await make_user("rep")
    await browser.login(rep)

    response = await save_name(browser, name)

    assert response.status_code == 303
    assert (await User.get(id=rep.id)).name == " ".join(name.split())


@pytest.mark.parametrize(
    "name", ["Ada\u200d", "\u200cAda", "Ad\u200da", "محمد\u200c\u200cزاده"], ids=repr
)
def test_joiners_without_a_script_that_needs_them_are_refused(name) -> None:
    errors: dict[str, str] = {}
    clean_line(name, field="name", label="Name", max_length=120, errors=errors)
    assert errors["name"].startswith("Name contains an invisible control character (U+200")
