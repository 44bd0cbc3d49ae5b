/*
 * convert-gs.c - the Ghostscript adapter: the only file that includes libgs.
 *
 * Two passes, each with its own libgs instance, inside the sandbox:
 *
 *   1. normalisation: the input (PDF, PostScript, EPS) through pdfwrite
 *      into "out.pdf" in the private directory;
 *   2. colour pages: the normalised PDF rendered by the display device at
 *      GW_CONV_COLOR_DPI into memory we scan (convert-color.c).  Rendering
 *      our own output, not the input, means a slow PostScript program runs
 *      once, and the pages counted are the pages held.
 *
 * Arguments are fixed here: -dSAFER (only the test-only unsafe variant
 * passes -dNOSAFER), -dBATCH -dNOPAUSE -dQUIET, one fixed device per pass,
 * and numbers from the daemon's settings.  Nothing the user sends becomes
 * an argument.  Ghostscript's stdin reads nothing, and its stdout and
 * stderr go to callbacks that keep the first few KiB in memory, only to
 * recognise a few known messages; they never reach our stderr, so a
 * document cannot print its text (or anything else) into the daemon's log.
 */

#include "convert-private.h"

#include <printgate-convert/pdf.h>

#include <ghostscript/gdevdsp.h>
#include <ghostscript/gserrors.h>
#include <ghostscript/iapi.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TEXT_KEEP        4096           /* Bytes of each stream kept for matching */
#define PAGE_BYTES_MAX   (192L << 20)   /* Largest colour-pass page buffer */
#define DISPLAY_FORMAT   (DISPLAY_COLORS_RGB | DISPLAY_ALPHA_NONE | DISPLAY_DEPTH_8 | \
                          DISPLAY_BIGENDIAN | DISPLAY_TOPFIRST | DISPLAY_CHUNKY)


/*
 * What Ghostscript printed (the start of it).
 */

typedef struct gs_text_s
{
  char    head[TEXT_KEEP + 1];
  size_t  len;
  size_t  total;
} gs_text_t;


/*
 * One run of Ghostscript.
 */

typedef struct gs_run_s
{
  gw_conv_t        *conv;
  gs_text_t         out, err;
  bool              display;            /* Colour pass: register the display callout */
  display_callback  dcb;
  unsigned char    *image;              /* Page buffer (owned by Ghostscript) */
  int               width, height;
  size_t            raster;
  bool              bad_page;           /* Refused a format or a size */
  bool              want_count;         /* Ask the device for PageCount before exiting */
  int               device_pages;       /* Its answer, -1 = unknown */
  int               pages;              /* Pages rendered */
  int               color_pages;
} gs_run_t;


/*
 * Names of Ghostscript's error codes, indexed by -code (gserrors.h).
 */

static const char * const error_names[] =
{
  "none", "unknownerror", "dictfull", "dictstackoverflow", "dictstackunderflow",
  "execstackoverflow", "interrupt", "invalidaccess", "invalidexit", "invalidfileaccess",
  "invalidfont", "invalidrestore", "ioerror", "limitcheck", "nocurrentpoint", "rangecheck",
  "stackoverflow", "stackunderflow", "syntaxerror", "timeout", "typecheck", "undefined",
  "undefinedfilename", "undefinedresult", "unmatchedmark", "VMerror", "configurationerror",
  "undefinedresource", "unregistered", "invalidcontext", "invalidid", "pdf_stackoverflow",
  "circular_reference"
};


/*
 * 'text_keep()' - Keep the start of what Ghostscript prints.
 */

static void
text_keep(gs_text_t *t, const char *str, int len)
{
  if (len <= 0)
    return;

  if (t->len < TEXT_KEEP)
  {
    size_t take = (size_t)len < TEXT_KEEP - t->len ? (size_t)len : TEXT_KEEP - t->len;

    memcpy(t->head + t->len, str, take);
    t->len += take;
    t->head[t->len] = '\0';
  }

  t->total += (size_t)len;
}


/*
 * 'gs_stdin()', 'gs_stdout()', 'gs_stderr()' - Ghostscript's stdio.
 */

