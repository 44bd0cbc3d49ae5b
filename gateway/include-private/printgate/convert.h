/*
 * convert.h - running the sandboxed converter helper (printgate-convert)
 * from the daemon.
 *
 * The daemon never converts in its own address space: it starts the
 * helper with posix_spawn (never fork: the daemon is threaded) and a fixed
 * argv, in a directory of its own on tmpfs (made before, removed with
 * everything in it after), gives it the decrypted document on fd 0 (a
 * sealed memfd: plaintext stays in memory), reads the converted PDF from fd 1 (a pipe, encrypted into the
 * spool as it arrives by the caller's write callback), the one-line result
 * from fd 3, and a bounded amount of stderr for the log.  A wall-clock
 * timeout is enforced with SIGKILL.  The protocol is in docs/converters.md.
 */

#ifndef PRINTGATE_CONVERT_H
#define PRINTGATE_CONVERT_H

#include "printgate/base.h"
#include "printgate/job.h"

typedef struct gw_convert_pool_s gw_convert_pool_t;   /* Pre-started helpers (convert-pool.c) */

typedef struct gw_convert_job_s
{
  const char  *helper;          /* Path of printgate-convert */
  const char  *const *argv;     /* Fixed argv (argv[0] first), never user text */
  const char  *const *envp;     /* Fixed environment (limits), NULL-terminated */
  const char  *tmp_parent;      /* Where this conversion's own directory is made
                                 * (tmpfs; NULL = none, envp carries PG_CONVERT_TMPDIR) */
  int          timeout;         /* Wall-clock seconds before SIGKILL */
  int64_t      max_output;      /* Largest output accepted, bytes */
  /* Input: the daemon's plaintext read by callback into a sealed memfd,
   * or (read == NULL) a memfd of the caller's in in_fd, left open. */
  int          in_fd;
  ssize_t    (*read)(void *ctx, void *buf, size_t len);
  void        *read_ctx;
  /* Output: each piece of the helper's fd 1 (false = stop, fail). */
  bool       (*write)(void *ctx, const void *buf, size_t len);
  void        *write_ctx;
  gw_log_t    *log;
  const bool  *cancel;          /* Optional: when it becomes true (read atomically), the helper is
                                 * killed within ~0.2 s and the result says cancelled (a stop) */
  int          nice;            /* 0, or the helper's lower CPU priority (1-19, setpriority()) */
  gw_convert_pool_t *pool;      /* Optional: take a pre-started helper that fits from it */
} gw_convert_job_t;

#define GW_CONVERT_INTAKE_NICE 10   /* Conversions of new jobs run below intake (submission.c) */

typedef struct gw_convert_result_s
{
  bool         ok;              /* Helper said "ok" and exited 0 */
  bool         office;          /* Helper said "office": an Office document for the pool */
  char         format[256];     /* Format keyword the helper found ("pdf", "jpeg", ...; "multi,pdf,jpeg" for a job of several documents) */
  int          pages;           /* From the result line */
  int          color_pages;
  gw_reason_t  reason;          /* On failure */
  bool         timed_out;       /* Killed by the wall-clock timeout */
  bool         cancelled;       /* Killed because cj->cancel became true */
  int          signal;          /* Killed by this signal (0 = exited) */
  int          exit_status;
  int64_t      output_size;
  char         detail[384];     /* Short, for the log and the reason (never document text) */
  int          helper_pid;      /* The helper's pid (logs, tests: one document per helper) */
  bool         pooled;          /* It was a pre-started helper of the pool */
} gw_convert_result_t;

extern int  gwConvertMemfd(ssize_t (*read_cb)(void *ctx, void *buf, size_t len), void *ctx, int64_t max_bytes);
extern bool gwConvertRun(const gw_convert_job_t *cj, gw_convert_result_t *result);
extern bool gwConvertParseResult(const char *line, gw_convert_result_t *result);
/* Open (make when missing) ConversionDir or OfficeTmpDir, refusing one others could change. */
extern int  gwConvertOpenDir(const char *path, mode_t mode, bool create, char *error, size_t errsize);
/* The pool of pre-started helpers (docs/converters.md, "The helper pool"): size 0-16 per kind of helper. */
extern gw_convert_pool_t *gwConvertPoolNew(int size, gw_log_t *log);
extern void gwConvertPoolSetSize(gw_convert_pool_t *pool, int size);
extern void gwConvertPoolSetZygote(gw_convert_pool_t *pool, bool on);
extern void gwConvertPoolStats(gw_convert_pool_t *pool, int *ready, int *started, int *taken, int *dead);
extern void gwConvertPoolDelete(gw_convert_pool_t **pool);
/* Remove every conversion folder ("conv-*") under parent; at start-up only. */
extern int  gwConvertCleanup(const char *parent);

#endif /* !PRINTGATE_CONVERT_H */
