/*
 * text.c - small text helpers (text.h).
 */

#include "printgate/text.h"


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
