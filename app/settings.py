"""Configuration, read once from environment variables (and an optional `.env` file).

Every variable is documented in README.md. Nothing here touches the database.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import getaddresses, parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv

from app.limits import DEFAULT_MAX_BODY_KB
from coaching.mail.config import DEFAULT_FROM, MailSettings, SmtpSecurity

ROOT = Path(__file__).resolve().parent.parent
load_dotenv(ROOT / ".env")

DEFAULT_DATA_DIR = ROOT / "var"


class ConfigError(RuntimeError):
    """The configuration cannot run Tandem; the message says which variable to set."""


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _data_dir() -> Path:
    return Path(_env("TANDEM_DATA_DIR") or DEFAULT_DATA_DIR)


def default_database_url() -> str:
    return f"sqlite://{_data_dir() / 'tandem.sqlite3'}?busy_timeout=5000"


def make_private_dir(path: Path) -> None:
    """Create a directory only its owner may enter (0700); an existing one is left as it is
    (it may be shared, such as /srv)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)


def _secret_key(production: bool) -> str:
    key = _env("TANDEM_SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("TANDEM_SECRET_KEY must be set when TANDEM_ENV=production.")
    key_file = _data_dir() / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    make_private_dir(key_file.parent)
    key = secrets.token_urlsafe(48)
    # Created 0600 in one step, so the key is never readable by others, even briefly.
    with os.fdopen(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
        f.write(key)
    return key


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str
    label: str = "Single sign-on"

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    production: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str | None = None  # TANDEM_BASE_URL, normalised; None when it was not set
    session_days: int = 14
    invitation_days: int = 7
    max_body_kb: int = DEFAULT_MAX_BODY_KB
    # Aggregates (how many managers read a playbook...) show only when they count at least
    # this many people; never below 3.
    anonymity_threshold: int = 5
    oidc: OidcSettings | None = None
    mail: MailSettings = field(default_factory=MailSettings)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def secure_cookies(self) -> bool:
        return self.production or (self.base_url or "").startswith("https://")

    @property
    def public_host(self) -> str | None:
        """The only host name requests may be addressed to, when the base URL is set."""
        return urlsplit(self.base_url).hostname if self.base_url else None


def _oidc_from_env() -> OidcSettings | None:
    issuer = _env("TANDEM_OIDC_ISSUER")
    client_id = _env("TANDEM_OIDC_CLIENT_ID")
    secret = _env("TANDEM_OIDC_CLIENT_SECRET")
    if not (issuer and client_id and secret):
        return None
    label = _env("TANDEM_OIDC_LABEL", "Single sign-on")
    return OidcSettings(issuer=issuer, client_id=client_id, client_secret=secret, label=label)


def _int_env(name: str, default: int, minimum: int | None = None) -> int:
    raw = _env(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}.") from exc
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}.")
    return value


def _base_url(production: bool) -> str | None:
    raw = _env("TANDEM_BASE_URL")
    if not raw:
        if production:
            raise ConfigError(
                "TANDEM_BASE_URL must be set when TANDEM_ENV=production "
                "(the public address, such as https://tandem.example.com)."
            )
        return None
    parts = urlsplit(raw)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username
        or parts.path.strip("/")
        or parts.query
        or parts.fragment
    ):
        raise ConfigError(
            "TANDEM_BASE_URL must look like https://tandem.example.com "
            f"(a scheme and a host, optionally a port, no path), got {raw!r}."
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _mail_from_env() -> MailSettings:
    security = _smtp_security()
    default_port = 465 if security == SmtpSecurity.TLS else 587
    username, password = _env("TANDEM_SMTP_USERNAME"), os.environ.get("TANDEM_SMTP_PASSWORD", "")
    if bool(username) != bool(password):
        raise ConfigError(
            "TANDEM_SMTP_USERNAME and TANDEM_SMTP_PASSWORD are set together or not at all."
        )
    if username and security == SmtpSecurity.NONE:
        raise ConfigError(
            "TANDEM_SMTP_SECURITY=none would send the SMTP password unencrypted: "
            "use starttls or tls, or a server that needs no password."
        )
    return MailSettings(
        host=_smtp_host(),
        port=_port_env("TANDEM_SMTP_PORT", default_port),
        username=username,
        password=password,
        security=security,
        mail_from=_mail_from(),
    )


def _smtp_host() -> str:
    host = _env("TANDEM_SMTP_HOST")
    if "://" in host or "/" in host or any(c.isspace() for c in host) or host.startswith("-"):
        raise ConfigError(
            "TANDEM_SMTP_HOST must be a host name or address, such as smtp.example.com, "
            f"got {host!r}."
        )
    return host


def _smtp_security() -> SmtpSecurity:
    raw = _env("TANDEM_SMTP_SECURITY", SmtpSecurity.STARTTLS).lower()
    try:
        return SmtpSecurity(raw)
    except ValueError:
        choices = ", ".join(s.value for s in SmtpSecurity)
        raise ConfigError(f"TANDEM_SMTP_SECURITY must be one of {choices}, got {raw!r}.") from None


def _port_env(name: str, default: int) -> int:
    port = _int_env(name, default, minimum=1)
    if port > 65535:
        raise ConfigError(f"{name} must be a port number from 1 to 65535, got {port}.")
    return port


def _mail_from() -> str:
    raw = _env("TANDEM_MAIL_FROM", DEFAULT_FROM)
    try:
        address = Address(addr_spec=parseaddr(raw)[1])
    except (ValueError, IndexError, HeaderParseError):
        address = None
    single = len(getaddresses([raw])) == 1 and "\n" not in raw and "\r" not in raw
    if address is None or not address.username or not address.domain or not single:
        raise ConfigError(
            'TANDEM_MAIL_FROM must be one address, such as "Tandem <tandem@example.com>", '
            f"got {raw!r}."
        )
    return raw


def load_settings() -> Settings:
    production = _env("TANDEM_ENV", "development").lower() == "production"
    return Settings(
        database_url=_env("TANDEM_DATABASE_URL") or default_database_url(),
        secret_key=_secret_key(production),
        production=production,
        host=_env("TANDEM_HOST", "127.0.0.1"),
        port=_int_env("TANDEM_PORT", 8000),
        base_url=_base_url(production),
        session_days=_int_env("TANDEM_SESSION_DAYS", 14),
        invitation_days=_int_env("TANDEM_INVITATION_DAYS", 7),
        max_body_kb=_int_env("TANDEM_MAX_BODY_KB", DEFAULT_MAX_BODY_KB, minimum=16),
        anonymity_threshold=_int_env("TANDEM_ANONYMITY_THRESHOLD", 5, minimum=3),
        oidc=_oidc_from_env(),
        mail=_mail_from_env(),
    )


MODEL_APPS = {
    "identity": {
        "models": ["coaching.identity.models"],
        "migrations": "coaching.identity.migrations",
    },
    "coaching": {
        "models": ["coaching.models", "coaching.pipeline.models"],
        "migrations": "coaching.migrations",
    },
    "playbooks": {"models": ["playbooks.models"], "migrations": "playbooks.migrations"},
    "mail": {"models": ["coaching.mail.models"], "migrations": "coaching.mail.migrations"},
}


def tortoise_config(database_url: str) -> dict:
    """The Tortoise configuration for a database URL (used by the app, the CLI and tests)."""
    apps = {label: {**app, "default_connection": "default"} for label, app in MODEL_APPS.items()}
    return {
        "connections": {"default": database_url},
        "apps": apps,
        "use_tz": True,
        "timezone": "UTC",
    }


def _tortoise_cli_config() -> dict:
    url = _env("TANDEM_DATABASE_URL") or default_database_url()
    if url.startswith("sqlite://") and ":memory:" not in url:
        make_private_dir(_data_dir())
    return tortoise_config(url)


# Read by `tortoise makemigrations` / `tortoise migrate` ([tool.tortoise] in pyproject.toml).
TORTOISE_ORM = _tortoise_cli_config()
