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
 * '_gwSystemJobOptionsValid()' - Every check of a job's options, for a
 *                                user of this role: copies, the sides and
 *                                colour keywords, page ranges, number-up,
 *                                and the guest policy (black and white).
 *                                False with the sentence in text.
 */

bool
_gwSystemJobOptionsValid(const gw_job_options_t *options, gw_role_t role, char *text, size_t textsize)
{
  if (!options)
    return (true);

  if (options->copies != 0 && !gwJobCopiesValid(options->copies))
  {
    snprintf(text, textsize, "Copies must be between 1 and 999.");
    return (false);
  }
  if ((options->sides && !gwJobSidesValid(options->sides)) || (options->color_mode && !gwJobColorModeValid(options->color_mode)))
  {
    snprintf(text, textsize, "Sides must be one-sided, two-sided-long-edge or two-sided-short-edge, and colour auto, color or monochrome.");
    return (false);
  }
  if (!_gwSystemJobOptionsCheck(options, text, textsize))
    return (false);
  if (role == GW_ROLE_GUEST && options->color_mode && !strcmp(options->color_mode, "color"))
  {
    snprintf(text, textsize, "Guest accounts print in black and white only; choose monochrome.");
    return (false);
  }

  return (true);
}


/*
 * '_gwSystemJobOptionsSet()' - Set all of a job's options from checked
 *                              ones (defaults where absent; guests always
 *                              black and white).
 */

void
_gwSystemJobOptionsSet(const gw_job_options_t *options, gw_role_t role, gw_job_t *job)
{
  job->copies = options && options->copies > 0 ? options->copies : 1;
  snprintf(job->sides, sizeof(job->sides), "%s", options && options->sides ? options->sides : "one-sided");
  snprintf(job->color_mode, sizeof(job->color_mode), "%s", role == GW_ROLE_GUEST ? "monochrome" : options && options->color_mode ? options->color_mode : "auto");
  _gwSystemJobOptionsApply(options, job);
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
