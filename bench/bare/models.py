from django.db import models


class Row(models.Model):
    STATES = [("CA", "California"), ("NV", "Nevada"), ("OR", "Oregon"), ("AZ", "Arizona")]
    STATUSES = [("active", "Member"), ("applicant", "Applicant"), ("declined", "Declined")]

    name = models.CharField(max_length=200)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2, choices=STATES)
    status = models.CharField(max_length=12, choices=STATUSES)
    created_at = models.DateTimeField()

    def __str__(self):
        return self.name
