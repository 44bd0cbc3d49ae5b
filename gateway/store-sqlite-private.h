/*
 * store-sqlite-private.h - the SQLite store backend (store-sqlite*.c).
 *
 * These files are the only ones with SQL or sqlite3 calls.  One connection
 * per store, guarded by one mutex: every backend call takes the mutex for
 * its own duration only (never across a caller's callback), so a
 * multi-statement transaction is never interleaved with another thread's
 * statements.  Prepared statements are cached per connection, one slot per
 * statement id below, prepared on first use.
 */

#ifndef PRINTGATE_STORE_SQLITE_PRIVATE_H
#define PRINTGATE_STORE_SQLITE_PRIVATE_H

#include "store-private.h"
#include "group-sync-private.h"

#include <pthread.h>
#include <sqlite3.h>
#include <time.h>

#define _GW_SQL_CHECKPOINT_SECS 10   /* Least time between shredding checkpoints */
#define _GW_SQL_CKPT_FRAMES     1000 /* WAL frames that start a checkpoint (SQLite's own default) */
#define _GW_SQL_LATEST_VERSION  17   /* Number of steps in _gwSqlMigrations[] */
#define _GW_SQL_BATCH_FAILED    16   /* Recent batches whose commit failed, remembered for their members */

typedef enum _gw_sql_id_e       /* Cached statements */
{
  _GW_SQL_BEGIN,
  _GW_SQL_COMMIT,
  _GW_SQL_ROLLBACK,
  _GW_SQL_BATCH_SAVEPOINT,
  _GW_SQL_BATCH_RELEASE,
  _GW_SQL_BATCH_UNDO,
  _GW_SQL_READ_SAVEPOINT,
  _GW_SQL_READ_RELEASE,
  _GW_SQL_VERSION,
  _GW_SQL_CHECK,
  _GW_SQL_TENANT_EXISTS,
  _GW_SQL_TENANT_ADD,
  _GW_SQL_USER_EXISTS,
  _GW_SQL_USER_NAME_TAKEN,
  _GW_SQL_USER_ADD,
  _GW_SQL_USER_FIND,
  _GW_SQL_USER_GET,
  _GW_SQL_USER_GET_HASH,
  _GW_SQL_USER_SET_PASSWORD,
  _GW_SQL_USER_COUNT,
  _GW_SQL_USER_PAGE,
  _GW_SQL_ALIAS_ADD,
  _GW_SQL_ADDRESS_ADD,
  _GW_SQL_ADDRESS_FIND,
  _GW_SQL_ADDRESS_SET_STATE,
  _GW_SQL_ADDRESS_PAGE,
  _GW_SQL_ADDRESS_PAGE_USER,
  _GW_SQL_PIN_FREE_EXPIRED,
  _GW_SQL_PIN_OWNER,
  _GW_SQL_PIN_SET,
  _GW_SQL_PIN_LOOKUP,
  _GW_SQL_CARD_OWNER,
  _GW_SQL_CARD_SET,
  _GW_SQL_CARD_LOOKUP,
  _GW_SQL_LOCKOUT_GET,
  _GW_SQL_LOCKOUT_SET,
  _GW_SQL_LOCKOUT_DELETE,
  _GW_SQL_LOCKOUT_CLEAR_ALL,
  _GW_SQL_PIN_ATTEMPT,
  _GW_SQL_CARD_ATTEMPT,
  _GW_SQL_LOCKOUT_LIST,
  _GW_SQL_PRINTER_ADD,
  _GW_SQL_PRINTER_FIND,
  _GW_SQL_PRINTER_DELETE,
  _GW_SQL_PRINTER_PAGE,
  _GW_SQL_JOB_ADD,
  _GW_SQL_JOB_STATE,
  _GW_SQL_JOB_GET,
  _GW_SQL_JOB_UPDATE_STATE,
  _GW_SQL_JOB_SHRED,
  _GW_SQL_JOB_PURGE,
  _GW_SQL_JOB_PAGE_TENANT,
  _GW_SQL_JOB_PAGE_USER,
  _GW_SQL_JOB_PAGE_ALL,
  _GW_SQL_JOB_PAGE_EXPIRED,
  _GW_SQL_JOB_COUNT_TENANT,
  _GW_SQL_JOB_COUNT_USER,
  _GW_SQL_JOB_COUNT_OPEN,
  _GW_SQL_DOCUMENT_SET,
  _GW_SQL_AUDIT_ADD,
  _GW_SQL_AUDIT_MIN_ID,
  _GW_SQL_AUDIT_MAX_ID,
  _GW_SQL_AUDIT_PAGE,
  _GW_SQL_ORIGINAL_SET,
  _GW_SQL_ORIGINAL_GET,
  _GW_SQL_ORIGINAL_RESUMED,
  _GW_SQL_ORIGINAL_DROP,
  _GW_SQL_ORIGINAL_UNCOUNT,
  _GW_SQL_ORIGINAL_RING,
  _GW_SQL_RING_ITERATE,
  _GW_SQL_JOB_NUMBER_NEXT,
  _GW_SQL_JOB_NUMBER_GET,
  _GW_SQL_TOKEN_ADD,
  _GW_SQL_TOKEN_SWEEP,
  _GW_SQL_TOKEN_TAKE,
  _GW_SQL_TOKEN_VERIFY,
  _GW_SQL_TOKEN_ADDRESS,
  _GW_SQL_TOKEN_PURGE,
  _GW_SQL_JOB_KEY,
  _GW_SQL_JOB_KEYED_IDS,
  _GW_SQL_DEVICE_ADD,
  _GW_SQL_DEVICE_FIND,
  _GW_SQL_DEVICE_FIND_HMAC,
  _GW_SQL_DEVICE_PAGE,
  _GW_SQL_DEVICE_REVOKE,
  _GW_SQL_DEVICE_TOKEN_ATTEMPT,
  _GW_SQL_DEVICE_PASSWORD_ATTEMPT,
  _GW_SQL_OUTBOX_ADD,
  _GW_SQL_OUTBOX_KEY,
  _GW_SQL_OUTBOX_DUE,
  _GW_SQL_OUTBOX_SENDING,
  _GW_SQL_OUTBOX_FINISH,
  _GW_SQL_OUTBOX_PAGE,
  _GW_SQL_OUTBOX_RETRY,
  _GW_SQL_OUTBOX_DELETE,
  _GW_SQL_OUTBOX_RECOVER,
  _GW_SQL_OUTBOX_PURGE,
  _GW_SQL_OUTBOX_NEXT,
  _GW_SQL_SIGNIN_SWEEP,
  _GW_SQL_SIGNIN_SET,
  _GW_SQL_SIGNIN_GET,
  _GW_SQL_SIGNIN_USE_CODE,
  _GW_SQL_SIGNIN_USE_LINK,
  _GW_SQL_SESSION_SWEEP,
  _GW_SQL_SESSION_ADD,
  _GW_SQL_SESSION_GET,
  _GW_SQL_SESSION_TOUCH,
  _GW_SQL_SESSION_DELETE,
  _GW_SQL_SESSION_DELETE_USER,
  _GW_SQL_TERMINAL_ADD,
  _GW_SQL_TERMINAL_FIND,
  _GW_SQL_TERMINAL_USED,
  _GW_SQL_TERMINAL_LIST,
  _GW_SQL_TERMINAL_REVOKE,
  _GW_SQL_USER_RESTRICTED,
  _GW_SQL_USER_RESTRICT,
  _GW_SQL_USAGE_JOB,
  _GW_SQL_USAGE_ADD,
  _GW_SQL_TOTALS,
  _GW_SQL_OUTBOX_BACKLOG,
  _GW_SQL_RULE_LIST,
  _GW_SQL_RULE_ADD,
  _GW_SQL_RULE_REMOVE,
  _GW_SQL_RULE_CLEAR,
  _GW_SQL_GROUP_ADD,
  _GW_SQL_GROUP_MEMBER_ADD,
  _GW_SQL_GROUP_MEMBER_REMOVE,
  _GW_SQL_GROUP_LIST,
  _GW_SQL_USER_GROUPS,
  _GW_SQL_TAGS_SET,
  _GW_SQL_TAGS_GET,
  _GW_SQL_DELEGATE_ADD,
  _GW_SQL_DELEGATE_REMOVE,
  _GW_SQL_DELEGATE_CHECK,
  _GW_SQL_DELEGATE_LIST,
  _GW_SQL_QUOTA_ADD,
  _GW_SQL_QUOTA_SUM_USER,
  _GW_SQL_QUOTA_SUM_GROUP,
  _GW_SQL_JOB_POLICY_SET,
  _GW_SQL_JOB_POLICY_GET,
  _GW_SQL_JOB_POLICY_REASON,
  _GW_SQL_JOB_SET_OPTIONS,
  _GW_SQL_USER_SEARCH,
  _GW_SQL_USER_EDIT,
  _GW_SQL_FACTOR_SET,
  _GW_SQL_FACTOR_GET,
  _GW_SQL_FACTOR_STEP,
  _GW_SQL_FACTOR_DELETE,
  _GW_SQL_RECOVERY_DELETE,
  _GW_SQL_RECOVERY_ADD,
  _GW_SQL_RECOVERY_USE,
  _GW_SQL_RECOVERY_COUNT,
  _GW_SQL_SESSION_ELEVATE,
  _GW_SQL_SESSION_ELEVATED,
  _GW_SQL_USER_STAFF_ROLE,
  _GW_SQL_MAILSRC_LIST,
  _GW_SQL_MAILSRC_PUT,
  _GW_SQL_MAILSRC_REMOVE,
  _GW_SQL_PRINTER_UPDATE,
  _GW_SQL_COUNT
} _gw_sql_id_t;

