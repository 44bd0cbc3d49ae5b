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
 * 'gwLog()' - Write one line.  Control characters in the message are
 *             replaced by '?' so user text cannot forge log lines.
 */

void
gwLog(gw_log_t *log, gw_loglevel_t level, const char *fmt, ...)
{
  char       msg[2048], stamp[32];
  va_list    ap;
  time_t     now = time(NULL);
  struct tm  tmv;
  FILE      *fp = log ? log->fp : stderr;

  if (log && level < log->level)
    return;
  if (level > GW_LOG_ERROR)
    level = GW_LOG_ERROR;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);

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
