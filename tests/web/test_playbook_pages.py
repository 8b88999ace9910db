"""The playbook pages over HTTP: preview without saving, publish with a diff, versions,
aggregate-only reception, private reflections, search, archive with undo."""

from playbooks import library, reader
from playbooks.models import Playbook, PlaybookNote, PlaybookVersion
from tests.factories import make_user, text_of

BODY = "## Ask first\n\n| Instead of | Try |\n|---|---|\n| Why? | What changed? |\n"


async def _as(browser, user):
    browser.client.cookies.clear()
    assert (await browser.login(user)).status_code == 303


async def _published(trainer, title="Ask first", body=BODY, **extra) -> Playbook:
    playbook = await library.write_playbook(trainer, {"title": title, "body": body, **extra})
    await library.publish_playbook(trainer, playbook.id)
    return playbook


async def test_preview_shows_the_rendered_text_and_saves_nothing(browser):
    await _as(browser, await make_user("trainer"))
    form = {"title": "Ask <first>", "body": BODY, "topics": "questions", "preview": "1"}
    page = await browser.post("/playbooks/new", form)
    assert page.status_code == 200
    assert "Preview: as managers will read it" in page.text
    assert "<table>" in page.text and 'id="section-ask-first"' in page.text
    assert 'value="Ask &lt;first&gt;"' in page.text  # what was typed is kept
    assert not await Playbook.exists()


async def test_a_bad_form_keeps_what_was_typed_and_names_the_field(browser):
    await _as(browser, await make_user("trainer"))
    form = {"title": "Ask first", "body": BODY, "signals": "gut-feeling"}
    page = await browser.post("/playbooks/new", form)
    assert page.status_code == 400
    assert "Unknown signal" in page.text and "gut-feeling" in page.text
    assert "Ask first" in page.text and not await Playbook.exists()


async def test_publish_page_shows_what_changes_and_publishing_twice_is_refused(browser):
    trainer = await make_user("trainer")
    playbook = await _published(trainer, body="Ask what slipped.")
    form = {name: getattr(playbook, name) for name in library.CONTENT_FIELDS}
    await library.edit_playbook(trainer, playbook.id, {**form, "body": "Ask what changed."})
    await _as(browser, trainer)
    review = await browser.get(f"/playbooks/{playbook.id}/publish")
    assert "<del>slipped</del>" in review.text and "<ins>changed</ins>" in review.text
    done = await browser.post(f"/playbooks/{playbook.id}/publish", {"change_note": "Kinder."})
    assert done.status_code == 303
    again = await browser.post(f"/playbooks/{playbook.id}/publish", {"change_note": ""})
    assert again.status_code == 400 and "Nothing has changed since version 2" in again.text
    versions = await browser.get(f"/playbooks/{playbook.id}/versions")
    assert "Version 2" in versions.text and "Kinder." in versions.text
    compare = await browser.get(f"/playbooks/{playbook.id}/compare?old=1&new=2")
    assert "<del>slipped</del>" in compare.text
    assert (await browser.get(f"/playbooks/{playbook.id}/compare?old=1&new=9")).status_code == 404
    assert await PlaybookVersion.filter(playbook_id=playbook.id).count() == 2


async def test_managers_cannot_reach_the_trainer_pages(browser):
    trainer, manager = await make_user("trainer"), await make_user("manager")
    playbook = await _published(trainer)
    await _as(browser, manager)
    for path in ("edit", "publish", "versions", "compare?old=1&new=1", "reception"):
        response = await browser.get(f"/playbooks/{playbook.id}/{path}")
        assert response.status_code == 403, path
    assert (await browser.post(f"/playbooks/{playbook.id}/archive")).status_code == 403


async def test_reception_page_shows_counts_only_from_the_threshold(browser):
    trainer = await make_user("trainer")
    playbook = await _published(trainer)
    managers = [await make_user("manager", name=f"Manager Number{n}") for n in range(5)]
    for manager in managers[:4]:
        await reader.mark_read(manager, playbook.id)
    await _as(browser, trainer)
    few = text_of((await browser.get(f"/playbooks/{playbook.id}/reception")).text)
    assert "Fewer than 5: not shown" in few
    await reader.mark_read(managers[4], playbook.id)
    enough = text_of((await browser.get(f"/playbooks/{playbook.id}/reception")).text)
    assert "Managers who read it 5" in enough
    assert "Number" not in enough  # never who


async def test_a_reflection_is_private_and_a_too_long_one_is_kept_with_a_message(browser):
    trainer, maya, leo = (
        await make_user("trainer"),
        await make_user("manager"),
        await make_user("manager"),
    )
    playbook = await _published(trainer)
    await _as(browser, maya)
    saved = await browser.post(
        f"/playbooks/{playbook.id}/reflection", {"reflection": "I talk too much."}
    )
    assert saved.status_code == 303
    assert "I talk too much." in (await browser.get(f"/playbooks/{playbook.id}")).text
    too_long = "x" * (reader.MAX_REFLECTION + 1)
    refused = await browser.post(f"/playbooks/{playbook.id}/reflection", {"reflection": too_long})
    assert refused.status_code == 400 and "at most 5000 characters" in refused.text
    assert too_long in refused.text
    assert (await PlaybookNote.get(reader_id=maya.id)).reflection == "I talk too much."
    for other in (leo, trainer):
        await _as(browser, other)
        assert "I talk too much." not in (await browser.get(f"/playbooks/{playbook.id}")).text


async def test_library_search_highlights_matches_and_says_when_nothing_matches(browser):
    trainer, manager = await make_user("trainer"), await make_user("manager")
    await _published(trainer, title="Coaching a slipped deal", body="Ask what changed.")
    await _as(browser, manager)
    found = await browser.get("/playbooks", params={"q": "slipped"})
    assert "<mark>slipped</mark>" in found.text.lower() and "1 playbook matches" in found.text
    nothing = await browser.get("/playbooks", params={"q": "zebra"})
    assert "Nothing matches" in nothing.text


async def test_archiving_offers_undo_and_restore_brings_it_back(browser):
    trainer, manager = await make_user("trainer"), await make_user("manager")
    playbook = await _published(trainer)
    await _as(browser, trainer)
    archived = await browser.post(f"/playbooks/{playbook.id}/archive", follow_redirects=True)
    assert "is archived" in archived.text and f"/playbooks/{playbook.id}/restore" in archived.text
    await _as(browser, manager)
    assert (await browser.get(f"/playbooks/{playbook.id}")).status_code == 404
    await _as(browser, trainer)
    await browser.post(f"/playbooks/{playbook.id}/restore")
    await _as(browser, manager)
    assert (await browser.get(f"/playbooks/{playbook.id}")).status_code == 200
