/*
 * test-policy.c - the print policy rule engine (policy-rule.c,
 * docs/policy.md): the rule-line parser (table of lines, accepted or
 * refused with what is wrong, and its bounds), then rules x jobs x
 * expected outcome (time windows across midnight and the week's end,
 * quotas at exactly the limit and one page over, a group rule against a
 * user rule in both orders, printer tags and locations, intake, format,
 * size), and the quota periods.  TZ is UTC so the times are fixed.
 */

#include "test.h"
#include "policy-private.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Times (UTC): 2025-12-01 is a Monday. */
#define MON_0000 1764547200
#define MON_0300 1764558000
#define MON_0600 1764568800
#define MON_1200 1764590400
#define MON_2200 1764626400
#define MON_2330 1764631800
#define TUE_0300 1764644400
#define SAT_0300 1764990000
#define SAT_1200 1765022400
#define SUN_2330 1764545400     /* 2025-11-30 */
#define SUN_2359 1765151940     /* 2025-12-07 */
#define WED_NOV26 1764158400
#define MON_NOV24 1763942400
#define NOV_01    1761955200


/* ---- The parser --------------------------------------------------------------- */

typedef struct parse_case_s
{
  const char *line;
  bool        ok;
  const char *why;              /* Refused: part of the error */
} parse_case_t;

