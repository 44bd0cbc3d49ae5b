/*
 * server-reader.c - the bounded IPP request reader (ipp-reader.h).
 *
 * The section is appended to one buffer of at most GW_IPP_MAX_SECTION
 * bytes and checked from where the last check stopped, one whole item
 * (tag, name, value) at a time: a piece that ends inside an item waits
 * for the next piece.  Nothing recurses, so no input can exhaust the
 * stack; every count has a ceiling.
 */

#include <printgate-ipp/ipp-reader.h>

#include <cups/ipp.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct _gw_ipp_reader_s
{
  unsigned char *buf;            /* Header + attribute section so far */
  size_t         size;           /* Allocated (grows by doubling up to GW_IPP_MAX_SECTION) */
  size_t         len;            /* Bytes in buf */
  size_t         pos;            /* Next unchecked byte */
  bool           header;         /* The 8-byte header was checked */
  bool           done;           /* End-of-attributes seen */
  int            request_id;
  int            group;          /* Current group tag (0 = none yet) */
  bool           seen_operation; /* The operation group came */
  bool           have_attr;      /* An attribute to add values to (at this level) */
  bool           need_value;     /* A memberAttrName came: a value must follow */
  int            depth;          /* Collection nesting */
  int            attributes;     /* Named attributes */
  int            values;         /* All items */
  ipp_status_t   status;
  const char    *error;
};


/*
 * 'fail()' - Record why the request is refused.
 */

static gw_ipp_read_t
fail(gw_ipp_reader_t *r, ipp_status_t status, const char *error)
{
  if (!r->error)
  {
    r->status = status;
    r->error  = error;
  }
  return (GW_IPP_READ_ERROR);
}


/*
 * 'value_limit()' - Largest value length for a value tag (RFC 8011 §5.1),
 *                   or -1 when the length must be exactly *exact_r.
 */

static int
value_limit(int tag, int *exact_r)
{
  *exact_r = -1;
  if (tag < 0x20)                              /* Out-of-band: no value */
  {
    *exact_r = 0;
    return (-1);
  }

  switch (tag)
  {
    case IPP_TAG_INTEGER :
    case IPP_TAG_ENUM :
        *exact_r = 4;
        return (-1);
    case IPP_TAG_BOOLEAN :
        *exact_r = 1;
        return (-1);
    case IPP_TAG_DATE :
        *exact_r = 11;
        return (-1);
    case IPP_TAG_RESOLUTION :
        *exact_r = 9;
        return (-1);
    case IPP_TAG_RANGE :
        *exact_r = 8;
        return (-1);
    case IPP_TAG_BEGIN_COLLECTION :
    case IPP_TAG_END_COLLECTION :
        *exact_r = 0;
        return (-1);
    case IPP_TAG_NAME :
    case IPP_TAG_KEYWORD :
    case IPP_TAG_MIMETYPE :
    case IPP_TAG_MEMBERNAME :
        return (255);
    case IPP_TAG_CHARSET :
    case IPP_TAG_LANGUAGE :
    case IPP_TAG_URISCHEME :
        return (63);
    case IPP_TAG_TEXTLANG :                    /* 2 + language + 2 + text */
    case IPP_TAG_NAMELANG :
        return (4 + 63 + 1023);
    default :                                  /* text, uri, octetString, unknown */
        return (1023);
  }
}


/*
 * 'check_header()' - Check version and request-id (RFC 8011 §4.1.1, §4.1.8).
 */

static gw_ipp_read_t
check_header(gw_ipp_reader_t *r)
{
  const unsigned char *h = r->buf;

  r->request_id = (int)(((unsigned)h[4] << 24) | ((unsigned)h[5] << 16) | ((unsigned)h[6] << 8) | h[7]);
  r->header     = true;
  r->pos        = 8;

  if (h[0] < 1 || h[0] > 2 || (h[0] == 1 && h[1] > 1) || (h[0] == 2 && h[1] > 2))
    return (fail(r, IPP_STATUS_ERROR_VERSION_NOT_SUPPORTED, "This IPP version is not supported (1.0 to 2.2 are)."));
  if (r->request_id <= 0)
    return (fail(r, IPP_STATUS_ERROR_BAD_REQUEST, "The request-id must be between 1 and 2147483647."));

  return (GW_IPP_READ_MORE);
}


