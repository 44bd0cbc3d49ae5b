/*
 * log.c - logging for the Printgate core (see log.h).
 */

#include "printgate/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct _gw_log_s
{
  pthread_mutex_t lock;       /* Serialises writes */
  FILE           *fp;         /* Log file, or stderr */
  bool            own_fp;     /* Close fp on delete */
  gw_loglevel_t   level;      /* Lowest level written */
};

static const char * const level_names[] = { "debug", "info", "warn", "error" };


/*
 * Local functions...
 */

static void log_line(gw_log_t *log, gw_loglevel_t level, const char *prefix, const char *fmt, va_list ap) GW_FORMAT(4, 0);


/*
 * 'gwLogNew()' - Open a log: path NULL or "" = stderr.  Returns NULL if the
 *                file cannot be opened.
 */

gw_log_t *
gwLogNew(const char *path, gw_loglevel_t level)
{
  gw_log_t *log = calloc(1, sizeof(gw_log_t));

  if (!log)
    return (NULL);

  pthread_mutex_init(&log->lock, NULL);
  log->level = level;

  if (path && *path)
  {
    if ((log->fp = fopen(path, "ae")) == NULL)
    {
      pthread_mutex_destroy(&log->lock);
      free(log);
      return (NULL);
    }
    log->own_fp = true;
    setvbuf(log->fp, NULL, _IOLBF, 0);
  }
  else
    log->fp = stderr;

  return (log);
}


/*
 * 'gwLogDelete()' - Close a log; NULL-safe, sets *log to NULL.
 */

void
gwLogDelete(gw_log_t **log)
{
  if (!log || !*log)
    return;

  if ((*log)->own_fp)
    fclose((*log)->fp);
  pthread_mutex_destroy(&(*log)->lock);
  free(*log);
  *log = NULL;
}


/*
 * 'gwLogSetLevel()' - Change the lowest level written (config reload).
 */

void
gwLogSetLevel(gw_log_t *log, gw_loglevel_t level)
{
  if (!log)
    return;

  pthread_mutex_lock(&log->lock);
  log->level = level;
  pthread_mutex_unlock(&log->lock);
}


/*
 * 'gwLogLevelParse()' - Parse "debug", "info", "warn" or "error".
 */

bool
gwLogLevelParse(const char *s, gw_loglevel_t *level)
{
  for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i ++)
  {
    if (s && !strcasecmp(s, level_names[i]))
    {
      *level = (gw_loglevel_t)i;
      return (true);
    }
  }

  return (false);
}


/*
 * 'log_line()' - Write one line: the prefix, then the message.  Control
 *                characters in both are replaced by '?' so user text
 *                cannot forge log lines.
 */

static void
log_line(gw_log_t *log, gw_loglevel_t level, const char *prefix, const char *fmt, va_list ap)
{
  char       msg[2048], stamp[32];
  time_t     now = time(NULL);
  struct tm  tmv;
  FILE      *fp = log ? log->fp : stderr;
  size_t     plen;

  if (log && level < log->level)
    return;
  if (level > GW_LOG_ERROR)
    level = GW_LOG_ERROR;

  snprintf(msg, sizeof(msg), "%s", prefix);
  plen = strlen(msg);
  vsnprintf(msg + plen, sizeof(msg) - plen, fmt, ap);

  for (char *p = msg; *p; p ++)
  {
    if ((unsigned char)*p < ' ' || *p == 0x7f)
      *p = '?';
  }

  gmtime_r(&now, &tmv);
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tmv);

  if (log)
    pthread_mutex_lock(&log->lock);
  fprintf(fp, "%s [%s] %s\n", stamp, level_names[level], msg);
  fflush(fp);
  if (log)
    pthread_mutex_unlock(&log->lock);
}


/*
 * 'gwLog()' - Write one line.  Control characters in the message are
 *             replaced by '?' so user text cannot forge log lines.
 */

void
gwLog(gw_log_t *log, gw_loglevel_t level, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  log_line(log, level, "", fmt, ap);
  va_end(ap);
}


/*
 * 'gwLogCtxJob()' - A log context for one job: its lines start
 *                   "Job <id> of <owner>: " ("Job <id>: " without an
 *                   owner).
 */

void
gwLogCtxJob(gw_log_ctx_t *ctx, gw_log_t *log, const char *job_id, const char *owner)
{
  ctx->log = log;
  if (owner && *owner)
    snprintf(ctx->prefix, sizeof(ctx->prefix), "Job %.36s of %.63s: ", job_id ? job_id : "?", owner);
  else
    snprintf(ctx->prefix, sizeof(ctx->prefix), "Job %.36s: ", job_id ? job_id : "?");
}


/*
 * 'gwLogCtxRequest()' - A log context for one request: its lines start
 *                       "<front-end> <client> <method> <path>: " (the path
 *                       cut to 64 characters; control characters become ?).
 */

void
gwLogCtxRequest(gw_log_ctx_t *ctx, gw_log_t *log, const char *frontend, const char *client, const char *method, const char *path)
{
  ctx->log = log;
  snprintf(ctx->prefix, sizeof(ctx->prefix), "%.8s %.46s %.10s %.64s: ", frontend ? frontend : "-", client ? client : "-", method ? method : "-", path ? path : "-");
}


/*
 * 'gwLogCtx()' - Log a line with a context's prefix.
 */

void
gwLogCtx(const gw_log_ctx_t *ctx, gw_loglevel_t level, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  log_line(ctx ? ctx->log : NULL, level, ctx ? ctx->prefix : "", fmt, ap);
  va_end(ap);
}
