/*
 * control-private.h - control socket internals shared by control.c (socket,
 * threads) and control-commands.c (what each command does).
 */

#ifndef PRINTGATE_CONTROL_PRIVATE_H
#define PRINTGATE_CONTROL_PRIVATE_H

#include "printgate/control.h"
#include "printgate/api.h"
#include "printgate/crypto.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdarg.h>

typedef struct gw_client_s      /* One connected CLI */
{
  gw_control_t *ctl;
  gw_system_t  *sys;
  int           fd;
  char          actor[64];      /* "cli:root" */
  char          where[80];      /* "control:cli:root" (the release lockout's client) */
  gw_actor_t    as;             /* The API's actor: actor, admin, where, "cli" */
  char          buf[64 * 1024]; /* Read buffer (request lines, then document bytes) */
  size_t        len, pos;
} gw_client_t;

extern ssize_t _gwControlRead(gw_client_t *cl, void *buf, size_t len);
extern bool    _gwControlReply(gw_client_t *cl, json_object *reply);
extern bool    _gwControlError(gw_client_t *cl, const char *reason, const char *fmt, ...) GW_FORMAT(3, 4);
extern bool    _gwControlDispatch(gw_client_t *cl, json_object *req);
extern bool    _gwControlCmdReport(gw_client_t *cl, json_object *req);   /* report-control.c */
extern bool    _gwControlCmdHealth(gw_client_t *cl, json_object *req);

/* control-gdpr.c: "user.export", "user.erase", "user.restrict" (docs/gdpr.md) */
extern bool    _gwControlUserExport(gw_client_t *cl, json_object *req);
extern bool    _gwControlUserErase(gw_client_t *cl, json_object *req);
extern bool    _gwControlUserRestrict(gw_client_t *cl, json_object *req);
extern bool    _gwPolicyControlDispatch(gw_client_t *cl, const char *cmd, json_object *req, bool *result_r);  /* policy-control.c */

#endif /* !PRINTGATE_CONTROL_PRIVATE_H */
