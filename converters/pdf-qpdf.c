/*
 * pdf-qpdf.c - PDF checks with libqpdf's C API (see pdf.h).
 *
 * This is the only file that includes libqpdf.  It answers one question:
 * "is this a PDF we can hold and send to a printer, and how many pages does
 * it have?"  The document is given in memory; nothing touches disk.
 *
 * qpdf is lenient by design: when a file is damaged it rebuilds the cross
 * reference table, treats unparsable objects as null and still counts the
 * pages it finds.  A PDF truncated in the middle of its page tree, with a
 * trailer still at the end, therefore "opens" and reports its pages, but a
 * printer would print blank or broken pages.  We are strict instead: every
 * warning qpdf raises while reading the file, walking the page tree or
 * reading the raw bytes of each page's content streams makes the document
 * CORRUPT_DOCUMENT, and the owner is told to export it again.  Content
 * streams are read without decoding (qpdf_dl_none), so a compressed bomb
 * cannot make us inflate gigabytes; the raw reads are bounded by the
 * document size, and a stream shared by many pages is read only once.
 *
 * The page tree is first walked by hand with a budget: qpdf would list
 * every page of a hostile file (a million tiny pages fit in 100 MB, and
 * qpdf keeps about 2.7 KB per page object), so the walk stops after
 * PDF_MAX_PAGES (100000, the largest MaxPagesPerJob) pages and the
 * document is reported with its own /Count, or PDF_MAX_PAGES + 1 pages,
 * for the caller to refuse as too many.
 */

#include "printgate-convert/pdf.h"
#include "pdf-color.h"

#include <qpdf/qpdf-c.h>
#include <zlib.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/*
 * Limits.
 */

#define PDF_SNIFF_BYTES   1024     /* "%PDF-" must start within this many bytes */
#define PDF_MAX_PAGES     100000   /* Pages counted exactly (the largest MaxPagesPerJob) */
#define PDF_MAX_DEPTH     256      /* Deepest page tree walked */
#define PDF_MAX_COLUMNS   1000000  /* Largest /Columns of a predictor (an image 1,000,000 pixels wide) */
#define COLOR_DEPTH_MAX   12       /* Forms in forms (and glyphs) followed for colour */
#define COLOR_GLYPHS_MAX  4096     /* Type 3 glyphs followed per font */
#define COLOR_INFLATE_MIN (64 << 20) /* Content bytes inflated for colour, at least (else 16 x the file) */


/*
 * A small set of object ids (content streams already read).
 */

typedef struct pdf_idset_s
{
  int    *ids;                     /* Open-addressing table, 0 = empty */
  size_t  size;                    /* Slots (power of two) */
  size_t  count;                   /* Used slots */
} pdf_idset_t;


/*
 * The colour scan of one document (gwPdfInspectColor()).
 */

typedef struct color_doc_s
{
  qpdf_data    q;
  bool         cmyk_grey;          /* No output intent: C = M = Y = 0 renders neutral */
  bool         prove;              /* Try to prove colour (no form fields in the document) */
  size_t       budget;             /* Content bytes we may still inflate */
  pdf_idset_t  grey, undecided;    /* Forms, glyph sets and images already judged */
} color_doc_t;

typedef struct color_ctx_s         /* One content stream being scanned */
{
  color_doc_t *doc;
  qpdf_oh      resources;
  int          depth;
} color_ctx_t;


/*
 * Local functions.
 */

static gw_pdf_shade_t color_page(color_doc_t *doc, qpdf_oh page);
static gw_pdf_shade_t color_page_safely(color_doc_t *doc, int i);
static bool read_pages(qpdf_data q, qpdf_oh root, int pages, size_t len, pdf_idset_t *seen, size_t *budget, unsigned char *grey);
static gw_pdf_shade_t color_stream(color_doc_t *doc, qpdf_oh stream, qpdf_oh resources, int depth, bool glyph);
static int  count_pages(qpdf_data q, qpdf_oh node, int depth, pdf_idset_t *nodes, int count);
static bool idset_add(pdf_idset_t *set, int id);
static bool idset_has(const pdf_idset_t *set, int id);
static bool verify_contents(qpdf_data q, qpdf_oh page, pdf_idset_t *seen, size_t *budget);
static bool verify_stream(qpdf_data q, qpdf_oh stream, pdf_idset_t *seen, size_t *budget);


/*
 * 'gwPdfSniff()' - Tell whether data starts like a PDF ("%PDF-" within the
 *                  first 1024 bytes, as PDF readers allow).
 */

bool
gwPdfSniff(const void *data, size_t len)
{
  if (!data || len < 5)
    return (false);

  if (len > PDF_SNIFF_BYTES)
    len = PDF_SNIFF_BYTES;

  return (memmem(data, len, "%PDF-", 5) != NULL);
}


/*
 * 'columns_sane()' - No predictor with absurd /Columns in the raw bytes.
 *
 * libqpdf (11.3) sizes a PNG predictor's row buffers from /Columns as
 * written: "/Columns 40000000000" in an xref stream's /DecodeParms made
 * it take 1.6 GB and 8 s on a 2.5 KB file (found by fuzz-pdf).  The
 * helper's RLIMIT_AS stops that in production; this check refuses it at
 * once.  It only sees names written plainly outside object streams (not
 * "/Col#75mns", nor a dictionary inside a compressed object stream): the
 * memory limit stays the real bound.
 */

static bool
columns_sane(const char *data, size_t len)
{
  static const char key[] = "/Columns";
  const char       *p = data, *end = data + len;

  while ((p = memmem(p, (size_t)(end - p), key, sizeof(key) - 1)) != NULL)
  {
    unsigned long long value = 0;
    int                digits = 0;

    p += sizeof(key) - 1;
    while (p < end && strchr(" \t\r\n\f", *p) && *p)
      p ++;
    if (p < end && *p == '+')
      p ++;
    for (; p < end && *p >= '0' && *p <= '9'; p ++)
    {
      if (++ digits > 12)
        return (false);
      value = value * 10 + (unsigned)(*p - '0');
    }
    if (value > PDF_MAX_COLUMNS)
      return (false);
  }

  return (true);
}


/*
 * 'precheck()' - What refuses a document before qpdf opens it: nothing
 *                (EMPTY_DOCUMENT), no "%PDF-" (UNSUPPORTED_FORMAT), an
 *                absurd predictor (CORRUPT_DOCUMENT); else NONE.
 */

