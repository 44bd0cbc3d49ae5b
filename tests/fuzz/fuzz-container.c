/*
 * fuzz-container.c - libFuzzer harness for the parser of a job's several
 *                    documents (converters/formats/container.c).
 *
 * The sandboxed converter parses this container before anything else of
 * a multi-document job; the daemon writes it, but a single document that
 * starts with the magic reaches the parser too, so every byte is the
 * sender's.  Besides "no crash, no out-of-bounds read, no hang", the
 * harness checks what the converter relies on:
 *
 * - document numbers given to the callback start at 0 and go up by one,
 *   bytes always belong to the current document, and no piece is empty or
 *   longer than GW_CONTAINER_CHUNK_MAX;
 * - a format is printable ASCII of at most GW_CONTAINER_FORMAT_MAX bytes;
 * - an accepted container has 1 to GW_CONTAINER_MAX_DOCS documents, each
 *   with bytes, and writing the records again as they were found gives
 *   back exactly the input (nothing skipped, nothing invented);
 * - a refusal says why, and parsing twice gives the same answer.
 */

#include "printgate-formats/container.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


typedef struct walk_s
{
  unsigned char *copy;                  /* The records written again */
  size_t         len, size;
  int            docs;                  /* Documents begun */
  int            last_doc;              /* Of the last bytes */
  size_t         doc_bytes;             /* Of the current document */
} walk_t;


static void
fail(const char *what, size_t size)
{
  fprintf(stderr, "fuzz-container: %s (%zu bytes)\n", what, size);
  abort();
}


static void
put(walk_t *w, const void *data, size_t len)
{
  if (w->len + len > w->size)
    fail("the copy outgrew the input", w->len + len);
  memcpy(w->copy + w->len, data, len);
  w->len += len;
}


static bool
walk_cb(void *ctx, int type, int doc, const unsigned char *data, size_t len)
{
  walk_t        *w = (walk_t *)ctx;
  unsigned char  header[GW_CONTAINER_HEADER_LEN];

  if (type == GW_CONTAINER_DOC)
  {
    if (doc != w->docs)
      fail("a document number out of order", (size_t)doc);
    if (len > GW_CONTAINER_FORMAT_MAX || strlen((const char *)data) != len)
      fail("a format of the wrong length", len);
    for (size_t i = 0; i < len; i ++)
      if (data[i] < ' ' || data[i] > '~')
        fail("a format that is not printable ASCII", i);
    if (w->docs > 0 && w->doc_bytes == 0)
      fail("a document with no bytes before the next one", (size_t)doc);
    w->docs ++;
    w->doc_bytes = 0;
  }
  else if (type == GW_CONTAINER_DATA)
  {
    if (doc != w->docs - 1)
      fail("bytes given to a document that is not the current one", (size_t)doc);
    if (len == 0 || len > GW_CONTAINER_CHUNK_MAX)
      fail("a piece of bytes of a bad length", len);
    w->doc_bytes += len;
  }
  else
    fail("an unknown type given to the callback", (size_t)type);

  gwContainerRecord(header, type, (uint32_t)len);
  put(w, header, sizeof(header));
  put(w, data, len);
  return (true);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  walk_t        w;
  char          error[128], error2[128];
  unsigned char end[GW_CONTAINER_HEADER_LEN];
  int           docs, again;

  memset(&w, 0, sizeof(w));
  w.size = size;
  if ((w.copy = malloc(size + 1)) == NULL)
    return (0);

  error[0] = error2[0] = '\0';
  docs = gwContainerParse(data, size, walk_cb, &w, error, sizeof(error));
  if (docs != gwContainerParse(data, size, NULL, NULL, error2, sizeof(error2)))
    fail("two parses disagree", size);

  if (docs < 0)
  {
    if (!error[0] || strcmp(error, error2))
      fail("a refusal without the same reason twice", size);
  }
  else
  {
    if (docs < 1 || docs > GW_CONTAINER_MAX_DOCS || docs != w.docs || w.doc_bytes == 0)
      fail("an accepted container with a bad number of documents", (size_t)docs);
    if (!gwContainerIs(data, size))
      fail("accepted without the magic", size);
    gwContainerRecord(end, GW_CONTAINER_END, 0);
    if (w.len + GW_CONTAINER_MAGIC_LEN + sizeof(end) != size ||
        memcmp(data + GW_CONTAINER_MAGIC_LEN, w.copy, w.len) ||
        memcmp(data + size - sizeof(end), end, sizeof(end)))
      fail("the records found do not give back the input", size);
  }

  free(w.copy);
  return (0);
}
