"""A trainer writes, previews, publishes and revises a playbook; a manager finds it, reads it
and keeps her own notes on it.

Tomás (the demo's trainer) writes a playbook with a word nobody else uses, looks at the
preview (a Markdown heading and table become real ones) before anything is saved, saves the
draft and publishes it. He then changes a sentence: Maya keeps reading the published text
until he publishes version 2, and the compare page shows the word he took out and the one he
put in. Maya searches the library for the word, opens the playbook, marks it read,
bookmarks, rates and reflects on it, and finds all of it again after a reload.

Every test writes its own playbook with its own word: the server is shared with the other
browser tests, and none may rely on running first. Each screen is screenshotted at 1280 and
390 px (tests/artifacts/playbooks/<name>-<width>.png) and checked with axe-core (WCAG 2.2
A/AA). The CSP stays on: any inline script or style would be a console error.
"""

from __future__ import annotations

import random
import re
import string
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import DESKTOP, PHONE, LiveServer, artifact
from tests.browser.screens import UNLABELLED_CONTROLS, check_phone_width

pytestmark = pytest.mark.browser

TRAINER, MAYA = "trainer@example.com", "maya@example.com"
PLAYBOOK_URL = re.compile(r"/playbooks/(\d+)$")
OLD_SENTENCE = "Open with the quiet question about the forecast."
NEW_SENTENCE = "Open with the curious question about the forecast."


def unique_word() -> str:
    """A word found in no other playbook, such as "Zebrakqwtmx": letters only, ending in a
    consonant the search's stemmer leaves alone, so a search finds exactly this playbook."""
    return "Zebra" + "".join(random.choices(string.ascii_lowercase, k=5)) + "x"


def body_of(word: str, sentence: str = OLD_SENTENCE) -> str:
    return (
        f"## Before the {word} call\n\n"
        f"{sentence} Let the rep say what they see before you say what you see.\n\n"
        "| Signal | What to ask |\n"
        "| --- | --- |\n"
        "| Close date passed | What has to happen before they sign? |\n"
        "| No next step | Who is waiting for whom? |\n\n"
        f"- Listen more than you talk during the {word} review.\n"
        "- Agree on one thing to try before the next session.\n"
    )


def shoot(page: Page, name: str) -> None:
    """Full-page screenshots at laptop and phone width; every control labelled, and nothing
    makes the phone page scroll sideways."""
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.screenshot(path=artifact(f"playbooks/{name}-{viewport['width']}.png"), full_page=True)
    assert page.evaluate(UNLABELLED_CONTROLS) == [], "form controls without a label"
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{name} scrolls sideways at 390 px: {width}"
    check_phone_width(page)
    page.set_viewport_size(DESKTOP)


def status(page: Page) -> Locator:
    return page.get_by_role("status")


def fill_playbook(page: Page, title: str, word: str) -> None:
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("One-line summary (optional)").fill(
        "How to open a forecast conversation with a question, not a verdict."
    )
    page.get_by_label("Who it is for (optional)").fill("Managers who coach reps")
    page.get_by_label("Topics (optional)").fill("forecast questions")
    page.get_by_label("Playbook text (Markdown)").fill(body_of(word))
    page.get_by_label("Reflection prompts for the manager (optional, one a line)").fill(
        "Which question will you open with next time?"
    )


def write_and_publish(page: Page, server: LiveServer, title: str, word: str) -> str:
    """The trainer writes a playbook and publishes version 1; its URL."""
    page.goto(server("/playbooks/new"))
    fill_playbook(page, title, word)
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(PLAYBOOK_URL)
    url = page.url
    page.get_by_role("link", name="Review and publish…").click()
    page.get_by_role("button", name="Publish").click()
    expect(status(page)).to_contain_text("Version 1 published.")
    return url


def drafts_shelf(page: Page, server: LiveServer) -> Page:
    """The trainer's Drafts shelf, in another tab (so the form being written stays as it is)."""
    shelf = page.context.new_page()
    shelf.goto(server("/playbooks?shelf=drafts"))
    expect(shelf.get_by_role("link", name="Drafts")).to_have_attribute("aria-current", "page")
    return shelf


