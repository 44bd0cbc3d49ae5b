/*
 * release-render.c - the document a release sends: the held PDF straight
 * from the spool, or that PDF rendered in the sandbox by
 * `printgate-convert --render` (docs/printers.md, "Rendering at release").
 *
 * The held document is always the whole normalised PDF (DESIGN.md 4).
 * Page ranges, N-up and the watermark, and PWG raster, URF or PCL-XL for
 * printers without PDF, are made here when the printer's sink asks for
 * them (gw_sink_doc_t.render) after its capability check.  The rendered
 * document stays in memory (a memfd: plaintext never reaches a disk), so
 * the sink can rewind it for a retry.
 */

#include "system-private.h"
#include <printgate-convert/protocol.h>
#include "printgate/clock.h"
#include "printgate/io.h"
#include "printgate/convert.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RENDER_FSIZE_MB    512          /* The helper's RLIMIT_FSIZE, and the most output taken */


/*
 * '_gwReleaseDocRead()', '_gwReleaseDocRewind()' - Sink callbacks: the
 *                       rendered memfd once there is one, else the spool.
 */

ssize_t
_gwReleaseDocRead(void *ctx, void *buf, size_t len)
{
  _gw_release_doc_t *d = (_gw_release_doc_t *)ctx;
  ssize_t            n;

  if (d->memfd < 0)
    return (gwSpoolReaderRead(d->reader, buf, len));

  while ((n = read(d->memfd, buf, len)) < 0 && errno == EINTR);
  return (n);
}

bool
_gwReleaseDocRewind(void *ctx)
{
  _gw_release_doc_t *d = (_gw_release_doc_t *)ctx;

  if (d->memfd < 0)
    return (gwSpoolReaderRewind(d->reader));

  return (lseek(d->memfd, 0, SEEK_SET) == 0);
}


/*
 * '_gwReleaseDocClose()' - Drop the rendered copy (the memfd's pages are
 *                          freed with its last descriptor).
 */

void
_gwReleaseDocClose(_gw_release_doc_t *d)
{
  if (d->memfd >= 0)
  {
    close(d->memfd);
    d->memfd = -1;
  }
}


/*
 * '_gwReleaseDocTransform()' - Must the held PDF be rendered even for a
 *                              PDF printer (page ranges, N-up, watermark)?
 */

bool
_gwReleaseDocTransform(const gw_config_t *c, const gw_job_t *job)
{
  return (job->page_ranges[0] || job->number_up > 1 || c->watermark);
}


/*
 * '_gwReleaseWatermark()' - The watermark text "<user> <date> <job id>",
 *                           hex-encoded for PG_RENDER_WATERMARK.
 *
 * ASCII only (the standard fonts cover no more): every byte of the user's
 * name outside printable ASCII becomes '?'.  Hex-encoding means no byte
 * of it is ever PostScript syntax; the helper checks it again and writes
 * it into its prolog as a <hex> string.
 */

bool
_gwReleaseWatermark(const gw_job_t *job, time_t now, char *hex, size_t hexsize)
{
  static const char digits[] = "0123456789abcdef";
  char              text[160], date[32];
  struct tm         tm;
  size_t            len;

  gmtime_r(&now, &tm);
  strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm);
  snprintf(text, sizeof(text), "%.63s %s %s", job->owner, date, job->id);

  len = strlen(text);
  if (hexsize < 2 * len + 1)
    return (false);

  for (size_t i = 0; i < len; i ++)
  {
    unsigned char c = (unsigned char)text[i];

    if (c < ' ' || c > '~')
      c = '?';
    hex[2 * i]     = digits[c >> 4];
    hex[2 * i + 1] = digits[c & 15];
  }
  hex[2 * len] = '\0';

  return (true);
}


/*
 * Conversion callbacks: the held PDF in, the rendered document out.
 */

static ssize_t
render_in(void *ctx, void *buf, size_t len)
{
  return (gwSpoolReaderRead(((_gw_release_doc_t *)ctx)->reader, buf, len));
}

static bool
render_out(void *ctx, const void *buf, size_t len)
{
  _gw_release_doc_t *d = (_gw_release_doc_t *)ctx;

  return (gwWriteAll(d->render_fd, buf, len));
}


/*
 * 'render_fail()' - Fill the sink result for a rendering that failed: the
 *                   job stays held with the helper's reason.
 */

