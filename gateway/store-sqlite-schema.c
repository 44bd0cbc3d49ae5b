/*
 * store-sqlite-schema.c - the SQLite schema as an ordered list of
 * migration steps (docs/store.md, "Migrations").
 *
 * Step N brings the schema from version N-1 to N; each runs in its own
 * transaction together with its row in schema_version.  Steps are never
 * edited once released: a change is a new step at the end.  Every table
 * that belongs to an organisation carries tenant_id, and every query of
 * the backend is scoped by it.
 */

#include "store-sqlite-private.h"


/*
 * Version 1: the tables.
 *
 * - Names and addresses arrive lower-cased (store.c); printer names are
 *   unique per tenant ignoring case (COLLATE NOCASE).
 * - jobs.seq is a stable row number for keyset iteration (oldest first);
 *   jobs.id is the random UUID that the rest of the gateway uses.
 * - documents.wrapped_key is the only copy of a document's wrapped data
 *   key: NULL once the job can never print again (crypto-shred).
 * - audit rows never hold document content, and keep no foreign key to
 *   jobs, so they outlive purged jobs.
 */

static const char schema_v1[] =
  "CREATE TABLE tenants ("
  " id INTEGER PRIMARY KEY,"
  " name TEXT NOT NULL UNIQUE,"
  " created INTEGER NOT NULL);"
  "INSERT INTO tenants (id, name, created) VALUES (1, 'default', CAST(strftime('%s', 'now') AS INTEGER));"

  "CREATE TABLE users ("
  " id INTEGER PRIMARY KEY,"
  " tenant_id INTEGER NOT NULL REFERENCES tenants (id),"
  " name TEXT NOT NULL,"
  " display_name TEXT NOT NULL DEFAULT '',"
  " role TEXT NOT NULL CHECK (role IN ('user', 'admin', 'guest')),"
  " password_hash TEXT,"
  " must_change INTEGER NOT NULL DEFAULT 0,"
  " disabled INTEGER NOT NULL DEFAULT 0,"
  " created INTEGER NOT NULL,"
  " UNIQUE (tenant_id, name),"
  " UNIQUE (tenant_id, id));"

  "CREATE TABLE aliases ("
  " tenant_id INTEGER NOT NULL,"
  " alias TEXT NOT NULL,"
  " user_id INTEGER NOT NULL,"
  " created INTEGER NOT NULL,"
  " PRIMARY KEY (tenant_id, alias),"
  " FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE);"

  "CREATE TABLE addresses ("
  " id INTEGER PRIMARY KEY,"
  " tenant_id INTEGER NOT NULL,"
  " user_id INTEGER NOT NULL,"
  " address TEXT NOT NULL,"
  " state TEXT NOT NULL CHECK (state IN ('pending', 'verified', 'revoked')),"
  " verified_by TEXT NOT NULL DEFAULT '',"
  " verified_at INTEGER NOT NULL DEFAULT 0,"
  " created INTEGER NOT NULL,"
  " UNIQUE (tenant_id, address),"
  " FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE);"

  "CREATE TABLE pins ("
  " tenant_id INTEGER NOT NULL,"
  " user_id INTEGER NOT NULL,"
  " hmac BLOB NOT NULL CHECK (length(hmac) = 32),"
  " created INTEGER NOT NULL,"
  " expires INTEGER NOT NULL DEFAULT 0,"
  " PRIMARY KEY (tenant_id, user_id),"
  " UNIQUE (tenant_id, hmac),"
  " FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE);"

  "CREATE TABLE cards ("
  " tenant_id INTEGER NOT NULL,"
  " user_id INTEGER NOT NULL,"
  " hmac BLOB NOT NULL CHECK (length(hmac) = 32),"
  " created INTEGER NOT NULL,"
  " PRIMARY KEY (tenant_id, user_id),"
  " UNIQUE (tenant_id, hmac),"
  " FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE);"

  "CREATE TABLE lockouts ("
  " tenant_id INTEGER NOT NULL REFERENCES tenants (id),"
  " source TEXT NOT NULL,"
  " failures INTEGER NOT NULL,"
  " first_failure INTEGER NOT NULL,"
  " locked_until INTEGER NOT NULL DEFAULT 0,"
  " PRIMARY KEY (tenant_id, source));"

  "CREATE TABLE printers ("
  " id INTEGER PRIMARY KEY,"
  " tenant_id INTEGER NOT NULL REFERENCES tenants (id),"
  " name TEXT NOT NULL COLLATE NOCASE,"
  " uri TEXT NOT NULL,"
  " location TEXT NOT NULL DEFAULT '',"
  " enabled INTEGER NOT NULL DEFAULT 1,"
  " created INTEGER NOT NULL,"
  " UNIQUE (tenant_id, name));"

  "CREATE TABLE jobs ("
  " seq INTEGER PRIMARY KEY,"
  " id TEXT NOT NULL UNIQUE,"
  " tenant_id INTEGER NOT NULL REFERENCES tenants (id),"
  " user_id INTEGER,"
  " owner TEXT NOT NULL,"
  " name TEXT NOT NULL,"
  " origin TEXT NOT NULL,"
  " state TEXT NOT NULL CHECK (state IN ('receiving', 'converting', 'quarantined', 'held', 'releasing',"
  "  'printed', 'failed', 'expired', 'cancelled')),"
  " reason TEXT NOT NULL DEFAULT 'none',"
  " reason_text TEXT NOT NULL DEFAULT '',"
  " copies INTEGER NOT NULL DEFAULT 1,"
  " sides TEXT NOT NULL DEFAULT 'one-sided',"
  " color_mode TEXT NOT NULL DEFAULT 'auto',"
  " created INTEGER NOT NULL,"
  " updated INTEGER NOT NULL,"
  " expires INTEGER NOT NULL DEFAULT 0,"
  " print_count INTEGER NOT NULL DEFAULT 0,"
  " printer TEXT NOT NULL DEFAULT '',"
  " FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id));"

  "CREATE TABLE documents ("
  " job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
  " num INTEGER NOT NULL,"
  " format TEXT NOT NULL,"
  " size INTEGER NOT NULL DEFAULT 0,"
  " pages INTEGER NOT NULL DEFAULT 0,"
  " color_pages INTEGER NOT NULL DEFAULT -1,"
  " wrapped_key BLOB CHECK (wrapped_key IS NULL OR length(wrapped_key) = 64),"
  " PRIMARY KEY (job_id, num));"

  "CREATE TABLE audit ("
  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
  " tenant_id INTEGER NOT NULL REFERENCES tenants (id),"
  " time INTEGER NOT NULL,"
  " actor TEXT NOT NULL,"
  " action TEXT NOT NULL,"
  " subject TEXT NOT NULL DEFAULT '',"
  " job_id TEXT NOT NULL DEFAULT '',"
  " printer TEXT NOT NULL DEFAULT '',"
  " pages INTEGER NOT NULL DEFAULT 0,"
  " source TEXT NOT NULL DEFAULT '',"
  " detail TEXT NOT NULL DEFAULT '');";


