/*
 * web.h - the web portal front-end (docs/web.md), as the daemon registers
 * it:
 *
 *   gw_web_t *web = gwWebAdd(sys);   (gwWebNew() + gwWebFrontend() + gwSystemAddFrontend())
 *   ...
 *   gwSystemDelete(&sys);     (the listener stops)
 *   gwWebDelete(&web);
 *
 * routes() puts the pages, the static files and the REST API (/api/v1/...)
 * on the core listener; nothing else runs: slow work (a password check, a
 * release) goes to the core's task workers and the answer is deferred.
 */

#ifndef PRINTGATE_WEB_H
#define PRINTGATE_WEB_H

#include <printgate/frontend.h>

typedef struct web_s gw_web_t;

extern gw_web_t *gwWebNew(void);
extern void      gwWebFrontend(gw_web_t *web, gw_frontend_t *frontend);
extern gw_web_t *gwWebAdd(gw_system_t *sys);     /* New, registered; NULL = out of memory or refused */
extern void      gwWebDelete(gw_web_t **web);

/* The REST API's routes (method and path pattern, "{id}" for a path part), for the OpenAPI check. */
extern int  gwWebApiRouteCount(void);
extern bool gwWebApiRoute(int i, const char **method, const char **pattern);

#endif /* !PRINTGATE_WEB_H */
