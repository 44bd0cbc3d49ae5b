/*
 * server-ops.c - the operations: common checks (RFC 8011 §4.1), the one
 * authentication point, Get-Printer-Attributes, Validate-Job, Print-Job
 * (the document streamed into the core's submission, answered once it is
 * durably stored), Identify-Printer; the job operations are in
 * server-jobs.c.
 */

#include "server-private.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>


/*
 * '_gwIppResponseNew()' - A response with the request's version and id,
 *                         the charset and language, and a status message.
 */

ipp_t *
_gwIppResponseNew(gw_ipp_request_t *r, ipp_status_t status, const char *message)
{
  ipp_t *response;
  int    major = 2, minor = 0;

  if (r->request)
    major = ippGetVersion(r->request, &minor);
  else if ((major = gwIppReaderVersion(r->reader, &minor)) == 0)
  {
    major = 1;                                 /* Unknown or unsupported: answer in 1.1 */
    minor = 1;
  }
  if ((response = ippNew()) == NULL)
    return (NULL);
  ippSetVersion(response, major, minor);
  ippSetRequestId(response, r->request ? ippGetRequestId(r->request) : gwIppReaderRequestId(r->reader));
  ippSetStatusCode(response, status);
  ippAddString(response, IPP_TAG_OPERATION, IPP_TAG_CHARSET, "attributes-charset", NULL, "utf-8");
  ippAddString(response, IPP_TAG_OPERATION, IPP_TAG_LANGUAGE, "attributes-natural-language", NULL, "en");
  if (message)
    ippAddString(response, IPP_TAG_OPERATION, IPP_TAG_TEXT, "status-message", NULL, message);
  if (r->unsupported)
    ippCopyAttributes(response, r->unsupported, 0, NULL, NULL);
  return (response);
}


/*
 * 'check_operation()' - RFC 8011 §4.1.4/§4.1.5: charset, language and the
 *                       target come first.  false: r->response is set.
 */

static bool
check_operation(gw_ipp_request_t *r)
{
  ipp_attribute_t *charset = ippFirstAttribute(r->request);
  ipp_attribute_t *language = ippNextAttribute(r->request);
  ipp_attribute_t *target = ippNextAttribute(r->request);
  const char      *value;

  if (!charset || ippGetGroupTag(charset) != IPP_TAG_OPERATION || ippGetValueTag(charset) != IPP_TAG_CHARSET ||
      strcmp(ippGetName(charset), "attributes-charset") || ippGetCount(charset) != 1 ||
      !language || ippGetGroupTag(language) != IPP_TAG_OPERATION || ippGetValueTag(language) != IPP_TAG_LANGUAGE ||
      strcmp(ippGetName(language), "attributes-natural-language") || ippGetCount(language) != 1)
  {
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_BAD_REQUEST, "attributes-charset and attributes-natural-language must come first.");
    return (false);
  }
  value = ippGetString(charset, 0, NULL);
  if (!value || (strcasecmp(value, "utf-8") && strcasecmp(value, "us-ascii")))
  {
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_CHARSET, "Only utf-8 is supported.");
    return (false);
  }
  if (!target || ippGetGroupTag(target) != IPP_TAG_OPERATION || ippGetValueTag(target) != IPP_TAG_URI || ippGetCount(target) != 1 ||
      (strcmp(ippGetName(target), "printer-uri") && strcmp(ippGetName(target), "job-uri")))
  {
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_BAD_REQUEST, "The request has no printer-uri or job-uri.");
    return (false);
  }
  return (true);
}


/*
 * '_gwIppAuthAnswer()' - What an authentication outcome means for the
 *                        request.  false: the answer is set (401, not-
 *                        authorized, busy) or the check is still running
 *                        (auth_pending: finish() defers the answer).
 */

bool
_gwIppAuthAnswer(gw_ipp_request_t *r, gw_ipp_auth_t auth)
{
  switch (auth)
  {
    case GW_IPP_AUTH_OK :
        return (true);
    case GW_IPP_AUTH_PENDING :
        r->auth_pending = true;
        return (false);
    case GW_IPP_AUTH_LOCKED :
        r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_NOT_AUTHORIZED, "Too many failed sign-ins: try again later.");
        return (false);
    case GW_IPP_AUTH_BAD_TOKEN :
        r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_NOT_AUTHORIZED, "This print URL is not valid; ask for a new one.");
        return (false);
    case GW_IPP_AUTH_PLAIN :
        r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_NOT_AUTHORIZED, "Plain ipp:// takes no credentials: print to the ipps:// address.");
        return (false);
    case GW_IPP_AUTH_BUSY :
        r->http_status = 503;
        r->response    = _gwIppResponseNew(r, IPP_STATUS_ERROR_BUSY, "The gateway is busy: try again in a moment.");
        return (false);
    default :
        r->http_status = 401;
        r->response    = _gwIppResponseNew(r, IPP_STATUS_ERROR_NOT_AUTHENTICATED, "Sign in to print.");
        return (false);
  }
}


