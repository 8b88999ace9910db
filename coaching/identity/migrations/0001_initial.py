from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from coaching.identity.models import AuditAction, Role
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ('action', fields.CharEnumField(description='ROLES_CHANGED: roles_changed\nDEACTIVATED: deactivated\nREACTIVATED: reactivated\nINVITED: invited\nINVITATION_REVOKED: invitation_revoked\nPASSWORD_RESET_ISSUED: password_reset_issued\nLOGIN_DELAY_CLEARED: login_delay_cleared\nPAIRING_PROPOSED: pairing_proposed\nPAIRING_ENDED: pairing_ended', enum_type=AuditAction, max_length=32)),
                ('actor_id', fields.IntField(null=True)),
                ('actor_name', fields.CharField(default='', max_length=120)),
                ('actor_email', fields.CharField(default='', max_length=254)),
                ('subject_id', fields.IntField(null=True, db_index=True)),
                ('subject_name', fields.CharField(default='', max_length=120)),
                ('subject_email', fields.CharField(default='', max_length=254)),
                ('detail', fields.CharField(default='', max_length=500)),
            ],
            options={'table': 'audit_events', 'app': 'identity', 'pk_attr': 'id', 'table_description': 'Append-only: an administrative change to a person. Who did it and to whom are kept as'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoginThrottle',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key_hash', fields.CharField(unique=True, max_length=64)),
                ('email', fields.CharField(db_index=True, max_length=254)),
                ('client', fields.CharField(max_length=64)),
                ('failures', fields.IntField(default=0)),
                ('last_attempt_ms', fields.BigIntField(default=0, db_index=True)),
                ('next_attempt_ms', fields.BigIntField(default=0)),
            ],
            options={'table': 'login_throttles', 'app': 'identity', 'pk_attr': 'id', 'table_description': 'Failed sign-ins for one (account, client address) pair, to slow guessing down.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('name', fields.CharField(max_length=120)),
                ('password_hash', fields.CharField(null=True, max_length=255)),
                ('timezone', fields.CharField(default='UTC', max_length=64)),
                ('is_active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('access_log_seen_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'users', 'app': 'identity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Invitation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(db_index=True, max_length=254)),
                ('pending_email', fields.CharField(null=True, unique=True, max_length=254)),
                ('name', fields.CharField(max_length=120)),
                ('roles', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('invited_by', fields.ForeignKeyField('identity.User', source_field='invited_by_id', null=True, db_constraint=True, to_field='id', related_name='invitations_sent', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'invitations', 'app': 'identity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PasswordReset',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('identity.User', source_field='user_id', db_constraint=True, to_field='id', related_name='password_resets', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_by', fields.ForeignKeyField('identity.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='password_resets_issued', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'password_resets', 'app': 'identity', 'pk_attr': 'id', 'table_description': 'A one-time link an admin issues so a person can choose a new password.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='UserRole',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('identity.User', source_field='user_id', db_constraint=True, to_field='id', related_name='role_rows', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharEnumField(db_index=True, description='REP: rep\nMANAGER: manager\nTRAINER: trainer\nADMIN: admin', enum_type=Role, max_length=16)),
            ],
            options={'table': 'user_roles', 'app': 'identity', 'unique_together': (('user', 'role'),), 'pk_attr': 'id', 'table_description': 'One role held by one person: "all reps" is one indexed query.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key_hash', fields.CharField(unique=True, max_length=64)),
                ('user', fields.ForeignKeyField('identity.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='web_sessions', on_delete=OnDelete.CASCADE)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'web_sessions', 'app': 'identity', 'pk_attr': 'id', 'table_description': 'A server-side browser session: the cookie holds only a random id, hashed here.'},
            bases=['Model'],
        ),
    ]