/*
 * Version 2: the indexes the daemon's queries need (per-user held queue and
 * quota count, expiry sweep, crash recovery, address and audit listings).
 */

static const char schema_v2[] =
  "CREATE INDEX jobs_tenant_created ON jobs (tenant_id, created);"
  "CREATE INDEX jobs_user_created ON jobs (tenant_id, user_id, created);"
  "CREATE INDEX jobs_expires ON jobs (expires) WHERE expires > 0;"
  "CREATE INDEX jobs_state ON jobs (state);"
  "CREATE INDEX aliases_user ON aliases (tenant_id, user_id);"
  "CREATE INDEX addresses_user ON addresses (tenant_id, user_id);"
  "CREATE INDEX audit_tenant_time ON audit (tenant_id, time);"
  "CREATE INDEX audit_job ON audit (job_id) WHERE job_id <> '';";


/*
 * Version 3: release-time page ranges and N-up (docs/store.md).  Existing
 * jobs print all pages, one per side.  page_ranges holds the canonical
 * text gwJobPageRangesFormat() writes ("" = all pages).
 */

static const char schema_v3[] =
  "ALTER TABLE jobs ADD COLUMN page_ranges TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE jobs ADD COLUMN number_up INTEGER NOT NULL DEFAULT 1"
  " CHECK (number_up IN (1, 2, 4, 6, 9, 16));";


