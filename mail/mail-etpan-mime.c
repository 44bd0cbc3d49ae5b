/*
 * mail-etpan-mime.c - the MIME walk: one parse of a whole message (libetpan's
 * mailmime_parse), then a bounded walk that lists what to print, what to
 * skip and what to refuse with a reason (docs/mail.md, "What is printed").
 *
 * The top-level header is read here (unfolded, bounded: 256 KB, 500
 * fields), the structure by libetpan, filenames by mail-filename.c.  Caps
 * (DESIGN.md section 4): the message size, the part count and the depth;
 * over one, the whole message is refused with the reason (nothing is half
 * printed).  Before libetpan recurses, the number of multipart/message
 * types in the bytes bounds its recursion.
 *
 * The parts' data point into the message buffer (which must outlive the
 * walk) or into decoded copies the walk owns.
 */

#include "mail-private.h"

#include <libetpan/libetpan.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEADER_MAX   (256 * 1024)
#define FIELDS_MAX   500
#define NESTING_SCAN 1000               /* multipart/ + message/ type words allowed in the bytes */

typedef struct mail_field_s
{
  char *name, *value;                   /* Into the header copy */
} mail_field_t;

struct _gw_mail_message_s
{
  struct mailmime  *mime;               /* libetpan's tree */
  char             *header;             /* Unfolded copy of the top-level header */
  mail_field_t      fields[FIELDS_MAX];
  int               nfields;
  char              decoded[8][1024];   /* Decoded Subject: and friends (gwMailMessageHeader) */
  char              decoded_name[8][32];
  int               ndecoded;
  char              from[256];
  gw_mail_part_t   *parts;
  int               nparts, aparts;
  char            **owned;              /* Decoded part data to free */
  int               nowned, aowned;
  char            **copies;             /* Files from a TNEF stream (malloc'd) to free */
  int               ncopies, acopies;
  gw_mail_limits_t  limits;
  int               nodes;              /* MIME nodes seen (the part cap) */
  bool              body_seen;
  int               body_index;         /* The body's part (0-based), -1 = none */
  bool              body_html;          /* It is the text rendering of an HTML part */
  int               nested;             /* Inside an attached message (its body is not ours) */
};


/*
 * 'gwMailLimitsDefault()' - DESIGN.md section 4 defaults.
 */

void
gwMailLimitsDefault(gw_mail_limits_t *limits)
{
  memset(limits, 0, sizeof(*limits));
  limits->max_message = 40 * 1024 * 1024;
  limits->max_parts   = 500;
  limits->max_depth   = 20;
  limits->tiny_image  = 10 * 1024;
}


/*
 * 'read_header()' - Copy the top-level header, unfolded, and split it into
 *                   fields.  false when it is too large.
 */

static bool
read_header(gw_mail_message_t *msg, const char *data, size_t size)
{
  size_t i, len = 0;
  char  *h, *line, *next;

  for (i = 0; i < size; i ++)
  {
    if (data[i] == '\n' && (i + 1 >= size || data[i + 1] == '\n' || (data[i + 1] == '\r' && i + 2 < size && data[i + 2] == '\n')))
      break;
    if (i >= HEADER_MAX)
      return (false);
  }
  if ((msg->header = h = malloc(i + 2)) == NULL)
    return (false);

  /* Unfold: CR goes, LF followed by white space becomes nothing. */
  for (size_t j = 0; j < i + 1 && j < size; j ++)
  {
    if (data[j] == '\r')
      continue;
    if (data[j] == '\n' && j + 1 < size && (data[j + 1] == ' ' || data[j + 1] == '\t'))
      continue;
    h[len ++] = data[j] == '\0' ? ' ' : data[j];
  }
  h[len] = '\0';

  for (line = h; line && *line && msg->nfields < FIELDS_MAX; line = next)
  {
    char *colon, *v;

    if ((next = strchr(line, '\n')) != NULL)
      *next++ = '\0';
    if ((colon = strchr(line, ':')) == NULL || colon == line)
      continue;
    *colon = '\0';
    for (v = colon + 1; *v == ' ' || *v == '\t'; v ++);
    msg->fields[msg->nfields].name  = line;
    msg->fields[msg->nfields].value = v;
    msg->nfields ++;
  }

  return (true);
}


