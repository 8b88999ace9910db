from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('identity', '0001_initial'), ('identity', '0002_audit_log_append_only'), ('identity', '0003_api_tokens')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CalendarFeed',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('identity.User', source_field='user_id', db_constraint=True, to_field='id', related_name='calendar_feed', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'calendar_feeds', 'app': 'identity', 'pk_attr': 'id', 'table_description': "A person's private calendar link (`/calendar/<token>.ics`): a calendar app reads the"},
            bases=['Model'],
        ),
    ]
