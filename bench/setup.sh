#!/usr/bin/env bash
# Installs the tools the end-to-end benchmark (go run ./internal/cmd/benchdeploy)
# compares the deployer with: rsync and unzip. Debian/Ubuntu only (apt-get);
# run it as root or with sudo. Tools already present are left alone.
set -euo pipefail

missing=()
for tool in rsync unzip; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [[ ${#missing[@]} -eq 0 ]]; then
	echo "rsync and unzip are installed"
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	echo "missing: ${missing[*]}; install them with your package manager (no apt-get here)" >&2
	exit 1
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
	sudo=(sudo)
fi
echo "installing: ${missing[*]}"
"${sudo[@]}" apt-get update
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
