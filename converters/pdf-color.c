/*
 * pdf-color.c - tell from a PDF content stream whether it certainly
 * paints only grey (see pdf-color.h and docs/converters.md, "Colour pages").
 *
 * A page renders in colour only through a colour it sets (rg, k, sc/scn in
 * a colour space), an image, a shading, a pattern, a Type 3 glyph, a form
 * or an annotation.  This scanner follows the operators of one content
 * stream with the PDF syntax (numbers, names, strings, arrays,
 * dictionaries, inline images) and answers GW_PDF_GREY only when every
 * colour set is neutral (R = G = B, C = M = Y = 0 when the caller allows
 * it, any grey) and every image, shading, form and font it names is grey by
 * the caller's answer.  Everything else is GW_PDF_UNDECIDED: a colour
 * operator with a non-neutral value, an operand count that does not fit the
 * colour space, an inline image that is not grey or whose end cannot be
 * found without guessing (a filter), a nesting too deep, a syntax error.
 * Undecided pages are rendered and scanned as before, so a wrong
 * "undecided" costs time, never a wrong count.
 *
 * The input is our own pdfwrite output, but it carries what the user
 * sent: every loop is bounded by the bytes given, names by
 * GW_PDF_NAME_MAX, nesting by SCAN_DEPTH_MAX and the graphics state stack
 * by SCAN_SAVE_MAX.
 */

#include "pdf-color.h"
#include "printgate/text.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define SCAN_OPERANDS   16              /* Operands kept (the last ones) */
#define SCAN_DEPTH_MAX  64              /* Nested arrays and dictionaries */
#define SCAN_SAVE_MAX   64              /* q nesting followed */
#define INLINE_DIM_MAX  100000          /* Width or height of an inline image */


/*
 * Tokens.
 */

typedef enum tok_type_e
{
  TOK_EOF, TOK_ERROR, TOK_NUMBER, TOK_NAME, TOK_KEYWORD, TOK_STRING,
  TOK_OPEN, TOK_CLOSE                   /* [ << and ] >> */
} tok_type_t;

typedef struct tok_s
{
  tok_type_t type;
  double     num;
  char       text[GW_PDF_NAME_MAX + 1]; /* Name (decoded) or keyword */
  bool       too_long;
} tok_t;

typedef struct scan_s
{
  const unsigned char *p, *end;
} scan_t;

typedef struct operand_s
{
  tok_type_t type;                      /* TOK_NUMBER, TOK_NAME, else "other" */
  double     num;
  char       name[GW_PDF_NAME_MAX + 1];
  bool       bad_name;
} operand_t;

typedef struct state_s
{
  gw_pdf_space_t fill, stroke;
} state_t;


/*
 * 'is_space()', 'is_delim()', 'is_regular()' - PDF character classes, from
 *                                               one table (the scan's
 *                                               inner loops test every
 *                                               byte of a page's content).
 */

#define CLASS_SPACE  1
#define CLASS_DELIM  2

static const unsigned char char_class[256] =
{
  [0] = CLASS_SPACE, ['\t'] = CLASS_SPACE, ['\n'] = CLASS_SPACE, ['\f'] = CLASS_SPACE, ['\r'] = CLASS_SPACE, [' '] = CLASS_SPACE,
  ['('] = CLASS_DELIM, [')'] = CLASS_DELIM, ['<'] = CLASS_DELIM, ['>'] = CLASS_DELIM, ['['] = CLASS_DELIM, [']'] = CLASS_DELIM,
  ['{'] = CLASS_DELIM, ['}'] = CLASS_DELIM, ['/'] = CLASS_DELIM, ['%'] = CLASS_DELIM
};

static inline bool
is_space(int c)
{
  return (char_class[c & 255] == CLASS_SPACE);
}

static inline bool
is_delim(int c)
{
  return (char_class[c & 255] == CLASS_DELIM);
}

static inline bool
is_regular(int c)
{
  return (char_class[c & 255] == 0);
}


/*
 * 'skip_string()' - Skip a literal string after its '(' (nesting and
 *                   backslash escapes).  False when it does not end.
 */

static bool
skip_string(scan_t *s)
{
  int depth = 1;

  while (s->p < s->end)
  {
    int c = *s->p ++;

    if (c == '\\')
    {
      if (s->p < s->end)
        s->p ++;
    }
    else if (c == '(')
      depth ++;
    else if (c == ')' && -- depth == 0)
      return (true);
  }

  return (false);
}


/*
 * 'parse_number()' - A PDF number: an optional sign, digits with at most
 *                    one '.', at least one digit, within +/- 1e15.  The
 *                    digits are gathered as integers and divided once,
 *                    so equal values written alike
 *                    ("0.3", "0.30") compare equal when colour components
 *                    are compared; fraction digits after the 15th are
 *                    ignored.
 */

static bool
parse_number(const unsigned char *p, size_t len, double *value)
{
  static const double tens[16] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
  int64_t ipart = 0, fpart = 0;
  int     fdigits = 0;
  bool    neg = false, dot = false, digits = false;
  size_t  i = 0;

  if (i < len && (p[i] == '-' || p[i] == '+'))
    neg = p[i ++] == '-';

  for (; i < len; i ++)
  {
    unsigned d = (unsigned)p[i] - '0';

    if (d <= 9)
    {
      digits = true;
      if (!dot)
      {
        if ((ipart = ipart * 10 + (int64_t)d) > 1000000000000000)
          return (false);
      }
      else if (fdigits < 15)
      {
        fpart = fpart * 10 + (int64_t)d;
        fdigits ++;
      }
    }
    else if (p[i] == '.' && !dot)
      dot = true;
    else
      return (false);
  }

  *value = (double)ipart + (fdigits ? (double)fpart / tens[fdigits] : 0.0);
  if (neg)
    *value = -*value;

  return (digits);
}


