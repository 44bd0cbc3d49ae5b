#!/usr/bin/env bash
# devices.sh - the CLI's device commands against a real daemon:
#  1. "device add USER NAME" prints the token URL (ipps://ServerName:the
#     HTTPS port/ipp/print/TOKEN, 43 base64url characters) and a password,
#     once; "device list" shows the device but neither secret;
#  2. neither the token nor the password is in the log, the audit log or
#     the database files (positive control: the device's name is);
#  3. "device revoke ID" removes it (and a second revoke is refused); an
#     unknown user and a bad device name are refused with a sentence.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init

gw_start
gw user add dana >/dev/null

OUT=$(gw device add dana dana-phone 2>&1)
URL=$(echo "$OUT" | sed -n 's/^ *URL: *//p')
PASSWORD=$(echo "$OUT" | sed -n 's/^ *Password: *//p')
TOKEN=${URL##*/}
ID=$(echo "$OUT" | sed -n 's/^Device \([0-9]*\) added.*/\1/p')
check "device add prints a token URL on ServerName and the HTTPS port ($URL)" \
  sh -c "echo '$URL' | grep -Eq '^ipps://localhost:$GW_PORT/ipp/print/[A-Za-z0-9_-]{43}\$'"
check "and a 20-character password" sh -c "echo '$PASSWORD' | grep -Eq '^[A-Za-z0-9]{20}\$'"
check "and the device's id" test -n "$ID"
check "device list shows it, owner and name" sh -c "$PRINTGATE -c $GW_CONF device list | grep -Eq '^$ID +dana +dana-phone '"
check "device list dana shows it too" sh -c "$PRINTGATE -c $GW_CONF device list dana | grep -q dana-phone"
check "device list --json holds no secret" sh -c "! $PRINTGATE -c $GW_CONF --json device list | grep -Eq -e '$TOKEN|$PASSWORD'"
check "a second device add prints another token" sh -c "$PRINTGATE -c $GW_CONF device add dana dana-mac | grep URL | grep -vqF -e '$TOKEN'"

# 2. The secrets nowhere on disk; the name (positive control) is.
sleep 0.2
leaks() { grep -rlaF -e "$1" "$GW_LOG" "$GW_STATE" 2>/dev/null; }
check "positive control: the device name is in the database or log" sh -c "grep -rlaF dana-phone '$GW_LOG' '$GW_STATE' | grep -q ."
check "the token is nowhere in the log or state ($(leaks "$TOKEN"))" test -z "$(leaks "$TOKEN")"
check "the password is nowhere in the log or state ($(leaks "$PASSWORD"))" test -z "$(leaks "$PASSWORD")"
check "the audit log has device.add" sh -c "$PRINTGATE -c $GW_CONF audit | grep -q 'device.add.*dana'"

# 3. Revoke, and refusals.
check "device revoke $ID" gw device revoke "$ID"
check "it is gone from the list" sh -c "! $PRINTGATE -c $GW_CONF device list | grep -q dana-phone"
check "revoking it again is refused" sh -c "$PRINTGATE -c $GW_CONF device revoke $ID 2>&1 | grep -q 'no such device'"
check "an unknown user is refused" sh -c "$PRINTGATE -c $GW_CONF device add nobody x 2>&1 | grep -q 'no such user'"
check "a bad device name is refused" sh -c "$PRINTGATE -c $GW_CONF device add dana 'a b' 2>&1 | grep -q 'device names'"
check "device add without a name is a usage error" sh -c "! $PRINTGATE -c $GW_CONF device add dana 2>/dev/null"

gw_stop
gw_finish