static gw_reason_t
precheck(const void *data, size_t len)
{
  if (!data || len == 0)
    return (GW_REASON_EMPTY_DOCUMENT);
  if (!gwPdfSniff(data, len))
    return (GW_REASON_UNSUPPORTED_FORMAT);
  if (!columns_sane((const char *)data, len))
    return (GW_REASON_CORRUPT_DOCUMENT);

  return (GW_REASON_NONE);
}


/*
 * 'gwPdfInspect()' - Open a PDF in memory and count its pages.
 *
 * Returns true with *pages_r set, or false with *reason_r:
 * UNSUPPORTED_FORMAT (not a PDF), EMPTY_DOCUMENT (0 bytes or 0 pages),
 * PASSWORD_PROTECTED (needs a user password to open; owner-password-only
 * PDFs open and are accepted) or CORRUPT_DOCUMENT (qpdf reports an error
 * or any warning).  Thread-safe: each call has its own qpdf object.
 */

bool
gwPdfInspect(const void *data, size_t len, int *pages_r, gw_reason_t *reason_r)
{
  return (gwPdfInspectColor(data, len, pages_r, reason_r, NULL));
}


/*
 * 'gwPdfInspectColor()' - gwPdfInspect(), and with grey_r also tell which
 *                         pages certainly print without colour and which
 *                         certainly with, from the same parse: *grey_r is
 *                         a malloc'd array of one byte per page,
 *                         GW_PDF_PAGE_GREY or GW_PDF_PAGE_COLOUR when
 *                         certain (pdf-color.c), GW_PDF_PAGE_RENDER (0) =
 *                         render it to know.  NULL on failure (or when
 *                         out of memory: then every page must be rendered).
 */

bool
gwPdfInspectColor(const void *data, size_t len, int *pages_r, gw_reason_t *reason_r, unsigned char **grey_r)
{
  qpdf_data    q;
  unsigned char *grey = NULL;
  int          rc, pages;
  gw_reason_t  reason = GW_REASON_NONE;
  pdf_idset_t  seen, nodes;
  qpdf_oh      root, tree;
  size_t       budget = len;            /* Raw content bytes we are willing to read */

  if (pages_r)
    *pages_r = 0;
  if (reason_r)
    *reason_r = GW_REASON_NONE;
  if (grey_r)
    *grey_r = NULL;

  if ((reason = precheck(data, len)) != GW_REASON_NONE)
  {
    if (reason_r)
      *reason_r = reason;
    return (false);
  }

  if ((q = qpdf_init()) == NULL)
  {
    if (reason_r)
      *reason_r = GW_REASON_INTERNAL;
    return (false);
  }

  qpdf_silence_errors(q);
  qpdf_set_suppress_warnings(q, QPDF_TRUE);
  memset(&seen, 0, sizeof(seen));
  memset(&nodes, 0, sizeof(nodes));

  /*
   * Open with an empty user password: that opens unencrypted PDFs and
   * owner-password-only ones; a user password makes it fail.
   */

  rc = qpdf_read_memory(q, "document", (const char *)data, (unsigned long long)len, "");

  if (rc & QPDF_ERRORS)
  {
    qpdf_error e = qpdf_get_error(q);

    if ((e && qpdf_get_error_code(q, e) == qpdf_e_password) || qpdf_is_encrypted(q))
      reason = GW_REASON_PASSWORD_PROTECTED;
    else
      reason = GW_REASON_CORRUPT_DOCUMENT;
    goto done;
  }

  if (qpdf_more_warnings(q))
  {
    reason = GW_REASON_CORRUPT_DOCUMENT;
    goto done;
  }

  /*
   * Count the pages with a budget, then let qpdf list them and read every
   * page's content streams...
   */

  root  = qpdf_get_root(q);
  tree  = qpdf_oh_get_key(q, root, "/Pages");
  pages = count_pages(q, tree, 0, &nodes, 0);

  if (pages > PDF_MAX_PAGES)
  {
    /* Too many to list: report the document's own count (at least PDF_MAX_PAGES + 1) */
    qpdf_oh count = qpdf_oh_get_key(q, tree, "/Count");

    if (!qpdf_oh_is_integer(q, count) || qpdf_oh_get_int_value(q, count) <= PDF_MAX_PAGES || qpdf_oh_get_int_value(q, count) > INT32_MAX)
      pages = PDF_MAX_PAGES + 1;
    else
      pages = (int)qpdf_oh_get_int_value(q, count);

    if (pages_r)
      *pages_r = pages;
    goto done;
  }
  else if (pages < 0 || qpdf_more_warnings(q))
  {
    reason = GW_REASON_CORRUPT_DOCUMENT;
    goto done;
  }

  pages = qpdf_get_num_pages(q);
  if (pages < 0 || qpdf_has_error(q))
  {
    reason = GW_REASON_CORRUPT_DOCUMENT;
    goto done;
  }

  if (qpdf_more_warnings(q))
  {
    reason = GW_REASON_CORRUPT_DOCUMENT;
    goto done;
  }

  if (pages == 0)
  {
    reason = GW_REASON_EMPTY_DOCUMENT;
    goto done;
  }

  if (grey_r)
    grey = calloc((size_t)pages, 1);    /* NULL: no colour scan, every page is rendered */

  if (!read_pages(q, root, pages, len, &seen, &budget, grey))
  {
    reason = GW_REASON_CORRUPT_DOCUMENT;
    goto done;
  }

  if (pages_r)
    *pages_r = pages;
  if (grey_r)
  {
    *grey_r = grey;
    grey    = NULL;
  }

 done:
  /*
   * Take any error out of qpdf's slot first: qpdf_cleanup() writes an
   * unread one ("WARNING: application did not handle error: ...", with
   * offsets and object numbers of the user's file) to stderr, whatever
   * qpdf_silence_errors() says.  tests/fuzz/fuzz-pdf.c checks this.
   */

  if (qpdf_has_error(q))
    (void)qpdf_get_error(q);

  free(seen.ids);
  free(nodes.ids);
  free(grey);
  qpdf_cleanup(&q);

  if (reason_r)
    *reason_r = reason;

  return (reason == GW_REASON_NONE);
}


/*
 * 'count_pages()' - Count the leaves of a page tree node, stopping once the
 *                   count passes PDF_MAX_PAGES.  count is the number found
 *                   so far; returns the new count, or -1 when the tree is
 *                   broken (a node that is not a dictionary, a loop, or
 *                   deeper than PDF_MAX_DEPTH).
 *
 * Like qpdf, a node with a /Kids array is an inner node and anything else
 * a page; qpdf then lists the pages itself when the count is within limits.
 */

