"""Production mode (MOTCUA_ENV=production): the documented environment passes `check --deploy` with no warning,
HTTPS-only behaviour is on, and a missing or weak SECRET_KEY is refused with one line and exit status 2.

Each case runs in a subprocess: settings are read once per process, and the test process is in development mode.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
# Variables the test process may carry that would change what the subprocess sees.
OURS = re.compile(r"^(MOTCUA_|DATABASE_URL$|SECRET_KEY$|ALLOWED_HOSTS$|CSRF_TRUSTED_ORIGINS$|DJANGO_)")


def documented_environment() -> dict[str, str]:
    """The VAR=value lines of README's "Production" environment block; `<...>` placeholders get real values."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Production\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n# production environment\n(.*?)```", section, re.S)
    assert block, 'README "Production" lost its "# production environment" block'
    env = {}
    for line in block.group(1).splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = secrets.token_urlsafe(50) if value.startswith("<") else value
    return env


def run(args: list[str], env: dict[str, str], tmp_path: Path, *, code: str | None = None):
    base = {k: v for k, v in os.environ.items() if not OURS.match(k)}
    base.update(MOTCUA_HOME=str(tmp_path), MOTCUA_VAR_DIR=str(tmp_path / "var"), **env)
    argv = [sys.executable, "-c", code] if code else [sys.executable, "-m", "motcua.manage", *args]
    return subprocess.run(argv, env=base, capture_output=True, text=True, timeout=120, cwd=tmp_path)


def test_readme_documents_the_production_switch_and_secret():
    env = documented_environment()
    assert env["MOTCUA_ENV"] == "production" and len(env["SECRET_KEY"]) >= 50
    assert {"ALLOWED_HOSTS", "MOTCUA_PROXY_SSL_HEADER", "DATABASE_URL"} <= set(env)


def test_check_deploy_is_clean_with_the_documented_environment(tmp_path):
    result = run(["check", "--deploy", "--fail-level", "WARNING"], documented_environment(), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


PROBE = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
django.setup()
from django.conf import settings
from django.test import Client
host = settings.ALLOWED_HOSTS[0]
plain = Client().get("/api/v1/docs", HTTP_HOST=host)
# The probe has no database (DATABASE_URL names an unreachable host): the page's centre name is not read.
import motcua.portal.templatetags.portal_tags as tags
tags.request_centre = lambda request: None
secure = Client().get("/dang-nhap/", HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "redirect": [plain.status_code, plain.headers.get("Location")],
    "status": secure.status_code,
    "headers": dict(secure.headers),
    "csrf_cookie": dict(secure.cookies["csrftoken"]),
    "session_cookie": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY, settings.SESSION_COOKIE_SAMESITE],
}))
"""


def test_production_mode_turns_on_https_only_behaviour(tmp_path):
    env = documented_environment()
    result = run([], env, tmp_path, code=PROBE)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    host = env["ALLOWED_HOSTS"].split(",")[0]
    assert seen["redirect"] == [301, f"https://{host}/api/v1/docs"]
    assert seen["status"] == 200
    headers = seen["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "upgrade-insecure-requests" in headers["Content-Security-Policy"]
    cookie = seen["csrf_cookie"]
    assert cookie["secure"] is True and cookie["httponly"] is True and cookie["samesite"] == "Lax"
    assert seen["session_cookie"] == [True, True, "Lax"]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "insecure-dev-key-set-SECRET_KEY-in-production"}, "SECRET_KEY"),
        ({"SECRET_KEY": "ngan-qua"}, "SECRET_KEY"),
        ({"MOTCUA_PROXY_SSL_HEADER": None}, "MOTCUA_PROXY_SSL_HEADER"),
        ({"MOTCUA_DEBUG": "1"}, "MOTCUA_DEBUG"),
        ({"MOTCUA_HSTS_SECONDS": "mot-nam"}, "MOTCUA_HSTS_SECONDS"),
    ],
    ids=["no-secret-key", "dev-key", "short-key", "no-proxy-header", "debug", "bad-hsts"],
)
def test_production_refuses_to_start_with_one_line_and_status_2(tmp_path, change, says):
    env = documented_environment()
    for name, value in change.items():
        if value is None:
            env.pop(name)
        else:
            env[name] = value
    # `serve` is refused before it looks for granian or collects static files.
    result = run(["serve", "--port", "8999"], env, tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("motcua: ") and says in lines[0]
    assert "Traceback" not in result.stderr


def test_development_needs_none_of_the_production_variables(tmp_path):
    result = run(["check"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
