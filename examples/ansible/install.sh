#!/bin/sh
# Installs Debian's ansible-core, which examples/ansible needs (the test in
# this directory runs this script when ansible-playbook is missing). It only
# acts as root on a system with apt-get; anywhere else it says what to do and
# fails, and the test skips with that reason.
set -eu

if command -v ansible-playbook >/dev/null 2>&1; then
	echo "ansible-playbook is already installed: $(command -v ansible-playbook)"
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "no apt-get on this system: install ansible-core with its package manager (or: python3 -m pip install ansible-core)" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "not root: run 'sudo apt-get install ansible-core', or this script as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends ansible-core >/dev/null
version=$(ansible-playbook --version)
echo "installed ${version%%
*}"