/*
 * 'gwMailMessageHeaderN()' - The Nth field of a name, raw (unfolded).
 */

const char *
gwMailMessageHeaderN(gw_mail_message_t *msg, const char *name, int n)
{
  for (int i = 0; i < msg->nfields; i ++)
    if (!strcasecmp(msg->fields[i].name, name) && n-- == 0)
      return (msg->fields[i].value);

  return (NULL);
}


/*
 * 'gwMailMessageHeader()' - The first field of a name, RFC 2047-decoded
 *                           (bounded to 1 KB), or "".
 */

const char *
gwMailMessageHeader(gw_mail_message_t *msg, const char *name)
{
  const char *raw = gwMailMessageHeaderN(msg, name, 0);
  int         i;

  if (!raw)
    return ("");
  for (i = 0; i < msg->ndecoded; i ++)
    if (!strcasecmp(msg->decoded_name[i], name))
      return (msg->decoded[i]);
  if (msg->ndecoded >= 8)
    return (raw);

  i = msg->ndecoded ++;
  snprintf(msg->decoded_name[i], sizeof(msg->decoded_name[i]), "%s", name);
  if (!gwMailDecodeWords(raw, msg->decoded[i], sizeof(msg->decoded[i])))
    snprintf(msg->decoded[i], sizeof(msg->decoded[i]), "%.1000s", raw);

  return (msg->decoded[i]);
}


/*
 * 'parse_from()' - The From: address: inside <> if present, else the word
 *                  holding '@'; lower-cased, bounded.
 */

static void
parse_from(gw_mail_message_t *msg)
{
  const char *v = gwMailMessageHeaderN(msg, "From", 0), *lt, *start, *end;
  size_t      len = 0;

  msg->from[0] = '\0';
  if (!v || gwMailMessageHeaderN(msg, "From", 1))
    return;                             /* No From:, or two of them: nobody */

  if ((lt = strrchr(v, '<')) != NULL && strchr(lt, '>'))
  {
    start = lt + 1;
    end   = strchr(lt, '>');
  }
  else
  {
    const char *at = strchr(v, '@');

    if (!at)
      return;
    for (start = at; start > v && !isspace((unsigned char)start[-1]) && start[-1] != '"'; start --);
    for (end = at; *end && !isspace((unsigned char)*end) && *end != '"'; end ++);
  }

  for (; start < end && len + 1 < sizeof(msg->from); start ++)
  {
    if ((unsigned char)*start <= ' ' || *start == '<' || *start == '>' || *start == '"' || *start == ',')
    {
      msg->from[0] = '\0';
      return;
    }
    msg->from[len ++] = (char)tolower((unsigned char)*start);
  }
  msg->from[len] = '\0';
  if (!strchr(msg->from, '@') || strchr(msg->from, '@') != strrchr(msg->from, '@') || msg->from[0] == '@' || msg->from[len - 1] == '@')
    msg->from[0] = '\0';
}


/*
 * 'gwMailMessageFrom()' - The From: address or "".
 */

const char *
gwMailMessageFrom(gw_mail_message_t *msg)
{
  return (msg->from);
}


/*
 * 'content_type()' - "type/subtype" of a part (text/plain if none).
 */

