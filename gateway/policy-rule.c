/*
 * policy-rule.c - the policy rule engine: the rule-line parser (a bounded
 * parser of text that comes from admins and configuration management) and
 * the evaluation of an ordered rule set against one job (docs/policy.md).
 *
 * A rule line:   NAME [CONDITION ...] => ACTION [ACTION ...]
 *
 * Pure functions: no store, no locks, no globals; the unit test and the
 * fuzz harness call them directly.
 */

#include "policy-private.h"
#include "printgate/text.h"

#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TOKENS_MAX 32            /* Words of one line */

static const char * const day_names[7] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };


/*
 * '_gwPolicyNameValid()' - A rule, group or tag name: 1 to 63 of
 *                          [A-Za-z0-9._-] (len bytes of s).
 */

bool
_gwPolicyNameValid(const char *s, size_t len)
{
  if (len < 1 || len > GW_POLICY_NAME_MAX)
    return (false);
  for (size_t i = 0; i < len; i ++)
  {
    if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
      return (false);
  }
  return (true);
}


/*
 * 'valid_utf8()' - Is s well-formed UTF-8 (no overlong forms, surrogates
 *                  or code points above U+10FFFF)?
 */

static bool
valid_utf8(const char *s)
{
  const unsigned char *p = (const unsigned char *)s;

  while (*p)
  {
    unsigned c = *p, need, cp;

    if (c < 0x80)
    {
      p ++;
      continue;
    }
    else if (c >= 0xC2 && c <= 0xDF)
      need = 1, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
      need = 2, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
      need = 3, cp = c & 0x07;
    else
      return (false);

    for (unsigned i = 1; i <= need; i ++)
    {
      if ((p[i] & 0xC0) != 0x80)
        return (false);
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      return (false);
    p += need + 1;
  }

  return (true);
}


/*
 * 'parse_int()' - A whole decimal number in [0, max] with an optional
 *                 unit suffix from 'units' ("KMG" sizes: 1024 each; "smhd"
 *                 durations).  false if anything else.
 */

static bool
parse_int(const char *s, const char *units, int64_t max, int64_t *value)
{
  char     *end;
  long long v;
  int64_t   mult = 1;

  if (!isdigit((unsigned char)*s))
    return (false);
  errno = 0;
  v     = strtoll(s, &end, 10);
  if (errno || v < 0)
    return (false);

  if (*end && units && strchr(units, *end) && !end[1])
  {
    switch (*end)
    {
      case 'K' : mult = 1024; break;
      case 'M' : mult = 1024 * 1024; break;
      case 'G' : mult = 1024 * 1024 * 1024; break;
      case 'm' : mult = 60; break;
      case 'h' : mult = 3600; break;
      case 'd' : mult = 86400; break;
      default  : mult = 1; break;
    }
    end ++;
  }
  if (*end || v > max / mult)
    return (false);

  *value = (int64_t)v * mult;
  return (true);
}


/*
 * 'parse_range()' - "N" (exactly), "N-M", "N-" (at least) or "-M" (at
 *                   most), each bound as parse_int().
 */

static bool
parse_range(char *s, const char *units, int64_t max, int64_t *lo, int64_t *hi)
{
  char *dash = strchr(s, '-');

  if (!*s)
    return (false);
  if (!dash)
  {
    if (!parse_int(s, units, max, lo))
      return (false);
    *hi = *lo;
    return (true);
  }

  *dash = '\0';
  *lo = 0;
  *hi = max;
  if ((*s && !parse_int(s, units, max, lo)) || (dash[1] && !parse_int(dash + 1, units, max, hi)) || (!*s && !dash[1]))
    return (false);

  return (*lo <= *hi);
}


/*
 * 'parse_clock()' - "HH:MM" to minutes of the day (24:00 = 1440 ends a day).
 */

static bool
parse_clock(const char *s, int *minutes)
{
  if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' || !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]) || s[5])
    return (false);

  *minutes = ((s[0] - '0') * 10 + s[1] - '0') * 60 + (s[3] - '0') * 10 + s[4] - '0';
  return ((s[3] - '0') < 6 && *minutes <= 1440);
}


/*
 * 'parse_days()' - "mon-fri", "sat,sun", "fri-mon" (wraps) to a bit mask.
 */

static bool
parse_days(const char *s, unsigned *days)
{
  *days = 0;

  while (*s)
  {
    int first = -1, last = -1;

    for (int d = 0; d < 7; d ++)
    {
      if (!strncasecmp(s, day_names[d], 3))
        first = d;
    }
    if (first < 0)
      return (false);
    s += 3;
    last = first;
    if (*s == '-')
    {
      for (int d = 0; d < 7; d ++)
      {
        if (!strncasecmp(s + 1, day_names[d], 3))
          last = d;
      }
      if (last == first && strncasecmp(s + 1, day_names[first], 3))
        return (false);
      s += 4;
    }
    for (int d = first; ; d = (d + 1) % 7)
    {
      *days |= 1u << d;
      if (d == last)
        break;
    }
    if (*s == ',')
      s ++;
    else if (*s)
      return (false);
  }

  return (*days != 0);
}


/*
 * 'parse_quota()' - "N/day", "N/week", "N/month" (N 1 to 10,000,000).
 */

static bool
parse_quota(char *s, int *limit, gw_policy_period_t *period)
{
  char   *slash = strchr(s, '/');
  int64_t v;

  if (!slash)
    return (false);
  *slash = '\0';
  if (!parse_int(s, NULL, 10000000, &v) || v < 1)
    return (false);
  *limit = (int)v;

  if (!strcmp(slash + 1, "day"))
    *period = GW_POLICY_DAY;
  else if (!strcmp(slash + 1, "week"))
    *period = GW_POLICY_WEEK;
  else if (!strcmp(slash + 1, "month"))
    *period = GW_POLICY_MONTH;
  else
    return (false);

  return (true);
}


/*
 * 'tokenize()' - Split a line into words in buf: KEY or KEY=VALUE, where a
 *                VALUE in double quotes may hold spaces, \" and \\.  The
 *                words are NUL-terminated in buf (which is at least len+1
 *                bytes).  Returns the number of words, -1 on an error.
 */

static int
tokenize(const char *line, size_t len, char *buf, char **words, const char **error_r)
{
  size_t i = 0, o = 0;
  int    n = 0;

  while (i < len)
  {
    bool quoted = false;

    while (i < len && (line[i] == ' ' || line[i] == '\t'))
      i ++;
    if (i >= len)
      break;
    if (n >= TOKENS_MAX)
    {
      *error_r = "too many words (at most 32)";
      return (-1);
    }

    words[n ++] = buf + o;
    while (i < len && (quoted || (line[i] != ' ' && line[i] != '\t')))
    {
      char ch = line[i ++];

      if (ch == '\0' || ch == '\n' || ch == '\r' || (unsigned char)ch < ' ')
      {
        *error_r = "a control character in the line";
        return (-1);
      }
      if (ch == '"')
      {
        quoted = !quoted;
        continue;
      }
      if (quoted && ch == '\\' && i < len && (line[i] == '"' || line[i] == '\\'))
        ch = line[i ++];
      buf[o ++] = ch;
    }
    if (quoted)
    {
      *error_r = "a quote is not closed";
      return (-1);
    }
    buf[o ++] = '\0';
  }

  return (n);
}


/*
 * 'parse_condition()' - One KEY=VALUE before "=>".
 */

static bool
parse_condition(_gw_rule_t *rule, char *key, char *value, const char **error_r)
{
  int64_t lo, hi;
  static const struct { const char *key; size_t offset; } lists[] =
  {
    { "user", offsetof(_gw_rule_t, users) },         { "role", offsetof(_gw_rule_t, roles) },
    { "group", offsetof(_gw_rule_t, groups) },       { "intake", offsetof(_gw_rule_t, intakes) },
    { "format", offsetof(_gw_rule_t, formats) },     { "printer", offsetof(_gw_rule_t, printers) },
    { "tag", offsetof(_gw_rule_t, tags) },           { "location", offsetof(_gw_rule_t, locations) }
  };

  for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i ++)
  {
    if (!strcmp(key, lists[i].key))
    {
      const char **slot = (const char **)((char *)rule + lists[i].offset);

      if (*slot)
      {
        *error_r = "a condition is given twice";
        return (false);
      }
      if (!*value || value[strlen(value) - 1] == ',' || strstr(value, ",,") || *value == ',')
      {
        *error_r = "an empty value in a list";
        return (false);
      }
      *slot = value;
      return (true);
    }
  }

  if (!strcmp(key, "at"))
  {
    if (!strcmp(value, "submit"))
      rule->phases = _GW_POLICY_PHASE(GW_POLICY_SUBMIT);
    else if (!strcmp(value, "release"))
      rule->phases = _GW_POLICY_PHASE(GW_POLICY_RELEASE);
    else
    {
      *error_r = "at= takes submit or release";
      return (false);
    }
  }
  else if (!strcmp(key, "size"))
  {
    if (!parse_range(value, "KMG", INT64_C(1) << 50, &rule->size_min, &rule->size_max))
    {
      *error_r = "size= takes a range of bytes: 10M, 1K-5M, 10M-, -1G";
      return (false);
    }
  }
  else if (!strcmp(key, "pages") || !strcmp(key, "colour-pages") || !strcmp(key, "color-pages"))
  {
    if (!parse_range(value, NULL, 1000000, &lo, &hi))
    {
      *error_r = "pages= and colour-pages= take a range: 5, 1-10, 11-, -10";
      return (false);
    }
    if (key[0] == 'p')
    {
      rule->pages_min = (int)lo;
      rule->pages_max = (int)hi;
    }
    else
    {
      rule->color_min = (int)lo;
      rule->color_max = (int)hi;
    }
  }
  else if (!strcmp(key, "time"))
  {
    char *dash = strchr(value, '-');

    if (!dash || (*dash = '\0', !parse_clock(value, &rule->time_from)) || !parse_clock(dash + 1, &rule->time_to) || rule->time_from == rule->time_to)
    {
      *error_r = "time= takes HH:MM-HH:MM (22:00-06:00 crosses midnight)";
      return (false);
    }
  }
  else if (!strcmp(key, "days"))
  {
    if (!parse_days(value, &rule->days))
    {
      *error_r = "days= takes days as mon-fri or sat,sun";
      return (false);
    }
  }
  else
  {
    *error_r = "unknown condition";
    return (false);
  }

  return (true);
}


