"""Production refuses to start on an insecure configuration (DESIGN.md section 3).

Each case imports the settings module in a fresh interpreter with a controlled environment,
because the test process has already imported the settings with test values.
"""

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "p" * 20 + "-a-long-random-production-secret-value-0123456789"
GUARDED = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")


def import_settings(**env):
    """Import chpso_portal.settings with DEBUG, SECRET_KEY and ALLOWED_HOSTS only as given."""
    environment = {k: v for k, v in os.environ.items() if k not in GUARDED}
    environment["DJANGO_SETTINGS_MODULE"] = "chpso_portal.settings"
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import chpso_portal.settings"],
        env=environment, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )


def refused(result, message):
    return (result.returncode != 0 and "ImproperlyConfigured" in result.stderr
            and message in result.stderr)


def test_a_complete_production_configuration_starts():
    result = import_settings(SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="portal.pso.example")

    assert result.returncode == 0, result.stderr


def test_without_debug_a_missing_secret_key_is_refused():
    result = import_settings(ALLOWED_HOSTS="portal.pso.example")

    assert refused(result, "SECRET_KEY must be set")


def test_debug_false_is_the_same_as_debug_unset():
    result = import_settings(DEBUG="false", ALLOWED_HOSTS="portal.pso.example")

    assert refused(result, "SECRET_KEY must be set")


def test_an_empty_secret_key_is_refused():
    result = import_settings(SECRET_KEY="", ALLOWED_HOSTS="portal.pso.example")

    assert refused(result, "SECRET_KEY must be set")


def test_without_debug_missing_allowed_hosts_is_refused():
    result = import_settings(SECRET_KEY=GOOD_KEY)

    assert refused(result, "ALLOWED_HOSTS must be set")


def test_empty_allowed_hosts_are_refused():
    result = import_settings(SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS=" , ")

    assert refused(result, "ALLOWED_HOSTS must be set")


def test_a_short_secret_key_is_refused():
    result = import_settings(SECRET_KEY="too-short-secret", ALLOWED_HOSTS="portal.pso.example")

    assert refused(result, "long random value")


def test_a_secret_key_one_character_short_of_fifty_is_refused():
    result = import_settings(SECRET_KEY="k" * 49, ALLOWED_HOSTS="portal.pso.example")

    assert refused(result, "long random value")


def test_a_secret_key_of_fifty_characters_is_accepted():
    result = import_settings(SECRET_KEY="k" * 50, ALLOWED_HOSTS="portal.pso.example")

    assert result.returncode == 0, result.stderr


def test_the_development_key_is_refused_in_production():
    result = import_settings(
        SECRET_KEY="insecure-development-key-only-used-with-debug-on-0123456789",
        ALLOWED_HOSTS="portal.pso.example",
    )

    assert refused(result, "long random value")


def test_a_misspelt_debug_value_is_refused():
    result = import_settings(DEBUG="ture", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="portal.pso.example")

    assert refused(result, "DEBUG must be true or false")


def test_development_with_debug_on_needs_no_configuration():
    result = import_settings(DEBUG="true")

    assert result.returncode == 0, result.stderr


def test_production_turns_on_https_protections():
    environment = {k: v for k, v in os.environ.items()
                   if k not in GUARDED and not k.startswith(("SECURE_", "SESSION_COOKIE",
                                                             "CSRF_COOKIE"))}
    environment.update(DJANGO_SETTINGS_MODULE="chpso_portal.settings", SECRET_KEY=GOOD_KEY,
                       ALLOWED_HOSTS="portal.pso.example")
    code = ("from chpso_portal import settings as s; "
            "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
            "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)")

    result = subprocess.run([sys.executable, "-c", code], env=environment, cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "True"]


def test_behind_a_transaction_pooler_server_side_cursors_are_off():
    check = ("import chpso_portal.settings as s; "
             "print(s.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS', False))")
    environment = {k: v for k, v in os.environ.items() if k not in GUARDED}
    environment.update(DJANGO_SETTINGS_MODULE="chpso_portal.settings", SECRET_KEY=GOOD_KEY,
                       ALLOWED_HOSTS="portal.pso.example")
    for pooler, expected in (("", "False"), ("session", "False"), ("transaction", "True")):
        result = subprocess.run([sys.executable, "-c", check], cwd=REPO_ROOT, text=True,
                                env={**environment, "DATABASE_POOLER": pooler},
                                capture_output=True, timeout=120)
        assert result.stdout.strip() == expected, (pooler, result.stderr)
    assert refused(import_settings(SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="portal.pso.example",
                                   DATABASE_POOLER="yes"), "DATABASE_POOLER must be")


def test_hsts_preload_is_off_by_default_as_the_readme_says():
    environment = {k: v for k, v in os.environ.items()
                   if k not in GUARDED and not k.startswith("SECURE_")}
    environment.update(DJANGO_SETTINGS_MODULE="chpso_portal.settings", SECRET_KEY=GOOD_KEY,
                       ALLOWED_HOSTS="portal.pso.example")
    code = "from chpso_portal import settings as s; print(s.SECURE_HSTS_PRELOAD)"

    result = subprocess.run([sys.executable, "-c", code], env=environment, cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False"]
    readme = (REPO_ROOT / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| `SECURE_HSTS_PRELOAD`"))
    assert "| `false` |" in row