/*
 * 'next_token()' - Read the next token.
 */

static void
next_token(scan_t *s, tok_t *t)
{
  const unsigned char *start;
  size_t               len = 0;

  t->type     = TOK_EOF;
  t->too_long = false;
  t->text[0]  = '\0';

  for (;;)
  {
    while (s->p < s->end && is_space(*s->p))
      s->p ++;
    if (s->p < s->end && *s->p == '%')
    {
      while (s->p < s->end && *s->p != '\r' && *s->p != '\n')
        s->p ++;
      continue;
    }
    break;
  }

  if (s->p >= s->end)
    return;

  switch (*s->p)
  {
    case '(' :
        s->p ++;
        t->type = skip_string(s) ? TOK_STRING : TOK_ERROR;
        return;
    case '<' :
        if (s->p + 1 < s->end && s->p[1] == '<')
        {
          s->p += 2;
          t->type = TOK_OPEN;
          return;
        }
        s->p ++;
        while (s->p < s->end && *s->p != '>' && (is_space(*s->p) || gwHexValue(*s->p) >= 0))
          s->p ++;
        t->type = s->p < s->end && *s->p == '>' ? TOK_STRING : TOK_ERROR;
        s->p ++;
        return;
    case '>' :
        if (s->p + 1 < s->end && s->p[1] == '>')
        {
          s->p += 2;
          t->type = TOK_CLOSE;
          return;
        }
        t->type = TOK_ERROR;
        return;
    case '[' :
    case '{' :
        s->p ++;
        t->type = TOK_OPEN;
        return;
    case ']' :
    case '}' :
        s->p ++;
        t->type = TOK_CLOSE;
        return;
    case ')' :
        t->type = TOK_ERROR;
        return;
    case '/' :
        s->p ++;
        t->type = TOK_NAME;
        while (s->p < s->end && is_regular(*s->p))
        {
          int c = *s->p ++;

          if (c == '#' && s->p + 1 < s->end && gwHexValue(s->p[0]) >= 0 && gwHexValue(s->p[1]) >= 0)
          {
            c = gwHexValue(s->p[0]) * 16 + gwHexValue(s->p[1]);
            s->p += 2;
          }
          if (len < GW_PDF_NAME_MAX && c != 0)
            t->text[len ++] = (char)c;
          else
            t->too_long = true;
        }
        t->text[len] = '\0';
        return;
    default :
        break;
  }

  /* A number or a keyword (regular characters up to a delimiter). */
  start = s->p;
  while (s->p < s->end && is_regular(*s->p))
    s->p ++;

  len = (size_t)(s->p - start);
  if (len > GW_PDF_NAME_MAX)
  {
    t->type     = TOK_KEYWORD;
    t->too_long = true;
    return;
  }

  if ((start[0] >= '0' && start[0] <= '9') || start[0] == '-' || start[0] == '+' || start[0] == '.')
  {
    /* A number needs no text: only keywords and names are compared. */
    t->type = parse_number(start, len, &t->num) ? TOK_NUMBER : TOK_ERROR;
    return;
  }

  memcpy(t->text, start, len);
  t->text[len] = '\0';
  t->type = TOK_KEYWORD;
}


/*
 * 'gwPdfSpaceByName()' - A colour space given by a device name or an
 *                        inline-image abbreviation; OTHER for any other
 *                        name (the caller then looks it up in the
 *                        resources).
 */

gw_pdf_space_t
gwPdfSpaceByName(const char *name)
{
  if (!strcmp(name, "DeviceGray") || !strcmp(name, "G"))
    return (GW_PDF_SPACE_GRAY);
  if (!strcmp(name, "DeviceRGB") || !strcmp(name, "RGB"))
    return (GW_PDF_SPACE_RGB);
  if (!strcmp(name, "DeviceCMYK") || !strcmp(name, "CMYK"))
    return (GW_PDF_SPACE_CMYK);

  return (GW_PDF_SPACE_OTHER);
}


/*
 * 'space_of()' - The colour space an operand names (device name first,
 *                then the resources).
 */

static gw_pdf_space_t
space_of(const gw_pdf_scan_cb_t *cb, const operand_t *op)
{
  gw_pdf_space_t space;

  if (op->type != TOK_NAME || op->bad_name)
    return (GW_PDF_SPACE_OTHER);

  if ((space = gwPdfSpaceByName(op->name)) != GW_PDF_SPACE_OTHER || !strcmp(op->name, "Pattern"))
    return (space);

  return ((gw_pdf_space_t)cb->resource(cb->ctx, GW_PDF_RES_COLORSPACE, op->name));
}


/*
 * 'color_grey()' - Are the last n operands (exactly n, all numbers) a
 *                  neutral colour in space?
 */

static bool
color_grey(const gw_pdf_scan_cb_t *cb, gw_pdf_space_t space, const operand_t *ops, int nops)
{
  int n = space == GW_PDF_SPACE_GRAY ? 1 : space == GW_PDF_SPACE_RGB ? 3 : space == GW_PDF_SPACE_CMYK ? 4 : 0;

  if (n == 0 || nops != n)
    return (false);

  for (int i = 0; i < n; i ++)
  {
    if (ops[i].type != TOK_NUMBER)
      return (false);
  }

  if (space == GW_PDF_SPACE_RGB)
    return (ops[0].num == ops[1].num && ops[1].num == ops[2].num);

  if (space == GW_PDF_SPACE_CMYK)
    return (cb->cmyk_grey && ops[0].num == 0.0 && ops[1].num == 0.0 && ops[2].num == 0.0);

  return (true);
}