/*
 * 'parse_action()' - One word after "=>".
 */

static bool
parse_action(_gw_rule_t *rule, char *key, char *value, const char **error_r)
{
  int64_t v;

  if (!strcmp(key, "allow") && !value)
    rule->allow = true;
  else if (!strcmp(key, "refuse"))
  {
    rule->refuse = true;
    if (value && (!*value || strlen(value) > GW_POLICY_TEXT_MAX || !valid_utf8(value)))
    {
      *error_r = "refuse= takes a sentence of 1 to 255 bytes of UTF-8";
      return (false);
    }
    rule->refuse_text = value;
  }
  else if ((!strcmp(key, "mono") || !strcmp(key, "monochrome")) && !value)
    rule->mono = true;
  else if (!strcmp(key, "duplex") && !value)
    rule->duplex = true;
  else if (!strcmp(key, "watermark") && !value)
    rule->watermark = true;
  else if (!strcmp(key, "max-pages") && value && parse_int(value, NULL, 100000, &v) && v > 0)
    rule->max_pages = (int)v;
  else if (!strcmp(key, "retention") && value && parse_int(value, "smhd", 366 * 86400, &v) && v > 0)
    rule->retention = v;
  else if (!strcmp(key, "quota-pages") && value && parse_quota(value, &rule->quota_pages, &rule->quota_pages_period))
    ;
  else if ((!strcmp(key, "quota-colour") || !strcmp(key, "quota-color")) && value && parse_quota(value, &rule->quota_color, &rule->quota_color_period))
    ;
  else if (!strcmp(key, "quota-per") && value && (!strcmp(value, "user") || !strcmp(value, "group")))
    rule->quota_per_group = value[0] == 'g';
  else
  {
    *error_r = "unknown or malformed action (allow, refuse[=\"...\"], mono, duplex, watermark, max-pages=N, retention=8h, quota-pages=N/day, quota-colour=N/week, quota-per=user|group)";
    return (false);
  }

  return (true);
}


