/*
 * mail-intake.h - a message in flight (docs/mail.md, "The window"): what
 * mail-intake.c (one message) and mail-intake-window.c (the source's
 * window, the job events) share.  Only those two files include it.
 *
 * Locking: a message's parts (job_id, final, outcome and the flags) are
 * written under its source's mutex once the message is in the window (the
 * event thread fills them); the rest is the poller's alone.
 */

#ifndef PRINTGATE_MAIL_INTAKE_H
#define PRINTGATE_MAIL_INTAKE_H

#include "mail-source.h"

typedef struct gw_mail_part_state_s     /* One part of a message in flight */
{
  char  base[128];                      /* Origin reference of its first attempt, "SOURCE:KEY:PART" */
  char  ref[128];                       /* That of its current attempt: base, then "base#2" ... */
  char  name[GW_MAIL_FILENAME_MAX + 1];
  char  job_id[40];
  int   attempt;                        /* 1, then 2 .. 1 + GW_MAIL_RETRIES after internal errors */
  bool  final;                          /* Its outcome is known */
  bool  interrupted;                    /* Its job failed "interrupted": submit it again (message taken again) */
  bool  internal;                       /* Its job failed "internal-error" */
  char  outcome[1100];                  /* The reply's line */
} gw_mail_part_state_t;

typedef struct gw_mail_reply_head_s     /* What the reply needs of the message's header */
{
  bool        may_reply;                /* RFC 3834 (gwMailShouldReply) */
  const char *no_reply;                 /* Why not (a static code) */
  char        from[320];                /* The sender, lower-case user@domain */
  char        subject[256];
  char        msgid[256];               /* Message-ID, "" when unusable */
} gw_mail_reply_head_t;

struct _gw_mail_inflight_s
{
  gw_mail_inflight_t  *next;
  char                 key[128];        /* The message's key in its source */
  void                *tag;             /* The poller's (a UID, a message number, an id) */
  time_t               deadline;        /* Not every outcome by then: taken again later */
  bool                 retry;           /* Not all taken now (busy, a retry not due yet) */
  bool                 quarantine;
  gw_mail_reply_head_t head;
  char                 user[64];        /* The owner */
  char                 trust_why[256];
  char                 notes[3000];
  int                  nparts;
  gw_mail_part_state_t parts[];
};

/* Whether a job state is an outcome for the reply. */
extern bool _gwMailJobFinal(gw_job_state_t s);
/* A part's outcome (and flags) from its job; call with the source's mutex held once in the window. */
extern void _gwMailPartOutcome(gw_mail_part_state_t *p, const gw_job_t *job);
/* The actor the intake acts as (the system, for the mail origin). */
extern void _gwMailIntakeActor(gw_mail_source_t *src, gw_actor_t *actor);

#endif /* !PRINTGATE_MAIL_INTAKE_H */