/*
 * 'authenticate()' - Require an authenticated user.  A document operation
 *                    waits for a password check (the owner is needed
 *                    before the first document byte); the others let
 *                    finish() defer.
 */

static bool
authenticate(gw_ipp_request_t *r)
{
  return (_gwIppAuthAnswer(r, _gwIppAuthenticate(r, r->op == IPP_OP_PRINT_JOB || r->op == IPP_OP_SEND_DOCUMENT)));
}


/*
 * '_gwIppReasonStatus()' - The IPP status for a refused submission.
 */

ipp_status_t
_gwIppReasonStatus(gw_reason_t reason)
{
  switch (reason)
  {
    case GW_REASON_TOO_LARGE :      return (IPP_STATUS_ERROR_REQUEST_ENTITY);
    case GW_REASON_TOO_MANY_JOBS :  return (IPP_STATUS_ERROR_NOT_POSSIBLE);
    case GW_REASON_BUSY :           return (IPP_STATUS_ERROR_BUSY);
    case GW_REASON_BAD_OPTION :     return (IPP_STATUS_ERROR_ATTRIBUTES_OR_VALUES);
    case GW_REASON_UNKNOWN_USER :   return (IPP_STATUS_ERROR_NOT_AUTHORIZED);
    case GW_REASON_RESTRICTED :     return (IPP_STATUS_ERROR_NOT_POSSIBLE);
    case GW_REASON_UNSUPPORTED_FORMAT : return (IPP_STATUS_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED);
    case GW_REASON_EMPTY_DOCUMENT : return (IPP_STATUS_ERROR_BAD_REQUEST);   /* The client's to fix, not ours to retry */
    default :                       return (IPP_STATUS_ERROR_INTERNAL);
  }
}


/*
 * '_gwIppBeginSubmission()' - Print-Job's and Create-Job's submission,
 *                             which the document streams into.
 */

void
_gwIppBeginSubmission(gw_ipp_request_t *r)
{
  gw_actor_t  actor;
  gw_reason_t reason = GW_REASON_NONE;
  char        text[512];

  _gwIppActor(r, &actor);
  r->options.record_late = r->op == IPP_OP_PRINT_JOB;   /* Its row and its document in one commit (docs/ipp.md) */
  if ((r->sub = gwApiJobSubmit(r->sys, &actor, NULL, r->job_name, &r->options, -1, &reason, text, sizeof(text))) == NULL)
    r->response = _gwIppResponseNew(r, _gwIppReasonStatus(reason), text);
}


/*
 * 'plain_allowed()' - On the plain ipp:// listener (IppPlainPort): only
 *                     Get-Printer-Attributes, and nothing that carries a
 *                     credential or a token (neither is looked at: one
 *                     sent in clear must not be usable).  false:
 *                     r->response is set (never a 401, which would ask
 *                     for a password in clear).
 */

static bool
plain_allowed(gw_ipp_request_t *r)
{
  if (!r->plain)
    return (true);
  if (r->has_credentials || r->token_uri)
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_NOT_AUTHORIZED, "Plain ipp:// takes no credentials and no print URLs: use the ipps:// address.");
  else if (r->op != IPP_OP_GET_PRINTER_ATTRIBUTES)
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_NOT_AUTHORIZED, "Plain ipp:// only describes the printer: print to the ipps:// address.");
  return (!r->response);
}


/*
 * '_gwIppRequestHead()' - The attribute section is decoded: check it,
 *                         authenticate when the operation needs it, and
 *                         for Print-Job begin the submission.
 */

