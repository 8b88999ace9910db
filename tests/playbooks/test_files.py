"""Playbooks as Markdown files with a front-matter header: the starter library, import
(all files checked before anything is written) and export, which read each other back."""

from __future__ import annotations

from pathlib import Path

import pytest

from coaching.errors import NotFound
from coaching.pipeline.signals import SignalId
from playbooks import files, library
from playbooks.models import Playbook, PlaybookStatus, PlaybookVersion
from tests.factories import make_user


def playbook_file(title: str = "Asking, not telling", body: str = "Ask first.\n", **header) -> str:
    lines = [f"title: {title}", *(f"{key}: {value}" for key, value in header.items())]
    return "---\n" + "\n".join(lines) + "\n---\n" + body


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


async def imported(paths: list[Path], *, publish: bool) -> dict[str, int]:
    result = await files.import_files(paths, publish=publish)
    assert result.errors == []
    return result.counts()


def counts(created: int = 0, new_versions: int = 0, unchanged: int = 0) -> dict[str, int]:
    return {"created": created, "new_versions": new_versions, "unchanged": unchanged}


async def seen_by_manager(slug: str) -> Playbook:
    manager = await make_user("manager")
    playbook = await Playbook.get(slug=slug)
    return await library.get_playbook(manager, playbook.id)


# --- the starter library ----------------------------------------------------------------


async def test_starter_library_publishes_ten_or_more_playbooks_that_serve_every_signal(db):
    loaded = await files.load_starter_library()

    assert loaded >= 10
    playbooks = await Playbook.all().select_related("current")
    assert len(playbooks) == loaded == await PlaybookVersion.all().count()
    served: set[str] = set()
    for playbook in playbooks:
        assert playbook.status == PlaybookStatus.PUBLISHED, playbook.slug
        version = playbook.current
        assert version is not None and version.number == 1, playbook.slug
        assert version.published_by_name == files.STARTER_SOURCE
        assert version.summary and version.topic_list and version.prompt_list, playbook.slug
        assert not library.has_unpublished_changes(playbook), playbook.slug
        served.update(version.signal_list)
    assert {signal.value for signal in SignalId} <= served


async def test_starter_library_loads_nothing_the_second_time(db):
    first = await files.load_starter_library()
    assert first >= 10

    assert await files.load_starter_library() == 0
    assert await Playbook.all().count() == first
    assert await PlaybookVersion.all().count() == first


# --- export and import read each other back ----------------------------------------------


async def test_exported_files_import_as_unchanged_and_export_again_byte_identical(db, tmp_path):
    await files.load_starter_library()
    trainer = await make_user("trainer")
    # A never-published draft whose header needs YAML quoting, and a published playbook
    # whose draft was edited since: export writes drafts, so both must read back the same.
    form = {
        "title": 'Yes: "no" — or #maybe',
        "summary": "- starts like a list item: and has colons",
        "topics": "new-reps 2026",
        "signals": "no-next-step",
        "prompts": "What's next?\n'Quoted' and: colon?",
        "body": "Ünïcode and a table:\n\n| a | b |\n|---|---|\n| 1 | 2 |",
    }
    await library.write_playbook(trainer, form)
    starter = await Playbook.get(slug="feedback-that-lands")
    edited = {name: getattr(starter, name) for name in library.CONTENT_FIELDS}
    await library.edit_playbook(trainer, starter.id, edited | {"body": "Rewritten draft."})
    before = {p.slug: p.draft_hash for p in await Playbook.all()}
    versions = await PlaybookVersion.all().count()

    exported = await files.all_as_files()
    assert [name for name, _ in exported] == [f"{slug}.md" for slug in sorted(before)]
    first, second = tmp_path / "first", tmp_path / "second"
    files.write_files(first, exported)

    assert await imported([first], publish=False) == counts(unchanged=len(before))
    assert await imported([first], publish=True) == counts(  # publishes the edited draft only
        new_versions=2, unchanged=len(before) - 2
    )
    assert await imported([first], publish=True) == counts(unchanged=len(before))
    assert {p.slug: p.draft_hash for p in await Playbook.all()} == before
    assert await PlaybookVersion.all().count() == versions + 2
    files.write_files(second, await files.all_as_files())
    for path in sorted(first.iterdir()):
        assert (second / path.name).read_bytes() == path.read_bytes(), path.name


