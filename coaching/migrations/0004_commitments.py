from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('coaching', '0003_pipeline_snapshots'), ('identity', '0001_initial'), ('identity', '0002_audit_log_append_only'), ('identity', '0003_api_tokens')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Commitment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('pairing', fields.ForeignKeyField('coaching.Pairing', source_field='pairing_id', db_constraint=True, to_field='id', related_name='commitments', on_delete=OnDelete.CASCADE)),
                ('made_in', fields.ForeignKeyField('coaching.CoachingSession', source_field='made_in_id', null=True, db_constraint=True, to_field='id', related_name='commitments', on_delete=OnDelete.SET_NULL)),
                ('owner', fields.ForeignKeyField('identity.User', source_field='owner_id', db_constraint=True, to_field='id', related_name='commitments', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('identity.User', source_field='author_id', db_constraint=True, to_field='id', related_name='commitments_written', on_delete=OnDelete.CASCADE)),
                ('text', fields.CharField(max_length=300)),
                ('due_on', fields.DateField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'commitments', 'app': 'coaching', 'indexes': [Index(fields=['pairing_id', 'done_at']), Index(fields=['owner_id', 'done_at'])], 'pk_attr': 'id', 'table_description': "Something one side of a pairing will do: the coach's count as much as the rep's."},
            bases=['Model'],
        ),
    ]
