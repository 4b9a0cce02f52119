#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (Playwright cannot download its own browser in
# many build environments). Install it when missing: as root with apt-get, otherwise say
# what to install.
set -euo pipefail
browser="${CHROMIUM:-/usr/bin/chromium}"
if [ -x "$browser" ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Chromium from the system's packages (apt-get install chromium)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  if [ -x "$browser" ]; then exit 0; fi
  echo "apt-get installed chromium, but there is no browser at $browser (set CHROMIUM=...)." >&2
  exit 1
fi
cat >&2 <<MSG
The browser tests need Chromium at $browser and it is not there.
Install it with your system's package manager, for example:
    sudo apt-get install chromium        (Debian, Ubuntu)
or point the tests at another Chromium build:
    CHROMIUM=/path/to/chromium make test
MSG
exit 1
