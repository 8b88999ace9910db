"""The errors domain functions raise. `app/errors.py` turns each into a page or JSON.

TandemError
├── NotFound          the object does not exist, or the actor may not know it exists (404)
├── PermissionDenied  the actor is known but may not do this (403)
├── Invalid           input is wrong; `errors` maps each field to a message (400)
├── Conflict          the request clashes with the current state (409)
└── Throttled         too many attempts just now; retry_after seconds (429)
"""

from __future__ import annotations


class TandemError(Exception):
    status_code = 400
    title = "Something went wrong"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.title)
        self.message = message or self.title
        # Field name -> message, for showing beside a form; "__all__" for the whole form.
        self.errors: dict[str, str] = {"__all__": self.message}


class NotFound(TandemError):
    status_code = 404
    title = "Not found"


class PermissionDenied(TandemError):
    status_code = 403
    title = "Not allowed"


class Conflict(TandemError):
    status_code = 409
    title = "That clashes with what is already there"


class Invalid(TandemError):
    status_code = 400
    title = "Please check the form"

    def __init__(self, errors: dict[str, str] | str) -> None:
        if isinstance(errors, str):
            errors = {"__all__": errors}
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class Throttled(TandemError):
    """Too many attempts in a short time; `retry_after` says how many seconds to wait (429)."""

    status_code = 429
    title = "Too many attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
