#!/usr/bin/env bash
# office-bench.sh - the Office pool against one `soffice --convert-to pdf`
# per file, same files, same run (docs/office.md, "Measured").
#
#   tests/bench/office-bench.sh [BUILD_DIR] [ROUNDS] [FILE...]
#
# (FILE... replaces the corpus tests/data/office/sample.*; the format is the
# extension.  OFFICE_BENCH_LARGE=1 uses a 66-page docx and a 57-page xlsx
# made on the spot instead.)
#
# Pool: tests/tools/gw-office-convert with one instance, the way the daemon
# calls it (sealed memfd in, memfd out, per-document tmpfs directory, the
# whole sandbox), timed per document from gwOfficePoolConvert() to its
# return; the instance's start-up is not counted (it happens once per
# OfficeMaxJobs documents), and neither is the first round (each of
# Writer, Calc and Impress loads its libraries on first use).
# Peer: `soffice -env:UserInstallation=... --headless --convert-to pdf` per
# file, wall clock, with its own profile that a first conversion warmed
# (not counted), output on tmpfs.
# Both run the files one at a time.  Medians of ROUNDS rounds (default 5)
# per file, then the median over all documents and the ratio peer / pool
# (target: >= 2.5), then the throughput of two instances at once against
# one.  A benchmark, not a test: it prints numbers and never
# fails on them.
set -u
B=$(cd "${1:-${GW_BUILD_DIR:-.}}" && pwd)
ROUNDS=${2:-5}
shift $(( $# > 2 ? 2 : $# ))
S=${GW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TOOL=$B/tests/gw-office-convert
SOFFICE=/usr/lib/libreoffice/program/soffice
[ -x "$TOOL" ] && [ -x "$B/converters/printgate-office-sandbox" ] || { echo "build gw-office-convert and printgate-office-sandbox in $B first" >&2; exit 1; }
[ -x "$SOFFICE" ] || { echo "LibreOffice is not installed (scripts/deps.sh --office)" >&2; exit 1; }
export GW_BUILD_DIR=$B

W=$(mktemp -d /dev/shm/pgbench.XXXXXX)
trap 'rm -rf "$W"' EXIT

if [ $# -gt 0 ]; then
  FILES=("$@")
elif [ "${OFFICE_BENCH_LARGE:-0}" = 1 ]; then
  # Larger documents, made here: a 66-page docx (1500 paragraphs) and a
  # 57-page xlsx (3000 rows), converted by soffice from RTF and CSV.
  /usr/bin/python3 - "$W" <<'PY'
import csv, sys
w = sys.argv[1]
with open(w + "/large.rtf", "w") as f:
    f.write("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\\f0\\fs24\n")
    for i in range(1500):
        f.write("Paragraph %d of the large Printgate benchmark document: the quick brown fox jumps over the lazy dog again and again.\\par\n" % i)
    f.write("}\n")
with open(w + "/large.csv", "w") as f:
    out = csv.writer(f)
    for i in range(3000):
        out.writerow([i, "Item %d" % i, i * 1.5, "note %d" % (i * 7)])
PY
  (cd "$W" && "$SOFFICE" -env:UserInstallation="file://$W/gen-profile" --headless --norestore --convert-to 'docx:MS Word 2007 XML' large.rtf >/dev/null 2>&1 &&
   "$SOFFICE" -env:UserInstallation="file://$W/gen-profile" --headless --norestore --infilter='Text - txt - csv (StarCalc):44,34,76' \
     --convert-to 'xlsx:Calc MS Excel 2007 XML' large.csv >/dev/null 2>&1)
  FILES=("$W/large.docx" "$W/large.xlsx")
else
  FILES=("$S"/tests/data/office/sample.{docx,xlsx,pptx,odt,ods,odp,rtf,doc,xls,ppt})
fi

. "$(dirname "$0")/../lib/bench.sh"

echo "office-bench: ${#FILES[@]} files, $ROUNDS rounds, $(nproc) cores, LibreOffice $(dpkg-query -W -f='${Version}' libreoffice-core-nogui 2>/dev/null || echo '?')"

# Pool: ROUNDS + 1 rounds in one pool, the first dropped.
"$TOOL" -w 1 -r $(( ROUNDS + 1 )) "${FILES[@]}" > "$W/pool.txt" || echo "office-bench: some pool conversions failed" >&2
declare -A POOL PEER
n=0
while read -r t f; do
  n=$(( n + 1 ))
  [ $n -le ${#FILES[@]} ] && continue
  POOL[$f]="${POOL[$f]:-} $t"
done < "$W/pool.txt"

# Peer: one soffice per file, warm profile.
mkdir -p "$W/peer"
"$SOFFICE" -env:UserInstallation="file://$W/peer-profile" --headless --norestore --convert-to pdf --outdir "$W/peer" "${FILES[0]}" >/dev/null 2>&1
for r in $(seq "$ROUNDS"); do
  for f in "${FILES[@]}"; do
    t0=$(ms)
    "$SOFFICE" -env:UserInstallation="file://$W/peer-profile" --headless --norestore --convert-to pdf --outdir "$W/peer" "$f" >/dev/null 2>&1
    PEER[$f]="${PEER[$f]:-} $(( $(ms) - t0 ))"
  done
done

printf '%-14s %10s %10s %7s\n' file "pool ms" "soffice ms" ratio
all_pool=() all_peer=()
for f in "${FILES[@]}"; do
  # shellcheck disable=SC2086
  p=$(median ${POOL[$f]:-0}); q=$(median ${PEER[$f]:-0})
  all_pool+=(${POOL[$f]:-}); all_peer+=(${PEER[$f]:-})
  printf '%-14s %10s %10s %7s\n' "$(basename "$f")" "$p" "$q" "$(awk -v p="$p" -v q="$q" 'BEGIN { if (p > 0) printf "%.1fx", q / p; else print "-" }')"
done
p=$(median "${all_pool[@]}"); q=$(median "${all_peer[@]}")
printf '%-14s %10s %10s %7s\n' "all (median)" "$p" "$q" "$(awk -v p="$p" -v q="$q" 'BEGIN { if (p > 0) printf "%.1fx", q / p; else print "-" }')"
echo "office-bench: pool $(awk -v p="$p" -v q="$q" 'BEGIN { if (p > 0) printf "%.1f", q / p; else print "-" }')x faster per document than one soffice per file (target >= 2.5x)"

# Two at once: two instances fed by two threads against one instance fed by
# one, the same documents (ROUNDS rounds each), after one warm-up round;
# documents per second from the first document to the last.
"$TOOL" -w 2 -j 2 -r 1 "${FILES[@]}" >/dev/null 2>&1
t1=$("$TOOL" -w 1 -j 1 -r "$ROUNDS" "${FILES[@]}" 2>/dev/null | awk '$1 == "total" { print $2, $3 }')
t2=$("$TOOL" -w 2 -j 2 -r "$ROUNDS" "${FILES[@]}" 2>/dev/null | awk '$1 == "total" { print $2, $3 }')
awk -v a="$t1" -v b="$t2" 'BEGIN {
  split(a, x, " "); split(b, y, " ");
  if (x[1] > 0 && y[1] > 0) {
    r1 = x[2] * 1000 / x[1]; r2 = y[2] * 1000 / y[1];
    printf "office-bench: throughput one instance %.1f docs/s, two instances at once %.1f docs/s (%.2fx)\n", r1, r2, r2 / r1
  } }'
