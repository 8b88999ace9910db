from tortoise import migrations
from tortoise.migrations import operations as ops

from coaching.append_only import make_append_only


class Migration(migrations.Migration):
    dependencies = [("coaching", "0001_initial")]

    operations = [ops.RunPython(*make_append_only("access_events"))]
