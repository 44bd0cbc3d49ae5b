#!/usr/bin/env bash
# code-checks.sh - mechanical checks of the source tree (docs/code-checks.md):
#
#   layering  which folder may include which header (docs/architecture.md's
#             table): third-party headers only in their one adapter file,
#             no private core header outside gateway/ (the object headers of
#             gateway/include-private/: only the core and the converter), no front-end header
#             in the core or in another front-end;
#   banned    no strcpy, sprintf, strcat, gets, atoi, system, popen, ...
#             in product code (STYLE.md: bounded forms only);
#   length    no product function longer than 150 lines;
#   runbit    every shell script a person runs by name (scripts/, tests/bench/,
#             tests/fuzz/, tests/checks/, .ci/run) is executable in git.
#
#   tests/checks/code-checks.sh [-a ALLOW-LIST] ROOT [CHECK...]
#
# A finding listed in the allow-list (tests/checks/allow-list.txt: "CHECK
# KEY -- why") is accepted; an allow-list entry that no longer matches a
# finding is itself an error, so the list can only shrink.  Exit 0 when
# clean, 1 with one line per finding, 2 on a usage error.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
allow="$here/allow-list.txt"
if [ "${1:-}" = "-a" ]; then
  allow=$2; shift 2
fi
root=${1:?usage: code-checks.sh [-a ALLOW-LIST] ROOT [CHECK...]}
shift
checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=(layering banned length runbit)
cd "$root" || exit 2

# Product code: what ships.  Tests and benchmarks may shell out (system,
# popen) and have long table-driven mains.
PRODUCT_DIRS=(gateway converters ipp-everywhere mail web-upload)
FRONTENDS="ipp-everywhere mail web-upload"
MAX_LINES=150
# Scripts a person runs by name (the integration tests are run by ctest
# through bash, and tests/lib/ is sourced).
RUN_SCRIPTS="scripts/*.sh tests/bench/*.sh tests/fuzz/*.sh tests/checks/*.sh .ci/run"

findings=$(mktemp)
trap 'rm -f "$findings"' EXIT

# Files to look at: git's list when ROOT is a checkout (so build trees and
# untracked scratch files are ignored), else every file under ROOT.
list_files() {   # list_files GLOB...
  local d
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -- "$@"
  else
    for d in "${PRODUCT_DIRS[@]}" tests scripts docs; do
      [ -d "$d" ] && find "$d" -type f
    done | while read -r f; do
      for g in "$@"; do
        # shellcheck disable=SC2053
        [[ $f == $g ]] && { echo "$f"; break; }
      done
    done
  fi
}

product_sources() {
  local d
  for d in "${PRODUCT_DIRS[@]}"; do
    list_files "$d/*.c" "$d/*.h"
  done | sort -u
}

# strip FILE: the file with comments and string/char literals blanked, line
# numbers kept (so findings point at real lines).
strip() {
  awk '
    BEGIN { incomment = 0 }
    {
      line = $0; out = ""; i = 1; n = length(line)
      while (i <= n) {
        c = substr(line, i, 1); d = substr(line, i, 2)
        if (incomment) {
          if (d == "*/") { incomment = 0; i += 2 } else i++
          continue
        }
        if (d == "/*") { incomment = 1; i += 2; continue }
        if (d == "//") break
        if (c == "\"" || c == "\047") {
          q = c; out = out q; i++
          while (i <= n) {
            c = substr(line, i, 1)
            if (c == "\\") { i += 2; continue }
            i++
            if (c == q) break
          }
          out = out q
          continue
        }
        out = out c; i++
      }
      print out
    }' "$1"
}

add() {   # add CHECK KEY MESSAGE
  printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$findings"
}

# ---- layering ---------------------------------------------------------------