typedef struct _gw_sql_s        /* The backend state */
{
  pthread_mutex_t lock;                     /* Guards everything below */
  sqlite3        *db;                       /* The connection */
  gw_log_t       *log;                      /* Log (not owned) */
  sqlite3_stmt   *stmts[_GW_SQL_COUNT];     /* Cached statements */
  bool            shred_pending;            /* Keys were removed since the last checkpoint */
  time_t          checkpoint_time;          /* Last shredding checkpoint */
  sqlite3_int64   changes_at_lock;          /* sqlite3_total_changes64() when locked */
  char           *wal_path;                 /* The -wal file (group commit on once set) */
  _gw_group_sync_t wal_sync;                /* The group commit of WAL fsyncs (group-sync.c) */
  bool            provisional;              /* This call's write need not wait for an fsync (lock held) */
  int             sync_delay_ms;            /* Tests only: each WAL fsync takes this much longer */
  struct _gw_sql_ckpt_s *ckpt;              /* The checkpointer (store-sqlite-sync.c), or NULL */
  bool            batch_open;               /* A batch's write transaction is open (store-sqlite-sync.c) */
  bool            batch_hint;               /* batch_open, for a WAL fsync leader's look without the mutex (atomic) */
  uint64_t        batch_id;                 /* The open batch's number, or the last one's */
  bool            batch_opener;             /* This call opened the batch: no SAVEPOINT of its own */
  uint64_t        batch_failed[_GW_SQL_BATCH_FAILED]; /* Numbers of batches whose commit failed (ring; atomic) */
  unsigned        batch_failed_next;        /* ... where the next goes */
  unsigned long   batch_commits;            /* Batches committed (tests, benches) */
  unsigned long   batch_calls;              /* Calls that joined a batch (tests, benches) */
} _gw_sql_t;