static int
count_pages(qpdf_data q, qpdf_oh node, int depth, pdf_idset_t *nodes, int count)
{
  qpdf_oh kids;
  int     n;

  if (depth > PDF_MAX_DEPTH || !qpdf_oh_is_dictionary(q, node) || !idset_add(nodes, qpdf_oh_get_object_id(q, node)))
    return (-1);

  kids = qpdf_oh_get_key(q, node, "/Kids");
  if (!qpdf_oh_is_array(q, kids))
  {
    qpdf_oh_release(q, kids);
    return (count + 1);                 /* A page */
  }

  n = qpdf_oh_get_array_n_items(q, kids);
  for (int i = 0; i < n && count >= 0 && count <= PDF_MAX_PAGES; i ++)
  {
    qpdf_oh kid = qpdf_oh_get_array_item(q, kids, i);

    count = count_pages(q, kid, depth + 1, nodes, count);
    qpdf_oh_release(q, kid);
  }

  qpdf_oh_release(q, kids);

  return (count);
}


/*
 * 'idset_add()' - Add an id; false if it was there already (or there is
 *                 no memory, in which case the stream is simply re-read).
 */

static bool
idset_add(pdf_idset_t *set, int id)
{
  size_t slot;

  if (id <= 0)
    return (true);

  if ((set->count + 1) * 2 > set->size)
  {
    size_t  newsize = set->size ? set->size * 2 : 64;
    int    *newids  = calloc(newsize, sizeof(int));

    if (!newids)
      return (true);

    for (size_t i = 0; i < set->size; i ++)
    {
      if (set->ids[i])
      {
        slot = ((size_t)set->ids[i] * 2654435761u) & (newsize - 1);
        while (newids[slot])
          slot = (slot + 1) & (newsize - 1);
        newids[slot] = set->ids[i];
      }
    }

    free(set->ids);
    set->ids  = newids;
    set->size = newsize;
  }

  slot = ((size_t)id * 2654435761u) & (set->size - 1);
  while (set->ids[slot])
  {
    if (set->ids[slot] == id)
      return (false);
    slot = (slot + 1) & (set->size - 1);
  }

  set->ids[slot] = id;
  set->count ++;

  return (true);
}


/*
 * 'verify_contents()' - Read the raw bytes of a page's /Contents (a stream
 *                       or an array of streams).  A page without
 *                       /Contents (or with a direct null) is a blank page,
 *                       which is valid; a reference to an object that is
 *                       not in the file is not.
 */

static bool
verify_contents(qpdf_data q, qpdf_oh page, pdf_idset_t *seen, size_t *budget)
{
  qpdf_oh contents;
  bool    ok = true;

  contents = qpdf_oh_get_key(q, page, "/Contents");

  if (qpdf_oh_is_stream(q, contents))
    ok = verify_stream(q, contents, seen, budget);
  else if (qpdf_oh_is_array(q, contents))
  {
    int n = qpdf_oh_get_array_n_items(q, contents);

    for (int i = 0; ok && i < n; i ++)
    {
      qpdf_oh item = qpdf_oh_get_array_item(q, contents, i);

      ok = qpdf_oh_is_stream(q, item) && verify_stream(q, item, seen, budget);
      qpdf_oh_release(q, item);
    }
  }
  else
    ok = qpdf_oh_is_null(q, contents) && !qpdf_oh_is_indirect(q, contents);
                                        /* A direct null is a blank page; a reference to a missing object is not */

  qpdf_oh_release(q, contents);

  return (ok);
}


/*
 * 'verify_stream()' - Read one stream's raw (undecoded) bytes so qpdf
 *                     checks its length and framing.
 */

static bool
verify_stream(qpdf_data q, qpdf_oh stream, pdf_idset_t *seen, size_t *budget)
{
  unsigned char *buf = NULL;
  size_t         len = 0;
  int            rc;

  if (!idset_add(seen, qpdf_oh_get_object_id(q, stream)))
    return (true);                      /* Already read for an earlier page */

  if (*budget == 0)
    return (true);                      /* Read as much as the document holds */

  rc = qpdf_oh_get_stream_data(q, stream, qpdf_dl_none, NULL, &buf, &len);
  free(buf);

  if (rc & QPDF_ERRORS)
    return (false);

  *budget = len < *budget ? *budget - len : 0;

  return (!qpdf_more_warnings(q));
}


/*
 * 'dict_has()', 'stream_dict()' - Accessors that do not make qpdf warn
 *                                 on an object of another type (the
 *                                 colour scan asks of objects it has not
 *                                 checked; a warning would end the scan).
 */

static bool
dict_has(qpdf_data q, qpdf_oh dict, const char *key)
{
  return (qpdf_oh_is_dictionary(q, dict) && qpdf_oh_has_key(q, dict, key));
}

static qpdf_oh
stream_dict(qpdf_data q, qpdf_oh stream)
{
  return (qpdf_oh_is_stream(q, stream) ? qpdf_oh_get_dict(q, stream) : qpdf_oh_new_null(q));
}


/*
 * 'idset_has()' - Is the id in the set?
 */

static bool
idset_has(const pdf_idset_t *set, int id)
{
  size_t slot;

  if (id <= 0 || set->size == 0)
    return (false);

  for (slot = ((size_t)id * 2654435761u) & (set->size - 1); set->ids[slot]; slot = (slot + 1) & (set->size - 1))
  {
    if (set->ids[slot] == id)
      return (true);
  }

  return (false);
}


/*
 * 'color_bytes()' - A stream's data for the colour scan: raw when it has no
 *                   filter, inflated (bounded by the document's budget)
 *                   when its only filter is FlateDecode without
 *                   parameters.  NULL for anything else: the caller then
 *                   renders the page.  The caller frees the buffer.
 */

