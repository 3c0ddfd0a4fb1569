#!/usr/bin/env bash
# Installs Debian's prometheus for cmd/parley's TestGrafanaDashboard, which scrapes a running
# Parley with a real Prometheus and runs every dashboard query against it. Idempotent.
# Without apt (or with PARLEY_SKIP_APT=1) the test skips loudly, or fails under CI=true.
set -euo pipefail
log() { printf 'install-prometheus.sh: %s\n' "$*" >&2; }
if command -v prometheus >/dev/null 2>&1; then
	log "prometheus present: $(prometheus --version 2>&1 | head -1)"
	exit 0
fi
if [ "${PARLEY_SKIP_APT:-}" = 1 ] || ! command -v apt-get >/dev/null 2>&1; then
	log "WARNING: prometheus missing and no apt; TestGrafanaDashboard will skip (or fail under CI=true)"
	exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# --no-install-recommends: the server binary only, not node-exporter and its services.
if ! $SUDO apt-get install -y --no-install-recommends prometheus; then
	$SUDO apt-get update
	$SUDO apt-get install -y --no-install-recommends prometheus
fi
prometheus --version 2>&1 | head -1