async def test_reimporting_exported_files_writes_no_new_version(db, tmp_path):
    await files.load_starter_library()
    versions = await PlaybookVersion.all().count()
    files.write_files(tmp_path, await files.all_as_files())

    for publish in (False, True):
        assert await imported([tmp_path], publish=publish) == counts(unchanged=versions)
    assert await PlaybookVersion.all().count() == versions


# --- a changed file ------------------------------------------------------------------


async def test_changed_file_makes_a_draft_that_managers_see_only_once_published(db, tmp_path):
    path = write(tmp_path, "asking.md", playbook_file(body="First text.\n"))
    assert await imported([path], publish=True) == counts(created=1)
    write(tmp_path, "asking.md", playbook_file(title="Asking, better", body="Second text.\n"))

    assert await imported([path], publish=False) == counts(new_versions=1)
    seen = await seen_by_manager("asking")
    assert seen.current is not None
    assert (seen.current.number, seen.current.title, seen.current.body) == (
        1,
        "Asking, not telling",
        "First text.",
    )
    assert (seen.title, seen.body) == ("Asking, better", "Second text.")  # the draft
    assert library.has_unpublished_changes(seen)
    assert await PlaybookVersion.all().count() == 1
    assert await imported([path], publish=False) == counts(unchanged=1)

    assert await imported([path], publish=True) == counts(new_versions=1)
    seen = await seen_by_manager("asking")
    assert seen.current is not None
    assert (seen.current.number, seen.current.title, seen.current.body) == (
        2,
        "Asking, better",
        "Second text.",
    )
    assert await imported([path], publish=True) == counts(unchanged=1)


async def test_changed_file_imported_with_publish_becomes_version_2_with_the_files_text(
    db, tmp_path
):
    path = write(tmp_path, "asking.md", playbook_file(body="First text.\n"))
    await imported([path], publish=True)
    header = {
        "summary": "Now with a summary.",
        "audience": "New managers",
        "topics": "[questions, trust]",
        "signals": "[stage-unchanged, no-next-step]",
        "prompts": "\n  - What did you ask?\n  - What did you hear?",
    }
    write(tmp_path, "asking.md", playbook_file(title="Asking", body="## New\n\nText.\n", **header))

    assert await imported([tmp_path], publish=True) == counts(new_versions=1)
    version = (await seen_by_manager("asking")).current
    assert version is not None and version.number == 2
    assert version.title == "Asking"
    assert version.summary == "Now with a summary."
    assert version.audience == "New managers"
    assert version.topic_list == ["questions", "trust"]
    assert version.signal_list == ["stage-unchanged", "no-next-step"]
    assert version.prompt_list == ["What did you ask?", "What did you hear?"]
    assert version.body == "## New\n\nText."
    assert "<h2" in version.body_html
    assert version.published_by_id is None
    assert [v.number for v in await PlaybookVersion.all().order_by("number")] == [1, 2]


async def test_publishing_the_published_text_over_an_edited_draft_resets_it_without_a_version(
    db, tmp_path
):
    # Regression: publish_playbook refused "nothing has changed", which undid the import.
    path = write(tmp_path, "asking.md", playbook_file(body="Published text.\n"))
    await imported([path], publish=True)
    trainer, playbook = await make_user("trainer"), await Playbook.get(slug="asking")
    form = {name: getattr(playbook, name) for name in library.CONTENT_FIELDS}
    await library.edit_playbook(trainer, playbook.id, form | {"body": "Half-done edit."})

    assert await imported([path], publish=True) == counts(unchanged=1)
    playbook = await Playbook.get(slug="asking").select_related("current")
    assert playbook.body == "Published text."
    assert not library.has_unpublished_changes(playbook)
    assert await PlaybookVersion.all().count() == 1


