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

#include "printgate/text.h"
#include "convert-private.h"
#include <printgate-convert/protocol.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;


/*
 * 'check_env_names()' - Refuse a variable under prefix whose name is not
 *                       in known, and (with refused non-NULL) one that is:
 *                       "<refused> setting NAME".
 */

static bool
check_env_names(const char *prefix, const char * const *known, const char *refused, char *error, size_t errsize)
{
  size_t prefix_len = strlen(prefix);

  for (char **env = environ; env && *env; env ++)
  {
    const char *eq = strchr(*env, '=');
    bool        found = false;

    if (strncmp(*env, prefix, prefix_len) || !eq)
      continue;

    for (int i = 0; known[i] && !found; i ++)
      found = strlen(known[i]) == (size_t)(eq - *env) && !strncmp(*env, known[i], (size_t)(eq - *env));

    if (!found || refused)
    {
      snprintf(error, errsize, "%s setting %.*s", found ? refused : "unknown", (int)(eq - *env < 40 ? eq - *env : 40), *env);
      return (false);
    }
  }

  return (true);
}


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
    GW_CONV_ENV_MAX_PAGES, GW_CONV_ENV_AS_MB, GW_CONV_ENV_CPU_S, GW_CONV_ENV_FSIZE_MB,
    GW_CONV_ENV_COLOR, GW_CONV_ENV_OFFICE, GW_CONV_ENV_PAPER, GW_CONV_ENV_TMPDIR, GW_CONV_ENV_USER,
    GW_CONV_ENV_MAX_MPIXELS, GW_CONV_ENV_REQUIRE_LANDLOCK, NULL
  };
  static const char * const papers[] = { "a4", "letter", NULL };
  static const char * const bools[]  = { "0", "1", NULL };
  static const char * const colors[] = { "0", "1", "render", NULL };
  char                      color[8] = "1", office[2] = "0", landlock[2] = "1";
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

  if (!check_env_names(GW_CONV_ENV_PREFIX, known, NULL, error, errsize))
    return (false);

  if (!parse_int(GW_CONV_ENV_MAX_PAGES, 1, 100000, &settings->max_pages, error, errsize) ||
      !parse_int(GW_CONV_ENV_AS_MB, 64, 65536, &settings->as_mb, error, errsize) ||
      !parse_int(GW_CONV_ENV_CPU_S, 1, 86400, &settings->cpu_s, error, errsize) ||
      !parse_int(GW_CONV_ENV_FSIZE_MB, 1, 65536, &settings->fsize_mb, error, errsize) ||
      !parse_int(GW_CONV_ENV_MAX_MPIXELS, 1, 1000, &settings->max_mpixels, error, errsize) ||
      !parse_keyword(GW_CONV_ENV_PAPER, papers, settings->paper, sizeof(settings->paper), error, errsize) ||
      !parse_keyword(GW_CONV_ENV_COLOR, colors, color, sizeof(color), error, errsize) ||
      !parse_keyword(GW_CONV_ENV_OFFICE, bools, office, sizeof(office), error, errsize) ||
      !parse_keyword(GW_CONV_ENV_REQUIRE_LANDLOCK, bools, landlock, sizeof(landlock), error, errsize))
    return (false);

  settings->color            = color[0] != '0';
  settings->color_render_all = color[0] == 'r';
  settings->office           = office[0] == '1';
  settings->require_landlock = landlock[0] == '1';

  if ((s = getenv(GW_CONV_ENV_USER)) != NULL)
  {
    if (!valid_user(s))
    {
      snprintf(error, errsize, "PG_CONVERT_USER is not a valid user name");
      return (false);
    }
    snprintf(settings->user, sizeof(settings->user), "%s", s);
  }

  if ((s = getenv(GW_CONV_ENV_TMPDIR)) == NULL)
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


/*
 * '_gwConvRenderFormatKeyword()' - "pdf", "pwg", "urf" or "pclxl".
 */

const char *
_gwConvRenderFormatKeyword(gw_conv_render_format_t format)
{
  switch (format)
  {
    case GW_CONV_RENDER_PWG :
        return ("pwg");
    case GW_CONV_RENDER_URF :
        return ("urf");
    case GW_CONV_RENDER_PCLXL :
        return ("pclxl");
    default :
        return ("pdf");
  }
}


