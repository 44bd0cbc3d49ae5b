/*
 * server-options.c - the job template attributes of Print-Job and
 * Validate-Job: checked against what the printer lists, turned into the
 * held job's options (copies, sides, colour, page ranges, N-up), the rest
 * accepted or ignored; `overrides` (options per page range) are refused,
 * since a held job has one set of options.  Values outside what is supported are echoed in the
 * unsupported group with client-error-attributes-or-values-not-supported.
 */

#include "server-private.h"

#include <stdio.h>
#include <string.h>


/*
 * 'unsupported()' - Echo an attribute in the unsupported group.
 */

static void
unsupported(gw_ipp_request_t *r, ipp_attribute_t *attr)
{
  ipp_attribute_t *copy;

  if (!r->unsupported && (r->unsupported = ippNew()) == NULL)
    return;
  if ((copy = ippCopyAttribute(r->unsupported, attr, 0)) != NULL)
    ippSetGroupTag(r->unsupported, &copy, IPP_TAG_UNSUPPORTED_GROUP);
}


/*
 * 'one_of()' - Is the attribute one keyword out of a list?
 */

static bool
one_of(ipp_attribute_t *attr, const char * const *list)
{
  const char *value;

  if (ippGetCount(attr) != 1 || (ippGetValueTag(attr) != IPP_TAG_KEYWORD && ippGetValueTag(attr) != IPP_TAG_NAME))
    return (false);
  if ((value = ippGetString(attr, 0, NULL)) == NULL)
    return (false);
  for (; *list; list ++)
    if (!strcmp(value, *list))
      return (true);
  return (false);
}


/*
 * 'one_int()' - Is the attribute one integer/enum within min..max?
 */

static bool
one_int(ipp_attribute_t *attr, ipp_tag_t tag, int min, int max)
{
  return (ippGetCount(attr) == 1 && ippGetValueTag(attr) == tag && ippGetInteger(attr, 0) >= min && ippGetInteger(attr, 0) <= max);
}


/*
 * 'page_ranges()' - page-ranges (rangeOfInteger 1setOf) as "2-3,5" text,
 *                   checked by the core's parser.
 */

static bool
page_ranges(gw_ipp_request_t *r, ipp_attribute_t *attr)
{
  size_t len = 0;

  if (ippGetValueTag(attr) != IPP_TAG_RANGE || ippGetCount(attr) > GW_JOB_MAX_PAGE_RANGES)
    return (false);
  r->page_ranges[0] = '\0';
  for (int i = 0; i < ippGetCount(attr); i ++)
  {
    int upper, lower = ippGetRange(attr, i, &upper);
    int n = snprintf(r->page_ranges + len, sizeof(r->page_ranges) - len, "%s%d-%d", i ? "," : "", lower, upper);

    if (n < 0 || (size_t)n >= sizeof(r->page_ranges) - len)
      return (false);
    len += (size_t)n;
  }
  if (!gwJobPageRangesParse(r->page_ranges, NULL, NULL, NULL))
    return (false);
  r->options.page_ranges = r->page_ranges;
  return (true);
}


/*
 * 'check_job_attribute()' - One job template attribute: true if taken or
 *                           knowingly ignored, false if its value is not
 *                           supported.
 */

