import pytest
from tortoise import connections

from coaching.errors import Invalid, NotFound, PermissionDenied
from playbooks import diff, library, reader, search
from playbooks.models import Playbook, PlaybookVersion
from tests.factories import make_user

BODY = "# Ask, don't tell\n\n| Instead of | Try |\n|---|---|\n| Why? | What changed? |\n"


def _form(playbook: Playbook, **changes: str) -> dict[str, str]:
    form = {name: getattr(playbook, name) for name in library.CONTENT_FIELDS}
    form.update(changes)
    return form


async def _library_ids(actor, **kwargs) -> list[int]:
    return [p.id for p in (await library.library_page(actor, **kwargs)).playbooks]


async def test_trainer_writes_a_draft_that_managers_cannot_see_until_published(db):
    trainer, manager = await make_user("trainer"), await make_user("manager")
    draft = await library.write_playbook(trainer, {"title": "Asking", "body": BODY})
    assert await _library_ids(manager) == []
    with pytest.raises(NotFound):
        await library.get_playbook(manager, draft.id)
    await library.publish_playbook(trainer, draft.id)
    seen = await library.get_playbook(manager, draft.id)
    assert "<table>" in seen.current.body_html and '<h1 id="section-' in seen.current.body_html
    assert await _library_ids(manager) == [draft.id]


async def test_only_trainers_write_or_publish_playbooks(db):
    manager, trainer = await make_user("manager"), await make_user("trainer")
    with pytest.raises(PermissionDenied):
        await library.write_playbook(manager, {"title": "Mine", "body": BODY})
    draft = await library.write_playbook(trainer, {"title": "Asking", "body": BODY})
    await library.publish_playbook(trainer, draft.id)
    with pytest.raises(PermissionDenied):
        await library.publish_playbook(manager, draft.id)
    with pytest.raises(PermissionDenied):
        await library.edit_playbook(manager, draft.id, _form(draft, title="Mine now"))


async def test_playbook_html_is_sanitised(db):
    trainer = await make_user("trainer")
    pb = await library.write_playbook(
        trainer, {"title": "x", "body": '<img src=x onerror="alert(1)"> [a](javascript:alert(1))'}
    )
    assert "onerror" not in pb.body_html and "javascript:" not in pb.body_html


async def test_playbook_needs_title_and_text(db):
    trainer = await make_user("trainer")
    with pytest.raises(Invalid) as caught:
        await library.write_playbook(trainer, {"title": " ", "body": ""})
    assert set(caught.value.errors) == {"title", "body"}


async def test_topics_signals_and_prompts_are_checked_and_named_in_the_error(db):
    trainer = await make_user("trainer")
    form = {"title": "T", "body": "Words.", "topics": "Pipeline!", "signals": "gut-feeling"}
    form["prompts"] = "\n".join(f"Question {n}?" for n in range(10))
    with pytest.raises(Invalid) as caught:
        await library.write_playbook(trainer, form)
    assert set(caught.value.errors) == {"topics", "signals", "prompts"}
    assert "'pipeline!'" in caught.value.errors["topics"]
    assert "'gut-feeling'" in caught.value.errors["signals"]


async def test_editing_a_published_playbook_changes_only_the_draft_until_the_next_publish(db):
    trainer, manager = await make_user("trainer"), await make_user("manager")
    pb = await library.write_playbook(trainer, {"title": "Asking", "body": "First text."})
    first = await library.publish_playbook(trainer, pb.id)
    await library.edit_playbook(trainer, pb.id, _form(pb, body="Second text.", title="Asking 2"))

    seen = await library.get_playbook(manager, pb.id)
    assert seen.current.number == 1 and seen.current.body == "First text."
    assert seen.current.title == "Asking"
    assert library.has_unpublished_changes(seen)

    second = await library.publish_playbook(trainer, pb.id, "Rewrote it.")
    seen = await library.get_playbook(manager, pb.id)
    assert (seen.current.number, seen.current.body) == (2, "Second text.")
    kept = await PlaybookVersion.get(id=first.id)
    assert (kept.number, kept.title, kept.body) == (1, "Asking", "First text.")
    assert kept.content_hash == first.content_hash and second.change_note == "Rewrote it."


async def test_publishing_an_unchanged_draft_is_refused(db):
    trainer = await make_user("trainer")
    pb = await library.write_playbook(trainer, {"title": "Asking", "body": "Text."})
    await library.publish_playbook(trainer, pb.id)
    with pytest.raises(Invalid, match="Nothing has changed since version 1"):
        await library.publish_playbook(trainer, pb.id)
    assert await PlaybookVersion.filter(playbook_id=pb.id).count() == 1


@pytest.mark.parametrize(
    "statement",
    ["UPDATE playbook_versions SET body = 'changed'", "DELETE FROM playbook_versions"],
)
async def test_the_database_refuses_to_change_or_delete_a_published_version(db, statement):
    trainer = await make_user("trainer")
    pb = await library.write_playbook(trainer, {"title": "Asking", "body": "Text."})
    await library.publish_playbook(trainer, pb.id)
    with pytest.raises(Exception, match="append-only"):
        await connections.get("default").execute_script(statement)
    assert (await PlaybookVersion.get(playbook_id=pb.id)).body == "Text."


