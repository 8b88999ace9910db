"""Markdown rendered once on write, sanitised with nh3: the only HTML a template marks safe."""

from __future__ import annotations

import html
import re
import secrets
import unicodedata
import xml.etree.ElementTree as etree
from html import escape as escape_html

import markdown as md
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import TocExtension
from markdown.treeprocessors import Treeprocessor

from coaching.errors import Invalid

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


# Headings get ids so a reader can link to a section, and a quiet "#" permalink inside.
# Every id starts with "section-" so it can never clobber a DOM global such as
# window.location or document.forms (DOM clobbering).
HEADING_ID_PREFIX = "section-"
PERMALINK_CLASS = "heading-permalink"
PERMALINK_TITLE = "Link to this section"
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"align"},
    "td": {"align"},
    **{tag: {"id"} for tag in HEADING_TAGS},
}


def heading_slug(value: str, separator: str) -> str:
    """The id for a heading: "Ask, don't tell" -> "section-ask-dont-tell". Letters of any
    script and digits are kept; punctuation is dropped, runs of spaces become separator."""
    value = unicodedata.normalize("NFKC", value).lower()
    value = re.sub(r"[^\w\s-]", "", value)
    words = re.sub(rf"[{re.escape(separator)}\s]+", separator, value).strip(separator)
    return HEADING_ID_PREFIX + (words or "heading")


class _HeadingIdsAndPermalinks(Treeprocessor):
    """Runs right after toc. Stamps each id toc made with this render's secret mark, so that
    sanitising keeps those ids and drops every id written in raw HTML (<h2 id="location">,
    or a copy of an id toc made); and puts a space before the permalink, so that without
    CSS a heading reads "Ask, don't tell #" rather than "Ask, don't tell#"."""

    def __init__(self, md: md.Markdown, mark: str) -> None:
        super().__init__(md)
        self.mark = mark

    def run(self, root: etree.Element) -> None:
        for heading in root.iter():
            if heading.tag not in HEADING_TAGS or "id" not in heading.attrib:
                continue
            heading.set("id", self.mark + heading.attrib["id"])
            if len(heading) == 0 or heading[-1].get("class") != PERMALINK_CLASS:
                continue
            if len(heading) > 1:
                heading[-2].tail = (heading[-2].tail or "").rstrip() + " "
            elif heading.text and heading.text.strip():
                heading.text = heading.text.rstrip() + " "


class _HeadingIds(Extension):
    def __init__(self, mark: str) -> None:
        super().__init__()
        self.mark = mark

    def extendMarkdown(self, md: md.Markdown) -> None:
        # toc adds ids and permalinks at priority 5.
        md.treeprocessors.register(_HeadingIdsAndPermalinks(md, self.mark), "heading_ids", 4)


# Python-Markdown's inline patterns take quadratic time on long runs of "[" or "<" (20,000
# of them: minutes). Text with more of them than any real note has is shown with them as
# plain characters, so no request can hold the server that long.
MAX_BRACKETS = 400
MAX_ANGLES = 800
# Longer than any field that holds Markdown (a playbook: 100,000): never rendered, only
# escaped, whoever calls. The field's own limit refuses it with a message first.
MAX_RENDERED = 110_000


def _defused(text: str) -> str:
    if text.count("[") > MAX_BRACKETS:
        text = text.replace("[", "&#91;")
    if text.count("<") > MAX_ANGLES:
        text = text.replace("<", "&lt;")
    return text