static bool
check_job_attribute(gw_ipp_request_t *r, ipp_attribute_t *attr)
{
  static const char * const sides[]  = { "one-sided", "two-sided-long-edge", "two-sided-short-edge", NULL };
  static const char * const colors[] = { "auto", "color", "monochrome", NULL };
  static const char * const bins[]   = { "face-down", "auto", NULL };
  static const char * const sheets[] = { "none", NULL };
  static const char * const holds[]  = { "no-hold", "indefinite", NULL };
  const char *name = ippGetName(attr);

  if (!strcmp(name, "copies") && one_int(attr, IPP_TAG_INTEGER, 1, 999))
    r->options.copies = ippGetInteger(attr, 0);
  else if (!strcmp(name, "sides") && one_of(attr, sides))
    r->options.sides = ippGetString(attr, 0, NULL);
  else if (!strcmp(name, "print-color-mode") && one_of(attr, colors))
    r->options.color_mode = ippGetString(attr, 0, NULL);
  else if (!strcmp(name, "number-up") && one_int(attr, IPP_TAG_INTEGER, 1, 16) && gwJobNumberUpValid(ippGetInteger(attr, 0)))
    r->options.number_up = ippGetInteger(attr, 0);
  else if (!strcmp(name, "page-ranges"))
    return (page_ranges(r, attr));
  else if (!strcmp(name, "media"))
    return (ippGetCount(attr) == 1 && (ippGetValueTag(attr) == IPP_TAG_KEYWORD || ippGetValueTag(attr) == IPP_TAG_NAME) &&
            _gwIppMediaSupported(ippGetString(attr, 0, NULL)));
  else if (!strcmp(name, "media-col") || !strcmp(name, "printer-resolution") || !strcmp(name, "job-name") ||
           !strcmp(name, "print-content-optimize") || !strcmp(name, "print-rendering-intent") || !strcmp(name, "print-scaling") ||
           !strcmp(name, "multiple-document-handling") || !strcmp(name, "job-account-id") || !strcmp(name, "job-accounting-user-id"))
    return (ippGetCount(attr) >= 1);
  else if (!strcmp(name, "orientation-requested"))
    return (one_int(attr, IPP_TAG_ENUM, IPP_ORIENT_PORTRAIT, IPP_ORIENT_NONE));
  else if (!strcmp(name, "print-quality"))
    return (one_int(attr, IPP_TAG_ENUM, IPP_QUALITY_DRAFT, IPP_QUALITY_HIGH));
  else if (!strcmp(name, "finishings"))
    return (one_int(attr, IPP_TAG_ENUM, IPP_FINISHINGS_NONE, IPP_FINISHINGS_NONE));
  else if (!strcmp(name, "job-priority"))
    return (one_int(attr, IPP_TAG_INTEGER, 1, 100));
  else if (!strcmp(name, "output-bin"))
    return (one_of(attr, bins));
  else if (!strcmp(name, "job-sheets"))
    return (one_of(attr, sheets));
  else if (!strcmp(name, "job-hold-until"))
    return (one_of(attr, holds));
  else if (!strcmp(name, "copies") || !strcmp(name, "sides") || !strcmp(name, "print-color-mode") || !strcmp(name, "number-up"))
    return (false);
  else if (!strcmp(name, "overrides"))
    return (false);                            /* Per-page options: a held job has one set (never silently dropped) */
  else
  {
    unsupported(r, attr);                      /* Not a template we know: ignored */
    r->ignored = true;
  }
  return (true);
}


/*
 * '_gwIppJobTemplateCheck()' - Check the operation's document and job
 *                              attributes.  false: r->response is set.
 */

bool
_gwIppJobTemplateCheck(gw_ipp_request_t *r)
{
  ipp_attribute_t *attr;
  bool             bad = false, fidelity = false;
  const char      *format = "application/octet-stream";

  memset(&r->options, 0, sizeof(r->options));
  snprintf(r->job_name, sizeof(r->job_name), "Untitled");

  if ((attr = ippFindAttribute(r->request, "compression", IPP_TAG_ZERO)) != NULL &&
      (ippGetCount(attr) != 1 || ippGetValueTag(attr) != IPP_TAG_KEYWORD || strcmp(ippGetString(attr, 0, NULL), "none")))
  {
    unsupported(r, attr);
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_COMPRESSION_NOT_SUPPORTED, "Only uncompressed documents are taken.");
    return (false);
  }
  if ((attr = ippFindAttribute(r->request, "document-format", IPP_TAG_ZERO)) != NULL)
  {
    if (ippGetCount(attr) != 1 || ippGetValueTag(attr) != IPP_TAG_MIMETYPE || !_gwIppFormatSupported(&r->printer, ippGetString(attr, 0, NULL)))
    {
      unsupported(r, attr);
      r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED, "This document format is not supported.");
      return (false);
    }
    format = ippGetString(attr, 0, NULL);
  }
  (void)format;
  if ((attr = ippFindAttribute(r->request, "job-name", IPP_TAG_NAME)) != NULL ||
      (attr = ippFindAttribute(r->request, "document-name", IPP_TAG_NAME)) != NULL)
    snprintf(r->job_name, sizeof(r->job_name), "%s", ippGetString(attr, 0, NULL));
  if ((attr = ippFindAttribute(r->request, "ipp-attribute-fidelity", IPP_TAG_BOOLEAN)) != NULL)
    fidelity = ippGetBoolean(attr, 0);

  for (attr = ippFirstAttribute(r->request); attr; attr = ippNextAttribute(r->request))
  {
    if (ippGetGroupTag(attr) != IPP_TAG_JOB || !ippGetName(attr))
      continue;
    if (!check_job_attribute(r, attr))
    {
      unsupported(r, attr);
      bad = true;
    }
  }

  if (bad || (fidelity && r->ignored))
  {
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_ATTRIBUTES_OR_VALUES, "Some job attributes or values are not supported.");
    return (false);
  }
  return (true);
}
