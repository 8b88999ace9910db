"""TANDEM_SMTP_* and TANDEM_MAIL_FROM: defaults, and a clear message for each bad value."""

from __future__ import annotations

import pytest

from app.settings import ConfigError, load_settings
from coaching.mail.config import SmtpSecurity
from tests.test_cli import clean_env  # noqa: F401  (fixture)


def test_without_an_smtp_host_mail_is_kept_not_sent(clean_env) -> None:  # noqa: F811
    mail = load_settings().mail
    assert not mail.sends
    assert mail.port == 587 and mail.security == SmtpSecurity.STARTTLS
    assert mail.mail_from == "Tandem <tandem@localhost>"


def test_smtp_settings_are_read_from_the_environment(clean_env) -> None:  # noqa: F811
    clean_env.setenv("TANDEM_SMTP_HOST", "smtp.example.com")
    clean_env.setenv("TANDEM_SMTP_USERNAME", "tandem")
    clean_env.setenv("TANDEM_SMTP_PASSWORD", " spaces count ")
    clean_env.setenv("TANDEM_SMTP_SECURITY", "TLS")
    clean_env.setenv("TANDEM_MAIL_FROM", "Coaching <coaching@example.com>")
    mail = load_settings().mail
    assert mail.sends and mail.host == "smtp.example.com"
    assert mail.port == 465, "implicit TLS defaults to its own port"
    assert (mail.username, mail.password) == ("tandem", " spaces count ")
    assert mail.security == SmtpSecurity.TLS
    assert mail.mail_from == "Coaching <coaching@example.com>"
    clean_env.setenv("TANDEM_SMTP_PORT", "2525")
    assert load_settings().mail.port == 2525


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TANDEM_SMTP_HOST": "smtp://mail.example.com"}, "TANDEM_SMTP_HOST must be a host name"),
        ({"TANDEM_SMTP_PORT": "smtp"}, "TANDEM_SMTP_PORT must be a whole number"),
        ({"TANDEM_SMTP_PORT": "0"}, "TANDEM_SMTP_PORT must be at least 1"),
        ({"TANDEM_SMTP_PORT": "70000"}, "TANDEM_SMTP_PORT must be a port number from 1 to 65535"),
        (
            {"TANDEM_SMTP_SECURITY": "ssl"},
            "TANDEM_SMTP_SECURITY must be one of starttls, tls, none",
        ),
        ({"TANDEM_SMTP_USERNAME": "tandem"}, "TANDEM_SMTP_USERNAME and TANDEM_SMTP_PASSWORD"),
        (
            {
                "TANDEM_SMTP_USERNAME": "tandem",
                "TANDEM_SMTP_PASSWORD": "secret",
                "TANDEM_SMTP_SECURITY": "none",
            },
            "TANDEM_SMTP_SECURITY=none would send the SMTP password unencrypted",
        ),
        ({"TANDEM_MAIL_FROM": "Tandem"}, "TANDEM_MAIL_FROM must be one address"),
        ({"TANDEM_MAIL_FROM": "a@example.com, b@example.com"}, "TANDEM_MAIL_FROM must be one"),
    ],
)
def test_a_bad_mail_setting_is_refused_with_a_clear_message(
    clean_env,  # noqa: F811
    env: dict[str, str],
    message: str,
) -> None:
    for name, value in env.items():
        clean_env.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_settings()
