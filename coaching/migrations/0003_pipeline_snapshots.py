from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from coaching.pipeline.deals import DealStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint



async def drop_demo_snapshots(apps, schema_editor):
    """Before this release a snapshot could only come from `tandem demo` (nothing imported
    one), and those rows lack what a snapshot now needs (its day, its file's hash, deal
    identities). They are removed; `tandem demo` on a new database shows the new ones."""
    client = schema_editor.client
    await client.execute_script("DELETE FROM snapshot_deals")
    await client.execute_script("DELETE FROM pipeline_snapshots")


async def nothing_to_undo(apps, schema_editor):
    return None


class Migration(migrations.Migration):
    dependencies = [('coaching', '0002_access_log_append_only'), ('identity', '0003_api_tokens')]

    initial = False

    operations = [
        ops.RunPython(drop_demo_snapshots, nothing_to_undo),
        ops.CreateModel(
            name='BroughtSnapshot',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('snapshot', fields.ForeignKeyField('coaching.PipelineSnapshot', source_field='snapshot_id', db_constraint=True, to_field='id', related_name='broughts', on_delete=OnDelete.CASCADE)),
                ('session', fields.ForeignKeyField('coaching.CoachingSession', source_field='session_id', db_constraint=True, to_field='id', related_name='broughts', on_delete=OnDelete.CASCADE)),
                ('whole', fields.BooleanField(default=True)),
                ('automatic', fields.BooleanField(default=False)),
                ('brought_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'brought_snapshots', 'app': 'coaching', 'unique_together': (('session', 'snapshot'),), 'pk_attr': 'id', 'table_description': 'A snapshot the rep brought to one session: whole, or only the deals they picked.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BroughtDeal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brought', fields.ForeignKeyField('coaching.BroughtSnapshot', source_field='brought_id', db_constraint=True, to_field='id', related_name='picks', on_delete=OnDelete.CASCADE)),
                ('deal', fields.ForeignKeyField('coaching.SnapshotDeal', source_field='deal_id', db_constraint=True, to_field='id', related_name='picks', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'brought_deals', 'app': 'coaching', 'unique_together': (('brought', 'deal'),), 'pk_attr': 'id', 'table_description': 'One deal the rep picked when bringing only part of a snapshot.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ColumnMapping',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('identity.User', source_field='owner_id', db_constraint=True, to_field='id', related_name='column_mappings', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=80)),
                ('headers', fields.CharField(max_length=64)),
                ('mapping', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'column_mappings', 'app': 'coaching', 'unique_together': (('owner', 'headers'),), 'pk_attr': 'id', 'table_description': "A generic file's columns as a person mapped them once, reused for files with the same"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DealContext',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('identity.User', source_field='owner_id', db_constraint=True, to_field='id', related_name='deal_contexts', on_delete=OnDelete.CASCADE)),
                ('key', fields.CharField(max_length=420)),
                ('note', fields.TextField(default='', unique=False)),
                ('wants_help', fields.BooleanField(default=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'deal_contexts', 'app': 'coaching', 'unique_together': (('owner', 'key'),), 'pk_attr': 'id', 'table_description': 'The rep\'s own words on a deal ("why it moved", "what I need") and whether they want'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PendingImport',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('identity.User', source_field='owner_id', db_constraint=True, to_field='id', related_name='pending_imports', on_delete=OnDelete.CASCADE)),
                ('token', fields.CharField(unique=True, max_length=64)),
                ('file_name', fields.CharField(default='', max_length=200)),
                ('data', fields.BinaryField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'pending_imports', 'app': 'coaching', 'pk_attr': 'id', 'table_description': 'An uploaded file between its preview and the person\'s "Import": nothing of it is a'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PipelineSettings',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('default_currency', fields.CharField(default='USD', max_length=3)),
                ('stage_order', fields.TextField(default='', unique=False)),
                ('won_stages', fields.TextField(default='', unique=False)),
                ('lost_stages', fields.TextField(default='', unique=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'pipeline_settings', 'app': 'coaching', 'pk_attr': 'id', 'table_description': "The organisation's pipeline vocabulary: one row."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Pairing',
            name='auto_bring_snapshot',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AlterModelOptions(
            name='PipelineSnapshot',
            options={'table': 'pipeline_snapshots', 'app': 'coaching', 'unique_together': (('owner', 'taken_on', 'content_hash'),), 'pk_attr': 'id', 'table_description': "A rep's pipeline as the CRM exported it on one day. Only the rep sees it, until they"},
        ),
        ops.AlterField(
            model_name='PipelineSnapshot',
            name='source',
            field=fields.CharField(max_length=80),
        ),
        ops.AddField(
            model_name='PipelineSnapshot',
            name='content_hash',
            field=fields.CharField(max_length=64),
        ),
        ops.AddField(
            model_name='PipelineSnapshot',
            name='deal_count',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='PipelineSnapshot',
            name='file_name',
            field=fields.CharField(default='', max_length=200),
        ),
        ops.AddField(
            model_name='PipelineSnapshot',
            name='format',
            field=fields.CharField(max_length=24),
        ),
        ops.AddField(
            model_name='PipelineSnapshot',
            name='skipped_lines',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='PipelineSnapshot',
            name='taken_on',
            field=fields.DateField(),
        ),
        ops.RemoveField(model_name='PipelineSnapshot', name='session'),
        ops.RemoveField(model_name='PipelineSnapshot', name='taken_at'),
        ops.AddConstraint(
            model_name='PipelineSnapshot',
            constraint=UniqueConstraint(fields=('owner', 'taken_on', 'content_hash'), name=None),
        ),
        ops.AlterField(
            model_name='SnapshotDeal',
            name='amount_minor',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='SnapshotDeal',
            name='account',
            field=fields.CharField(default='', max_length=200),
        ),
        ops.AddField(
            model_name='SnapshotDeal',
            name='crm_id',
            field=fields.CharField(null=True, max_length=100),
        ),
        ops.AddField(
            model_name='SnapshotDeal',
            name='key',
            field=fields.CharField(max_length=420),
        ),
        ops.AddField(
            model_name='SnapshotDeal',
            name='line',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='SnapshotDeal',
            name='next_step',
            field=fields.CharField(default='', max_length=500),
        ),
        ops.AddField(
            model_name='SnapshotDeal',
            name='probability',
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name='SnapshotDeal',
            name='status',
            field=fields.CharEnumField(default=DealStatus.OPEN, description='OPEN: open\nWON: won\nLOST: lost', enum_type=DealStatus, max_length=8),
        ),
        ops.AddConstraint(
            model_name='SnapshotDeal',
            constraint=UniqueConstraint(fields=('snapshot', 'key'), name=None),
        ),
    ]
