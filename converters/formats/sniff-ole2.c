/*
 * sniff-ole2.c - Word, Excel or PowerPoint 97-2003 inside an OLE2 head.
 *
 * The old Office formats are OLE2 compound files ([MS-CFB]): a 512-byte
 * header, then sectors of 512 or 4096 bytes.  The directory is a chain of
 * sectors (followed through the FAT, whose first 109 sectors the header
 * lists) holding 128-byte entries, and the streams directly under the root
 * storage tell the application: "WordDocument" (Word), "Workbook" or
 * "Book" (Excel 97 and 5/95), "PowerPoint Document" (PowerPoint).  Those
 * names are looked up in the root's children only (a Word file with an
 * embedded sheet has a "Workbook" deeper down), by walking the red-black
 * tree of siblings from the root's child.
 *
 * Everything is bounded: at most OLE2_MAX_DIR_SECTORS directory sectors,
 * OLE2_MAX_VISITS entries visited (a cycle in a hostile tree ends there),
 * and only bytes within the head.  When the answer lies beyond the head or
 * a bound, the file is the generic GW_FORMAT_MS_OLE2; a directory read to
 * its end without one of the three streams (an Outlook .msg, an .msi
 * installer, Thumbs.db) is unknown.
 */

#include "sniff-private.h"

#include <string.h>


/*
 * Limits and constants of the format.
 */

#define OLE2_MAX_DIR_SECTORS 64            /* Directory sectors read */
#define OLE2_MAX_VISITS      512           /* Root-level entries visited */
#define OLE2_HEADER_SIZE     512           /* The header, in every version */
#define OLE2_DIFAT_IN_HEADER 109           /* FAT sector numbers in the header */
#define OLE2_ENTRY_SIZE      128           /* One directory entry */
#define OLE2_MAXREGSECT      0xFFFFFFFAU   /* Highest regular sector number */
#define OLE2_ENDOFCHAIN      0xFFFFFFFEU   /* End of a sector chain */
#define OLE2_MAXREGSID       0xFFFFFFFAU   /* Highest regular directory entry id */
#define OLE2_TYPE_STREAM     2
#define OLE2_TYPE_ROOT       5


/*
 * The directory sectors found in the head.
 */

typedef struct ole2_dir_s
{
  const unsigned char *p;                  /* Head */
  size_t              offsets[OLE2_MAX_DIR_SECTORS];
  size_t              count;               /* Sectors found */
  size_t              per_sector;          /* Entries per sector */
  bool                complete;            /* The chain ended within the head and the bound */
} ole2_dir_t;


/*
 * Local functions.
 */

static const unsigned char *dir_entry(const ole2_dir_t *dir, uint32_t id);
static void        dir_read(ole2_dir_t *dir, const unsigned char *p, size_t len, unsigned shift);
static gw_format_t entry_format(const unsigned char *entry);


/*
 * '_gwSniffOle2()' - Tell which Office 97-2003 format an OLE2 head is.
 */

gw_format_t
_gwSniffOle2(const unsigned char *p,   /* I - Head, starting with the OLE2 signature */
             size_t              len)  /* I - Head length */
{
  ole2_dir_t          dir;
  const unsigned char *root, *entry;
  uint32_t            stack[2 * OLE2_MAX_VISITS + 2], id;
  size_t              depth = 0, visits = 0;
  unsigned            shift;
  bool                missing = false;
  gw_format_t         format, found = GW_FORMAT_UNKNOWN;

  if (len < OLE2_HEADER_SIZE)
    return (GW_FORMAT_MS_OLE2);

  shift = _gwSniffLe16(p + 0x1E);
  if ((shift != 9 && shift != 12) || _gwSniffLe16(p + 0x1C) != 0xFFFE)
    return (GW_FORMAT_UNKNOWN);         /* Not a compound file after all */

  dir_read(&dir, p, len, shift);

  if ((root = dir_entry(&dir, 0)) == NULL)
    return (GW_FORMAT_MS_OLE2);

  if (root[0x42] != OLE2_TYPE_ROOT)
    return (GW_FORMAT_UNKNOWN);

 /*
  * Walk the root's children: the child, and its left and right siblings,
  * recursively (an explicit stack; a hostile cycle stops at the bound).
  */

  stack[depth ++] = _gwSniffLe32(root + 0x4C);

  while (depth > 0)
  {
    id = stack[-- depth];
    if (id > OLE2_MAXREGSID)
      continue;                         /* NOSTREAM: no sibling or child */

    if (visits >= OLE2_MAX_VISITS)
    {
      missing = true;
      break;
    }
    visits ++;

    if ((entry = dir_entry(&dir, id)) == NULL)
    {
      missing = true;
      continue;
    }

    if ((format = entry_format(entry)) != GW_FORMAT_UNKNOWN && (found == GW_FORMAT_UNKNOWN || format < found))
      found = format;                   /* DOC before XLS before PPT, if a file has several */

    stack[depth ++] = _gwSniffLe32(entry + 0x44);
    stack[depth ++] = _gwSniffLe32(entry + 0x48);
  }

  if (found != GW_FORMAT_UNKNOWN)
    return (found);
  else if (missing || !dir.complete)
    return (GW_FORMAT_MS_OLE2);
  else
    return (GW_FORMAT_UNKNOWN);
}