static unsigned char *
color_bytes(color_doc_t *doc, qpdf_oh stream, size_t *len_r)
{
  qpdf_data      q = doc->q;
  qpdf_oh        dict = stream_dict(q, stream), filter = qpdf_oh_get_key_if_dict(q, dict, "/Filter");
  unsigned char *raw = NULL, *out = NULL;
  size_t         rawlen = 0, size = 0;
  bool           flate = false, ok = true;
  z_stream       z;
  int            zr;

  *len_r = 0;

  if (qpdf_oh_is_array(q, filter) && qpdf_oh_get_array_n_items(q, filter) == 1)
  {
    qpdf_oh item = qpdf_oh_get_array_item(q, filter, 0);

    qpdf_oh_release(q, filter);
    filter = item;
  }

  if (qpdf_oh_is_name_and_equals(q, filter, "/FlateDecode"))
    flate = true;
  else if (!qpdf_oh_is_null(q, filter))
    ok = false;

  if (dict_has(q, dict, "/DecodeParms") && !qpdf_oh_is_null(q, qpdf_oh_get_key_if_dict(q, dict, "/DecodeParms")))
    ok = false;

  qpdf_oh_release(q, filter);
  qpdf_oh_release(q, dict);

  if (!ok || (qpdf_oh_get_stream_data(q, stream, qpdf_dl_none, NULL, &raw, &rawlen) & QPDF_ERRORS))
  {
    free(raw);
    return (NULL);
  }

  if (!flate)
  {
    if (rawlen > doc->budget)
    {
      free(raw);
      return (NULL);
    }
    doc->budget -= rawlen;
    *len_r = rawlen;
    return (raw);
  }

  /*
   * Inflate at most the budget: a content stream that would inflate to
   * more is rendered instead.
   */

  memset(&z, 0, sizeof(z));
  if (inflateInit(&z) != Z_OK)
  {
    free(raw);
    return (NULL);
  }

  z.next_in  = raw;
  z.avail_in = (uInt)(rawlen < UINT32_MAX ? rawlen : UINT32_MAX);

  do
  {
    size_t         grow = size < 65536 ? 65536 : size;
    unsigned char *bigger;

    if (size + grow > doc->budget)
      grow = doc->budget - size;
    if (grow == 0 || (bigger = realloc(out, size + grow)) == NULL)
    {
      zr = Z_MEM_ERROR;
      break;
    }

    out         = bigger;
    z.next_out  = out + size;
    z.avail_out = (uInt)grow;
    zr          = inflate(&z, Z_NO_FLUSH);
    size       += grow - z.avail_out;
  }
  while (zr == Z_OK);

  inflateEnd(&z);
  free(raw);

  if (zr != Z_STREAM_END)
  {
    free(out);
    return (NULL);
  }

  doc->budget -= size;
  *len_r = size;
  return (out);
}


/*
 * 'color_space()' - How grey a colour space object is: a name, or an array
 *                   ([/CalGray ...], [/ICCBased stream] with N = 1,
 *                   [/Indexed base hival lookup] whose entries are all
 *                   neutral).
 */

static gw_pdf_space_t
color_space(color_doc_t *doc, qpdf_oh cs)
{
  qpdf_data      q = doc->q;
  qpdf_oh        family;
  gw_pdf_space_t space = GW_PDF_SPACE_OTHER;

  if (qpdf_oh_is_name(q, cs))
    return (strcmp(qpdf_oh_get_name(q, cs), "/Pattern") ? gwPdfSpaceByName(qpdf_oh_get_name(q, cs) + 1) : GW_PDF_SPACE_OTHER);

  if (!qpdf_oh_is_array(q, cs) || qpdf_oh_get_array_n_items(q, cs) < 1)
    return (GW_PDF_SPACE_OTHER);

  family = qpdf_oh_get_array_item(q, cs, 0);

  if (qpdf_oh_is_name_and_equals(q, family, "/CalGray"))
    space = GW_PDF_SPACE_GRAY;
  else if (qpdf_oh_is_name_and_equals(q, family, "/ICCBased"))
  {
    qpdf_oh stream = qpdf_oh_get_array_item(q, cs, 1);
    qpdf_oh n      = qpdf_oh_get_key_if_dict(q, stream_dict(q, stream), "/N");

    if (qpdf_oh_is_stream(q, stream) && qpdf_oh_is_integer(q, n) && qpdf_oh_get_int_value(q, n) == 1)
      space = GW_PDF_SPACE_GRAY;
  }
  else if (qpdf_oh_is_name_and_equals(q, family, "/Indexed") && qpdf_oh_get_array_n_items(q, cs) == 4)
  {
    qpdf_oh        base   = qpdf_oh_get_array_item(q, cs, 1);
    qpdf_oh        lookup = qpdf_oh_get_array_item(q, cs, 3);
    gw_pdf_space_t bspace = qpdf_oh_is_name(q, base) ? color_space(doc, base) : GW_PDF_SPACE_OTHER;
    int            ncomp  = bspace == GW_PDF_SPACE_GRAY ? 1 : bspace == GW_PDF_SPACE_RGB ? 3 : bspace == GW_PDF_SPACE_CMYK && doc->cmyk_grey ? 4 : 0;
    unsigned char *bytes  = NULL;
    size_t         len    = 0;

    if (qpdf_oh_is_string(q, lookup))
    {
      const char *str = qpdf_oh_get_binary_string_value(q, lookup, &len);

      if (str && (bytes = malloc(len ? len : 1)) != NULL)
        memcpy(bytes, str, len);
    }
    else if (qpdf_oh_is_stream(q, lookup))
      bytes = color_bytes(doc, lookup, &len);

    if (bytes && ncomp > 0)
    {
      bool neutral = true;

      for (size_t i = 0; neutral && i + (size_t)ncomp <= len; i += (size_t)ncomp)
        neutral = ncomp == 1 || (ncomp == 3 ? bytes[i] == bytes[i + 1] && bytes[i + 1] == bytes[i + 2] : !bytes[i] && !bytes[i + 1] && !bytes[i + 2]);

      space = neutral ? GW_PDF_SPACE_GRAY : GW_PDF_SPACE_OTHER;
    }

    free(bytes);
  }

  return (space);
}


/*
 * 'color_judge_once()' - The cached verdict on an object judged before
 *                        (forms, fonts, images), else -1.
 */

static int
color_judge_once(color_doc_t *doc, int id)
{
  if (idset_has(&doc->grey, id))
    return (GW_PDF_GREY);
  if (idset_has(&doc->undecided, id))
    return (GW_PDF_UNDECIDED);
  return (-1);
}


/*
 * 'color_remember()' - Keep a verdict on an object.
 */

static gw_pdf_shade_t
color_remember(color_doc_t *doc, int id, gw_pdf_shade_t shade)
{
  (void)idset_add(shade == GW_PDF_GREY ? &doc->grey : &doc->undecided, id);
  return (shade);
}


/*
 * 'color_xobject()' - An image is grey when it is a mask or in a grey
 *                     space; a form when its content is.
 */