def test_trainer_previews_saves_and_publishes_a_new_playbook(
    browser_page, live_server: LiveServer, axe_js: Path
) -> None:
    word = unique_word()
    title = f"The {word} forecast talk"
    trainer = browser_page(TRAINER)
    trainer.goto(live_server("/playbooks"))
    trainer.get_by_role("link", name="Write a playbook").click()
    expect(trainer.get_by_role("heading", level=1)).to_have_text("Write a playbook")
    fill_playbook(trainer, title, word)

    trainer.get_by_role("button", name="Preview").click()
    preview = trainer.get_by_role("region", name="Preview: as managers will read it")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text("Not saved yet.")
    expect(preview.get_by_role("heading", level=2, name=f"Before the {word} call")).to_be_visible()
    table = preview.get_by_role("table")
    expect(table.get_by_role("columnheader", name="What to ask")).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(3)
    expect(preview.get_by_role("listitem")).to_have_count(2)
    expect(preview).not_to_contain_text("##")
    expect(preview).not_to_contain_text("| ---")
    # The form still holds what was written, ready to save.
    expect(trainer.get_by_label("Title", exact=True)).to_have_value(title)
    expect(trainer.get_by_label("Playbook text (Markdown)")).to_have_value(body_of(word))
    shoot(trainer, "edit-preview")
    assert_accessible(trainer, axe_js, "the new playbook's preview", "playbook-edit-preview")

    shelf = drafts_shelf(trainer, live_server)
    expect(shelf.get_by_text(word)).to_have_count(0)  # previewing saved nothing

    trainer.get_by_role("button", name="Save draft").click()
    expect(trainer).to_have_url(PLAYBOOK_URL)
    expect(status(trainer)).to_contain_text("Draft saved. Publish it when it's ready.")
    expect(trainer.get_by_role("heading", level=1)).to_have_text(title)
    trainer_panel = trainer.get_by_role("region", name="For trainers")
    expect(trainer_panel).to_contain_text("Managers can't see this playbook until you publish it.")
    shelf.reload()
    expect(shelf.get_by_role("link", name=title)).to_be_visible()
    shelf.close()

    trainer_panel.get_by_role("link", name="Review and publish…").click()
    expect(trainer.get_by_role("heading", level=1)).to_have_text("Publish the first version")
    trainer.get_by_label("What changed, for the record (optional)").fill(
        "First version, after the spring workshop."
    )
    trainer.get_by_role("button", name="Publish").click()
    expect(trainer).to_have_url(PLAYBOOK_URL)
    expect(status(trainer)).to_contain_text("Version 1 published. Managers read it from now on.")
    expect(trainer.locator(".page-head .meta").first).to_contain_text("Version 1, published")
    expect(trainer_panel).to_contain_text("The draft is the same as version 1.")
    expect(trainer_panel.get_by_role("link", name="Review and publish…")).to_have_count(0)


