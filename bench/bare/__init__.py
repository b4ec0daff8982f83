"""A bare Django project: the yardstick of bench/http_benchmark.py (see bench/README.md).

Sessions and authentication only, one signed-in page listing 50 rows of a large table. It
shares nothing with the portal except Django itself, the database server and Redis.
"""
