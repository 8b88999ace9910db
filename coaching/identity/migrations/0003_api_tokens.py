from tortoise import migrations
from tortoise.migrations import operations as ops
from coaching.identity.models import AuditAction
from tortoise.fields.base import OnDelete
from tortoise import fields

from coaching.append_only import make_append_only

_make, _drop = make_append_only("audit_events")


async def keep_audit_log_append_only(apps, schema_editor):
    """Altering a column rebuilds the table on SQLite, which drops its triggers and its
    indexes: put them back (the triggers dropped first where they survived, as on
    PostgreSQL; the indexes only where missing). The names are those of 0001."""
    await _drop(apps, schema_editor)
    await _make(apps, schema_editor)
    client = schema_editor.client
    for name, column in (("idx_audit_event_at_d387df", "at"), ("idx_audit_event_subject_af2d0f", "subject_id")):
        await client.execute_script(f'CREATE INDEX IF NOT EXISTS "{name}" ON "audit_events" ("{column}")')


async def nothing_to_undo(apps, schema_editor):
    return None


class Migration(migrations.Migration):
    dependencies = [('identity', '0002_audit_log_append_only')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ApiToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=80)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('hint', fields.CharField(max_length=12)),
                ('created_by', fields.ForeignKeyField('identity.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='api_tokens_created', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_tokens', 'app': 'identity', 'pk_attr': 'id', 'table_description': 'A bearer token an admin creates for an integration (a CRM sync pushing snapshots).'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='AuditEvent',
            name='action',
            field=fields.CharEnumField(description='ROLES_CHANGED: roles_changed\nDEACTIVATED: deactivated\nREACTIVATED: reactivated\nINVITED: invited\nINVITATION_REVOKED: invitation_revoked\nPASSWORD_RESET_ISSUED: password_reset_issued\nLOGIN_DELAY_CLEARED: login_delay_cleared\nPAIRING_PROPOSED: pairing_proposed\nPAIRING_ENDED: pairing_ended\nSNAPSHOT_IMPORTED: snapshot_imported\nAPI_TOKEN_CREATED: api_token_created\nAPI_TOKEN_REVOKED: api_token_revoked', enum_type=AuditAction, max_length=32),
        ),
        ops.RunPython(keep_audit_log_append_only, nothing_to_undo),
    ]
