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
 * 'is_space()', 'is_delim()' - PDF character classes.
 */

static bool
is_space(int c)
{
  return (c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ');
}

static bool
is_delim(int c)
{
  return (c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' || c == '}' || c == '/' || c == '%');
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
 *                    one '.', at least one digit, within +/- 1e15 (exact
 *                    enough to compare colour components for equality:
 *                    the same text gives the same value).
 */

static bool
parse_number(const unsigned char *p, size_t len, double *value)
{
  double ipart = 0.0, frac = 0.0, scale = 1.0;
  bool   neg = false, dot = false, digits = false;
  size_t i = 0;

  if (i < len && (p[i] == '-' || p[i] == '+'))
    neg = p[i ++] == '-';

  for (; i < len; i ++)
  {
    if (p[i] == '.' && !dot)
      dot = true;
    else if (p[i] >= '0' && p[i] <= '9')
    {
      digits = true;
      if (dot)
      {
        if (scale > 1e-15)
        {
          scale *= 0.1;
          frac  += (p[i] - '0') * scale;
        }
      }
      else if ((ipart = ipart * 10.0 + (p[i] - '0')) > 1e15)
        return (false);
    }
    else
      return (false);
  }

  *value = neg ? -(ipart + frac) : ipart + frac;
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
        while (s->p < s->end && !is_space(*s->p) && !is_delim(*s->p))
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
  while (s->p < s->end && !is_space(*s->p) && !is_delim(*s->p))
    s->p ++;

  len = (size_t)(s->p - start);
  if (len > GW_PDF_NAME_MAX)
  {
    t->type     = TOK_KEYWORD;
    t->too_long = true;
    return;
  }

  memcpy(t->text, start, len);
  t->text[len] = '\0';

  if ((t->text[0] >= '0' && t->text[0] <= '9') || t->text[0] == '-' || t->text[0] == '+' || t->text[0] == '.')
  {
    t->type = parse_number(start, len, &t->num) ? TOK_NUMBER : TOK_ERROR;
    return;
  }

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
  int       nops = 0, depth = 0, nsaved = 0;
  state_t   gs = { GW_PDF_SPACE_GRAY, GW_PDF_SPACE_GRAY }, saved[SCAN_SAVE_MAX];
  bool      uncoloured = false;         /* After d1: colour operators are ignored */

  if (!data || !cb || !cb->resource)
    return (GW_PDF_UNDECIDED);

  s.p   = data;
  s.end = data + len;

  for (;;)
  {
    const char     *op;
    const operand_t *last;
    int              r;

    next_token(&s, &t);

    if (t.type == TOK_EOF)
      return (depth == 0 ? GW_PDF_GREY : GW_PDF_UNDECIDED);
    if (t.type == TOK_ERROR)
      return (GW_PDF_UNDECIDED);

    /*
     * Operands: arrays and dictionaries count as one operand each.
     */

    if (t.type == TOK_OPEN || t.type == TOK_CLOSE)
    {
      depth += t.type == TOK_OPEN ? 1 : -1;
      if (depth < 0 || depth > SCAN_DEPTH_MAX)
        return (GW_PDF_UNDECIDED);
      if (depth > 0 || t.type == TOK_OPEN)
        continue;
      t.type = TOK_STRING;              /* The whole array or dictionary: one "other" operand */
    }
    else if (depth > 0)
      continue;

    if (t.type != TOK_KEYWORD || ((t.text[0] == 't' || t.text[0] == 'f' || t.text[0] == 'n') &&
                                  (!strcmp(t.text, "true") || !strcmp(t.text, "false") || !strcmp(t.text, "null"))))
    {
      if (nops == SCAN_OPERANDS)
      {
        memmove(ops, ops + 1, sizeof(ops[0]) * (SCAN_OPERANDS - 1));
        nops --;
      }
      ops[nops].type     = t.type;
      ops[nops].num      = t.num;
      ops[nops].bad_name = t.too_long;
      if (t.type == TOK_NAME)
        memcpy(ops[nops].name, t.text, strlen(t.text) + 1);
      nops ++;
      continue;
    }

    /*
     * An operator.
     */

    if (t.too_long)
      return (GW_PDF_UNDECIDED);

    op   = t.text;
    last = nops > 0 ? ops + nops - 1 : NULL;
    r    = GW_PDF_GREY;

    /* Most operators (paths, text, matrices) change nothing here. */
    if (!strchr("qQdgGrRkKcCsSDTB", op[0]) || (op[1] && op[2] && op[3]))
    {
      nops = 0;
      continue;
    }

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

    nops = 0;
  }
}