void
_gwIppRequestHead(gw_ipp_request_t *r)
{
  gw_ipp_auth_t auth;

  r->op = ippGetOperation(r->request);
  snprintf(r->printer_uri, sizeof(r->printer_uri), "%s://%s%s%s%s", r->plain ? "ipp" : "ipps", r->host, GW_IPP_RESOURCE, r->token_uri ? "/" : "", r->token_uri ? r->token : "");

  if (!check_operation(r) || !plain_allowed(r))
    return;

  switch (r->op)
  {
    case IPP_OP_GET_PRINTER_ATTRIBUTES :       /* Never needs a user */
        return;
    case IPP_OP_VALIDATE_JOB :                 /* On a token URI: no check at all (Windows loops on a refusal) */
        if (_gwIppJobTemplateCheck(r) && !r->token_uri)
          authenticate(r);
        return;
    case IPP_OP_CREATE_JOB :
        if (_gwIppJobTemplateCheck(r))
          authenticate(r);
        return;
    case IPP_OP_PRINT_JOB :
        if (!_gwIppJobTemplateCheck(r))
          return;
        /* Falls through */
    case IPP_OP_SEND_DOCUMENT :
        /*
         * The owner is needed before the first document byte.  A password
         * check still running: the caller pauses the body until it ends
         * (feed()), then calls _gwIppRequestHeadDoc().
         */

        if ((auth = _gwIppAuthenticate(r, !r->http)) == GW_IPP_AUTH_PENDING)
          r->head_wait = true;
        else
          _gwIppRequestHeadDoc(r, auth);
        return;
    case IPP_OP_CLOSE_JOB :
    case IPP_OP_CANCEL_MY_JOBS :
    case IPP_OP_GET_JOBS :
    case IPP_OP_GET_JOB_ATTRIBUTES :
    case IPP_OP_CANCEL_JOB :
    case IPP_OP_IDENTIFY_PRINTER :
        authenticate(r);
        return;
    default :
        r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_OPERATION_NOT_SUPPORTED, "This operation is not supported.");
        return;
  }
}


/*
 * '_gwIppRequestHeadDoc()' - Print-Job's or Send-Document's head once its
 *                            sender is known (auth PENDING: the check has
 *                            ended, or is waited for here when the body
 *                            could not be paused): begin the submission,
 *                            or take the created job.
 */

void
_gwIppRequestHeadDoc(gw_ipp_request_t *r, gw_ipp_auth_t auth)
{
  r->head_wait = false;
  if (auth == GW_IPP_AUTH_PENDING)
    auth = _gwIppAuthenticate(r, true);   /* The check has ended (or is waited for here) */
  if (!_gwIppAuthAnswer(r, auth))
    return;
  if (r->op == IPP_OP_PRINT_JOB)
    _gwIppBeginSubmission(r);
  else
    _gwIppSendDocumentHead(r);
}


/*
 * '_gwIppRequestData()' - Document data: into the submission, or dropped
 *                         when the request is already answered or takes
 *                         no document.
 */

void
_gwIppRequestData(gw_ipp_request_t *r, const char *buf, size_t len)
{
  if (!r->sub || r->response)
    return;
  if (!gwSubmissionWrite(r->sub, buf, len))
  {
    gw_reason_t reason = gwSubmissionReason(r->sub);

    r->response = _gwIppResponseNew(r, _gwIppReasonStatus(reason), gwSubmissionError(r->sub));
    gwSubmissionAbort(&r->sub, reason);
  }
}


/*
 * '_gwIppWant()' - ippCopyAttributes() filter: was the attribute asked for
 *                  (data: the requested names, NULL = all)?
 */

int
_gwIppWant(void *data, ipp_t *dst, ipp_attribute_t *attr)
{
  cups_array_t *requested = (cups_array_t *)data;

  (void)dst;
  return (!requested || cupsArrayFind(requested, (void *)ippGetName(attr)) != NULL);
}


/*
 * 'get_printer_attributes()' - The printer's attributes, as requested.
 */

static void
get_printer_attributes(gw_ipp_request_t *r)
{
  cups_array_t *requested = ippCreateRequestedArray(r->request);
  ipp_t        *attrs     = _gwIppPrinterAttributes(r, r->server ? r->server->started : time(NULL));

  r->response = _gwIppResponseNew(r, IPP_STATUS_OK, NULL);
  ippCopyAttributes(r->response, attrs, 0, _gwIppWant, requested);
  ippDelete(attrs);
  cupsArrayDelete(requested);
}


/*
 * 'commit_hold()' - Tests only (PRINTGATE_TEST_IPP_COMMIT_HOLD): the
 *                   document's commit waits until the named file exists
 *                   (60 s at most), so a test can see which threads a slow
 *                   commit stops.
 */

static void
commit_hold(gw_ipp_request_t *r)
{
  gwLog(gwSystemGetLog(r->sys), GW_LOG_INFO, "IPP Everywhere: a document commit waits for %s (PRINTGATE_TEST_IPP_COMMIT_HOLD, tests only).", r->server->commit_hold);
  for (int i = 0; i < 600 && access(r->server->commit_hold, F_OK) != 0; i ++)
    usleep(100000);
}


