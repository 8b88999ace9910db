"""The Starlette application: middleware, routes, templates, error pages, database lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from tortoise.contrib.starlette import RegisterTortoise

from app.errors import HANDLERS
from app.limits import BodyLimitMiddleware
from app.logs import LIBRARY_LOGGERS, bound
from app.routes import ROUTES
from app.security import SecurityHeadersMiddleware
from app.settings import Settings, load_settings, tortoise_config
from app.templating import make_templates
from app.urls import KnownHostMiddleware
from app.web_sessions import ServerSessionMiddleware
from coaching.mail.config import MailSettings
from coaching.mail.worker import MAIL_LOGGER, run_server_sender

MAIL_SENDER_TASK = "tandem-mail-sender"
SENDER_SHUTDOWN_SECONDS = 35.0  # longer than one SMTP timeout


@contextlib.asynccontextmanager
async def mail_sender(mail: MailSettings) -> AsyncIterator[None]:
    """While the server runs, send the outbox whenever no `tandem worker` is alive (the
    loop checks its heartbeat), so mail goes out with or without one. Cancelled at
    shutdown after the batch in hand; a message it was sending when stopped the hard way is
    sent again once its lease runs out."""
    if not mail.sends:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(run_server_sender(mail, stop), name=MAIL_SENDER_TASK)
    try:
        yield
    finally:
        stop.set()  # the batch in hand is finished; a stuck one is cancelled after a while
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(task, timeout=SENDER_SHUTDOWN_SECONDS)


def create_app(settings: Settings | None = None, *, manage_db: bool = True) -> Starlette:
    """Build the app. Tests pass manage_db=False and provide their own Tortoise context."""
    settings = settings or load_settings()
    bound(*LIBRARY_LOGGERS, MAIL_LOGGER)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not manage_db:
            yield
            return
        from app.db import apply_migrations

        await apply_migrations(settings.database_url)
        config = tortoise_config(settings.database_url)
        async with (
            RegisterTortoise(app, config=config, generate_schemas=False),
            mail_sender(settings.mail),
        ):
            yield

    app = Starlette(
        routes=ROUTES,
        middleware=[
            Middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies),
            Middleware(KnownHostMiddleware, base_url=settings.base_url, host=settings.public_host),
            Middleware(
                ServerSessionMiddleware,
                secret_key=settings.secret_key,
                days=settings.session_days,
                secure=settings.secure_cookies,
            ),
            Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_kb * 1024),
        ],
        exception_handlers=HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.templates = make_templates()
    if settings.oidc is not None:
        from app.views.oidc import make_oauth

        app.state.oauth = make_oauth(settings.oidc)
    return app