static int
gs_stdin(void *handle, char *buf, int len)
{
  (void)handle;
  (void)buf;
  (void)len;

  return (0);                           /* End of file: nothing is read from us */
}

static int
gs_stdout(void *handle, const char *str, int len)
{
  text_keep(&((gs_run_t *)handle)->out, str, len);
  return (len);
}

static int
gs_stderr(void *handle, const char *str, int len)
{
  text_keep(&((gs_run_t *)handle)->err, str, len);
  return (len);
}


/*
 * 'printed()' - Did Ghostscript print s (on either stream)?
 */

static bool
printed(const gs_run_t *run, const char *s)
{
  return (strstr(run->out.head, s) || strstr(run->err.head, s));
}


/*
 * 'error_name()' - A name for a failure: from the code when it is a
 *                  PostScript error, else the first "Error: /name" printed
 *                  whose name is in our table (so no document text can come
 *                  through), else "unknown".
 */

static const char *
error_name(const gs_run_t *run, int code)
{
  const gs_text_t *texts[2] = { &run->err, &run->out };

  if (code < 0 && -code < (int)(sizeof(error_names) / sizeof(error_names[0])) && code != gs_error_unknownerror)
    return (error_names[-code]);

  for (int i = 0; i < 2; i ++)
  {
    const char *p = strstr(texts[i]->head, "Error: /");

    if (p)
    {
      p += 8;
      for (size_t j = 1; j < sizeof(error_names) / sizeof(error_names[0]); j ++)
      {
        size_t len = strlen(error_names[j]);

        if (!strncmp(p, error_names[j], len) && (p[len] == ' ' || p[len] == '\n' || !p[len]))
          return (error_names[j]);
      }
    }
  }

  return ("unknown");
}


/*
 * Display device callbacks (colour pass).  'dsp_nothing()' serves open,
 * preclose, close and sync, which have nothing to do.
 */

static int
dsp_nothing(void *handle, void *device)
{
  (void)handle;
  (void)device;
  return (0);
}

static int
dsp_presize(void *handle, void *device, int width, int height, int raster, unsigned int format)
{
  gs_run_t *run = (gs_run_t *)handle;

  (void)device;

  if (format != DISPLAY_FORMAT || width <= 0 || height <= 0 || (long)raster < (long)width * 3 ||
      (long)raster * height > PAGE_BYTES_MAX)
  {
    run->bad_page = true;
    return (gs_error_rangecheck);
  }

  return (0);
}

static int
dsp_size(void *handle, void *device, int width, int height, int raster, unsigned int format, unsigned char *pimage)
{
  gs_run_t *run = (gs_run_t *)handle;

  (void)device;
  (void)format;

  run->image  = pimage;
  run->width  = width;
  run->height = height;
  run->raster = raster > 0 ? (size_t)raster : 0;
  return (0);
}

static int
dsp_page(void *handle, void *device, int copies, int flush)
{
  gs_run_t *run = (gs_run_t *)handle;

  (void)device;
  (void)copies;
  (void)flush;

  run->pages ++;
  if (_gwConvColorPage(run->image, run->width, run->height, run->raster))
    run->color_pages ++;

  return (0);
}


/*
 * 'dsp_callout()' - Hand the display device our callbacks.
 */

static int
dsp_callout(void *instance, void *handle, const char *device_name, int id, int size, void *data)
{
  gs_run_t *run = (gs_run_t *)handle;

  (void)instance;

  if (!device_name || strcmp(device_name, "display") || id != DISPLAY_CALLOUT_GET_CALLBACK ||
      size < (int)sizeof(gs_display_get_callback_t))
    return (gs_error_unknownerror);

  ((gs_display_get_callback_t *)data)->callback      = &run->dcb;
  ((gs_display_get_callback_t *)data)->caller_handle = run;
  return (0);
}


/*
 * 'gs_open()' - A new Ghostscript instance with our stdio (and, for the
 *               colour pass, the display callout).  Returns 0 or an error.
 */

