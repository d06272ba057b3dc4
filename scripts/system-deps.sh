#!/usr/bin/env bash
# Debian packages motcua needs. As root: installs what is missing. Otherwise: names what is missing.
# Usage: scripts/system-deps.sh [runtime] [test] [ci]
set -euo pipefail
groups=("$@"); [ ${#groups[@]} -eq 0 ] && groups=(runtime)
pkgs=()
for g in "${groups[@]}"; do
  case "$g" in
    runtime) pkgs+=(libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core fonts-dejavu-core) ;;
    test) pkgs+=(chromium poppler-utils) ;;
    ci) pkgs+=(postgresql postgresql-contrib) ;;
    *) echo "system-deps: unknown group '$g' (runtime, test, ci)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "motcua needs these Debian packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
