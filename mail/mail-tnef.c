/*
 * mail-tnef.c - Outlook's TNEF (winmail.dat, application/ms-tnef): the
 * files inside, read with libytnef (docs/mail.md, "What is printed").
 *
 * The only file that includes libytnef.  The stream is parsed from memory
 * (the attachment's decoded bytes, already under the message cap); each
 * attached file with data is handed to the caller with its name (the long
 * name from the MAPI properties, PT_UNICODE or PT_STRING8 in the stream's
 * code page, else the short title), bounded by a file count and a byte
 * total.  A stream libytnef refuses, or one with no file in it, is refused
 * as a whole with a reason; nothing is half taken.
 *
 * Before libytnef sees the bytes, tnef_prescan() checks the framing itself
 * (bounded, no allocation): libytnef 2.0 leaks the first copy of an
 * attribute that appears twice in one object (found by fuzz-tnef), so a
 * stream repeating one is refused; so is one with more than ATTR_MAX
 * attributes or a bad checksum.
 */

#include "mail-private.h"

#include <stdint.h>
#include <stdio.h>                      /* Before ytnef.h, which uses FILE */
#include <string.h>

#include <ytnef.h>

#define ATTR_MAX  4096                  /* Attributes in a stream */
#define GROUP_MAX 64                    /* Attributes in one object (the message, an attachment) */


/*
 * 'tnef_name()' - The attachment's name in UTF-8: PR_ATTACH_LONG_FILENAME
 *                 (UTF-16LE, or 8-bit in the stream's code page), else the
 *                 title (8.3); "" when none decodes.
 */

static void
tnef_name(TNEFStruct *tnef, Attachment *att, char *out, size_t outsize)
{
  variableLength *v;
  char            cp[24] = "WINDOWS-1252";

  *out = '\0';
  if (tnef->CodePage.size >= 4 && tnef->CodePage.data)
  {
    unsigned n = (unsigned)tnef->CodePage.data[0] | ((unsigned)tnef->CodePage.data[1] << 8);

    if (n == 65001)
      snprintf(cp, sizeof(cp), "UTF-8");
    else if (n > 0 && n < 65000)
      snprintf(cp, sizeof(cp), "CP%u", n);
  }

  if ((v = MAPIFindProperty(&att->MAPI, PROP_TAG(PT_UNICODE, PR_ATTACH_LONG_FILENAME))) != MAPI_UNDEFINED && v->data && v->size >= 2)
  {
    size_t len = (size_t)v->size;

    for (size_t i = 0; i + 1 < len; i += 2)
      if (!v->data[i] && !v->data[i + 1])
      {
        len = i;
        break;
      }
    if (gwMailCharsetDecode("UTF-16LE", (const char *)v->data, len & ~(size_t)1, out, outsize) && *out)
      return;
  }
  if ((v = MAPIFindProperty(&att->MAPI, PROP_TAG(PT_STRING8, PR_ATTACH_LONG_FILENAME))) != MAPI_UNDEFINED && v->data && v->size > 0 &&
      gwMailCharsetDecode(cp, (const char *)v->data, strnlen((const char *)v->data, (size_t)v->size), out, outsize) && *out)
    return;
  if (att->Title.data && att->Title.size > 0 &&
      gwMailCharsetDecode(cp, (const char *)att->Title.data, strnlen((const char *)att->Title.data, (size_t)att->Title.size), out, outsize))
    return;
  *out = '\0';
}


/*
 * 'le32()' - A little-endian 32-bit value.
 */

static uint32_t
le32(const unsigned char *p)
{
  return ((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24));
}


/*
 * 'tnef_prescan()' - The stream's framing, checked before libytnef: the
 *                    signature, each attribute (level 1 or 2, its length
 *                    inside the stream, its checksum), and no attribute
 *                    twice where libytnef would keep (and leak) the first:
 *                    an attachment's attribute twice in one attachment
 *                    (from one attAttachRenddata to the next), any other
 *                    twice in the stream; an attachment's attribute
 *                    before the first attachment.  libytnef matches attributes by
 *                    id alone, whatever their level, and so does this.
 *                    false with why.
 */