/*
 * '_gwRuleParse()' - Parse one rule line (len bytes, no newline needed).
 *                    rule is filled on success; *error_r gets a static
 *                    fragment on failure.
 */

bool
_gwRuleParse(const char *line, size_t len, _gw_rule_t *rule, const char **error_r)
{
  char       *words[TOKENS_MAX];
  int         n, i;
  bool        actions = false, any_action = false;
  const char *dummy;

  if (!error_r)
    error_r = &dummy;

  memset(rule, 0, sizeof(*rule));
  rule->phases    = _GW_POLICY_PHASE(GW_POLICY_SUBMIT) | _GW_POLICY_PHASE(GW_POLICY_RELEASE);
  rule->size_min  = rule->size_max = -1;
  rule->pages_min = rule->pages_max = rule->color_min = rule->color_max = -1;
  rule->time_from = rule->time_to = -1;

  /* Trim blanks and a line ending. */
  while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\n' || line[len - 1] == '\r'))
    len --;
  while (len > 0 && (*line == ' ' || *line == '\t'))
  {
    line ++;
    len --;
  }
  if (len > GW_POLICY_LINE_MAX)
  {
    *error_r = "the line is longer than 1024 bytes";
    return (false);
  }
  memcpy(rule->line, line, len);
  rule->line[len] = '\0';

  if ((n = tokenize(line, len, rule->buf, words, error_r)) < 0)
    return (false);
  if (n < 3 || !_gwPolicyNameValid(words[0], strlen(words[0])))
  {
    *error_r = n < 3 ? "a rule is NAME [CONDITION ...] => ACTION ..." : "a rule's name is 1 to 63 letters, digits, '.', '_' or '-'";
    return (false);
  }
  memcpy(rule->name, words[0], strlen(words[0]) + 1);

  for (i = 1; i < n; i ++)
  {
    char *eq;

    if (!strcmp(words[i], "=>"))
    {
      if (actions)
      {
        *error_r = "\"=>\" is given twice";
        return (false);
      }
      actions = true;
      continue;
    }

    if ((eq = strchr(words[i], '=')) != NULL)
      *eq++ = '\0';

    if (!actions && (!eq || !parse_condition(rule, words[i], eq, error_r)))
    {
      if (!eq)
        *error_r = "a condition is KEY=VALUE";
      return (false);
    }
    if (actions)
    {
      if (!parse_action(rule, words[i], eq, error_r))
        return (false);
      any_action = true;
    }
  }

  if (!any_action)
  {
    *error_r = "a rule needs at least one action after \"=>\"";
    return (false);
  }
  if (rule->allow && rule->refuse)
  {
    *error_r = "a rule cannot both allow and refuse";
    return (false);
  }
  if (rule->quota_per_group && (!rule->groups || strpbrk(rule->groups, ",*?[") || !_gwPolicyNameValid(rule->groups, strlen(rule->groups))))
  {
    *error_r = "quota-per=group needs exactly one group= name";
    return (false);
  }
  if (rule->quota_per_group && !rule->quota_pages && !rule->quota_color)
  {
    *error_r = "quota-per=group needs quota-pages= or quota-colour=";
    return (false);
  }

  return (true);
}