static gw_pdf_shade_t
color_xobject(color_ctx_t *ctx, qpdf_oh xobj)
{
  qpdf_data      q = ctx->doc->q;
  qpdf_oh        dict, subtype, res;
  int            id = qpdf_oh_get_object_id(q, xobj), known;
  gw_pdf_shade_t shade = GW_PDF_UNDECIDED;

  if (!qpdf_oh_is_stream(q, xobj))
    return (GW_PDF_UNDECIDED);
  if ((known = color_judge_once(ctx->doc, id)) >= 0)
    return ((gw_pdf_shade_t)known);

  dict    = stream_dict(q, xobj);
  subtype = qpdf_oh_get_key_if_dict(q, dict, "/Subtype");

  if (qpdf_oh_is_name_and_equals(q, subtype, "/Image"))
  {
    qpdf_oh mask = qpdf_oh_get_key_if_dict(q, dict, "/ImageMask");

    if ((qpdf_oh_is_bool(q, mask) && qpdf_oh_get_bool_value(q, mask)) ||
        color_space(ctx->doc, qpdf_oh_get_key_if_dict(q, dict, "/ColorSpace")) == GW_PDF_SPACE_GRAY)
      shade = GW_PDF_GREY;
  }
  else if (qpdf_oh_is_name_and_equals(q, subtype, "/Form") && ctx->depth < COLOR_DEPTH_MAX)
  {
    res   = qpdf_oh_get_key_if_dict(q, dict, "/Resources");
    shade = color_stream(ctx->doc, xobj, qpdf_oh_is_dictionary(q, res) ? res : ctx->resources, ctx->depth + 1, false);
  }

  return (color_remember(ctx->doc, id, shade));
}


/*
 * 'color_font()' - A font is grey unless it is a Type 3 font with a glyph
 *                  that is not.
 */

static gw_pdf_shade_t
color_font(color_ctx_t *ctx, qpdf_oh font)
{
  qpdf_data      q = ctx->doc->q;
  qpdf_oh        procs, res, glyphs[COLOR_GLYPHS_MAX];
  int            id = qpdf_oh_get_object_id(q, font), known, n = 0;
  gw_pdf_shade_t shade = GW_PDF_GREY;

  if (!qpdf_oh_is_dictionary(q, font))
    return (GW_PDF_UNDECIDED);
  if (!qpdf_oh_is_name_and_equals(q, qpdf_oh_get_key_if_dict(q, font, "/Subtype"), "/Type3"))
    return (GW_PDF_GREY);
  if ((known = color_judge_once(ctx->doc, id)) >= 0)
    return ((gw_pdf_shade_t)known);
  if (ctx->depth >= COLOR_DEPTH_MAX)
    return (GW_PDF_UNDECIDED);

  procs = qpdf_oh_get_key_if_dict(q, font, "/CharProcs");
  res   = qpdf_oh_get_key_if_dict(q, font, "/Resources");
  if (!qpdf_oh_is_dictionary(q, procs))
    return (color_remember(ctx->doc, id, GW_PDF_UNDECIDED));

  /* qpdf has one key iterator: take the glyphs first, then scan them. */
  qpdf_oh_begin_dict_key_iter(q, procs);
  while (qpdf_oh_dict_more_keys(q))
  {
    const char *key = qpdf_oh_dict_next_key(q);

    if (n == COLOR_GLYPHS_MAX)
      return (color_remember(ctx->doc, id, GW_PDF_UNDECIDED));
    glyphs[n ++] = qpdf_oh_get_key_if_dict(q, procs, key);
  }

  for (int i = 0; i < n && shade == GW_PDF_GREY; i ++)
    shade = qpdf_oh_is_stream(q, glyphs[i]) ? color_stream(ctx->doc, glyphs[i], qpdf_oh_is_dictionary(q, res) ? res : ctx->resources, ctx->depth + 1, true)
                                            : GW_PDF_UNDECIDED;

  return (color_remember(ctx->doc, id, shade));
}


/*
 * 'color_opaque()' - For the colour proof: does an ExtGState leave painting
 *                    opaque, in its colours, and the line width known?
 *                    Only these keys, with these values: Type, Font, the
 *                    line cap, join and dash, the rendering intent,
 *                    flatness and smoothness, stroke adjustment, text
 *                    knockout, black generation and undercolour removal
 *                    (used only in a conversion to CMYK, which an RGB
 *                    rendering does not make), CA and ca of 1, BM Normal or
 *                    Compatible, SMask None, AIS false, OP and op false, OPM,
 *                    and TR or TR2 Identity or Default.
 */

static int
color_opaque(qpdf_data q, qpdf_oh gs)
{
  static const char * const free_keys[] =
  {
    "/Type", "/Font", "/LC", "/LJ", "/D", "/RI", "/FL", "/SM", "/SA", "/TK", "/BG", "/BG2", "/UCR", "/UCR2", "/OPM"
  };
  bool plain = qpdf_oh_is_dictionary(q, gs);

  if (!plain)
    return (0);

  qpdf_oh_begin_dict_key_iter(q, gs);
  while (plain && qpdf_oh_dict_more_keys(q))
  {
    const char *key = qpdf_oh_dict_next_key(q);
    qpdf_oh     v = qpdf_oh_get_key_if_dict(q, gs, key);
    bool        free_key = false;

    for (size_t i = 0; i < sizeof(free_keys) / sizeof(free_keys[0]) && !free_key; i ++)
      free_key = !strcmp(key, free_keys[i]);

    if (free_key)
      continue;
    else if (!strcmp(key, "/CA") || !strcmp(key, "/ca"))
      plain = qpdf_oh_is_number(q, v) && qpdf_oh_get_numeric_value(q, v) == 1.0;
    else if (!strcmp(key, "/BM"))
      plain = qpdf_oh_is_name_and_equals(q, v, "/Normal") || qpdf_oh_is_name_and_equals(q, v, "/Compatible");
    else if (!strcmp(key, "/SMask"))
      plain = qpdf_oh_is_name_and_equals(q, v, "/None");
    else if (!strcmp(key, "/AIS") || !strcmp(key, "/OP") || !strcmp(key, "/op"))
      plain = qpdf_oh_is_bool(q, v) && !qpdf_oh_get_bool_value(q, v);
    else if (!strcmp(key, "/TR") || !strcmp(key, "/TR2"))
      plain = qpdf_oh_is_name_and_equals(q, v, "/Identity") || qpdf_oh_is_name_and_equals(q, v, "/Default");
    else
      plain = false;                    /* LW, ML, HT, anything else */
  }

  return (plain ? 1 : 0);
}


/*
 * 'color_resource()' - The scanner's question about a named resource.
 */

