/*
 * mail-subject.c - job options in a mail's subject (docs/mail.md,
 * "Subject options").  The grammar is strict and small: words separated by
 * white space; these words are options (case-insensitive), anywhere in the
 * subject, a later one overriding an earlier one:
 *
 *   copies=N        1 to 999
 *   duplex|simplex  two-sided-long-edge | one-sided
 *   mono|color      monochrome | color ("colour", "monochrome", "bw" too)
 *   pages=R         page ranges "1-3,7" (applied at release)
 *   body            print the text body as well
 *
 * Any other word holding '=' (a misspelt or unknown option, or a bad
 * value) is ignored and named in the reply; every other word is the
 * subject's own text.  Only the first 998 bytes (RFC 5322's line) are read.
 */

#include "mail-private.h"
#include "printgate/job.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SUBJECT_MAX 998


/*
 * 'parse_copies()' - "N" with 1 <= N <= 999, digits only.
 */

static bool
parse_copies(const char *s, int *copies)
{
  int n = 0;

  if (!*s || strlen(s) > 3)
    return (false);
  for (; *s; s ++)
  {
    if (!isdigit((unsigned char)*s))
      return (false);
    n = n * 10 + (*s - '0');
  }
  if (!gwJobCopiesValid(n))
    return (false);
  *copies = n;

  return (true);
}


/*
 * 'apply_word()' - One word; false if it is option-like but not understood.
 */

static bool
apply_word(const char *w, gw_mail_options_t *o)
{
  gw_page_range_t ranges[GW_JOB_MAX_PAGE_RANGES];
  int             count;

  if (!strcasecmp(w, "duplex"))
    snprintf(o->sides, sizeof(o->sides), "two-sided-long-edge");
  else if (!strcasecmp(w, "simplex"))
    snprintf(o->sides, sizeof(o->sides), "one-sided");
  else if (!strcasecmp(w, "mono") || !strcasecmp(w, "monochrome") || !strcasecmp(w, "bw"))
    snprintf(o->color_mode, sizeof(o->color_mode), "monochrome");
  else if (!strcasecmp(w, "color") || !strcasecmp(w, "colour"))
    snprintf(o->color_mode, sizeof(o->color_mode), "color");
  else if (!strcasecmp(w, "body"))
    o->body = true;
  else if (!strncasecmp(w, "copies=", 7))
    return (parse_copies(w + 7, &o->copies));
  else if (!strncasecmp(w, "pages=", 6))
  {
    if (!gwJobPageRangesParse(w + 6, ranges, &count, NULL) ||
        !gwJobPageRangesFormat(ranges, count, o->page_ranges, sizeof(o->page_ranges)))
      return (false);
  }
  else if (strchr(w, '='))
    return (false);

  return (true);
}


/*
 * 'gwMailSubjectParse()' - Read the options of a (decoded) subject.
 */

void
gwMailSubjectParse(const char *subject, gw_mail_options_t *options)
{
  char        word[128];
  size_t      len;
  const char *s = subject ? subject : "", *end;

  memset(options, 0, sizeof(*options));
  end = s + strnlen(s, SUBJECT_MAX);

  while (s < end)
  {
    while (s < end && isspace((unsigned char)*s))
      s ++;
    for (len = 0; s < end && !isspace((unsigned char)*s); s ++)
      if (len + 1 < sizeof(word))
        word[len ++] = *s;
    word[len] = '\0';
    if (!len || apply_word(word, options))
      continue;

    if (options->unknown_count < GW_MAIL_SUBJECT_UNKNOWN_MAX)
      gwMailFilenameClean(word, options->unknown[options->unknown_count], sizeof(options->unknown[0]));
    options->unknown_count ++;
  }
}