static bool
render_fail(_gw_release_doc_t *d, const gw_convert_result_t *cr, gw_sink_result_t *result)
{
  gw_log_ctx_t lc;
  const char  *what;

  gwLogCtxJob(&lc, d->sys->log, d->job->id, d->job->owner);

  result->status = GW_SINK_HOLD;
  result->reason = cr->reason == GW_REASON_NONE ? GW_REASON_INTERNAL : cr->reason;

  switch (result->reason)
  {
    case GW_REASON_EMPTY_DOCUMENT :
        what = "Release it again with other page ranges, or cancel it.";
        break;
    case GW_REASON_CONVERSION_TIMEOUT :
    case GW_REASON_TOO_LARGE :
        what = "Try fewer pages, or pick a printer that takes PDF.";
        break;
    default :
        what = "Try again or pick another printer.";
        break;
  }

  snprintf(result->text, sizeof(result->text), "%.140s: the document could not be prepared for printer '%.63s' (%.150s); the job stays held. %s", d->job->name, d->printer, cr->detail[0] ? cr->detail : gwReasonCode(result->reason), what);
  gwLogCtx(&lc, GW_LOG_WARN, "rendering for '%s' failed: %s (%s).", d->printer, gwReasonCode(result->reason), cr->detail);

  return (false);
}


/*
 * '_gwReleaseDocRender()' - Sink callback: render the held PDF into
 *                           spec->format with the job's page ranges,
 *                           N-up and (when configured) the watermark.
 *
 * Runs the helper with a fixed argv (GW_CONV_ARG_RENDER) and the choices as
 * PG_RENDER_* settings; the page ranges are the job's canonical text
 * (checked at submission, checked again by the helper), the watermark is
 * hex.  On success the document callbacks read the memfd from then on.
 */

