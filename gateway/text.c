/*
 * text.c - small text helpers and the growing byte buffer (text.h).
 */

#include "printgate/text.h"

#include <stdlib.h>
#include <string.h>


/*
 * 'gwBufferAdd()' - Append len bytes (growing the buffer by doubling), and
 *                   keep a nul after them.  Once out of memory the buffer
 *                   is marked failed and nothing more is added.
 */

void
gwBufferAdd(gw_buffer_t *b, const void *data, size_t len)
{
  if (b->failed)
    return;

  if (len >= b->size - b->len)            /* Also true for an empty buffer */
  {
    size_t size = (b->len + len + 1) * 2;
    char  *bigger;

    if ((bigger = realloc(b->data, size)) == NULL)
    {
      b->failed = true;
      return;
    }
    b->data = bigger;
    b->size = size;
  }

  if (len)
    memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
}


/*
 * 'gwHexValue()' - Value of one hex digit, or -1.
 */

int
gwHexValue(int c)
{
  if (c >= '0' && c <= '9')
    return (c - '0');
  if (c >= 'a' && c <= 'f')
    return (c - 'a' + 10);
  if (c >= 'A' && c <= 'F')
    return (c - 'A' + 10);
  return (-1);
}
