/*
 * convert-protocol.c - the helper's side of the protocol with the daemon
 * (docs/converters.md): the normalised PDF on fd 1, exactly one result line
 * on fd 3, and short diagnostics on fd 2.
 *
 * The result line is
 *
 *     ok pages=N color_pages=M          (color_pages left out when not counted)
 *     fail reason=CODE detail=TEXT
 *
 * where CODE is a gw_reason_t code (gwReasonCode()) and TEXT is one of our
 * own fixed sentences with numbers: never document text, file names or
 * Ghostscript output.
 */

#include "convert-private.h"
#include "printgate/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


/*
 * '_gwConvLog()' - Write one diagnostic line to stderr.
 *
 * Callers pass fixed text and numbers only.  The daemon keeps the first
 * 2 KiB for its log.
 */

void
_gwConvLog(const char *message, ...)
{
  char    line[256];
  int     len;
  va_list ap;

#ifdef PRINTGATE_CONVERT_LEAN
  len = snprintf(line, sizeof(line), GW_CONV_HELPER_PDF ": ");
#else
  len = snprintf(line, sizeof(line), "printgate-convert: ");
#endif /* PRINTGATE_CONVERT_LEAN */

  va_start(ap, message);
  vsnprintf(line + len, sizeof(line) - (size_t)len - 1, message, ap);
  va_end(ap);

  len = (int)strlen(line);
  line[len ++] = '\n';

  (void)gwWriteAll(GW_CONV_FD_LOG, line, (size_t)len);
}


/*
 * '_gwConvFail()' - Record why the conversion fails.
 *
 * The first failure wins (later ones are consequences).  The detail is
 * printf-style text built from our own sentences; anything that is not
 * printable ASCII is replaced so it cannot break the result line.  Always
 * returns false, so callers can "return (_gwConvFail(...));".
 */

bool
_gwConvFail(gw_conv_t *conv, gw_reason_t reason, const char *detail, ...)
{
  va_list ap;

  if (conv->reason != GW_REASON_NONE)
    return (false);

  conv->reason = reason == GW_REASON_NONE ? GW_REASON_INTERNAL : reason;

  va_start(ap, detail);
  vsnprintf(conv->detail, sizeof(conv->detail), detail, ap);
  va_end(ap);

  for (char *p = conv->detail; *p; p ++)
  {
    if ((unsigned char)*p < ' ' || (unsigned char)*p > '~')
      *p = ' ';
  }

  return (false);
}


/*
 * '_gwConvSendOutput()' - Copy the finished PDF to the daemon (fd 1) and
 *                         close our end, so the daemon sees the end of it.
 */

bool
_gwConvSendOutput(gw_conv_t *conv, const char *path)
{
  int           fd;
  unsigned char buf[64 * 1024];
  ssize_t       n;
  bool          ok = true;

  if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "the converted document could not be reopened"));

  while ((n = read(fd, buf, sizeof(buf))) != 0)
  {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
    {
      ok = _gwConvFail(conv, GW_REASON_INTERNAL, "the converted document could not be read back");
      break;
    }
    if (!gwWriteAll(conv->out_fd, buf, (size_t)n))
    {
      ok = _gwConvFail(conv, GW_REASON_INTERNAL, "the daemon stopped reading the converted document");
      break;
    }
  }

  close(fd);
  close(conv->out_fd);
  conv->out_fd = -1;

  return (ok);
}


/*
 * '_gwConvWriteResult()' - Write the one result line to fd 3.
 */

bool
_gwConvWriteResult(gw_conv_t *conv, bool ok)
{
  char        line[64 + GW_CONV_DETAIL_MAX + sizeof(conv->formats)];
  const char *format = conv->documents > 0 ? conv->formats : gwFormatKeyword(conv->format);   /* Several documents: "multi,pdf,jpeg" */
  int         len;

  if (ok && conv->render_mode)
    len = snprintf(line, sizeof(line), "ok pages=%d format=%s\n", conv->pages, _gwConvRenderFormatKeyword(conv->render.format));
  else if (ok && conv->kind == GW_CONV_KIND_OFFICE)
    len = snprintf(line, sizeof(line), "office format=%s\n", gwFormatKeyword(conv->format));
  else if (ok && conv->color_pages >= 0)
    len = snprintf(line, sizeof(line), "ok pages=%d color_pages=%d format=%s\n", conv->pages, conv->color_pages, format);
  else if (ok)
    len = snprintf(line, sizeof(line), "ok pages=%d format=%s\n", conv->pages, format);
  else
    len = snprintf(line, sizeof(line), "fail reason=%s detail=%s\n", gwReasonCode(conv->reason), conv->detail[0] ? conv->detail : "none");

  if (len < 0 || (size_t)len >= sizeof(line))
    return (false);

  return (gwWriteAll(conv->result_fd, line, (size_t)len));
}


/*
 * 'now_us()' - Monotonic microseconds.
 */

static int64_t
now_us(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}


/*
 * '_gwConvStageEnd()' - Add the time since the last mark to a stage of the
 *                       profile and start the next one.  The first call
 *                       (mark 0) starts the clock.
 */

void
_gwConvStageEnd(gw_conv_t *conv, gw_conv_stage_t stage)
{
  int64_t now = now_us();

  if (conv->stage_mark_us > 0 && stage < GW_CONV_STAGE_COUNT)
    conv->stage_us[stage] += now - conv->stage_mark_us;

  conv->stage_mark_us = now;
}


/*
 * '_gwConvLogProfile()' - Write the per-stage profile to stderr (the daemon
 *                         logs the helper's stderr at debug level):
 *
 *   profile: setup=0.4 sandbox=2.1 wait=0.0 input=1.0 convert=61.2
 *            check=0.6 color=0.3 send=0.1 total=65.7 ms, colour rendered 0 of 1 pages
 *
 * "wait" is how long a pooled helper waited for its document after its
 * sandbox was built; it is not part of the total.
 */

void
_gwConvLogProfile(gw_conv_t *conv)
{
  static const char * const names[GW_CONV_STAGE_COUNT] =
  { "setup", "sandbox", "wait", "input", "convert", "check", "color", "send" };
  char    line[200], rendered[40] = "";
  size_t  len = 0;
  int64_t total = 0;

  for (int i = 0; i < GW_CONV_STAGE_COUNT && len < sizeof(line); i ++)
  {
    if (i != GW_CONV_STAGE_WAIT)
      total += conv->stage_us[i];          /* A pooled helper's wait is no cost of its document */
    len   += (size_t)snprintf(line + len, sizeof(line) - len, "%s=%.1f ", names[i], conv->stage_us[i] / 1000.0);
  }

  if (conv->color_rendered >= 0)
    snprintf(rendered, sizeof(rendered), ", colour rendered %d of %d pages", conv->color_rendered, conv->pages);

  _gwConvLog("profile: %stotal=%.1f ms%s", len < sizeof(line) ? line : "", total / 1000.0, rendered);
}
