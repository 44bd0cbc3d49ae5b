/*
 * store-private.h - the store object and its backend interface (see
 * store.h and docs/store.md).
 *
 * store.c holds the public gwStoreX() functions: it checks and normalises
 * every argument (ranges, name syntax, lower-casing), checks the job state
 * machine, and then calls the backend through the ops table below.  A
 * backend (store-sqlite*.c today; PostgreSQL later) only runs queries: it
 * may assume that its arguments are valid, non-NULL and normalised.
 *
 * Iteration is split so that no backend lock is ever held while a caller's
 * callback runs: the backend fills a page of rows after a keyset cursor, and
 * store.c calls back for each row of the page with no lock held, so a
 * callback may call the store again (the expiry sweep transitions and
 * purges jobs from inside gwStoreJobIterateExpired()).
 *
 * Locking: each backend serialises its own calls (the SQLite backend holds
 * one mutex per call, and only for the duration of that call).
 */

#ifndef PRINTGATE_STORE_PRIVATE_H
#define PRINTGATE_STORE_PRIVATE_H

#include "printgate/store.h"
#include "printgate/log.h"

#define _GW_STORE_PAGE 64      /* Rows per iteration page */

typedef enum _gw_job_query_e    /* Which jobs a job page selects */
{
  _GW_JOB_QUERY_TENANT,         /* One tenant, optionally one user; oldest first */
  _GW_JOB_QUERY_ALL,            /* Any tenant; oldest first */
  _GW_JOB_QUERY_EXPIRED         /* Any tenant, 0 < expires <= now; soonest expiry first */
} _gw_job_query_t;

typedef struct _gw_job_filter_s /* Job selection for job pages and counts */
{
  _gw_job_query_t query;
  int64_t         tenant;       /* _GW_JOB_QUERY_TENANT only */
  int64_t         user_id;      /* 0 = all users */
  unsigned        states;       /* Bit mask of (1 << state), never 0 here */
  int64_t         now;          /* _GW_JOB_QUERY_EXPIRED only */
} _gw_job_filter_t;

typedef struct _gw_store_cursor_s /* Keyset position of an iteration (backend-defined) */
{
  bool    started;              /* false before the first page */
  int64_t num[3];               /* Numeric keys (time, row id, bounds) */
  char    text[256];            /* Text key (a name or an address) */
} _gw_store_cursor_t;

typedef struct _gw_store_pair_s  /* Two text columns (policy rows: name and line, group and member, owner and delegate) */
{
  char a[64];
  char b[1025];                 /* GW_POLICY_LINE_MAX + 1 */
} _gw_store_pair_t;

typedef struct _gw_store_mailsrc_s /* A console-made mail source (store-sqlite-mailsrc.c) */
{
  char name[64];
  char spec[GW_STORE_MAILSRC_SPEC_MAX + 1];
} _gw_store_mailsrc_t;

/*
 * The backend operations.  Each mirrors the public call of the same name
 * with the backend pointer first; "page" operations fill at most 'max'
 * records after 'cursor', advance it and return the number filled (0 at the
 * end, -1 on error).
 */

