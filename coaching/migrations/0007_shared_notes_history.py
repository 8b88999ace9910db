from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('coaching', '0006_session_changes'), ('identity', '0001_initial'), ('identity', '0002_audit_log_append_only'), ('identity', '0003_api_tokens'), ('identity', '0004_calendar_feeds')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SharedNotesRevision',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('coaching.CoachingSession', source_field='session_id', db_constraint=True, to_field='id', related_name='notes_revisions', on_delete=OnDelete.CASCADE)),
                ('version', fields.IntField()),
                ('body', fields.TextField(unique=False)),
                ('saved_by', fields.ForeignKeyField('identity.User', source_field='saved_by_id', null=True, db_constraint=True, to_field='id', related_name='notes_revisions', on_delete=OnDelete.SET_NULL)),
                ('saved_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'shared_notes_revisions', 'app': 'coaching', 'unique_together': (('session', 'version'),), 'pk_attr': 'id', 'table_description': "A saved text of a session's shared notes: the history both people can read back."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='CoachingSession',
            name='shared_notes_version',
            field=fields.IntField(default=0, db_default=0),
        ),
    ]
