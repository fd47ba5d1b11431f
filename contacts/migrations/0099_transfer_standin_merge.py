"""STAND-IN (branch `transfer` only): joins the jobs stand-in's 0004 and 0006 so `migrate` runs.

The lead replaces it when the jobs branch and this one are merged.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0004_jobs"),
        ("contacts", "0006_export_permission"),
    ]

    operations = []
