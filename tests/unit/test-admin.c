/*
 * test-admin.c - the admin console's pure parts and store calls
 * (docs/admin.md): TOTP against the RFC 6238 test vectors (HMAC-SHA1, 8
 * digits) and the RFC 4226 HOTP table (6 digits), base32 against RFC
 * 4648, the roles' rights table, and the store's users page (keyset by
 * name, search, the roles kept in users.staff_role) and second-factor rows
 * (a time step used once, recovery codes used once).
 */

#include "test.h"
#include "printgate/api.h"
#include "printgate/crypto.h"
#include "printgate/store.h"
#include "store-private.h"

#include <sqlite3.h>
#include <time.h>


/*
 * 'collect_cb()' - Keep the names of a page of users, comma-separated.
 */

static bool
collect_cb(const gw_user_t *u, void *data)
{
  char  *buf = (char *)data;
  size_t len = strlen(buf);

  snprintf(buf + len, 512 - len, "%s%s:%s", len ? "," : "", u->name, gwRoleString(u->role));
  return (true);
}


/*
 * 'test_totp()' - RFC 6238 appendix B (SHA1) and RFC 4226 appendix D.
 */

static void
test_totp(void)
{
  static const struct { int64_t t; const char *code; } rfc6238[] =
  {
    { 59, "94287082" }, { 1111111109, "07081804" }, { 1111111111, "14050471" },
    { 1234567890, "89005924" }, { 2000000000, "69279037" }, { 20000000000LL, "65353130" }
  };
  static const char * const rfc4226[] =
  {
    "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"
  };
  const unsigned char key[] = "12345678901234567890";
  char                code[16];

  TEST_BEGIN("TOTP (RFC 6238, HMAC-SHA1) and HOTP (RFC 4226)");
  for (size_t i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i ++)
  {
    TEST_CHECKF(gwTotpCode(key, 20, (uint64_t)(rfc6238[i].t / GW_TOTP_STEP), 8, code, sizeof(code)) && !strcmp(code, rfc6238[i].code),
                "T=%lld: %s, want %s", (long long)rfc6238[i].t, code, rfc6238[i].code);
  }
  for (int i = 0; i < 10; i ++)
    TEST_CHECKF(gwTotpCode(key, 20, (uint64_t)i, 6, code, sizeof(code)) && !strcmp(code, rfc4226[i]), "count %d: %s, want %s", i, code, rfc4226[i]);

  TEST_CHECK(!gwTotpCode(key, 20, 1, 5, code, sizeof(code)));      /* 6 to 8 digits */
  TEST_CHECK(!gwTotpCode(key, 20, 1, 9, code, sizeof(code)));
  TEST_CHECK(!gwTotpCode(key, 20, 1, 6, code, 6));                 /* No room for the nul */
  TEST_CHECK(!gwTotpCode(key, 0, 1, 6, code, sizeof(code)));
}


/*
 * 'test_base32()' - RFC 4648 section 10, without padding.
 */

static void
test_base32(void)
{
  static const char * const in[]  = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
  static const char * const out[] = { "", "MY", "MZXQ", "MZXW6", "MZXW6YQ", "MZXW6YTB", "MZXW6YTBOI" };
  char                      buf[32];

  TEST_BEGIN("base32 (RFC 4648)");
  for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i ++)
    TEST_CHECKF(gwBase32Encode((const unsigned char *)in[i], strlen(in[i]), buf, sizeof(buf)) && !strcmp(buf, out[i]), "\"%s\": %s", in[i], buf);
  TEST_CHECK(!gwBase32Encode((const unsigned char *)"foobar", 6, buf, 10));   /* 10 characters need 11 bytes */
}


/*
 * 'test_roles()' - The rights table (api.h) and the role keywords.
 */

