"""Coordinators manage PSO staff accounts in the admin: give the existing coordinator group the
user permissions (new groups get them from ADMIN_GROUP_PERMISSIONS when a role is set)."""

from django.db import migrations

CODENAMES = ["view_user", "add_user", "change_user"]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="PSO PSO coordinator").first()
    if group is None:
        return  # a new database: the group is made with every permission when first needed
    perms = Permission.objects.filter(content_type__app_label="members", codename__in=CODENAMES)
    group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