typedef struct _gw_store_ops_s
{
  const char *name;             /* "sqlite" */
  int         latest_version;   /* Newest schema version this backend knows */

  void   *(*open)(const char *path, gw_log_t *log, int version, const char **error_r);
  void    (*close)(void *b);
  int     (*schema_version)(void *b);
  bool    (*check)(void *b);
  bool    (*tenant_add)(void *b, int64_t id, const char *name, const char **error_r);

  bool    (*user_add)(void *b, int64_t tenant, const char *name, const char *display_name, gw_role_t role, const char *password_hash, bool must_change, int64_t *id_r, const char **error_r);
  bool    (*user_find)(void *b, int64_t tenant, const char *name_or_alias, gw_user_t *user);
  bool    (*user_get)(void *b, int64_t tenant, int64_t id, gw_user_t *user);
  bool    (*user_get_password_hash)(void *b, int64_t tenant, int64_t id, char *buf, size_t bufsize);
  bool    (*user_set_password)(void *b, int64_t tenant, int64_t id, const char *password_hash, bool must_change);
  int     (*user_count)(void *b, int64_t tenant);
  int     (*user_page)(void *b, int64_t tenant, _gw_store_cursor_t *cursor, gw_user_t *users, int max);
  bool    (*alias_add)(void *b, int64_t tenant, int64_t user_id, const char *alias, const char **error_r);

  bool    (*address_add)(void *b, int64_t tenant, int64_t user_id, const char *address, const char **error_r);
  bool    (*address_find)(void *b, int64_t tenant, const char *address, gw_address_t *addr);
  bool    (*address_set_state)(void *b, int64_t tenant, const char *address, gw_address_state_t state, const char *by, const char **error_r);
  int     (*address_page)(void *b, int64_t tenant, int64_t user_id, _gw_store_cursor_t *cursor, gw_address_t *addrs, int max);

  bool    (*pin_set)(void *b, int64_t tenant, int64_t user_id, const unsigned char hmac[32], int64_t expires, const char **error_r);
  int64_t (*pin_lookup)(void *b, int64_t tenant, const unsigned char hmac[32], int64_t now);
  bool    (*card_set)(void *b, int64_t tenant, int64_t user_id, const unsigned char hmac[32], const char **error_r);
  int64_t (*card_lookup)(void *b, int64_t tenant, const unsigned char hmac[32]);
  int64_t (*credential_attempt)(void *b, int64_t tenant, gw_credential_t kind, const unsigned char hmac[32], gw_lockout_key_t *keys, int nkeys, int64_t now, int64_t lock_secs, int64_t *locked_until_r, int *locked_key_r);
  bool    (*lockout_clear)(void *b, int64_t tenant, const char *key);
  bool    (*lockout_iterate)(void *b, int64_t tenant, gw_lockout_cb_t cb, void *data);

  bool    (*printer_add)(void *b, int64_t tenant, const char *name, const char *uri, const char *location, const char **error_r);
  bool    (*printer_find)(void *b, int64_t tenant, const char *name, gw_printer_t *printer);
  bool    (*printer_delete)(void *b, int64_t tenant, const char *name);
  int     (*printer_page)(void *b, int64_t tenant, _gw_store_cursor_t *cursor, gw_printer_t *printers, int max);

  bool    (*job_create)(void *b, const gw_job_t *job, const char *actor, const char *source, int max_open, const gw_original_t *original, int *number_r, const char **error_r);
  bool    (*job_set_document)(void *b, int64_t tenant, const char *job_id, const char *format, int64_t size, int pages, int color_pages, const gw_wrapped_key_t *key);
  bool    (*job_get)(void *b, int64_t tenant, const char *job_id, gw_job_t *job);
  bool    (*job_transition)(void *b, int64_t tenant, const char *job_id, gw_job_state_t from, gw_job_state_t to, gw_reason_t reason, const char *reason_text, int64_t expires, const char *printer, const char *actor, const char *source, const char *action, const gw_original_t *original, const char **error_r);
  bool    (*job_purge)(void *b, int64_t tenant, const char *job_id);
  int     (*job_page)(void *b, const _gw_job_filter_t *filter, _gw_store_cursor_t *cursor, gw_job_t *jobs, int max);
  int     (*job_count)(void *b, const _gw_job_filter_t *filter);

  bool    (*audit_add)(void *b, int64_t tenant, const gw_audit_t *entry);
  int     (*audit_page)(void *b, int64_t tenant, int64_t since, int limit, _gw_store_cursor_t *cursor, gw_audit_t *entries, int max);

  bool    (*job_original_set)(void *b, int64_t tenant, const char *job_id, int64_t size, const gw_wrapped_key_t *key);
  bool    (*job_original_get)(void *b, int64_t tenant, const char *job_id, bool resume, int64_t *size, gw_wrapped_key_t *key);
  bool    (*job_original_drop)(void *b, int64_t tenant, const char *job_id);
  int     (*job_original_ring)(void *b, int64_t tenant, const char *job_id, int64_t *ring_r);
  bool    (*job_ring_iterate)(void *b, gw_ring_cb_t cb, void *data);
  int     (*job_originals_uncount)(void *b);
  bool    (*token_add)(void *b, int64_t tenant, const char *address, const unsigned char hmac[32], int64_t expires, const char **error_r);
  bool    (*token_use)(void *b, int64_t tenant, const unsigned char hmac[32], int64_t now, gw_address_t *addr);
  int     (*token_purge)(void *b, int64_t now);
  bool    (*lockout_refund)(void *b, int64_t tenant, const gw_lockout_key_t *keys, int nkeys);
  bool    (*device_add)(void *b, int64_t tenant, int64_t user_id, const char *name, const unsigned char token_hmac[32], const unsigned char password_hmac[32], int64_t *id_r, const char **error_r);
  bool    (*device_find)(void *b, int64_t tenant, int64_t id, const unsigned char hmac[32], gw_device_t *device);
  int     (*device_page)(void *b, int64_t tenant, int64_t user_id, _gw_store_cursor_t *cursor, gw_device_t *devices, int max);
  bool    (*device_revoke)(void *b, int64_t tenant, int64_t id);
  bool    (*job_get_key)(void *b, int64_t tenant, const char *job_id, gw_wrapped_key_t *key);
  bool    (*job_keyed_ids)(void *b, char (**ids_r)[GW_UUID_LEN + 1], size_t *count_r);
  bool    (*outbox_add)(void *b, const gw_outbox_entry_t *e, const void *sealed, size_t len, int64_t *id_r, bool *existed_r, const char **error_r);
  bool    (*outbox_take)(void *b, int64_t now, gw_outbox_entry_t *e, void **sealed_r, size_t *len_r);
  bool    (*outbox_finish)(void *b, int64_t tenant, int64_t id, gw_outbox_state_t state, int64_t next_attempt, const char *last_error, int64_t now);
  int     (*outbox_page)(void *b, int64_t tenant, unsigned states, _gw_store_cursor_t *cursor, gw_outbox_entry_t *rows, int max);
  bool    (*outbox_retry)(void *b, int64_t tenant, int64_t id, int64_t now);
  bool    (*outbox_delete)(void *b, int64_t tenant, int64_t id);
  int     (*outbox_sweep)(void *b, bool recover, int64_t when);
  int64_t (*outbox_next_due)(void *b);

  bool    (*signin_set)(void *b, int64_t tenant, const char *address, const unsigned char code_hmac[32], const unsigned char link_hmac[32], int64_t now, int64_t expires);
  bool    (*signin_get)(void *b, int64_t tenant, const char *address, int64_t now, unsigned char code_hmac[32]);
  bool    (*signin_use)(void *b, int64_t tenant, const char *address, const unsigned char hmac[32], int64_t now, char *addr_r, size_t addrsize);
  bool    (*session_add)(void *b, int64_t tenant, int64_t user_id, const unsigned char hmac[32], int64_t now, int64_t expires);
  bool    (*session_get)(void *b, int64_t tenant, const unsigned char hmac[32], int64_t now, int64_t idle, int64_t *user_id_r, int64_t *created_r, int64_t *expires_r);
  int     (*session_delete)(void *b, int64_t tenant, const unsigned char hmac[32], int64_t user_id);
  bool    (*terminal_add)(void *b, int64_t tenant, const char *name, const char *printer, const unsigned char hmac[32], int64_t *id_r, const char **error_r);
  bool    (*terminal_find)(void *b, int64_t tenant, const unsigned char hmac[32], int64_t now, gw_terminal_t *terminal);
  int     (*terminal_list)(void *b, int64_t tenant, gw_terminal_t *terminals, int max);
  bool    (*terminal_revoke)(void *b, int64_t tenant, const char *name);
  bool    (*user_restricted)(void *b, int64_t tenant, int64_t user_id, char *reason, size_t reasonsize);
  bool    (*user_restrict)(void *b, int64_t tenant, int64_t user_id, bool on, const char *reason);
  int     (*user_export_page)(void *b, int64_t tenant, int64_t user_id, gw_export_section_t section, int64_t *cursor, int max, char **text_r);
  bool    (*user_erase)(void *b, int64_t tenant, int64_t user_id, const char *pseudonym, int64_t now, int *jobs_r, const char **error_r);
  int     (*audit_query)(void *b, int64_t tenant, const gw_audit_query_t *q, int64_t before, gw_audit_t *rows, int max);
  bool    (*totals)(void *b, gw_store_totals_t *totals);
  int     (*report)(void *b, int64_t tenant, const gw_report_query_t *q, gw_report_row_t *rows, int max);

  /* The print policy (policy-store.c; store.h) */
  int     (*rule_list)(void *b, int64_t tenant, _gw_store_pair_t *rows, int max);
  bool    (*rule_add)(void *b, int64_t tenant, const char *name, const char *line, const char **error_r);
  bool    (*rule_remove)(void *b, int64_t tenant, const char *name);
  bool    (*rule_replace)(void *b, int64_t tenant, const _gw_store_pair_t *rows, int n, const char **error_r);
  bool    (*group_add)(void *b, int64_t tenant, const char *name, const char **error_r);
  bool    (*group_member)(void *b, int64_t tenant, const char *group, int64_t user_id, bool add, const char **error_r);
  int     (*group_list)(void *b, int64_t tenant, _gw_store_pair_t *rows, int max);
  int     (*user_groups)(void *b, int64_t tenant, int64_t user_id, _gw_store_pair_t *rows, int max);
  bool    (*printer_tags_set)(void *b, int64_t tenant, const char *printer, const char *tags);
  bool    (*printer_tags_get)(void *b, int64_t tenant, const char *printer, char *tags, size_t tagsize);
  bool    (*delegate)(void *b, int64_t tenant, int64_t owner_id, int64_t delegate_id, int op);
  int     (*delegate_list)(void *b, int64_t tenant, int64_t user_id, _gw_store_pair_t *rows, int max);
  bool    (*quota_add)(void *b, int64_t tenant, int64_t user_id, int64_t day, int pages, int color_pages);
  bool    (*quota_sum)(void *b, int64_t tenant, int64_t user_id, const char *group, int64_t since, int *pages, int *color_pages);
  bool    (*job_policy_set)(void *b, int64_t tenant, const char *job_id, const char *color_mode, const char *sides, const char *page_ranges, bool watermark);
  bool    (*job_policy_get)(void *b, int64_t tenant, const char *job_id);
  bool    (*job_policy_reason)(void *b, int64_t tenant, const char *job_id, gw_reason_t reason, const char *text);
  bool    (*job_set_options)(void *b, int64_t tenant, const char *job_id, const gw_job_t *options, const char *actor, const char *source);
  int     (*user_search)(void *b, int64_t tenant, const char *after, const char *query, gw_user_t *users, int max);
  bool    (*user_edit)(void *b, int64_t tenant, int64_t id, const char *display_name, gw_role_t role, bool disabled);
  bool    (*factor_set)(void *b, int64_t tenant, int64_t user_id, const void *sealed, size_t len);
  bool    (*factor_get)(void *b, int64_t tenant, int64_t user_id, void *sealed, size_t sealedsize, size_t *len_r, bool *enabled_r, int64_t *last_step_r);
  bool    (*factor_step)(void *b, int64_t tenant, int64_t user_id, int64_t step);
  bool    (*factor_delete)(void *b, int64_t tenant, int64_t user_id);
  bool    (*recovery_set)(void *b, int64_t tenant, int64_t user_id, const unsigned char (*hmacs)[32], int n);
  bool    (*recovery_use)(void *b, int64_t tenant, int64_t user_id, const unsigned char hmac[32]);
  int     (*recovery_count)(void *b, int64_t tenant, int64_t user_id);
  bool    (*session_elevate)(void *b, int64_t tenant, const unsigned char hmac[32]);
  int     (*session_elevated)(void *b, int64_t tenant, const unsigned char hmac[32]);

  /* Mail sources made in the console (store-mailsrc.c) */
  int     (*mailsrc_list)(void *b, int64_t tenant, _gw_store_mailsrc_t *rows, int max);
  bool    (*mailsrc_put)(void *b, int64_t tenant, const char *name, const char *spec);
  bool    (*mailsrc_remove)(void *b, int64_t tenant, const char *name);
  bool    (*printer_update)(void *b, int64_t tenant, const char *name, const char *uri, const char *location);
} _gw_store_ops_t;

/* store.c: at most maxlen bytes, no control characters (empty when allow_empty). */
extern bool _gwStoreTextValid(const char *s, size_t maxlen, bool allow_empty);

struct _gw_store_s
{
  const _gw_store_ops_t *ops;   /* Backend operations */
  void                  *backend; /* Backend state (owned) */
  gw_log_t              *log;   /* Log (not owned) */
};

extern const _gw_store_ops_t _gwStoreSqliteOps;

/*
 * Private entry points: opening at a given schema version (tests build an
 * old database with it to test migrations) and adding a tenant (hosted
 * multi-tenant management has no public call yet).
 */

extern gw_store_t *_gwStoreOpenVersion(const char *path, gw_log_t *log, int version, const char **error_r);
extern bool        _gwStoreTenantAdd(gw_store_t *store, int64_t id, const char *name, const char **error_r);

/* "job is X, not Y" as static text, for a backend's transition refusal. */
extern const char *_gwStoreMismatchMessage(gw_job_state_t current, gw_job_state_t expected);

#endif /* !PRINTGATE_STORE_PRIVATE_H */