/*
 * '_gwRulesInit()' / '_gwRulesFree()' - An empty rule set / free one.
 */

void
_gwRulesInit(_gw_rules_t *rules)
{
  memset(rules, 0, sizeof(*rules));
}

void
_gwRulesFree(_gw_rules_t *rules)
{
  for (int i = 0; i < rules->count; i ++)
    free(rules->rules[i]);
  free(rules->rules);
  memset(rules, 0, sizeof(*rules));
}


/*
 * '_gwRulesAdd()' - Append a copy of a rule (names unique, at most
 *                   GW_POLICY_RULES_MAX).  The copy's pointers are moved
 *                   into its own buffer; each rule has an allocation of
 *                   its own, which never moves when the set grows (its
 *                   pointers point into itself).
 */

bool
_gwRulesAdd(_gw_rules_t *rules, const _gw_rule_t *rule, const char **error_r)
{
  _gw_rule_t  *r, **grown;
  const char **src, **dst;
  static const size_t ptrs[] =
  {
    offsetof(_gw_rule_t, users), offsetof(_gw_rule_t, roles), offsetof(_gw_rule_t, groups), offsetof(_gw_rule_t, intakes),
    offsetof(_gw_rule_t, formats), offsetof(_gw_rule_t, printers), offsetof(_gw_rule_t, tags), offsetof(_gw_rule_t, locations),
    offsetof(_gw_rule_t, refuse_text)
  };

  for (int i = 0; i < rules->count; i ++)
  {
    if (!strcasecmp(rules->rules[i]->name, rule->name))
    {
      *error_r = "a rule by that name exists";
      return (false);
    }
  }
  if (rules->count >= GW_POLICY_RULES_MAX)
  {
    *error_r = "too many rules (at most 1000)";
    return (false);
  }

  if ((grown = gwArrayGrow(rules->rules, (size_t)rules->count, &rules->alloc, sizeof(_gw_rule_t *), 16)) == NULL || (r = malloc(sizeof(_gw_rule_t))) == NULL)
  {
    if (grown)
      rules->rules = grown;
    *error_r = "out of memory";
    return (false);
  }
  rules->rules = grown;
  rules->rules[rules->count ++] = r;

  *r = *rule;
  for (size_t i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i ++)
  {
    src = (const char **)((const char *)rule + ptrs[i]);
    dst = (const char **)((char *)r + ptrs[i]);
    if (*src)
      *dst = r->buf + (*src - rule->buf);
  }

  return (true);
}