/*
 * 'inline_image()' - After BI: read the image dictionary, decide whether
 *                    the image is grey, and skip its data and EI.  Only an
 *                    image mask or a grey image without a filter (whose
 *                    data length is known) passes.
 */

static gw_pdf_shade_t
inline_image(scan_t *s, const gw_pdf_scan_cb_t *cb)
{
  tok_t  key, val;
  bool   mask = false, filtered = false, grey = false;
  double w = 0, h = 0, bpc = 0;
  size_t bytes;

  for (;;)
  {
    next_token(s, &key);
    if (key.type == TOK_KEYWORD && !strcmp(key.text, "ID"))
      break;
    if (key.type != TOK_NAME)
      return (GW_PDF_UNDECIDED);

    next_token(s, &val);
    if (val.type == TOK_OPEN || val.type == TOK_EOF || val.type == TOK_ERROR)
      return (GW_PDF_UNDECIDED);        /* An array value (Indexed, filters, Decode): not followed */

    if (!strcmp(key.text, "IM") || !strcmp(key.text, "ImageMask"))
      mask = val.type == TOK_KEYWORD && !strcmp(val.text, "true");
    else if (!strcmp(key.text, "CS") || !strcmp(key.text, "ColorSpace"))
    {
      operand_t op;

      memset(&op, 0, sizeof(op));
      op.type     = val.type;
      op.bad_name = val.too_long;
      memcpy(op.name, val.text, sizeof(op.name));
      grey = space_of(cb, &op) == GW_PDF_SPACE_GRAY;
    }
    else if (!strcmp(key.text, "F") || !strcmp(key.text, "Filter"))
      filtered = true;
    else if ((!strcmp(key.text, "W") || !strcmp(key.text, "Width")) && val.type == TOK_NUMBER)
      w = val.num;
    else if ((!strcmp(key.text, "H") || !strcmp(key.text, "Height")) && val.type == TOK_NUMBER)
      h = val.num;
    else if ((!strcmp(key.text, "BPC") || !strcmp(key.text, "BitsPerComponent")) && val.type == TOK_NUMBER)
      bpc = val.num;
  }

  if (mask && bpc == 0)
    bpc = 1;

  if ((!mask && !grey) || filtered || w < 1 || h < 1 || w > INLINE_DIM_MAX || h > INLINE_DIM_MAX ||
      w != floor(w) || h != floor(h) || (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16))
    return (GW_PDF_UNDECIDED);

  /* One white-space byte after ID, the data, then white space and EI. */
  bytes = (size_t)h * (((size_t)w * (size_t)bpc + 7) / 8);
  if (s->p >= s->end || !is_space(*s->p) || (size_t)(s->end - s->p - 1) < bytes)
    return (GW_PDF_UNDECIDED);

  s->p += 1 + bytes;
  while (s->p < s->end && is_space(*s->p))
    s->p ++;

  if (s->end - s->p < 2 || s->p[0] != 'E' || s->p[1] != 'I' || (s->end - s->p > 2 && !is_space(s->p[2]) && !is_delim(s->p[2])))
    return (GW_PDF_UNDECIDED);

  s->p += 2;
  return (GW_PDF_GREY);
}


/*
 * 'next_operator()' - Read operands up to the next operator: the last
 *                     SCAN_OPERANDS of them in ops[] (*nops), the
 *                     operator in *t.  Arrays and dictionaries count as
 *                     one operand each.  OP_END at the end of the stream
 *                     (OP_ERROR when an array or dictionary is left open),
 *                     OP_ERROR on a syntax error or an operator too long.
 */

typedef enum op_read_e
{
  OP_READ, OP_END, OP_ERROR
} op_read_t;

static op_read_t
next_operator(scan_t *s, tok_t *t, operand_t *ops, int *nops)
{
  int depth = 0;

  *nops = 0;

  for (;;)
  {
    next_token(s, t);

    if (t->type == TOK_EOF)
      return (depth == 0 ? OP_END : OP_ERROR);
    if (t->type == TOK_ERROR)
      return (OP_ERROR);

    if (t->type == TOK_OPEN || t->type == TOK_CLOSE)
    {
      depth += t->type == TOK_OPEN ? 1 : -1;
      if (depth < 0 || depth > SCAN_DEPTH_MAX)
        return (OP_ERROR);
      if (depth > 0 || t->type == TOK_OPEN)
        continue;
      t->type = TOK_STRING;             /* The whole array or dictionary: one "other" operand */
    }
    else if (depth > 0)
      continue;

    if (t->type != TOK_KEYWORD || ((t->text[0] == 't' || t->text[0] == 'f' || t->text[0] == 'n') &&
                                   (!strcmp(t->text, "true") || !strcmp(t->text, "false") || !strcmp(t->text, "null"))))
    {
      if (*nops == SCAN_OPERANDS)
      {
        memmove(ops, ops + 1, sizeof(ops[0]) * (SCAN_OPERANDS - 1));
        (*nops) --;
      }
      ops[*nops].type     = t->type;
      ops[*nops].num      = t->num;
      ops[*nops].bad_name = t->too_long;
      if (t->type == TOK_NAME)
        memcpy(ops[*nops].name, t->text, strlen(t->text) + 1);
      (*nops) ++;
      continue;
    }

    return (t->too_long ? OP_ERROR : OP_READ);
  }
}


/*
 * 'gwPdfScanContent()' - Scan one content stream (a page's, a form's, a
 *                        Type 3 glyph's).  GW_PDF_GREY only when all it
 *                        paints is certainly neutral.
 */