/*
 * 'dir_entry()' - Directory entry by id, or NULL when it is not in the head.
 */

static const unsigned char *
dir_entry(const ole2_dir_t *dir,       /* I - Directory sectors */
          uint32_t         id)         /* I - Entry id */
{
  size_t sector = id / dir->per_sector;

  if (sector >= dir->count)
    return (NULL);

  return (dir->p + dir->offsets[sector] + (id % dir->per_sector) * OLE2_ENTRY_SIZE);
}


/*
 * 'dir_read()' - Find the directory sectors within the head.
 */

static void
dir_read(ole2_dir_t          *dir,     /* O - Directory sectors */
         const unsigned char *p,       /* I - Head */
         size_t              len,      /* I - Head length (at least the header) */
         unsigned            shift)    /* I - Sector shift (9 or 12) */
{
  size_t   size = (size_t)1 << shift, per_fat = size / 4, fat_index;
  uint64_t off;
  uint32_t sector, fat_sector;

  memset(dir, 0, sizeof(*dir));
  dir->p          = p;
  dir->per_sector = size / OLE2_ENTRY_SIZE;

  sector = _gwSniffLe32(p + 0x30);

  while (dir->count < OLE2_MAX_DIR_SECTORS)
  {
    if (sector == OLE2_ENDOFCHAIN)
    {
      dir->complete = true;
      return;
    }

    if (sector > OLE2_MAXREGSECT)
      return;

    off = ((uint64_t)sector + 1) << shift;
    if (off > len || size > len - off)
      return;                           /* Beyond the head */

    dir->offsets[dir->count ++] = (size_t)off;

   /*
    * The next sector of the chain is in the FAT; the header lists the
    * first 109 FAT sectors (enough for files up to 6.8 MB with 512-byte
    * sectors, 3.5 GB with 4096-byte ones).
    */

    if ((fat_index = sector / per_fat) >= OLE2_DIFAT_IN_HEADER)
      return;

    fat_sector = _gwSniffLe32(p + 0x4C + 4 * fat_index);
    if (fat_sector > OLE2_MAXREGSECT)
      return;

    off = (((uint64_t)fat_sector + 1) << shift) + 4 * (sector % per_fat);
    if (off > len || 4 > len - off)
      return;

    sector = _gwSniffLe32(p + off);
  }
}


/*
 * 'entry_format()' - Format named by a root-level stream entry, if any.
 */

static gw_format_t
entry_format(const unsigned char *entry)       /* I - Directory entry */
{
  static const _gw_sniff_name_t streams[] =
  {
    { "WordDocument", GW_FORMAT_DOC },
    { "Workbook", GW_FORMAT_XLS },
    { "Book", GW_FORMAT_XLS },
    { "PowerPoint Document", GW_FORMAT_PPT }
  };
  char     name[32];
  size_t   i, chars, namelen = _gwSniffLe16(entry + 0x40);

  if (entry[0x42] != OLE2_TYPE_STREAM || namelen < 2 || namelen > 64 || (namelen & 1))
    return (GW_FORMAT_UNKNOWN);

  chars = namelen / 2 - 1;              /* The length counts the terminating nul */
  if (chars >= sizeof(name))
    return (GW_FORMAT_UNKNOWN);

  for (i = 0; i < chars; i ++)
  {
    if (entry[2 * i + 1] != 0 || entry[2 * i] == 0 || entry[2 * i] >= 0x80)
      return (GW_FORMAT_UNKNOWN);       /* Not one of our ASCII names */

    name[i] = (char)entry[2 * i];
  }

  return (_gwSniffName(streams, sizeof(streams) / sizeof(streams[0]), (const unsigned char *)name, chars, false));
}