typedef struct _gw_sql_migration_s /* One schema step */
{
  int         version;          /* Version the step brings the schema to */
  const char *description;      /* For the log and the schema_version table */
  const char *sql;              /* Statements, run in one transaction */
} _gw_sql_migration_t;

extern const _gw_sql_migration_t _gwSqlMigrations[_GW_SQL_LATEST_VERSION];  /* Step i has version i + 1 */

/* Connection helpers (store-sqlite.c) */
extern void          _gwSqlLock(_gw_sql_t *b);
extern void          _gwSqlUnlock(_gw_sql_t *b);

/* Group commit (store-sqlite-sync.c): one WAL fsync for many threads' commits */
extern bool          _gwSqlSyncInit(_gw_sql_t *b, const char *path);
extern const char   *_gwSqlVfsName(void);      /* store-sqlite-vfs.c: the WAL-gathering VFS */
extern long          _gwSqlVfsSettle(sqlite3 *db);    /* Bytes left buffered (0) or -1 */
extern bool          _gwSqlSyncWait(_gw_sql_t *b);
extern unsigned long _gwSqlSyncCount(_gw_sql_t *b);
/* Batched writes (store-sqlite-sync.c): several calls' writes in one transaction, committed by the WAL fsync's leader */
extern bool          _gwSqlBatchBegin(_gw_sql_t *b);
extern bool          _gwSqlBatchEnd(_gw_sql_t *b, bool ok, uint64_t *batch_r);
extern bool          _gwSqlBatchUnlock(_gw_sql_t *b, uint64_t batch);
extern bool          _gwSqlBatchUnlockThen(_gw_sql_t *b, uint64_t batch, bool (*then)(void *data), void *data);
extern bool          _gwSqlBatchFlush(_gw_sql_t *b);
extern bool          _gwSqlReadBegin(_gw_sql_t *b);
extern void          _gwSqlReadEnd(_gw_sql_t *b);
extern bool          _gwSqlSimple(_gw_sql_t *b, _gw_sql_id_t id, const char *sql);
extern void          _gwSqlSettle(_gw_sql_t *b);
/* The checkpointer (store-sqlite-sync.c): WAL checkpoints on a thread and connection of their own */
extern bool          _gwSqlCheckpointerStart(_gw_sql_t *b, const char *path);
extern void          _gwSqlCheckpointerStop(_gw_sql_t *b);
extern unsigned long _gwSqlCheckpointCount(_gw_sql_t *b, unsigned long *hooked_r);
extern void        (*_gwSqlSyncHook)(void);    /* Tests: run by a leader before its fsync */
extern sqlite3_stmt *_gwSqlStmt(_gw_sql_t *b, _gw_sql_id_t id, const char *sql);
extern void          _gwSqlDone(sqlite3_stmt *stmt);
extern bool          _gwSqlBegin(_gw_sql_t *b);
extern bool          _gwSqlCommit(_gw_sql_t *b);
extern bool          _gwSqlEnd(_gw_sql_t *b, bool ok);   /* Commit if ok, else roll back */
extern void          _gwSqlRollback(_gw_sql_t *b);
extern void          _gwSqlLogError(_gw_sql_t *b, const char *what);
extern bool          _gwSqlExists(_gw_sql_t *b, _gw_sql_id_t id, const char *sql, int64_t a, int64_t c);
extern void          _gwSqlText(sqlite3_stmt *stmt, int col, char *buf, size_t bufsize);
/* The index of a text column's keyword in keywords[count], or dflt. */
extern int           _gwSqlKeyword(sqlite3_stmt *stmt, int col, const char * const *keywords, int count, int dflt);
/* Copy the current row's columns into the arguments: 'l' int64_t *, 'i' int *, 'b' bool *, 't' char * + size_t, '_' none. */
extern void          _gwSqlColumnsf(sqlite3_stmt *stmt, const char *cols, ...);
extern void          _gwSqlStatesList(unsigned states, char *buf, size_t bufsize);
extern const char   *_gwSqlStateKeyword(gw_job_state_t state);

