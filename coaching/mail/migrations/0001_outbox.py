from tortoise import migrations
from tortoise.migrations import operations as ops
from coaching.mail.models import MailKind
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('recipient', fields.CharField(max_length=998)),
                ('subject', fields.CharField(max_length=255)),
                ('message', fields.BinaryField(description='the whole RFC 5322 message, as sent')),
                ('kind', fields.CharEnumField(description='INVITATION: invitation\nREMINDER: reminder\nDIGEST: digest\nPAIRING: pairing', enum_type=MailKind, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('claim_token', fields.CharField(null=True, max_length=32)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(null=True, max_length=500)),
                ('failed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'mail_outbox', 'app': 'mail', 'pk_attr': 'id', 'table_description': 'Mail written with the change it belongs to, sent at least once.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WorkerHeartbeat',
            fields=[
                ('worker', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=200)),
                ('beat_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'mail_worker_heartbeats', 'app': 'mail', 'pk_attr': 'worker', 'table_description': 'When each running `tandem worker` last said it was alive.'},
            bases=['Model'],
        ),
    ]
