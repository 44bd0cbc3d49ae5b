/*
 * mail-source.h - mail sources (IMAP, POP3) and the intake of one message:
 * the mail front-end's internals (docs/mail.md).  Only mail/ includes it.
 */

#ifndef PRINTGATE_MAIL_SOURCE_H
#define PRINTGATE_MAIL_SOURCE_H

#include "mail-private.h"
#include "printgate/api.h"

#include <pthread.h>

#define GW_MAIL_SOURCES_MAX  32

typedef enum gw_mail_proto_e
{
  GW_MAIL_PROTO_IMAP,
  GW_MAIL_PROTO_POP3
} gw_mail_proto_t;

typedef enum gw_mail_done_e             /* What became of a message */
{
  GW_MAIL_DONE_PRINTED,                 /* Its jobs are committed (or were before): flag/move/delete it */
  GW_MAIL_DONE_REJECTED,                /* Nothing to print, for good: flag/move it to Rejected */
  GW_MAIL_RETRY                         /* The gateway could not take it now: leave it, try later */
} gw_mail_done_t;

typedef struct gw_mail_source_s
{
  /* From the MailSourceFile line */
  char             name[64];
  gw_mail_proto_t  proto;
  bool             implicit_tls;        /* imaps:// pop3s:// (else STARTTLS / STLS, required) */
  char             host[256];
  int              port;
  char             mailbox[128];        /* IMAP only */
  char             user[256];
  char             password[256];
  char             cafile[1024];        /* "" = the system store */
  bool             verify;              /* verify=no: the admin turned verification off for this source */
  char             authserv_id[256];    /* Trusted Authentication-Results id ("" = none trusted) */
  int              poll;                /* Seconds between polls (and the bounded IDLE wait) */
  char             done[16];            /* "move", "flag" or "delete" */
  char             printed[64], rejected[64];
  bool             force_mono, force_duplex, print_body;
  int              quarantine_max;      /* Quarantined jobs per sender address */
  gw_mail_limits_t limits;

  /* Runtime */
  gw_system_t     *sys;
  pthread_t        thread;
  bool             started;
  int              wake[2];             /* Pipe: a byte wakes the poller (stop) */
  volatile bool    stop;
  char             uidl_path[GW_PATH_MAX + 96];     /* POP3: done UIDLs, one a line */
  pthread_mutex_t  mutex;               /* Guards pending (the poller and the event thread) */
  pthread_cond_t   cond;                /* An outcome arrived */
  void            *pending;             /* The message waiting for its outcomes, or NULL */
} gw_mail_source_t;

/* mail-source-config.c: read MailSourceFile; false with "FILE:LINE: why". */
extern bool           _gwMailSourcesLoad(const char *path, gw_mail_source_t *sources, int *count, char *why, size_t whysize);
/* mail-etpan-source.c: the poller thread of one source (IMAP or POP3). */
extern void          *_gwMailSourceRun(void *arg);
/* True when the stop was asked; waits up to seconds (or until woken). */
extern bool           _gwMailSourceSleep(gw_mail_source_t *src, int seconds);
/* mail-intake.c: one whole message, its key (for the jobs' origin references) unique in the source. */
extern gw_mail_done_t _gwMailIntake(gw_mail_source_t *src, const char *key, const char *data, size_t size);
/* A job event of origin "mail" (the front-end's subscriber thread). */
extern void           _gwMailIntakeEvent(gw_mail_source_t *src, const gw_job_event_t *event);
/* A message over the size cap, refused before download. */
extern void           _gwMailIntakeTooLarge(gw_mail_source_t *src, const char *key, size_t size);

#endif /* !PRINTGATE_MAIL_SOURCE_H */