static const parse_case_t parse_cases[] =
{
  { "a => allow", true, NULL },
  { "guests role=guest => mono quota-pages=10/day", true, NULL },
  { "night time=22:00-06:00 days=mon-fri => refuse=\"No printing at night.\"", true, NULL },
  { "q group=staff => quota-colour=5/week quota-per=group", true, NULL },
  { "q2 group=staff => quota-color=5/month", true, NULL },
  { "r user=alice,bob intake=mail,web format=jpeg,png size=1K-10M pages=-10 colour-pages=1- => watermark", true, NULL },
  { "t tag=lab,colour location=Floor* printer=lobby => duplex max-pages=20 retention=2h", true, NULL },
  { "at-s at=submit => monochrome", true, NULL },
  { "at-r at=release color-pages=5 => refuse", true, NULL },
  { "w days=fri-mon => allow", true, NULL },                      /* Wraps over the week's end */
  { "m time=00:00-24:00 => allow", true, NULL },
  { "esc => refuse=\"Say \\\"no\\\" \\\\ please\"", true, NULL },
  { "utf => refuse=\"Pas d'impression la nuit \xc3\xa0 l'\xc3\xa9tage.\"", true, NULL },
  { "   spaced\tuser=x   =>   allow   ", true, NULL },
  { "", false, "NAME [CONDITION" },
  { "lonely", false, "NAME [CONDITION" },
  { "a =>", false, "NAME [CONDITION" },
  { "a user=x =>", false, "at least one action" },
  { "a user=x allow", false, "KEY=VALUE" },
  { "bad/name => allow", false, "name is 1 to 63" },
  { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa => allow", false, "name is 1 to 63" },
  { "a colour=yes => allow", false, "unknown condition" },
  { "a user= => allow", false, "empty value" },
  { "a user=x,,y => allow", false, "empty value" },
  { "a user=x, => allow", false, "empty value" },
  { "a user=x user=y => allow", false, "given twice" },
  { "a => allow => mono", false, "given twice" },
  { "a => allow refuse", false, "both allow and refuse" },
  { "a => paint", false, "unknown or malformed action" },
  { "a => allow=yes", false, "unknown or malformed action" },
  { "a => max-pages=0", false, "unknown or malformed action" },
  { "a => max-pages=-1", false, "unknown or malformed action" },
  { "a => max-pages=100001", false, "unknown or malformed action" },
  { "a => retention=2y", false, "unknown or malformed action" },
  { "a => retention=367d", false, "unknown or malformed action" },
  { "a => quota-pages=10", false, "unknown or malformed action" },
  { "a => quota-pages=0/day", false, "unknown or malformed action" },
  { "a => quota-pages=10/year", false, "unknown or malformed action" },
  { "a => quota-pages=99999999999999999999/day", false, "unknown or malformed action" },
  { "a => quota-per=everyone", false, "unknown or malformed action" },
  { "a => quota-per=group quota-pages=1/day", false, "exactly one group" },
  { "a group=x,y => quota-per=group quota-pages=1/day", false, "exactly one group" },
  { "a group=st* => quota-per=group quota-pages=1/day", false, "exactly one group" },
  { "a group=x => quota-per=group", false, "needs quota-pages" },
  { "a at=never => allow", false, "submit or release" },
  { "a pages=abc => allow", false, "take a range" },
  { "a pages=5-3 => allow", false, "take a range" },
  { "a pages=- => allow", false, "take a range" },
  { "a pages=1-2-3 => allow", false, "take a range" },
  { "a size=10X => allow", false, "range of bytes" },
  { "a size=99999999G => allow", false, "range of bytes" },
  { "a time=22:00 => allow", false, "HH:MM-HH:MM" },
  { "a time=25:00-06:00 => allow", false, "HH:MM-HH:MM" },
  { "a time=22:60-06:00 => allow", false, "HH:MM-HH:MM" },
  { "a time=10:00-10:00 => allow", false, "HH:MM-HH:MM" },
  { "a time=2:00-6:00 => allow", false, "HH:MM-HH:MM" },
  { "a days=funday => allow", false, "mon-fri" },
  { "a days=mon- => allow", false, "mon-fri" },
  { "a days=mon,,tue => allow", false, "mon-fri" },
  { "a days=monday => allow", false, "mon-fri" },
  { "a => refuse=\"open", false, "not closed" },
  { "a => refuse=\"\"", false, "1 to 255 bytes" },
  { "a => refuse=\"\xff\xfe\"", false, "UTF-8" },
  { "a => refuse=\"\xc0\xaf\"", false, "UTF-8" },               /* Overlong '/' */
  { "a => refuse=\"\xed\xa0\x80\"", false, "UTF-8" },           /* A surrogate */
  { "a => refuse=\"bell\x07\"", false, "control character" },
};


/*
 * 'test_parse()' - The table of lines, then the bounds.
 */

static void
test_parse(void)
{
  _gw_rule_t  rule;
  const char *error;
  char        line[2100];
  int         lineno;
  _gw_rules_t rules;

  TEST_BEGIN("rule lines");
  for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i ++)
  {
    const parse_case_t *c = parse_cases + i;
    bool                ok;

    error = NULL;
    ok    = _gwRuleParse(c->line, strlen(c->line), &rule, &error);
    if (c->ok)
      TEST_CHECKF(ok, "\"%s\" refused: %s", c->line, error ? error : "?");
    else
      TEST_CHECKF(!ok && error && strstr(error, c->why), "\"%s\": %s, want \"%s\"", c->line, ok ? "accepted" : error ? error : "no error", c->why);
  }

  /* What a parse keeps. */
  TEST_CHECK(_gwRuleParse(parse_cases[11].line, strlen(parse_cases[11].line), &rule, &error) && !strcmp(rule.refuse_text, "Say \"no\" \\ please"));
  TEST_CHECK(_gwRuleParse("  spaced\tuser=x  =>  allow  \r\n", 30, &rule, &error) && !strcmp(rule.name, "spaced") && !strcmp(rule.line, "spaced\tuser=x  =>  allow") && !strcmp(rule.users, "x"));
  TEST_CHECK(_gwRuleParse("w days=fri-mon => allow", 23, &rule, &error) && rule.days == ((1u << 5) | (1u << 6) | (1u << 0) | (1u << 1)));
  TEST_CHECK(_gwRuleParse("s size=1K-10M => allow", 22, &rule, &error) && rule.size_min == 1024 && rule.size_max == 10 * 1024 * 1024);
  TEST_CHECK(_gwRuleParse("r => retention=90m", 18, &rule, &error) && rule.retention == 5400);
  /* The length given is the length used: a NUL-free prefix of a longer line. */
  TEST_CHECK(_gwRuleParse("a => allow mono", 10, &rule, &error) && rule.allow && !rule.mono);

  TEST_BEGIN("rule bounds");
  memset(line, 'x', sizeof(line));
  memcpy(line, "long => refuse=\"", 16);
  memcpy(line + 1020, "\"", 2);                          /* 1,021 bytes: too long a sentence */
  TEST_CHECK(!_gwRuleParse(line, strlen(line), &rule, &error) && strstr(error, "1 to 255"));
  memset(line, 'x', sizeof(line));
  line[sizeof(line) - 1] = '\0';
  TEST_CHECK(!_gwRuleParse(line, strlen(line), &rule, &error) && strstr(error, "longer than 1024"));
  snprintf(line, sizeof(line), "many");
  for (int i = 0; i < 32; i ++)
    snprintf(line + 4 + 5 * i, sizeof(line) - 4 - 5 * (size_t)i, " mono");
  TEST_CHECK(!_gwRuleParse(line, strlen(line), &rule, &error) && strstr(error, "too many words"));
  TEST_CHECK(!_gwRuleParse("a => allow\nb => allow", 21, &rule, &error) && strstr(error, "control character"));
  TEST_CHECK(!_gwRuleParse("a => refuse=\"x\0y\"", 17, &rule, &error) && strstr(error, "control character"));

  /* A rule file: comments, blank lines, the line number of an error, names unique, 1,000 rules at most. */
  TEST_BEGIN("rule files");
  _gwRulesInit(&rules);
  TEST_CHECK(_gwRulesParseText("# c\n\n  \na => allow\r\n  # indented\nb => mono", 42, &rules, &lineno, &error) && rules.count == 2 && lineno == 0);
  TEST_CHECK(!strcmp(rules.rules[1]->name, "b") && rules.rules[1]->mono);
  _gwRulesFree(&rules);
  TEST_CHECK(!_gwRulesParseText("a => allow\n\nb => bad\nc => allow\n", 33, &rules, &lineno, &error) && lineno == 3 && strstr(error, "malformed"));
  _gwRulesFree(&rules);
  TEST_CHECK(!_gwRulesParseText("a => allow\nA => mono\n", 21, &rules, &lineno, &error) && lineno == 2 && strstr(error, "exists"));
  _gwRulesFree(&rules);
  {
    size_t size = 1001 * 24 + 1, len = 0;
    char  *text = malloc(size);

    for (int i = 0; text && i < 1001; i ++)
      len += (size_t)snprintf(text + len, size - len, "r%d => allow\n", i);
    TEST_CHECK(text && !_gwRulesParseText(text, len, &rules, &lineno, &error) && lineno == 1001 && strstr(error, "too many rules") && rules.count == 1000);
    _gwRulesFree(&rules);
    TEST_CHECK(text && !_gwRulesParseText(text, GW_POLICY_FILE_MAX + 1, &rules, &lineno, &error) && strstr(error, "larger than 1 MB"));
    _gwRulesFree(&rules);

    /* A set that grows far past its first allocation: every rule's values
     * stay in that rule (found as a use after free under ASan before). */
    len = 0;
    for (int i = 0; text && i < 200; i ++)
      len += (size_t)snprintf(text + len, size - len, "u%d user=user%d => refuse=\"No %d.\"\n", i, i, i);
    TEST_CHECK(text && _gwRulesParseText(text, len, &rules, &lineno, &error) && rules.count == 200);
    {
      int inside = 0, right = 0;

      for (int i = 0; i < rules.count; i ++)
      {
        const _gw_rule_t *r = rules.rules[i];
        char              want[32];

        snprintf(want, sizeof(want), "user%d", i);
        inside += r->users >= r->buf && r->users < r->buf + sizeof(r->buf) && r->refuse_text >= r->buf && r->refuse_text < r->buf + sizeof(r->buf);
        right  += !strcmp(r->users, want);
      }
      TEST_CHECKF(inside == 200 && right == 200, "%d of 200 rules keep their values inside, %d right", inside, right);
    }
    {
      _gw_policy_facts_t   f;
      gw_policy_decision_t d;

      memset(&f, 0, sizeof(f));
      f.user  = "user0";
      f.pages = 1;
      f.now   = MON_1200;
      _gwPolicyEvaluate(&rules, &f, NULL, NULL, &d);
      TEST_CHECKF(!d.allowed && !strcmp(d.rule, "u0") && strstr(d.text, "No 0."), "first of 200 rules: %s", d.text);
      f.user = "user199";
      _gwPolicyEvaluate(&rules, &f, NULL, NULL, &d);
      TEST_CHECKF(!d.allowed && !strcmp(d.rule, "u199") && strstr(d.text, "No 199."), "last of 200 rules: %s", d.text);
    }
    free(text);
  }
  _gwRulesFree(&rules);
}