gw_pdf_shade_t
gwPdfScanContent(const unsigned char *data, size_t len, const gw_pdf_scan_cb_t *cb)
{
  scan_t    s;
  tok_t     t;
  operand_t ops[SCAN_OPERANDS];
  int       nops = 0, nsaved = 0;
  state_t   gs = { GW_PDF_SPACE_GRAY, GW_PDF_SPACE_GRAY }, saved[SCAN_SAVE_MAX];
  bool      uncoloured = false;         /* After d1: colour operators are ignored */
  op_read_t rd;

  if (!data || !cb || !cb->resource)
    return (GW_PDF_UNDECIDED);

  s.p   = data;
  s.end = data + len;

  while ((rd = next_operator(&s, &t, ops, &nops)) == OP_READ)
  {
    const char      *op = t.text;
    const operand_t *last = nops > 0 ? ops + nops - 1 : NULL;
    int              r = GW_PDF_GREY;

    /* Most operators (paths, text, matrices) change nothing here. */
    if (!strchr("qQdgGrRkKcCsSDTB", op[0]) || (op[1] && op[2] && op[3]))
      continue;

    if (!strcmp(op, "q"))
    {
      if (nsaved == SCAN_SAVE_MAX)
        return (GW_PDF_UNDECIDED);
      saved[nsaved ++] = gs;
    }
    else if (!strcmp(op, "Q"))
    {
      if (nsaved > 0)
        gs = saved[-- nsaved];
    }
    else if (!strcmp(op, "d1") || !strcmp(op, "d0"))
    {
      if (!cb->glyph)
        return (GW_PDF_UNDECIDED);      /* Not in a glyph: Ghostscript would not ignore colours after it */
      uncoloured = uncoloured || op[1] == '1';
    }
    else if (!strcmp(op, "g") || !strcmp(op, "G") || !strcmp(op, "rg") || !strcmp(op, "RG") ||
             !strcmp(op, "k") || !strcmp(op, "K"))
    {
      gw_pdf_space_t space = (op[0] == 'g' || op[0] == 'G') ? GW_PDF_SPACE_GRAY : (op[0] == 'r' || op[0] == 'R') ? GW_PDF_SPACE_RGB : GW_PDF_SPACE_CMYK;
      int            n = space == GW_PDF_SPACE_GRAY ? 1 : space == GW_PDF_SPACE_RGB ? 3 : 4;

      if (!uncoloured && (nops < n || !color_grey(cb, space, ops + nops - n, n)))
        return (GW_PDF_UNDECIDED);
      if (op[strlen(op) - 1] >= 'a')
        gs.fill = space;
      else
        gs.stroke = space;
    }
    else if (!strcmp(op, "cs") || !strcmp(op, "CS"))
    {
      gw_pdf_space_t space = last ? space_of(cb, last) : GW_PDF_SPACE_OTHER;

      if (!uncoloured && space == GW_PDF_SPACE_OTHER)
        return (GW_PDF_UNDECIDED);
      if (op[0] == 'c')
        gs.fill = space;
      else
        gs.stroke = space;
    }
    else if (!strcmp(op, "sc") || !strcmp(op, "scn") || !strcmp(op, "SC") || !strcmp(op, "SCN"))
    {
      if (!uncoloured && !color_grey(cb, op[0] == 's' ? gs.fill : gs.stroke, ops, nops))
        return (GW_PDF_UNDECIDED);
    }
    else if (!strcmp(op, "Do") || !strcmp(op, "sh") || !strcmp(op, "gs") || !strcmp(op, "Tf"))
    {
      const operand_t *name = !strcmp(op, "Tf") ? (nops >= 2 ? ops + nops - 2 : NULL) : last;
      gw_pdf_res_t     category = op[0] == 'D' ? GW_PDF_RES_XOBJECT : op[0] == 's' ? GW_PDF_RES_SHADING :
                                  op[0] == 'g' ? GW_PDF_RES_EXTGSTATE : GW_PDF_RES_FONT;

      if (!name || name->type != TOK_NAME || name->bad_name)
        return (GW_PDF_UNDECIDED);
      r = cb->resource(cb->ctx, category, name->name);
    }
    else if (!strcmp(op, "BI"))
      r = inline_image(&s, cb);

    if (r != GW_PDF_GREY)
      return (GW_PDF_UNDECIDED);
  }

  return (rd == OP_END ? GW_PDF_GREY : GW_PDF_UNDECIDED);
}


/*
 * The colour proof (gwPdfProveColour()).
 *
 * The renderer calls a page colour when more than a few pixels of it have
 * a clear chroma (convert-color.c).  The proof stands in for it only where
 * the rendered result is certain: a rectangle filled ('re' then 'f', 'F' or
 * 'f*', the path's only subpath) under a CTM that keeps it a rectangle, in
 * DeviceRGB with a chroma of at least PROOF_CHROMA, opaque (no ExtGState
 * other than a plain one since the last q it is under), outside optional
 * content, under a clip that is exactly a rectangle, inside the rendered
 * box, and big enough for PROOF_PIXELS whole pixels at GW_PDF_PROOF_DPI.
 * Everything painted later on the page (fills and strokes by the bounding
 * box of their path, images and forms by their box through the CTM, text
 * and shadings by the clip, annotations by their rectangle), widened by
 * PROOF_MARGIN, is cut out of those rectangles; a page is proven colour
 * when a rectangle of that size is left.  Any operator we do not know, an
 * operand count or type that does not fit, an inline image we cannot skip,
 * a syntax error or an unbalanced Q or EMC makes the answer UNDECIDED: the
 * page is rendered as before.
 *
 * Coordinates are in the page's default user space (points): at
 * GW_PDF_PROOF_DPI a pixel is 72 / GW_PDF_PROOF_DPI points, whatever the
 * page's rotation, so an interval of PROOF_SIDE points holds at least
 * PROOF_SIDE / pixel - 1 whole pixels wherever the pixel grid falls.
 */