# --- a new file ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "header", "slug"),
    [
        ("Ask Better Questions.md", {}, "ask-better-questions"),
        ("anything.md", {"slug": "questions-first"}, "questions-first"),
        ("anything.md", {"slug": "Questions First!"}, "questions-first"),
    ],
    ids=["slug-from-file-name", "slug-from-header", "header-slug-normalised"],
)
async def test_new_file_creates_a_draft_that_managers_cannot_see(db, tmp_path, name, header, slug):
    write(tmp_path, name, playbook_file(**header))

    assert await imported([tmp_path], publish=False) == counts(created=1)
    playbook = await Playbook.get(slug=slug)
    assert (playbook.status, playbook.current_id) == (PlaybookStatus.DRAFT, None)
    assert (playbook.title, playbook.body) == ("Asking, not telling", "Ask first.")
    assert playbook.author_id is None
    with pytest.raises(NotFound):
        await seen_by_manager(slug)
    assert await PlaybookVersion.all().count() == 0


@pytest.mark.parametrize(
    ("name", "header", "slug"),
    [
        ("Ask Better Questions.md", {}, "ask-better-questions"),
        ("anything.md", {"slug": "questions-first"}, "questions-first"),
    ],
    ids=["slug-from-file-name", "slug-from-header"],
)
async def test_new_file_imported_with_publish_is_version_1(db, tmp_path, name, header, slug):
    path = write(tmp_path, name, playbook_file(**header))

    assert await imported([path], publish=True) == counts(created=1)
    version = (await seen_by_manager(slug)).current
    assert version is not None
    assert (version.number, version.title, version.body) == (1, "Asking, not telling", "Ask first.")
    assert version.published_by_name == "Imported from files"


# --- all or nothing --------------------------------------------------------------------

TOO_LARGE = playbook_file(body="word " * (files.MAX_FILE_BYTES // 5 + 1))
BAD_FILES = [
    ("bad.md", playbook_file(author="Sam"), "unknown header key 'author'"),
    ("bad.md", playbook_file(content="text"), "unknown header key 'content'"),
    ("bad.md", playbook_file(**{"1": "one"}), "unknown header key 1"),
    ("bad.md", "---\ntitle: [unclosed\n---\nText.\n", "its header is not valid YAML"),
    ("bad.md", playbook_file(signals="[gut-feeling]"), "Unknown signal 'gut-feeling'"),
    ("bad.md", playbook_file(body=""), "Playbook text is required"),
    ("bad.md", playbook_file(body="  \n\n"), "Playbook text is required"),
    ("bad.md", TOO_LARGE, "larger than 256 KB"),
    ("bad.md", playbook_file(slug="new"), "another file is also 'new'"),
]


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    BAD_FILES,
    ids=[
        "unknown-key",
        "key-named-content",
        "key-not-text",
        "invalid-yaml",
        "unknown-signal",
        "empty-body",
        "blank-body",
        "over-256-kb",
        "same-slug-twice",
    ],
)
async def test_one_bad_file_means_nothing_is_written_and_the_error_names_it(
    db, tmp_path, name, text, problem
):
    kept = write(tmp_path / "before", "kept.md", playbook_file(body="Published text.\n"))
    await imported([kept], publish=True)
    folder = tmp_path / "folder"
    write(folder, "kept.md", playbook_file(body="A change that must not land.\n"))
    write(folder, "new.md", playbook_file(title="A new one"))
    bad = write(folder, name, text)

    for publish in (False, True):
        result = await files.import_files([folder], publish=publish)
        assert result.counts() == counts()
        assert any(error.startswith(f"{bad}: ") and problem in error for error in result.errors), (
            result.errors
        )
        assert not any(str(folder / "kept.md") in error for error in result.errors)
    playbook = await Playbook.get(slug="kept").select_related("current")
    assert playbook.body == "Published text."
    assert not library.has_unpublished_changes(playbook)
    assert await Playbook.all().count() == 1
    assert await PlaybookVersion.all().count() == 1


async def test_two_files_with_the_same_slug_are_both_named(db, tmp_path):
    one = write(tmp_path, "one.md", playbook_file(slug="same"))
    two = write(tmp_path, "same.md", playbook_file())

    result = await files.import_files([tmp_path], publish=True)

    assert sorted(result.errors) == sorted(
        [f"{one}: another file is also 'same'", f"{two}: another file is also 'same'"]
    )
    assert await Playbook.all().count() == 0