static bool
tnef_prescan(const unsigned char *d, size_t size, char *why, size_t whysize)
{
  static const uint32_t per_attachment[] = { 0x0006800F, 0x00018010, 0x00068011, 0x00038012, 0x00038013, 0x00069001, 0x00069005 };
  uint32_t msg_ids[GROUP_MAX], att_ids[GROUP_MAX];
  int      nmsg = 0, natt = 0, count = 0;
  bool     in_attachment = false;
  size_t   pos = 6;

  if (size < 6 || le32(d) != 0x223E9F78)
  {
    snprintf(why, whysize, "the winmail.dat attachment is not a TNEF stream");
    return (false);
  }
  while (pos < size)
  {
    uint32_t  id, len, sum = 0;
    uint32_t *ids = msg_ids;
    int      *n = &nmsg;

    if (size - pos < 9 || (d[pos] != 1 && d[pos] != 2) || ++ count > ATTR_MAX)
      break;
    id  = le32(d + pos + 1);
    len = le32(d + pos + 5);
    if (len > size - pos - 9 || size - pos - 9 - len < 2)
      break;
    for (size_t i = 0; i < len; i ++)
      sum += d[pos + 9 + i];
    if ((sum & 0xFFFF) != ((uint32_t)d[pos + 9 + len] | ((uint32_t)d[pos + 10 + len] << 8)))
      break;
    pos += 9 + (size_t)len + 2;
    if (id == 0x00069002)
    {
      natt          = 0;                /* attAttachRenddata starts an attachment */
      in_attachment = true;
      continue;
    }
    for (size_t i = 0; i < sizeof(per_attachment) / sizeof(per_attachment[0]); i ++)
      if (id == per_attachment[i])
      {
        ids = att_ids;
        n   = &natt;
      }
    if (ids == att_ids && !in_attachment)
    {
      /* libytnef would store it in its list head, which it never frees */
      snprintf(why, whysize, "the winmail.dat attachment is damaged (attachment data before any attachment)");
      return (false);
    }
    for (int i = 0; i < *n; i ++)
      if (ids[i] == id)
      {
        snprintf(why, whysize, "the winmail.dat attachment is damaged (an attribute appears twice)");
        return (false);
      }
    if (*n >= GROUP_MAX)
    {
      pos -= 9 + (size_t)len + 2;
      break;
    }
    ids[(*n) ++] = id;
  }
  if (pos != size)
  {
    snprintf(why, whysize, "the winmail.dat attachment is damaged (at byte %zu)", pos);
    return (false);
  }

  return (true);
}


/*
 * 'gwMailTnefUnpack()' - Hand each file of a TNEF stream to 'cb'.
 *                        Returns the number of files, or -1 with 'why'
 *                        (corrupt, no file, over a cap, or cb failed).
 */

int
gwMailTnefUnpack(const char *data, size_t size, int max_files, size_t max_bytes, gw_mail_tnef_cb_t cb, void *ctx, char *why, size_t whysize)
{
  TNEFStruct  tnef;
  Attachment *att;
  int         count = 0, r;
  size_t      total = 0;
  char        name[1024], clean[GW_MAIL_FILENAME_MAX + 1];

  *why = '\0';
  if (size < 6 || size > (size_t)INT32_MAX)
  {
    snprintf(why, whysize, "the winmail.dat attachment is damaged");
    return (-1);
  }

  if (!tnef_prescan((const unsigned char *)data, size, why, whysize))
    return (-1);

  TNEFInitialize(&tnef);
  tnef.Debug = 0;
  /* libytnef reads the buffer and never writes it; its API is not const. */
  r = TNEFParseMemory((BYTE *)(uintptr_t)data, (long)size, &tnef);
  if (r < 0)
  {
    snprintf(why, whysize, "the winmail.dat attachment is damaged (TNEF error %d)", r);
    TNEFFree(&tnef);
    return (-1);
  }

  for (att = tnef.starting_attach.next; att; att = att->next)
  {
    if (!att->FileData.data || att->FileData.size <= 0)
      continue;                         /* An embedded Outlook item, an OLE object: no file */
    if (++ count > max_files)
    {
      snprintf(why, whysize, "the winmail.dat attachment holds more than %d files, the most this gateway reads", max_files);
      break;
    }
    total += (size_t)att->FileData.size;
    if ((size_t)att->FileData.size > size || total > max_bytes)
    {
      snprintf(why, whysize, "the files in the winmail.dat attachment are larger than this gateway's limit");
      break;
    }
    tnef_name(&tnef, att, name, sizeof(name));
    gwMailFilenameClean(name, clean, sizeof(clean));
    if (!cb(ctx, clean[0] ? clean : "attachment", (const char *)att->FileData.data, (size_t)att->FileData.size))
    {
      snprintf(why, whysize, "the gateway ran out of memory reading the message; it will try again");
      break;
    }
  }
  if (!*why && count == 0)
    snprintf(why, whysize, "the winmail.dat attachment holds no file (only Outlook's formatting of the message)");
  TNEFFree(&tnef);

  return (*why ? -1 : count);
}