static void
test_roles(void)
{
  static const struct { gw_role_t role; bool read, users, audit, settings; } table[] =
  {
    { GW_ROLE_ADMIN,    true,  true,  true,  true  },
    { GW_ROLE_HELPDESK, true,  true,  false, false },
    { GW_ROLE_AUDITOR,  true,  false, true,  false },
    { GW_ROLE_USER,     false, false, false, false },
    { GW_ROLE_GUEST,    false, false, false, false }
  };
  gw_role_t role;

  TEST_BEGIN("roles and their rights");
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i ++)
  {
    TEST_CHECKF(gwRoleHas(table[i].role, GW_RIGHT_READ) == table[i].read && gwRoleHas(table[i].role, GW_RIGHT_USERS) == table[i].users &&
                gwRoleHas(table[i].role, GW_RIGHT_AUDIT) == table[i].audit && gwRoleHas(table[i].role, GW_RIGHT_SETTINGS) == table[i].settings,
                "%s", gwRoleString(table[i].role));
    TEST_CHECK(gwRoleParse(gwRoleString(table[i].role), &role) && role == table[i].role);
  }
  TEST_CHECK(!gwRoleParse("root", &role) && !gwRoleParse("", &role) && !gwRoleParse(NULL, &role));
  TEST_CHECK(!gwRoleHas((gw_role_t)99, GW_RIGHT_READ));
}


/*
 * 'test_store()' - The users page, roles, second factors and recovery codes.
 */

static void
test_store(void)
{
  char           dir[256], path[300], names[512];
  const char    *error = NULL;
  gw_store_t    *s;
  gw_user_t      u;
  int64_t        id = 0, last = 0;
  unsigned char  sealed[64], back[GW_STORE_FACTOR_MAX], macs[3][32];
  size_t         len = 0;
  bool           enabled = true;

  TEST_BEGIN("store: users page, roles, second factors");
  test_tempdir(dir, sizeof(dir));
  snprintf(path, sizeof(path), "%s/t.db", dir);
  TEST_CHECK((s = gwStoreOpen(path, NULL, &error)) != NULL);
  TEST_CHECK(gwStoreSchemaVersion(s) == gwStoreLatestSchemaVersion());

  TEST_CHECK(gwStoreUserAdd(s, 1, "carl", "Carl Help", GW_ROLE_HELPDESK, NULL, false, &id, NULL));
  TEST_CHECK(gwStoreUserAdd(s, 1, "anna", "Anna Audit", GW_ROLE_AUDITOR, NULL, false, NULL, NULL));
  TEST_CHECK(gwStoreUserAdd(s, 1, "bert", "Bert", GW_ROLE_ADMIN, NULL, false, NULL, NULL));
  TEST_CHECK(gwStoreUserAdd(s, 1, "dora", "Dora Gast", GW_ROLE_GUEST, NULL, false, NULL, NULL));
  TEST_CHECK(!gwStoreUserAdd(s, 1, "eve", "", (gw_role_t)(GW_ROLE_LAST + 1), NULL, false, NULL, &error));

  names[0] = '\0';
  TEST_CHECK(gwStoreUserSearch(s, 1, NULL, NULL, 10, collect_cb, names));
  TEST_CHECKF(!strcmp(names, "anna:auditor,bert:admin,carl:helpdesk,dora:guest"), "%s", names);
  names[0] = '\0';
  TEST_CHECK(gwStoreUserSearch(s, 1, "anna", NULL, 2, collect_cb, names));
  TEST_CHECKF(!strcmp(names, "bert:admin,carl:helpdesk"), "after anna, 2: %s", names);
  names[0] = '\0';
  TEST_CHECK(gwStoreUserSearch(s, 1, NULL, "audit", 10, collect_cb, names));
  TEST_CHECKF(!strcmp(names, "anna:auditor"), "display name search: %s", names);
  names[0] = '\0';
  TEST_CHECK(gwStoreUserSearch(s, 1, NULL, "zzz", 10, collect_cb, names) && !names[0]);
  TEST_CHECK(!gwStoreUserSearch(s, 1, NULL, NULL, 0, collect_cb, names) && !gwStoreUserSearch(s, 1, NULL, NULL, 501, collect_cb, names));
  TEST_CHECK(!gwStoreUserSearch(s, 1, NULL, "a\nb", 10, collect_cb, names));

  TEST_CHECK(gwStoreUserEdit(s, 1, id, "Carl", GW_ROLE_AUDITOR, true, NULL));
  TEST_CHECK(gwStoreUserGet(s, 1, id, &u) && u.role == GW_ROLE_AUDITOR && u.disabled && !strcmp(u.display_name, "Carl"));
  TEST_CHECK(gwStoreUserEdit(s, 1, id, "Carl", GW_ROLE_USER, false, NULL));
  TEST_CHECK(gwStoreUserGet(s, 1, id, &u) && u.role == GW_ROLE_USER && !u.disabled);
  TEST_CHECK(!gwStoreUserEdit(s, 1, 9999, "x", GW_ROLE_USER, false, &error));

  memset(sealed, 0x5a, sizeof(sealed));
  TEST_CHECK(!gwStoreFactorGet(s, 1, id, back, sizeof(back), &len, &enabled, &last));
  TEST_CHECK(gwStoreFactorSet(s, 1, id, sealed, sizeof(sealed)));
  TEST_CHECK(gwStoreFactorGet(s, 1, id, back, sizeof(back), &len, &enabled, &last) && len == sizeof(sealed) && !enabled && last == 0 &&
             !memcmp(back, sealed, len));
  TEST_CHECK(gwStoreFactorStep(s, 1, id, 100));
  TEST_CHECK(!gwStoreFactorStep(s, 1, id, 100));      /* A step works once */
  TEST_CHECK(!gwStoreFactorStep(s, 1, id, 99));       /* And never an older one */
  TEST_CHECK(gwStoreFactorStep(s, 1, id, 101));
  TEST_CHECK(gwStoreFactorGet(s, 1, id, back, sizeof(back), &len, &enabled, &last) && enabled && last == 101);

  memset(macs, 0, sizeof(macs));
  for (int i = 0; i < 3; i ++)
    macs[i][0] = (unsigned char)(i + 1);
  TEST_CHECK(gwStoreRecoverySet(s, 1, id, (const unsigned char (*)[32])macs, 3) && gwStoreRecoveryCount(s, 1, id) == 3);
  TEST_CHECK(gwStoreRecoveryUse(s, 1, id, macs[1]));
  TEST_CHECK(!gwStoreRecoveryUse(s, 1, id, macs[1]));  /* Once */
  TEST_CHECK(gwStoreRecoveryCount(s, 1, id) == 2);
  TEST_CHECK(gwStoreFactorSet(s, 1, id, sealed, sizeof(sealed)) && gwStoreRecoveryCount(s, 1, id) == 0);   /* A new secret drops them */
  TEST_CHECK(gwStoreFactorDelete(s, 1, id) && !gwStoreFactorGet(s, 1, id, back, sizeof(back), &len, &enabled, &last));

  gwStoreClose(&s);
  test_rmtree(dir);
}