static int
gs_open(gs_run_t *run, void **inst)
{
  int code;

  *inst = NULL;
  if ((code = gsapi_new_instance(inst, run)) < 0)
    return (code);

  code = gsapi_set_stdio_with_handle(*inst, gs_stdin, gs_stdout, gs_stderr, run);
  if (code == 0)
    code = gsapi_set_arg_encoding(*inst, GS_ARG_ENCODING_UTF8);

  if (code == 0 && run->display)
  {
    memset(&run->dcb, 0, sizeof(run->dcb));
    run->dcb.size             = sizeof(run->dcb);
    run->dcb.version_major    = DISPLAY_VERSION_MAJOR;
    run->dcb.version_minor    = DISPLAY_VERSION_MINOR;
    run->dcb.display_open     = dsp_nothing;
    run->dcb.display_preclose = dsp_nothing;
    run->dcb.display_close    = dsp_nothing;
    run->dcb.display_presize  = dsp_presize;
    run->dcb.display_size     = dsp_size;
    run->dcb.display_sync     = dsp_nothing;
    run->dcb.display_page     = dsp_page;
    code = gsapi_register_callout(*inst, dsp_callout, run);
  }

  return (code);
}


/*
 * 'page_count()' - Pages the device was given so far (-1 = unknown).
 */

static int
page_count(void *inst)
{
  int pages = -1;

  if (gsapi_get_param(inst, "PageCount", &pages, gs_spt_int) < 0)
    pages = -1;
  return (pages);
}


/*
 * 'gs_close()' - Close the device (its errors count too: it finishes the
 *                output) and the instance; count what was printed in the
 *                log when 'during' names the pass.  Returns the run's code.
 */

static int
gs_close(gs_run_t *run, void *inst, int code, bool started, const char *during)
{
  if (started)
  {
    int code1 = gsapi_exit(inst);

    if (code == 0 || code == gs_error_Quit)
      code = code1 == gs_error_Quit ? 0 : code1;
  }

  if (inst)
    gsapi_delete_instance(inst);

  if (during && run->out.total + run->err.total > 0)
    _gwConvLog("ghostscript printed %zu bytes %s (not shown)", run->out.total + run->err.total, during);

  return (code);
}


/*
 * 'run_gs()' - Run one Ghostscript instance with argv and "-f input" added
 *              (argv must have room for three more); what it printed is
 *              counted in the log when 'during' names the pass.  Returns 0
 *              on success or a Ghostscript error code.
 */

static int
run_gs(gs_run_t *run, int argc, const char **argv, const char *input, const char *during)
{
  void *inst = NULL;
  int   code;
  bool  started = false;

  argv[argc ++] = "-f";
  argv[argc ++] = input;
  argv[argc]    = NULL;

  if ((code = gs_open(run, &inst)) == 0)
  {
    started = true;
    code    = gsapi_init_with_args(inst, argc, (char **)argv);
  }

  /*
   * Without -dBATCH the instance is still running here: ask the device how
   * many pages it was given (pdfwrite writes one blank page when it got
   * none, so its output cannot tell).
   */

  run->device_pages = code == 0 && run->want_count ? page_count(inst) : -1;

  return (gs_close(run, inst, code, started, during));
}


/*
 * 'safer_arg()' - -dSAFER, or -dNOSAFER in the test-only unsafe variant
 *                 when it was asked for.
 */

static const char *
safer_arg(const gw_conv_t *conv)
{
#ifdef PRINTGATE_CONVERT_TEST_UNSAFE
  if (conv->nosafer)
    return ("-dNOSAFER");
#else
  (void)conv;
#endif /* PRINTGATE_CONVERT_TEST_UNSAFE */

  return ("-dSAFER");
}


/*
 * The arguments of a pdfwrite run (normalisation, merge).
 */

typedef struct pdfwrite_s
{
  char last_page[32], paper[32], output[64];
} pdfwrite_t;


/*
 * 'pdfwrite_argv()' - Fill argv (room for 16) for pdfwrite into out_path:
 *                     at most max_pages + 1 pages, the default paper for
 *                     PostScript that sets none, an EPS fitted on it.
 *                     Returns argc; run_gs() adds the input.
 */

