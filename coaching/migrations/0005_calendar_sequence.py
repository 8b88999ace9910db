from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('coaching', '0004_commitments'), ('identity', '0001_initial'), ('identity', '0002_audit_log_append_only'), ('identity', '0003_api_tokens')]

    initial = False

    operations = [
        ops.AddField(
            model_name='CoachingSession',
            name='calendar_sequence',
            field=fields.IntField(default=0, db_default=0),
        ),
    ]