# Third-party headers and the only files allowed to include them (one
# adapter per library; DESIGN.md section 3).
adapter_for() {   # adapter_for HEADER -> glob of the files allowed, or nothing
  case "$1" in
    microhttpd.h)              echo "gateway/listener.c" ;;
    sqlite3.h)                 echo "gateway/store-sqlite*" ;;
    openssl/*)                 echo "gateway/crypto*" ;;
    argon2.h)                  echo "gateway/crypto.c" ;;
    qrencode.h)                echo "gateway/profile-qr.c" ;;
    qpdf/*)                    echo "converters/pdf-qpdf.c" ;;
    ghostscript/*)             echo "converters/convert-gs.c" ;;
    seccomp.h)                 echo "converters/convert-seccomp.c converters/office/office-sandbox.c" ;;
    libetpan/*)                echo "mail/mail-etpan*" ;;
    ytnef.h|tnef-*.h|mapi*.h)  echo "mail/mail-tnef.c" ;;
    avahi-*)                   echo "ipp-everywhere/dnssd*" ;;
    curl/*)                    echo "gateway/outbox* gateway/oauth-device.c mail/*" ;;
    cups/*)                    echo "ipp-everywhere/*" ;;
    *) ;;
  esac
}

check_layering() {
  local f inc line dir globs g ok
  while read -r f; do
    dir=${f%%/*}
    while IFS=: read -r line inc; do
      inc=${inc#*include}
      inc=$(echo "$inc" | sed -E 's/^[[:space:]]*[<"]([^>"]+)[>"].*/\1/')

      # A third-party header outside its adapter.
      globs=$(adapter_for "$inc")
      if [ -n "$globs" ]; then
        ok=0
        for g in $globs; do
          # shellcheck disable=SC2053
          [[ $f == $g ]] && ok=1
        done
        [ $ok = 1 ] || add layering "$f:$inc" "$f:$line: includes <$inc>, which only $globs may include"
        continue
      fi

      # Project headers.
      case "$inc" in
        ../*|*/../*)
          add layering "$f:$inc" "$f:$line: includes \"$inc\" by a relative path out of its folder" ;;
        printgate-ipp/*|printgate-mail/*|printgate-web/*)
          # A front-end's public header: only the daemon and that front-end.
          local owner=${inc%%/*}
          owner=${owner#printgate-}
          case "$owner:$dir" in
            ipp:ipp-everywhere|mail:mail|web:web-upload) ;;
            *) case "$f" in
                 gateway/daemon/*) ;;
                 *) add layering "$f:$inc" "$f:$line: includes the front-end header <$inc>; only gateway/daemon/ and that front-end may" ;;
               esac ;;
          esac ;;
        printgate/store.h|printgate/spool.h|printgate/convert.h|printgate/office.h|printgate/pdf.h|printgate/reaper.h|store.h|spool.h|convert.h|office.h|pdf.h)
          # The core's private object headers (gateway/include-private/):
          # the core's own files, those private headers themselves and the
          # converter helper; never a public header, the daemon, the CLI or
          # a front-end.
          case "$f" in
            gateway/include-private/*|converters/*) ;;
            gateway/*/*|gateway/control-*) add layering "$f:$inc" "$f:$line: includes <$inc>, a header private to the core (gateway/include-private/)" ;;
            gateway/*) ;;
            *) add layering "$f:$inc" "$f:$line: includes <$inc>, a header private to the core (gateway/include-private/)" ;;
          esac ;;
        *-private.h)
          # The control socket is a front-end built on api.h: its own private header only.
          case "$f:$inc" in
            gateway/control-*:control-private.h) ;;
            gateway/control-*) add layering "$f:$inc" "$f:$line: the control socket (a front-end on api.h) includes \"$inc\"" ;;
          esac
          # A private header of the folder the file is in: fine.  Elsewhere no.
          if [ ! -e "$(dirname "$f")/$inc" ] && [ ! -e "$dir/$inc" ]; then
            add layering "$f:$inc" "$f:$line: includes \"$inc\", a private header of another folder"
          fi ;;
      esac
    done < <(grep -nE '^[[:space:]]*#[[:space:]]*include' "$f")

    # Front-ends never include core private headers by any path.
    case " $FRONTENDS " in
      *" $dir "*)
        while IFS=: read -r line inc; do
          add layering "$f:core-private" "$f:$line: a front-end includes a core private header ($inc)"
        done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"(system|store|spool|crypto|control|office|convert|job|log|api)(-[a-z]+)?-private\.h"' "$f")
        ;;
    esac
  done < <(product_sources)
}

# ---- banned functions -------------------------------------------------------

BANNED='strcpy|stpcpy|sprintf|vsprintf|strcat|strncat|strncpy|gets|atoi|atol|atoll|atof|system|popen|strtok|tmpnam|tempnam|mktemp|alloca|getpass|asctime|ctime|gmtime|localtime|rand|srand'

check_banned() {
  local f
  while read -r f; do
    strip "$f" | grep -nE "(^|[^A-Za-z0-9_>.])($BANNED)[[:space:]]*\(" | while IFS=: read -r line text; do
      name=$(echo "$text" | grep -oE "(^|[^A-Za-z0-9_>.])($BANNED)[[:space:]]*\(" | head -1 | sed -E 's/^[^A-Za-z]*//; s/[[:space:]]*\($//')
      add banned "$f:$name" "$f:$line: calls $name() (STYLE.md: use a bounded form)"
    done
  done < <(product_sources)
}