/*
 * 'check_group()' - A delimiter tag: a new group, or the end.
 */

static gw_ipp_read_t
check_group(gw_ipp_reader_t *r, int tag)
{
  if (r->depth > 0 || r->need_value)
    return (fail(r, IPP_STATUS_ERROR_BAD_REQUEST, "A collection is not closed."));

  if (tag == IPP_TAG_END)
  {
    if (!r->seen_operation)
      return (fail(r, IPP_STATUS_ERROR_BAD_REQUEST, "The request has no operation attributes."));
    r->done = true;
    r->pos ++;
    return (GW_IPP_READ_DONE);
  }

  if (tag == IPP_TAG_ZERO || tag == IPP_TAG_UNSUPPORTED_GROUP || tag > IPP_TAG_SYSTEM)
    return (fail(r, IPP_STATUS_ERROR_BAD_REQUEST, "The request has an invalid group tag."));
  if (tag == IPP_TAG_OPERATION && (r->seen_operation || r->group))
    return (fail(r, IPP_STATUS_ERROR_BAD_REQUEST, "The operation attributes must come first, once."));
  if (tag != IPP_TAG_OPERATION && !r->seen_operation)
    return (fail(r, IPP_STATUS_ERROR_BAD_REQUEST, "The operation attributes must come first."));

  r->seen_operation |= tag == IPP_TAG_OPERATION;
  r->group     = tag;
  r->have_attr = false;
  r->pos ++;
  return (GW_IPP_READ_MORE);
}


/*
 * 'check_value()' - One whole item at r->pos: tag, name, value.  MORE
 *                   with pos unchanged when the item is not all there.
 */

static gw_ipp_read_t
check_value(gw_ipp_reader_t *r, int tag)
{
  const unsigned char *p = r->buf + r->pos;
  size_t               avail = r->len - r->pos, namelen, valuelen;
  int                  exact, limit;

  if (!r->group)
    return (fail(r, IPP_STATUS_ERROR_BAD_REQUEST, "An attribute comes before any group."));
  if (tag == IPP_TAG_EXTENSION)
    return (fail(r, IPP_STATUS_ERROR_BAD_REQUEST, "Extension tags (0x7F) are not supported."));

  if (avail < 3)
    return (GW_IPP_READ_MORE);
  namelen = ((size_t)p[1] << 8) | p[2];
  if (namelen > 255)
    return (fail(r, IPP_STATUS_ERROR_REQUEST_VALUE, "An attribute name is longer than 255 octets."));
  if (avail < 5 + namelen)
    return (GW_IPP_READ_MORE);
  valuelen = ((size_t)p[3 + namelen] << 8) | p[4 + namelen];
  if (avail < 5 + namelen + valuelen)
    return (GW_IPP_READ_MORE);

  limit = value_limit(tag, &exact);
  if (exact >= 0 && valuelen != (size_t)exact)
    return (fail(r, IPP_STATUS_ERROR_BAD_REQUEST, "An attribute value has the wrong length for its syntax."));
  if (exact < 0 && valuelen > (size_t)limit)
    return (fail(r, IPP_STATUS_ERROR_REQUEST_VALUE, "An attribute value is longer than IPP allows for its syntax."));

  /* Structure: names at the top level, memberAttrName inside collections, each followed by a value. */
  if (r->need_value && (tag == IPP_TAG_END_COLLECTION || tag == IPP_TAG_MEMBERNAME))
    return (fail(r, IPP_STATUS_ERROR_BAD_REQUEST, "A member attribute name has no value."));
  r->need_value = tag == IPP_TAG_MEMBERNAME;

  if (tag == IPP_TAG_END_COLLECTION)
  {
    if (r->depth == 0 || namelen)
      return (fail(r, IPP_STATUS_ERROR_BAD_REQUEST, "An end of collection has no matching start."));
    r->depth --;
    r->have_attr = true;                       /* More values of a 1setOf collection may follow */
  }
  else if (tag == IPP_TAG_MEMBERNAME)
  {
    if (r->depth == 0 || namelen || valuelen == 0)
      return (fail(r, IPP_STATUS_ERROR_BAD_REQUEST, "A member attribute name is outside a collection."));
    if (++ r->attributes > GW_IPP_MAX_ATTRIBUTES)
      return (fail(r, IPP_STATUS_ERROR_REQUEST_ENTITY, "The request has too many attributes."));
    r->have_attr = true;
  }
  else
  {
    if (namelen == 0 && !r->have_attr)
      return (fail(r, IPP_STATUS_ERROR_BAD_REQUEST, "An additional value has no attribute."));
    if (namelen > 0 && r->depth > 0)
      return (fail(r, IPP_STATUS_ERROR_BAD_REQUEST, "A collection member has no member name."));
    if (namelen > 0 && ++ r->attributes > GW_IPP_MAX_ATTRIBUTES)
      return (fail(r, IPP_STATUS_ERROR_REQUEST_ENTITY, "The request has too many attributes."));
    if (tag == IPP_TAG_BEGIN_COLLECTION && ++ r->depth > GW_IPP_MAX_DEPTH)
      return (fail(r, IPP_STATUS_ERROR_BAD_REQUEST, "Collections are nested too deeply."));
    r->have_attr = tag == IPP_TAG_BEGIN_COLLECTION ? false : true;
  }

  if (++ r->values > GW_IPP_MAX_VALUES)
    return (fail(r, IPP_STATUS_ERROR_REQUEST_ENTITY, "The request has too many attribute values."));

  r->pos += 5 + namelen + valuelen;
  return (GW_IPP_READ_MORE);
}


