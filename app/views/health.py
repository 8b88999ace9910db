from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.db import database_reachable


async def check(request: Request) -> Response:
    if await database_reachable():
        return JSONResponse({"status": "ok", "database": "reachable"})
    return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
