#!/usr/bin/env bash
# man-pages.sh - the built man pages render without a warning
# (MANWIDTH=80 man --warnings -l PAGE), printgate.conf(5) lists every
# directive of the table, the example printgate.conf lists every directive
# commented out with its default and is a valid configuration both as it is
# and with every directive uncommented, and printgated --version /
# printgate --help / printgate COMMAND --help answer.
set -u
: "${GW_SOURCE_DIR:?}" "${GW_BUILD_DIR:?}"
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR

for page in printgate.1 printgate.conf.5 printgated.8; do
  f="$GW_BUILD_DIR/man/$page"
  check "$page was built (scdoc)" test -s "$f"
  warnings=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
  check_eq "$page renders without warnings" "$warnings" ""
done
# Positive control: a page with a roff mistake does warn, so the check above can fail.
printf '.TH X 1\n.SH NAME\nx \\- y\n.BOGUS\n\\fBunclosed\n.in -99\n' > "$W/bad.1"
check "a broken page does warn (positive control)" sh -c "MANWIDTH=80 man --warnings -l '$W/bad.1' 2>&1 >/dev/null | grep -q ."

# The directive table, as the daemon has it.
"$PRINTGATED" --print-config-example > "$W/example.conf"
check "the build's example is what the daemon prints" cmp "$W/example.conf" "$GW_BUILD_DIR/printgate.conf.example"
names=$(sed -n 's/^#\([A-Z][A-Za-z]*\) .*/\1/p' "$W/example.conf")
count=$(echo "$names" | wc -l)
check "the example lists the directives ($count)" test "$count" -ge 40
man_text=$(MANWIDTH=200 man -l "$GW_BUILD_DIR/man/printgate.conf.5" 2>/dev/null)
missing=""
for n in $names; do
  echo "$man_text" | grep -Eq "^ +$n (path|int|size|duration|bool|loglevel|address|string)\$" || missing="$missing $n"
  grep -q "^### $n\$\|^| \`\{0,1\}$n\`\{0,1\} |" "$GW_SOURCE_DIR/docs/configuration.md" || missing="$missing $n(configuration.md)"
done
check_eq "printgate.conf(5) and configuration.md document every directive" "$missing" ""
check "the example is a valid configuration as it is" "$PRINTGATED" -t -c "$W/example.conf"
sed 's/^#\([A-Z][A-Za-z]* \)/\1/' "$W/example.conf" > "$W/uncommented.conf"
check "uncommented: every directive is set" test "$(grep -c '^[A-Z]' "$W/uncommented.conf")" -eq "$count"
check "uncommented, every default is valid" "$PRINTGATED" -t -c "$W/uncommented.conf"
# Positive control: a wrong value in that file is caught.
sed 's/^MaxPagesPerJob .*/MaxPagesPerJob 0/' "$W/uncommented.conf" > "$W/wrong.conf"
check "a wrong value in it is refused (positive control)" sh -c "! '$PRINTGATED' -t -c '$W/wrong.conf'"

# --version and --help as a person expects them.
version=$(sed -n 's/^project(printgate VERSION \([0-9.]*\).*/\1/p' "$GW_SOURCE_DIR/CMakeLists.txt")
check_eq "printgated --version" "$("$PRINTGATED" --version)" "printgated $version"
check_eq "printgate --version" "$("$PRINTGATE" --version)" "printgate $version"
check "printgated --help: usage on stdout, exit 0" sh -c "'$PRINTGATED' --help | grep -q '^Usage: printgated'"
check "printgated with an unknown option: exit 2, says which" sh -c "'$PRINTGATED' --bogus 2>&1 >/dev/null; test \$? -eq 2 && '$PRINTGATED' --bogus 2>&1 | grep -q 'unknown option \"--bogus\"'"
check "printgate --help lists the commands, exit 0" sh -c "'$PRINTGATE' --help | grep -q '^  release ' && '$PRINTGATE' --help | grep -q '^  job submit'"
out=$("$PRINTGATE" job --help); rc=$?
check "printgate job --help: exit 0 without a daemon or config" test "$rc" -eq 0
check "printgate job --help shows only job lines" sh -c "echo \"\$1\" | grep -q '^  job submit' && echo \"\$1\" | grep -q '^             \\[--pages' && ! echo \"\$1\" | grep -q '^  release'" _ "$out"
out=$("$PRINTGATE" release --pin 1 --help); rc=$?
check "printgate release ... --help: the release lines" sh -c "test $rc -eq 0 && echo \"\$1\" | grep -q '^  release (--pin' && ! echo \"\$1\" | grep -q '^  job'" _ "$out"
check "printgate help user = printgate user --help" sh -c "test \"\$('$PRINTGATE' help user)\" = \"\$('$PRINTGATE' user --help)\""
out=$("$PRINTGATE" frobnicate --help 2>&1); rc=$?
check "printgate frobnicate --help: exit 2, unknown command" sh -c "test $rc -eq 2 && echo \"\$1\" | grep -q 'unknown command \"frobnicate\"'" _ "$out"

gw_finish
