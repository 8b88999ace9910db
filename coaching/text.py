"""Markdown rendered once on write, sanitised with nh3: the only HTML a template marks safe."""

from __future__ import annotations

import html
import re

import markdown as md
import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def render_markdown(text: str) -> str:
    html = md.markdown(
        text,
        extensions=["tables", "fenced_code", "sane_lists"],
        extension_configs={"tables": {"use_align_attribute": True}},
    )
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def visible_text(cleaned_html: str) -> str:
    """The words a reader would see in sanitised HTML."""
    return html.unescape(re.sub(r"<[^>]*>", "", cleaned_html)).strip()


def render_required_markdown(text: str, *, field: str, label: str, errors: dict) -> str:
    """Render text that must say something: note an error when no words are left once
    unsafe HTML is removed (an entry that was only a <script>), rather than save a blank."""
    rendered = render_markdown(text)
    if text and field not in errors and not visible_text(rendered):
        errors[field] = (
            f"{label} has no words left once unsafe HTML such as <script> is removed. "
            "Write it in plain words or Markdown."
        )
    return rendered


def clean_line(value: object, *, field: str, label: str, max_length: int, errors: dict) -> str:
    """Strip a one-line text input and note an error if it is empty or too long."""
    text = " ".join(str(value or "").split())
    if not text:
        errors[field] = f"{label} is required."
    elif len(text) > max_length:
        errors[field] = f"{label} must be at most {max_length} characters (it has {len(text)})."
    return text


def clean_text(
    value: object, *, field: str, label: str, max_length: int, errors: dict, required: bool = True
) -> str:
    """Strip a multi-line text input and note an error if it is empty or too long."""
    text = str(value or "").replace("\r\n", "\n").strip()
    if required and not text:
        errors[field] = f"{label} is required."
    elif len(text) > max_length:
        errors[field] = f"{label} must be at most {max_length} characters (it has {len(text)})."
    return text