static int
color_resource(void *data, gw_pdf_res_t category, const char *name)
{
  static const char * const dicts[] = { "/ColorSpace", "/XObject", "/Shading", "/ExtGState", "/Font", "/ExtGState" };
  color_ctx_t *ctx = (color_ctx_t *)data;
  qpdf_data    q = ctx->doc->q;
  qpdf_oh      obj, tr;
  char         key[GW_PDF_NAME_MAX + 2];

  snprintf(key, sizeof(key), "/%s", name);
  obj = qpdf_oh_get_key_if_dict(q, qpdf_oh_get_key_if_dict(q, ctx->resources, dicts[category]), key);

  switch (category)
  {
    case GW_PDF_RES_COLORSPACE :
        return (color_space(ctx->doc, obj));
    case GW_PDF_RES_XOBJECT :
        return (color_xobject(ctx, obj));
    case GW_PDF_RES_SHADING :
        if (qpdf_oh_is_stream(q, obj))
          obj = stream_dict(q, obj);
        return (qpdf_oh_is_dictionary(q, obj) && color_space(ctx->doc, qpdf_oh_get_key_if_dict(q, obj, "/ColorSpace")) == GW_PDF_SPACE_GRAY ?
                GW_PDF_GREY : GW_PDF_UNDECIDED);
    case GW_PDF_RES_EXTGSTATE :
        /* Transfer functions can tint a grey; anything else keeps it grey. */
        if (!qpdf_oh_is_dictionary(q, obj))
          return (GW_PDF_UNDECIDED);
        tr = dict_has(q, obj, "/TR2") ? qpdf_oh_get_key_if_dict(q, obj, "/TR2") : qpdf_oh_get_key_if_dict(q, obj, "/TR");
        return (qpdf_oh_is_null(q, tr) || qpdf_oh_is_name_and_equals(q, tr, "/Identity") || qpdf_oh_is_name_and_equals(q, tr, "/Default") ?
                GW_PDF_GREY : GW_PDF_UNDECIDED);
    case GW_PDF_RES_FONT :
        return (color_font(ctx, obj));
    case GW_PDF_RES_OPAQUE :
        return (color_opaque(q, obj));
  }

  return (GW_PDF_UNDECIDED);
}


/*
 * 'color_numbers()' - n numbers of an array into v[]; false when it is not
 *                     an array of exactly n numbers.
 */

static bool
color_numbers(qpdf_data q, qpdf_oh array, double *v, int n)
{
  if (!qpdf_oh_is_array(q, array) || qpdf_oh_get_array_n_items(q, array) != n)
    return (false);

  for (int i = 0; i < n; i ++)
  {
    qpdf_oh item = qpdf_oh_get_array_item(q, array, i);

    if (!qpdf_oh_is_number(q, item))
      return (false);
    v[i] = qpdf_oh_get_numeric_value(q, item);
  }

  return (true);
}


/*
 * 'color_rect()' - A rectangle array ([llx lly urx ury], either corner
 *                  order) into box[] as x0 y0 x1 y1 with x0 <= x1, y0 <= y1.
 */

static bool
color_rect(qpdf_data q, qpdf_oh array, double box[4])
{
  double v[4];

  if (!color_numbers(q, array, v, 4))
    return (false);

  box[0] = v[0] < v[2] ? v[0] : v[2];
  box[1] = v[1] < v[3] ? v[1] : v[3];
  box[2] = v[0] < v[2] ? v[2] : v[0];
  box[3] = v[1] < v[3] ? v[3] : v[1];
  return (true);
}


/*
 * 'color_bounds()' - For the colour proof: the box an XObject paints in,
 *                    in the space 'Do' paints it in (an image the unit
 *                    square, a form its BBox through its Matrix).
 */

static bool
color_bounds(void *data, const char *name, double bbox[4])
{
  color_ctx_t *ctx = (color_ctx_t *)data;
  qpdf_data    q = ctx->doc->q;
  qpdf_oh      obj, dict, subtype;
  char         key[GW_PDF_NAME_MAX + 2];
  double       b[4], m[6] = { 1, 0, 0, 1, 0, 0 }, x[4], y[4];

  snprintf(key, sizeof(key), "/%s", name);
  obj = qpdf_oh_get_key_if_dict(q, qpdf_oh_get_key_if_dict(q, ctx->resources, "/XObject"), key);
  if (!qpdf_oh_is_stream(q, obj))
    return (false);

  dict    = stream_dict(q, obj);
  subtype = qpdf_oh_get_key_if_dict(q, dict, "/Subtype");

  if (qpdf_oh_is_name_and_equals(q, subtype, "/Image"))
  {
    bbox[0] = bbox[1] = 0.0;
    bbox[2] = bbox[3] = 1.0;
    return (true);
  }

  if (!qpdf_oh_is_name_and_equals(q, subtype, "/Form") || !color_rect(q, qpdf_oh_get_key_if_dict(q, dict, "/BBox"), b) ||
      (dict_has(q, dict, "/Matrix") && !color_numbers(q, qpdf_oh_get_key_if_dict(q, dict, "/Matrix"), m, 6)))
    return (false);

  /* The box of the BBox's corners through the Matrix. */
  for (int i = 0; i < 4; i ++)
  {
    double px = b[i & 1 ? 2 : 0], py = b[i & 2 ? 3 : 1];

    x[i] = m[0] * px + m[2] * py + m[4];
    y[i] = m[1] * px + m[3] * py + m[5];
  }

  bbox[0] = fmin(fmin(x[0], x[1]), fmin(x[2], x[3]));
  bbox[1] = fmin(fmin(y[0], y[1]), fmin(y[2], y[3]));
  bbox[2] = fmax(fmax(x[0], x[1]), fmax(x[2], x[3]));
  bbox[3] = fmax(fmax(y[0], y[1]), fmax(y[2], y[3]));

  return (isfinite(bbox[0]) && isfinite(bbox[1]) && isfinite(bbox[2]) && isfinite(bbox[3]));
}


/*
 * 'color_printed()' - Does Ghostscript print this annotation (-dPrinted:
 *                     the Print flag set, Hidden not)?  1 yes, 0 no, -1
 *                     when it is not a dictionary.
 */

static int
color_printed(qpdf_data q, qpdf_oh annot)
{
  qpdf_oh flags;
  int     f;

  if (!qpdf_oh_is_dictionary(q, annot))
    return (-1);

  flags = qpdf_oh_get_key_if_dict(q, annot, "/F");
  f     = qpdf_oh_is_integer(q, flags) ? qpdf_oh_get_int_value_as_int(q, flags) : 0;

  return ((f & 4) && !(f & 2));
}


/*
 * 'color_redefined()' - Does a resource dictionary redefine a device
 *                       colour space (DefaultGray, DefaultRGB,
 *                       DefaultCMYK)?  Neither scan follows that.
 */

static bool
color_redefined(qpdf_data q, qpdf_oh resources)
{
  qpdf_oh spaces = qpdf_oh_get_key_if_dict(q, resources, "/ColorSpace");

  return (dict_has(q, spaces, "/DefaultGray") || dict_has(q, spaces, "/DefaultRGB") || dict_has(q, spaces, "/DefaultCMYK"));
}


