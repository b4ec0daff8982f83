"""Shared lessons: drafted by PSO staff, de-identified, published by a second person, read by
every member hospital, and never traceable to where they came from (ground rules 8 and 9)."""