/*
 * Version 4: a small job number, unique per gateway, for protocols that
 * want an integer (IPP's job-id, 1 to 2^31-1).  It comes from a counter, not
 * from max(number) + 1, so a number is not given again when the newest job
 * is purged (a phone polling an old job-id must not find a new job).
 * Existing jobs are numbered in the order they were made.
 */

static const char schema_v4[] =
  "CREATE TABLE counters ("
  " name TEXT PRIMARY KEY,"
  " value INTEGER NOT NULL);"
  "ALTER TABLE jobs ADD COLUMN number INTEGER;"
  "UPDATE jobs SET number = seq;"
  "INSERT INTO counters (name, value) VALUES ('job_number', coalesce((SELECT max(seq) FROM jobs), 0));"
  "CREATE UNIQUE INDEX jobs_number ON jobs (number);";


/*
 * Version 5: single-use address verification tokens (api.h,
 * gwApiTokenCreate).  Only the token's HMAC with the server pepper is kept,
 * as for PINs; a token goes when it is used, when it expires (swept when
 * the next one is used) or with its address.
 */

static const char schema_v5[] =
  "CREATE TABLE address_tokens ("
  " id INTEGER PRIMARY KEY,"
  " tenant_id INTEGER NOT NULL,"
  " address_id INTEGER NOT NULL REFERENCES addresses (id) ON DELETE CASCADE,"
  " hmac BLOB NOT NULL UNIQUE,"
  " expires INTEGER NOT NULL,"
  " created INTEGER NOT NULL);"
  "CREATE INDEX address_tokens_expires ON address_tokens (expires);";


/*
 * Version 6: devices (api.h, gwApiDeviceAdd).  A device is a user's phone
 * or laptop with its own token (the token URL) and password, both random
 * and kept only as HMAC-SHA256 with the device key (docs/keys.md); the
 * password's HMAC binds the owner's id.  Revoking deletes the row, so the
 * token and password stop at once; the device goes with its user.
 */

static const char schema_v6[] =
  "CREATE TABLE devices ("
  " id INTEGER PRIMARY KEY,"
  " tenant_id INTEGER NOT NULL,"
  " user_id INTEGER NOT NULL,"
  " name TEXT NOT NULL,"
  " token_hmac BLOB NOT NULL UNIQUE CHECK (length(token_hmac) = 32),"
  " password_hmac BLOB NOT NULL UNIQUE CHECK (length(password_hmac) = 32),"
  " created INTEGER NOT NULL,"
  " last_used INTEGER NOT NULL DEFAULT 0,"
  " UNIQUE (tenant_id, user_id, name),"
  " FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE);";


/*
 * Version 7: the outbox (outbox.h, docs/mail.md "Outgoing mail").  One row
 * per outgoing message; message is the composed RFC 5322 text sealed
 * under the secrets key (NULL once sent); key is the sender's idempotency
 * key, unique per tenant (NULL = none, any number of them).  since starts
 * the give-up clock (queued, or the last retry).
 */

