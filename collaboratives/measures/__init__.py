"""A learning collaborative's measures and each team's monthly reports and values."""
