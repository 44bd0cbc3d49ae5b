/*
 * mail-ews.c - the poller of an Exchange Web Services source (ews://,
 * docs/mail.md "EWS"), for on-premises Exchange Server (EWS in Exchange
 * Online is being switched off: use graph:// there).
 *
 * A round: FindItem on the folder (a distinguished folder, "inbox" by
 * default) for unread items, IdOnly plus item:Size, every page of an
 * IndexedPageItemView (at most BATCH_MAX ids); for each item its size
 * checked against the cap, GetItem with IncludeMimeContent (the RFC 822
 * message, base64 in the answer), the intake (the same MIME walk, trust and
 * submission as IMAP), and only after the intake says its jobs are
 * committed: UpdateItem IsRead=true, then MoveItem to the Printed /
 * Rejected folder (FindFolder under msgfolderroot, CreateFolder when it is
 * missing), or DeleteItem (MoveToDeletedItems).  Auth: Basic or NTLM with
 * user= and password=, or an OAuth2 bearer (with ExchangeImpersonation of
 * user=).
 *
 * The answers are read with expat (already a dependency, through libetpan
 * and the core): namespaces split off, no DOCTYPE (so no entity expansion),
 * depth at most 64, the answer's size bounded before parsing, and only the
 * few elements and attributes needed are kept: ItemId/@Id, Size,
 * RootFolder/@IncludesLastItemInRange and @IndexedPagingOffset, FolderId/@Id,
 * MimeContent (decoded while it streams), and each response message's
 * ResponseClass, ResponseCode and MessageText.
 */

#include "mail-source.h"
#include "printgate/log.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BATCH_MAX     100               /* Items per round */
#define PAGE_SIZE     50                /* Items per FindItem page */
#define PAGES_MAX     20
#define ANSWER_MAX    (4 * 1024 * 1024) /* Bytes of an answer other than GetItem */
#define DEPTH_MAX     64
#define ID_MAX        512               /* Bytes of an ItemId or FolderId */

typedef struct ews_item_s
{
  char   id[ID_MAX];
  size_t size;                          /* item:Size, 0 = not given */
} ews_item_t;

typedef struct ews_answer_s             /* What an answer held */
{
  int         depth;
  bool        bad;                      /* Not parseable, too deep, DOCTYPE */
  bool        error;                    /* A response message was not Success */
  char        code[64];                 /* Its ResponseCode */
  char        text[160];                /* Its MessageText */
  int         in;                       /* The element whose text is kept (IN_*) */
  ews_item_t *items;                    /* FindItem: ids and sizes */
  int         nitems, maxitems;
  bool        last;                     /* IncludesLastItemInRange */
  int         next_offset;              /* IndexedPagingOffset */
  char        folder_id[ID_MAX];        /* FindFolder / CreateFolder */
  char       *mime;                     /* GetItem: decoded message */
  size_t      mime_len, mime_max;
  bool        mime_too_large;
  unsigned    b64_acc;                  /* Base64 decoder state */
  int         b64_bits;
  char        num[24];                  /* Size text */
} ews_answer_t;

enum { IN_NONE, IN_CODE, IN_TEXT, IN_SIZE, IN_MIME };

typedef struct ews_s                    /* The source's state */
{
  gw_mail_source_t *src;
  char              url[600];
  char              folder_id[2][ID_MAX];       /* Printed, Rejected */
  ews_item_t        items[BATCH_MAX];
  int               nitems;
  gw_mail_round_t   rc;                 /* How the last mark of an item from the window went */
} ews_t;


/*
 * 'local_name()' - "namespace|Local" (expat with namespaces) to "Local".
 */

static const char *
local_name(const char *name)
{
  const char *bar = strrchr(name, '|');

  return (bar ? bar + 1 : name);
}


/*
 * 'b64_feed()' - Decode base64 text as it streams (white space and '='
 *                padding skipped, any other byte makes the answer bad);
 *                bounded by mime_max.
 */

static void
b64_feed(ews_answer_t *a, const char *s, int len)
{
  for (int i = 0; i < len && !a->mime_too_large; i ++)
  {
    unsigned char c = (unsigned char)s[i];
    int           v;

    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else
    {
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '=')
        a->bad = true;
      continue;
    }
    a->b64_acc   = (a->b64_acc << 6) | (unsigned)v;
    a->b64_bits += 6;
    if (a->b64_bits >= 8)
    {
      a->b64_bits -= 8;
      if (a->mime_len >= a->mime_max)
      {
        a->mime_too_large = true;
        return;
      }
      a->mime[a->mime_len ++] = (char)((a->b64_acc >> a->b64_bits) & 0xff);
    }
  }
}


