/*
 * job-options.c - the job-template values a job carries from submission to
 * release (copies, sides, colour, page ranges, N-up): checked once here,
 * with a sentence a person can act on, and copied into the job.
 *
 * They are applied at release (DESIGN.md section 4): the held document is
 * always the whole normalised PDF.
 */

#include "system-private.h"

#include <stdio.h>
#include <string.h>


/*
 * '_gwSystemJobOptionsCheck()' - Check submission options.  Returns false
 *                                with the sentence in text.  The sentence
 *                                never quotes the user's text.
 */

bool
_gwSystemJobOptionsCheck(const gw_job_options_t *options, char *text, size_t textsize)
{
  const char *error = NULL;

  if (!options)
    return (true);

  if (options->page_ranges && !gwJobPageRangesParse(options->page_ranges, NULL, NULL, &error))
  {
    snprintf(text, textsize, "The page ranges cannot be used: %s.", error);
    return (false);
  }

  if (options->number_up != 0 && !gwJobNumberUpValid(options->number_up))
  {
    snprintf(text, textsize, "Pages per side (number-up) must be 1, 2, 4, 6, 9 or 16.");
    return (false);
  }

  if (options->origin_ref && strlen(options->origin_ref) >= sizeof(((gw_job_t *)0)->origin_ref))
  {
    snprintf(text, textsize, "The front-end's reference for this job is too long.");
    return (false);
  }

  return (true);
}


/*
 * '_gwSystemJobOptionsApply()' - Copy checked page ranges (canonical form)
 *                                and number-up into a new job.
 */

void
_gwSystemJobOptionsApply(const gw_job_options_t *options, gw_job_t *job)
{
  gw_page_range_t ranges[GW_JOB_MAX_PAGE_RANGES];
  int             count = 0;

  job->page_ranges[0] = '\0';
  job->number_up      = options && options->number_up > 0 ? options->number_up : 1;

  if (options && options->page_ranges && gwJobPageRangesParse(options->page_ranges, ranges, &count, NULL))
    gwJobPageRangesFormat(ranges, count, job->page_ranges, sizeof(job->page_ranges));
}