/* What one run of a statement did (_gwSqlStepf()). */
typedef struct _gw_sql_step_s
{
  int     rc;           /* sqlite3_step()'s result; SQLITE_ERROR when the statement could not be prepared */
  int64_t value;        /* SQLITE_ROW: column 0 of the first row */
  int     changes;      /* SQLITE_DONE: rows changed */
  int64_t rowid;        /* SQLITE_DONE: the last inserted rowid */
} _gw_sql_step_t;

/* Run a cached statement once (binds as _gwSqlChangef()), lock held; failures other than a constraint logged under 'what' (NULL: none).  Returns r->rc. */
extern int           _gwSqlRunf(_gw_sql_t *b, _gw_sql_id_t id, const char *sql, const char *what, _gw_sql_step_t *r, const char *binds, ...);
/* The same, locked for the call. */
extern int           _gwSqlStepf(_gw_sql_t *b, _gw_sql_id_t id, const char *sql, const char *what, _gw_sql_step_t *r, const char *binds, ...);

/* One row of a page: copy the current row of stmt into 'row'. */
typedef void (*_gw_sql_row_cb_t)(sqlite3_stmt *stmt, void *row);
/* Step a bound statement into up to max rows of rowsize bytes, then reset it: rows filled, -1 on error. */
extern int           _gwSqlRows(_gw_sql_t *b, sqlite3_stmt *stmt, _gw_sql_row_cb_t row_cb, void *rows, size_t rowsize, int max);
/* The same for a cached query with its parameters bound as _gwSqlChangef()'s, locked for the call. */
extern int           _gwSqlRowsf(_gw_sql_t *b, _gw_sql_id_t id, const char *sql, _gw_sql_row_cb_t row_cb, void *rows, size_t rowsize, int max, const char *binds, ...);
/* One row (?1 = a, ?2 = text, or c when text is NULL) into 'row'; false = none (or an error). */
extern bool          _gwSqlRow(_gw_sql_t *b, _gw_sql_id_t id, const char *sql, int64_t a, const char *text, int64_t c, _gw_sql_row_cb_t row_cb, void *row);
/* Run a statement that changes one row (binds as _gwSqlRow()); true when exactly one changed. */
extern bool          _gwSqlChangef(_gw_sql_t *b, _gw_sql_id_t id, const char *sql, const char *binds, ...); /* binds: l int64, i int, t text, h HMAC, k wrapped key */
extern bool          _gwSqlChange(_gw_sql_t *b, _gw_sql_id_t id, const char *sql, int64_t a, const char *text, int64_t c);
/*
 * A page keyed by a name (?1 = a, ?2 = c, ?3 = the cursor's text, ?4 = max): locks,
 * runs the cached query, fills rows and moves the cursor to the last row's
 * name (at 'name_offset' in a row).
 */