/*
 * '_gwRulesParseText()' - Parse a rule file into rules (appended).  Blank
 *                         lines and lines starting with '#' are skipped.
 *                         On an error *line_r gets its line number.
 */

bool
_gwRulesParseText(const char *text, size_t len, _gw_rules_t *rules, int *line_r, const char **error_r)
{
  size_t      pos = 0;
  int         lineno = 0;
  _gw_rule_t *rule;
  bool        ok = true;

  *line_r = 0;
  if (len > GW_POLICY_FILE_MAX)
  {
    *error_r = "the rule file is larger than 1 MB";
    return (false);
  }
  if ((rule = malloc(sizeof(_gw_rule_t))) == NULL)
  {
    *error_r = "out of memory";
    return (false);
  }

  while (pos < len && ok)
  {
    const char *start = text + pos, *nl = memchr(start, '\n', len - pos);
    size_t      llen  = nl ? (size_t)(nl - start) : len - pos, skip = 0;

    pos += llen + (nl ? 1 : 0);
    lineno ++;

    while (skip < llen && (start[skip] == ' ' || start[skip] == '\t' || start[skip] == '\r'))
      skip ++;
    if (skip == llen || start[skip] == '#')
      continue;

    *line_r = lineno;
    ok = _gwRuleParse(start, llen, rule, error_r) && _gwRulesAdd(rules, rule, error_r);
  }

  free(rule);
  if (ok)
    *line_r = 0;
  return (ok);
}


/*
 * 'list_match()' - Does value match one pattern of a comma-separated list
 *                  (shell patterns, case-insensitive)?  list NULL = any.
 */

static bool
list_match(const char *list, const char *value)
{
  char pat[GW_POLICY_LINE_MAX + 1];

  if (!list)
    return (true);
  if (!value)
    return (false);

  while (*list)
  {
    size_t len = strcspn(list, ",");

    memcpy(pat, list, len);
    pat[len] = '\0';
    if (!fnmatch(pat, value, FNM_CASEFOLD))
      return (true);
    list += len;
    if (*list == ',')
      list ++;
  }

  return (false);
}