/*
 * 'scan()' - Check every whole item that has arrived.
 */

static gw_ipp_read_t
scan(gw_ipp_reader_t *r)
{
  gw_ipp_read_t result = GW_IPP_READ_MORE;

  if (!r->header)
  {
    if (r->len < 8)
      return (GW_IPP_READ_MORE);
    if ((result = check_header(r)) != GW_IPP_READ_MORE)
      return (result);
  }

  while (r->pos < r->len && result == GW_IPP_READ_MORE)
  {
    size_t before = r->pos;
    int    tag    = r->buf[r->pos];

    result = tag < 0x10 ? check_group(r, tag) : check_value(r, tag);
    if (result == GW_IPP_READ_MORE && r->pos == before)
      break;                                   /* Item incomplete: wait */
  }

  return (result);
}


/*
 * 'gwIppReaderNew()' - Make a reader for one request.
 */

gw_ipp_reader_t *
gwIppReaderNew(void)
{
  gw_ipp_reader_t *r = calloc(1, sizeof(gw_ipp_reader_t));

  if (r && (r->buf = malloc(r->size = 4096)) == NULL)
  {
    free(r);
    r = NULL;
  }
  return (r);
}


/*
 * 'gwIppReaderDelete()' - Free a reader (NULL is fine).
 */

void
gwIppReaderDelete(gw_ipp_reader_t **reader)
{
  if (!reader || !*reader)
    return;
  free((*reader)->buf);
  free(*reader);
  *reader = NULL;
}


/*
 * 'gwIppReaderFeed()' - Take the next piece of the body.
 *
 * Only what fits in the section (GW_IPP_MAX_SECTION) is taken, in a buffer
 * that grows as needed; if the section is still not complete when it is
 * full, the request is too large.
 */

