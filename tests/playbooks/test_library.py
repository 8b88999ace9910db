import pytest

from coaching.errors import Invalid, NotFound, PermissionDenied
from playbooks import library
from tests.factories import make_user

BODY = "# Ask, don't tell\n\n| Instead of | Try |\n|---|---|\n| Why? | What changed? |\n"


async def test_trainer_writes_a_draft_that_managers_cannot_see_until_published(db):
    trainer, manager = await make_user("trainer"), await make_user("manager")
    draft = await library.write_playbook(trainer, {"title": "Asking", "body": BODY})
    assert await library.list_playbooks(manager) == []
    with pytest.raises(NotFound):
        await library.get_playbook(manager, draft.id)
    await library.publish_playbook(trainer, draft.id)
    seen = await library.get_playbook(manager, draft.id)
    assert "<table>" in seen.body_html and "<h1>" in seen.body_html


async def test_only_trainers_write_or_publish_playbooks(db):
    manager, trainer = await make_user("manager"), await make_user("trainer")
    with pytest.raises(PermissionDenied):
        await library.write_playbook(manager, {"title": "Mine", "body": BODY})
    draft = await library.write_playbook(trainer, {"title": "Asking", "body": BODY})
    await library.publish_playbook(trainer, draft.id)
    with pytest.raises(PermissionDenied):
        await library.publish_playbook(manager, draft.id)


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


async def test_manager_marks_a_playbook_read_and_it_leaves_the_to_read_list(db):
    trainer, manager = await make_user("trainer"), await make_user("manager")
    pb = await library.write_playbook(trainer, {"title": "Asking", "body": BODY})
    await library.publish_playbook(trainer, pb.id)
    assert [p.id for p in await library.list_unread(manager)] == [pb.id]
    await library.mark_read(manager, pb.id)
    assert await library.list_unread(manager) == []
