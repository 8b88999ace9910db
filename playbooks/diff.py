"""A readable, word-level difference between two versions of a playbook."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from playbooks.models import Playbook, PlaybookVersion

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")
FIELDS = (
    ("title", "Title"),
    ("summary", "Summary"),
    ("audience", "Audience"),
    ("topics", "Topics"),
    ("signals", "Snapshot signals"),
    ("prompts", "Reflection prompts"),
    ("body", "Text"),
)


@dataclass(frozen=True)
class FieldDiff:
    label: str
    changed: bool
    html: Markup  # the new text, removed words in <del>, added words in <ins>


# Word matching costs up to len(old) * len(new): past this, a changed passage is shown as
# removed and added whole, so a rewrite of a long playbook can't hold the server.
MAX_WORD_PAIRS = 2_000_000


def word_diff(old: str, new: str) -> Markup:
    """`new` with what changed from `old` marked, word by word (spaces kept as they are)."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    if len(a) * len(b) > MAX_WORD_PAIRS:
        return Markup(f"<del>{escape(old)}</del><ins>{escape(new)}</ins>")
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(str(escape("".join(b[j1:j2]))))
            continue
        if i2 > i1:
            parts.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            parts.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return Markup("".join(parts))


_PARAGRAPHS = re.compile(r"\n\s*\n")
SHOWN_UNCHANGED = 1  # an unchanged run this short is shown whole, as context


def text_diff(old: str, new: str) -> Markup:
    """Like `word_diff`, for long text: paragraphs that didn't change are folded into a
    marker, so the changes don't have to be hunted for in a whole playbook."""
    a, b = _PARAGRAPHS.split(old.strip()), _PARAGRAPHS.split(new.strip())
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" and i2 - i1 > SHOWN_UNCHANGED:
            count = i2 - i1
            parts.append(f'<span class="unchanged">… {count} unchanged paragraphs …</span>')
        else:
            parts.append(str(word_diff("\n\n".join(a[i1:i2]), "\n\n".join(b[j1:j2]))))
    return Markup("\n\n".join(parts))


def compare(old: PlaybookVersion, new: PlaybookVersion | Playbook) -> list[FieldDiff]:
    """Field by field; `new` may be the draft, to show what publishing it would change."""
    return [
        FieldDiff(
            label,
            getattr(old, name) != getattr(new, name),
            (text_diff if name == "body" else word_diff)(getattr(old, name), getattr(new, name)),
        )
        for name, label in FIELDS
    ]
