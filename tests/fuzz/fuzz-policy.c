/*
 * fuzz-policy.c - libFuzzer harness for the policy rule-file parser
 *                 (_gwRulesParseText(), _gwRuleParse() in
 *                 gateway/policy-rule.c) and the evaluation of what it
 *                 accepts (_gwPolicyEvaluate()).
 *
 * The input is a rule file as an admin or configuration management gives
 * it (`printgate rule load FILE`).  Besides "no crash, no leak, no hang",
 * the harness checks: an accepted file has at most GW_POLICY_RULES_MAX
 * rules with valid, unique names; each rule's stored line parses again to
 * the same rule (name, conditions and actions); a refused file says which
 * line and why; evaluating the rules against a few jobs gives a decision
 * with a bounded, terminated sentence, at most GW_POLICY_QUOTAS_MAX quotas
 * and, when refused, a rule name and a reason.
 */

#include "policy-private.h"

#define GW_FUZZ_NAME "fuzz-policy"
#include "fuzz-common.h"

#include <string.h>
#include <strings.h>


/*
 * 'same_rule()' - Do two parses agree (everything but the pointers)?
 */

static bool
same_rule(const _gw_rule_t *a, const _gw_rule_t *b)
{
  return (!strcmp(a->name, b->name) && a->phases == b->phases && a->size_min == b->size_min && a->size_max == b->size_max &&
          a->pages_min == b->pages_min && a->pages_max == b->pages_max && a->color_min == b->color_min && a->color_max == b->color_max &&
          a->time_from == b->time_from && a->time_to == b->time_to && a->days == b->days && a->allow == b->allow && a->refuse == b->refuse &&
          a->mono == b->mono && a->duplex == b->duplex && a->watermark == b->watermark && a->max_pages == b->max_pages &&
          a->retention == b->retention && a->quota_pages == b->quota_pages && a->quota_color == b->quota_color &&
          a->quota_per_group == b->quota_per_group && !a->users == !b->users && !a->groups == !b->groups && !a->refuse_text == !b->refuse_text &&
          (!a->refuse_text || !strcmp(a->refuse_text, b->refuse_text)));
}


/*
 * 'usage()' - A usage table that is half used.
 */

static bool
usage(void *data, const char *group, int64_t since, int *pages, int *color)
{
  (void)data;
  (void)since;
  *pages = group ? 50 : 5;
  *color = group ? 20 : 2;
  return (true);
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  static _gw_rule_t    again;
  _gw_rules_t          rules;
  _gw_policy_facts_t   f;
  gw_policy_decision_t d;
  const char          *error = NULL;
  int                  line = -1;
  static const char   *roles[] = { "user", "guest", "admin" };

  if (size > 64 * 1024)
    return (0);

  _gwRulesInit(&rules);
  if (!_gwRulesParseText((const char *)data, size, &rules, &line, &error))
  {
    if (!error || !*error || line < 1)
      fail("a refusal without its line or reason");
    _gwRulesFree(&rules);
    return (0);
  }

  if (rules.count > GW_POLICY_RULES_MAX || line != 0)
    fail("too many rules, or a line number on success");

  for (int i = 0; i < rules.count; i ++)
  {
    const _gw_rule_t *r = rules.rules[i];

    if (!_gwPolicyNameValid(r->name, strlen(r->name)) || strlen(r->line) > GW_POLICY_LINE_MAX)
      fail("an invalid name or line was accepted");
    if ((r->users && (r->users < r->buf || r->users >= r->buf + sizeof(r->buf))) || (r->refuse_text && (r->refuse_text < r->buf || r->refuse_text >= r->buf + sizeof(r->buf))))
      fail("a rule's values are not in its own buffer");
    for (int j = 0; j < i; j ++)
    {
      if (!strcasecmp(rules.rules[j]->name, r->name))
        fail("two rules by one name");
    }
    if (!_gwRuleParse(r->line, strlen(r->line), &again, &error) || !same_rule(r, &again))
      fail("a stored line does not parse back to the same rule");
    if (r->refuse_text && (strlen(r->refuse_text) < 1 || strlen(r->refuse_text) > GW_POLICY_TEXT_MAX))
      fail("a refusal sentence out of bounds");
  }

  /* Evaluate against a few jobs at both phases. */
  for (int k = 0; k < 6; k ++)
  {
    memset(&f, 0, sizeof(f));
    f.phase       = k & 1 ? GW_POLICY_RELEASE : GW_POLICY_SUBMIT;
    f.user        = "alice";
    f.role        = roles[k % 3];
    f.groups[0]   = "staff";
    f.num_groups  = k > 2 ? 1 : 0;
    f.intake      = k & 2 ? "mail" : "ipp";
    f.format      = "pdf";
    f.size        = (int64_t)k * 4 * 1024 * 1024;
    f.pages       = k * 7;
    f.color_pages = k == 5 ? -1 : k;
    f.copies      = k;
    f.printer     = k & 1 ? "lobby" : NULL;
    f.location    = "Floor 2";
    f.tags[0]     = "colour";
    f.num_tags    = 1;
    f.now         = 1764590400 + k * 40000;
    f.document    = "doc.pdf";

    _gwPolicyEvaluate(&rules, &f, f.phase == GW_POLICY_RELEASE ? usage : NULL, NULL, &d);
    if (memchr(d.text, '\0', sizeof(d.text)) == NULL || d.num_quotas < 0 || d.num_quotas > GW_POLICY_QUOTAS_MAX || d.matched > rules.count)
      fail("a decision out of bounds");
    if (!d.allowed && (!d.rule[0] || d.reason == GW_REASON_NONE || !d.text[0]))
      fail("a refusal without its rule, reason or sentence");
    if (d.max_pages < 0 || d.retention < 0)
      fail("a negative cap or retention");
  }

  _gwRulesFree(&rules);
  return (0);
}
