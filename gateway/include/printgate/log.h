/*
 * log.h - logging for the Printgate core.
 *
 * A log writes one line per message ("2026-11-24T07:30:00Z [level] text") to a
 * file or to stderr.  Messages never contain secrets or document content;
 * callers are responsible for that.  A NULL log writes to stderr, so unit
 * tests and early start-up code can log before a log object exists.
 * gwLog() is thread-safe.
 */

#ifndef PRINTGATE_LOG_H
#define PRINTGATE_LOG_H

#include "base.h"

typedef enum gw_loglevel_e
{
  GW_LOG_DEBUG,
  GW_LOG_INFO,
  GW_LOG_WARN,
  GW_LOG_ERROR
} gw_loglevel_t;

extern gw_log_t *gwLogNew(const char *path, gw_loglevel_t level);
extern void     gwLogDelete(gw_log_t **log);
extern void     gwLogSetLevel(gw_log_t *log, gw_loglevel_t level);
extern bool     gwLogLevelParse(const char *s, gw_loglevel_t *level);
extern void     gwLog(gw_log_t *log, gw_loglevel_t level, const char *fmt, ...) GW_FORMAT(3, 4);

/*
 * A log context (as Dovecot's log prefixes): the object a line is about,
 * named once, then every line about it carries it.  Plain value, no
 * allocation; copy it freely.
 */
typedef struct gw_log_ctx_s
{
  gw_log_t *log;
  char      prefix[160];
} gw_log_ctx_t;

extern void     gwLogCtxJob(gw_log_ctx_t *ctx, gw_log_t *log, const char *job_id, const char *owner); /* owner may be NULL */
extern void     gwLogCtxRequest(gw_log_ctx_t *ctx, gw_log_t *log, const char *frontend, const char *client, const char *method, const char *path);
extern void     gwLogCtx(const gw_log_ctx_t *ctx, gw_loglevel_t level, const char *fmt, ...) GW_FORMAT(3, 4);

#endif /* !PRINTGATE_LOG_H */