static void
content_type(const struct mailmime_content *ct, char *buf, size_t bufsize)
{
  const char *type = "text", *sub = ct && ct->ct_subtype ? ct->ct_subtype : "plain";

  if (ct && ct->ct_type && ct->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE && ct->ct_type->tp_data.tp_discrete_type)
  {
    static const char * const names[] = { "application", "text", "image", "audio", "video", "application" };
    const struct mailmime_discrete_type *d = ct->ct_type->tp_data.tp_discrete_type;

    if (d->dt_type == MAILMIME_DISCRETE_TYPE_EXTENSION && d->dt_extension)
      type = d->dt_extension;
    else if (d->dt_type >= 0 && d->dt_type < 6)
      type = names[d->dt_type];
  }
  else if (ct && ct->ct_type && ct->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE && ct->ct_type->tp_data.tp_composite_type)
  {
    const struct mailmime_composite_type *c = ct->ct_type->tp_data.tp_composite_type;

    type = c->ct_type == MAILMIME_COMPOSITE_TYPE_MESSAGE ? "message" : c->ct_type == MAILMIME_COMPOSITE_TYPE_MULTIPART ? "multipart" : (c->ct_token ? c->ct_token : "application");
  }

  snprintf(buf, bufsize, "%s/%s", type, sub);
  for (char *p = buf; *p; p ++)       /* A token from the sender: only token characters go on */
  {
    *p = (char)tolower((unsigned char)*p);
    if (!isalnum((unsigned char)*p) && !strchr("/.+-_", *p))
      *p = '_';
  }
}


/*
 * 'part_fields()' - A part's disposition, Content-ID, filename (decoded
 *                   and cleaned) and transfer encoding.
 */

static void
part_fields(const struct mailmime *mime, bool *attachment, bool *inline_r, char *cid, size_t cidsize, char *filename, size_t filenamesize, int *encoding)
{
  gw_mail_param_t dparams[GW_MAIL_PARAM_MAX], cparams[GW_MAIL_PARAM_MAX];
  int             nd = 0, nc = 0;
  char            name[1024];
  clistiter      *it;

  *attachment = *inline_r = false;
  *cid        = '\0';
  *encoding   = MAILMIME_MECHANISM_7BIT;
  *filename   = '\0';

  if (mime->mm_mime_fields)
  {
    for (it = clist_begin(mime->mm_mime_fields->fld_list); it; it = clist_next(it))
    {
      struct mailmime_field *f = clist_content(it);

      if (f->fld_type == MAILMIME_FIELD_ID && f->fld_data.fld_id)
        snprintf(cid, cidsize, "%s", f->fld_data.fld_id[0] ? f->fld_data.fld_id : "-");
      else if (f->fld_type == MAILMIME_FIELD_TRANSFER_ENCODING && f->fld_data.fld_encoding)
        *encoding = f->fld_data.fld_encoding->enc_type;
      else if (f->fld_type == MAILMIME_FIELD_DISPOSITION && f->fld_data.fld_disposition)
      {
        struct mailmime_disposition *d = f->fld_data.fld_disposition;

        if (d->dsp_type)
        {
          *attachment = d->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_ATTACHMENT;
          *inline_r   = d->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_INLINE;
        }
        for (clistiter *p = clist_begin(d->dsp_parms); p && nd < GW_MAIL_PARAM_MAX; p = clist_next(p))
        {
          struct mailmime_disposition_parm *parm = clist_content(p);

          if (parm->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME && parm->pa_data.pa_filename)
          {
            dparams[nd].name    = "filename";
            dparams[nd ++].value = parm->pa_data.pa_filename;
          }
          else if (parm->pa_type == MAILMIME_DISPOSITION_PARM_PARAMETER && parm->pa_data.pa_parameter)
          {
            dparams[nd].name    = parm->pa_data.pa_parameter->pa_name;
            dparams[nd ++].value = parm->pa_data.pa_parameter->pa_value;
          }
        }
      }
    }
  }

  if (mime->mm_content_type)
  {
    for (it = clist_begin(mime->mm_content_type->ct_parameters); it && nc < GW_MAIL_PARAM_MAX; it = clist_next(it))
    {
      struct mailmime_parameter *p = clist_content(it);

      cparams[nc].name    = p->pa_name;
      cparams[nc ++].value = p->pa_value;
    }
  }

  if (gwMailParamDecode(dparams, nd, "filename", name, sizeof(name)) || gwMailParamDecode(cparams, nc, "name", name, sizeof(name)))
    gwMailFilenameClean(name, filename, filenamesize);
}


/*
 * 'add_part()' - Append a part to the list; NULL when out of memory.
 */

