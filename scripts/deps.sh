#!/usr/bin/env bash
# deps.sh - install the Debian 12 packages Printgate needs, only if missing.
#
#   scripts/deps.sh          build + run dependencies
#   scripts/deps.sh --test   also the peers the tests start (cupsd, ippeveprinter, avahi, curl, ...),
#                            clang + libFuzzer for tests/fuzz/, and the Office group below;
#                            and what tests/install/ builds, checks and installs the .deb with
#   scripts/deps.sh --office build + run dependencies and the Office group
#
# The Office group (optional at run time: without it Office documents are refused with a reason) is
# what the LibreOffice pool runs (docs/office.md): headless Writer, Calc and Impress without the GUI
# stack, python3-uno for the worker that drives them over UNO, and fonts metric-compatible with the
# ones Office documents name (Times New Roman/Arial/Courier New, Calibri, Cambria), so line breaks and
# therefore page counts match what the sender saw.  --test installs it because
# tests/unit/test-office.c and tests/bench/office-bench.sh must run in CI.
#
# One apt line for the whole stack (see docs/building.md for why each is there).
set -euo pipefail

PKGS=(build-essential cmake pkg-config libetpan-dev libcurl4-gnutls-dev libssl-dev libmicrohttpd-dev
      libavahi-client-dev libcups2-dev libgs-dev libsqlite3-dev libargon2-dev libjson-c-dev libexpat1-dev
      libseccomp-dev libqpdf-dev ghostscript qpdf
      libcairo2-dev libjpeg62-turbo-dev libpng-dev zlib1g-dev libtiff-dev libgif-dev libwebp-dev libheif-dev libexif-dev
      libpango1.0-dev fonts-dejavu-core fontconfig scdoc libqrencode-dev
      librsvg2-dev libgxps-dev libytnef0-dev)
OFFICE_PKGS=(libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui libreoffice-draw-nogui python3-uno
             fonts-liberation2 fonts-crosextra-carlito fonts-crosextra-caladea fonts-dejavu-core)
if [ "${1:-}" = "--office" ]; then
  PKGS+=("${OFFICE_PKGS[@]}")
fi
if [ "${1:-}" = "--test" ]; then
  PKGS+=("${OFFICE_PKGS[@]}")
  PKGS+=(poppler-utils cups-ipp-utils avahi-daemon avahi-utils dbus cups-daemon cups-client cups-filters
         bind9 bind9-dnsutils
         curl openssl procps sqlite3 clang libclang-rt-14-dev
         imagemagick libheif-examples libtiff-tools zbar-tools libplist-utils librsvg2-bin libgxps-utils distro-info-data
         debhelper dpkg-dev fakeroot lintian man-db git adduser iproute2 systemd util-linux)
  # The mail rig (tests/lib/mail-rig.sh): private Dovecot + Postfix on loopback for the outbox and mail tests.
  PKGS+=(dovecot-imapd dovecot-pop3d dovecot-lmtpd postfix)
  # The browser test (tests/browser/, tests/integration/web-browser.sh): headless Chromium through
  # chromedriver, and certutil to put the test CA into Chromium's NSS database.
  PKGS+=(chromium chromium-driver libnss3-tools)
  # ytnef: mail-tnef tests check the generated winmail.dat with libytnef's own tool.
  PKGS+=(ytnef-tools)
  # promtool (tests/integration/metrics.sh checks /metrics with `promtool check metrics`).
  PKGS+=(prometheus)
fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PKGS[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "deps: installing ${missing[*]}"
$SUDO apt-get update -q
# Packaged daemons must not start system-wide services on install (tests start their own).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
# Postfix asks what kind of mail server it is: none (the rig writes its own private config).
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
