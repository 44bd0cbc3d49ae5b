/*
 * sniff-zip.c - OOXML and OpenDocument detection inside a ZIP head.
 *
 * An OpenDocument file starts with a stored entry named "mimetype" whose
 * content is the document's MIME type (ODF 1.2 part 3, 3.3).  An OOXML
 * file has a "[Content_Types].xml" entry and its main part under word/,
 * xl/ or ppt/ (ECMA-376 part 2).  We read entry names from the local file
 * headers in the head, in order; an entry whose sizes follow its data (bit
 * 3 of the flags) or are ZIP64 cannot be skipped by size, so the next
 * local header is searched for instead.  When the head is the whole file
 * and holds the end-of-central-directory record, the central directory's
 * names are read too, since they list every entry.  Both walks stop after
 * ZIP_MAX_ENTRIES names.  Any other ZIP is unknown: archives are not
 * documents we print.
 */

#include "sniff-private.h"

#include <string.h>


/*
 * Limits and record sizes.
 */

#define ZIP_MAX_ENTRIES    4096        /* Names read per walk */
#define ZIP_LOCAL_SIZE     30          /* Local file header without its name */
#define ZIP_CENTRAL_SIZE   46          /* Central directory header without its name */
#define ZIP_EOCD_SIZE      22          /* End of central directory without its comment */
#define ZIP_COMMENT_MAX    65535       /* Longest archive comment */


/*
 * What the names said.
 */

typedef struct zip_seen_s
{
  bool        content_types;            /* [Content_Types].xml */
  gw_format_t ooxml;                    /* First of word/, xl/, ppt/ seen */
} zip_seen_t;


/*
 * Local functions.
 */

static gw_format_t odf_mimetype(const unsigned char *data, size_t datalen);
static void        see_name(zip_seen_t *seen, const unsigned char *name, size_t namelen);
static void        walk_central(const unsigned char *p, size_t len, zip_seen_t *seen);
static gw_format_t walk_local(const unsigned char *p, size_t len, zip_seen_t *seen);


/*
 * '_gwSniffZip()' - Tell which Office format a ZIP head is, if any.
 */

gw_format_t
_gwSniffZip(const unsigned char *p,    /* I - Head, starting with PK\3\4 */
            size_t              len)   /* I - Head length */
{
  zip_seen_t  seen = { false, GW_FORMAT_UNKNOWN };
  gw_format_t format;

  if ((format = walk_local(p, len, &seen)) != GW_FORMAT_UNKNOWN)
    return (format);

  if (!seen.content_types || seen.ooxml == GW_FORMAT_UNKNOWN)
    walk_central(p, len, &seen);

  return (seen.content_types ? seen.ooxml : GW_FORMAT_UNKNOWN);
}


/*
 * 'odf_mimetype()' - OpenDocument kind from the stored "mimetype" entry.
 */

static gw_format_t
odf_mimetype(const unsigned char *data,        /* I - Entry data */
             size_t              datalen)      /* I - Its length (compressed size) */
{
  static const _gw_sniff_name_t odf[] =
  {
    { "application/vnd.oasis.opendocument.text", GW_FORMAT_ODT },
    { "application/vnd.oasis.opendocument.spreadsheet", GW_FORMAT_ODS },
    { "application/vnd.oasis.opendocument.presentation", GW_FORMAT_ODP }
  };

  return (_gwSniffName(odf, sizeof(odf) / sizeof(odf[0]), data, datalen, false));
}


/*
 * 'see_name()' - Note what an entry name says about an OOXML package.
 */

static void
see_name(zip_seen_t          *seen,    /* IO - What we saw so far */
         const unsigned char *name,    /* I  - Entry name (not terminated) */
         size_t              namelen)  /* I  - Its length */
{
  static const _gw_sniff_name_t parts[] =
  {
    { "word/", GW_FORMAT_DOCX },
    { "xl/", GW_FORMAT_XLSX },
    { "ppt/", GW_FORMAT_PPTX }
  };

  if (namelen == 19 && !memcmp(name, "[Content_Types].xml", 19))
  {
    seen->content_types = true;
    return;
  }

  if (seen->ooxml == GW_FORMAT_UNKNOWN)
    seen->ooxml = _gwSniffName(parts, sizeof(parts) / sizeof(parts[0]), name, namelen, true);
}


