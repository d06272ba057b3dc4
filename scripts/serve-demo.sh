#!/usr/bin/env bash
# `make demo`'s last step: the web server in the foreground and, beside it, the outbox worker that delivers
# dossier changes and the applicants' notices (e-mail into var/mail/, SMS on this console), and the local VNeID
# provider for "Đăng nhập bằng VNeID" (contract §9) unless MOTCUA_OIDC_ISSUER already names one, and the National
# Public Service Portal simulator (contract §7) unless MOTCUA_DVCQG_URL already names a portal, and the national
# payment platform simulator (contract §8) unless MOTCUA_PAYMENT_URL already names one. Ctrl-C stops all.
set -euo pipefail
BIN="${BIN:-.venv/bin}"
PORT="${PORT:-8000}"
export MOTCUA_SITE_URL="${MOTCUA_SITE_URL:-http://127.0.0.1:${PORT}}"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT INT TERM
export MOTCUA_OIDC_CLIENT_ID="${MOTCUA_OIDC_CLIENT_ID:-motcua}"
export MOTCUA_OIDC_CLIENT_SECRET="${MOTCUA_OIDC_CLIENT_SECRET:-motcua-demo-secret}"
if [ -z "${MOTCUA_OIDC_ISSUER:-}" ]; then
  OIDC_PORT="${OIDC_PORT:-8021}"
  "$BIN/motcua" oidc_provider --port "$OIDC_PORT" &
  export MOTCUA_OIDC_ISSUER="http://127.0.0.1:${OIDC_PORT}"
fi
# The population database lookup (ADR 0026): the local stand-in of the integration platform, seeded with the
# demo citizens, unless MOTCUA_POPULATION_URL already names one.
export MOTCUA_POPULATION_CLIENT_ID="${MOTCUA_POPULATION_CLIENT_ID:-motcua}"
export MOTCUA_POPULATION_CLIENT_SECRET="${MOTCUA_POPULATION_CLIENT_SECRET:-motcua-demo-secret}"
if [ -z "${MOTCUA_POPULATION_URL:-}" ]; then
  POPULATION_PORT="${POPULATION_PORT:-8023}"
  "$BIN/motcua" population_simulator --port "$POPULATION_PORT" &
  export MOTCUA_POPULATION_URL="http://127.0.0.1:${POPULATION_PORT}"
fi
# The National Public Service Portal (ADR 0023): its local simulator, unless MOTCUA_DVCQG_URL names a portal.
if [ -z "${MOTCUA_DVCQG_URL:-}" ]; then
  DVCQG_PORT="${DVCQG_PORT:-8022}"
  export MOTCUA_DVCQG_USERNAME="${MOTCUA_DVCQG_USERNAME:-motcua-demo}"
  export MOTCUA_DVCQG_PASSWORD="${MOTCUA_DVCQG_PASSWORD:-motcua-demo-portal}"
  export MOTCUA_DVCQG_MADONVI="${MOTCUA_DVCQG_MADONVI:-000.00.00.H40}"
  "$BIN/motcua" dvcqg_simulator --port "$DVCQG_PORT" --quiet &
  export MOTCUA_DVCQG_URL="http://127.0.0.1:${DVCQG_PORT}"
fi
# The national payment platform (contract §8, ADR 0029): its local simulator, unless MOTCUA_PAYMENT_URL names one.
# Its confirmations go to this server's callback and its payers come back to this server's result page.
if [ -z "${MOTCUA_PAYMENT_URL:-}" ]; then
  PAYMENT_PORT="${PAYMENT_PORT:-8024}"
  export MOTCUA_PAYMENT_PARTNER="${MOTCUA_PAYMENT_PARTNER:-MOTCUA-DEMO}"
  export MOTCUA_PAYMENT_SECRET="${MOTCUA_PAYMENT_SECRET:-motcua-demo-payment-secret}"
  "$BIN/motcua" payment_simulator --port "$PAYMENT_PORT" --quiet \
    --callback-url "http://127.0.0.1:${PORT}/api/v1/payments/callback" \
    --return-url "${MOTCUA_SITE_URL}/thanh-toan/ket-qua/" &
  export MOTCUA_PAYMENT_URL="http://127.0.0.1:${PAYMENT_PORT}"
fi
"$BIN/motcua" outbox_worker &
# Reconciliation of online payments whose confirmation never came (ADR 0028), every 5 minutes.
"$BIN/motcua" payment_reconcile --every 5 &
"$BIN/motcua" serve --port "$PORT" --demo-banner
