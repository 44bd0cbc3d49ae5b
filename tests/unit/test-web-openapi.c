/*
 * test-web-openapi.c - docs/api/openapi.yaml and the REST API's calls in
 * web-upload/web-api.c agree: every path and method of the file is a call
 * in the code, and every call is in the file.  Positive control: the same
 * comparison finds a call dropped from the file and one added to it.
 */

#include "test.h"
#include "printgate-web/web.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MAX_OPS 128

typedef struct ops_s            /* "METHOD /path" pairs */
{
  char op[MAX_OPS][160];
  int  n;
} ops_t;

/* The operations of an OpenAPI file: "  /path:" lines, then "    get:" lines under them. */
static void
yaml_ops(const char *text, ops_t *ops)
{
  char        path[128] = "", line[512];
  const char *p = text;

  ops->n = 0;
  while (*p)
  {
    size_t len = strcspn(p, "\n");

    snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), p);
    p += len + (p[len] == '\n');
    if (!strncmp(line, "  /", 3) && line[strlen(line) - 1] == ':')
      snprintf(path, sizeof(path), "%.*s", (int)strlen(line) - 3, line + 2);
    else if (line[0] != ' ')
      path[0] = '\0';
    else if (path[0] && !strncmp(line, "    ", 4) && line[4] != ' ' && ops->n < MAX_OPS)
    {
      static const char * const methods[] = { "get", "post", "delete", "put", "patch" };

      for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m ++)
      {
        size_t ml = strlen(methods[m]);

        if (!strncmp(line + 4, methods[m], ml) && line[4 + ml] == ':')
        {
          char upper[8];

          for (size_t i = 0; i <= ml; i ++)
            upper[i] = (char)toupper((unsigned char)methods[m][i]);
          snprintf(ops->op[ops->n ++], sizeof(ops->op[0]), "%s %s", upper, path);
        }
      }
    }
  }
}

/* How many of a's operations are missing from b (printing them). */
static int
missing(const ops_t *a, const ops_t *b, const char *what)
{
  int n = 0;

  for (int i = 0; i < a->n; i ++)
  {
    bool found = false;

    for (int j = 0; j < b->n && !found; j ++)
      found = !strcmp(a->op[i], b->op[j]);
    if (!found)
    {
      printf("    %s: %s\n", what, a->op[i]);
      n ++;
    }
  }

  return (n);
}

int
main(void)
{
  static char text[256 * 1024], changed[256 * 1024];
  static ops_t file, code, other;
  const char  *src = getenv("GW_SOURCE_DIR"), *method, *pattern;
  char         path[1024], *cut;
  FILE        *fp;
  size_t       len = 0;

  snprintf(path, sizeof(path), "%s/docs/api/openapi.yaml", src ? src : ".");
  TEST_BEGIN("docs/api/openapi.yaml is read");
  TEST_CHECK((fp = fopen(path, "r")) != NULL);
  if (!fp)
    TEST_EXIT();
  len = fread(text, 1, sizeof(text) - 1, fp);
  fclose(fp);
  text[len] = '\0';

  for (int i = 0; gwWebApiRoute(i, &method, &pattern); i ++)
    snprintf(code.op[code.n ++], sizeof(code.op[0]), "%s %s", method, pattern);
  yaml_ops(text, &file);
  TEST_CHECKF(code.n == gwWebApiRouteCount() && code.n > 20, "%d calls", code.n);

  TEST_BEGIN("every call of the code is in the file, and every operation of the file is a call");
  TEST_CHECK(missing(&code, &file, "not in openapi.yaml") == 0);
  TEST_CHECK(missing(&file, &code, "not in web-api.c") == 0);
  TEST_CHECKF(file.n == code.n, "%d operations, %d calls", file.n, code.n);

  TEST_BEGIN("positive control: a dropped and an added operation are found");
  memcpy(changed, text, len + 1);
  TEST_CHECK((cut = strstr(changed, "    delete:\n      summary: Cancel")) != NULL);
  if (cut)
    memcpy(cut, "    x-del", 9);
  yaml_ops(changed, &other);
  TEST_CHECK(missing(&code, &other, "dropped (expected)") == 1);
  memcpy(changed, text, len);
  memcpy(changed + len, "  /api/v1/extra:\n    put:\n      summary: x\n", 44);
  yaml_ops(changed, &other);
  TEST_CHECK(missing(&other, &code, "added (expected)") == 1);

  TEST_EXIT();
}
