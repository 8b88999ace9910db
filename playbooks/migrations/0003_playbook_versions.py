from tortoise import migrations
from tortoise.migrations import operations as ops
from playbooks.models import PlaybookStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

from coaching.append_only import make_append_only


async def version_published_playbooks(apps, schema_editor):
    """Give every playbook a slug, and every published one its version 1, indexed."""
    from playbooks.library import content_hash, reading_minutes, slug_of
    from playbooks.search import schema

    client = schema_editor.client
    dialect = client.capabilities.dialect
    for statement in schema(dialect):
        await client.execute_script(statement)
    mark = (lambda n: f"${n}") if dialect == "postgres" else (lambda n: "?")
    rows = await client.execute_query_dict(
        "SELECT id, title, summary, body, body_html, signals, status, published_at "
        "FROM playbooks ORDER BY id"
    )
    taken: set[str] = set()
    for row in rows:
        slug = slug_of(row["title"])
        slug = next(s for s in (slug, *(f"{slug}-{n}" for n in range(2, 10_000))) if s not in taken)
        taken.add(slug)
        content = {name: row.get(name) or "" for name in ("title", "summary", "signals", "body")}
        digest = content_hash(content)
        await client.execute_query(
            f"UPDATE playbooks SET slug = {mark(1)}, draft_hash = {mark(2)} WHERE id = {mark(3)}",
            [slug, digest, row["id"]],
        )
        if row["status"] != "published":
            continue
        await client.execute_query(
            "INSERT INTO playbook_versions (playbook_id, number, title, summary, audience, "
            "topics, signals, prompts, body, body_html, reading_minutes, change_note, "
            "content_hash, published_by_name, published_at) VALUES "
            f"({', '.join(mark(n) for n in range(1, 16))})",
            [row["id"], 1, row["title"], row["summary"], "", "", row["signals"], "",
             row["body"], row["body_html"], reading_minutes(row["body"]), "First version.",
             digest, "", row["published_at"]],
        )
        version = await client.execute_query_dict(
            f"SELECT id FROM playbook_versions WHERE playbook_id = {mark(1)}", [row["id"]]
        )
        await client.execute_query(
            f"UPDATE playbooks SET current_id = {mark(1)} WHERE id = {mark(2)}",
            [version[0]["id"], row["id"]],
        )
        from coaching.text import visible_text

        if dialect == "postgres":
            sql = "INSERT INTO playbook_search (playbook_id, title, summary, topics, body) VALUES ($1, $2, $3, $4, $5)"
        else:
            sql = "INSERT INTO playbook_search (rowid, title, summary, topics, body) VALUES (?, ?, ?, ?, ?)"
        await client.execute_query(
            sql, [row["id"], row["title"], row["summary"], "", visible_text(row["body_html"])]
        )


async def drop_search_index(apps, schema_editor):
    await schema_editor.client.execute_script("DROP TABLE IF EXISTS playbook_search")

class Migration(migrations.Migration):
    dependencies = [('identity', '0001_initial'), ('identity', '0002_audit_log_append_only'), ('identity', '0003_api_tokens'), ('playbooks', '0002_playbook_signals')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PlaybookNote',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('playbook', fields.ForeignKeyField('playbooks.Playbook', source_field='playbook_id', db_constraint=True, to_field='id', related_name='notes', on_delete=OnDelete.CASCADE)),
                ('reader', fields.ForeignKeyField('identity.User', source_field='reader_id', db_constraint=True, to_field='id', related_name='playbook_notes', on_delete=OnDelete.CASCADE)),
                ('bookmarked', fields.BooleanField(default=False)),
                ('reflection', fields.TextField(default='', unique=False)),
                ('rating', fields.SmallIntField(null=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'playbook_notes', 'app': 'playbooks', 'unique_together': (('playbook', 'reader'),), 'pk_attr': 'id', 'table_description': "A reader's own bookmark, private reflection and usefulness rating of a playbook."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PlaybookTopic',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('playbook', fields.ForeignKeyField('playbooks.Playbook', source_field='playbook_id', db_constraint=True, to_field='id', related_name='topic_rows', on_delete=OnDelete.CASCADE)),
                ('topic', fields.CharField(db_index=True, max_length=40)),
            ],
            options={'table': 'playbook_topics', 'app': 'playbooks', 'unique_together': (('playbook', 'topic'),), 'pk_attr': 'id', 'table_description': "A topic of a playbook's current version, for browsing the library by topic."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PlaybookVersion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('playbook', fields.ForeignKeyField('playbooks.Playbook', source_field='playbook_id', db_constraint=True, to_field='id', related_name='versions', on_delete=OnDelete.RESTRICT)),
                ('number', fields.IntField()),
                ('title', fields.CharField(max_length=160)),
                ('summary', fields.CharField(default='', max_length=300)),
                ('audience', fields.CharField(default='', max_length=120)),
                ('topics', fields.CharField(default='', max_length=300)),
                ('signals', fields.CharField(default='', max_length=500)),
                ('prompts', fields.TextField(default='', unique=False)),
                ('body', fields.TextField(unique=False)),
                ('body_html', fields.TextField(unique=False)),
                ('reading_minutes', fields.IntField(default=1)),
                ('change_note', fields.CharField(default='', max_length=300)),
                ('content_hash', fields.CharField(max_length=64)),
                ('published_by_id', fields.IntField(null=True)),
                ('published_by_name', fields.CharField(default='', max_length=200)),
                ('published_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'playbook_versions', 'app': 'playbooks', 'unique_together': (('playbook', 'number'),), 'pk_attr': 'id', 'table_description': 'One published text of a playbook, numbered from 1. Written once, never changed.'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Playbook',
            name='author',
            field=fields.ForeignKeyField('identity.User', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name='playbooks', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='Playbook',
            name='status',
            field=fields.CharEnumField(default=PlaybookStatus.DRAFT, description='DRAFT: draft\nPUBLISHED: published\nARCHIVED: archived', enum_type=PlaybookStatus, max_length=16),
        ),
        ops.AddField(
            model_name='Playbook',
            name='audience',
            field=fields.CharField(default='', db_default='', max_length=120),
        ),
        ops.AddField(
            model_name='Playbook',
            name='current',
            field=fields.ForeignKeyField('playbooks.PlaybookVersion', source_field='current_id', null=True, db_constraint=False, to_field='id', related_name=False, on_delete=OnDelete.NO_ACTION),
        ),
        ops.AddField(
            model_name='Playbook',
            name='draft_hash',
            field=fields.CharField(default='', db_default='', max_length=64),
        ),
        ops.AddField(
            model_name='Playbook',
            name='prompts',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
        ops.AddField(
            model_name='Playbook',
            name='slug',
            field=fields.CharField(null=True, unique=True, max_length=100),
        ),
        ops.AddField(
            model_name='Playbook',
            name='topics',
            field=fields.CharField(default='', db_default='', max_length=300),
        ),
        ops.AlterModelOptions(
            name='PlaybookRead',
            options={'table': 'playbook_reads', 'app': 'playbooks', 'unique_together': (('playbook', 'reader'),), 'pk_attr': 'id', 'table_description': 'That the reader has read a playbook, and which version: shown only to that reader,'},
        ),
        ops.AddField(
            model_name='PlaybookRead',
            name='version',
            field=fields.IntField(default=1, db_default=1),
        ),
        ops.RunPython(version_published_playbooks, drop_search_index),
        ops.RunPython(*make_append_only("playbook_versions")),
    ]
