from tortoise import migrations
from tortoise.migrations import operations as ops
from playbooks.models import PlaybookStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True
    dependencies = [('identity', '0001_initial')]

    operations = [
        ops.CreateModel(
            name='Playbook',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=160)),
                ('summary', fields.CharField(default='', max_length=300)),
                ('body', fields.TextField(unique=False)),
                ('body_html', fields.TextField(unique=False)),
                ('author', fields.ForeignKeyField('identity.User', source_field='author_id', db_constraint=True, to_field='id', related_name='playbooks', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=PlaybookStatus.DRAFT, description='DRAFT: draft\nPUBLISHED: published', enum_type=PlaybookStatus, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'playbooks', 'app': 'playbooks', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PlaybookRead',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('playbook', fields.ForeignKeyField('playbooks.Playbook', source_field='playbook_id', db_constraint=True, to_field='id', related_name='reads', on_delete=OnDelete.CASCADE)),
                ('reader', fields.ForeignKeyField('identity.User', source_field='reader_id', db_constraint=True, to_field='id', related_name='playbook_reads', on_delete=OnDelete.CASCADE)),
                ('read_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'playbook_reads', 'app': 'playbooks', 'unique_together': (('playbook', 'reader'),), 'pk_attr': 'id', 'table_description': 'A bookmark that the reader has read a playbook, shown only to that reader.'},
            bases=['Model'],
        ),
    ]