/*
 * 'formats_match()' - list_match() for the job's format, which is a list
 *                     for a job of several documents ("multi,pdf,jpeg"):
 *                     any of them matching is a match, so a rule about
 *                     JPEG photos also sees the one inside such a job.
 */

static bool
formats_match(const char *list, const char *formats)
{
  char one[64];

  if (!list || !formats || !strchr(formats, ','))
    return (list_match(list, formats));

  while (*formats)
  {
    size_t len = strcspn(formats, ",");

    snprintf(one, sizeof(one), "%.*s", (int)(len < sizeof(one) ? len : sizeof(one) - 1), formats);
    if (list_match(list, one))
      return (true);
    formats += len;
    if (*formats == ',')
      formats ++;
  }

  return (false);
}


/*
 * 'list_match_any()' - Does one of values[n] match the list?
 */

static bool
list_match_any(const char *list, const char * const *values, int n)
{
  if (!list)
    return (true);
  for (int i = 0; i < n; i ++)
  {
    if (list_match(list, values[i]))
      return (true);
  }
  return (false);
}


/*
 * 'when_match()' - The time window and days.  In a window that crosses
 *                  midnight, the hours after midnight belong to the day
 *                  the window started (days=fri time=22:00-06:00 matches
 *                  Saturday 03:00).
 */

static bool
when_match(const _gw_rule_t *r, int64_t now)
{
  time_t    t = (time_t)now;
  struct tm tm;
  int       minute, wday;

  if (r->time_from < 0 && !r->days)
    return (true);
  if (!localtime_r(&t, &tm))
    return (false);

  minute = tm.tm_hour * 60 + tm.tm_min;
  wday   = tm.tm_wday;

  if (r->time_from >= 0)
  {
    if (r->time_from < r->time_to)
    {
      if (minute < r->time_from || minute >= r->time_to)
        return (false);
    }
    else if (minute < r->time_to)
      wday = (wday + 6) % 7;            /* After midnight: the window began yesterday */
    else if (minute < r->time_from)
      return (false);
  }

  return (!r->days || (r->days & (1u << wday)));
}


/*
 * 'rule_match()' - Does a rule match the facts?
 */

static bool
rule_match(const _gw_rule_t *r, const _gw_policy_facts_t *f)
{
  int color = f->color_pages < 0 ? f->pages : f->color_pages;

  if (!(r->phases & _GW_POLICY_PHASE(f->phase)))
    return (false);
  if (!list_match(r->users, f->user) || !list_match(r->roles, f->role) || !list_match(r->intakes, f->intake) || !formats_match(r->formats, f->format))
    return (false);
  if (r->groups && !list_match_any(r->groups, f->groups, f->num_groups))
    return (false);
  if ((r->printers || r->tags || r->locations) && (!f->printer || !*f->printer))
    return (false);               /* Printer conditions match only where a printer is known */
  if (!list_match(r->printers, f->printer) || (r->tags && !list_match_any(r->tags, f->tags, f->num_tags)) || !list_match(r->locations, f->location))
    return (false);
  if (r->size_min >= 0 && (f->size < r->size_min || f->size > r->size_max))
    return (false);
  if (r->pages_min >= 0 && (f->pages < r->pages_min || f->pages > r->pages_max))
    return (false);
  if (r->color_min >= 0 && (color < r->color_min || color > r->color_max))
    return (false);

  return (when_match(r, f->now));
}


/*
 * 'text_add()' - Append one change's sentence (" Printed ... (rule NAME).")
 *                to the decision's text (bounded; what does not fit is
 *                cut).
 */

static void
text_add(gw_policy_decision_t *d, const char *what, const char *rule)
{
  size_t len = strlen(d->text);

  if (len < sizeof(d->text) - 1)
    snprintf(d->text + len, sizeof(d->text) - len, " %s (rule %s).", what, rule);
}


/*
 * 'apply_rule()' - Add a matching rule's changes and quotas to d.  The
 *                  strictest cap and the shortest retention win (their
 *                  rules are kept for the sentence, written at the end).
 */