static const char schema_v7[] =
  "CREATE TABLE outbox ("
  " id INTEGER PRIMARY KEY,"
  " tenant_id INTEGER NOT NULL REFERENCES tenants (id),"
  " key TEXT,"
  " state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),"
  " sender TEXT NOT NULL,"
  " recipient TEXT NOT NULL,"
  " subject TEXT NOT NULL DEFAULT '',"
  " message_id TEXT NOT NULL,"
  " message BLOB,"
  " attempts INTEGER NOT NULL DEFAULT 0,"
  " since INTEGER NOT NULL,"
  " next_attempt INTEGER NOT NULL,"
  " last_error TEXT NOT NULL DEFAULT '',"
  " created INTEGER NOT NULL,"
  " updated INTEGER NOT NULL,"
  " UNIQUE (tenant_id, key));"
  "CREATE INDEX outbox_due ON outbox (state, next_attempt);";


/*
 * Version 8: a front-end's own idempotency key per job (gw_job_options_t.
 * origin_ref: a mail source's message and part).  Unique per tenant and
 * origin while the job is not a failed "interrupted" one (the gateway
 * stopped before its document was kept), so a message fetched again after
 * a crash finds its job instead of making a second one, and a part the
 * crash lost can be sent again.  Existing jobs get "" (no key).
 */

static const char schema_v8[] =
  "ALTER TABLE jobs ADD COLUMN origin_ref TEXT NOT NULL DEFAULT '';"
  "CREATE UNIQUE INDEX jobs_origin_ref ON jobs (tenant_id, origin, origin_ref)"
  " WHERE origin_ref <> '' AND NOT (state = 'failed' AND reason = 'interrupted');";


/*
 * Version 9: the web portal (api.h, "Web sign-in, sessions and
 * terminals"; docs/web.md).  signin_codes holds one pending sign-in per
 * address: the 6-digit code's and the link token's HMACs with the session
 * key (both bind the address), single use (the row goes when either is
 * used), 15 minutes.  sessions holds only the HMAC of each session id;
 * expires is the absolute end, last_used the idle clock.  terminals are
 * release terminals and card readers, each bound to one printer by name,
 * with the HMAC of its key.
 */

static const char schema_v9[] =
  "CREATE TABLE signin_codes ("
  " tenant_id INTEGER NOT NULL REFERENCES tenants (id),"
  " address TEXT NOT NULL,"
  " code_hmac BLOB NOT NULL CHECK (length(code_hmac) = 32),"
  " link_hmac BLOB NOT NULL UNIQUE CHECK (length(link_hmac) = 32),"
  " expires INTEGER NOT NULL,"
  " created INTEGER NOT NULL,"
  " PRIMARY KEY (tenant_id, address));"
  "CREATE TABLE sessions ("
  " id INTEGER PRIMARY KEY,"
  " tenant_id INTEGER NOT NULL,"
  " user_id INTEGER NOT NULL,"
  " hmac BLOB NOT NULL UNIQUE CHECK (length(hmac) = 32),"
  " created INTEGER NOT NULL,"
  " last_used INTEGER NOT NULL,"
  " expires INTEGER NOT NULL,"
  " FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE);"
  "CREATE INDEX sessions_user ON sessions (tenant_id, user_id);"
  "CREATE TABLE terminals ("
  " id INTEGER PRIMARY KEY,"
  " tenant_id INTEGER NOT NULL REFERENCES tenants (id),"
  " name TEXT NOT NULL COLLATE NOCASE,"
  " printer TEXT NOT NULL,"
  " key_hmac BLOB NOT NULL UNIQUE CHECK (length(key_hmac) = 32),"
  " created INTEGER NOT NULL,"
  " last_used INTEGER NOT NULL DEFAULT 0,"
  " UNIQUE (tenant_id, name));";


