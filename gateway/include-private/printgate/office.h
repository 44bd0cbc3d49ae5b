/*
 * office.h - the Office pool: persistent, confined headless LibreOffice
 * instances that turn Office documents into PDF (docs/office.md).
 *
 * Each instance is its own process tree (printgate-office-sandbox -> the
 * Python UNO worker -> soffice.bin) with its own unprivileged user, no
 * network, Landlock, seccomp, its own profile and UNO pipe.  The daemon
 * never loads LibreOffice: it talks to an instance over a socket with one
 * line per document, and the plaintext lives only in memfds and a
 * per-document directory on tmpfs that is removed when the document is done.
 *
 * gwOfficePoolConvert() may be called from many threads at once: each call
 * waits (bounded) for a free instance.  A failing, hanging or killed
 * instance fails only the document it was converting and is restarted.
 */

#ifndef PRINTGATE_OFFICE_H
#define PRINTGATE_OFFICE_H

#include "printgate/base.h"
#include "printgate/job.h"

typedef struct _gw_office_pool_s gw_office_pool_t;

typedef struct gw_office_config_s
{
  int         workers;          /* Instances; 0 = Office disabled (gwOfficePoolNew fails) */
  int         timeout;          /* Seconds per document, then the instance is killed and restarted;
                                   a call waits at most timeout + 90 s for a free instance */
  int         max_jobs;         /* Restart an instance after this many documents */
  int64_t     max_output;       /* Largest PDF accepted, bytes */
  int64_t     max_memory;       /* RLIMIT_AS of each instance, bytes (0 = 2 GiB) */
  const char *soffice;          /* Path of soffice, e.g. /usr/lib/libreoffice/program/soffice */
  const char *sandbox;          /* Path of printgate-office-sandbox */
  const char *worker;           /* Path of printgate-office-worker.py */
  const char *user;             /* Unprivileged user when the daemon runs as root */
  const char *tmp_parent;       /* tmpfs directory for profiles and per-document dirs */
  bool        allow_no_landlock;/* SandboxRequireLandlock no: start instances on a kernel without
                                   Landlock even when not root */
} gw_office_config_t;

typedef struct gw_office_instance_info_s
{
  pid_t       pid;              /* Instance's process (group leader), 0 when not running */
  bool        ready;            /* Idle or converting (not starting or stopped) */
  bool        busy;             /* Converting a document now */
  int         jobs;             /* Documents since its last start */
  int         starts;           /* Times it was started */
} gw_office_instance_info_t;

/* Make the pool and start its instances (in the background).  NULL + *error_r on a bad setting. */
extern gw_office_pool_t *gwOfficePoolNew(const gw_office_config_t *cfg, gw_log_t *log, const char **error_r);

/* Convert one document.  in_fd: a (sealed) memfd with the document, read with pread from offset 0;
 * format_keyword: the helper's "office format=" keyword (docx, xlsx, pptx, odt, ods, odp, rtf, doc,
 * xls, ppt).  On success *out_fd_r is a new memfd holding the PDF, rewound (the caller closes it).
 * On failure *reason_r and detail (a sentence without the document's name) say why. */
extern bool gwOfficePoolConvert(gw_office_pool_t *pool, int in_fd, const char *format_keyword, int *out_fd_r,
                                gw_reason_t *reason_r, char *detail, size_t detailsize);

/* Stop every instance, remove every directory, free the pool; sets *pool to NULL. */
extern void gwOfficePoolFree(gw_office_pool_t **pool);

/* Is LibreOffice (soffice.bin next to soffice, and python3-uno) installed? */
extern bool gwOfficeAvailable(const char *soffice);

/* Is this one of the format keywords the pool converts? */
extern bool gwOfficeFormatKnown(const char *format_keyword);

/* Snapshot of the instances (for /health and tests); returns how many were filled. */
extern int  gwOfficePoolGetInstances(gw_office_pool_t *pool, gw_office_instance_info_t *info, int max);

/* The LibreOffice pool, or NULL when Office documents are refused (OfficeWorkers 0, not installed,
 * or it failed to start); valid until gwSystemDelete (core and tests only). */
extern gw_office_pool_t *gwSystemGetOfficePool(gw_system_t *sys);

#endif /* !PRINTGATE_OFFICE_H */