# ---- function length --------------------------------------------------------

check_length() {
  local f
  while read -r f; do
    case "$f" in *.c) ;; *) continue ;; esac
    strip "$f" | awk -v file="$f" -v max="$MAX_LINES" '
      # CUPS style: a function body opens and closes with a brace in column 0;
      # its name is the last identifier followed by "(" before the brace.  A
      # declaration (a prototype, ending in ";") names no body, so a table
      # initialiser opening in column 0 after one is data, not a function.
      /^\{/ && !infn { infn = 1; start = FNR; name = sig; next }
      /^\}/ && infn  { infn = 0; len = FNR - start - 1
                       if (name != "" && len > max) printf "length\t%s:%s\t%s:%d: %s() is %d lines (limit %d)\n", file, name, file, start, name, len, max
                       sig = ""; next }
      !infn && match($0, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/) {
        s = substr($0, RSTART, RLENGTH); sub(/[ \t]*\($/, "", s); sig = s
      }
      !infn && /;[ \t]*$/ { sig = "" }' >>"$findings"
  done < <(product_sources)
}

# ---- run bit ----------------------------------------------------------------

check_runbit() {
  local mode f
  if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    while read -r f; do
      [ -x "$f" ] || add runbit "$f" "$f: a script people run is not executable (chmod +x)"
    done < <(find scripts tests/bench tests/fuzz tests/checks -name '*.sh' -type f 2>/dev/null)
    return
  fi
  while read -r mode _ _ f; do
    [ "$mode" = 100755 ] || add runbit "$f" "$f: a script people run is not executable in git (git update-index --chmod=+x $f)"
  done < <(git ls-files -s -- $RUN_SCRIPTS)
}

for c in "${checks[@]}"; do
  case "$c" in
    layering|banned|length|runbit) "check_$c" ;;
    *) echo "code-checks: unknown check '$c'" >&2; exit 2 ;;
  esac
done

# ---- compare with the allow-list ----------------------------------------------

status=0
declare -A allowed=() used=()
if [ -f "$allow" ]; then
  while read -r check key _; do
    case "$check" in ''|'#'*) continue ;; esac
    allowed["$check $key"]=1
  done <"$allow"
fi

while IFS=$'\t' read -r check key message; do
  if [ -n "${allowed["$check $key"]:-}" ]; then
    used["$check $key"]=1
  else
    echo "$check: $message"
    status=1
  fi
done < <(sort -u "$findings")

for entry in "${!allowed[@]}"; do
  check=${entry%% *}
  case " ${checks[*]} " in *" $check "*) ;; *) continue ;; esac
  if [ -z "${used[$entry]:-}" ]; then
    echo "allow-list: '$entry' no longer matches a finding; remove it from $(basename "$allow")"
    status=1
  fi
done

[ $status = 0 ] && echo "code-checks: ${checks[*]}: clean"
exit $status