/*
 * Version 10: GDPR tools and the audit query (docs/gdpr.md, api.h "GDPR").
 *
 * - users.restricted (0/1) and restricted_reason: restriction of
 *   processing (the user's new jobs and mail are refused with the reason);
 *   users.erased: the time the user was erased (its row is kept, blanked,
 *   under the pseudonym "erased-<id>", so audit and report rows stay
 *   consistent).
 * - audit.outcome: "refused" for the actions that say no (*.fail,
 *   *.refuse, *.reject, *.locked), else "ok"; a virtual column, so
 *   existing rows get it too and nothing writes it.
 * - One index per audit filter (user as actor or subject, action,
 *   printer, outcome), each ending in (time, row id): a page newest
 *   first after a cursor, with or without a time range, is one index
 *   range read backwards, never a full scan or a sort.
 */

static const char schema_v10[] =
  "ALTER TABLE users ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE users ADD COLUMN restricted_reason TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE users ADD COLUMN erased INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE audit ADD COLUMN outcome TEXT GENERATED ALWAYS AS"
  " (CASE WHEN action LIKE '%.fail' OR action LIKE '%.refuse' OR action LIKE '%.reject' OR action LIKE '%.locked'"
  " THEN 'refused' ELSE 'ok' END) VIRTUAL;"
  "CREATE INDEX audit_actor ON audit (tenant_id, actor, time);"
  "CREATE INDEX audit_subject ON audit (tenant_id, subject, time);"
  "CREATE INDEX audit_action ON audit (tenant_id, action, time);"
  "CREATE INDEX audit_printer ON audit (tenant_id, printer, time);"
  "CREATE INDEX audit_outcome ON audit (tenant_id, outcome, time);";


/*
 * Version 11: reports and metrics (docs/reports.md, docs/metrics.md).
 * print_usage keeps one row per job that printed or failed, written in the
 * transaction of that transition, with metadata only (who, role, intake,
 * printer, pages and colour pages charged): jobs are deleted once printed,
 * these rows stay for reports.  user_name is blanked when a user is
 * erased (the row and its counts stay).  store_totals holds counts that
 * triggers keep exact in the same transactions (jobs by state, plaintext
 * bytes of the documents that still have a key), so /metrics reads a few
 * rows instead of counting the jobs.
 */

static const char schema_v11[] =
  "CREATE TABLE print_usage ("
  " id INTEGER PRIMARY KEY,"
  " tenant_id INTEGER NOT NULL REFERENCES tenants (id),"
  " time INTEGER NOT NULL,"
  " user_id INTEGER,"
  " user_name TEXT NOT NULL,"
  " role TEXT NOT NULL,"
  " origin TEXT NOT NULL,"
  " printer TEXT NOT NULL DEFAULT '',"
  " outcome TEXT NOT NULL CHECK (outcome IN ('printed', 'failed')),"
  " pages INTEGER NOT NULL DEFAULT 0,"
  " color_pages INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX print_usage_time ON print_usage (tenant_id, time);"
  "CREATE INDEX print_usage_user ON print_usage (tenant_id, user_id);"
  "CREATE TABLE store_totals ("
  " name TEXT PRIMARY KEY,"
  " value INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
  "INSERT INTO store_totals (name, value) SELECT 'jobs:' || s, (SELECT count(*) FROM jobs WHERE state = s) FROM"
  " (SELECT 'receiving' AS s UNION ALL SELECT 'converting' UNION ALL SELECT 'quarantined' UNION ALL SELECT 'held'"
  "  UNION ALL SELECT 'releasing' UNION ALL SELECT 'printed' UNION ALL SELECT 'failed' UNION ALL SELECT 'expired'"
  "  UNION ALL SELECT 'cancelled');"
  "INSERT INTO store_totals (name, value) VALUES ('spool_bytes',"
  " (SELECT coalesce(sum(size), 0) FROM documents WHERE wrapped_key IS NOT NULL));"
  "CREATE TRIGGER jobs_total_add AFTER INSERT ON jobs BEGIN"
  " UPDATE store_totals SET value = value + 1 WHERE name = 'jobs:' || new.state; END;"
  "CREATE TRIGGER jobs_total_move AFTER UPDATE OF state ON jobs WHEN old.state <> new.state BEGIN"
  " UPDATE store_totals SET value = value - 1 WHERE name = 'jobs:' || old.state;"
  " UPDATE store_totals SET value = value + 1 WHERE name = 'jobs:' || new.state; END;"
  "CREATE TRIGGER jobs_total_drop AFTER DELETE ON jobs BEGIN"
  " UPDATE store_totals SET value = value - 1 WHERE name = 'jobs:' || old.state; END;"
  "CREATE TRIGGER spool_total_add AFTER INSERT ON documents WHEN new.wrapped_key IS NOT NULL BEGIN"
  " UPDATE store_totals SET value = value + new.size WHERE name = 'spool_bytes'; END;"
  "CREATE TRIGGER spool_total_change AFTER UPDATE ON documents BEGIN"
  " UPDATE store_totals SET value = value - (CASE WHEN old.wrapped_key IS NULL THEN 0 ELSE old.size END)"
  "  + (CASE WHEN new.wrapped_key IS NULL THEN 0 ELSE new.size END) WHERE name = 'spool_bytes'; END;"
  "CREATE TRIGGER spool_total_drop AFTER DELETE ON documents WHEN old.wrapped_key IS NOT NULL BEGIN"
  " UPDATE store_totals SET value = value - old.size WHERE name = 'spool_bytes'; END;";


