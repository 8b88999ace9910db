"""Reflections: the rep's journal, private until the rep shares an entry with a coach."""

from __future__ import annotations

from coaching.errors import Invalid
from coaching.models import Reflection, User
from coaching.policy import Action
from coaching.policy.reveal import fetch, reveal_one
from coaching.sessions import load_session
from coaching.sharing import set_shared_with
from coaching.text import clean_text, render_required_markdown

MAX_REFLECTION = 10_000
PAGE_SIZE = 20


async def write_reflection(actor: User, body: str, session_id: int | None = None) -> Reflection:
    errors: dict[str, str] = {}
    body = clean_text(
        body, field="body", label="Reflection", max_length=MAX_REFLECTION, errors=errors
    )
    body_html = render_required_markdown(body, field="body", label="Reflection", errors=errors)
    if errors:
        raise Invalid(errors)
    session = await load_session(actor, session_id) if session_id else None
    return await Reflection.create(author=actor, body=body, body_html=body_html, session=session)


async def get_reflection(actor: User, reflection_id: int) -> Reflection:
    """The entry, for its author or a coach it is shared with; a coach's read is logged."""
    return await reveal_one(actor, Reflection.filter(id=reflection_id), "No such reflection.")


async def share_reflection(actor: User, reflection_id: int, coach_ids: list[int]) -> list[User]:
    query = Reflection.filter(id=reflection_id)
    entry = await fetch(actor, Action.SHARE, query, "No such reflection.")
    return await set_shared_with(actor, entry, coach_ids)


async def list_my_reflections(actor: User, page: int = 1) -> tuple[list[Reflection], bool]:
    page = max(page, 1)
    rows = (
        await Reflection.filter(author_id=actor.id)
        .prefetch_related("shared_with")
        .select_related("session")
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