static int
pdfwrite_argv(gw_conv_t *conv, const char *out_path, bool eps, pdfwrite_t *pw, const char **argv)
{
  int argc = 0;

  snprintf(pw->last_page, sizeof(pw->last_page), "-dLastPage=%d", conv->settings.max_pages + 1);
  snprintf(pw->paper, sizeof(pw->paper), "-sPAPERSIZE=%s", conv->settings.paper);
  snprintf(pw->output, sizeof(pw->output), "-sOutputFile=%s", out_path);

  argv[argc ++] = "gs";
  argv[argc ++] = safer_arg(conv);             /* No -dBATCH: see run_gs() */
  argv[argc ++] = "-dNOPAUSE";
  argv[argc ++] = "-dQUIET";
  argv[argc ++] = "-sDEVICE=pdfwrite";
  argv[argc ++] = "-dAutoRotatePages=/None";   /* Keep the pages as the author made them */
  argv[argc ++] = pw->paper;                   /* For PostScript that sets no page size */
  if (eps)
    argv[argc ++] = "-dEPSFitPage";            /* Scale and centre an EPS on the page */
  argv[argc ++] = pw->last_page;
  argv[argc ++] = pw->output;

  return (argc);
}


/*
 * 'pdfwrite_failed()' - Fail the conversion for a pdfwrite run that ended
 *                       with code when the cause is known (a password,
 *                       memory, the output limit); false when it is not
 *                       (the caller says what could not be read).
 */

static bool
pdfwrite_failed(gw_conv_t *conv, const gs_run_t *run, int code, const char *out_path)
{
  struct stat st;

  if (printed(run, "requires a password"))
    return (!_gwConvFail(conv, GW_REASON_PASSWORD_PROTECTED, "the PDF needs a password to open"));

  if (code == gs_error_VMerror || printed(run, "VMerror"))
    return (!_gwConvFail(conv, GW_REASON_CONVERSION_CRASHED, "the document needs more memory than the converter may use (%d MB)", conv->settings.as_mb));

  if (!stat(out_path, &st) && st.st_size >= (off_t)conv->settings.fsize_mb * 1024 * 1024)
    return (!_gwConvFail(conv, GW_REASON_TOO_LARGE, "the converted document is larger than %d MB", conv->settings.fsize_mb));

  return (false);
}


/*
 * '_gwConvGsNormalize()' - Pass 1: the input through pdfwrite into
 *                          out_path.
 *
 * At most max_pages + 1 pages are written (-dLastPage), so a document with
 * too many pages stops early and the caller sees max_pages + 1.  Fails with
 * password-protected, conversion-failed (memory limit), too-large (output
 * limit) or corrupt-document (any other error; the detail names the
 * PostScript error).
 */

bool
_gwConvGsNormalize(gw_conv_t *conv, const char *out_path)
{
  gs_run_t    run;
  pdfwrite_t  pw;
  const char *argv[16];
  int         argc, code;

  memset(&run, 0, sizeof(run));
  run.conv       = conv;
  run.want_count = true;
  argc = pdfwrite_argv(conv, out_path, conv->kind == GW_CONV_KIND_EPS, &pw, argv);

  code = run_gs(&run, argc, argv, conv->in_path, "during normalisation");

  if (code == 0 && run.device_pages == 0 && conv->kind == GW_CONV_KIND_PDF)
    return (_gwConvFail(conv, GW_REASON_CORRUPT_DOCUMENT, "no page of the PDF could be read"));

  if (code == 0 && run.device_pages == 0)
    return (_gwConvFail(conv, GW_REASON_EMPTY_DOCUMENT, "the PostScript program printed no pages"));

  if (code == 0)
  {
    if (printed(&run, "errors that were repaired or ignored") || printed(&run, "**** Error"))
      _gwConvLog("the PDF had errors that Ghostscript repaired or ignored");
    return (true);
  }

  if (pdfwrite_failed(conv, &run, code, out_path))
    return (false);

  if (conv->kind == GW_CONV_KIND_PDF)
    return (_gwConvFail(conv, GW_REASON_CORRUPT_DOCUMENT, "the PDF could not be read (%s)", error_name(&run, code)));

  return (_gwConvFail(conv, GW_REASON_CORRUPT_DOCUMENT, "the PostScript program stopped with an error (%s)", error_name(&run, code)));
}