/*
 * Version 12: the print policy (docs/policy.md).  policy_rules holds the
 * rule lines in evaluation order (position), named uniquely per tenant;
 * user_groups and group_members are local groups; printer_tags the tags
 * of a printer (by its name, one comma-separated list); delegates who may
 * release whose jobs; quota_usage the pages and colour pages each user
 * printed per day (local midnight), added to as jobs print, which the
 * page quotas sum (at most 31 rows per user for a month).  A job records whether the policy
 * asked for a watermark at submission (policy_watermark).
 */

static const char schema_v12[] =
  "CREATE TABLE policy_rules ("
  " id INTEGER PRIMARY KEY,"
  " tenant_id INTEGER NOT NULL REFERENCES tenants (id),"
  " position INTEGER NOT NULL,"
  " name TEXT NOT NULL COLLATE NOCASE,"
  " line TEXT NOT NULL,"
  " created INTEGER NOT NULL,"
  " UNIQUE (tenant_id, name));"
  "CREATE INDEX policy_rules_order ON policy_rules (tenant_id, position);"
  "CREATE TABLE user_groups ("
  " id INTEGER PRIMARY KEY,"
  " tenant_id INTEGER NOT NULL REFERENCES tenants (id),"
  " name TEXT NOT NULL COLLATE NOCASE,"
  " created INTEGER NOT NULL,"
  " UNIQUE (tenant_id, name));"
  "CREATE TABLE group_members ("
  " tenant_id INTEGER NOT NULL,"
  " group_id INTEGER NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,"
  " user_id INTEGER NOT NULL,"
  " PRIMARY KEY (group_id, user_id),"
  " FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE);"
  "CREATE INDEX group_members_user ON group_members (tenant_id, user_id);"
  "CREATE TABLE printer_tags ("
  " tenant_id INTEGER NOT NULL REFERENCES tenants (id),"
  " printer TEXT NOT NULL COLLATE NOCASE,"
  " tags TEXT NOT NULL,"
  " PRIMARY KEY (tenant_id, printer));"
  "CREATE TABLE delegates ("
  " tenant_id INTEGER NOT NULL,"
  " owner_id INTEGER NOT NULL,"
  " delegate_id INTEGER NOT NULL,"
  " created INTEGER NOT NULL,"
  " PRIMARY KEY (tenant_id, owner_id, delegate_id),"
  " FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,"
  " FOREIGN KEY (tenant_id, delegate_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE);"
  "CREATE TABLE quota_usage ("
  " tenant_id INTEGER NOT NULL,"
  " user_id INTEGER NOT NULL,"
  " day INTEGER NOT NULL,"
  " pages INTEGER NOT NULL,"
  " color_pages INTEGER NOT NULL,"
  " PRIMARY KEY (tenant_id, user_id, day));"
  "ALTER TABLE jobs ADD COLUMN policy_watermark INTEGER NOT NULL DEFAULT 0;";


