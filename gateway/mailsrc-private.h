/*
 * mailsrc-private.h - the mail sources' registry (api-mail-source.c) and
 * the device authorization grant (oauth-device.c): what the two share.
 */

#ifndef PRINTGATE_MAILSRC_PRIVATE_H
#define PRINTGATE_MAILSRC_PRIVATE_H

#include "printgate/mailsrc.h"
#include "system-private.h"

#include <json-c/json.h>
#include <pthread.h>

#define _GW_MAILSRC_STATUS_MAX  (2 * GW_MAILSRC_MAX)    /* Config-file and console sources */
#define _GW_OAUTH_ANSWER_MAX    (64 * 1024)             /* Bytes of an OAuth endpoint's answer */

typedef struct _gw_device_flow_s        /* One device authorization (oauth-device.c) */
{
  char              name[64];           /* The source; "" = free slot */
  char              device_code[1024];  /* Secret: wiped when the flow ends */
  gw_oauth_device_t pub;
  double            next_poll;          /* Not before, gwClockMs(): the interval counts from the last answer, to the millisecond */
  bool              busy;               /* A token request is running */
} _gw_device_flow_t;

typedef struct _gw_mailsrc_s
{
  pthread_mutex_t         lock;
  pthread_cond_t          idle;         /* A hook call ended */
  gw_mail_source_status_t status[_GW_MAILSRC_STATUS_MAX];
  int                     nstatus;
  gw_mail_source_hooks_t  hooks;
  bool                    has_hooks;
  int                     calls;        /* Hook calls running */
  _gw_device_flow_t       flows[GW_MAILSRC_MAX];
} _gw_mailsrc_t;

extern _gw_mailsrc_t *_gwMailSrcNew(void);
extern void           _gwMailSrcDelete(_gw_mailsrc_t **m);
/* The registry's sources for /health: a JSON array. */
/* A copy of up to max published states (for /metrics); their number. */
extern int            _gwMailSrcSnapshot(gw_system_t *sys, gw_mail_source_status_t *st, int max);
extern json_object   *_gwMailSrcHealth(gw_system_t *sys);
/* A console source's settings (no secret in def) and, when client_secret is not NULL, its client secret opened ("" = none; the caller wipes it); false = none. */
extern bool           _gwMailSrcLoad(gw_system_t *sys, int64_t tenant, const char *name, gw_mail_source_def_t *def, char *client_secret, size_t secretsize);
/* Store a new refresh token (plain; sealed here) for a console source, then (reload) the front-end reloads. */
extern bool           _gwMailSrcSetRefresh(gw_system_t *sys, int64_t tenant, const char *name, const char *refresh, bool reload, const char **error_r);
/* The provider's endpoints and scope where the source leaves them empty. */
extern void           _gwMailSrcDefaults(gw_mail_source_def_t *def);
/* Call the front-end's changed() hook. */
extern void           _gwMailSrcChanged(gw_system_t *sys);

#endif /* !PRINTGATE_MAILSRC_PRIVATE_H */
