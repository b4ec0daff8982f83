"""A learning collaborative's virtual office: resources and announcements."""