async def test_archived_playbooks_leave_the_library_and_search_and_come_back_on_restore(db):
    trainer, manager = await make_user("trainer"), await make_user("manager")
    pb = await library.write_playbook(trainer, {"title": "Slipped deals", "body": "Ask."})
    await library.publish_playbook(trainer, pb.id)
    await library.archive_playbook(trainer, pb.id)
    assert await _library_ids(manager) == []
    assert (await library.library_page(manager, query="slipped")).playbooks == []
    with pytest.raises(NotFound):
        await library.get_playbook(manager, pb.id)
    assert await _library_ids(trainer, shelf="archived") == [pb.id]
    await library.restore_playbook(trainer, pb.id)
    assert await _library_ids(manager, query="slipped") == [pb.id]


async def test_search_ranks_title_matches_first_and_marks_the_words_found(db):
    trainer, manager = await make_user("trainer"), await make_user("manager")
    in_body = await library.write_playbook(
        trainer, {"title": "Running one-on-ones", "body": "Sometimes a deal slipped twice."}
    )
    in_title = await library.write_playbook(
        trainer, {"title": "Coaching a slipped deal", "body": "Ask what changed."}
    )
    unrelated = await library.write_playbook(trainer, {"title": "Feedback", "body": "Be kind."})
    for pb in (in_body, in_title, unrelated):
        await library.publish_playbook(trainer, pb.id)
    found = await library.library_page(manager, query="slipped deals")
    assert [p.id for p in found.playbooks] == [in_title.id, in_body.id]
    assert found.total == 2
    assert "<mark>slipped</mark>" in found.hits[in_title.id].title.lower()
    assert "<mark>slipped</mark>" in found.hits[in_body.id].excerpt.lower()


async def test_search_matches_word_beginnings_and_escapes_what_it_shows(db):
    trainer, manager = await make_user("trainer"), await make_user("manager")
    pb = await library.write_playbook(
        trainer, {"title": "Pipelines & <b>questions</b>", "body": "Questions about pipelines."}
    )
    await library.publish_playbook(trainer, pb.id)
    found = await library.library_page(manager, query="pipe")
    assert [p.id for p in found.playbooks] == [pb.id]
    assert "&lt;b&gt;" in found.hits[pb.id].title and "<b>" not in found.hits[pb.id].title


@pytest.mark.parametrize(
    "query", ['"', "NEAR(a b)", "a OR", "title:x", "* -", "'; DROP TABLE playbooks; --", "é" * 300]
)
async def test_search_syntax_in_a_query_is_only_words(db, query):
    trainer, manager = await make_user("trainer"), await make_user("manager")
    pb = await library.write_playbook(trainer, {"title": "Drop the table", "body": "Near."})
    await library.publish_playbook(trainer, pb.id)
    found = await library.library_page(manager, query=query)
    assert found.total == len(found.playbooks) <= 1
    assert await Playbook.exists()


async def test_drafts_are_not_searchable(db):
    trainer = await make_user("trainer")
    await library.write_playbook(trainer, {"title": "Secret plan", "body": "Draft words."})
    assert (await search.find("secret", 10))[1] == 0


async def test_library_is_browsed_by_topic_of_the_published_version(db):
    trainer, manager = await make_user("trainer"), await make_user("manager")
    pb = await library.write_playbook(
        trainer, {"title": "A", "body": "x", "topics": "pipeline questions"}
    )
    other = await library.write_playbook(trainer, {"title": "B", "body": "y", "topics": "trust"})
    for p in (pb, other):
        await library.publish_playbook(trainer, p.id)
    await library.edit_playbook(trainer, pb.id, _form(pb, topics="trust"))  # draft only
    assert await _library_ids(manager, topic="pipeline") == [pb.id]
    assert await _library_ids(manager, topic="trust") == [other.id]
    assert dict(await library.topics_in_use()) == {"pipeline": 1, "questions": 1, "trust": 1}


async def test_signal_links_follow_the_published_version_not_the_draft(db):
    trainer, manager = await make_user("trainer"), await make_user("manager")
    pb = await library.write_playbook(
        trainer, {"title": "Slips", "body": "x", "signals": "close-date-pushed-twice"}
    )
    assert await library.for_signals(manager, {"close-date-pushed-twice"}) == {}
    await library.publish_playbook(trainer, pb.id)
    await library.edit_playbook(trainer, pb.id, _form(pb, signals="no-next-step"))
    found = await library.for_signals(manager, {"close-date-pushed-twice", "no-next-step"})
    assert {k: [p.id for p in v] for k, v in found.items()} == {"close-date-pushed-twice": [pb.id]}