/* ---- Rules x jobs x outcome ------------------------------------------------------ */

typedef struct usage_s          /* What the fake usage table says */
{
  int     user_pages, user_color;
  int     group_pages, group_color;   /* For any group */
  int64_t since;                      /* Last period start asked for */
  int     calls;
} usage_t;

static bool
fake_usage(void *data, const char *group, int64_t since, int *pages, int *color)
{
  usage_t *u = (usage_t *)data;

  u->since = since;
  u->calls ++;
  *pages   = group ? u->group_pages : u->user_pages;
  *color   = group ? u->group_color : u->user_color;
  return (true);
}

typedef struct job_case_s
{
  const char *what;
  int         set;              /* Rule set index */
  gw_policy_phase_t phase;
  const char *user, *role, *groups; /* groups comma-separated, "" = none */
  const char *intake, *format;
  int64_t     size;
  int         pages, color_pages, copies;
  bool        mono;
  const char *printer, *location, *tags;
  int64_t     now;
  int         used_pages, used_color; /* The fake usage (user and group) */
  /* Expected */
  bool        allowed;
  gw_reason_t reason;
  const char *rule;             /* Refusing rule, or "" */
  unsigned    changes;          /* C_MONO | C_DUPLEX | C_WATERMARK */
  int         max_pages;
  int64_t     retention;
  const char *text;             /* Part of the sentence, or NULL (none: "" means the sentence is empty) */
} job_case_t;