static gw_mail_part_t *
add_part(gw_mail_message_t *msg, gw_mail_part_kind_t kind, const char *filename, const char *type, const char *why)
{
  gw_mail_part_t *p;

  if (msg->nparts >= msg->aparts)
  {
    int             n = msg->aparts ? msg->aparts * 2 : 8;
    gw_mail_part_t *np = realloc(msg->parts, (size_t)n * sizeof(gw_mail_part_t));

    if (!np)
      return (NULL);
    msg->parts  = np;
    msg->aparts = n;
  }
  p = msg->parts + msg->nparts ++;
  memset(p, 0, sizeof(*p));
  p->kind  = kind;
  p->index = msg->nparts;
  snprintf(p->filename, sizeof(p->filename), "%s", filename);
  snprintf(p->type, sizeof(p->type), "%s", type);
  snprintf(p->why, sizeof(p->why), "%s", why ? why : "");

  return (p);
}


/*
 * 'part_data()' - The decoded bytes of a single part (owned by msg when
 *                 decoded).  false when it cannot be decoded.
 */

static bool
part_data(gw_mail_message_t *msg, const struct mailmime *mime, int encoding, const char **data, size_t *size)
{
  const struct mailmime_data *d = mime->mm_data.mm_single;
  char                       *out = NULL;
  size_t                      idx = 0, outlen = 0;

  *data = "";
  *size = 0;
  if (!d || d->dt_type != MAILMIME_DATA_TEXT)
    return (false);
  if (encoding != MAILMIME_MECHANISM_BASE64 && encoding != MAILMIME_MECHANISM_QUOTED_PRINTABLE)
  {
    *data = d->dt_data.dt_text.dt_data;
    *size = d->dt_data.dt_text.dt_length;
    return (true);
  }
  if (mailmime_part_parse(d->dt_data.dt_text.dt_data, d->dt_data.dt_text.dt_length, &idx, encoding, &out, &outlen) != MAILIMF_NO_ERROR)
    return (false);
  if (msg->nowned >= msg->aowned)
  {
    int    n = msg->aowned ? msg->aowned * 2 : 8;
    char **no = realloc(msg->owned, (size_t)n * sizeof(char *));

    if (!no)
    {
      mailmime_decoded_part_free(out);
      return (false);
    }
    msg->owned  = no;
    msg->aowned = n;
  }
  msg->owned[msg->nowned ++] = out;
  *data = out;
  *size = outlen;

  return (true);
}


/*
 * 'own_copy()' - Keep a malloc'd buffer until the message is freed.
 */

static bool
own_copy(gw_mail_message_t *msg, char *copy)
{
  if (msg->ncopies >= msg->acopies)
  {
    int    n = msg->acopies ? msg->acopies * 2 : 8;
    char **nc = realloc(msg->copies, (size_t)n * sizeof(char *));

    if (!nc)
    {
      free(copy);
      return (false);
    }
    msg->copies  = nc;
    msg->acopies = n;
  }
  msg->copies[msg->ncopies ++] = copy;

  return (true);
}


/*
 * 'tnef_file()' - gwMailTnefUnpack callback: one file becomes an
 *                 attachment (a copy the message owns).
 */

static bool
tnef_file(void *ctx, const char *filename, const char *data, size_t size)
{
  gw_mail_message_t *msg = (gw_mail_message_t *)ctx;
  gw_mail_part_t    *p;
  char              *copy;

  if ((copy = malloc(size ? size : 1)) == NULL)
    return (false);
  memcpy(copy, data, size);
  if (!own_copy(msg, copy))
    return (false);
  if ((p = add_part(msg, GW_MAIL_PART_ATTACHMENT, filename, "application/octet-stream", NULL)) == NULL)
    return (false);
  p->data = copy;
  p->size = size;

  return (true);
}


/*
 * 'walk_tnef()' - A winmail.dat: each file inside is an attachment,
 *                 within what is left of the part cap; a stream that
 *                 cannot be read is one refused part (none of its files).
 */