static void
apply_rule(const _gw_rule_t *r, const _gw_policy_facts_t *f, gw_policy_decision_t *d, const char **cap_rule, const char **retention_rule)
{

  if (r->mono && !d->force_mono)
  {
    d->force_mono = true;
    if (!f->mono)
      text_add(d, "Printed in black and white", r->name);
  }
  if (r->duplex && !d->force_duplex)
  {
    d->force_duplex = true;
    text_add(d, "Printed two-sided", r->name);
  }
  if (r->max_pages && (!d->max_pages || r->max_pages < d->max_pages))
  {
    d->max_pages = r->max_pages;
    *cap_rule    = r->name;
  }
  if (r->retention && (!d->retention || r->retention < d->retention))
  {
    d->retention    = r->retention;
    *retention_rule = r->name;
  }
  if (r->watermark && !d->watermark)
  {
    d->watermark = true;
    text_add(d, "Printed with a watermark", r->name);
  }

  for (int k = 0; k < 2; k ++)
  {
    int                limit  = k ? r->quota_color : r->quota_pages;
    gw_policy_quota_t *q;

    if (!limit || d->num_quotas >= GW_POLICY_QUOTAS_MAX)
      continue;
    q = d->quotas + d->num_quotas ++;
    memset(q, 0, sizeof(*q));
    snprintf(q->rule, sizeof(q->rule), "%s", r->name);
    if (r->quota_per_group)
      snprintf(q->group, sizeof(q->group), "%s", r->groups);
    q->color     = k == 1;
    q->period    = k ? r->quota_color_period : r->quota_pages_period;
    q->limit     = limit;
    q->remaining = limit;
  }
}


/*
 * 'check_quotas()' - Fill in each quota's use and refuse the job when it
 *                    does not fit in one (a job that fills a quota exactly
 *                    fits).
 */

static void
check_quotas(const _gw_policy_facts_t *f, _gw_policy_usage_cb_t usage, void *data, gw_policy_decision_t *d)
{
  int copies = f->copies > 0 ? f->copies : 1;
  int pages  = d->max_pages && d->max_pages < f->pages ? d->max_pages : f->pages;
  int color  = (d->force_mono || f->mono) ? 0 : (f->color_pages < 0 ? pages : (f->color_pages < pages ? f->color_pages : pages));

  for (int i = 0; i < d->num_quotas; i ++)
  {
    gw_policy_quota_t *q = d->quotas + i;
    int                up = 0, uc = 0, need = (q->color ? color : pages) * copies;
    char               what[160], left[64];

    if (!usage(data, q->group[0] ? q->group : NULL, _gwPolicyPeriodStart(q->period, f->now), &up, &uc))
    {
      d->allowed = false;
      d->reason  = GW_REASON_INTERNAL;
      snprintf(d->rule, sizeof(d->rule), "%s", q->rule);
      snprintf(d->text, sizeof(d->text), "%s: not printed: the gateway could not read the quota of rule %s; try again later.", f->document ? f->document : "job", q->rule);
      return;
    }
    q->used      = q->color ? uc : up;
    q->remaining = q->used >= q->limit ? 0 : q->limit - q->used;

    if (need > q->remaining && d->allowed)
    {
      d->allowed = false;
      d->reason  = GW_REASON_QUOTA_EXCEEDED;
      snprintf(d->rule, sizeof(d->rule), "%s", q->rule);
      if (q->group[0])
        snprintf(what, sizeof(what), "group %s", q->group);
      else
        snprintf(what, sizeof(what), "%s", f->user ? f->user : "you");
      snprintf(left, sizeof(left), "%d of %d", q->remaining, q->limit);
      snprintf(d->text, sizeof(d->text), "%s: not printed: it needs %d %s and %s has %s left this %s (rule %s); it stays held until the quota renews or an administrator changes it.", f->document ? f->document : "job", need, q->color ? "colour page(s)" : "page(s)", what, left, _gwPolicyPeriodName(q->period), q->rule);
    }
  }
}