/*
 * 'id_ok()' - An Exchange id: base64 (it goes back into our XML).
 */

static bool
id_ok(const char *v)
{
  size_t len = strlen(v);

  return (len > 0 && len < ID_MAX && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_") == len);
}


/*
 * 'start_cb()' - An element opens.
 */

static void XMLCALL
start_cb(void *data, const XML_Char *name, const XML_Char **attrs)
{
  ews_answer_t *a = (ews_answer_t *)data;
  const char   *n = local_name(name);

  if (++ a->depth > DEPTH_MAX)
  {
    a->bad = true;
    return;
  }
  a->in = IN_NONE;
  for (int i = 0; attrs[i]; i += 2)
  {
    const char *an = local_name(attrs[i]), *v = attrs[i + 1];

    if (!strcmp(an, "ResponseClass") && strcmp(v, "Success"))
      a->error = true;
    else if (!strcmp(n, "ItemId") && !strcmp(an, "Id") && a->items && a->nitems < a->maxitems && id_ok(v))
    {
      snprintf(a->items[a->nitems].id, ID_MAX, "%s", v);
      a->items[a->nitems ++].size = 0;
    }
    else if (!strcmp(n, "RootFolder") && !strcmp(an, "IncludesLastItemInRange"))
      a->last = !strcmp(v, "true");
    else if (!strcmp(n, "RootFolder") && !strcmp(an, "IndexedPagingOffset"))
      a->next_offset = (int)strtol(v, NULL, 10);
    else if (!strcmp(n, "FolderId") && !strcmp(an, "Id") && !a->folder_id[0] && id_ok(v))
      snprintf(a->folder_id, sizeof(a->folder_id), "%s", v);
  }
  if (!strcmp(n, "ResponseCode"))
    a->in = IN_CODE, a->code[0] = '\0';
  else if (!strcmp(n, "MessageText"))
    a->in = IN_TEXT, a->text[0] = '\0';
  else if (!strcmp(n, "Size"))
    a->in = IN_SIZE, a->num[0] = '\0';
  else if (!strcmp(n, "MimeContent") && a->mime)
    a->in = IN_MIME;
}


/*
 * 'end_cb()' - An element closes.
 */

static void XMLCALL
end_cb(void *data, const XML_Char *name)
{
  ews_answer_t *a = (ews_answer_t *)data;

  (void)name;
  if (a->in == IN_SIZE && a->nitems > 0)
    a->items[a->nitems - 1].size = (size_t)strtoull(a->num, NULL, 10);
  a->in = IN_NONE;
  a->depth --;
}


/*
 * 'text_cb()' - Character data of the kept elements.
 */

static void XMLCALL
text_cb(void *data, const XML_Char *s, int len)
{
  ews_answer_t *a = (ews_answer_t *)data;
  char         *buf = a->in == IN_CODE ? a->code : a->in == IN_TEXT ? a->text : a->in == IN_SIZE ? a->num : NULL;
  size_t        size = a->in == IN_CODE ? sizeof(a->code) : a->in == IN_TEXT ? sizeof(a->text) : sizeof(a->num);

  if (a->in == IN_MIME)
    b64_feed(a, s, len);
  else if (buf)
  {
    size_t cur = strlen(buf), n = (size_t)len < size - 1 - cur ? (size_t)len : size - 1 - cur;

    memcpy(buf + cur, s, n);
    buf[cur + n] = '\0';
  }
}


/*
 * 'doctype_cb()' - A DOCTYPE (entities): refused.
 */

static void XMLCALL
doctype_cb(void *data, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid, int has_internal)
{
  (void)name; (void)sysid; (void)pubid; (void)has_internal;
  ((ews_answer_t *)data)->bad = true;
}


/*
 * 'parse_answer()' - Read a SOAP answer into a; false when it is not one.
 */

static bool
parse_answer(const gw_mail_http_t *resp, ews_answer_t *a)
{
  XML_Parser p = XML_ParserCreateNS(NULL, '|');
  bool       ok;

  if (!p || !resp->body)
  {
    if (p)
      XML_ParserFree(p);
    return (false);
  }
  XML_SetUserData(p, a);
  XML_SetElementHandler(p, start_cb, end_cb);
  XML_SetCharacterDataHandler(p, text_cb);
  XML_SetStartDoctypeDeclHandler(p, doctype_cb);
  ok = XML_Parse(p, resp->body, (int)resp->len, 1) == XML_STATUS_OK && !a->bad;
  XML_ParserFree(p);

  return (ok);
}


/*
 * 'ews_call()' - POST one SOAP request and read its answer.  A SOAP error
 *                (ResponseClass Error or Warning) fails the call, logged.
 */

static gw_mail_round_t
ews_call(ews_t *e, const char *op, const char *request, size_t max, ews_answer_t *a)
{
  gw_mail_source_t *src = e->src;
  gw_mail_http_t    resp;
  gw_mail_round_t   rc;
  char             *soap;
  size_t            size = strlen(request) + 2048;
  bool              ok;

  if ((soap = malloc(size)) == NULL)
    return (GW_MAIL_ROUND_FAIL);
  snprintf(soap, size,
           "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
           "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" "
           "xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\" "
           "xmlns:m=\"http://schemas.microsoft.com/exchange/services/2006/messages\">"
           "<soap:Header><t:RequestServerVersion Version=\"Exchange2013_SP1\"/>%s%s%s</soap:Header>"
           "<soap:Body>%s</soap:Body></soap:Envelope>",
           src->auth == GW_MAIL_AUTH_OAUTH2 ? "<t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>" : "",
           src->auth == GW_MAIL_AUTH_OAUTH2 ? src->user : "",
           src->auth == GW_MAIL_AUTH_OAUTH2 ? "</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>" : "", request);
  rc = _gwMailHttpCall(src, "POST", e->url, "text/xml; charset=utf-8", soap, max, &resp);
  free(soap);
  if (rc != GW_MAIL_ROUND_OK)
  {
    a->mime_too_large = a->mime_too_large || resp.too_large;
    return (rc);
  }
  ok = parse_answer(&resp, a);
  _gwMailHttpFree(&resp);
  if (!ok)
  {
    _gwMailHealthError(src, 0, false, "the answer to %s is not EWS's SOAP; trying again later.", op);
    return (GW_MAIL_ROUND_FAIL);
  }
  if (a->error)
  {
    _gwMailHealthError(src, 0, false, "%s failed: %.60s %.150s; trying again later.", op, a->code, a->text);
    return (GW_MAIL_ROUND_FAIL);
  }

  return (GW_MAIL_ROUND_OK);
}


/*
 * 'folder_xml()' - The folder (distinguished id), with the mailbox when
 *                  impersonating.
 */

static void
folder_xml(ews_t *e, const char *id, char *out, size_t size)
{
  if (e->src->auth == GW_MAIL_AUTH_OAUTH2)
    snprintf(out, size, "<t:DistinguishedFolderId Id=\"%s\"><t:Mailbox><t:EmailAddress>%s</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>", id, e->src->user);
  else
    snprintf(out, size, "<t:DistinguishedFolderId Id=\"%s\"/>", id);
}


/*
 * 'find_unread()' - FindItem, every page (bounded).
 */

static gw_mail_round_t
find_unread(ews_t *e)
{
  char            req[2048], folder[700];
  gw_mail_round_t rc = GW_MAIL_ROUND_OK;
  int             offset = 0;

  folder_xml(e, e->src->folder, folder, sizeof(folder));
  e->nitems = 0;
  for (int page = 0; page < PAGES_MAX && e->nitems < BATCH_MAX; page ++)
  {
    ews_answer_t a;

    memset(&a, 0, sizeof(a));
    a.items    = e->items + e->nitems;
    a.maxitems = BATCH_MAX - e->nitems;
    snprintf(req, sizeof(req),
             "<m:FindItem Traversal=\"Shallow\"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>"
             "<t:AdditionalProperties><t:FieldURI FieldURI=\"item:Size\"/></t:AdditionalProperties></m:ItemShape>"
             "<m:IndexedPageItemView MaxEntriesReturned=\"%d\" Offset=\"%d\" BasePoint=\"Beginning\"/>"
             "<m:Restriction><t:IsEqualTo><t:FieldURI FieldURI=\"message:IsRead\"/>"
             "<t:FieldURIOrConstant><t:Constant Value=\"false\"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>"
             "<m:ParentFolderIds>%s</m:ParentFolderIds></m:FindItem>", PAGE_SIZE, offset, folder);
    if ((rc = ews_call(e, "FindItem", req, ANSWER_MAX, &a)) != GW_MAIL_ROUND_OK)
      return (rc);
    e->nitems += a.nitems;
    if (a.last || a.nitems == 0 || a.next_offset <= offset)
      break;
    offset = a.next_offset;
  }

  return (rc);
}


/*
 * 'find_folder()' - The id of a folder under msgfolderroot by display name;
 *                   made when missing.
 */

static gw_mail_round_t
find_folder(ews_t *e, const char *name, char *id, size_t idsize)
{
  char            req[2048], root[700];
  ews_answer_t    a;
  gw_mail_round_t rc;

  folder_xml(e, "msgfolderroot", root, sizeof(root));
  memset(&a, 0, sizeof(a));
  snprintf(req, sizeof(req),
           "<m:FindFolder Traversal=\"Shallow\"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
           "<m:Restriction><t:IsEqualTo><t:FieldURI FieldURI=\"folder:DisplayName\"/>"
           "<t:FieldURIOrConstant><t:Constant Value=\"%s\"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>"
           "<m:ParentFolderIds>%s</m:ParentFolderIds></m:FindFolder>", name, root);
  if ((rc = ews_call(e, "FindFolder", req, ANSWER_MAX, &a)) != GW_MAIL_ROUND_OK)
    return (rc);
  if (!a.folder_id[0])
  {
    memset(&a, 0, sizeof(a));
    snprintf(req, sizeof(req),
             "<m:CreateFolder><m:ParentFolderId>%s</m:ParentFolderId>"
             "<m:Folders><t:Folder><t:DisplayName>%s</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>", root, name);
    if ((rc = ews_call(e, "CreateFolder", req, ANSWER_MAX, &a)) != GW_MAIL_ROUND_OK)
      return (rc);
    gwLog(gwSystemGetLog(e->src->sys), GW_LOG_INFO, "Mail source %s: made the folder \"%s\".", e->src->name, name);
  }
  snprintf(id, idsize, "%s", a.folder_id);

  return (id[0] ? GW_MAIL_ROUND_OK : GW_MAIL_ROUND_FAIL);
}


/*
 * 'item_done()' - After the commit: IsRead, then MoveItem (or DeleteItem).
 */

static gw_mail_round_t
item_done(ews_t *e, const char *id, bool printed)
{
  gw_mail_source_t *src = e->src;
  char              req[2048];
  ews_answer_t      a;
  gw_mail_round_t   rc;
  int               which = printed ? 0 : 1;

  memset(&a, 0, sizeof(a));
  if (!strcmp(src->done, "delete"))
  {
    snprintf(req, sizeof(req), "<m:DeleteItem DeleteType=\"MoveToDeletedItems\"><m:ItemIds><t:ItemId Id=\"%s\"/></m:ItemIds></m:DeleteItem>", id);
    return (ews_call(e, "DeleteItem", req, ANSWER_MAX, &a));
  }
  snprintf(req, sizeof(req),
           "<m:UpdateItem MessageDisposition=\"SaveOnly\" ConflictResolution=\"AlwaysOverwrite\"><m:ItemChanges><t:ItemChange>"
           "<t:ItemId Id=\"%s\"/><t:Updates><t:SetItemField><t:FieldURI FieldURI=\"message:IsRead\"/>"
           "<t:Message><t:IsRead>true</t:IsRead></t:Message></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>", id);
  if ((rc = ews_call(e, "UpdateItem", req, ANSWER_MAX, &a)) != GW_MAIL_ROUND_OK || strcmp(src->done, "move"))
    return (rc);

  if (!e->folder_id[which][0] && (rc = find_folder(e, printed ? src->printed : src->rejected, e->folder_id[which], sizeof(e->folder_id[which]))) != GW_MAIL_ROUND_OK)
    return (rc);
  memset(&a, 0, sizeof(a));
  snprintf(req, sizeof(req), "<m:MoveItem><m:ToFolderId><t:FolderId Id=\"%s\"/></m:ToFolderId><m:ItemIds><t:ItemId Id=\"%s\"/></m:ItemIds></m:MoveItem>", e->folder_id[which], id);

  return (ews_call(e, "MoveItem", req, ANSWER_MAX, &a));
}


/*
 * 'ews_done_cb()' - The window's callback: an item is done (tag: the
 *                   item), IsRead and MoveItem.  false = the round ends.
 */

static bool
ews_done_cb(void *data, const char *key, void *tag, gw_mail_done_t done)
{
  ews_t *e = (ews_t *)data;

  (void)key;
  e->rc = item_done(e, ((const ews_item_t *)tag)->id, done == GW_MAIL_DONE_PRINTED);

  return (e->rc == GW_MAIL_ROUND_OK);
}


/*
 * 'take_item()' - One item: size, GetItem with its MIME, intake (its mark
 *                 comes when it is done: at once, or from the window).
 */

static gw_mail_round_t
take_item(ews_t *e, ews_item_t *item)
{
  gw_mail_source_t *src = e->src;
  char              req[1024], key[40];
  ews_answer_t      a;
  gw_mail_round_t   rc;
  gw_mail_done_t    done;
  size_t            cap = src->limits.max_message;

  if (!_gwMailWindowRoom(src, ews_done_cb, e))
    return (e->rc != GW_MAIL_ROUND_OK ? e->rc : GW_MAIL_ROUND_STOP);
  _gwMailIdKey(item->id, key, sizeof(key));
  if (item->size > cap)
  {
    _gwMailIntakeTooLarge(src, key, item->size);
    return (item_done(e, item->id, false));
  }

  memset(&a, 0, sizeof(a));
  a.mime_max = cap;
  if ((a.mime = malloc(cap + 1)) == NULL)
    return (GW_MAIL_ROUND_FAIL);
  snprintf(req, sizeof(req),
           "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent></m:ItemShape>"
           "<m:ItemIds><t:ItemId Id=\"%s\"/></m:ItemIds></m:GetItem>", item->id);
  /* base64 is 4/3 of the message, plus the envelope */
  rc = ews_call(e, "GetItem", req, cap / 3 * 4 + 65536, &a);
  if (a.mime_too_large)
  {
    free(a.mime);
    _gwMailIntakeTooLarge(src, key, cap + 1);
    return (item_done(e, item->id, false));
  }
  if (rc != GW_MAIL_ROUND_OK || a.mime_len == 0)
  {
    free(a.mime);
    if (rc == GW_MAIL_ROUND_OK)
      _gwMailHealthError(src, 0, false, "GetItem returned no MimeContent; trying again later.");
    return (rc == GW_MAIL_ROUND_OK ? GW_MAIL_ROUND_FAIL : rc);
  }
  a.mime[a.mime_len] = '\0';
  done = _gwMailIntake(src, key, a.mime, a.mime_len, item);
  free(a.mime);
  if (done == GW_MAIL_RETRY || done == GW_MAIL_IN_FLIGHT)
    return (GW_MAIL_ROUND_OK);

  return (item_done(e, item->id, done == GW_MAIL_DONE_PRINTED));
}


/*
 * 'ews_round()' - One FindItem listing and every item in it (those in
 *                 flight done before the next listing).
 */

static gw_mail_round_t
ews_round(void *data)
{
  ews_t          *e = (ews_t *)data;
  gw_mail_round_t rc = find_unread(e);
  unsigned        taken = e->src->taken;

  e->rc = GW_MAIL_ROUND_OK;
  for (int i = 0; i < e->nitems && rc == GW_MAIL_ROUND_OK && !e->src->stop; i ++)
    rc = take_item(e, e->items + i);
  /* A failed request (a cut GetItem) breaks no other: the items in flight are still done and marked. */
  if (rc != GW_MAIL_ROUND_STOP && !_gwMailWindowDrain(e->src, ews_done_cb, e) && rc == GW_MAIL_ROUND_OK)
    rc = e->rc != GW_MAIL_ROUND_OK ? e->rc : GW_MAIL_ROUND_STOP;
  _gwMailWindowAbandon(e->src);
  e->src->more = rc == GW_MAIL_ROUND_OK && e->nitems >= BATCH_MAX && e->src->taken != taken;

  return (e->src->stop ? GW_MAIL_ROUND_STOP : rc);
}


/*
 * '_gwMailEwsRun()' - The poller of an EWS source.
 */

void
_gwMailEwsRun(gw_mail_source_t *src)
{
  ews_t *e = calloc(1, sizeof(ews_t));
  char   origin[300];

  if (!e)
    return;
  e->src = src;
  _gwMailHttpOrigin(src, origin, sizeof(origin));
  snprintf(e->url, sizeof(e->url), "%.*s%s", (int)strlen(origin) - 1, origin, src->path);
  _gwMailPollLoop(src, ews_round, e);
  free(e);
}
