#!/usr/bin/env bash
# `make demo`'s last step: the web server in the foreground and, beside it, the outbox worker that delivers
# dossier changes and the applicants' notices (e-mail into var/mail/, SMS on this console). Ctrl-C stops both.
set -euo pipefail
BIN="${BIN:-.venv/bin}"
PORT="${PORT:-8000}"
export MOTCUA_SITE_URL="${MOTCUA_SITE_URL:-http://127.0.0.1:${PORT}}"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT INT TERM
"$BIN/motcua" outbox_worker &
"$BIN/motcua" serve --port "$PORT" --demo-banner