/*
 * Version 13: the admin console (api.h, "Admin console"; docs/admin.md).
 * The roles helpdesk and auditor: SQLite cannot change the CHECK of
 * users.role without rebuilding the table (and every table refers to it),
 * so they live in users.staff_role, which overrides role when not empty
 * (such users keep role 'user').  sessions.elevated marks a session that
 * passed the second factor.  second_factors holds a user's TOTP secret,
 * sealed with the secrets key (it must be read back), whether enrolment
 * finished, and the last time step used (a code works once);
 * recovery_codes only the HMACs of the unused recovery codes.
 */

static const char schema_v13[] =
  "ALTER TABLE users ADD COLUMN staff_role TEXT NOT NULL DEFAULT '' CHECK (staff_role IN ('', 'helpdesk', 'auditor'));"
  "ALTER TABLE sessions ADD COLUMN elevated INTEGER NOT NULL DEFAULT 0;"
  "CREATE TABLE second_factors ("
  " tenant_id INTEGER NOT NULL,"
  " user_id INTEGER NOT NULL,"
  " secret BLOB NOT NULL,"
  " enabled INTEGER NOT NULL DEFAULT 0,"
  " last_step INTEGER NOT NULL DEFAULT 0,"
  " created INTEGER NOT NULL,"
  " PRIMARY KEY (tenant_id, user_id),"
  " FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE);"
  "CREATE TABLE recovery_codes ("
  " id INTEGER PRIMARY KEY,"
  " tenant_id INTEGER NOT NULL,"
  " user_id INTEGER NOT NULL,"
  " hmac BLOB NOT NULL UNIQUE CHECK (length(hmac) = 32),"
  " created INTEGER NOT NULL,"
  " FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE);"
  "CREATE INDEX recovery_codes_user ON recovery_codes (tenant_id, user_id);";


/*
 * Version 14: mail sources made in the admin console (docs/admin.md,
 * "Mail sources"): one row per source, its settings as one JSON object
 * (spec) whose secrets (password, client secret, refresh token) are
 * "enc:v1:" values under the secrets key, as printgate secret encrypt
 * makes them.
 */

static const char schema_v14[] =
  "CREATE TABLE mail_sources ("
  " tenant_id INTEGER NOT NULL REFERENCES tenants (id),"
  " name TEXT NOT NULL,"
  " spec TEXT NOT NULL,"
  " created INTEGER NOT NULL,"
  " updated INTEGER NOT NULL,"
  " PRIMARY KEY (tenant_id, name));";


/*
 * Version 15: an index for counting a user's jobs by state (the held-job
 * limit, checked at every submission): the count reads only the index
 * entries of the states asked for, not every job the user ever had
 * (docs/benchmarks.md, "The CLI, the helper's exit and the held-job
 * count").
 */

static const char schema_v15[] =
  "CREATE INDEX jobs_user_state ON jobs (tenant_id, user_id, state);";


/*
 * Version 16: a user's unfinished jobs, counted as they change
 * (user_open_jobs.n; the held-job limit reads it at every submission).
 * Counting the jobs_user_state entries cost ~40 ns each: ~0.4 ms per
 * Print-Job of a user with 10,000 held jobs, under the store's lock
 * (docs/benchmarks.md, "IPP intake, eleventh round").  The triggers keep
 * n equal to the count of that user's jobs in the states the limit
 * counts (store-sqlite-job.c, UNFINISHED_STATES), in the same statement
 * as the change, whoever makes it (a transition, a purge, an erasure);
 * a move between two of those states (converting to held) touches
 * nothing.  The step fills the table from the jobs already there.
 */