def render_markdown(text: str) -> str:
    if len(text) > MAX_RENDERED:
        return f"<p>{escape_html(text[:MAX_RENDERED])}</p>"
    text = _defused(text)
    # Unguessable, and only characters that come through HTML serialising unchanged.
    mark = f"generated-{secrets.token_hex(8)}-"
    html = md.markdown(
        text,
        extensions=[
            "tables",
            "fenced_code",
            "sane_lists",
            TocExtension(
                marker="",  # no [TOC] placeholder: only ids and permalinks
                permalink="#",
                permalink_class=PERMALINK_CLASS,
                permalink_title=PERMALINK_TITLE,
                slugify=heading_slug,
            ),
            _HeadingIds(mark),
        ],
        extension_configs={"tables": {"use_align_attribute": True}},
    )

    def keep_generated_ids(tag: str, attribute: str, value: str) -> str | None:
        if attribute != "id":
            return value
        return value.removeprefix(mark) if value.startswith(mark + HEADING_ID_PREFIX) else None

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=keep_generated_ids,
        allowed_classes={"a": {PERMALINK_CLASS}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


# Characters that change the order text is displayed in, so "Rosa\u202eodnamreF" shows as
# something else than it is (the Trojan Source trick).
BIDI_CONTROLS = frozenset([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
# Zero-width (non-)joiners are part of correct spelling in Persian, Indic scripts, Sinhala
# and emoji sequences; they are allowed right after a letter, mark or symbol of such a
# script (anything from Hebrew, U+0590, onward), and nowhere else.
JOINERS = frozenset([0x200C, 0x200D])
JOINING_SCRIPTS_FROM = 0x0590
ORDINARY_WHITESPACE = frozenset("\t\n\r")


_PERMALINK_RE = re.compile(rf'<a class="{PERMALINK_CLASS}"[^>]*>#</a>')


def visible_text(cleaned_html: str) -> str:
    """The words a reader would see in sanitised HTML (a heading's "#" permalink is not
    words: "# <script>...</script>" leaves nothing to read)."""
    without_permalinks = _PERMALINK_RE.sub("", cleaned_html)
    return html.unescape(re.sub(r"<[^>]*>", "", without_permalinks)).strip()


def render_required_markdown(text: str, *, field: str, label: str, errors: dict) -> str:
    """Render text that must say something: note an error when no words are left once
    unsafe HTML is removed (an entry that was only a <script>), rather than save a blank.
    Text already refused (too long) is not rendered at all: that would only cost time."""
    if field in errors:
        return ""
    rendered = render_markdown(text)
    if text and field not in errors and not visible_text(rendered):
        errors[field] = (
            f"{label} has no words left once unsafe HTML such as <script> is removed. "
            "Write it in plain words or Markdown."
        )
    return rendered


def clean_line(
    value: object, *, field: str, label: str, max_length: int, errors: dict, required: bool = True
) -> str:
    """Strip a one-line text input (runs of whitespace become one space) and note an error
    if it is empty (when required), too long, or holds control or format characters."""
    raw = str(value or "")
    text = " ".join(raw.split())
    hidden = _hidden_character(raw)
    if hidden is not None:
        errors[field] = _hidden_character_message(label, hidden)
    elif required and not text:
        errors[field] = f"{label} is required."
    elif len(text) > max_length:
        errors[field] = f"{label} must be at most {max_length} characters (it has {len(text)})."
    return text


def _hidden_character(text: str) -> str | None:
    """The first control or format character (Unicode Cc or Cf) that doesn't belong."""
    for i, char in enumerate(text):
        if char in ORDINARY_WHITESPACE or unicodedata.category(char) not in ("Cc", "Cf"):
            continue
        if ord(char) in JOINERS and i > 0 and _needs_joiners(text[i - 1]):
            continue
        return char
    return None


def _needs_joiners(char: str) -> bool:
    return ord(char) >= JOINING_SCRIPTS_FROM and unicodedata.category(char)[0] in "LMS"


def _hidden_character_message(label: str, char: str) -> str:
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "")
    shown = f"{code} {name}" if name else code
    if ord(char) in BIDI_CONTROLS:
        return (
            f"{label} contains a text-direction control ({shown}), which can make text "
            "show in a misleading order. Please remove it."
        )
    return f"{label} contains an invisible control character ({shown}). Please remove it."


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


def optional_text(value: object, *, field: str, label: str, max_length: int) -> str:
    """An optional multi-line text on its own: `clean_text`, raising Invalid at once."""
    errors: dict[str, str] = {}
    text = clean_text(
        value, field=field, label=label, max_length=max_length, errors=errors, required=False
    )
    if errors:
        raise Invalid(errors)
    return text