async def test_manager_marks_a_playbook_read_and_sees_when_it_is_updated(db):
    trainer, manager = await make_user("trainer"), await make_user("manager")
    pb = await library.write_playbook(trainer, {"title": "Asking", "body": BODY})
    await library.publish_playbook(trainer, pb.id)
    assert [p.id for p in await library.list_unread(manager)] == [pb.id]
    await reader.mark_read(manager, pb.id)
    assert await library.list_unread(manager) == []
    await library.edit_playbook(trainer, pb.id, _form(pb, body="New words."))
    await library.publish_playbook(trainer, pb.id)
    seen = await library.get_playbook(manager, pb.id)
    state = (await reader.states(manager, [pb.id]))[pb.id]
    assert state.read_version == 1 and state.is_updated(seen) and not state.is_new(seen)
    await reader.mark_read(manager, pb.id)
    state = (await reader.states(manager, [pb.id]))[pb.id]
    assert state.read_version == 2 and not state.is_updated(seen)


async def test_bookmarks_reflections_and_ratings_belong_to_their_reader_alone(db):
    trainer = await make_user("trainer")
    maya, leo = await make_user("manager"), await make_user("manager")
    pb = await library.write_playbook(trainer, {"title": "Asking", "body": BODY})
    await library.publish_playbook(trainer, pb.id)
    await reader.set_bookmark(maya, pb.id, True)
    await reader.save_reflection(maya, pb.id, "I interrupt too much.")
    await reader.rate(maya, pb.id, "4")
    mine = (await reader.states(maya, [pb.id]))[pb.id]
    assert (mine.bookmarked, mine.reflection, mine.rating) == (True, "I interrupt too much.", 4)
    for other in (leo, trainer):
        theirs = (await reader.states(other, [pb.id]))[pb.id]
        assert (theirs.bookmarked, theirs.reflection, theirs.rating) == (False, "", None)
    assert [p.id for p in await reader.bookmarked(maya)] == [pb.id]
    assert await reader.bookmarked(leo) == []


@pytest.mark.parametrize("rating", ["0", "6", "", "four", "3.5"])
async def test_a_rating_must_be_one_to_five(db, rating):
    trainer, manager = await make_user("trainer"), await make_user("manager")
    pb = await library.write_playbook(trainer, {"title": "Asking", "body": BODY})
    await library.publish_playbook(trainer, pb.id)
    with pytest.raises(Invalid) as caught:
        await reader.rate(manager, pb.id, rating)
    assert set(caught.value.errors) == {"rating"}


async def test_reception_shows_only_counts_of_at_least_the_threshold(db):
    trainer = await make_user("trainer")
    managers = [await make_user("manager") for _ in range(5)]
    pb = await library.write_playbook(trainer, {"title": "Asking", "body": BODY})
    await library.publish_playbook(trainer, pb.id)
    for n, manager in enumerate(managers[:4]):
        await reader.mark_read(manager, pb.id)
        await reader.rate(manager, pb.id, str(n + 2))
    hidden = await reader.reception(trainer, pb.id, threshold=5)
    assert (hidden.readers, hidden.ratings, hidden.average) == (None, None, None)
    await reader.mark_read(managers[4], pb.id)
    await reader.rate(managers[4], pb.id, "5")
    shown = await reader.reception(trainer, pb.id, threshold=5)
    assert (shown.readers, shown.read_latest, shown.ratings, shown.average) == (5, 5, 5, 3.8)
    with pytest.raises(PermissionDenied):
        await reader.reception(managers[0], pb.id, threshold=5)


async def test_the_anonymity_threshold_is_never_below_three(db):
    trainer, a, b = (
        await make_user("trainer"),
        await make_user("manager"),
        await make_user("manager"),
    )
    pb = await library.write_playbook(trainer, {"title": "Asking", "body": BODY})
    await library.publish_playbook(trainer, pb.id)
    for manager in (a, b):
        await reader.mark_read(manager, pb.id)
    figures = await reader.reception(trainer, pb.id, threshold=1)
    assert figures.threshold == 3 and figures.readers is None


def test_word_diff_marks_removed_and_added_words_and_escapes_them():
    marked = str(diff.word_diff("Ask <why> it slipped.", "Ask what changed <now>."))
    assert marked == (
        "Ask <ins>what changed </ins>&lt;<del>why</del><ins>now</ins>&gt;<del> it slipped</del>."
    )


def test_text_diff_folds_long_runs_of_unchanged_paragraphs():
    old = "\n\n".join(["Intro.", "Same one.", "Same two.", "Same three.", "Ask why."])
    new = "\n\n".join(["Intro.", "Same one.", "Same two.", "Same three.", "Ask what changed."])
    marked = str(diff.text_diff(old, new))
    assert "… 4 unchanged paragraphs …" in marked and "Same two." not in marked
    assert "<del>why</del><ins>what changed</ins>" in marked


async def test_a_summary_hiding_a_direction_control_is_refused_like_any_one_line_field(db):
    trainer = await make_user("trainer")
    with pytest.raises(Invalid) as caught:
        await library.write_playbook(
            trainer, {"title": "Ask", "body": "Ask.", "summary": "Read\u202eme", "audience": " "}
        )
    assert set(caught.value.errors) == {"summary"}
