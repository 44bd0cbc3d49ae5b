/*
 * container.c - the framed original of a job with several documents
 * (container.h): its records, written by the daemon as the documents
 * arrive and parsed by the sandboxed converter.
 */

#include "printgate-formats/container.h"

#include <stdio.h>
#include <string.h>


/*
 * 'gwContainerIs()' - Does the data start with the container's magic?
 */

bool
gwContainerIs(const void *data, size_t len)
{
  return (data && len >= GW_CONTAINER_MAGIC_LEN && !memcmp(data, GW_CONTAINER_MAGIC, GW_CONTAINER_MAGIC_LEN));
}


/*
 * 'gwContainerRecord()' - A record's header: type and big-endian length.
 */

size_t
gwContainerRecord(unsigned char header[GW_CONTAINER_HEADER_LEN], int type, uint32_t len)
{
  header[0] = (unsigned char)type;
  header[1] = (unsigned char)(len >> 24);
  header[2] = (unsigned char)(len >> 16);
  header[3] = (unsigned char)(len >> 8);
  header[4] = (unsigned char)len;
  return (GW_CONTAINER_HEADER_LEN);
}


/*
 * 'format_ok()' - A document's format: printable ASCII, bounded.
 */

static bool
format_ok(const unsigned char *p, size_t len)
{
  if (len > GW_CONTAINER_FORMAT_MAX)
    return (false);
  for (size_t i = 0; i < len; i ++)
    if (p[i] < ' ' || p[i] > '~')
      return (false);
  return (true);
}


/*
 * 'gwContainerParse()' - Walk the records, calling cb for each document
 *                        start and each piece of bytes.  Returns the
 *                        number of documents, or -1 and why.  Every length
 *                        is checked against what is left before it is used.
 */

int
gwContainerParse(const void *data, size_t len, gw_container_cb_t cb, void *ctx, char *error, size_t errsize)
{
  const unsigned char *p = (const unsigned char *)data;
  size_t               pos = GW_CONTAINER_MAGIC_LEN;
  int                  docs = 0;
  bool                 has_bytes = false;   /* The current document has bytes */

  if (!gwContainerIs(data, len))
  {
    snprintf(error, errsize, "not a container");
    return (-1);
  }

  for (;;)
  {
    int      type;
    uint32_t rlen;

    if (len - pos < GW_CONTAINER_HEADER_LEN)
    {
      snprintf(error, errsize, "cut short at byte %zu (no end record)", pos);
      return (-1);
    }

    type = p[pos];
    rlen = ((uint32_t)p[pos + 1] << 24) | ((uint32_t)p[pos + 2] << 16) | ((uint32_t)p[pos + 3] << 8) | p[pos + 4];
    pos += GW_CONTAINER_HEADER_LEN;

    if (rlen > len - pos)
    {
      snprintf(error, errsize, "a record at byte %zu is longer than the rest", pos - GW_CONTAINER_HEADER_LEN);
      return (-1);
    }

    switch (type)
    {
      case GW_CONTAINER_DOC :
          if (docs > 0 && !has_bytes)
          {
            snprintf(error, errsize, "document %d has no bytes", docs);
            return (-1);
          }
          if (docs >= GW_CONTAINER_MAX_DOCS)
          {
            snprintf(error, errsize, "more than %d documents", GW_CONTAINER_MAX_DOCS);
            return (-1);
          }
          if (!format_ok(p + pos, rlen))
          {
            snprintf(error, errsize, "document %d has a bad format name", docs + 1);
            return (-1);
          }
          {
            char format[GW_CONTAINER_FORMAT_MAX + 1];

            memcpy(format, p + pos, rlen);
            format[rlen] = '\0';
            if (cb && !cb(ctx, type, docs, (const unsigned char *)format, rlen))
            {
              snprintf(error, errsize, "stopped");
              return (-1);
            }
          }
          docs ++;
          has_bytes = false;
          break;

      case GW_CONTAINER_DATA :
          if (docs == 0 || rlen == 0 || rlen > GW_CONTAINER_CHUNK_MAX)
          {
            snprintf(error, errsize, docs == 0 ? "bytes before the first document" : "a record of bytes has a bad length (%u)", (unsigned)rlen);
            return (-1);
          }
          if (cb && !cb(ctx, type, docs - 1, p + pos, rlen))
          {
            snprintf(error, errsize, "stopped");
            return (-1);
          }
          has_bytes = true;
          break;

      case GW_CONTAINER_END :
          if (rlen != 0 || pos != len)
          {
            snprintf(error, errsize, "bytes after the end record");
            return (-1);
          }
          if (docs == 0 || !has_bytes)
          {
            snprintf(error, errsize, docs == 0 ? "no document" : "document %d has no bytes", docs);
            return (-1);
          }
          return (docs);

      default :
          snprintf(error, errsize, "unknown record type 0x%02x at byte %zu", (unsigned)type, pos - GW_CONTAINER_HEADER_LEN);
          return (-1);
    }

    pos += rlen;
  }
}
