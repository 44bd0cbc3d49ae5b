/*
 * test-mail-console.c - the store's rows for the mail sources made in the
 * admin console (store-mailsrc.c, schema step 14; docs/admin.md, "Mail
 * sources"): add, replace (one row, the new spec), list by name, remove
 * (a second removal false), names of the source syntax only, a spec over
 * its bound and one with a control character refused, tenants apart, and
 * the list's bound (GW_STORE_MAILSRC_MAX).
 */

#include "test.h"
#include "printgate/store.h"
#include "store-private.h"

#include <stdlib.h>


/*
 * 'collect_cb()' - "name=spec;" for each source.
 */

static bool
collect_cb(const char *name, const char *spec, void *data)
{
  char  *buf = (char *)data;
  size_t len = strlen(buf);

  snprintf(buf + len, 1024 - len, "%s=%s;", name, spec);
  return (true);
}


/*
 * 'count_cb()' - Count the sources.
 */

static bool
count_cb(const char *name, const char *spec, void *data)
{
  (void)name;
  (void)spec;
  (*(int *)data) ++;
  return (true);
}


int
main(void)
{
  char        dir[256], path[300], list[1024], name[32], *big;
  const char *error = NULL;
  gw_store_t *s;
  int         n = 0;

  TEST_BEGIN("store: console mail sources");
  test_tempdir(dir, sizeof(dir));
  snprintf(path, sizeof(path), "%s/t.db", dir);
  TEST_CHECK((s = gwStoreOpen(path, NULL, &error)) != NULL);

  TEST_CHECK(gwStoreMailSourcePut(s, 1, "office", "{\"kind\":\"imaps\"}"));
  TEST_CHECK(gwStoreMailSourcePut(s, 1, "lab.2", "{\"kind\":\"pop3s\"}"));
  TEST_CHECK(gwStoreMailSourcePut(s, 1, "office", "{\"kind\":\"imap\"}"));     /* Replaced, not added */
  list[0] = '\0';
  TEST_CHECK(gwStoreMailSourceIterate(s, 1, collect_cb, list));
  TEST_CHECKF(!strcmp(list, "lab.2={\"kind\":\"pop3s\"};office={\"kind\":\"imap\"};"), "list: %s", list);

  TEST_CHECK(!gwStoreMailSourcePut(s, 1, "bad name", "{}"));
  TEST_CHECK(!gwStoreMailSourcePut(s, 1, "", "{}"));
  TEST_CHECK(!gwStoreMailSourcePut(s, 1, "a/b", "{}"));
  TEST_CHECK(!gwStoreMailSourcePut(s, 1, "0123456789012345678901234567890123456789012345678901234567890123", "{}"));   /* 64 */
  TEST_CHECK(!gwStoreMailSourcePut(s, 1, "ok", "{\"a\":\"line\nbreak\"}"));
  TEST_CHECK(!gwStoreMailSourcePut(s, 1, "ok", ""));
  TEST_CHECK((big = malloc(GW_STORE_MAILSRC_SPEC_MAX + 2)) != NULL);
  memset(big, 'x', GW_STORE_MAILSRC_SPEC_MAX + 1);
  big[GW_STORE_MAILSRC_SPEC_MAX + 1] = '\0';
  TEST_CHECK(!gwStoreMailSourcePut(s, 1, "big", big));                         /* One byte over */
  big[GW_STORE_MAILSRC_SPEC_MAX] = '\0';
  TEST_CHECK(gwStoreMailSourcePut(s, 1, "big", big));                          /* At the bound */
  TEST_CHECK(gwStoreMailSourceIterate(s, 1, count_cb, &n) && n == 3);
  TEST_CHECK(gwStoreMailSourceRemove(s, 1, "big"));
  free(big);

  TEST_CHECK(gwStoreMailSourceRemove(s, 1, "lab.2"));
  TEST_CHECK(!gwStoreMailSourceRemove(s, 1, "lab.2"));
  TEST_CHECK(!gwStoreMailSourceRemove(s, 1, "nosuch"));
  TEST_CHECK(!gwStoreMailSourceRemove(s, 2, "office"));                         /* Another tenant's */
  list[0] = '\0';
  TEST_CHECK(gwStoreMailSourceIterate(s, 1, collect_cb, list) && !strcmp(list, "office={\"kind\":\"imap\"};"));

  for (int i = 0; i < GW_STORE_MAILSRC_MAX + 5; i ++)
  {
    snprintf(name, sizeof(name), "s%02d", i);
    gwStoreMailSourcePut(s, 1, name, "{}");
  }
  n = 0;
  TEST_CHECKF(gwStoreMailSourceIterate(s, 1, count_cb, &n) && n == GW_STORE_MAILSRC_MAX, "%d listed, at most %d", n, GW_STORE_MAILSRC_MAX);

  gwStoreClose(&s);
  TEST_EXIT();
}