#define PROOF_PIXEL      (72.0 / GW_PDF_PROOF_DPI)
#define PROOF_SIDE       (5 * PROOF_PIXEL)      /* >= 4 whole pixels a side: 16 >= GW_PDF_PROOF_PIXELS */
#define PROOF_MARGIN     (2 * PROOF_PIXEL)      /* Around what is painted later (any-part-of-a-pixel, fill adjust) */
#define PROOF_CHROMA     (2.0 * GW_PDF_PROOF_CHROMA / 255.0)
#define PROOF_COORD_MAX  100000.0               /* A proven rectangle lies within +/- this, before clipping */
#define PROOF_CAND_MAX   32                     /* Rectangles followed at once */

typedef struct box_s
{
  double x0, y0, x1, y1;
} box_t;

typedef struct proof_state_s            /* What q saves and Q restores */
{
  double ctm[6];
  bool   ctm_ok;                        /* Finite and not too large */
  box_t  clip;                          /* The clip lies within this box */
  bool   clip_exact;                    /* ... and is exactly this box */
  gw_pdf_space_t fill;
  bool   colour;                        /* The fill colour certainly renders with chroma */
  bool   opaque;                        /* No ExtGState that may change painting */
  double lw, ml;                        /* Line width (< 0 = unknown), miter limit */
} proof_state_t;

typedef struct proof_s
{
  const gw_pdf_scan_cb_t *cb;
  box_t          page;                  /* The rendered box */
  proof_state_t  gs, saved[SCAN_SAVE_MAX];
  int            nsaved;
  box_t          path;                  /* Bounding box of the current path, in page space */
  int            subpaths;              /* 0 = no current path */
  bool           path_rect;             /* The path is one 're' that stays a rectangle */
  bool           path_ok;               /* Its box is finite */
  bool           clip_pending;          /* W or W* seen: the next painting operator clips */
  bool           in_text;               /* Between BT and ET */
  int            marked;                /* Marked-content nesting */
  int            hidden_from;           /* Nesting level where optional content began, 0 = none */
  box_t          cand[PROOF_CAND_MAX];  /* Colour rectangles not covered so far */
  int            ncand;
} proof_t;

typedef struct proof_op_s
{
  const char *name;
  int         nargs;                    /* Operands it takes, -1 = any */
} proof_op_t;


/*
 * 'box_meet()' - The intersection of two boxes (empty when x0 > x1 or
 *                y0 > y1).
 */

static box_t
box_meet(box_t a, box_t b)
{
  box_t r;

  r.x0 = a.x0 > b.x0 ? a.x0 : b.x0;
  r.y0 = a.y0 > b.y0 ? a.y0 : b.y0;
  r.x1 = a.x1 < b.x1 ? a.x1 : b.x1;
  r.y1 = a.y1 < b.y1 ? a.y1 : b.y1;

  return (r);
}


/*
 * 'box_big()' - Is the box at least PROOF_SIDE wide and high?
 */

static bool
box_big(box_t b)
{
  return (b.x1 - b.x0 >= PROOF_SIDE && b.y1 - b.y0 >= PROOF_SIDE);
}


/*
 * 'box_finite()' - Are all four coordinates finite?
 */

static bool
box_finite(box_t b)
{
  return (isfinite(b.x0) && isfinite(b.y0) && isfinite(b.x1) && isfinite(b.y1));
}


/*
 * 'box_add_point()' - Grow a box by a point of user space, through a CTM.
 */

static void
box_add_point(box_t *b, const double m[6], double x, double y)
{
  double px = m[0] * x + m[2] * y + m[4];
  double py = m[1] * x + m[3] * y + m[5];

  if (px < b->x0) b->x0 = px;
  if (px > b->x1) b->x1 = px;
  if (py < b->y0) b->y0 = py;
  if (py > b->y1) b->y1 = py;
}


/*
 * 'box_through()' - The page-space box around a user-space box.
 */

static box_t
box_through(const double m[6], double x0, double y0, double x1, double y1)
{
  box_t b = { INFINITY, INFINITY, -INFINITY, -INFINITY };

  box_add_point(&b, m, x0, y0);
  box_add_point(&b, m, x1, y0);
  box_add_point(&b, m, x0, y1);
  box_add_point(&b, m, x1, y1);

  return (b);
}


/*
 * 'proof_cover()' - Something is painted within box (NULL: anywhere in the
 *                   clip): cut it, widened by PROOF_MARGIN, out of the
 *                   colour rectangles, keeping the pieces that are still
 *                   big enough (as many as fit).
 */

static void
proof_cover(proof_t *pf, const box_t *box)
{
  box_t c = pf->gs.clip;
  box_t keep[PROOF_CAND_MAX];
  int   nkeep = 0;

  if (box && box_finite(*box))
    c = box_meet(c, *box);

  c.x0 -= PROOF_MARGIN;
  c.y0 -= PROOF_MARGIN;
  c.x1 += PROOF_MARGIN;
  c.y1 += PROOF_MARGIN;

  for (int i = 0; i < pf->ncand; i ++)
  {
    box_t r = pf->cand[i], piece[4];

    if (c.x0 >= r.x1 || c.x1 <= r.x0 || c.y0 >= r.y1 || c.y1 <= r.y0)
    {
      if (nkeep < PROOF_CAND_MAX)
        keep[nkeep ++] = r;             /* Not touched (when full, dropped: fewer proofs, never a wrong one) */
      continue;
    }

    /* Left, right, below, above the cover. */
    piece[0] = (box_t){ r.x0, r.y0, c.x0, r.y1 };
    piece[1] = (box_t){ c.x1, r.y0, r.x1, r.y1 };
    piece[2] = (box_t){ r.x0, r.y0, r.x1, c.y0 };
    piece[3] = (box_t){ r.x0, c.y1, r.x1, r.y1 };

    for (int j = 0; j < 4 && nkeep < PROOF_CAND_MAX; j ++)
    {
      if (box_big(piece[j]))
        keep[nkeep ++] = piece[j];
    }
  }

  memcpy(pf->cand, keep, sizeof(keep[0]) * (size_t)nkeep);
  pf->ncand = nkeep;
}