/*
 * '_gwConvGsMerge()' - A job's several documents (PDF and PostScript, in
 *                      order) through one pdfwrite device into out_path:
 *                      each file is run on its own in the one instance, so
 *                      a failure names its document (*failed, from 0) and
 *                      a document that gives no page is found (a PDF of
 *                      them is corrupt, kinds[] tells).  Fails like
 *                      _gwConvGsNormalize(), plus too-many-pages once the
 *                      pages so far pass the limit.
 */

bool
_gwConvGsMerge(gw_conv_t *conv, const char *const *inputs, const gw_conv_kind_t *kinds, int count, const char *out_path, int *failed)
{
  gs_run_t    run;
  pdfwrite_t  pw;
  const char *argv[16];
  int         argc, code, exit_code = 0, pages = 0;
  void       *inst = NULL;
  bool        started = false;

  memset(&run, 0, sizeof(run));
  run.conv = conv;
  *failed  = -1;
  argc = pdfwrite_argv(conv, out_path, false, &pw, argv);
  argv[argc] = NULL;

  if ((code = gs_open(&run, &inst)) == 0)
  {
    started = true;
    code    = gsapi_init_with_args(inst, argc, (char **)argv);
  }

  for (int i = 0; code == 0 && i < count; i ++)
  {
    int now;

    code = gsapi_run_file(inst, inputs[i], 0, &exit_code);
    now  = page_count(inst);
    if (code == 0 && now >= 0 && now <= pages)
    {
      *failed = i;
      gs_close(&run, inst, code, started, "while merging");
      if (kinds[i] == GW_CONV_KIND_PDF)
        return (_gwConvFail(conv, GW_REASON_CORRUPT_DOCUMENT, "no page of the PDF could be read"));
      return (_gwConvFail(conv, GW_REASON_EMPTY_DOCUMENT, "the PostScript program printed no pages"));
    }
    if (code == 0 && now > conv->settings.max_pages)
    {
      *failed = i;
      gs_close(&run, inst, code, started, "while merging");
      return (_gwConvFail(conv, GW_REASON_TOO_MANY_PAGES, "the documents so far have more than %d pages", conv->settings.max_pages));
    }
    if (code != 0)
      *failed = i;
    pages = now;
  }

  code = gs_close(&run, inst, code, started, "while merging");
  if (code == 0)
    return (true);

  if (pdfwrite_failed(conv, &run, code, out_path))
    return (false);

  return (_gwConvFail(conv, GW_REASON_CORRUPT_DOCUMENT, "it could not be read (%s)", error_name(&run, code)));
}


/*
 * 'page_list()' - "-sPageList=1-3,7" of the pages the content scan left
 *                 undecided (grey[i] == GW_PDF_PAGE_RENDER), into a
 *                 malloc'd string, with their number in *count and the
 *                 number of pages it proved colour in *colour.  NULL when
 *                 every page is undecided (no list: render all) or none is
 *                 (nothing to render), or out of memory (*count = -1).
 */

static char *
page_list(const unsigned char *grey, int pages, int *count, int *colour)
{
  char   *list;
  size_t  size = 16 + (size_t)pages * 12, len;

  *count  = 0;
  *colour = 0;
  for (int i = 0; i < pages; i ++)
  {
    *count  += grey[i] == GW_PDF_PAGE_RENDER;
    *colour += grey[i] == GW_PDF_PAGE_COLOUR;
  }

  if (*count == 0 || *count == pages)
    return (NULL);

  if ((list = malloc(size)) == NULL)
  {
    *count = -1;
    return (NULL);
  }

  len = (size_t)snprintf(list, size, "-sPageList=");
  for (int i = 0; i < pages; i ++)
  {
    int last = i;

    if (grey[i] != GW_PDF_PAGE_RENDER)
      continue;
    while (last + 1 < pages && grey[last + 1] == GW_PDF_PAGE_RENDER)
      last ++;

    len += (size_t)snprintf(list + len, size - len, last > i ? "%s%d-%d" : "%s%d", list[len - 1] == '=' ? "" : ",", i + 1, last + 1);
    i = last;
  }

  return (list);
}