gw_ipp_read_t
gwIppReaderFeed(gw_ipp_reader_t *r, const void *buf, size_t len, size_t *used_r)
{
  size_t        take, before;
  gw_ipp_read_t result;

  *used_r = 0;
  if (r->error)
    return (GW_IPP_READ_ERROR);
  if (r->done)
    return (GW_IPP_READ_DONE);

  before = r->len;
  take   = len < GW_IPP_MAX_SECTION - r->len ? len : GW_IPP_MAX_SECTION - r->len;
  if (r->len + take > r->size)
  {
    size_t         size = r->size;
    unsigned char *grown;

    while (size < r->len + take)
      size *= 2;
    if (size > GW_IPP_MAX_SECTION)
      size = GW_IPP_MAX_SECTION;
    if ((grown = realloc(r->buf, size)) == NULL)
      return (fail(r, IPP_STATUS_ERROR_INTERNAL, "Out of memory."));
    r->buf  = grown;
    r->size = size;
  }
  memcpy(r->buf + r->len, buf, take);
  r->len += take;

  if ((result = scan(r)) == GW_IPP_READ_DONE)
  {
    *used_r = r->pos - before;                 /* The rest of this piece is document data */
    r->len  = r->pos;
    return (result);
  }

  *used_r = take;
  if (result == GW_IPP_READ_MORE && r->len == GW_IPP_MAX_SECTION)
    return (fail(r, IPP_STATUS_ERROR_REQUEST_ENTITY, "The request's attributes are larger than 256 KB."));
  return (result);
}


/*
 * 'gwIppReaderEnd()' - The body has ended.
 */

gw_ipp_read_t
gwIppReaderEnd(gw_ipp_reader_t *r)
{
  if (r->error)
    return (GW_IPP_READ_ERROR);
  if (!r->done)
    return (fail(r, IPP_STATUS_ERROR_BAD_REQUEST, "The request ended before its end-of-attributes tag."));
  return (GW_IPP_READ_DONE);
}


int          gwIppReaderStatus(gw_ipp_reader_t *r) { return (r->error ? (int)r->status : IPP_STATUS_OK); }
const char  *gwIppReaderError(gw_ipp_reader_t *r)  { return (r->error); }
int          gwIppReaderRequestId(gw_ipp_reader_t *r) { return (r->header ? r->request_id : 0); }


/*
 * 'gwIppReaderVersion()' - The request's version, when it is one we speak.
 */

int
gwIppReaderVersion(gw_ipp_reader_t *r, int *minor)
{
  *minor = r->header && r->status != IPP_STATUS_ERROR_VERSION_NOT_SUPPORTED ? r->buf[1] : 0;
  return (r->header && r->status != IPP_STATUS_ERROR_VERSION_NOT_SUPPORTED ? r->buf[0] : 0);
}


/*
 * 'read_memory()' - ippReadIO() callback over the checked section.
 */

typedef struct read_ctx_s
{
  const unsigned char *buf;
  size_t               len, pos;
} read_ctx_t;

static ssize_t
read_memory(void *data, ipp_uchar_t *buf, size_t bytes)
{
  read_ctx_t *ctx = (read_ctx_t *)data;
  size_t      n   = ctx->len - ctx->pos;

  if (n > bytes)
    n = bytes;
  memcpy(buf, ctx->buf + ctx->pos, n);
  ctx->pos += n;
  return ((ssize_t)n);
}


/*
 * 'gwIppDecodeTrusted()' - Decode a whole message with libcups (no
 *                          limits: only for what has been checked or
 *                          what we made).
 */

ipp_t *
gwIppDecodeTrusted(const void *buf, size_t len)
{
  read_ctx_t ctx = { (const unsigned char *)buf, len, 0 };
  ipp_t     *ipp;

  if ((ipp = ippNew()) != NULL && ippReadIO(&ctx, (ipp_iocb_t)read_memory, 1, NULL, ipp) != IPP_STATE_DATA)
  {
    ippDelete(ipp);
    ipp = NULL;
  }
  return (ipp);
}


/*
 * 'gwIppReaderDecode()' - Decode the checked section with libcups.
 */

ipp_t *
gwIppReaderDecode(gw_ipp_reader_t *r)
{
  ipp_t *ipp;

  if (!r->done || r->error)
    return (NULL);
  if ((ipp = gwIppDecodeTrusted(r->buf, r->len)) == NULL)
    fail(r, IPP_STATUS_ERROR_BAD_REQUEST, "The request's attributes cannot be decoded.");
  return (ipp);
}