extern int           _gwSqlNamePage(_gw_sql_t *b, _gw_sql_id_t id, const char *sql, int64_t a, int64_t c, _gw_store_cursor_t *cursor, _gw_sql_row_cb_t row_cb, void *rows, size_t rowsize, size_t name_offset, int max);

/* Operations, by file */
extern void   *_gwSqlOpen(const char *path, gw_log_t *log, int version, const char **error_r);
extern void    _gwSqlClose(void *b);
extern int     _gwSqlSchemaVersion(void *b);
extern bool    _gwSqlCheck(void *b);
extern bool    _gwSqlTenantAdd(void *b, int64_t id, const char *name, const char **error_r);

extern bool    _gwSqlUserAdd(void *b, int64_t tenant, const char *name, const char *display_name, gw_role_t role, const char *password_hash, bool must_change, int64_t *id_r, const char **error_r);
extern bool    _gwSqlUserFind(void *b, int64_t tenant, const char *name_or_alias, gw_user_t *user);
extern bool    _gwSqlUserGet(void *b, int64_t tenant, int64_t id, gw_user_t *user);
extern bool    _gwSqlUserGetPasswordHash(void *b, int64_t tenant, int64_t id, char *buf, size_t bufsize);
extern bool    _gwSqlUserSetPassword(void *b, int64_t tenant, int64_t id, const char *password_hash, bool must_change);
extern int     _gwSqlUserCount(void *b, int64_t tenant);
extern int     _gwSqlUserPage(void *b, int64_t tenant, _gw_store_cursor_t *cursor, gw_user_t *users, int max);
extern bool    _gwSqlAliasAdd(void *b, int64_t tenant, int64_t user_id, const char *alias, const char **error_r);
extern bool    _gwSqlAddressAdd(void *b, int64_t tenant, int64_t user_id, const char *address, const char **error_r);
extern bool    _gwSqlAddressFind(void *b, int64_t tenant, const char *address, gw_address_t *addr);
extern bool    _gwSqlAddressSetState(void *b, int64_t tenant, const char *address, gw_address_state_t state, const char *by, const char **error_r);
extern bool    _gwSqlTokenAdd(void *b, int64_t tenant, const char *address, const unsigned char hmac[32], int64_t expires, const char **error_r);
extern int     _gwSqlTokenPurge(void *b, int64_t now);
extern bool    _gwSqlTokenUse(void *b, int64_t tenant, const unsigned char hmac[32], int64_t now, gw_address_t *addr);
extern int     _gwSqlAddressPage(void *b, int64_t tenant, int64_t user_id, _gw_store_cursor_t *cursor, gw_address_t *addrs, int max);

extern bool    _gwSqlPinSet(void *b, int64_t tenant, int64_t user_id, const unsigned char hmac[32], int64_t expires, const char **error_r);
extern int64_t _gwSqlPinLookup(void *b, int64_t tenant, const unsigned char hmac[32], int64_t now);
extern bool    _gwSqlCardSet(void *b, int64_t tenant, int64_t user_id, const unsigned char hmac[32], const char **error_r);
extern int64_t _gwSqlCardLookup(void *b, int64_t tenant, const unsigned char hmac[32]);
extern int64_t _gwSqlCredentialAttempt(void *b, int64_t tenant, gw_credential_t kind, const unsigned char hmac[32], gw_lockout_key_t *keys, int nkeys, int64_t now, int64_t lock_secs, int64_t *locked_until_r, int *locked_key_r);
extern bool    _gwSqlLockoutClear(void *b, int64_t tenant, const char *key);
extern bool    _gwSqlLockoutIterate(void *b, int64_t tenant, gw_lockout_cb_t cb, void *data);
extern bool    _gwSqlLockoutRefund(void *b, int64_t tenant, const gw_lockout_key_t *keys, int nkeys);

