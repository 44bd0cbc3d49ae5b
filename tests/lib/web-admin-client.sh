# web-admin-client.sh - console sign-in helpers of the admin web tests
# (web-admin.sh, web-admin-printers.sh, web-admin-reports.sh): TOTP codes
# computed with python3's hmac, a password session, the second factor,
# enrolment.  Source after tests/lib/web-client.sh (W, BASE, api, field).
#
#   totp SECRET [STEPS]        the RFC 6238 code of now (+ STEPS steps)
#   step_fresh                 wait until 3 s or more remain in this 30 s step
#   password NAME PW JAR       a password session; sets CSRF
#   elevate JAR CODE           the second factor; prints the status
#   csrf_of JAR                the session's CSRF token
#   enrol NAME PW JAR          password, enrolment, first code; sets SECRET, CSRF, RECOVERY
#   console_trio               boss, desk, aud enrolled; sets B D A and BCSRF DCSRF ACSRF

# totp SECRET [STEPS]: the RFC 6238 code of now (+ STEPS steps of 30 s), HMAC-SHA1, 6 digits.
totp() {
  python3 - "$1" "${2:-0}" <<'EOF'
import base64, hashlib, hmac, struct, sys, time
s = sys.argv[1]
key = base64.b32decode(s + "=" * ((8 - len(s) % 8) % 8))
h = hmac.new(key, struct.pack(">Q", int(time.time()) // 30 + int(sys.argv[2])), hashlib.sha1).digest()
o = h[19] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))
EOF
}
# Wait until at least 3 s remain in the current 30 s step (a code typed now is still "now").
step_fresh() { while [ $(( $(date +%s) % 30 )) -gt 26 ]; do sleep 1; done; }

# password NAME PASSWORD JAR: a password session; sets CSRF.
password() {
  [ "$(api POST /api/v1/signin/password "{\"name\":\"$1\",\"password\":\"$2\"}" "$3")" = 200 ] && CSRF=$(field csrf)
}
# elevate JAR CODE: the second factor; prints the status (run in $(...): csrf_of JAR gives the new token).
elevate() {
  local s
  s=$(api POST /api/v1/admin/elevate "{\"code\":\"$2\"}" "$1" -H "X-CSRF-Token: $CSRF")
  printf '%s' "$s"
}
csrf_of() { curl -sk -b "$1" "$BASE/api/v1/me" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])'; }
# enrol NAME PASSWORD JAR: password, enrolment, first code; sets SECRET, CSRF and RECOVERY (the codes, one a line).
enrol() {
  password "$1" "$2" "$3" || return 1
  [ "$(api POST /api/v1/admin/enrol '{}' "$3" -H "X-CSRF-Token: $CSRF")" = 200 ] || return 1
  SECRET=$(field secret)
  step_fresh
  [ "$(elevate "$3" "$(totp "$SECRET")")" = 200 ] || return 1
  CSRF=$(field csrf)
  RECOVERY=$(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["recovery_codes"]))' "$W/out")
}

# console_trio: boss (admin), desk (helpdesk) and aud (auditor) made and enrolled (checks); sets B, D, A
# (the X-CSRF-Token header arrays) and BCSRF, DCSRF, ACSRF.
console_trio() {
  local u
  check "console accounts" sh -c "$PRINTGATE -c $GW_CONF user add boss --role admin && $PRINTGATE -c $GW_CONF user add desk --role helpdesk &&
    $PRINTGATE -c $GW_CONF user add aud --role auditor"
  for u in boss desk aud; do
    eval "PW_$u=\$($PRINTGATE -c $GW_CONF user password $u)"
  done
  check "boss enrols" enrol boss "$PW_boss" "$W/boss"
  B=(-H "X-CSRF-Token: $CSRF") BCSRF=$CSRF
  check "desk enrols" enrol desk "$PW_desk" "$W/desk"
  D=(-H "X-CSRF-Token: $CSRF") DCSRF=$CSRF
  check "aud enrols" enrol aud "$PW_aud" "$W/aud"
  A=(-H "X-CSRF-Token: $CSRF") ACSRF=$CSRF
}