static bool
walk_tnef(gw_mail_message_t *msg, const char *label, const char *type, const char *data, size_t size)
{
  int  before = msg->nparts, left = msg->limits.max_parts - msg->nodes, n;
  char why[200], sentence[400];

  n = gwMailTnefUnpack(data, size, left > 0 ? left : 0, msg->limits.max_message, tnef_file, msg, why, sizeof(why));
  if (n >= 0)
  {
    msg->nodes += n;
    return (true);
  }

  msg->nparts = before;                 /* Nothing of it is taken (the copies are freed with msg) */
  snprintf(sentence, sizeof(sentence), "Outlook rich-text attachments (winmail.dat) cannot be printed: %s; ask the sender to send the files as normal attachments (not \"Rich Text\")", why);

  return (add_part(msg, GW_MAIL_PART_REFUSED, label, type, sentence) != NULL);
}


/*
 * 'html_body()' - An HTML body: its text rendering (gwMailHtmlToText,
 *                 after the charset is made UTF-8) is the body, as
 *                 text/plain; the UTF-8 HTML is kept for the Office pool
 *                 (gwMailMessageBodyHtml).  false when out of memory.
 */

static bool
html_body(gw_mail_message_t *msg, const struct mailmime *mime, const char *data, size_t size)
{
  const char     *charset = NULL, *html = data;
  char           *utf8 = NULL, *text;
  size_t          hsize = size;
  gw_mail_part_t *p;

  for (clistiter *it = mime->mm_content_type ? clist_begin(mime->mm_content_type->ct_parameters) : NULL; it; it = clist_next(it))
  {
    struct mailmime_parameter *param = clist_content(it);

    if (param->pa_name && param->pa_value && !strcasecmp(param->pa_name, "charset"))
      charset = param->pa_value;
  }
  if (charset && strcasecmp(charset, "utf-8") && strcasecmp(charset, "us-ascii") && (utf8 = malloc(4 * size + 16)) != NULL &&
      gwMailCharsetDecode(charset, data, size, utf8, 4 * size + 16))
  {
    html  = utf8;
    hsize = strlen(utf8);
  }
  if ((text = malloc(gwMailHtmlTextSize(hsize))) == NULL || !own_copy(msg, text))
  {
    free(utf8);
    return (false);
  }
  size = gwMailHtmlToText(html, hsize, text, gwMailHtmlTextSize(hsize));
  if (utf8 && !own_copy(msg, utf8))
    return (false);
  if ((p = add_part(msg, GW_MAIL_PART_BODY, "message body", "text/plain", NULL)) == NULL)
    return (false);
  p->data         = text;
  p->size         = size;
  p->html         = html;
  p->html_size    = hsize;
  msg->body_index = msg->nparts - 1;
  msg->body_html  = true;

  return (true);
}


/*
 * 'cid_part()' - gwMailHtmlClean callback: the part with that Content-ID.
 */

static bool
cid_part(void *ctx, const char *cid, const char **type, const char **data, size_t *size)
{
  gw_mail_message_t *msg = (gw_mail_message_t *)ctx;

  for (int i = 0; i < msg->nparts; i ++)
  {
    const gw_mail_part_t *p = msg->parts + i;

    if (p->cid[0] && !strcmp(p->cid, cid) && p->kind != GW_MAIL_PART_BODY)
    {
      *type = p->type;
      *data = p->data;
      *size = p->size;
      return (true);
    }
  }

  return (false);
}


/*
 * 'gwMailMessageBodyHtml()' - The HTML body as a page to convert: its own
 *                             cid: pictures inlined, nothing remote.
 */

char *
gwMailMessageBodyHtml(gw_mail_message_t *msg, size_t *outlen)
{
  const gw_mail_part_t *body = msg->body_index >= 0 && msg->body_index < msg->nparts ? msg->parts + msg->body_index : NULL;

  if (!body || body->kind != GW_MAIL_PART_BODY || !body->html)
    return (NULL);

  return (gwMailHtmlClean(body->html, body->html_size, cid_part, msg, outlen));
}


/*
 * 'walk_single()' - Classify one leaf part.
 */

