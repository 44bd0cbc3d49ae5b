#!/usr/bin/env bash
# positive-control.sh - show that each check of code-checks.sh can fail:
# a copy of the tree passes; the same copy with one planted violation of
# each kind fails and names each one; text that only looks like a
# violation (in a comment or a string) is not reported; a stale
# allow-list entry is reported.
#
#   tests/checks/positive-control.sh SOURCE-DIR
set -uo pipefail
src=${1:?usage: positive-control.sh SOURCE-DIR}
checks="$src/tests/checks/code-checks.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() {   # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "PASS: $1"; else echo "FAIL: $1"; fail=1; fi
}

# A copy of the tracked files (not a git checkout: the checks then walk the
# folders themselves, which is the path that planted files take).
(cd "$src" && git ls-files -z | tar --null -T - -cf -) | (cd "$T" && tar -xf -)
cp "$src/tests/checks/allow-list.txt" "$T/allow.txt"

out=$("$checks" -a "$T/allow.txt" "$T" 2>&1); rc=$?
check "the unchanged copy passes (rc=$rc: $out)" test $rc = 0

# Plant one violation of each kind, and look-alikes that are not violations.
mkdir -p "$T/mail"
{
  echo '#include <sqlite3.h>'
  echo '#include "store-private.h"'
  echo '#include <printgate-ipp/sinks.h>'
  echo '/* strcpy(a, b) in a comment is not a call */'
  echo 'static const char *s = "sprintf(x)";'
  echo 'static void'
  echo 'planted_long(char *a, const char *b)'
  echo '{'
  echo '  strcpy(a, b);'
  for i in $(seq 1 150); do echo "  a[$i % 4] = 0;"; done
  echo '}'
} >"$T/mail/planted.c"
echo '#include <microhttpd.h>' >"$T/gateway/planted-core.c"
printf '#include "sink-private.h"\n#include <printgate/store.h>\n' >"$T/ipp-everywhere/planted-store.c"
echo '#include "spool.h"' >"$T/gateway/include/printgate/planted.h"
echo '#include "system-private.h"' >>"$T/gateway/control-commands.c"
ctl_line=$(wc -l <"$T/gateway/control-commands.c")
printf '#!/bin/sh\necho hi\n' >"$T/scripts/planted.sh"; chmod 644 "$T/scripts/planted.sh"
echo 'banned gateway/gone.c:strcpy -- an entry whose finding was fixed' >>"$T/allow.txt"

out=$("$checks" -a "$T/allow.txt" "$T" 2>&1); rc=$?
echo "$out" | sed 's/^/  | /'
check "the planted tree fails" test $rc = 1
has() { grep -qF -- "$1" <<<"$out"; }
check "layering: a front-end including <sqlite3.h>" has "mail/planted.c:1: includes <sqlite3.h>"
check "layering: a front-end including a core private header" has "mail/planted.c:2: includes \"store-private.h\""
check "layering: a front-end including another front-end's header" has "mail/planted.c:3: includes the front-end header <printgate-ipp/sinks.h>"
check "layering: a front-end including a core private object header" has "ipp-everywhere/planted-store.c:2: includes <printgate/store.h>, a header private to the core"
check "layering: a public header including a core private object header" has "gateway/include/printgate/planted.h:1: includes <spool.h>, a header private to the core"
check "layering: the control socket including a core private header" has "gateway/control-commands.c:$ctl_line: the control socket (a front-end on api.h) includes \"system-private.h\""
check "layering: the core including <microhttpd.h> outside the listener" has "gateway/planted-core.c:1: includes <microhttpd.h>"
check "banned: strcpy() called" has "mail/planted.c:9: calls strcpy()"
check "banned: not in a comment or a string" bash -c "! grep -qE 'planted.c:(4|5): calls' <<<\"\$0\"" "$out"
check "length: a 151-line function" has "planted_long() is 151 lines"
check "runbit: a script without its run bit" has "scripts/planted.sh: a script people run is not executable"
check "allow-list: a stale entry" has "'banned gateway/gone.c:strcpy' no longer matches"

exit $fail
