# web-client.sh - curl helpers of the web tests (web-api.sh, web-admin.sh);
# source after setting W (the test's folder) and BASE (https://127.0.0.1:PORT).
#
#   api METHOD PATH [BODY] [JAR] [EXTRA CURL ARGS...]   JSON request: body to $W/out, headers to
#                                                       $W/hdr; echoes the HTTP status
#   field NAME                                          a member of the JSON in $W/out (a list: its length)

api() {
  local method=$1 path=$2 body=${3:-} jar=${4:-$W/none}; shift 4 2>/dev/null || shift $#
  curl -sk -o "$W/out" -D "$W/hdr" -w '%{http_code}' -X "$method" -b "$jar" -c "$jar" \
       -H 'Content-Type: application/json' ${body:+--data-binary "$body"} "$@" "$BASE$path"
}
field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2], ""); print(len(v) if isinstance(v, list) else v)' "$W/out" "$1"; }