/*
 * '_gwIppSubmissionEnd()' - Print-Job's and Send-Document's end: commit
 *                           the document durably, answer with the job
 *                           (converting on the core's workers).
 */

void
_gwIppSubmissionEnd(gw_ipp_request_t *r)
{
  gw_job_t job;
  int      number = r->sub ? gwSubmissionJobNumber(r->sub) : 0;

  memset(&job, 0, sizeof(job));
  if (!r->sub)
  {
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_INTERNAL, "The document was not received.");
    return;
  }
  if (r->server && r->server->commit_hold)
    commit_hold(r);
  if (!gwSubmissionEnd(&r->sub, &job))
  {
    r->response = _gwIppResponseNew(r, _gwIppReasonStatus(job.reason), job.reason_text[0] ? job.reason_text : "The document could not be stored.");
    return;
  }
  if (job.number)
    number = job.number;

  gwLog(gwSystemGetLog(r->sys), GW_LOG_INFO, "IPP: job %d (%s) of %s received from %s.", number, job.id, r->user.name, r->client);
  _gwIppJobCreated(r, number, IPP_JSTATE_PROCESSING, "job-transforming", "Converting; the job will be held for you.");
}


/*
 * '_gwIppJobCreated()' - The answer to Print-Job, Create-Job and
 *                        Send-Document: the job's id, URI and state.
 */

void
_gwIppJobCreated(gw_ipp_request_t *r, int number, ipp_jstate_t state, const char *reason, const char *message)
{
  char uri[600];

  r->response = _gwIppResponseNew(r, r->ignored ? IPP_STATUS_OK_IGNORED_OR_SUBSTITUTED : IPP_STATUS_OK, NULL);
  snprintf(uri, sizeof(uri), "%s/jobs/%d", r->printer_uri, number);
  ippAddInteger(r->response, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-id", number);
  ippAddString(r->response, IPP_TAG_JOB, IPP_TAG_URI, "job-uri", NULL, uri);
  ippAddInteger(r->response, IPP_TAG_JOB, IPP_TAG_ENUM, "job-state", state);
  ippAddString(r->response, IPP_TAG_JOB, IPP_TAG_KEYWORD, "job-state-reasons", NULL, reason);
  ippAddString(r->response, IPP_TAG_JOB, IPP_TAG_TEXT, "job-state-message", NULL, message);
}


/*
 * '_gwIppRequestFinish()' - The body is complete: run the operation.
 */

void
_gwIppRequestFinish(gw_ipp_request_t *r)
{
  switch (r->op)
  {
    case IPP_OP_GET_PRINTER_ATTRIBUTES :
        get_printer_attributes(r);
        break;
    case IPP_OP_PRINT_JOB :
        _gwIppSubmissionEnd(r);
        break;
    case IPP_OP_SEND_DOCUMENT :
        if (r->more_docs)
          _gwIppSendDocumentMore(r);   /* The job waits for its next document */
        else
          _gwIppSubmissionEnd(r);
        break;
    case IPP_OP_VALIDATE_JOB :
        r->response = _gwIppResponseNew(r, r->ignored ? IPP_STATUS_OK_IGNORED_OR_SUBSTITUTED : IPP_STATUS_OK, NULL);
        break;
    case IPP_OP_IDENTIFY_PRINTER :
        gwLog(gwSystemGetLog(r->sys), GW_LOG_INFO, "IPP: Identify-Printer from %s (%s): the gateway has no display or sound.", r->user.name, r->client);
        r->response = _gwIppResponseNew(r, IPP_STATUS_OK, NULL);
        break;
    case IPP_OP_GET_JOBS :
        _gwIppGetJobs(r);
        break;
    case IPP_OP_GET_JOB_ATTRIBUTES :
        _gwIppGetJobAttributes(r);
        break;
    case IPP_OP_CANCEL_JOB :
        _gwIppCancelJob(r);
        break;
    case IPP_OP_CREATE_JOB :
        _gwIppCreateJob(r);
        break;
    case IPP_OP_CLOSE_JOB :
        _gwIppCloseJob(r);
        break;
    case IPP_OP_CANCEL_MY_JOBS :
        _gwIppCancelMyJobs(r);
        break;
    default :
        r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_OPERATION_NOT_SUPPORTED, "This operation is not supported.");
        break;
  }
}
