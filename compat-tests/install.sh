#!/usr/bin/env bash
# Installs what compat-tests needs. Idempotent; safe to run on every CI run.
#   - npm ci in js/ (exact pins from package-lock.json; zlib-sync builds a
#     native addon with node-gyp: needs python3, make, g++)
#   - python3-discord from Debian (discord.py 2.2.2 for /usr/bin/python3)
#   - go mod download for the Go bots (separate module, see go.mod)
# Set COMPAT_SKIP_APT=1 to skip the apt step (the Python test then skips, or
# fails under CI=true).
set -euo pipefail
cd "$(dirname "$0")"

log() { printf 'compat-tests/install.sh: %s\n' "$*" >&2; }

# --- Go ---------------------------------------------------------------------
log "go mod download"
go mod download

# --- npm --------------------------------------------------------------------
if command -v npm >/dev/null 2>&1; then
	if [ -d js/node_modules ] && [ js/node_modules/.package-lock.json -nt js/package-lock.json ] \
		&& (cd js && node -e "require('zlib-sync'); require('discord.js')" >/dev/null 2>&1); then
		log "js/node_modules is up to date"
	else
		log "npm ci in js/"
		(cd js && npm ci --no-audit --no-fund)
	fi
	(cd js && node -e "require('zlib-sync')") || log "WARNING: zlib-sync does not load; the zlib-sync variants will skip"
else
	log "WARNING: npm not found; the JavaScript libraries will skip (or fail under CI=true)"
fi

# --- Debian python3-discord ---------------------------------------------------
if /usr/bin/python3 -c 'import discord, yarl, aiohttp' >/dev/null 2>&1; then
	log "python3-discord present: $(/usr/bin/python3 -c 'import discord; print(discord.__version__)')"
elif [ "${COMPAT_SKIP_APT:-}" = 1 ]; then
	log "WARNING: python3-discord missing and COMPAT_SKIP_APT=1"
elif command -v apt-get >/dev/null 2>&1; then
	SUDO=""
	if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
	export DEBIAN_FRONTEND=noninteractive
	log "apt-get install -y python3-discord"
	if ! $SUDO apt-get install -y --no-install-recommends python3-discord; then
		$SUDO apt-get update
		$SUDO apt-get install -y --no-install-recommends python3-discord
	fi
	/usr/bin/python3 -c 'import discord; print("discord.py", discord.__version__)'
else
	log "WARNING: apt-get not found; discord.py will skip (or fail under CI=true)"
fi
