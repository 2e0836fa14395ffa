#!/usr/bin/env bash
# Debian packages the tests need: chromium (browser tests), postgresql (shared gradebook) and
# bubblewrap (the sandbox learner notebooks are graded in).
# Installs only what is missing; needs root (CI runs as root). With arguments, only those
# packages are considered (`make start` needs bubblewrap alone).
set -euo pipefail
[ $# -gt 0 ] || set -- chromium postgresql bubblewrap
missing=()
for package in "$@"; do
  case "$package" in
    chromium) command -v chromium >/dev/null 2>&1 || missing+=(chromium) ;;
    postgresql) ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql) ;;
    bubblewrap) command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap) ;;
    *) echo "system-deps.sh: unknown package $package" >&2; exit 2 ;;
  esac
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