extern bool    _gwSqlDeviceAdd(void *b, int64_t tenant, int64_t user_id, const char *name, const unsigned char token_hmac[32], const unsigned char password_hmac[32], int64_t *id_r, const char **error_r);
extern bool    _gwSqlDeviceFind(void *b, int64_t tenant, int64_t id, const unsigned char hmac[32], gw_device_t *device);
extern int     _gwSqlDevicePage(void *b, int64_t tenant, int64_t user_id, _gw_store_cursor_t *cursor, gw_device_t *devices, int max);
extern bool    _gwSqlDeviceRevoke(void *b, int64_t tenant, int64_t id);
extern bool    _gwSqlDeviceUsed(_gw_sql_t *b, int64_t tenant, const unsigned char hmac[32], gw_credential_t kind, int64_t now, int64_t *user_id_r);

extern bool    _gwSqlPrinterAdd(void *b, int64_t tenant, const char *name, const char *uri, const char *location, const char **error_r);
extern bool    _gwSqlPrinterFind(void *b, int64_t tenant, const char *name, gw_printer_t *printer);
extern bool    _gwSqlPrinterDelete(void *b, int64_t tenant, const char *name);
extern int     _gwSqlPrinterPage(void *b, int64_t tenant, _gw_store_cursor_t *cursor, gw_printer_t *printers, int max);
extern bool    _gwSqlPrinterUpdate(void *b, int64_t tenant, const char *name, const char *uri, const char *location);

extern bool    _gwSqlJobCreate(void *b, const gw_job_t *job, const char *actor, const char *source, int max_open, const gw_original_t *original, int *number_r, const char **error_r);
extern bool    _gwSqlJobSetOptions(void *b, int64_t tenant, const char *job_id, const gw_job_t *options, const char *actor, const char *source);
extern bool    _gwSqlJobSetDocument(void *b, int64_t tenant, const char *job_id, const char *format, int64_t size, int pages, int color_pages, const gw_wrapped_key_t *key);
extern bool    _gwSqlJobGet(void *b, int64_t tenant, const char *job_id, gw_job_t *job);
extern bool    _gwSqlJobGetKey(void *b, int64_t tenant, const char *job_id, gw_wrapped_key_t *key);
extern bool    _gwSqlJobKeyedIds(void *b, char (**ids_r)[GW_UUID_LEN + 1], size_t *count_r);
extern bool    _gwSqlJobTransition(void *b, int64_t tenant, const char *job_id, gw_job_state_t from, gw_job_state_t to, gw_reason_t reason, const char *reason_text, int64_t expires, const char *printer, const char *actor, const char *source, const char *action, const gw_original_t *original, const char **error_r);
extern bool    _gwSqlJobPurge(void *b, int64_t tenant, const char *job_id);
extern int     _gwSqlJobPage(void *b, const _gw_job_filter_t *filter, _gw_store_cursor_t *cursor, gw_job_t *jobs, int max);
extern int     _gwSqlJobCount(void *b, const _gw_job_filter_t *filter);
extern bool    _gwSqlAuditAdd(void *b, int64_t tenant, const gw_audit_t *entry);
extern int     _gwSqlAuditPage(void *b, int64_t tenant, int64_t since, int limit, _gw_store_cursor_t *cursor, gw_audit_t *entries, int max);
extern bool    _gwSqlJobOriginalSet(void *b, int64_t tenant, const char *job_id, int64_t size, const gw_wrapped_key_t *key);
extern bool    _gwSqlJobOriginalGet(void *b, int64_t tenant, const char *job_id, bool resume, int64_t *size, gw_wrapped_key_t *key);
extern bool    _gwSqlJobOriginalDrop(void *b, int64_t tenant, const char *job_id);
extern int     _gwSqlJobOriginalRing(void *b, int64_t tenant, const char *job_id, int64_t *ring_r);
extern bool    _gwSqlJobRingIterate(void *b, gw_ring_cb_t cb, void *data);
extern int     _gwSqlJobOriginalsUncount(void *b);

