/*
 * text.c - small text helpers, the growing byte buffer and growing
 *          arrays (text.h).
 */

#include "printgate/text.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
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


/*
 * 'gwKeywordFind()' - Index of 's' in keywords[count] (an enum's names),
 *                     or -1 when s is NULL or none of them.
 */

int
gwKeywordFind(const char *s, const char * const *keywords, int count)
{
  for (int i = 0; s && i < count; i ++)
  {
    if (!strcmp(s, keywords[i]))
      return (i);
  }

  return (-1);
}


/*
 * 'gwArrayGrow()' - Make room for one more element in a growing array of
 *                   'count' elements of 'elemsize' bytes, '*alloc'
 *                   allocated: when it is full, double it ('first' for an
 *                   empty one).  Returns the array (maybe moved; store it
 *                   back), or NULL when out of memory (the old array is
 *                   still valid and still the caller's).
 */

void *
gwArrayGrow(void *array, size_t count, size_t *alloc, size_t elemsize, size_t first)
{
  size_t n;
  void  *bigger;

  if (count < *alloc)
    return (array);

  n = *alloc ? 2 * *alloc : first;
  if (n <= count || n > SIZE_MAX / elemsize || (bigger = realloc(array, n * elemsize)) == NULL)
    return (NULL);
  *alloc = n;

  return (bigger);
}


/*
 * 'gwBufferAddBase64()' - Append the base64 (RFC 4648, with padding) of
 *                         len bytes.
 */

void
gwBufferAddBase64(gw_buffer_t *b, const void *data, size_t len)
{
  static const char    b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned char *in = data;
  char                 q[4];

  for (size_t i = 0; i < len && !b->failed; i += 3)
  {
    unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0) | (i + 2 < len ? in[i + 2] : 0);

    q[0] = b64[(v >> 18) & 63];
    q[1] = b64[(v >> 12) & 63];
    q[2] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
    q[3] = i + 2 < len ? b64[v & 63] : '=';
    gwBufferAdd(b, q, 4);
  }
}


/*
 * 'gwBufferAddf()' - Append formatted text (at most 2 KB a call; longer
 *                    marks the buffer failed rather than cutting it).
 */

void
gwBufferAddf(gw_buffer_t *b, const char *format, ...)
{
  char    text[2048];
  va_list ap;
  int     n;

  va_start(ap, format);
  n = vsnprintf(text, sizeof(text), format, ap);
  va_end(ap);

  if (n < 0 || (size_t)n >= sizeof(text))
    b->failed = true;
  else
    gwBufferAdd(b, text, (size_t)n);
}
