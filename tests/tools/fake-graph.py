#!/usr/bin/env python3
"""fake-graph.py - a FAKE Microsoft Graph mail API for the tests (not
Microsoft's server): the few v1.0 calls the mail front-end's graph:// source
makes, in Graph's documented JSON shapes, over HTTPS (fake_ms.py: TLS, token
endpoint, log, throttling, expired token, dropped download).

  GET    /v1.0/users/{upn}/mailFolders/{folder}/messages?$filter=isRead eq false&$top=N[&$skip=K]
         [&$expand=singleValueExtendedProperties($filter=id eq 'Integer 0x0E08')]
         -> {"value": [{"id", "subject", "singleValueExtendedProperties": [{"id": "Integer 0xe08",
            "value": SIZE}]}], "@odata.nextLink": ...} (--page-size a page; no size for files named *nosize*)
  GET    /v1.0/users/{upn}/mailFolders        -> {"value": [{"id", "displayName"}]}
  POST   /v1.0/users/{upn}/mailFolders        {"displayName"} -> the folder
  GET    /v1.0/users/{upn}/messages/{id}/$value -> the MIME message
  PATCH  /v1.0/users/{upn}/messages/{id}      {"isRead": true}
  POST   /v1.0/users/{upn}/messages/{id}/move {"destinationId"}
  DELETE /v1.0/users/{upn}/messages/{id}

--hostile foreign-next: next links name 127.0.0.1 instead of localhost (another
origin: the source must not follow it with its token).
"""

import json
import secrets
import sys
import urllib.parse

sys.path.insert(0, __import__("os").path.dirname(__file__))
import fake_ms  # noqa: E402


def graph_id():
    return "AAMkAD" + secrets.token_urlsafe(90) + "="


class Graph(fake_ms.Handler):
    def item(self, mid, query):
        """A listed message; its size (PidTagMessageSize) when $expand asks, except for files named *nosize*."""
        m = self.box.messages[mid]
        out = {"id": mid, "subject": m["file"]}
        if "0x0E08" in query.get("$expand", [""])[0] and "nosize" not in m["file"]:
            out["singleValueExtendedProperties"] = [{"id": "Integer 0xe08", "value": str(len(m["data"]))}]
        return out

    def route(self):
        url = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in url.path.split("/")]
        query = urllib.parse.parse_qs(url.query)
        body = self.read_body()
        if len(parts) < 4 or parts[1] != "v1.0" or parts[2] != "users":
            return self.answer(404, json.dumps({"error": {"code": "ResourceNotFound"}}))
        self.op = " ".join([self.command] + [p for p in parts[5:] if not p.startswith("AAMkAD")])
        if not self.authorized():
            return self.refuse()
        rest = parts[4:]
        box = self.box
        if rest[:1] == ["mailFolders"] and len(rest) == 3 and rest[2] == "messages" and self.command == "GET":
            if self.throttle_once(429):
                return
            folder = rest[1] if rest[1] != "inbox" else "inbox"
            with box.lock:
                ids = box.unread(folder)
            skip = int(query.get("$skip", ["0"])[0])
            page = ids[skip: skip + self.args.page_size]
            out = {"value": [self.item(i, query) for i in page]}
            if skip + self.args.page_size < len(ids):
                q = dict((k, v[0]) for k, v in query.items())
                q["$skip"] = str(skip + self.args.page_size)
                # --hostile foreign-next: the same server under another name (a token must not follow)
                host = "127.0.0.1" if self.args.hostile == "foreign-next" else "localhost"
                out["@odata.nextLink"] = "https://%s:%d%s?%s" % (host, self.server.server_address[1], url.path, urllib.parse.urlencode(q, quote_via=urllib.parse.quote))
            return self.answer(200, json.dumps(out))
        if rest == ["mailFolders"] and self.command == "GET":
            with box.lock:
                out = {"value": [{"id": k, "displayName": v} for k, v in box.folders.items()]}
            return self.answer(200, json.dumps(out))
        if rest == ["mailFolders"] and self.command == "POST":
            name = json.loads(body)["displayName"]
            with box.lock:
                fid = box.create_folder(name, graph_id)
                box.save()
            return self.answer(201, json.dumps({"id": fid, "displayName": name}))
        if rest[:1] == ["messages"] and len(rest) >= 2:
            mid = rest[1]
            with box.lock:
                m = box.messages.get(mid)
            if not m:
                return self.answer(404, json.dumps({"error": {"code": "ErrorItemNotFound"}}))
            if len(rest) == 3 and rest[2] == "$value" and self.command == "GET":
                with box.lock:
                    m["downloads"] += 1
                    first = m["downloads"] == 1
                    box.save()
                if self.args.drop_first and first:
                    return self.drop(m["data"])
                return self.answer(200, m["data"], "message/rfc822")
            if len(rest) == 2 and self.command == "PATCH":
                with box.lock:
                    m["isRead"] = bool(json.loads(body).get("isRead"))
                    m["marks"] += 1
                    box.save()
                return self.answer(200, json.dumps({"id": mid, "isRead": m["isRead"]}))
            if len(rest) == 3 and rest[2] == "move" and self.command == "POST":
                dest = json.loads(body)["destinationId"]
                with box.lock:
                    if dest not in box.folders:
                        return self.answer(404, json.dumps({"error": {"code": "ErrorFolderNotFound"}}))
                    m["folder"] = dest
                    m["moves"] += 1
                    box.save()
                return self.answer(201, json.dumps({"id": mid, "parentFolderId": dest}))
            if len(rest) == 2 and self.command == "DELETE":
                with box.lock:
                    m["folder"] = "deleted"
                    box.save()
                return self.answer(204, b"")
        return self.answer(400, json.dumps({"error": {"code": "BadRequest", "message": "fake: not a call this fake knows"}}))


if __name__ == "__main__":
    fake_ms.serve(Graph, fake_ms.options(__doc__).parse_args(), graph_id)