static bool
walk_single(gw_mail_message_t *msg, const struct mailmime *mime)
{
  char            type[96], filename[GW_MAIL_FILENAME_MAX + 1], label[GW_MAIL_FILENAME_MAX + 1];
  bool            attachment, is_inline, has_cid;
  char            cid[128];
  int             encoding;
  const char     *data;
  size_t          size;
  gw_mail_part_t *p;

  content_type(mime->mm_content_type, type, sizeof(type));
  part_fields(mime, &attachment, &is_inline, cid, sizeof(cid), filename, sizeof(filename), &encoding);
  has_cid = cid[0] != '\0';
  snprintf(label, sizeof(label), "%s", filename[0] ? filename : type);

  if (!part_data(msg, mime, encoding, &data, &size))
    return (add_part(msg, GW_MAIL_PART_REFUSED, label, type, "the attachment's encoding is damaged; send it again") != NULL);

  if (!strncmp(type, "text/", 5) && !attachment && !filename[0])
  {
    /* The body: the first text part, but a text/plain one over an HTML one. */
    if (msg->body_seen && !(msg->body_html && !msg->nested && !strcmp(type, "text/plain")))
      return (add_part(msg, GW_MAIL_PART_SKIPPED, label, type, "another form of the body") != NULL);
    if (msg->body_seen)
    {
      msg->parts[msg->body_index].kind = GW_MAIL_PART_SKIPPED;
      snprintf(msg->parts[msg->body_index].why, sizeof(msg->parts[msg->body_index].why), "another form of the body");
    }
    msg->body_seen = true;
    msg->body_html = false;
    if (!strcmp(type, "text/html"))
      return (html_body(msg, mime, data, size));
    p = add_part(msg, GW_MAIL_PART_BODY, "message body", type, NULL);
    msg->body_index = msg->nparts - 1;
  }
  else if (!strncmp(type, "image/", 6) && !attachment && (has_cid || is_inline || size < msg->limits.tiny_image))
    p = add_part(msg, GW_MAIL_PART_SKIPPED, label, type, has_cid ? "an image inside the message (cid:)" : "a small inline image (a signature logo)");
  else if (!strcasecmp(type, "application/ms-tnef") || !strcasecmp(type, "application/vnd.ms-tnef") || !strcasecmp(filename, "winmail.dat"))
    return (walk_tnef(msg, label, type, data, size));
  else if (!strcmp(type, "application/pkcs7-signature") || !strcmp(type, "application/pgp-signature") || !strcmp(type, "application/x-pkcs7-signature"))
    p = add_part(msg, GW_MAIL_PART_SKIPPED, label, type, "a signature");
  else
    p = add_part(msg, GW_MAIL_PART_ATTACHMENT, filename[0] ? filename : "attachment", type, NULL);

  if (!p)
    return (false);
  p->data = data;
  p->size = size;
  snprintf(p->cid, sizeof(p->cid), "%s", cid);

  return (true);
}


/*
 * 'walk()' - Walk a node: multipart children, an attached message (walked
 *            or kept whole, by policy), or a leaf.  false with why set
 *            when a cap is hit (the message is refused).
 */

static bool
walk(gw_mail_message_t *msg, const struct mailmime *mime, int depth, char *why, size_t whysize)
{
  if (++ msg->nodes > msg->limits.max_parts)
  {
    snprintf(why, whysize, "the message has more than %d parts, the most this gateway reads; send the files in fewer, simpler messages", msg->limits.max_parts);
    return (false);
  }
  if (depth > msg->limits.max_depth)
  {
    snprintf(why, whysize, "the message is nested more than %d levels deep, the most this gateway reads; forward the files themselves", msg->limits.max_depth);
    return (false);
  }

  switch (mime->mm_type)
  {
    case MAILMIME_MULTIPLE :
        for (clistiter *it = clist_begin(mime->mm_data.mm_multipart.mm_mp_list); it; it = clist_next(it))
          if (!walk(msg, clist_content(it), depth + 1, why, whysize))
            return (false);
        return (true);

    case MAILMIME_MESSAGE :
        if (depth > 0 && msg->limits.rfc822_as_document)
        {
          gw_mail_part_t *p = add_part(msg, GW_MAIL_PART_ATTACHMENT, "attached message.eml", "message/rfc822", NULL);

          if (!p)
            return (false);
          p->data = mime->mm_mime_start;
          p->size = mime->mm_length;
          return (true);
        }
        if (!mime->mm_data.mm_message.mm_msg_mime)
          return (true);
        {
          bool saved = msg->body_seen;  /* An attached message's body is not ours */

          if (depth > 0)
            msg->body_seen = true, msg->nested ++;
          if (!walk(msg, mime->mm_data.mm_message.mm_msg_mime, depth + 1, why, whysize))
            return (false);
          msg->body_seen = saved;
          if (depth > 0)
            msg->nested --;
        }
        return (true);

    default :
        if (!walk_single(msg, mime))
        {
          snprintf(why, whysize, "the gateway ran out of memory reading the message; it will try again");
          return (false);
        }
        return (true);
  }
}