/*
 * '_gwConvGsCountColor()' - Pass 2: render the pages of pdf_path that the
 *                           content scan left undecided (grey[i] ==
 *                           GW_PDF_PAGE_RENDER; grey NULL = every page)
 *                           and count those that use colour, plus the
 *                           pages it proved colour, into
 *                           conv->color_pages.  The number of pages
 *                           rendered must be the number asked for.
 */

bool
_gwConvGsCountColor(gw_conv_t *conv, const char *pdf_path, const unsigned char *grey)
{
  gs_run_t    run;
  char        format[48], res[16], *list = NULL;
  const char *argv[20];
  int         argc = 0, code, wanted = conv->pages, proven = 0;

  memset(&run, 0, sizeof(run));
  run.conv    = conv;
  run.display = true;

  if (grey && (list = page_list(grey, conv->pages, &wanted, &proven)) == NULL && wanted == 0)
  {
    conv->color_pages    = proven;      /* Every page is certainly grey or certainly colour: nothing to render */
    conv->color_rendered = 0;
    return (true);
  }
  if (wanted < 0 || wanted == conv->pages)
  {
    wanted = conv->pages;               /* Out of memory for the list, or none decided: render them all */
    proven = 0;
  }

  snprintf(format, sizeof(format), "-dDisplayFormat=%u", (unsigned)DISPLAY_FORMAT);
  snprintf(res, sizeof(res), "-r%d", GW_CONV_COLOR_DPI);

  argv[argc ++] = "gs";
  argv[argc ++] = safer_arg(conv);
  argv[argc ++] = "-dBATCH";
  argv[argc ++] = "-dNOPAUSE";
  argv[argc ++] = "-dQUIET";
  argv[argc ++] = "-sDEVICE=display";
  argv[argc ++] = format;
  argv[argc ++] = res;
  argv[argc ++] = "-dGraphicsAlphaBits=1";     /* No anti-aliasing: no blended edge colours */
  argv[argc ++] = "-dTextAlphaBits=1";
  argv[argc ++] = "-dNOINTERPOLATE";
  argv[argc ++] = "-dPrinted";                 /* Annotations as printed, not as on screen */
  if (list)
    argv[argc ++] = list;

  code = run_gs(&run, argc, argv, pdf_path, NULL);
  free(list);

  if (code == gs_error_VMerror || printed(&run, "VMerror"))
    return (_gwConvFail(conv, GW_REASON_CONVERSION_CRASHED, "counting colour pages needs more memory than the converter may use (%d MB)", conv->settings.as_mb));

  if (run.bad_page)
    return (_gwConvFail(conv, GW_REASON_CONVERSION_CRASHED, "a page is too large to check for colour"));

  if (code != 0)
    return (_gwConvFail(conv, GW_REASON_CORRUPT_DOCUMENT, "the converted document could not be rendered (%s)", error_name(&run, code)));

  if (run.pages != wanted)
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "the colour pass rendered %d of %d pages", run.pages, wanted));

  conv->color_pages    = run.color_pages + proven;
  conv->color_rendered = run.pages;
  return (true);
}


/*
 * '_gwConvGsRender()' - --render: the held PDF through one fixed device
 *                       into out_path, with the page list, N-up and the
 *                       watermark prolog (prolog_path, or NULL).
 *
 * The device comes from the format (pdfwrite, pwgraster, urf, pxlmono or
 * pxlcolor); the raster devices always get 8 bits per colour in sGray
 * (18) or sRGB (19), never their 1-bit default.  Every argument is fixed
 * or a number from the checked settings; the page list is the canonical
 * form gwJobPageRangesFormat() wrote (digits, '-' and ',').  The run keeps
 * the instance open to ask the device how many pages it wrote
 * (*device_pages, -1 = unknown).
 */