/*
 * 'proof_path_point()' - Add a point (the operands ops[0] and ops[1]) to the
 *                        current path's box.
 */

static void
proof_path_point(proof_t *pf, const operand_t *ops)
{
  box_add_point(&pf->path, pf->gs.ctm, ops[0].num, ops[1].num);
}


/*
 * 'proof_rect()' - 're': a new subpath; the path stays a proven rectangle
 *                  only when it is the first and the CTM keeps its sides
 *                  along the page's axes.
 */

static void
proof_rect(proof_t *pf, const operand_t *ops)
{
  const double *m = pf->gs.ctm;
  double        x0 = ops[0].num, y0 = ops[1].num, x1 = x0 + ops[2].num, y1 = y0 + ops[3].num;
  box_t         b = box_through(m, x0, y0, x1, y1);

  pf->path_rect = pf->subpaths == 0 && pf->gs.ctm_ok && ((m[1] == 0.0 && m[2] == 0.0) || (m[0] == 0.0 && m[3] == 0.0)) &&
                  fabs(b.x0) <= PROOF_COORD_MAX && fabs(b.x1) <= PROOF_COORD_MAX &&
                  fabs(b.y0) <= PROOF_COORD_MAX && fabs(b.y1) <= PROOF_COORD_MAX;
  pf->subpaths ++;
  box_add_point(&pf->path, m, x0, y0);
  box_add_point(&pf->path, m, x1, y1);
  box_add_point(&pf->path, m, x0, y1);
  box_add_point(&pf->path, m, x1, y0);
}


/*
 * 'proof_paint()' - A path painting operator (f, S, B, n, ...): the fill
 *                   of a proven rectangle in a certain colour becomes a
 *                   colour rectangle; anything painted covers its box
 *                   (a stroke's widened by the line width); then W's clip
 *                   takes effect and the path ends.
 */

static void
proof_paint(proof_t *pf, const char *op)
{
  proof_state_t *gs = &pf->gs;
  bool           fill = strchr("fFbB", op[0]) != NULL, stroke = strchr("sSbB", op[0]) != NULL;
  bool           known = pf->path_ok && box_finite(pf->path) && gs->ctm_ok;

  if (pf->subpaths > 0 && (fill || stroke))
  {
    box_t b = pf->path;

    if (stroke && known)
    {
      /* Half the width, times the miter limit, through the CTM (its largest stretch is at most the sum of |a| .. |d|). */
      double grow = gs->lw < 0 ? INFINITY : (gs->lw * (gs->ml > 2.0 ? gs->ml : 2.0) + 1.0) *
                    (fabs(gs->ctm[0]) + fabs(gs->ctm[1]) + fabs(gs->ctm[2]) + fabs(gs->ctm[3]));

      b.x0 -= grow;
      b.y0 -= grow;
      b.x1 += grow;
      b.y1 += grow;
    }

    proof_cover(pf, known ? &b : NULL);

    if (fill && !stroke && pf->path_rect && pf->subpaths == 1 && known && gs->colour && gs->opaque && gs->clip_exact &&
        !pf->hidden_from && !pf->in_text && pf->ncand < PROOF_CAND_MAX)
    {
      box_t r = box_meet(box_meet(pf->path, gs->clip), pf->page);

      if (box_big(r))
        pf->cand[pf->ncand ++] = r;
    }
  }

  if (pf->clip_pending)
  {
    if (pf->subpaths > 0 && known)
      gs->clip = box_meet(gs->clip, pf->path);
    if (!pf->path_rect || pf->subpaths != 1 || !known)
      gs->clip_exact = false;
  }

  pf->clip_pending = false;
  pf->subpaths     = 0;
  pf->path_rect    = false;
  pf->path_ok      = true;
  pf->path         = (box_t){ INFINITY, INFINITY, -INFINITY, -INFINITY };
}


/*
 * The operators of PDF 2.0 (ISO 32000-2, annex A) with their operand
 * counts, and whether those must all be numbers.  Any other operator ends
 * the proof (BX/EX compatibility sections too).
 */

static const struct
{
  const char *name;
  int         nargs;                    /* -1 = any */
  bool        numbers;
} proof_ops[] =
{
  { "\"", 3, false }, { "'", 1, false }, { "B", 0, false }, { "B*", 0, false }, { "BDC", 2, false },
  { "BI", 0, false }, { "BMC", 1, false }, { "BT", 0, false }, { "CS", 1, false }, { "DP", 2, false },
  { "Do", 1, false }, { "EMC", 0, false }, { "ET", 0, false }, { "F", 0, false }, { "G", 1, true },
  { "J", 1, true }, { "K", 4, true }, { "M", 1, true }, { "MP", 1, false }, { "Q", 0, false },
  { "RG", 3, true }, { "S", 0, false }, { "SC", -1, false }, { "SCN", -1, false }, { "T*", 0, false },
  { "TD", 2, true }, { "TJ", 1, false }, { "TL", 1, true }, { "Tc", 1, true }, { "Td", 2, true },
  { "Tf", 2, false }, { "Tj", 1, false }, { "Tm", 6, true }, { "Tr", 1, true }, { "Ts", 1, true },
  { "Tw", 1, true }, { "Tz", 1, true }, { "W", 0, false }, { "W*", 0, false }, { "b", 0, false },
  { "b*", 0, false }, { "c", 6, true }, { "cm", 6, true }, { "cs", 1, false }, { "d", 2, false },
  { "f", 0, false }, { "f*", 0, false }, { "g", 1, true }, { "gs", 1, false }, { "h", 0, false },
  { "i", 1, true }, { "j", 1, true }, { "k", 4, true }, { "l", 2, true }, { "m", 2, true },
  { "n", 0, false }, { "q", 0, false }, { "re", 4, true }, { "rg", 3, true }, { "ri", 1, false },
  { "s", 0, false }, { "sc", -1, false }, { "scn", -1, false }, { "sh", 1, false }, { "v", 4, true },
  { "w", 1, true }, { "y", 4, true }
};


