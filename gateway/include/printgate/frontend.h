/*
 * frontend.h - how a front-end (IPP Everywhere, mail, the web pages)
 * plugs into the core.
 *
 * The daemon (the composition root) registers each front-end's ops table
 * with gwSystemAddFrontend() before gwSystemStartListener().  The core then
 * calls, in order: routes() for every front-end (register HTTPS routes on
 * the core listener; the only time routes can be added), the listener
 * starts, start() for every front-end (threads, pollers, mDNS); reload()
 * after each SIGHUP with the new configuration; stop() in reverse order,
 * before the listener stops, when the gateway shuts down.  Front-ends never
 * call each other: they learn what happened to jobs from job events
 * (event.h, gwSystemGetEvents()).
 *
 * Every callback is optional but 'name'; none is called with a core lock
 * held, and none may block for long (start() and stop() may wait for the
 * front-end's own threads).
 */

#ifndef PRINTGATE_FRONTEND_H
#define PRINTGATE_FRONTEND_H

#include "base.h"
#include "config.h"

typedef struct gw_frontend_s
{
  const char *name;                                                                      /* "ipp", "mail", "web" */
  bool      (*routes)(gw_system_t *sys, gw_listener_t *listener, void *data, const char **error_r);
  bool      (*start)(gw_system_t *sys, void *data, const char **error_r);
  void      (*reload)(gw_system_t *sys, const gw_config_t *config, void *data);
  void      (*stop)(gw_system_t *sys, void *data);
  void       *data;
  /* Optional: an admin command this front-end answers ("dnssd-zone"): false = not ours; else *text_r (malloc'd) or NULL and *error_r. */
  bool      (*command)(gw_system_t *sys, const char *command, const char * const *args, int nargs, char **text_r, const char **error_r, void *data);
  /* Optional: the front-end's part of /health's details, a JSON object (malloc'd text) in *json_r; false = none.
     Called on a listener thread, possibly while stop() runs: the front-end guards its own state. */
  bool      (*health)(gw_system_t *sys, char **json_r, void *data);
  /* Optional: routes on the plain-HTTP listener (IppPlainPort; called only when it is on, after routes()). */
  bool      (*plain_routes)(gw_system_t *sys, gw_listener_t *listener, void *data, const char **error_r);
} gw_frontend_t;

#define GW_MAX_FRONTENDS 8

extern bool gwSystemAddFrontend(gw_system_t *sys, const gw_frontend_t *frontend); /* Before gwSystemStartListener(); copied */
extern bool gwSystemFrontendCommand(gw_system_t *sys, const char *command, const char * const *args, int nargs, char **text_r, const char **error_r); /* false = no front-end has it */

#endif /* !PRINTGATE_FRONTEND_H */