bool
_gwReleaseDocRender(void *ctx, const gw_sink_render_t *spec, gw_sink_doc_t *doc, gw_sink_result_t *result)
{
  _gw_release_doc_t   *d = (_gw_release_doc_t *)ctx;
  const gw_config_t   *c = d->config;
  gw_convert_job_t     cj;
  gw_convert_result_t  cr;
  const char          *argv[3], *envp[16], *format_kw;
  char                 helper[GW_PATH_MAX], env[10][80], e_pages[32 + GW_JOB_PAGE_RANGES_MAX],
                       e_wm[40 + 2 * 160], wm[2 * 160 + 1];
  int                  n = 0;
  double               t0;
  gw_log_ctx_t         lc;

  memset(&cr, 0, sizeof(cr));
  gwLogCtxJob(&lc, d->sys->log, d->job->id, d->job->owner);

  if (!strcmp(spec->format, "image/pwg-raster"))
    format_kw = "pwg";
  else if (!strcmp(spec->format, "image/urf"))
    format_kw = "urf";
  else if (!strcmp(spec->format, "application/vnd.hp-pclxl"))
    format_kw = "pclxl";
  else
    format_kw = "pdf";

  if (!gwConfigConverterPath(c, helper, sizeof(helper)))
  {
    cr.reason = GW_REASON_INTERNAL;
    snprintf(cr.detail, sizeof(cr.detail), "the converter %.200s is not installed", helper);
    return (render_fail(d, &cr, result));
  }

  /*
   * The same limits as a conversion at submission (ConversionMemory,
   * ConversionUser, PaperSize), RenderTimeout for the clock, and the
   * job's choices.  Nothing here is user text but the page ranges (the
   * canonical form checked at submission, checked again by the helper)
   * and the watermark (hex).
   */

  snprintf(env[0], sizeof(env[0]), GW_CONV_ENV_MAX_PAGES "=%d", c->max_pages);
  snprintf(env[1], sizeof(env[1]), GW_CONV_ENV_AS_MB "=%lld", (long long)(c->conversion_memory / (1024 * 1024)));
  snprintf(env[2], sizeof(env[2]), GW_CONV_ENV_CPU_S "=%d", (c->render_timeout > 0 ? c->render_timeout : 120) + 5);
  snprintf(env[3], sizeof(env[3]), GW_CONV_ENV_FSIZE_MB "=%d", RENDER_FSIZE_MB);
  snprintf(env[4], sizeof(env[4]), GW_CONV_ENV_PAPER "=%s", c->paper_size);
  snprintf(env[5], sizeof(env[5]), GW_CONV_ENV_USER "=%s", c->conversion_user);
  snprintf(env[6], sizeof(env[6]), GW_CONV_ENV_RENDER_FORMAT "=%s", format_kw);
  snprintf(env[7], sizeof(env[7]), GW_CONV_ENV_RENDER_COLOR "=%s", spec->color ? "rgb" : "gray");
  snprintf(env[8], sizeof(env[8]), GW_CONV_ENV_RENDER_DPI "=%d", spec->dpi >= 75 && spec->dpi <= 1200 ? spec->dpi : 300);
  snprintf(env[9], sizeof(env[9]), GW_CONV_ENV_RENDER_NUP "=%d", d->job->number_up > 1 ? d->job->number_up : 1);
  for (n = 0; n < 10; n ++)
    envp[n] = env[n];

  if (d->job->page_ranges[0])
  {
    snprintf(e_pages, sizeof(e_pages), GW_CONV_ENV_RENDER_PAGES "=%s", d->job->page_ranges);
    envp[n ++] = e_pages;
  }
  if (c->watermark && _gwReleaseWatermark(d->job, time(NULL), wm, sizeof(wm)))
  {
    snprintf(e_wm, sizeof(e_wm), GW_CONV_ENV_RENDER_WATERMARK "=%s", wm);
    envp[n ++] = e_wm;
  }
  if (!c->sandbox_require_landlock)
    envp[n ++] = GW_CONV_ENV_REQUIRE_LANDLOCK "=0";     /* SandboxRequireLandlock no */
  envp[n] = NULL;

  argv[0] = helper;
  argv[1] = GW_CONV_ARG_RENDER;
  argv[2] = NULL;

  if ((d->render_fd = memfd_create("printgate-render", MFD_CLOEXEC)) < 0 || !gwSpoolReaderRewind(d->reader))
  {
    cr.reason = GW_REASON_INTERNAL;
    snprintf(cr.detail, sizeof(cr.detail), "unable to prepare the rendering (%s)", strerror(errno));
    if (d->render_fd >= 0)
      close(d->render_fd);
    d->render_fd = -1;
    return (render_fail(d, &cr, result));
  }

  memset(&cj, 0, sizeof(cj));
  cj.helper     = helper;
  cj.argv       = argv;
  cj.envp       = envp;
  cj.tmp_parent = c->conversion_dir;     /* gwConvertRun makes and removes our own folder there */
  cj.timeout    = c->render_timeout > 0 ? c->render_timeout : 120;
  cj.max_output = (int64_t)RENDER_FSIZE_MB * 1024 * 1024;
  cj.in_fd      = -1;
  cj.read       = render_in;
  cj.read_ctx   = d;
  cj.write      = render_out;
  cj.write_ctx  = d;
  cj.log        = d->sys->log;

  t0 = gwClockMs();

  _gwSystemConvertSlotTake(d->sys, c, 0);   /* Someone waits at the printer: never deferred */
  gwConvertRun(&cj, &cr);
  _gwSystemConvertSlotGive(d->sys);

  if (!cr.ok || lseek(d->render_fd, 0, SEEK_SET) != 0)
  {
    close(d->render_fd);
    d->render_fd = -1;
    if (cr.ok)
    {
      cr.reason = GW_REASON_INTERNAL;
      snprintf(cr.detail, sizeof(cr.detail), "the rendered document could not be rewound");
    }
    return (render_fail(d, &cr, result));
  }

  /* From here on the sink reads the rendered copy. */
  _gwReleaseDocClose(d);
  d->memfd     = d->render_fd;
  d->render_fd = -1;
  d->pages     = cr.pages;
  doc->size    = cr.output_size;
  doc->format  = spec->format;

  gwLogCtx(&lc, GW_LOG_INFO, "rendered for '%s' as %s: %d page(s), %lld bytes in %.2fs (pages %s, %d-up, watermark %s).", d->printer, spec->format, cr.pages, (long long)cr.output_size, (gwClockMs() - t0) / 1000.0, d->job->page_ranges[0] ? d->job->page_ranges : "all", d->job->number_up > 1 ? d->job->number_up : 1, c->watermark ? "on" : "off");

  return (true);
}