/*
 * 'proof_known()' - Is op a PDF operator with a fitting operand list?
 */

static bool
proof_known(const char *op, const operand_t *ops, int nops)
{
  for (size_t i = 0; i < sizeof(proof_ops) / sizeof(proof_ops[0]); i ++)
  {
    if (strcmp(op, proof_ops[i].name))
      continue;

    if (proof_ops[i].nargs >= 0 && nops != proof_ops[i].nargs)
      return (false);

    for (int j = 0; proof_ops[i].numbers && j < nops; j ++)
    {
      if (ops[j].type != TOK_NUMBER)
        return (false);
    }

    return (true);
  }

  return (false);
}


/*
 * 'proof_rgb()' - Are three operands an RGB colour the renderer certainly
 *                 sees as colour (each within 0 .. 1, as given, and a
 *                 chroma of at least PROOF_CHROMA)?
 */

static bool
proof_rgb(const operand_t *ops, int nops)
{
  double hi = 0.0, lo = 1.0;

  if (nops != 3)
    return (false);

  for (int i = 0; i < 3; i ++)
  {
    if (ops[i].type != TOK_NUMBER || !(ops[i].num >= 0.0 && ops[i].num <= 1.0))
      return (false);
    if (ops[i].num > hi)
      hi = ops[i].num;
    if (ops[i].num < lo)
      lo = ops[i].num;
  }

  return (hi - lo >= PROOF_CHROMA);
}


/*
 * 'proof_state()' - The operators that change the graphics state: q, Q,
 *                   cm, the fill colour, gs, w, M, Tr.  False when the
 *                   proof must stop.
 */

static bool
proof_state(proof_t *pf, const char *op, const operand_t *ops, int nops)
{
  proof_state_t *gs = &pf->gs;

  if (!strcmp(op, "q"))
  {
    if (pf->nsaved == SCAN_SAVE_MAX)
      return (false);
    pf->saved[pf->nsaved ++] = *gs;
  }
  else if (!strcmp(op, "Q"))
  {
    if (pf->nsaved == 0)
      return (false);
    *gs = pf->saved[-- pf->nsaved];
  }
  else if (!strcmp(op, "cm"))
  {
    double *c = gs->ctm, n[6];

    if (pf->subpaths > 0)
      return (false);                   /* cm inside a path */

    n[0] = ops[0].num * c[0] + ops[1].num * c[2];
    n[1] = ops[0].num * c[1] + ops[1].num * c[3];
    n[2] = ops[2].num * c[0] + ops[3].num * c[2];
    n[3] = ops[2].num * c[1] + ops[3].num * c[3];
    n[4] = ops[4].num * c[0] + ops[5].num * c[2] + c[4];
    n[5] = ops[4].num * c[1] + ops[5].num * c[3] + c[5];
    memcpy(c, n, sizeof(n));

    for (int i = 0; i < 6; i ++)
      gs->ctm_ok = gs->ctm_ok && isfinite(c[i]);
  }
  else if (!strcmp(op, "g") || !strcmp(op, "rg") || !strcmp(op, "k"))
  {
    gs->fill   = op[0] == 'g' ? GW_PDF_SPACE_GRAY : op[0] == 'r' ? GW_PDF_SPACE_RGB : GW_PDF_SPACE_CMYK;
    gs->colour = op[0] == 'r' && proof_rgb(ops, nops);
  }
  else if (!strcmp(op, "cs"))
  {
    if (ops[0].type != TOK_NAME)
      return (false);
    gs->fill   = space_of(pf->cb, ops);
    gs->colour = false;                 /* The initial colour of any space is black */
  }
  else if (!strcmp(op, "sc") || !strcmp(op, "scn"))
    gs->colour = gs->fill == GW_PDF_SPACE_RGB && proof_rgb(ops, nops);
  else if (!strcmp(op, "gs"))
  {
    if (ops[0].type != TOK_NAME || ops[0].bad_name || pf->cb->resource(pf->cb->ctx, GW_PDF_RES_OPAQUE, ops[0].name) != 1)
    {
      gs->opaque = false;               /* Transparency, transfer, overprint, or a line width we do not see */
      gs->lw     = -1.0;
    }
  }
  else if (!strcmp(op, "w"))
    gs->lw = fabs(ops[0].num);
  else if (!strcmp(op, "M"))
    gs->ml = ops[0].num > 1.0 ? ops[0].num : 1.0;
  else if (!strcmp(op, "Tr") && ops[0].num >= 4)
    gs->clip_exact = false;             /* Text adds to the clip at ET */

  return (true);
}


/*
 * 'proof_operator()' - Follow one operator.  False when the proof must
 *                      stop (an operator we do not follow, or one out of
 *                      place).
 */