/*
 * 'color_callbacks()' - The scanner's callbacks for content with these
 *                       resources.
 */

static void
color_callbacks(color_doc_t *doc, color_ctx_t *ctx, gw_pdf_scan_cb_t *cb, qpdf_oh resources, int depth, bool glyph)
{
  ctx->doc       = doc;
  ctx->resources = resources;
  ctx->depth     = depth;
  cb->ctx        = ctx;
  cb->cmyk_grey  = doc->cmyk_grey;
  cb->glyph      = glyph;
  cb->resource   = color_resource;
  cb->bounds     = color_bounds;
}


/*
 * 'color_scan()' - Scan content bytes with these resources for grey.
 */

static gw_pdf_shade_t
color_scan(color_doc_t *doc, const unsigned char *bytes, size_t len, qpdf_oh resources, int depth, bool glyph)
{
  color_ctx_t      ctx;
  gw_pdf_scan_cb_t cb;

  if (color_redefined(doc->q, resources))
    return (GW_PDF_UNDECIDED);

  color_callbacks(doc, &ctx, &cb, resources, depth, glyph);
  return (gwPdfScanContent(bytes, len, &cb));
}


/*
 * 'color_prove()' - Is a page that is not certainly grey certainly colour
 *                   (gwPdfProveColour())?  What lies outside its content
 *                   is checked here: the document has no form fields
 *                   (they may be drawn from their values), the page no
 *                   transparency group and no UserUnit, its resources
 *                   redefine no device space; the rendered box is its
 *                   MediaBox, cut by its CropBox (both inherited), and
 *                   every printed annotation is painted after the content
 *                   within its Rect when it has an appearance stream,
 *                   anywhere otherwise.
 */

static gw_pdf_shade_t
color_prove(color_doc_t *doc, qpdf_oh page, const unsigned char *bytes, size_t len, qpdf_oh resources)
{
  qpdf_data        q = doc->q;
  qpdf_oh          annots = qpdf_oh_get_key_if_dict(q, page, "/Annots"), media = qpdf_oh_new_null(q), crop = media;
  gw_pdf_page_t    info;
  color_ctx_t      ctx;
  gw_pdf_scan_cb_t cb;
  double           box[4];
  int              n, up = 0;

  if (!doc->prove || dict_has(q, page, "/Group") || dict_has(q, page, "/UserUnit") || color_redefined(q, resources))
    return (GW_PDF_UNDECIDED);

  /* MediaBox and CropBox, from the page or the nearest ancestor that has them. */
  for (qpdf_oh node = page; qpdf_oh_is_dictionary(q, node) && (qpdf_oh_is_null(q, media) || qpdf_oh_is_null(q, crop)); )
  {
    if (qpdf_oh_is_null(q, media) && dict_has(q, node, "/MediaBox"))
      media = qpdf_oh_get_key_if_dict(q, node, "/MediaBox");
    if (qpdf_oh_is_null(q, crop) && dict_has(q, node, "/CropBox"))
      crop = qpdf_oh_get_key_if_dict(q, node, "/CropBox");
    if (!dict_has(q, node, "/Parent") || ++ up > PDF_MAX_DEPTH)
      break;
    node = qpdf_oh_get_key_if_dict(q, node, "/Parent");
  }

  memset(&info, 0, sizeof(info));
  if (!color_rect(q, media, info.box) || info.box[2] - info.box[0] > GW_PDF_PROOF_PAGE_MAX ||
      info.box[3] - info.box[1] > GW_PDF_PROOF_PAGE_MAX)
    return (GW_PDF_UNDECIDED);          /* A page the renderer may refuse as too large: let it */
  if (!qpdf_oh_is_null(q, crop))
  {
    if (!color_rect(q, crop, box))
      return (GW_PDF_UNDECIDED);
    info.box[0] = fmax(info.box[0], box[0]);
    info.box[1] = fmax(info.box[1], box[1]);
    info.box[2] = fmin(info.box[2], box[2]);
    info.box[3] = fmin(info.box[3], box[3]);
  }

  /* The annotations Ghostscript prints (-dPrinted), as in color_annots(). */
  if (!qpdf_oh_is_null(q, annots) && !qpdf_oh_is_array(q, annots))
    return (GW_PDF_UNDECIDED);

  n = qpdf_oh_is_array(q, annots) ? qpdf_oh_get_array_n_items(q, annots) : 0;
  for (int i = 0; i < n; i ++)
  {
    qpdf_oh annot = qpdf_oh_get_array_item(q, annots, i);
    int     printed = color_printed(q, annot);

    if (printed <= 0)
    {
      if (printed < 0)
        return (GW_PDF_UNDECIDED);
      continue;
    }

    if (info.nlate == GW_PDF_LATE_MAX)
      return (GW_PDF_UNDECIDED);
    if (!dict_has(q, qpdf_oh_get_key_if_dict(q, annot, "/AP"), "/N") || !color_rect(q, qpdf_oh_get_key_if_dict(q, annot, "/Rect"), info.late[info.nlate]))
      info.late[info.nlate][0] = NAN;   /* Drawn by Ghostscript itself, or without a Rect: anywhere */
    info.nlate ++;
  }

  color_callbacks(doc, &ctx, &cb, resources, 0, false);
  return (gwPdfProveColour(bytes, len, &cb, &info));
}


/*
 * 'color_stream()' - Scan one stream (a form or a glyph).
 */

static gw_pdf_shade_t
color_stream(color_doc_t *doc, qpdf_oh stream, qpdf_oh resources, int depth, bool glyph)
{
  size_t         len;
  unsigned char *bytes = color_bytes(doc, stream, &len);
  gw_pdf_shade_t shade = bytes ? color_scan(doc, bytes, len, resources, depth, glyph) : GW_PDF_UNDECIDED;

  free(bytes);
  return (shade);
}


/*
 * 'color_annots()' - Are the page's printed annotations grey?  One that
 *                    is not printed (no Print flag, or Hidden) is skipped,
 *                    as Ghostscript's -dPrinted does; a printed one must
 *                    have a normal appearance stream that is grey.
 */

