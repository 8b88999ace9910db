from tortoise import migrations
from tortoise.migrations import operations as ops
from coaching.models import AccessKind, GoalStatus, ObjectKind, PairingKind, PairingStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True
    dependencies = [('identity', '0001_initial')]

    operations = [
        ops.CreateModel(
            name='AccessEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('kind', fields.CharEnumField(default=AccessKind.READ, description='READ: read', enum_type=AccessKind, max_length=16)),
                ('actor_id', fields.IntField()),
                ('actor_name', fields.CharField(max_length=120)),
                ('actor_email', fields.CharField(max_length=254)),
                ('subject', fields.ForeignKeyField('identity.User', source_field='subject_id', db_constraint=True, to_field='id', related_name='access_events_about_me', on_delete=OnDelete.RESTRICT)),
                ('object_kind', fields.CharEnumField(description='SESSION: session\nGOAL: goal\nREFLECTION: reflection\nSNAPSHOT: snapshot', enum_type=ObjectKind, max_length=16)),
                ('object_id', fields.IntField()),
                ('object_label', fields.CharField(max_length=300)),
            ],
            options={'table': 'access_events', 'app': 'coaching', 'indexes': [Index(fields=['subject_id', 'at'])], 'pk_attr': 'id', 'table_description': 'Append-only: someone other than the rep read something that belongs to the rep.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Goal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('identity.User', source_field='owner_id', db_constraint=True, to_field='id', related_name='goals', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=200)),
                ('detail', fields.TextField(default='', unique=False)),
                ('status', fields.CharEnumField(default=GoalStatus.OPEN, description='OPEN: open\nDONE: done', enum_type=GoalStatus, max_length=16)),
                ('target_date', fields.DateField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('shared_with', fields.ManyToManyField('identity.User', unique=True, db_constraint=True, through='goal_shares', forward_key='user_id', backward_key='goals_id', related_name='goals_shared_with_me', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'goals', 'app': 'coaching', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Notice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('recipient', fields.ForeignKeyField('identity.User', source_field='recipient_id', db_constraint=True, to_field='id', related_name='notices', on_delete=OnDelete.CASCADE)),
                ('message', fields.CharField(max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('dismissed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notices', 'app': 'coaching', 'pk_attr': 'id', 'table_description': 'Something a person should know that happened without them: shown on their home page'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Pairing',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('coach', fields.ForeignKeyField('identity.User', source_field='coach_id', db_constraint=True, to_field='id', related_name='pairings_as_coach', on_delete=OnDelete.CASCADE)),
                ('rep', fields.ForeignKeyField('identity.User', source_field='rep_id', db_constraint=True, to_field='id', related_name='pairings_as_rep', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='MANAGER: manager\nMENTOR: mentor', enum_type=PairingKind, max_length=16)),
                ('agreement_sees', fields.TextField(unique=False)),
                ('agreement_why', fields.TextField(unique=False)),
                ('agreement_cadence', fields.CharField(max_length=200)),
                ('status', fields.CharEnumField(default=PairingStatus.PROPOSED, description='PROPOSED: proposed\nACTIVE: active\nDECLINED: declined\nENDED: ended', enum_type=PairingStatus, max_length=16)),
                ('proposed_by', fields.ForeignKeyField('identity.User', source_field='proposed_by_id', db_constraint=True, to_field='id', related_name='pairings_proposed', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('responded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ended_by', fields.ForeignKeyField('identity.User', source_field='ended_by_id', null=True, db_constraint=True, to_field='id', related_name='pairings_ended', on_delete=OnDelete.SET_NULL)),
                ('ended_reason', fields.CharField(default='', max_length=300)),
            ],
            options={'table': 'pairings', 'app': 'coaching', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CoachingSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('pairing', fields.ForeignKeyField('coaching.Pairing', source_field='pairing_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=120)),
                ('starts_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('duration_minutes', fields.IntField()),
                ('created_by', fields.ForeignKeyField('identity.User', source_field='created_by_id', db_constraint=True, to_field='id', related_name='sessions_created', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('shared_notes', fields.TextField(default='', unique=False)),
                ('shared_notes_updated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('shared_notes_updated_by', fields.ForeignKeyField('identity.User', source_field='shared_notes_updated_by_id', null=True, db_constraint=True, to_field='id', related_name='shared_notes_edits', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'coaching_sessions', 'app': 'coaching', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AgendaItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('coaching.CoachingSession', source_field='session_id', db_constraint=True, to_field='id', related_name='agenda_items', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('identity.User', source_field='author_id', db_constraint=True, to_field='id', related_name='agenda_items', on_delete=OnDelete.CASCADE)),
                ('text', fields.CharField(max_length=300)),
                ('done', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'agenda_items', 'app': 'coaching', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PipelineSnapshot',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('identity.User', source_field='owner_id', db_constraint=True, to_field='id', related_name='snapshots', on_delete=OnDelete.CASCADE)),
                ('session', fields.ForeignKeyField('coaching.CoachingSession', source_field='session_id', null=True, db_constraint=True, to_field='id', related_name='snapshots', on_delete=OnDelete.SET_NULL)),
                ('taken_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('source', fields.CharField(default='CSV import', max_length=60)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'pipeline_snapshots', 'app': 'coaching', 'pk_attr': 'id', 'table_description': 'The pipeline of a rep as exported from the CRM at one moment, brought to a session.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PrivateNote',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('coaching.CoachingSession', source_field='session_id', db_constraint=True, to_field='id', related_name='private_notes', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('identity.User', source_field='author_id', db_constraint=True, to_field='id', related_name='private_notes', on_delete=OnDelete.CASCADE)),
                ('body', fields.TextField(default='', unique=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'private_notes', 'app': 'coaching', 'unique_together': (('session', 'author'),), 'pk_attr': 'id', 'table_description': 'Words one person keeps about a session for themselves alone.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Reflection',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('author', fields.ForeignKeyField('identity.User', source_field='author_id', db_constraint=True, to_field='id', related_name='reflections', on_delete=OnDelete.CASCADE)),
                ('session', fields.ForeignKeyField('coaching.CoachingSession', source_field='session_id', null=True, db_constraint=True, to_field='id', related_name='reflections', on_delete=OnDelete.SET_NULL)),
                ('body', fields.TextField(unique=False)),
                ('body_html', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('shared_with', fields.ManyToManyField('identity.User', unique=True, db_constraint=True, through='reflection_shares', forward_key='user_id', backward_key='reflections_id', related_name='reflections_shared_with_me', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'reflections', 'app': 'coaching', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SnapshotDeal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('snapshot', fields.ForeignKeyField('coaching.PipelineSnapshot', source_field='snapshot_id', db_constraint=True, to_field='id', related_name='deals', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('stage', fields.CharField(max_length=80)),
                ('amount_minor', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('close_date', fields.DateField(null=True)),
            ],
            options={'table': 'snapshot_deals', 'app': 'coaching', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