#define OPEN_STATES "('receiving', 'converting', 'quarantined', 'held')"

static const char schema_v16[] =
  "CREATE TABLE user_open_jobs ("
  " tenant_id INTEGER NOT NULL,"
  " user_id INTEGER NOT NULL,"
  " n INTEGER NOT NULL,"
  " PRIMARY KEY (tenant_id, user_id)) WITHOUT ROWID;"
  "INSERT INTO user_open_jobs (tenant_id, user_id, n)"
  " SELECT tenant_id, user_id, count(*) FROM jobs WHERE user_id IS NOT NULL AND state IN " OPEN_STATES
  " GROUP BY tenant_id, user_id;"
  "CREATE TRIGGER jobs_open_insert AFTER INSERT ON jobs"
  " WHEN new.user_id IS NOT NULL AND new.state IN " OPEN_STATES
  " BEGIN"
  "  INSERT INTO user_open_jobs (tenant_id, user_id, n) VALUES (new.tenant_id, new.user_id, 1)"
  "   ON CONFLICT (tenant_id, user_id) DO UPDATE SET n = n + 1;"
  " END;"
  "CREATE TRIGGER jobs_open_delete AFTER DELETE ON jobs"
  " WHEN old.user_id IS NOT NULL AND old.state IN " OPEN_STATES
  " BEGIN"
  "  UPDATE user_open_jobs SET n = n - 1 WHERE tenant_id = old.tenant_id AND user_id = old.user_id;"
  " END;"
  "CREATE TRIGGER jobs_open_update AFTER UPDATE OF state, tenant_id, user_id ON jobs"
  " WHEN (old.state IN " OPEN_STATES ") IS NOT (new.state IN " OPEN_STATES ")"
  "  OR old.tenant_id IS NOT new.tenant_id OR old.user_id IS NOT new.user_id"
  " BEGIN"
  "  UPDATE user_open_jobs SET n = n - 1"
  "   WHERE old.state IN " OPEN_STATES " AND tenant_id = old.tenant_id AND user_id = old.user_id;"
  "  INSERT INTO user_open_jobs (tenant_id, user_id, n)"
  "   SELECT new.tenant_id, new.user_id, 1 WHERE new.user_id IS NOT NULL AND new.state IN " OPEN_STATES
  "   ON CONFLICT (tenant_id, user_id) DO UPDATE SET n = n + 1;"
  " END;";

#undef OPEN_STATES


/*
 * v17: where a job's original waits for its conversion: NULL, a file in
 * spool/jobs/; else its offset in the spool's intake ring
 * (docs/spool-format.md, "The intake ring").  Set with the original's key,
 * cleared with it.
 */

static const char schema_v17[] =
  "ALTER TABLE documents ADD COLUMN ring INTEGER;";


const _gw_sql_migration_t _gwSqlMigrations[_GW_SQL_LATEST_VERSION] =
{
  { 1, "tables", schema_v1 },
  { 2, "indexes", schema_v2 },
  { 3, "page ranges and number-up", schema_v3 },
  { 4, "job numbers", schema_v4 },
  { 5, "address tokens", schema_v5 },
  { 6, "devices", schema_v6 },
  { 7, "outbox", schema_v7 },
  { 8, "origin references", schema_v8 },
  { 9, "web sign-in, sessions and terminals", schema_v9 },
  { 10, "gdpr: restriction, erasure and audit query indexes", schema_v10 },
  { 11, "reports and metrics", schema_v11 },
  { 12, "print policy: rules, groups, printer tags, delegates, quota usage", schema_v12 },
  { 13, "admin roles, second factors and elevated sessions", schema_v13 },
  { 14, "mail sources made in the admin console", schema_v14 },
  { 15, "jobs by user and state", schema_v15 },
  { 16, "a user's unfinished jobs, counted by triggers", schema_v16 },
  { 17, "originals in the intake ring", schema_v17 }
};
