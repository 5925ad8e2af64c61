#!/usr/bin/env bash
# Installs Debian's `chromium` package for the browser tests of the audit explorer
# (test/audit/explorer-browser.test.ts), when it is missing. Called by `npm test`; a second run installs
# nothing. The tests drive /usr/bin/chromium with puppeteer-core: no browser is ever downloaded from anywhere
# but Debian's package archive; fonts-liberation gives the screenshots readable text on a machine without
# fonts. Not root: says how to install it; the browser test then skips (and fails under CI=true).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/debian-packages.sh"
bin="${CHROMIUM:-/usr/bin/chromium}"
install_debian_packages chromium "[[ -x '$bin' ]]" "to run the browser tests" chromium fonts-liberation
