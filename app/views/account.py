"""The signed-in person's own account: profile, password, who looked, what admins changed."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app.urls import absolute_url
from app.web import form_id, form_of, me, query_int, redirect, render, render_invalid
from coaching import access
from coaching.errors import Invalid, Throttled
from coaching.identity import audit, calendar_feeds
from coaching.identity.accounts import change_password, timezone_names, update_profile


async def profile(request: Request) -> Response:
    user = me(request)
    if request.method != "POST":  # GET, or HEAD
        return await _profile_page(request, {"name": user.name, "timezone": user.timezone})
    form = await form_of(request)
    try:
        await update_profile(user, form.get("name", ""), form.get("timezone", ""))
    except Invalid as exc:
        return await _profile_page(request, form, exc.errors, 400)
    return redirect(request, "account:profile", "Your profile is saved.")


async def _profile_page(
    request: Request,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    new_calendar_link: str | None = None,
) -> Response:
    return render(
        request,
        "account/profile.html",
        status_code,
        form=form,
        errors=errors or {},
        zones=timezone_names(),
        calendar_feed=await calendar_feeds.find_feed(me(request)),
        new_calendar_link=new_calendar_link,
    )


async def calendar_link(request: Request) -> Response:
    """Make the person's calendar link (or a new one: the old one stops working) and show
    it on this page, this once: only its hash is kept, and it is never put in a message."""
    user = me(request)
    token = await calendar_feeds.make_feed_token(user)
    link = str(absolute_url(request, "calendar:feed", token=token))
    form = {"name": user.name, "timezone": user.timezone}
    return await _profile_page(request, form, new_calendar_link=link)


async def calendar_off(request: Request) -> Response:
    if await calendar_feeds.turn_off_feed(me(request)):
        message = (
            "Your calendar link is turned off: calendars using it no longer get your sessions."
        )
    else:
        message = "Your calendar link was already off."
    return redirect(request, "account:profile", message)


def _current_session_hash(request: Request) -> str | None:
    """The stored hash of the session this request came with (the one to keep signed in)."""
    state = request.scope.get("tandem.session")
    row = getattr(state, "row", None)
    return row.key_hash if row is not None else None


async def password(request: Request) -> Response:
    """Change one's own password; every other session of the person is signed out."""
    user = me(request)
    has_password = user.password_hash is not None  # else they sign in with single sign-on
    if request.method != "POST":  # GET, or HEAD
        return render(
            request, "account/password.html", form={}, errors={}, has_password=has_password
        )
    form = await form_of(request)
    try:
        await change_password(
            user,
            form.get("current", ""),
            form.get("new", ""),
            form.get("confirm", ""),
            keep_session=_current_session_hash(request),
        )
    except (Invalid, Throttled) as exc:
        # Passwords are never sent back into the page: each field says what was wrong.
        return render_invalid(
            request,
            "account/password.html",
            exc,
            {},
            exc.status_code,
            has_password=has_password,
        )
    message = (
        "Your password is changed. You stay signed in here; everywhere else you were signed out."
    )
    return redirect(request, "account:profile", message)


async def access_log(request: Request) -> Response:
    user = me(request)
    page = query_int(request, "page")
    try:
        reader = form_id(request.query_params.get("reader", ""))
    except ValueError:
        reader = None
    lines, has_more = await access.list_reads_of_my_data(user, page, reader_id=reader)
    readers = await access.list_readers(user)
    await access.mark_log_seen(user)
    return render(
        request,
        "account/access_log.html",
        lines=lines,
        readers=readers,
        reader=reader,
        page=page,
        has_more=has_more,
    )


async def changes(request: Request) -> Response:
    """The admin audit lines about the signed-in person, and only those."""
    page = query_int(request, "page")
    lines, has_more = await audit.list_about(me(request), page)
    return render(
        request,
        "account/changes.html",
        lines=lines,
        page=page,
        has_more=has_more,
        describe=audit.YOUR_DESCRIPTIONS,
    )
