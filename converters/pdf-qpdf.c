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

#include <qpdf/qpdf-c.h>

#include <stdlib.h>
#include <string.h>


/*
 * Limits.
 */

#define PDF_SNIFF_BYTES   1024     /* "%PDF-" must start within this many bytes */
#define PDF_MAX_PAGES     100000   /* Pages counted exactly (the largest MaxPagesPerJob) */
#define PDF_MAX_DEPTH     256      /* Deepest page tree walked */


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
 * Local functions.
 */

static int  count_pages(qpdf_data q, qpdf_oh node, int depth, pdf_idset_t *nodes, int count);
static bool idset_add(pdf_idset_t *set, int id);
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
  qpdf_data    q;
  int          rc, pages;
  gw_reason_t  reason = GW_REASON_NONE;
  pdf_idset_t  seen, nodes;
  qpdf_oh      root, tree;
  size_t       budget = len;            /* Raw content bytes we are willing to read */

  if (pages_r)
    *pages_r = 0;
  if (reason_r)
    *reason_r = GW_REASON_NONE;

  if (!data || len == 0)
  {
    if (reason_r)
      *reason_r = GW_REASON_EMPTY_DOCUMENT;
    return (false);
  }

  if (!gwPdfSniff(data, len))
  {
    if (reason_r)
      *reason_r = GW_REASON_UNSUPPORTED_FORMAT;
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

  for (int i = 0; i < pages; i ++)
  {
    qpdf_oh page = qpdf_get_page_n(q, (size_t)i);
    bool    ok   = page && qpdf_oh_is_dictionary(q, page) && verify_contents(q, page, &seen, &budget);

    qpdf_oh_release(q, page);

    if (!ok || qpdf_has_error(q) || qpdf_more_warnings(q))
    {
      reason = GW_REASON_CORRUPT_DOCUMENT;
      goto done;
    }
  }

  if (pages_r)
    *pages_r = pages;

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
