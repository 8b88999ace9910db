from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app.web import form_id, form_of, me, query_int, redirect, render, render_invalid
from coaching import access
from coaching.errors import Invalid
from coaching.identity.accounts import timezone_names, update_profile


async def profile(request: Request) -> Response:
    user = me(request)
    zones = timezone_names()
    if request.method != "POST":  # GET, or HEAD
        form = {"name": user.name, "timezone": user.timezone}
        return render(request, "account/profile.html", form=form, errors={}, zones=zones)
    form = await form_of(request)
    try:
        await update_profile(user, form.get("name", ""), form.get("timezone", ""))
    except Invalid as exc:
        return render_invalid(request, "account/profile.html", exc, form, zones=zones)
    return redirect(request, "account:profile", "Your profile is saved.")


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