static bool
proof_operator(proof_t *pf, scan_t *s, const char *op, const operand_t *ops, int nops)
{
  if (!proof_known(op, ops, nops))
    return (false);

  if (!strcmp(op, "m") || !strcmp(op, "l") || !strcmp(op, "c") || !strcmp(op, "v") || !strcmp(op, "y"))
  {
    if (op[0] == 'm')
      pf->subpaths ++;
    else if (pf->subpaths == 0)
      return (false);                   /* No current point */

    pf->path_rect = false;
    for (int i = 0; i + 1 < nops; i += 2)
      proof_path_point(pf, ops + i);
  }
  else if (!strcmp(op, "re"))
    proof_rect(pf, ops);
  else if (!strcmp(op, "h"))
  {
    if (pf->subpaths == 0)
      return (false);
  }
  else if (strchr("fFsSbBn", op[0]) && (!op[1] || !strcmp(op + 1, "*")))
    proof_paint(pf, op);
  else if (!strcmp(op, "W") || !strcmp(op, "W*"))
    pf->clip_pending = true;
  else if (!strcmp(op, "Tj") || !strcmp(op, "TJ") || !strcmp(op, "'") || !strcmp(op, "\"") || !strcmp(op, "sh"))
    proof_cover(pf, NULL);              /* Text and shadings: anywhere in the clip */
  else if (!strcmp(op, "Do"))
  {
    double bbox[4];
    box_t  b;

    if (ops[0].type != TOK_NAME || ops[0].bad_name || !pf->cb->bounds || !pf->gs.ctm_ok ||
        !pf->cb->bounds(pf->cb->ctx, ops[0].name, bbox))
      proof_cover(pf, NULL);
    else
    {
      b = box_through(pf->gs.ctm, bbox[0], bbox[1], bbox[2], bbox[3]);
      proof_cover(pf, &b);
    }
  }
  else if (!strcmp(op, "BI"))
  {
    box_t b = box_through(pf->gs.ctm, 0.0, 0.0, 1.0, 1.0);

    if (inline_image(s, pf->cb) != GW_PDF_GREY)
      return (false);                   /* Not skipped with certainty */
    proof_cover(pf, pf->gs.ctm_ok ? &b : NULL);
  }
  else if (!strcmp(op, "BMC") || !strcmp(op, "BDC"))
  {
    if (pf->marked == SCAN_DEPTH_MAX * SCAN_DEPTH_MAX)
      return (false);
    pf->marked ++;
    if (!pf->hidden_from && ops[0].type == TOK_NAME && !strcmp(ops[0].name, "OC"))
      pf->hidden_from = pf->marked;     /* Optional content: may not print */
  }
  else if (!strcmp(op, "BT") || !strcmp(op, "ET"))
  {
    if (pf->in_text == (op[0] == 'B'))
      return (false);                   /* Nested BT, or ET without BT */
    pf->in_text = op[0] == 'B';
  }
  else if (!strcmp(op, "EMC"))
  {
    if (pf->marked == 0)
      return (false);
    if (pf->hidden_from == pf->marked)
      pf->hidden_from = 0;
    pf->marked --;
  }
  else
    return (proof_state(pf, op, ops, nops));

  return (true);
}


/*
 * 'gwPdfProveColour()' - Does this page content certainly render as a
 *                        colour page?  GW_PDF_COLOUR when an uncovered
 *                        colour rectangle is proven (above), else
 *                        GW_PDF_UNDECIDED.  The caller has checked what
 *                        lies outside the stream: no redefined device
 *                        space, no page group, no form fields; page gives
 *                        the rendered box and the annotations' rectangles.
 */

gw_pdf_shade_t
gwPdfProveColour(const unsigned char *data, size_t len, const gw_pdf_scan_cb_t *cb, const gw_pdf_page_t *page)
{
  proof_t   pf;
  scan_t    s;
  tok_t     t;
  operand_t ops[SCAN_OPERANDS];
  int       nops;
  op_read_t rd;

  if (!data || !cb || !cb->resource || !page || page->nlate < 0 || page->nlate > GW_PDF_LATE_MAX)
    return (GW_PDF_UNDECIDED);

  memset(&pf, 0, sizeof(pf));
  pf.cb   = cb;
  pf.page = (box_t){ page->box[0], page->box[1], page->box[2], page->box[3] };
  if (!box_finite(pf.page) || !box_big(pf.page) || pf.page.x1 - pf.page.x0 > GW_PDF_PROOF_PAGE_MAX ||
      pf.page.y1 - pf.page.y0 > GW_PDF_PROOF_PAGE_MAX)
    return (GW_PDF_UNDECIDED);

  pf.gs.ctm[0]     = pf.gs.ctm[3] = 1.0;
  pf.gs.ctm_ok     = true;
  pf.gs.clip       = pf.page;
  pf.gs.clip_exact = true;
  pf.gs.fill       = GW_PDF_SPACE_GRAY;
  pf.gs.opaque     = true;
  pf.gs.lw         = 1.0;
  pf.gs.ml         = 10.0;
  pf.path_ok       = true;
  pf.path          = (box_t){ INFINITY, INFINITY, -INFINITY, -INFINITY };

  s.p   = data;
  s.end = data + len;

  while ((rd = next_operator(&s, &t, ops, &nops)) == OP_READ)
  {
    if (!proof_operator(&pf, &s, t.text, ops, nops))
      return (GW_PDF_UNDECIDED);
  }

  if (rd != OP_END)
    return (GW_PDF_UNDECIDED);

  /* Annotations are drawn after the content, in the page's clip. */
  pf.gs.clip = pf.page;
  for (int i = 0; i < page->nlate; i ++)
  {
    box_t b = { page->late[i][0], page->late[i][1], page->late[i][2], page->late[i][3] };

    proof_cover(&pf, box_finite(b) ? &b : NULL);
  }

  return (pf.ncand > 0 ? GW_PDF_COLOUR : GW_PDF_UNDECIDED);
}
