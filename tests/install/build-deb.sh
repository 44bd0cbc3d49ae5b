#!/usr/bin/env bash
# build-deb.sh - build the Debian package from a copy of the tree and check
# it with lintian (docs/building.md, "The Debian package").
#
# The copy (every tracked and untracked, not ignored file: what a commit
# would hold) goes to $GW_BUILD_DIR/package/printgate, so the package build
# never touches the source tree or the main build dir; the .deb lands in
# $GW_BUILD_DIR/package/ for install.sh (a ctest fixture: this test sets up
# what install.sh needs).  Fails when the build fails, when debian/changelog's
# version is not CMake's project version, or when lintian finds an error
# (its warnings are printed).
set -u
: "${GW_SOURCE_DIR:?}" "${GW_BUILD_DIR:?}"
OUT="$GW_BUILD_DIR/package"
SRC="$OUT/printgate"
fail=0

say() { echo "$*"; }
bad() { echo "FAIL $*"; fail=1; }

for tool in dpkg-buildpackage dh lintian scdoc git; do
  command -v "$tool" >/dev/null || { echo "FAIL $tool is missing: run scripts/deps.sh --test"; exit 1; }
done

rm -rf "$OUT"
mkdir -p "$SRC"
( cd "$GW_SOURCE_DIR" && git ls-files -z --cached --others --exclude-standard |
  tar --null -T - --ignore-failed-read -cf - 2>/dev/null ) | tar -C "$SRC" -xf - || { echo "FAIL copying the tree"; exit 1; }

# One version: CMake's project() is the source of truth.
cmake_version=$(sed -n 's/^project(printgate VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
deb_version=$(cd "$SRC" && dpkg-parsechangelog -S Version)
if [ -n "$cmake_version" ] && [ "$cmake_version" = "$deb_version" ]; then
  say "PASS debian/changelog's version $deb_version is CMake's project version"
else
  bad "debian/changelog's version '$deb_version' is not CMake's project version '$cmake_version'"
fi

start=$(date +%s)
if (cd "$SRC" && nice dpkg-buildpackage -b -us -uc -j"$(nproc)") > "$OUT/build.log" 2>&1; then
  say "PASS dpkg-buildpackage -b ($(( $(date +%s) - start )) s)"
else
  tail -40 "$OUT/build.log"
  echo "FAIL dpkg-buildpackage -b (log: $OUT/build.log)"
  exit 1
fi

deb=$(ls "$OUT"/printgate_*.deb 2>/dev/null | head -1)
changes=$(ls "$OUT"/printgate_*.changes 2>/dev/null | head -1)
[ -n "$deb" ] && [ -n "$changes" ] || { echo "FAIL no .deb or .changes in $OUT"; exit 1; }
say "PASS built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

# lintian as root says so and carries on; its errors fail the test.
lintian --allow-root --info --display-info "$changes" > "$OUT/lintian.txt" 2>&1
if grep -q '^E: ' "$OUT/lintian.txt"; then
  bad "lintian errors:"; grep '^E: ' "$OUT/lintian.txt" | sed 's/^/    /'
else
  say "PASS lintian: no errors"
fi
if grep -q '^[WI]: ' "$OUT/lintian.txt"; then
  echo "lintian warnings and notes:"; grep '^[WI]: ' "$OUT/lintian.txt" | sed 's/^/    /'
fi

exit "$fail"
