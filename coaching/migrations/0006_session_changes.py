from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('coaching', '0005_calendar_sequence'), ('identity', '0004_calendar_feeds')]

    initial = False

    operations = [
        ops.AddField(
            model_name='CoachingSession',
            name='cancelled_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='CoachingSession',
            name='change_reason',
            field=fields.CharField(default='', db_default='', max_length=300),
        ),
        ops.AddField(
            model_name='CoachingSession',
            name='changed_by',
            field=fields.ForeignKeyField('identity.User', source_field='changed_by_id', null=True, db_constraint=True, to_field='id', related_name='session_changes', on_delete=OnDelete.SET_NULL),
        ),
    ]