static gw_pdf_shade_t
color_annots(color_doc_t *doc, qpdf_oh page)
{
  qpdf_data q = doc->q;
  qpdf_oh   annots = qpdf_oh_get_key_if_dict(q, page, "/Annots");
  int       n;

  if (qpdf_oh_is_null(q, annots))
    return (GW_PDF_GREY);
  if (!qpdf_oh_is_array(q, annots))
    return (GW_PDF_UNDECIDED);

  n = qpdf_oh_get_array_n_items(q, annots);
  for (int i = 0; i < n; i ++)
  {
    qpdf_oh annot = qpdf_oh_get_array_item(q, annots, i), ap, res;
    int     printed = color_printed(q, annot);

    if (printed <= 0)
    {
      if (printed < 0)
        return (GW_PDF_UNDECIDED);
      continue;
    }

    if (qpdf_oh_is_name_and_equals(q, qpdf_oh_get_key_if_dict(q, annot, "/Subtype"), "/Widget"))
      return (GW_PDF_UNDECIDED);        /* Form fields may be drawn anew from their values */

    ap = qpdf_oh_get_key_if_dict(q, qpdf_oh_get_key_if_dict(q, annot, "/AP"), "/N");
    if (qpdf_oh_is_dictionary(q, ap))
    {
      qpdf_oh as = qpdf_oh_get_key_if_dict(q, annot, "/AS");

      if (!qpdf_oh_is_name(q, as))
        return (GW_PDF_UNDECIDED);
      ap = qpdf_oh_get_key_if_dict(q, ap, qpdf_oh_get_name(q, as));
    }
    if (!qpdf_oh_is_stream(q, ap))
      return (GW_PDF_UNDECIDED);

    res = qpdf_oh_get_key_if_dict(q, stream_dict(q, ap), "/Resources");
    if (color_stream(doc, ap, res, 1, false) != GW_PDF_GREY)
      return (GW_PDF_UNDECIDED);
  }

  return (GW_PDF_GREY);
}


/*
 * 'color_page()' - Does the page certainly print grey?  Its content
 *                  streams (joined, as a page's are), with its resources
 *                  (inherited from the page tree when the page has none),
 *                  and its printed annotations.
 */

static gw_pdf_shade_t
color_page(color_doc_t *doc, qpdf_oh page)
{
  qpdf_data      q = doc->q;
  qpdf_oh        contents = qpdf_oh_get_key_if_dict(q, page, "/Contents"), node = page, res;
  unsigned char *all = NULL;
  size_t         total = 0;
  int            n;
  gw_pdf_shade_t shade;

  res = qpdf_oh_get_key_if_dict(q, node, "/Resources");
  for (int up = 0; up < PDF_MAX_DEPTH && !qpdf_oh_is_dictionary(q, res) && dict_has(q, node, "/Parent"); up ++)
  {
    node = qpdf_oh_get_key_if_dict(q, node, "/Parent");
    res  = qpdf_oh_get_key_if_dict(q, node, "/Resources");
  }

  n = qpdf_oh_is_array(q, contents) ? qpdf_oh_get_array_n_items(q, contents) : 1;

  for (int i = 0; i < n; i ++)
  {
    qpdf_oh        stream = qpdf_oh_is_array(q, contents) ? qpdf_oh_get_array_item(q, contents, i) : contents;
    size_t         len = 0;
    unsigned char *bytes, *bigger;

    if (qpdf_oh_is_null(q, stream))
      continue;
    if (!qpdf_oh_is_stream(q, stream) || (bytes = color_bytes(doc, stream, &len)) == NULL)
    {
      free(all);
      return (GW_PDF_UNDECIDED);
    }

    /* Streams of one page are one content: join them with a space. */
    if ((bigger = realloc(all, total + len + 1)) == NULL)
    {
      free(bytes);
      free(all);
      return (GW_PDF_UNDECIDED);
    }
    all = bigger;
    memcpy(all + total, bytes, len);
    all[total + len] = ' ';
    total += len + 1;
    free(bytes);
  }

  shade = color_scan(doc, all ? all : (const unsigned char *)"", total, res, 0, false);

  if (shade == GW_PDF_GREY)
    shade = color_annots(doc, page);
  else
    shade = color_prove(doc, page, all ? all : (const unsigned char *)"", total, res);
  free(all);

  return (shade);
}


/*
 * 'color_page_safely()' - color_page() of page i (0-based).  The colour
 *                         scan reads more of the file (forms, images,
 *                         fonts) than the check: what it stumbles on (a
 *                         qpdf error or warning) only makes the page
 *                         "render to know", it does not fail a document
 *                         the check passed.
 */

static gw_pdf_shade_t
color_page_safely(color_doc_t *doc, int i)
{
  qpdf_data      q = doc->q;
  qpdf_oh        page = qpdf_get_page_n(q, (size_t)i);
  gw_pdf_shade_t shade = color_page(doc, page);

  qpdf_oh_release(q, page);

  if (qpdf_has_error(q))
  {
    (void)qpdf_get_error(q);
    shade = GW_PDF_UNDECIDED;
  }
  while (qpdf_more_warnings(q))
  {
    (void)qpdf_next_warning(q);
    shade = GW_PDF_UNDECIDED;
  }

  return (shade);
}


/*
 * 'read_pages()' - Read every page's content streams (raw) for the check,
 *                  and with grey non-NULL scan each page for colour into
 *                  grey[] (1 = certainly grey).  False when the check
 *                  fails (the document is corrupt).
 */

static bool
read_pages(qpdf_data q, qpdf_oh root, int pages, size_t len, pdf_idset_t *seen, size_t *budget, unsigned char *grey)
{
  color_doc_t doc;
  bool        ok = true;

  memset(&doc, 0, sizeof(doc));
  doc.q         = q;
  doc.cmyk_grey = !qpdf_oh_is_dictionary(q, root) || !qpdf_oh_has_key(q, root, "/OutputIntents");
  doc.prove     = qpdf_oh_is_dictionary(q, root) && !qpdf_oh_has_key(q, root, "/AcroForm");
  doc.budget    = len < COLOR_INFLATE_MIN / 16 ? COLOR_INFLATE_MIN : len * 16;

  for (int i = 0; ok && i < pages; i ++)
  {
    qpdf_oh page = qpdf_get_page_n(q, (size_t)i);

    ok = page && qpdf_oh_is_dictionary(q, page) && verify_contents(q, page, seen, budget);
    qpdf_oh_release(q, page);

    if (!ok || qpdf_has_error(q) || qpdf_more_warnings(q))
      ok = false;
    else if (grey)
    {
      gw_pdf_shade_t shade = color_page_safely(&doc, i);

      grey[i] = shade == GW_PDF_GREY ? GW_PDF_PAGE_GREY : shade == GW_PDF_COLOUR ? GW_PDF_PAGE_COLOUR : GW_PDF_PAGE_RENDER;
      qpdf_oh_release_all(q);           /* The scan's handles (verdicts are kept by object id) */
    }
  }

  free(doc.grey.ids);
  free(doc.undecided.ids);

  return (ok);
}