bool
_gwConvGsRender(gw_conv_t *conv, const char *prolog_path, const char *out_path, int *device_pages)
{
  static const char * const nup_grid[17] =
  {
    [2] = "-sNupControl=2x1", [4] = "-sNupControl=2x2", [6] = "-sNupControl=2x3",
    [9] = "-sNupControl=3x3", [16] = "-sNupControl=4x4"
  };
  const gw_conv_render_t *r = &conv->render;
  gs_run_t    run;
  char        page_list[32 + GW_JOB_PAGE_RANGES_MAX], res[32], output[64], sheet_w[48], sheet_h[48];
  const char *argv[28];
  bool        landscape_nup;
  int         argc = 0, code;
  struct stat st;

  memset(&run, 0, sizeof(run));
  run.conv       = conv;
  run.want_count = true;
  *device_pages  = -1;

  snprintf(output, sizeof(output), "-sOutputFile=%s", out_path);
  snprintf(res, sizeof(res), "-r%d", r->dpi);

  argv[argc ++] = "gs";
  argv[argc ++] = safer_arg(conv);             /* No -dBATCH: see run_gs() */
  argv[argc ++] = "-dNOPAUSE";
  argv[argc ++] = "-dQUIET";

  switch (r->format)
  {
    case GW_CONV_RENDER_PDF :
        argv[argc ++] = "-sDEVICE=pdfwrite";
        argv[argc ++] = "-dAutoRotatePages=/None";
        break;
    case GW_CONV_RENDER_PWG :
    case GW_CONV_RENDER_URF :
        argv[argc ++] = r->format == GW_CONV_RENDER_PWG ? "-sDEVICE=pwgraster" : "-sDEVICE=urf";
        argv[argc ++] = r->color ? "-dcupsColorSpace=19" : "-dcupsColorSpace=18";
        argv[argc ++] = "-dcupsBitsPerColor=8";
        argv[argc ++] = res;
        break;
    case GW_CONV_RENDER_PCLXL :
        argv[argc ++] = r->color ? "-sDEVICE=pxlcolor" : "-sDEVICE=pxlmono";
        argv[argc ++] = res;
        break;
  }

  if (r->num_ranges > 0)
  {
    snprintf(page_list, sizeof(page_list), "-sPageList=%s", r->page_list);
    argv[argc ++] = page_list;
  }

  /*
   * N-up.  A PDF goes 2-up and 6-up onto a landscape sheet of the
   * gateway's paper size (two pages side by side at 71 %, 3 x 2 at 35 %),
   * which a printer turns onto its paper like any landscape page; the
   * square grids keep the first page's sheet.  Raster and PCL-XL sides
   * must match the paper as it is fed, so they keep the portrait grid.
   */

  landscape_nup = r->format == GW_CONV_RENDER_PDF && (r->number_up == 2 || r->number_up == 6);

  if (landscape_nup)
  {
    bool letter = !strcmp(conv->settings.paper, "letter");

    snprintf(sheet_w, sizeof(sheet_w), "-dDEVICEWIDTHPOINTS=%d", letter ? 792 : 842);
    snprintf(sheet_h, sizeof(sheet_h), "-dDEVICEHEIGHTPOINTS=%d", letter ? 612 : 595);
    argv[argc ++] = "-dFIXEDMEDIA";
    argv[argc ++] = sheet_w;
    argv[argc ++] = sheet_h;
    argv[argc ++] = r->number_up == 2 ? "-sNupControl=2x1" : "-sNupControl=3x2";
  }
  else if (r->number_up > 1 && r->number_up <= 16 && nup_grid[r->number_up])
    argv[argc ++] = nup_grid[r->number_up];

  argv[argc ++] = output;

  if (prolog_path)
  {
    argv[argc ++] = "-f";
    argv[argc ++] = prolog_path;
  }

  code = run_gs(&run, argc, argv, conv->in_path, "while rendering");
  *device_pages = run.device_pages;

  if (code == 0)
    return (true);

  if (code == gs_error_VMerror || printed(&run, "VMerror"))
    return (_gwConvFail(conv, GW_REASON_CONVERSION_CRASHED, "rendering for the printer needs more memory than the converter may use (%d MB)", conv->settings.as_mb));

  if (!stat(out_path, &st) && st.st_size >= (off_t)conv->settings.fsize_mb * 1024 * 1024)
    return (_gwConvFail(conv, GW_REASON_TOO_LARGE, "the document rendered for the printer is larger than %d MB", conv->settings.fsize_mb));

  return (_gwConvFail(conv, GW_REASON_CORRUPT_DOCUMENT, "the held document could not be rendered for the printer (%s)", error_name(&run, code)));
}
