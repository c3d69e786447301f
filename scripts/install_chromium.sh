#!/bin/sh
# Debian's chromium for the browser tests (Playwright drives it by executable_path; never
# `playwright install`), and a Japanese font for the console's Japanese texts. Installs only
# what is missing (apt-get update first); does nothing when both are there.
set -eu
need=""
[ -x /usr/bin/chromium ] || [ -x /usr/bin/chromium-browser ] || need="chromium"
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=ja 2>/dev/null)" ]; then
    need="$need fonts-ipafont-gothic"
fi
[ -n "$need" ] || exit 0
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -q
# shellcheck disable=SC2086 (one word per package)
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $need
