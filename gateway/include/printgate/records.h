/*
 * records.h - the records the core hands to front-ends (users, addresses,
 * printers, audit rows, lockout counters): plain structs copied out to the
 * caller, with no pointers into the core.  The store (private to the core)
 * reads and writes them; front-ends get them through api.h.
 */

#ifndef PRINTGATE_RECORDS_H
#define PRINTGATE_RECORDS_H

#include "base.h"
#include "job.h"

/* ---- Users ---------------------------------------------------------------- */

typedef enum gw_role_e
{
  GW_ROLE_USER,
  GW_ROLE_ADMIN,                   /* Everything */
  GW_ROLE_GUEST,
  GW_ROLE_HELPDESK,                /* Users, addresses, jobs; no settings or secrets (api.h, "Roles") */
  GW_ROLE_AUDITOR                  /* Read only: users, audit, health */
} gw_role_t;

#define GW_ROLE_LAST GW_ROLE_AUDITOR

typedef struct gw_user_s
{
  int64_t   id;
  int64_t   tenant;
  char      name[64];              /* Login name, unique per tenant, [a-z0-9._@-] */
  char      display_name[128];
  gw_role_t role;
  bool      disabled;
  bool      must_change_password;  /* One-time password still in force */
  int64_t   created;
} gw_user_t;

typedef enum gw_address_state_e
{
  GW_ADDRESS_PENDING,
  GW_ADDRESS_VERIFIED,
  GW_ADDRESS_REVOKED
} gw_address_state_t;

typedef struct gw_address_s
{
  int64_t            id;
  int64_t            user_id;
  char               user_name[64];
  char               address[256];   /* Lower-cased */
  gw_address_state_t state;
  char               verified_by[64];/* Admin name, "self" (link/code), or "" */
  int64_t            verified_at;
  int64_t            created;
} gw_address_t;

typedef struct gw_printer_s
{
  int64_t id;
  int64_t tenant;
  char    name[64];
  char    uri[1024];      /* ipp://, ipps://, cups://host:port/queue */
  char    location[128];
  bool    enabled;
  int64_t created;
} gw_printer_t;

typedef struct gw_audit_s
{
  int64_t id;
  int64_t time;
  char    actor[64];      /* Who did it: user name, "system", "cli" */
  char    action[32];     /* "job.submit", "job.release", "pin.fail", ... */
  char    subject[64];    /* The user it concerns (or "") */
  char    job_id[GW_UUID_LEN + 1];
  char    printer[64];
  int     pages;
  char    source[64];     /* Where: "cli", client address, terminal id */
  char    detail[256];    /* Reason code or short metadata; never content */
} gw_audit_t;

typedef bool (*gw_user_cb_t)(const gw_user_t *user, void *data);
typedef bool (*gw_address_cb_t)(const gw_address_t *addr, void *data);
typedef bool (*gw_printer_cb_t)(const gw_printer_t *printer, void *data);
typedef bool (*gw_job_cb_t)(const gw_job_t *job, void *data);
typedef bool (*gw_audit_cb_t)(const gw_audit_t *entry, void *data);

/* ---- Devices (a phone's or laptop's own token and password, api.h) ------- */

typedef struct gw_device_s
{
  int64_t id;
  int64_t tenant;
  int64_t user_id;
  char    user_name[64];  /* The owner */
  char    name[64];       /* "alice-iphone" (the owner's label) */
  int64_t created;
  int64_t last_used;      /* 0 = never */
} gw_device_t;

typedef bool (*gw_device_cb_t)(const gw_device_t *device, void *data);

/* ---- Release terminals (api.h, gwApiTerminalAdd) ------------------------- */

typedef struct gw_terminal_s
{
  int64_t id;
  int64_t tenant;
  char    name[64];       /* "lobby-reader" */
  char    printer[128];   /* The one printer it releases to */
  int64_t created;
  int64_t last_used;      /* 0 = never */
} gw_terminal_t;

typedef bool (*gw_terminal_cb_t)(const gw_terminal_t *terminal, void *data);

/* ---- Lockout counters (PIN, card and password attempts) ------------------- */

#define GW_LOCKOUT_KEY_MAX_LEN 160

typedef struct gw_lockout_s    /* One counted key, for listing */
{
  char    key[GW_LOCKOUT_KEY_MAX_LEN + 1];
  int64_t failures;            /* Failures in the current window */
  int64_t first_failure;       /* Start of the window */
  int64_t locked_until;        /* 0 = not locked */
} gw_lockout_t;

typedef bool (*gw_lockout_cb_t)(const gw_lockout_t *lockout, void *data);

/* ---- Audit queries (api.h gwApiAuditQuery(), docs/gdpr.md) --------------- */

#define GW_AUDIT_QUERY_MAX 10000     /* Most rows one query (page) returns */

typedef enum gw_audit_outcome_e
{
  GW_AUDIT_OUTCOME_ANY,
  GW_AUDIT_OUTCOME_OK,               /* Every action that is not a refusal */
  GW_AUDIT_OUTCOME_REFUSED           /* *.fail, *.refuse, *.reject, *.locked */
} gw_audit_outcome_t;

typedef struct gw_audit_query_s      /* What an audit page selects; NULL / 0 = no filter */
{
  const char        *user;           /* The actor or the subject is this name */
  const char        *action;         /* "job.print" */
  const char        *printer;
  int64_t            since;          /* time >= since (Unix time) */
  int64_t            until;          /* time <= until */
  gw_audit_outcome_t outcome;
  int64_t            after;          /* Cursor: the id of the last row of the previous page (0 = from the newest) */
  int                limit;          /* Rows wanted, 1 to GW_AUDIT_QUERY_MAX */
} gw_audit_query_t;

#endif /* !PRINTGATE_RECORDS_H */
