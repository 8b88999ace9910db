"""Full-text search over the published playbooks: SQLite FTS5, or PostgreSQL text search.

The index (`playbook_search`, one row per playbook that managers can read) holds the text
of the current version: title, summary, topics and the words of the body (not its
Markdown). Publishing, archiving and restoring keep it in step. Results are ranked (title
counts most, then summary and topics, then the body) and come with the matching words
marked, escaped here so a template can show them as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from tortoise import connections

from coaching.text import visible_text

MAX_QUERY = 200
MAX_TERMS = 8
START, STOP = "\x02", "\x03"  # match markers, never in stored text (clean_text refuses them)
_WORD = re.compile(r"\w+", re.UNICODE)

SQLITE_SCHEMA = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS playbook_search USING fts5("
    "title, summary, topics, body, tokenize = 'porter unicode61 remove_diacritics 2')"
]
POSTGRES_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS playbook_search ("
    " playbook_id integer PRIMARY KEY REFERENCES playbooks (id) ON DELETE CASCADE,"
    " title text NOT NULL, summary text NOT NULL, topics text NOT NULL, body text NOT NULL,"
    " document tsvector GENERATED ALWAYS AS ("
    "  setweight(to_tsvector('english', title), 'A') ||"
    "  setweight(to_tsvector('english', summary || ' ' || topics), 'B') ||"
    "  setweight(to_tsvector('english', body), 'C')) STORED)",
    "CREATE INDEX IF NOT EXISTS playbook_search_document ON playbook_search USING gin (document)",
]


def schema(dialect: str) -> list[str]:
    return POSTGRES_SCHEMA if dialect == "postgres" else SQLITE_SCHEMA


@dataclass(frozen=True)
class Hit:
    playbook_id: int
    title: Markup  # escaped, matches in <mark>
    excerpt: Markup


def terms_of(query: str) -> list[str]:
    """The words searched for: letters and digits only, so no query syntax gets through."""
    return _WORD.findall(query[:MAX_QUERY].lower())[:MAX_TERMS]


def _db() -> Any:
    return connections.get("default")


def _postgres(db: Any) -> bool:
    return bool(db.capabilities.dialect == "postgres")


async def put(playbook_id: int, title: str, summary: str, topics: str, body_html: str) -> None:
    """Index (or re-index) a playbook's readable version."""
    db = _db()
    body = visible_text(body_html)
    await remove(playbook_id)
    if _postgres(db):
        sql = (
            "INSERT INTO playbook_search (playbook_id, title, summary, topics, body) "
            "VALUES ($1, $2, $3, $4, $5)"
        )
    else:
        sql = (
            "INSERT INTO playbook_search (rowid, title, summary, topics, body) "
            "VALUES (?, ?, ?, ?, ?)"
        )
    await db.execute_query(sql, [playbook_id, title, summary, topics, body])


async def remove(playbook_id: int) -> None:
    db = _db()
    if _postgres(db):
        await db.execute_query("DELETE FROM playbook_search WHERE playbook_id = $1", [playbook_id])
    else:
        await db.execute_query("DELETE FROM playbook_search WHERE rowid = ?", [playbook_id])


async def find(query: str, limit: int, offset: int = 0) -> tuple[list[Hit], int]:
    """The best matches first, and how many match in all."""
    terms = terms_of(query)
    if not terms:
        return [], 0
    db = _db()
    if _postgres(db):
        rows, total = await _find_postgres(db, terms, limit, offset)
    else:
        rows, total = await _find_sqlite(db, terms, limit, offset)
    hits = [Hit(row["playbook_id"], _marked(row["title"]), _marked(row["excerpt"])) for row in rows]
    return hits, total


async def _find_sqlite(db: Any, terms: list[str], limit: int, offset: int) -> tuple[list, int]:
    match = " ".join(f'"{term}"*' for term in terms)  # every word, each also as a prefix
    rows = await db.execute_query_dict(
        "SELECT rowid AS playbook_id,"
        f" highlight(playbook_search, 0, '{START}', '{STOP}') AS title,"
        f" snippet(playbook_search, 3, '{START}', '{STOP}', ' … ', 24) AS excerpt"
        " FROM playbook_search WHERE playbook_search MATCH ?"
        " ORDER BY bm25(playbook_search, 10.0, 4.0, 4.0, 1.0), rowid LIMIT ? OFFSET ?",
        [match, limit, offset],
    )
    counted = await db.execute_query_dict(
        "SELECT count(*) AS n FROM playbook_search WHERE playbook_search MATCH ?", [match]
    )
    return rows, counted[0]["n"]


async def _find_postgres(db: Any, terms: list[str], limit: int, offset: int) -> tuple[list, int]:
    tsquery = " & ".join(f"{term}:*" for term in terms)
    options = f"StartSel={START}, StopSel={STOP}"
    rows = await db.execute_query_dict(
        "WITH q AS (SELECT to_tsquery('english', $1) AS query),"
        " found AS (SELECT s.*, ts_rank(s.document, q.query) AS rank, q.query"
        "  FROM playbook_search s, q WHERE s.document @@ q.query"
        "  ORDER BY rank DESC, s.playbook_id LIMIT $2 OFFSET $3)"
        " SELECT playbook_id,"
        f" ts_headline('english', title, query, '{options}, HighlightAll=true') AS title,"
        f" ts_headline('english', body, query, '{options}, MaxWords=40, MinWords=20,"
        ' MaxFragments=2, FragmentDelimiter=" … "\') AS excerpt'
        " FROM found ORDER BY rank DESC, playbook_id",
        [tsquery, limit, offset],
    )
    counted = await db.execute_query_dict(
        "SELECT count(*) AS n FROM playbook_search WHERE document @@ to_tsquery('english', $1)",
        [tsquery],
    )
    return rows, counted[0]["n"]


def _marked(text: str) -> Markup:
    """Escape the text, then turn the match markers into <mark> elements."""
    escaped = str(escape(text))
    return Markup(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))