/*
 * '_gwConvRenderSettingsLoad()' - Load --render's PG_RENDER_* settings.
 *
 * Every PG_RENDER_* name must be known, and none may be set for
 * --normalize.  The page list and number-up are checked again with the
 * core's validators (job.c), the watermark must be hex (even length, at
 * most GW_CONV_WATERMARK_MAX bytes once decoded) of printable ASCII: the
 * daemon hex-encodes the user's text, and the helper writes it into
 * PostScript only as a hex string again, so no byte of it is ever
 * PostScript syntax.
 */

bool
_gwConvRenderSettingsLoad(gw_conv_render_t *render, bool render_mode, char *error, size_t errsize)
{
  static const char * const known[] =
  {
    GW_CONV_ENV_RENDER_FORMAT, GW_CONV_ENV_RENDER_COLOR, GW_CONV_ENV_RENDER_DPI, GW_CONV_ENV_RENDER_PAGES, GW_CONV_ENV_RENDER_NUP,
    GW_CONV_ENV_RENDER_WATERMARK, NULL
  };
  static const char * const formats[] = { "pdf", "pwg", "urf", "pclxl", NULL };
  static const char * const colors[]  = { "gray", "rgb", NULL };
  char                      format[8] = "pdf", color[8] = "rgb";
  const char               *s, *why = NULL;

  memset(render, 0, sizeof(*render));
  render->dpi       = 300;
  render->number_up = 1;

  if (!check_env_names(GW_CONV_ENV_RENDER_PREFIX, known, render_mode ? NULL : "--normalize takes no", error, errsize))
    return (false);

  if (!render_mode)
    return (true);

  if (!parse_keyword(GW_CONV_ENV_RENDER_FORMAT, formats, format, sizeof(format), error, errsize) ||
      !parse_keyword(GW_CONV_ENV_RENDER_COLOR, colors, color, sizeof(color), error, errsize) ||
      !parse_int(GW_CONV_ENV_RENDER_DPI, 75, 1200, &render->dpi, error, errsize) ||
      !parse_int(GW_CONV_ENV_RENDER_NUP, 1, 16, &render->number_up, error, errsize))
    return (false);

  for (int i = 0; formats[i]; i ++)
  {
    if (!strcmp(format, formats[i]))
      render->format = (gw_conv_render_format_t)i;
  }
  render->color = !strcmp(color, "rgb");

  if (!gwJobNumberUpValid(render->number_up))
  {
    snprintf(error, errsize, "PG_RENDER_NUP must be 1, 2, 4, 6, 9 or 16");
    return (false);
  }

  if ((s = getenv(GW_CONV_ENV_RENDER_PAGES)) != NULL)
  {
    if (!*s || !gwJobPageRangesParse(s, render->ranges, &render->num_ranges, &why) ||
        !gwJobPageRangesFormat(render->ranges, render->num_ranges, render->page_list, sizeof(render->page_list)))
    {
      snprintf(error, errsize, "PG_RENDER_PAGES is not a valid page list (%s)", why ? why : "empty");
      return (false);
    }
  }

  if ((s = getenv(GW_CONV_ENV_RENDER_WATERMARK)) != NULL)
  {
    size_t len = strlen(s);

    if (len == 0 || len % 2 || len / 2 > GW_CONV_WATERMARK_MAX)
    {
      snprintf(error, errsize, "PG_RENDER_WATERMARK must be 2 to %d hex digits", 2 * GW_CONV_WATERMARK_MAX);
      return (false);
    }

    for (size_t i = 0; i < len; i += 2)
    {
      int hi = gwHexValue(s[i]), lo = gwHexValue(s[i + 1]), c;

      if (hi < 0 || lo < 0)
      {
        snprintf(error, errsize, "PG_RENDER_WATERMARK must be hex digits only");
        return (false);
      }

      if ((c = hi * 16 + lo) < ' ' || c > '~')
      {
        snprintf(error, errsize, "PG_RENDER_WATERMARK must be printable ASCII text");
        return (false);
      }

      render->watermark[i / 2] = (char)c;
    }
  }

  return (true);
}
