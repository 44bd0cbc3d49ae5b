#!/usr/bin/env python3
"""fake-ews.py - a FAKE Exchange Web Services endpoint for the tests (not
Microsoft's server): the SOAP operations the mail front-end's ews:// source
sends, answered in EWS's documented XML shapes (messages and types
namespaces, ResponseClass / ResponseCode), over HTTPS with Basic or bearer
auth (fake_ms.py: TLS, token endpoint, log, throttling, expired token,
dropped download).

  POST /EWS/Exchange.asmx  FindItem (IndexedPageItemView Offset, --page-size
       items a page, item:Size), GetItem (IncludeMimeContent: base64),
       UpdateItem (message:IsRead), MoveItem, DeleteItem, FindFolder
       (folder:DisplayName under msgfolderroot), CreateFolder.
  --hostile doctype: every answer starts with a DOCTYPE of nested entities.
"""

import base64
import os
import secrets
import sys
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

sys.path.insert(0, os.path.dirname(__file__))
import fake_ms  # noqa: E402

S = "{http://schemas.xmlsoap.org/soap/envelope/}"
T = "{http://schemas.microsoft.com/exchange/services/2006/types}"
M = "{http://schemas.microsoft.com/exchange/services/2006/messages}"


def ews_id():
    return base64.b64encode(b"\x00\x00\x00fake" + secrets.token_bytes(100)).decode()


HOSTILE = ""


def envelope(body):
    # --hostile doctype: nested entities (a parser must refuse the DOCTYPE, not expand them)
    doctype = ('<!DOCTYPE s:Envelope [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
               '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>') if HOSTILE == "doctype" else ""
    return ('<?xml version="1.0" encoding="utf-8"?>' + doctype +
            '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
            '<s:Header><h:ServerVersionInfo xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types" '
            'MajorVersion="15" MinorVersion="2" MajorBuildNumber="1544" MinorBuildNumber="4" Version="V2017_07_11"/></s:Header>'
            '<s:Body xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
            'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">%s</s:Body></s:Envelope>' % body)


def response(op, inner="", error=None):
    if error:
        return ('<m:%sResponse><m:ResponseMessages><m:%sResponseMessage ResponseClass="Error">'
                '<m:MessageText>%s</m:MessageText><m:ResponseCode>%s</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>'
                '</m:%sResponseMessage></m:ResponseMessages></m:%sResponse>' % (op, op, escape(error[1]), error[0], op, op))
    return ('<m:%sResponse><m:ResponseMessages><m:%sResponseMessage ResponseClass="Success">'
            '<m:ResponseCode>NoError</m:ResponseCode>%s</m:%sResponseMessage></m:ResponseMessages></m:%sResponse>' % (op, op, inner, op, op))


