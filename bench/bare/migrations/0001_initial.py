from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Row",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200)),
                ("city", models.CharField(max_length=100)),
                ("state", models.CharField(choices=[("CA", "California"), ("NV", "Nevada"),
                                                    ("OR", "Oregon"), ("AZ", "Arizona")],
                                           max_length=2)),
                ("status", models.CharField(choices=[("active", "Member"),
                                                     ("applicant", "Applicant"),
                                                     ("declined", "Declined")],
                                            max_length=12)),
                ("created_at", models.DateTimeField()),
            ],
        ),
    ]
