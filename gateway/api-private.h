/*
 * api-private.h - helpers shared by api.c and api-jobs.c (the public
 * front-end API, api.h).
 */

#ifndef PRINTGATE_API_PRIVATE_H
#define PRINTGATE_API_PRIVATE_H

#include "printgate/api.h"
#include "system-private.h"

extern bool _gwApiActorValid(const gw_actor_t *actor);
extern bool _gwApiAdmin(const gw_actor_t *actor, const char **error_r);
extern bool _gwApiAdminPrinter(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_printer_t *printer, const char **error_r);  /* An admin, and the printer */
/* The end of an admin's change: 'ok' audits it (job and pages none) and returns true; else sets 'error' and returns false. */
extern bool _gwApiAdminDone(gw_system_t *sys, const gw_actor_t *actor, bool ok, const char **error_r, const char *error, const char *action, const char *subject, const char *printer, const char *detail);
extern void _gwApiAudit(gw_system_t *sys, const gw_actor_t *actor, const char *action, const char *subject, const char *job_id, const char *printer, int pages, const char *detail);
extern void _gwApiError(const char **error_r, const char *error);
extern void _gwApiSource(const gw_actor_t *actor, char *buf, size_t bufsize);
/* api-auth.c: forget a user's remembered password checks; the cache's counters (tests). */
extern void _gwApiAuthCacheDrop(int64_t tenant, int64_t user_id);
extern void _gwApiAuthCounters(unsigned long *argon2_r, unsigned long *hits_r);
extern unsigned long _gwApiAuthShared(void);   /* Tests: checks answered by another thread's Argon2id run */
/* api.c: an address of the user was verified: its quarantined mail jobs become held. */
extern void _gwApiReleaseQuarantine(gw_system_t *sys, const gw_actor_t *actor, int64_t user_id);
/* api-auth.c: 43 base64url characters from 32 random bytes (tokens, keys, session ids). */
extern bool _gwApiTokenMake(char *token, size_t tokensize);
extern void _gwApiAuthCacheShift(int64_t seconds);   /* Tests: move the cache's clock */
extern bool _gwApiListScope(gw_system_t *sys, const gw_actor_t *actor, const char *name, bool cb_set, int64_t *user_id_r);
extern bool _gwApiUserVisible(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_user_t *user);   /* May change it */
extern bool _gwApiUserChange(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_user_t *user, const char **error_r);  /* Visible, with the reason */
extern bool _gwApiUserReadable(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_user_t *user);  /* May see it */

/* api-web.c: HMAC-SHA256 with the session key of "KIND:TENANT:A[:B]"; a new session (elevated: past the second factor). */
extern bool _gwApiReason(const char **reason_r, const char *reason, const char **error_r, const char *error);
extern bool _gwApiWebHmac(gw_system_t *sys, const char *kind, int64_t tenant, const char *a, const char *b, unsigned char hmac[GW_HMAC_LEN]);
extern bool _gwApiSessionMake(gw_system_t *sys, const gw_actor_t *actor, const gw_user_t *user, const char *detail, bool elevated, char *sid, size_t sidsize, gw_session_t *session);
/* api-web.c: a guest user and its pending address (sa: the system actor); name gets its name. */
extern bool _gwApiGuestAdd(gw_system_t *sys, const gw_actor_t *sa, const char *addr, const char *display_name, char *name, size_t namesize, const char **error_r);
/* api-mailguest.c: a pending mail guest's address was proven: make it a guest and mail it a release PIN. */
extern void _gwApiMailGuestActivate(gw_system_t *sys, const gw_actor_t *actor, const gw_address_t *addr);
/* api-admin.c: may the actor do what 'right' covers (GW_ROLE_ADMIN may do everything)?  Else *error_r = "permission denied". */
extern bool _gwApiMay(const gw_actor_t *actor, gw_right_t right, const char **error_r);
/* May the actor change this user?  Itself; an admin any; a helpdesk actor users and guests (never a console role). */
extern bool _gwApiMayChangeUser(const gw_actor_t *actor, const gw_user_t *user);

#endif /* !PRINTGATE_API_PRIVATE_H */