/*
 * '_gwPolicyEvaluate()' - Evaluate a rule set against a job, in order.
 *
 * Every matching rule adds its changes (mono, duplex, page cap, retention,
 * watermark) and its quotas; a matching rule with "refuse" ends the
 * evaluation with a refusal, one with "allow" ends it with the changes
 * gathered so far.  No matching rule: allowed, unchanged.  Then, when
 * usage is given, each quota is checked with the job's real pages and
 * colour pages (after the changes: a job forced to mono uses no colour
 * quota).
 */

void
_gwPolicyEvaluate(const _gw_rules_t *rules, const _gw_policy_facts_t *f, _gw_policy_usage_cb_t usage, void *data, gw_policy_decision_t *d)
{
  const char *cap_rule = NULL, *retention_rule = NULL;
  char        what[64];

  memset(d, 0, sizeof(*d));
  d->allowed = true;

  for (int i = 0; rules && i < rules->count; i ++)
  {
    const _gw_rule_t *r = rules->rules[i];

    if (!rule_match(r, f))
      continue;

    d->matched ++;
    apply_rule(r, f, d, &cap_rule, &retention_rule);

    if (r->refuse)
    {
      d->allowed = false;
      d->reason  = GW_REASON_POLICY_REFUSED;
      snprintf(d->rule, sizeof(d->rule), "%s", r->name);
      snprintf(d->text, sizeof(d->text), "%s: refused by the print policy (rule %s): %s", f->document ? f->document : "job", r->name, r->refuse_text ? r->refuse_text : "this job may not be printed here; ask an administrator.");
      return;
    }
    if (r->allow)
      break;
  }

  if (usage && d->num_quotas > 0)
    check_quotas(f, usage, data, d);
  if (!d->allowed)
    return;

  if (cap_rule && f->pages > d->max_pages)
  {
    snprintf(what, sizeof(what), "Only pages 1-%d print", d->max_pages);
    text_add(d, what, cap_rule);
  }
  if (retention_rule && f->phase == GW_POLICY_SUBMIT)
  {
    snprintf(what, sizeof(what), "Held for %lld minute(s)", (long long)(d->retention + 59) / 60);
    text_add(d, what, retention_rule);
  }

  if (d->text[0])
  {
    /* " Printed in ..." -> "doc: Printed in ..." (the name cut to fit) */
    const char *doc  = f->document ? f->document : "job";
    size_t      len  = strlen(d->text + 1), dlen = strnlen(doc, 200);

    if (dlen + 2 + len >= sizeof(d->text))
      len = sizeof(d->text) - dlen - 3;
    memmove(d->text + dlen + 2, d->text + 1, len);
    d->text[dlen + 2 + len] = '\0';
    memcpy(d->text, doc, dlen);
    d->text[dlen]     = ':';
    d->text[dlen + 1] = ' ';
  }
}


/*
 * '_gwPolicyPeriodStart()' - Start of the day, week (Monday) or month that
 *                            holds 'now', in local time.
 */

int64_t
_gwPolicyPeriodStart(gw_policy_period_t period, int64_t now)
{
  time_t    t = (time_t)now;
  struct tm tm;

  if (!localtime_r(&t, &tm))
    return (now);

  tm.tm_hour  = tm.tm_min = tm.tm_sec = 0;
  tm.tm_isdst = -1;
  if (period == GW_POLICY_WEEK)
    tm.tm_mday -= (tm.tm_wday + 6) % 7;
  else if (period == GW_POLICY_MONTH)
    tm.tm_mday = 1;

  return ((int64_t)mktime(&tm));
}


/*
 * '_gwPolicyPeriodName()' - "day", "week", "month".
 */

const char *
_gwPolicyPeriodName(gw_policy_period_t period)
{
  return (period == GW_POLICY_WEEK ? "week" : period == GW_POLICY_MONTH ? "month" : "day");
}


/*
 * '_gwPolicyRoleName()' - The role= name of a role (gwRoleString()).
 */

const char *
_gwPolicyRoleName(gw_role_t role)
{
  return (gwRoleString(role));
}