/*
 * 'test_migration()' - Users of a version 9 store keep their roles at
 *                      version 10, and a session made before is not
 *                      elevated.
 */

static void
test_migration(void)
{
  char          dir[256], path[300];
  const char   *error = NULL;
  gw_store_t   *s;
  gw_user_t     u;
  sqlite3      *db = NULL;
  unsigned char mac[32];

  TEST_BEGIN("migration from version 9: roles kept, sessions not elevated");
  test_tempdir(dir, sizeof(dir));
  snprintf(path, sizeof(path), "%s/m.db", dir);
  memset(mac, 7, sizeof(mac));
  TEST_CHECK((s = _gwStoreOpenVersion(path, NULL, 9, &error)) != NULL && gwStoreSchemaVersion(s) == 9);
  gwStoreClose(&s);

  /* Version 9's rows, written as version 9 wrote them (today's insert names staff_role) */
  TEST_CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
             sqlite3_exec(db, "INSERT INTO users (id, tenant_id, name, role, created) VALUES (1, 1, 'root', 'admin', 0), (2, 1, 'gus', 'guest', 0);"
                              "INSERT INTO sessions (tenant_id, user_id, hmac, created, last_used, expires)"
                              " VALUES (1, 1, x'0707070707070707070707070707070707070707070707070707070707070707', 0, 4000000000, 4000000000)",
                          NULL, NULL, NULL) == SQLITE_OK);
  sqlite3_close(db);

  TEST_CHECK((s = gwStoreOpen(path, NULL, &error)) != NULL && gwStoreSchemaVersion(s) == gwStoreLatestSchemaVersion());
  TEST_CHECK(gwStoreUserFind(s, 1, "root", &u) && u.role == GW_ROLE_ADMIN);
  TEST_CHECK(gwStoreUserFind(s, 1, "gus", &u) && u.role == GW_ROLE_GUEST);
  TEST_CHECK(gwStoreSessionElevated(s, 1, mac) == 0);
  TEST_CHECK(gwStoreSessionElevate(s, 1, mac) && gwStoreSessionElevated(s, 1, mac) == 1);
  gwStoreClose(&s);
  test_rmtree(dir);
}


/*
 * 'main()' - Run the tests.
 */

int
main(void)
{
  test_totp();
  test_base32();
  test_roles();
  test_store();
  test_migration();

  TEST_EXIT();
}