def test_managers_read_the_published_version_until_the_next_is_published(
    browser_page, live_server: LiveServer, axe_js: Path
) -> None:
    word = unique_word()
    title = f"Forecast questions for {word}"
    trainer = browser_page(TRAINER)
    url = write_and_publish(trainer, live_server, title, word)

    maya = browser_page(MAYA)
    maya.goto(url)
    reading = maya.locator("article.playbook")
    expect(reading).to_contain_text(OLD_SENTENCE)
    maya.get_by_role("button", name="Mark as read").click()
    expect(status(maya)).to_contain_text("Marked as read.")

    # The trainer changes one word of a sentence: a draft, which managers don't see yet.
    trainer.get_by_role("link", name="Edit the draft").click()
    expect(trainer.get_by_role("heading", level=1)).to_have_text("Edit the draft")
    expect(trainer.locator(".page-head .lede")).to_contain_text(
        "Managers keep reading version 1 until you publish this draft."
    )
    trainer.get_by_label("Playbook text (Markdown)").fill(body_of(word, NEW_SENTENCE))
    trainer.get_by_role("button", name="Save draft").click()
    expect(status(trainer)).to_contain_text(
        "Draft saved. Managers still read the published version until you publish."
    )
    # The playbook's page shows what managers read, for the trainer too.
    expect(trainer.locator("article.playbook")).to_contain_text(OLD_SENTENCE)
    expect(trainer.get_by_role("region", name="For trainers")).to_contain_text(
        "The draft has changes managers don't see yet. They read version 1 until you publish."
    )

    maya.reload()
    expect(reading).to_contain_text(OLD_SENTENCE)
    expect(reading).not_to_contain_text("curious")
    expect(maya.get_by_text("You've read this version.")).to_be_visible()

    trainer.get_by_role("link", name="Review and publish…").click()
    expect(trainer.get_by_role("heading", level=1)).to_have_text("Publish version 2")
    changes = trainer.get_by_role("region", name="What changes from version 1")
    expect(changes.locator("dt")).to_have_text(["Text"])
    expect(changes.locator("dd del")).to_have_text(["quiet"])
    expect(changes.locator("dd ins")).to_have_text(["curious"])
    shoot(trainer, "publish-diff")
    assert_accessible(trainer, axe_js, "the publish page with its changes", "playbook-publish")
    trainer.get_by_label("What changed, for the record (optional)").fill(
        "A curious question opens more than a quiet one."
    )
    trainer.get_by_role("button", name="Publish").click()
    expect(status(trainer)).to_contain_text("Version 2 published.")

    maya.reload()
    expect(reading).to_contain_text(NEW_SENTENCE)
    expect(reading).not_to_contain_text("quiet")
    expect(maya.locator(".page-head .meta").first).to_contain_text("Version 2, published")
    expect(maya.get_by_role("button", name="Mark the new version as read")).to_be_visible()
    maya.goto(live_server("/playbooks"))
    maya.get_by_label("Search the playbooks").fill(word)
    maya.get_by_role("button", name="Search", exact=True).click()
    card = maya.locator(".playbook-card").filter(has=maya.get_by_role("link", name=title))
    expect(card.get_by_text("Updated since you read it")).to_be_visible()

    trainer.get_by_role("link", name="Versions").click()
    expect(trainer.get_by_role("heading", level=1)).to_have_text("Versions")
    versions = trainer.locator("ol.lines > li")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("Version 2")
    expect(versions.first).to_contain_text("What managers read")
    expect(versions.first).to_contain_text("A curious question opens more than a quiet one.")
    expect(versions.last).to_contain_text("Version 1")
    shoot(trainer, "versions")
    assert_accessible(trainer, axe_js, "the versions page", "playbook-versions")

    trainer.get_by_role("link", name="What changed from version 1").click()
    expect(trainer).to_have_url(re.compile(r"/compare\?old=1&new=2$"))
    expect(trainer.get_by_role("heading", level=1)).to_have_text("Version 1 → 2")
    expect(trainer.locator(".page-head .lede")).to_have_text(
        "A curious question opens more than a quiet one."
    )
    diff = trainer.locator("dl.diff")
    expect(diff.locator("del")).to_have_text(["quiet"])
    expect(diff.locator("ins")).to_have_text(["curious"])
    expect(diff.locator("dd")).to_contain_text("Open with the quietcurious question")
    shoot(trainer, "compare")
    assert_accessible(trainer, axe_js, "the compare page", "playbook-compare")

    trainer.goto(url)
    trainer.get_by_role("link", name="How it was received").click()
    expect(trainer.get_by_role("heading", level=1)).to_have_text("How it was received")
    expect(trainer.locator("dl.facts")).to_contain_text("Managers who read it")
    shoot(trainer, "reception")
    assert_accessible(trainer, axe_js, "the reception page", "playbook-reception")