#define C_MONO      1u
#define C_DUPLEX    2u
#define C_WATERMARK 4u

static const char * const rule_sets[] =
{
  /* 0: a site's policy */
  "admins role=admin => allow\n"
  "night time=22:00-06:00 days=mon-fri => refuse=\"No printing at night.\"\n"
  "weekend-mail days=sat,sun intake=mail => refuse=\"Mail printing is off at weekends.\"\n"
  "alice-ok user=alice => allow\n"
  "students group=students => mono duplex\n"
  "huge pages=101- => refuse\n"
  "cap pages=21-100 => max-pages=20\n"
  "guests role=guest => mono retention=2h quota-pages=10/day\n"
  "staff-colour group=staff => quota-colour=5/week\n"
  "staff-pages group=staff => quota-pages=100/month quota-per=group\n"
  "lab tag=lab location=Lab* => watermark\n"
  "big-images format=jpeg,png size=10M- => refuse=\"Large images: send a PDF.\"\n"
  "short-keep at=submit intake=web => retention=30m\n",

  /* 1: the group rule first, then the user rule (order decides) */
  "students group=students => mono\n"
  "alice-ok user=alice => allow\n",

  /* 2: no rules */
  "",

  /* 3: quotas only, both kinds, with copies; a window across the week's end */
  "q role=user => quota-pages=10/day quota-colour=4/week\n"
  "weekend days=sat-sun => refuse=\"Closed at weekends.\"\n"
  "sunday-night time=23:00-01:00 days=sun => refuse=\"Sunday night maintenance.\"\n"
};

