/*
 * convert-settings.c - the helper's settings, from the environment the
 * daemon gives it (docs/converters.md, "Settings").
 *
 * Every PG_CONVERT_* variable is parsed strictly: a number must be all
 * digits and within its range, a keyword must be one of its list, and an
 * unknown PG_CONVERT_* name is an error (a typo in the daemon must not
 * silently run a conversion without its limit).  Nothing here comes from
 * the user: the daemon sets these from its configuration.
 */

#include "convert-private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;


/*
 * 'parse_int()' - Parse a decimal setting within [min, max].
 */

static bool
parse_int(const char *name, int min, int max, int *value, char *error, size_t errsize)
{
  const char *s = getenv(name);
  char       *end;
  long        v;

  if (!s)
    return (true);                      /* Keep the default */

  if (s[0] < '0' || s[0] > '9' || strlen(s) > 9)
    goto bad;

  errno = 0;
  v     = strtol(s, &end, 10);
  if (errno || *end || v < min || v > max)
    goto bad;

  *value = (int)v;
  return (true);

 bad:
  snprintf(error, errsize, "%s must be a whole number from %d to %d", name, min, max);
  return (false);
}


/*
 * 'parse_keyword()' - Parse a setting that must be one of list.
 */

static bool
parse_keyword(const char *name, const char * const *list, char *value, size_t valsize, char *error, size_t errsize)
{
  const char *s = getenv(name);

  if (!s)
    return (true);

  for (; *list; list ++)
  {
    if (!strcmp(s, *list))
    {
      snprintf(value, valsize, "%s", s);
      return (true);
    }
  }

  snprintf(error, errsize, "%s has an unsupported value", name);
  return (false);
}


/*
 * 'valid_user()' - A user name of [a-z_][a-z0-9_-]*, at most 32 characters.
 */

static bool
valid_user(const char *s)
{
  size_t len = strlen(s);

  if (len == 0 || len > 32 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
    return (false);

  for (size_t i = 1; i < len; i ++)
  {
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
      return (false);
  }

  return (true);
}


/*
 * 'valid_dir()' - An absolute path without "." or ".." components, empty
 *                 components or control characters.
 */

static bool
valid_dir(const char *s)
{
  size_t len = strlen(s);

  if (len < 2 || s[0] != '/')
    return (false);

  for (const char *p = s; *p; p ++)
  {
    if ((unsigned char)*p < ' ' || *p == 0x7f)
      return (false);

    if (*p == '/')
    {
      const char *c = p + 1;
      size_t      clen = strcspn(c, "/");

      if ((clen == 0 && c[0]) || (clen == 1 && c[0] == '.') || (clen == 2 && c[0] == '.' && c[1] == '.'))
        return (false);
    }
  }

  return (true);
}


/*
 * '_gwConvSettingsLoad()' - Load the settings from the environment.
 *
 * Returns false with a short message in error (it names the variable, never
 * its value) when a setting is missing, unknown or out of range.
 */

bool
_gwConvSettingsLoad(gw_conv_settings_t *settings, char *error, size_t errsize)
{
  static const char * const known[] =
  {
    "PG_CONVERT_MAX_PAGES", "PG_CONVERT_AS_MB", "PG_CONVERT_CPU_S", "PG_CONVERT_FSIZE_MB",
    "PG_CONVERT_COLOR", "PG_CONVERT_OFFICE", "PG_CONVERT_PAPER", "PG_CONVERT_TMPDIR", "PG_CONVERT_USER",
    "PG_CONVERT_MAX_MPIXELS", NULL
  };
  static const char * const papers[] = { "a4", "letter", NULL };
  static const char * const bools[]  = { "0", "1", NULL };
  char                      color[2] = "1", office[2] = "0";
  const char               *s;

  memset(settings, 0, sizeof(*settings));
  settings->max_pages = 500;
  settings->as_mb     = 1024;
  settings->cpu_s     = 120;
  settings->fsize_mb  = 512;
  settings->max_mpixels = 100;
  settings->color     = true;
  snprintf(settings->paper, sizeof(settings->paper), "a4");
  snprintf(settings->user, sizeof(settings->user), "nobody");

  /*
   * Refuse PG_CONVERT_* names we do not know.
   */

  for (char **env = environ; env && *env; env ++)
  {
    const char *eq = strchr(*env, '=');
    bool        found = false;

    if (strncmp(*env, "PG_CONVERT_", 11) || !eq)
      continue;

    for (int i = 0; known[i] && !found; i ++)
      found = strlen(known[i]) == (size_t)(eq - *env) && !strncmp(*env, known[i], (size_t)(eq - *env));

    if (!found)
    {
      snprintf(error, errsize, "unknown setting %.*s", (int)(eq - *env < 40 ? eq - *env : 40), *env);
      return (false);
    }
  }

  if (!parse_int("PG_CONVERT_MAX_PAGES", 1, 100000, &settings->max_pages, error, errsize) ||
      !parse_int("PG_CONVERT_AS_MB", 64, 65536, &settings->as_mb, error, errsize) ||
      !parse_int("PG_CONVERT_CPU_S", 1, 86400, &settings->cpu_s, error, errsize) ||
      !parse_int("PG_CONVERT_FSIZE_MB", 1, 65536, &settings->fsize_mb, error, errsize) ||
      !parse_int("PG_CONVERT_MAX_MPIXELS", 1, 1000, &settings->max_mpixels, error, errsize) ||
      !parse_keyword("PG_CONVERT_PAPER", papers, settings->paper, sizeof(settings->paper), error, errsize) ||
      !parse_keyword("PG_CONVERT_COLOR", bools, color, sizeof(color), error, errsize) ||
      !parse_keyword("PG_CONVERT_OFFICE", bools, office, sizeof(office), error, errsize))
    return (false);

  settings->color  = color[0] == '1';
  settings->office = office[0] == '1';

  if ((s = getenv("PG_CONVERT_USER")) != NULL)
  {
    if (!valid_user(s))
    {
      snprintf(error, errsize, "PG_CONVERT_USER is not a valid user name");
      return (false);
    }
    snprintf(settings->user, sizeof(settings->user), "%s", s);
  }

  if ((s = getenv("PG_CONVERT_TMPDIR")) == NULL)
  {
    snprintf(error, errsize, "PG_CONVERT_TMPDIR must name this conversion's own empty directory");
    return (false);
  }
  if (!valid_dir(s) || strlen(s) >= sizeof(settings->tmpdir))
  {
    snprintf(error, errsize, "PG_CONVERT_TMPDIR must be an absolute path without . or .. (at most %d bytes)", (int)sizeof(settings->tmpdir) - 1);
    return (false);
  }
  snprintf(settings->tmpdir, sizeof(settings->tmpdir), "%s", s);

  return (true);
}