/*
 * 'nesting_words()' - How many times "multipart/" or "message/" appear
 *                     (case-insensitive): an upper bound on the nesting
 *                     libetpan will recurse through.
 */

static int
nesting_words(const char *data, size_t size)
{
  int n = 0;

  for (size_t i = 0; i + 8 <= size; i ++)
  {
    if ((data[i] | 0x20) != 'm')
      continue;
    if ((i + 10 <= size && !strncasecmp(data + i, "multipart/", 10)) || !strncasecmp(data + i, "message/", 8))
      n ++;
  }

  return (n);
}


/*
 * 'gwMailMessageParse()' - Parse and walk a whole message.
 */

gw_mail_message_t *
gwMailMessageParse(const char *data, size_t size, const gw_mail_limits_t *limits, char *why, size_t whysize)
{
  gw_mail_message_t *msg;
  size_t             idx = 0;

  *why = '\0';
  if (size > limits->max_message)
  {
    snprintf(why, whysize, "the message is larger than this gateway's limit of %zu MB; send fewer or smaller files per message", limits->max_message / (1024 * 1024));
    return (NULL);
  }
  if (nesting_words(data, size) > NESTING_SCAN)
  {
    snprintf(why, whysize, "the message is nested too deeply for this gateway; forward the files themselves");
    return (NULL);
  }
  if ((msg = calloc(1, sizeof(gw_mail_message_t))) == NULL)
  {
    snprintf(why, whysize, "the gateway ran out of memory reading the message; it will try again");
    return (NULL);
  }
  msg->limits     = *limits;
  msg->body_index = -1;

  if (!read_header(msg, data, size))
  {
    snprintf(why, whysize, "the message's header is larger than this gateway reads");
    gwMailMessageDelete(&msg);
    return (NULL);
  }
  parse_from(msg);

  if (mailmime_parse(data, size, &idx, &msg->mime) != MAILIMF_NO_ERROR || !msg->mime)
  {
    snprintf(why, whysize, "the message could not be read (it is not valid MIME)");
    gwMailMessageDelete(&msg);
    return (NULL);
  }

  if (!walk(msg, msg->mime, 0, why, whysize))
  {
    gwMailMessageDelete(&msg);
    return (NULL);
  }

  return (msg);
}


/*
 * 'gwMailMessageDelete()' - Free a message; NULL-safe.
 */

void
gwMailMessageDelete(gw_mail_message_t **msg)
{
  if (!msg || !*msg)
    return;
  if ((*msg)->mime)
    mailmime_free((*msg)->mime);
  for (int i = 0; i < (*msg)->nowned; i ++)
    mailmime_decoded_part_free((*msg)->owned[i]);
  free((*msg)->owned);
  for (int i = 0; i < (*msg)->ncopies; i ++)
    free((*msg)->copies[i]);
  free((*msg)->copies);
  free((*msg)->parts);
  free((*msg)->header);
  free(*msg);
  *msg = NULL;
}


int
gwMailMessagePartCount(gw_mail_message_t *msg)
{
  return (msg->nparts);
}


const gw_mail_part_t *
gwMailMessagePart(gw_mail_message_t *msg, int i)
{
  return (i >= 0 && i < msg->nparts ? msg->parts + i : NULL);
}