class Ews(fake_ms.Handler):
    def route(self):
        if self.path != "/EWS/Exchange.asmx" or self.command != "POST":
            return self.answer(404, "not found", "text/plain")
        body = self.read_body()
        if not self.authorized():
            return self.refuse()
        try:
            root = ET.fromstring(body)
            op_el = list(root.find(S + "Body"))[0]
        except (ET.ParseError, IndexError, TypeError):
            return self.answer(400, "fake: not SOAP", "text/plain")
        op = op_el.tag.split("}")[1]
        self.op = op
        handler = getattr(self, "op_" + op, None)
        if not handler:
            return self.soap(response(op, error=("ErrorInvalidRequest", "fake: unknown operation")), 500)
        return handler(op_el)

    def soap(self, body, status=200):
        self.answer(status, envelope(body), "text/xml; charset=utf-8")

    def item_ids(self, el):
        return [i.get("Id") for i in el.iter(T + "ItemId")]

    def op_FindItem(self, el):
        if self.throttle_once(503):
            return
        view = el.find(M + "IndexedPageItemView")
        offset = int(view.get("Offset", "0"))
        self.op = "FindItem@%d" % offset
        size = min(int(view.get("MaxEntriesReturned", "1000")), self.args.page_size)
        folder = el.find(".//" + T + "DistinguishedFolderId").get("Id")
        with self.box.lock:
            ids = self.box.unread(folder)
            page = ids[offset: offset + size]
            items = "".join('<t:Message><t:ItemId Id=%s ChangeKey="CQAAAA=="/><t:Size>%d</t:Size></t:Message>'
                            % (quoteattr(i), len(self.box.messages[i]["data"])) for i in page)
        last = "true" if offset + size >= len(ids) else "false"
        inner = ('<m:RootFolder IndexedPagingOffset="%d" TotalItemsInView="%d" IncludesLastItemInRange="%s">'
                 '<t:Items>%s</t:Items></m:RootFolder>' % (offset + len(page), len(ids), last, items))
        self.soap(response("FindItem", inner))

    def message(self, el):
        ids = self.item_ids(el)
        with self.box.lock:
            return ids[0] if ids else None, self.box.messages.get(ids[0]) if ids else None

    def op_GetItem(self, el):
        mid, m = self.message(el)
        if not m:
            return self.soap(response("GetItem", error=("ErrorItemNotFound", "The specified object was not found in the store.")), 500)
        with self.box.lock:
            m["downloads"] += 1
            first = m["downloads"] == 1
            self.box.save()
        mime = base64.b64encode(m["data"]).decode()
        # Folded at 76 columns, as some servers do: white space inside base64.
        mime = "\r\n".join(mime[i:i + 76] for i in range(0, len(mime), 76))
        inner = ('<m:Items><t:Message><t:MimeContent CharacterSet="UTF-8">%s</t:MimeContent>'
                 '<t:ItemId Id=%s ChangeKey="CQAAAA=="/></t:Message></m:Items>' % (mime, quoteattr(mid)))
        if self.args.drop_first and first:
            return self.drop(envelope(response("GetItem", inner)).encode())
        self.soap(response("GetItem", inner))

    def op_UpdateItem(self, el):
        mid, m = self.message(el)
        if not m:
            return self.soap(response("UpdateItem", error=("ErrorItemNotFound", "not found")), 500)
        with self.box.lock:
            m["isRead"] = el.find(".//" + T + "IsRead").text == "true"
            m["marks"] += 1
            self.box.save()
        self.soap(response("UpdateItem", '<m:Items><t:Message><t:ItemId Id=%s/></t:Message></m:Items>' % quoteattr(mid)))

    def op_MoveItem(self, el):
        mid, m = self.message(el)
        dest = el.find(".//" + T + "FolderId").get("Id")
        with self.box.lock:
            if not m or dest not in self.box.folders:
                return self.soap(response("MoveItem", error=("ErrorItemNotFound", "not found")), 500)
            m["folder"] = dest
            m["moves"] += 1
            self.box.save()
        self.soap(response("MoveItem", '<m:Items><t:Message><t:ItemId Id=%s/></t:Message></m:Items>' % quoteattr(mid)))

    def op_DeleteItem(self, el):
        mid, m = self.message(el)
        with self.box.lock:
            if m:
                m["folder"] = "deleted"
                self.box.save()
        self.soap(response("DeleteItem"))

    def op_FindFolder(self, el):
        name = el.find(".//" + T + "Constant").get("Value")
        with self.box.lock:
            fid = self.box.folder_by_name(name)
        folders = '<t:Folder><t:FolderId Id=%s/><t:DisplayName>%s</t:DisplayName></t:Folder>' % (quoteattr(fid), escape(name)) if fid else ""
        self.soap(response("FindFolder", '<m:RootFolder TotalItemsInView="%d" IncludesLastItemInRange="true"><t:Folders>%s</t:Folders></m:RootFolder>'
                           % (1 if fid else 0, folders)))

    def op_CreateFolder(self, el):
        name = el.find(".//" + T + "DisplayName").text
        with self.box.lock:
            fid = self.box.create_folder(name, ews_id)
            self.box.save()
        self.soap(response("CreateFolder", '<m:Folders><t:Folder><t:FolderId Id=%s/></t:Folder></m:Folders>' % quoteattr(fid)))


if __name__ == "__main__":
    options = fake_ms.options(__doc__).parse_args()
    HOSTILE = options.hostile
    fake_ms.serve(Ews, options, ews_id)
