from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('identity', '0002_audit_log_append_only'), ('playbooks', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Playbook',
            name='signals',
            field=fields.CharField(default='', db_default='', max_length=500),
        ),
    ]