static const job_case_t job_cases[] =
{
  /* what, set, phase, user, role, groups, intake, format, size, pages, colour, copies, mono, printer, location, tags, now, used p, used c,
     allowed, reason, rule, changes, max, retention, text */
  { "no rules: allowed, unchanged", 2, GW_POLICY_SUBMIT, "bob", "user", "", "ipp", "pdf", 1000, 3, 3, 1, false, NULL, NULL, "", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, "" },
  { "nothing matches: allowed", 0, GW_POLICY_SUBMIT, "bob", "user", "", "ipp", "pdf", 1000, 3, 3, 1, false, NULL, NULL, "", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, "" },
  { "admin allowed at night (allow first)", 0, GW_POLICY_SUBMIT, "root", "admin", "", "cli", "pdf", 1000, 3, 3, 1, false, NULL, NULL, "", MON_2330, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, "" },
  { "night: Monday 23:30 refused", 0, GW_POLICY_SUBMIT, "bob", "user", "", "ipp", "pdf", 1000, 3, 0, 1, false, NULL, NULL, "", MON_2330, 0, 0,
    false, GW_REASON_POLICY_REFUSED, "night", 0, 0, 0, "doc.pdf: refused by the print policy (rule night): No printing at night." },
  { "night: Monday 22:00 (start) refused", 0, GW_POLICY_RELEASE, "bob", "user", "", "ipp", "pdf", 1000, 3, 0, 1, false, "p", "", "", MON_2200, 0, 0,
    false, GW_REASON_POLICY_REFUSED, "night", 0, 0, 0, NULL },
  { "night: Tuesday 03:00 is Monday's night", 0, GW_POLICY_SUBMIT, "bob", "user", "", "ipp", "pdf", 1000, 3, 0, 1, false, NULL, NULL, "", TUE_0300, 0, 0,
    false, GW_REASON_POLICY_REFUSED, "night", 0, 0, 0, NULL },
  { "night: Monday 06:00 (end) allowed", 0, GW_POLICY_SUBMIT, "bob", "user", "", "ipp", "pdf", 1000, 3, 0, 1, false, NULL, NULL, "", MON_0600, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, "" },
  { "night: Monday 03:00 is Sunday's night (not mon-fri)", 0, GW_POLICY_SUBMIT, "bob", "user", "", "ipp", "pdf", 1000, 3, 0, 1, false, NULL, NULL, "", MON_0300, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, "" },
  { "night: Saturday 03:00 is Friday's night", 0, GW_POLICY_SUBMIT, "bob", "user", "", "ipp", "pdf", 1000, 3, 0, 1, false, NULL, NULL, "", SAT_0300, 0, 0,
    false, GW_REASON_POLICY_REFUSED, "night", 0, 0, 0, NULL },
  { "night: Sunday 23:30 allowed", 0, GW_POLICY_SUBMIT, "bob", "user", "", "ipp", "pdf", 1000, 3, 0, 1, false, NULL, NULL, "", SUN_2330, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, "" },
  { "weekend mail refused on Saturday", 0, GW_POLICY_SUBMIT, "bob", "user", "", "mail", "pdf", 1000, 3, 0, 1, false, NULL, NULL, "", SAT_1200, 0, 0,
    false, GW_REASON_POLICY_REFUSED, "weekend-mail", 0, 0, 0, "Mail printing is off at weekends." },
  { "weekend web allowed", 0, GW_POLICY_SUBMIT, "bob", "user", "", "web", "pdf", 1000, 3, 0, 1, false, NULL, NULL, "", SAT_1200, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 1800, "Held for 30 minute(s) (rule short-keep)." },
  { "weekend mail on Monday allowed", 0, GW_POLICY_SUBMIT, "bob", "user", "", "mail", "pdf", 1000, 3, 0, 1, false, NULL, NULL, "", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, "" },
  { "user rule before group rule: alice not mono", 0, GW_POLICY_SUBMIT, "alice", "user", "students", "ipp", "pdf", 1000, 3, 3, 1, false, NULL, NULL, "", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, "" },
  { "group rule: bob (student) mono and duplex", 0, GW_POLICY_SUBMIT, "bob", "user", "students", "ipp", "pdf", 1000, 3, 3, 1, false, NULL, NULL, "", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", C_MONO | C_DUPLEX, 0, 0, "doc.pdf: Printed in black and white (rule students). Printed two-sided (rule students)." },
  { "group rule first: alice (student) mono", 1, GW_POLICY_SUBMIT, "alice", "user", "students", "ipp", "pdf", 1000, 3, 3, 1, false, NULL, NULL, "", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", C_MONO, 0, 0, "Printed in black and white (rule students)." },
  { "group rule first: alice outside the group allowed", 1, GW_POLICY_SUBMIT, "alice", "user", "", "ipp", "pdf", 1000, 3, 3, 1, false, NULL, NULL, "", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, "" },
  { "group in a list of groups", 1, GW_POLICY_SUBMIT, "carol", "user", "staff,students", "ipp", "pdf", 1000, 3, 3, 1, false, NULL, NULL, "", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", C_MONO, 0, 0, NULL },
  { "already mono: no sentence for mono", 0, GW_POLICY_SUBMIT, "bob", "user", "students", "ipp", "pdf", 1000, 3, 0, 1, true, NULL, NULL, "", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", C_MONO | C_DUPLEX, 0, 0, "doc.pdf: Printed two-sided (rule students)." },
  { "101 pages refused with the default sentence", 0, GW_POLICY_SUBMIT, "bob", "user", "", "ipp", "pdf", 1000, 101, 0, 1, false, NULL, NULL, "", MON_1200, 0, 0,
    false, GW_REASON_POLICY_REFUSED, "huge", 0, 0, 0, "may not be printed here" },
  { "100 pages capped at 20", 0, GW_POLICY_SUBMIT, "bob", "user", "", "ipp", "pdf", 1000, 100, 0, 1, false, NULL, NULL, "", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", 0, 20, 0, "Only pages 1-20 print (rule cap)." },
  { "20 pages not capped", 0, GW_POLICY_SUBMIT, "bob", "user", "", "ipp", "pdf", 1000, 20, 0, 1, false, NULL, NULL, "", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, "" },
  { "guest at submission: mono, 2h, no quota check", 0, GW_POLICY_SUBMIT, "gus", "guest", "", "web", "pdf", 1000, 30, 30, 1, false, NULL, NULL, "", MON_1200, 10, 0,
    true, GW_REASON_NONE, "", C_MONO, 20, 1800, "Held for 30 minute(s) (rule short-keep)." },
  { "guest quota: 6 used + 4 = exactly 10, allowed", 0, GW_POLICY_RELEASE, "gus", "guest", "", "web", "pdf", 1000, 4, 4, 1, false, "p", "", "", MON_1200, 6, 0,
    true, GW_REASON_NONE, "", C_MONO, 0, 7200, NULL },
  { "guest quota: 6 used + 5 = 11, refused", 0, GW_POLICY_RELEASE, "gus", "guest", "", "web", "pdf", 1000, 5, 0, 1, false, "p", "", "", MON_1200, 6, 0,
    false, GW_REASON_QUOTA_EXCEEDED, "guests", C_MONO, 0, 7200, "doc.pdf: not printed: it needs 5 page(s) and gus has 4 of 10 left this day (rule guests)" },
  { "guest quota: 3 pages x 2 copies with 4 used = 10, allowed", 0, GW_POLICY_RELEASE, "gus", "guest", "", "web", "pdf", 1000, 3, 0, 2, false, "p", "", "", MON_1200, 4, 0,
    true, GW_REASON_NONE, "", C_MONO, 0, 7200, NULL },
  { "guest quota: 3 pages x 2 copies with 5 used = 11, refused", 0, GW_POLICY_RELEASE, "gus", "guest", "", "web", "pdf", 1000, 3, 0, 2, false, "p", "", "", MON_1200, 5, 0,
    false, GW_REASON_QUOTA_EXCEEDED, "guests", C_MONO, 0, 7200, "needs 6 page(s)" },
  { "guest quota: over-used, a 0-page job still fits", 0, GW_POLICY_RELEASE, "gus", "guest", "", "web", "pdf", 1000, 0, 0, 1, false, "p", "", "", MON_1200, 12, 0,
    true, GW_REASON_NONE, "", C_MONO, 0, 7200, NULL },
  { "staff colour: 2 used + 3 colour = 5, allowed", 0, GW_POLICY_RELEASE, "sam", "user", "staff", "ipp", "pdf", 1000, 3, 3, 1, false, "p", "", "", MON_1200, 2, 2,
    true, GW_REASON_NONE, "", 0, 0, 0, NULL },
  { "staff colour: 3 used + 3 colour = 6, refused", 0, GW_POLICY_RELEASE, "sam", "user", "staff", "ipp", "pdf", 1000, 3, 3, 1, false, "p", "", "", MON_1200, 3, 3,
    false, GW_REASON_QUOTA_EXCEEDED, "staff-colour", 0, 0, 0, "needs 3 colour page(s) and sam has 2 of 5 left this week (rule staff-colour)" },
  { "staff colour: a mono job uses no colour quota", 0, GW_POLICY_RELEASE, "sam", "user", "staff", "ipp", "pdf", 1000, 3, 3, 1, true, "p", "", "", MON_1200, 3, 5,
    true, GW_REASON_NONE, "", 0, 0, 0, NULL },
  { "staff colour: unknown colour pages count as all", 0, GW_POLICY_RELEASE, "sam", "user", "staff", "ipp", "pdf", 1000, 3, -1, 1, false, "p", "", "", MON_1200, 3, 3,
    false, GW_REASON_QUOTA_EXCEEDED, "staff-colour", 0, 0, 0, NULL },
  { "group quota: 99 + 1 = 100, allowed", 0, GW_POLICY_RELEASE, "sam", "user", "staff", "ipp", "pdf", 1000, 1, 0, 1, false, "p", "", "", MON_1200, 99, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, NULL },
  { "group quota: 99 + 2 = 101, refused for the group", 0, GW_POLICY_RELEASE, "sam", "user", "staff", "ipp", "pdf", 1000, 2, 0, 1, false, "p", "", "", MON_1200, 99, 0,
    false, GW_REASON_QUOTA_EXCEEDED, "staff-pages", 0, 0, 0, "group staff has 1 of 100 left this month (rule staff-pages)" },
  { "lab printer: watermark", 0, GW_POLICY_RELEASE, "bob", "user", "", "ipp", "pdf", 1000, 2, 0, 1, false, "lab1", "Lab B", "lab,colour", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", C_WATERMARK, 0, 0, "Printed with a watermark (rule lab)." },
  { "lab tag elsewhere: no watermark", 0, GW_POLICY_RELEASE, "bob", "user", "", "ipp", "pdf", 1000, 2, 0, 1, false, "lab1", "Office", "lab", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, "" },
  { "printer rules never match at submission", 0, GW_POLICY_SUBMIT, "bob", "user", "", "ipp", "pdf", 1000, 2, 0, 1, false, NULL, NULL, "", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, "" },
  { "big jpeg refused", 0, GW_POLICY_SUBMIT, "bob", "user", "", "ipp", "jpeg", 11 * 1024 * 1024, 1, 1, 1, false, NULL, NULL, "", MON_1200, 0, 0,
    false, GW_REASON_POLICY_REFUSED, "big-images", 0, 0, 0, "Large images: send a PDF." },
  { "a big job of several documents with a JPEG inside refused", 0, GW_POLICY_SUBMIT, "bob", "user", "", "ipp", "multi,pdf,jpeg", 11 * 1024 * 1024, 1, 1, 1, false, NULL, NULL, "", MON_1200, 0, 0,
    false, GW_REASON_POLICY_REFUSED, "big-images", 0, 0, 0, "Large images: send a PDF." },
  { "a big job of several documents without an image allowed", 0, GW_POLICY_SUBMIT, "bob", "user", "", "ipp", "multi,pdf,text-utf-8,jpe", 11 * 1024 * 1024, 1, 1, 1, false, NULL, NULL, "", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, "" },
  { "small jpeg allowed", 0, GW_POLICY_SUBMIT, "bob", "user", "", "ipp", "JPEG", 9 * 1024 * 1024, 1, 1, 1, false, NULL, NULL, "", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, "" },
  { "big pdf allowed", 0, GW_POLICY_SUBMIT, "bob", "user", "", "ipp", "pdf", 11 * 1024 * 1024, 1, 1, 1, false, NULL, NULL, "", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, "" },
  { "short-keep only at submission", 0, GW_POLICY_RELEASE, "bob", "user", "", "web", "pdf", 1000, 1, 0, 1, false, "p", "", "", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, "" },
  { "quota set: 10/day exactly", 3, GW_POLICY_RELEASE, "u", "user", "", "ipp", "pdf", 1000, 5, 0, 2, false, "p", "", "", MON_1200, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, NULL },
  { "quota set: colour 4/week, 2 colour x 2 copies with 1 used, refused", 3, GW_POLICY_RELEASE, "u", "user", "", "ipp", "pdf", 1000, 2, 2, 2, false, "p", "", "", MON_1200, 0, 1,
    false, GW_REASON_QUOTA_EXCEEDED, "q", 0, 0, 0, "needs 4 colour page(s)" },
  { "week's end: Saturday refused", 3, GW_POLICY_SUBMIT, "u", "admin", "", "ipp", "pdf", 1000, 1, 0, 1, false, NULL, NULL, "", SAT_1200, 0, 0,
    false, GW_REASON_POLICY_REFUSED, "weekend", 0, 0, 0, "Closed at weekends." },
  { "week's end: Sunday 23:59 refused", 3, GW_POLICY_SUBMIT, "u", "admin", "", "ipp", "pdf", 1000, 1, 0, 1, false, NULL, NULL, "", SUN_2359, 0, 0,
    false, GW_REASON_POLICY_REFUSED, "weekend", 0, 0, 0, NULL },
  { "week's end: Monday 00:00 is Sunday night's window", 3, GW_POLICY_SUBMIT, "u", "admin", "", "ipp", "pdf", 1000, 1, 0, 1, false, NULL, NULL, "", MON_0000, 0, 0,
    false, GW_REASON_POLICY_REFUSED, "sunday-night", 0, 0, 0, "Sunday night maintenance." },
  { "week's end: Monday 03:00 allowed", 3, GW_POLICY_SUBMIT, "u", "admin", "", "ipp", "pdf", 1000, 1, 0, 1, false, NULL, NULL, "", MON_0300, 0, 0,
    true, GW_REASON_NONE, "", 0, 0, 0, "" },
};


/*
 * 'set_facts()' - A case's facts (groups and tags split into buf).
 */

static void
set_facts(const job_case_t *c, _gw_policy_facts_t *f, char *buf, size_t bufsize)
{
  char *p;

  memset(f, 0, sizeof(*f));
  f->phase       = c->phase;
  f->user        = c->user;
  f->role        = c->role;
  f->intake      = c->intake;
  f->format      = c->format;
  f->size        = c->size;
  f->pages       = c->pages;
  f->color_pages = c->color_pages;
  f->copies      = c->copies;
  f->mono        = c->mono;
  f->printer     = c->printer;
  f->location    = c->location;
  f->now         = c->now;
  f->document    = "doc.pdf";

  snprintf(buf, bufsize, "%s|%s", c->groups, c->tags);
  p = buf;
  for (int list = 0; list < 2; list ++)
  {
    char *end = strchr(p, list ? '\0' : '|');

    *end = '\0';
    while (*p)
    {
      char *comma = strchr(p, ',');

      if (comma)
        *comma = '\0';
      if (list)
        f->tags[f->num_tags ++] = p;
      else
        f->groups[f->num_groups ++] = p;
      p = comma ? comma + 1 : p + strlen(p);
    }
    p = end + 1;
  }
}


/*
 * 'test_evaluate()' - Every case against its rule set.
 */

static void
test_evaluate(void)
{
  _gw_rules_t          sets[sizeof(rule_sets) / sizeof(rule_sets[0])];
  const char          *error = NULL;
  int                  lineno;
  char                 buf[256];
  _gw_policy_facts_t   f;
  gw_policy_decision_t d;

  TEST_BEGIN("rules x jobs");
  for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i ++)
  {
    _gwRulesInit(sets + i);
    TEST_CHECKF(_gwRulesParseText(rule_sets[i], strlen(rule_sets[i]), sets + i, &lineno, &error), "set %d line %d: %s", (int)i, lineno, error);
  }

  for (size_t i = 0; i < sizeof(job_cases) / sizeof(job_cases[0]); i ++)
  {
    const job_case_t *c = job_cases + i;
    usage_t           u = { c->used_pages, c->used_color, c->used_pages, c->used_color, 0, 0 };
    unsigned          changes;
    bool              ok;

    set_facts(c, &f, buf, sizeof(buf));
    _gwPolicyEvaluate(sets + c->set, &f, c->phase == GW_POLICY_RELEASE ? fake_usage : NULL, &u, &d);

    changes = (d.force_mono ? C_MONO : 0) | (d.force_duplex ? C_DUPLEX : 0) | (d.watermark ? C_WATERMARK : 0);
    ok = d.allowed == c->allowed && d.reason == c->reason && !strcmp(d.rule, c->rule) && changes == c->changes &&
         d.max_pages == c->max_pages && d.retention == c->retention &&
         (!c->text || (c->text[0] ? strstr(d.text, c->text) != NULL : d.text[0] == '\0'));
    TEST_CHECKF(ok, "%s: allowed %d reason %s rule \"%s\" changes %u max %d retention %lld text \"%s\"", c->what, d.allowed, gwReasonCode(d.reason), d.rule, changes, d.max_pages, (long long)d.retention, d.text);
  }

  /* Quotas are listed (not checked) without a usage callback; with one, each is asked for its period. */
  {
    job_case_t c = job_cases[24];       /* The 6 + 5 guest */
    usage_t    u = { 6, 0, 6, 0, 0, 0 };

    set_facts(&c, &f, buf, sizeof(buf));
    _gwPolicyEvaluate(sets + 0, &f, NULL, NULL, &d);
    TEST_CHECK(d.allowed && d.num_quotas == 1 && d.quotas[0].limit == 10 && d.quotas[0].remaining == 10);
    _gwPolicyEvaluate(sets + 0, &f, fake_usage, &u, &d);
    TEST_CHECK(!d.allowed && u.calls == 1 && u.since == MON_0000 && d.quotas[0].used == 6 && d.quotas[0].remaining == 4);
  }

  for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i ++)
    _gwRulesFree(sets + i);
}


/*
 * 'test_periods()' - Quota periods start at local midnight, Monday, the 1st.
 */

static void
test_periods(void)
{
  TEST_BEGIN("quota periods");
  TEST_CHECK(_gwPolicyPeriodStart(GW_POLICY_DAY, MON_1200) == MON_0000);
  TEST_CHECK(_gwPolicyPeriodStart(GW_POLICY_DAY, MON_0000) == MON_0000);
  TEST_CHECK(_gwPolicyPeriodStart(GW_POLICY_WEEK, WED_NOV26) == MON_NOV24);
  TEST_CHECK(_gwPolicyPeriodStart(GW_POLICY_WEEK, SUN_2330) == MON_NOV24);   /* Sunday belongs to the week before */
  TEST_CHECK(_gwPolicyPeriodStart(GW_POLICY_WEEK, MON_0000) == MON_0000);
  TEST_CHECK(_gwPolicyPeriodStart(GW_POLICY_MONTH, WED_NOV26) == NOV_01);
  TEST_CHECK(_gwPolicyPeriodStart(GW_POLICY_MONTH, SUN_2330) == NOV_01);
  TEST_CHECK(_gwPolicyPeriodStart(GW_POLICY_MONTH, MON_1200) == MON_0000);
  TEST_CHECK(!strcmp(_gwPolicyRoleName(GW_ROLE_GUEST), "guest") && !strcmp(_gwPolicyRoleName(GW_ROLE_ADMIN), "admin"));
}


int
main(void)
{
  setenv("TZ", "UTC", 1);
  tzset();

  test_parse();
  test_evaluate();
  test_periods();

  TEST_EXIT();
}