extern bool    _gwSqlOutboxAdd(void *b, const gw_outbox_entry_t *e, const void *sealed, size_t len, int64_t *id_r, bool *existed_r, const char **error_r);
extern bool    _gwSqlOutboxTake(void *b, int64_t now, gw_outbox_entry_t *e, void **sealed_r, size_t *len_r);
extern bool    _gwSqlOutboxFinish(void *b, int64_t tenant, int64_t id, gw_outbox_state_t state, int64_t next_attempt, const char *last_error, int64_t now);
extern int     _gwSqlOutboxPage(void *b, int64_t tenant, unsigned states, _gw_store_cursor_t *cursor, gw_outbox_entry_t *rows, int max);
extern bool    _gwSqlOutboxRetry(void *b, int64_t tenant, int64_t id, int64_t now);
extern bool    _gwSqlOutboxDelete(void *b, int64_t tenant, int64_t id);
extern int     _gwSqlOutboxSweep(void *b, bool recover, int64_t when);
extern int64_t _gwSqlOutboxNextDue(void *b);
/* store-sqlite-web.c */
extern bool    _gwSqlSigninSet(void *b, int64_t tenant, const char *address, const unsigned char code_hmac[32], const unsigned char link_hmac[32], int64_t now, int64_t expires);
extern bool    _gwSqlSigninGet(void *b, int64_t tenant, const char *address, int64_t now, unsigned char code_hmac[32]);
extern bool    _gwSqlSigninUse(void *b, int64_t tenant, const char *address, const unsigned char hmac[32], int64_t now, char *addr_r, size_t addrsize);
extern bool    _gwSqlSessionAdd(void *b, int64_t tenant, int64_t user_id, const unsigned char hmac[32], int64_t now, int64_t expires);
extern bool    _gwSqlSessionGet(void *b, int64_t tenant, const unsigned char hmac[32], int64_t now, int64_t idle, int64_t *user_id_r, int64_t *created_r, int64_t *expires_r);
extern int     _gwSqlSessionDelete(void *b, int64_t tenant, const unsigned char hmac[32], int64_t user_id);
extern bool    _gwSqlTerminalAdd(void *b, int64_t tenant, const char *name, const char *printer, const unsigned char hmac[32], int64_t *id_r, const char **error_r);
extern bool    _gwSqlTerminalFind(void *b, int64_t tenant, const unsigned char hmac[32], int64_t now, gw_terminal_t *terminal);
extern int     _gwSqlTerminalList(void *b, int64_t tenant, gw_terminal_t *terminals, int max);
extern bool    _gwSqlTerminalRevoke(void *b, int64_t tenant, const char *name);
/* Reports and totals (store-sqlite-report.c) */
extern bool    _gwSqlUsageAdd(_gw_sql_t *b, int64_t tenant, const char *job_id, gw_job_state_t to, const char *printer);  /* Lock held, in the transition's transaction */
extern bool    _gwSqlTotals(void *b, gw_store_totals_t *totals);
extern int     _gwSqlReport(void *b, int64_t tenant, const gw_report_query_t *q, gw_report_row_t *rows, int max);