def test_manager_finds_reads_bookmarks_rates_and_reflects(
    browser_page, live_server: LiveServer, axe_js: Path
) -> None:
    word = unique_word()
    title = f"Listening first with {word}"
    trainer = browser_page(TRAINER)
    url = write_and_publish(trainer, live_server, title, word)
    reflection = f"Next time I'll ask about the {word} deal before showing my numbers."

    maya = browser_page(MAYA)
    maya.goto(live_server("/playbooks"))
    expect(maya.get_by_role("heading", level=1)).to_have_text("Playbooks")
    expect(maya.get_by_role("navigation", name="Shelves")).to_have_count(0)  # trainers only
    expect(maya.get_by_text("New to you").first).to_be_visible()
    shoot(maya, "library")
    assert_accessible(maya, axe_js, "the library, as a manager", "playbook-library")

    maya.get_by_label("Search the playbooks").fill(word.lower())
    maya.get_by_role("button", name="Search", exact=True).click()
    expect(status(maya)).to_have_text(f"1 playbook matches “{word.lower()}”.")
    card = maya.locator(".playbook-card")
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading", level=2)).to_have_text(title)
    expect(card.locator("h2 mark")).to_have_text([word])
    expect(card.locator(".excerpt mark").first).to_have_text(word)
    expect(card.get_by_text("New to you")).to_be_visible()
    shoot(maya, "search")
    assert_accessible(maya, axe_js, "the search results", "playbook-search")

    card.get_by_role("link", name=title).click()
    expect(maya).to_have_url(url)
    expect(maya.get_by_role("heading", level=1)).to_have_text(title)
    expect(maya.get_by_role("region", name="For trainers")).to_have_count(0)
    yours = maya.get_by_role("region", name="Yours alone")

    yours.get_by_role("button", name="Mark as read").click()
    expect(status(maya)).to_contain_text("Marked as read.")
    expect(yours.get_by_role("button", name=re.compile("as read"))).to_have_count(0)
    expect(yours.get_by_text("You've read this version.")).to_be_visible()

    yours.get_by_role("button", name="Bookmark", exact=True).click()
    expect(status(maya)).to_contain_text("Bookmarked: it's at the top of your library.")
    expect(yours.get_by_role("button", name="Remove bookmark")).to_be_visible()

    rating = yours.get_by_role("group", name=re.compile(r"^How useful was it\?"))
    rating.get_by_label("Very useful").check()
    yours.get_by_role("button", name="Save rating").click()
    expect(status(maya)).to_contain_text("Thanks: your rating is counted")

    yours.get_by_label("Your reflection (only you can read it)").fill(reflection)
    yours.get_by_role("button", name="Save reflection").click()
    expect(status(maya)).to_contain_text("Reflection saved. Only you can read it.")

    maya.reload()
    expect(yours.get_by_text("You've read this version.")).to_be_visible()
    expect(yours.get_by_role("button", name="Mark as read")).to_have_count(0)
    expect(yours.get_by_role("button", name="Remove bookmark")).to_be_visible()
    expect(rating).to_have_accessible_name(
        re.compile(r"^How useful was it\? You said: Very useful\.")
    )
    expect(rating.get_by_label("Very useful")).to_be_checked()
    expect(yours.get_by_label("Your reflection (only you can read it)")).to_have_value(reflection)
    shoot(maya, "playbook")
    assert_accessible(maya, axe_js, "the playbook page, as a manager", "playbook-manager")

    maya.goto(live_server("/playbooks"))
    bookmarks = maya.get_by_role("region", name="Your bookmarks")
    expect(bookmarks.get_by_role("link", name=title)).to_be_visible()
    maya.get_by_label("Search the playbooks").fill(word)
    maya.get_by_role("button", name="Search", exact=True).click()
    card = maya.locator(".playbook-card")
    expect(card.locator(".badge")).to_have_text(["Read", "Bookmarked"])

    # The reflection is hers alone: the trainer's page of the playbook doesn't show it.
    trainer.goto(url)
    expect(trainer.get_by_text(reflection)).to_have_count(0)