/*
 * 'walk_central()' - Read the names of the central directory when the
 *                    head holds the end of the archive.
 */

static void
walk_central(const unsigned char *p,   /* I  - Head (the whole file, if this is to find anything) */
             size_t              len,  /* I  - Head length */
             zip_seen_t          *seen)/* IO - What we saw so far */
{
  size_t   eocd, stop, off, entries, namelen;
  uint32_t cdoff, cdsize;
  uint16_t count;
  bool     found = false;

  if (len < ZIP_EOCD_SIZE)
    return;

 /*
  * The end record is the last "PK\5\6" within the comment's reach.
  */

  stop = len - ZIP_EOCD_SIZE;
  for (eocd = stop + 1; eocd > 0;)
  {
    eocd --;
    if (stop - eocd > ZIP_COMMENT_MAX)
      break;

    if (!memcmp(p + eocd, "PK\5\6", 4))
    {
      found = true;
      break;
    }
  }

  if (!found)
    return;

  count  = _gwSniffLe16(p + eocd + 10);
  cdsize = _gwSniffLe32(p + eocd + 12);
  cdoff  = _gwSniffLe32(p + eocd + 16);

  if (cdoff > eocd || cdsize > eocd - cdoff)
    return;                             /* Not within the head (or ZIP64) */

  for (off = cdoff, entries = 0; entries < count && entries < ZIP_MAX_ENTRIES; entries ++)
  {
    if (off + ZIP_CENTRAL_SIZE > cdoff + cdsize || memcmp(p + off, "PK\1\2", 4))
      return;

    namelen = _gwSniffLe16(p + off + 28);
    if (off + ZIP_CENTRAL_SIZE + namelen > cdoff + cdsize)
      return;

    see_name(seen, p + off + ZIP_CENTRAL_SIZE, namelen);

    off += ZIP_CENTRAL_SIZE + namelen + _gwSniffLe16(p + off + 30) + _gwSniffLe16(p + off + 32);
  }
}


/*
 * 'walk_local()' - Read the local file headers in the head; returns an
 *                  OpenDocument format, or UNKNOWN with the names seen.
 */

static gw_format_t
walk_local(const unsigned char *p,     /* I  - Head */
           size_t              len,    /* I  - Head length */
           zip_seen_t          *seen)  /* IO - What we saw */
{
  size_t        off = 0, entries, namelen, data;
  uint16_t      flags, method;
  uint32_t      csize;
  const unsigned char *next;

  for (entries = 0; entries < ZIP_MAX_ENTRIES && len - off >= ZIP_LOCAL_SIZE; entries ++)
  {
    if (memcmp(p + off, "PK\3\4", 4))
      break;                            /* Central directory, or not a ZIP after all */

    flags   = _gwSniffLe16(p + off + 6);
    method  = _gwSniffLe16(p + off + 8);
    csize   = _gwSniffLe32(p + off + 18);
    namelen = _gwSniffLe16(p + off + 26);
    data    = off + ZIP_LOCAL_SIZE + namelen + _gwSniffLe16(p + off + 28);

    if (off + ZIP_LOCAL_SIZE + namelen > len)
      break;                            /* The name is cut by the end of the head */

    if (entries == 0 && namelen == 8 && !memcmp(p + off + ZIP_LOCAL_SIZE, "mimetype", 8))
    {
      if (method != 0 || (flags & 8) || data > len || csize > len - data)
        return (GW_FORMAT_UNKNOWN);

      return (odf_mimetype(p + data, csize));
    }

    see_name(seen, p + off + ZIP_LOCAL_SIZE, namelen);

    if (seen->content_types && seen->ooxml != GW_FORMAT_UNKNOWN)
      break;

   /*
    * Skip the data by its size, or search for the next header when the
    * size is not in this header.
    */

    if (data >= len)
      break;

    if ((flags & 8) || csize == 0xFFFFFFFF)
    {
      if ((next = memmem(p + data, len - data, "PK\3\4", 4)) == NULL)
        break;

      off = (size_t)(next - p);
    }
    else
    {
      if (csize > len - data)
        break;

      off = data + csize;
    }
  }

  return (GW_FORMAT_UNKNOWN);
}