/* store-sqlite-gdpr.c */
extern bool    _gwSqlUserRestricted(void *b, int64_t tenant, int64_t user_id, char *reason, size_t reasonsize);
extern bool    _gwSqlUserRestrict(void *b, int64_t tenant, int64_t user_id, bool on, const char *reason);
extern int     _gwSqlUserExportPage(void *b, int64_t tenant, int64_t user_id, gw_export_section_t section, int64_t *cursor, int max, char **text_r);
extern bool    _gwSqlUserErase(void *b, int64_t tenant, int64_t user_id, const char *pseudonym, int64_t now, int *jobs_r, const char **error_r);
extern int     _gwSqlAuditQuery(void *b, int64_t tenant, const gw_audit_query_t *q, int64_t before, gw_audit_t *rows, int max);
/* The SQL of an audit query (tests: its EXPLAIN QUERY PLAN); false = too long. */
extern bool    _gwSqlAuditQuerySql(const gw_audit_query_t *q, char *buf, size_t bufsize);
/* Copy an audit row ("id, time, actor, action, subject, job_id, printer, pages, source, detail"); store-sqlite-job.c. */
extern void    _gwSqlAuditRow(sqlite3_stmt *stmt, void *row);
/* store-sqlite-policy.c */
extern int     _gwSqlRuleList(void *b, int64_t tenant, _gw_store_pair_t *rows, int max);
extern bool    _gwSqlRuleAdd(void *b, int64_t tenant, const char *name, const char *line, const char **error_r);
extern bool    _gwSqlRuleRemove(void *b, int64_t tenant, const char *name);
extern bool    _gwSqlRuleReplace(void *b, int64_t tenant, const _gw_store_pair_t *rows, int n, const char **error_r);
extern bool    _gwSqlGroupAdd(void *b, int64_t tenant, const char *name, const char **error_r);
extern bool    _gwSqlGroupMember(void *b, int64_t tenant, const char *group, int64_t user_id, bool add, const char **error_r);
extern int     _gwSqlGroupList(void *b, int64_t tenant, _gw_store_pair_t *rows, int max);
extern int     _gwSqlUserGroups(void *b, int64_t tenant, int64_t user_id, _gw_store_pair_t *rows, int max);
extern bool    _gwSqlPrinterTagsSet(void *b, int64_t tenant, const char *printer, const char *tags);
extern bool    _gwSqlPrinterTagsGet(void *b, int64_t tenant, const char *printer, char *tags, size_t tagsize);
extern bool    _gwSqlDelegate(void *b, int64_t tenant, int64_t owner_id, int64_t delegate_id, int op);
extern int     _gwSqlDelegateList(void *b, int64_t tenant, int64_t user_id, _gw_store_pair_t *rows, int max);
extern bool    _gwSqlQuotaAdd(void *b, int64_t tenant, int64_t user_id, int64_t day, int pages, int color_pages);
extern bool    _gwSqlJobPolicySet(void *b, int64_t tenant, const char *job_id, const char *color_mode, const char *sides, const char *page_ranges, bool watermark);
extern bool    _gwSqlJobPolicyGet(void *b, int64_t tenant, const char *job_id);
extern bool    _gwSqlJobPolicyReason(void *b, int64_t tenant, const char *job_id, gw_reason_t reason, const char *text);
extern bool    _gwSqlQuotaSum(void *b, int64_t tenant, int64_t user_id, const char *group, int64_t since, int *pages, int *color_pages);
/* store-sqlite-admin.c */
extern void    _gwSqlUserRow(sqlite3_stmt *stmt, void *row);   /* store-sqlite-user.c: a user's columns */
extern int     _gwSqlUserSearch(void *b, int64_t tenant, const char *after, const char *query, gw_user_t *users, int max);
extern bool    _gwSqlUserEdit(void *b, int64_t tenant, int64_t id, const char *display_name, gw_role_t role, bool disabled);
extern int     _gwSqlMailSourceList(void *b, int64_t tenant, _gw_store_mailsrc_t *rows, int max);
extern bool    _gwSqlMailSourcePut(void *b, int64_t tenant, const char *name, const char *spec);
extern bool    _gwSqlMailSourceRemove(void *b, int64_t tenant, const char *name);
extern bool    _gwSqlFactorSet(void *b, int64_t tenant, int64_t user_id, const void *sealed, size_t len);
extern bool    _gwSqlFactorGet(void *b, int64_t tenant, int64_t user_id, void *sealed, size_t sealedsize, size_t *len_r, bool *enabled_r, int64_t *last_step_r);
extern bool    _gwSqlFactorStep(void *b, int64_t tenant, int64_t user_id, int64_t step);
extern bool    _gwSqlFactorDelete(void *b, int64_t tenant, int64_t user_id);
extern bool    _gwSqlRecoverySet(void *b, int64_t tenant, int64_t user_id, const unsigned char (*hmacs)[32], int n);
extern bool    _gwSqlRecoveryUse(void *b, int64_t tenant, int64_t user_id, const unsigned char hmac[32]);
extern int     _gwSqlRecoveryCount(void *b, int64_t tenant, int64_t user_id);
extern bool    _gwSqlSessionElevate(void *b, int64_t tenant, const unsigned char hmac[32]);
extern int     _gwSqlSessionElevated(void *b, int64_t tenant, const unsigned char hmac[32]);

#endif /* !PRINTGATE_STORE_SQLITE_PRIVATE_H */
