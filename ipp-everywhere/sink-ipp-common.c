/*
 * sink-ipp-common.c - the IPP conversation both printer sinks share.
 *
 * A release goes: connect (httpConnect2 with the configured timeout, a new
 * connection per call so threads never share one), for ipps check the
 * certificate trust, Get-Printer-Attributes, decide whether the printer can
 * take this document and which job attributes it will get (the "plan"),
 * then Print-Job streamed from the document callbacks in 64 KiB pieces.  A
 * printer answering server-error-busy gets the document again after a
 * backoff that starts at retry_delay_ms and doubles.
 *
 * The Print-Job's job-name carries the Printgate job id; find() looks for it
 * in the printer's Get-Jobs answer when a release was cut short by a
 * restart (docs/printers.md, "A release cut short by a restart").
 *
 * Every way this can go wrong ends in a gw_sink_result_t with a reason code
 * and a sentence for people: HOLD for anything about the printer (the job
 * goes back to the held queue and can be released elsewhere), FAILED only
 * when the stored document itself cannot be read.
 *
 * libcups keeps per-thread state (last error, password callback), never
 * shared state, for everything used here.  The one per-thread setting we
 * change is the password callback: it is set to a function that never asks,
 * so a printer wanting credentials gives a reason instead of a prompt on the
 * daemon's terminal.
 */

#include "sink-private.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char * const printer_attrs[] =  /* Asked of every printer */
{
  "printer-state",
  "printer-state-reasons",
  "printer-is-accepting-jobs",
  "document-format-supported",
  "color-supported",
  "sides-supported",
  "print-color-mode-supported",
  "copies-supported",
  "pwg-raster-document-resolution-supported",
  "pwg-raster-document-type-supported",
  "urf-supported",
  "printer-resolution-supported",
  "job-hold-until-supported"      /* Last: CUPS only (see get_attributes()) */
};

typedef enum send_outcome_e       /* One Print-Job attempt */
{
  SEND_DONE,                      /* result is final (ok, hold or failed) */
  SEND_BUSY                       /* Printer busy: try again after a pause */
} send_outcome_t;


/*
 * 'set_result()' - Fill a result with a sentence for people.
 *
 * When the document is a real job (doc->job_id set) the sentence starts
 * with its name ("report.pdf: printer 'lobby' ..."), as every reason in
 * the job model names the document; a capability check has no job and
 * gets the bare sentence, capitalised.
 */

static void
set_result(gw_sink_result_t *result, gw_sink_status_t status, gw_reason_t reason, const gw_sink_doc_t *doc, const char *fmt, ...) GW_FORMAT(5, 6);

static void
set_result(gw_sink_result_t *result, gw_sink_status_t status, gw_reason_t reason, const gw_sink_doc_t *doc, const char *fmt, ...)
{
  va_list ap;
  size_t  len = 0;

  result->status = status;
  result->reason = reason;

  if (doc && doc->job_id && *doc->job_id && doc->job_name && *doc->job_name)
  {
    snprintf(result->text, sizeof(result->text), "%s: ", doc->job_name);
    len = strlen(result->text);
  }

  va_start(ap, fmt);
  vsnprintf(result->text + len, sizeof(result->text) - len, fmt, ap);
  va_end(ap);

  if (len == 0)
    result->text[0] = (char)toupper(result->text[0] & 255);
}


/*
 * 'clean_text()' - Copy printer-supplied text for a sentence: printable
 *                  ASCII and UTF-8 only, at most 'size' - 1 bytes.
 */

static void
clean_text(char *dst, size_t size, const char *src)
{
  size_t i = 0;

  for (; src && *src && i + 1 < size; src ++)
  {
    unsigned char c = (unsigned char)*src;

    dst[i ++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
  }

  /* Do not end in the middle of a UTF-8 sequence */
  while (i > 0 && ((unsigned char)dst[i - 1] & 0xc0) == 0x80)
    i --;
  if (i > 0 && ((unsigned char)dst[i - 1] & 0xc0) == 0xc0)
    i --;

  dst[i] = '\0';
}


/*
 * 'utf8_truncate()' - Copy a name into an IPP name value (max 255 bytes),
 *                     cutting on a character boundary.
 */

static void
utf8_truncate(char *dst, size_t size, const char *src)
{
  size_t len = strlen(src);

  if (len >= size)
  {
    len = size - 1;
    while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
      len --;
  }

  memcpy(dst, src, len);
  dst[len] = '\0';
}


/*
 * 'no_password()' - Password callback that never prompts.
 */

static const char *
no_password(const char *prompt, http_t *http, const char *method, const char *resource, void *data)
{
  return (NULL);
}


/*
 * '_gwSinkSettings()' - Apply defaults and ceilings to the sink options.
 */

void
_gwSinkSettings(const gw_sink_options_t *opts, _gw_sink_settings_t *s)
{
  s->timeout  = (opts && opts->timeout > 0) ? opts->timeout : GW_SINK_DEF_TIMEOUT;
  s->retries  = (opts && opts->retries > 0) ? opts->retries : 0;
  s->delay_ms = (opts && opts->retry_delay_ms > 0) ? opts->retry_delay_ms : GW_SINK_DEF_DELAY_MS;
  s->log      = opts ? opts->log : NULL;
  s->cert_dir = (opts && opts->cert_dir && *opts->cert_dir) ? opts->cert_dir : NULL;

  if (s->timeout > 3600)
    s->timeout = 3600;
  if (s->retries > GW_SINK_MAX_RETRIES)
    s->retries = GW_SINK_MAX_RETRIES;
  if (s->delay_ms > GW_SINK_MAX_DELAY_MS)
    s->delay_ms = GW_SINK_MAX_DELAY_MS;
}


/*
 * '_gwSinkTargetInit()' - Parse a printer URI into a target.
 *
 * The scheme says the kind: cups:// is a CUPS queue, anything else (the
 * IPP sink serves ipp:// and ipps://) a printer spoken to directly.
 * ipp://host[:port]/path and ipps://... go to that path; cups://host[:port]/QUEUE
 * (or .../printers/QUEUE, .../classes/CLASS) goes to /printers/QUEUE on the
 * CUPS server over plain IPP.  User info in a URI is never used and never
 * shown.  A URI that cannot be used holds the job with printer-refused.
 */

bool
_gwSinkTargetInit(_gw_sink_target_t *t, const char *printer_name, const char *uri, const gw_sink_doc_t *doc, gw_sink_result_t *result)
{
  char              scheme[32], userpass[256], resource[1024];
  const char       *queue = NULL, *collection = "printers";
  http_uri_status_t status;

  memset(t, 0, sizeof(*t));
  t->name = (printer_name && *printer_name) ? printer_name : "(unnamed)";

  status = uri ? httpSeparateURI(HTTP_URI_CODING_ALL, uri, scheme, sizeof(scheme), userpass, sizeof(userpass), t->host, sizeof(t->host), &t->port, resource, sizeof(resource)) : HTTP_URI_STATUS_BAD_URI;
  explicit_bzero(userpass, sizeof(userpass));     /* May hold a password */
  t->kind = (status >= HTTP_URI_STATUS_OK && !strcmp(scheme, "cups")) ? _GW_SINK_KIND_CUPS : _GW_SINK_KIND_IPP;

  if (status < HTTP_URI_STATUS_OK || !t->host[0])
  {
    set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_REFUSED, doc, "printer '%s' has an address Printgate cannot use (%s); the job stays held. Ask an administrator to correct the printer's URI.", t->name, status < HTTP_URI_STATUS_OK ? httpURIStatusString(status) : "no host name");
    return (false);
  }

  if (t->port <= 0)
    t->port = 631;

  if (t->kind == _GW_SINK_KIND_CUPS)
  {
    /* cups://host:port/QUEUE, /printers/QUEUE or /classes/CLASS */
    queue = resource + 1;
    if (!strncmp(resource, "/printers/", 10))
      queue = resource + 10;
    else if (!strncmp(resource, "/classes/", 9))
    {
      queue      = resource + 9;
      collection = "classes";
    }

    if (resource[0] != '/' || !*queue || strlen(queue) >= sizeof(t->queue) || strpbrk(queue, "/?#"))
    {
      set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_REFUSED, doc, "printer '%s' has no CUPS queue name in its address (expected cups://HOST:PORT/QUEUE); the job stays held. Ask an administrator to correct the printer's URI.", t->name);
      return (false);
    }

    snprintf(t->queue, sizeof(t->queue), "%s", queue);
    snprintf(t->resource, sizeof(t->resource), "/%s/%s", collection, t->queue);
    httpAssembleURIf(HTTP_URI_CODING_ALL, t->printer_uri, sizeof(t->printer_uri), "ipp", NULL, t->host, t->port, "%s", t->resource);
    httpAssembleURIf(HTTP_URI_CODING_ALL, t->display, sizeof(t->display), "cups", NULL, t->host, t->port, "/%s", t->queue);
    t->encryption = HTTP_ENCRYPTION_IF_REQUESTED;
    t->tls        = false;
  }
  else
  {
    t->tls        = !strcmp(scheme, "ipps");
    t->encryption = t->tls ? HTTP_ENCRYPTION_ALWAYS : HTTP_ENCRYPTION_IF_REQUESTED;
    snprintf(t->resource, sizeof(t->resource), "%s", resource[0] ? resource : "/");
    httpAssembleURI(HTTP_URI_CODING_ALL, t->printer_uri, sizeof(t->printer_uri), scheme, NULL, t->host, t->port, t->resource);
    httpAssembleURI(HTTP_URI_CODING_ALL, t->display, sizeof(t->display), scheme, NULL, t->host, t->port, t->resource);
  }

  return (true);
}


/*
 * 'unreachable()' - The printer did not answer (refused, timed out, dropped).
 */

static void
unreachable(const _gw_sink_target_t *t, const _gw_sink_settings_t *s, const gw_sink_doc_t *doc, const char *what, const char *detail, gw_sink_result_t *result)
{
  gwLog(s->log, GW_LOG_WARN, "Printer '%s' at %s: %s: %s", t->name, t->display, what, detail);

  if (t->kind == _GW_SINK_KIND_CUPS)
    set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_UNREACHABLE, doc, "printer '%s' (CUPS server %s:%d) did not answer; the job stays held. Try again or pick another printer.", t->name, t->host, t->port);
  else
    set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_UNREACHABLE, doc, "printer '%s' at %s did not answer; the job stays held. Try again or pick another printer.", t->name, t->display);
}


/*
 * 'pin_store_open()' - Open the pinned-certificate folder for this check,
 *                      locked against other releases (-1 on error,
 *                      with the reason in 'why').
 *
 * The folder must be a real directory (not a link) owned by the daemon's
 * user and closed to everyone else (0700): whoever can write there can
 * make the gateway trust any printer.  The flock() serialises look-up and
 * first-use pinning, so two releases to a new printer pin one certificate.
 */

static int
pin_store_open(const char *dir, char *why, size_t whysize)
{
  struct stat st;
  int         fd;

  if (!dir)
  {
    snprintf(why, whysize, "no certificate store is configured");
    return (-1);
  }

  if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
  {
    snprintf(why, whysize, "the certificate store %s cannot be opened (%s)", dir, strerror(errno));
    return (-1);
  }

  if (fstat(fd, &st) || st.st_uid != geteuid() || (st.st_mode & 077))
  {
    snprintf(why, whysize, "the certificate store %s must belong to the daemon's user with mode 0700", dir);
    close(fd);
    return (-1);
  }

  if (faccessat(fd, ".", W_OK, AT_EACCESS))
  {
    snprintf(why, whysize, "the certificate store %s is not writable (%s)", dir, strerror(errno));
    close(fd);
    return (-1);
  }

  while (flock(fd, LOCK_EX) && errno == EINTR)
    ;

  return (fd);
}


/*
 * 'pin_file_name()' - The file libcups keeps a host's certificate in
 *                     (HOST.crt, characters other than [A-Za-z0-9.-] as
 *                     '_', as http_gnutls_make_path() does).
 */

static void
pin_file_name(const char *host, char *name, size_t namesize)
{
  size_t i;

  for (i = 0; *host && i + 5 < namesize; host ++, i ++)
    name[i] = (isalnum(*host & 255) || *host == '-' || *host == '.') ? *host : '_';

  snprintf(name + i, namesize - i, ".crt");
}


/*
 * 'check_trust()' - For ipps, check the printer's certificate against the
 *                   one pinned for its host name, pinning it on first use.
 *
 * libcups 2.4 (GnuTLS) completes the TLS handshake with any certificate; it
 * is up to the client to look at it afterwards.  We do not use
 * httpCredentialsGetTrust(): it looks in the user's default keystore
 * (~/.cups/ssl, /etc/cups/ssl for root, read-only under the systemd unit)
 * and takes any different certificate that expires later as a renewal.
 * Instead the certificate is kept in the daemon's own store (s->cert_dir,
 * STATE/printer-certs) with httpLoadCredentials()/httpSaveCredentials():
 *
 * - none stored yet: this is the first use; it is pinned, and the job is
 *   sent only if the pin was written and reads back the same;
 * - stored: the printer must present exactly the same chain; any other
 *   certificate holds the job ("changed") until an administrator removes
 *   the pinned file;
 * - an expired certificate, a store that cannot be used or a pinned file
 *   that cannot be read hold the job.
 */

static bool
check_trust(const _gw_sink_target_t *t, http_t *http, const _gw_sink_settings_t *s, const gw_sink_doc_t *doc, gw_sink_result_t *result)
{
  cups_array_t *creds = NULL, *stored = NULL;
  const char   *why = NULL;
  char          problem[1200], name[300];
  struct stat   st;
  bool          first_use = false, ok = false;
  int           fd;

  if (!t->tls)
    return (true);

  if (httpCopyCredentials(http, &creds) || !creds)
  {
    gwLog(s->log, GW_LOG_WARN, "Printer '%s' at %s: no TLS certificate to check.", t->name, t->display);
    set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_REFUSED, doc, "printer '%s' at %s did not show a TLS certificate; the job stays held. Ask an administrator to check the printer.", t->name, t->display);
    return (false);
  }

  if ((fd = pin_store_open(s->cert_dir, problem, sizeof(problem))) < 0)
  {
    gwLog(s->log, GW_LOG_ERROR, "Printer '%s' at %s: cannot pin its TLS certificate: %s.", t->name, t->display, problem);
    set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_REFUSED, doc, "the TLS certificate of printer '%s' at %s cannot be checked or pinned (%s); the job stays held. Ask an administrator to fix the certificate store (docs/printers.md).", t->name, t->display, problem);
    httpFreeCredentials(creds);
    return (false);
  }

  pin_file_name(t->host, name, sizeof(name));

  if (!httpLoadCredentials(s->cert_dir, &stored, t->host))
  {
    if (!httpCompareCredentials(creds, stored))
      why = "changed since it was first seen";
  }
  else if (!fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) || errno != ENOENT)
  {
    why = "could not be checked";
    snprintf(problem, sizeof(problem), "the pinned copy %s/%s cannot be read", s->cert_dir, name);
  }
  else
    first_use = true;

  if (!why && httpCredentialsGetExpiration(creds) < time(NULL))
    why = "has expired";

  if (!why && first_use)
  {
    /* Pin, then read it back: only a pin that is really on disk counts. */
    httpFreeCredentials(stored);
    stored = NULL;

    if (httpSaveCredentials(s->cert_dir, creds, t->host) || httpLoadCredentials(s->cert_dir, &stored, t->host) || !httpCompareCredentials(creds, stored))
    {
      why = "could not be pinned";
      snprintf(problem, sizeof(problem), "writing %s/%s failed: %s", s->cert_dir, name, strerror(errno));
    }
    else
      gwLog(s->log, GW_LOG_INFO, "Printer '%s' at %s: certificate pinned on first use in %s/%s.", t->name, t->display, s->cert_dir, name);
  }

  ok = !why;
  close(fd);                            /* Releases the lock */
  httpFreeCredentials(stored);
  httpFreeCredentials(creds);

  if (ok)
    return (true);

  if (!strcmp(why, "changed since it was first seen"))
  {
    gwLog(s->log, GW_LOG_WARN, "Printer '%s' at %s: TLS certificate changed since it was first seen; if the printer's certificate was really replaced, remove %s/%s so the next release pins the new one.", t->name, t->display, s->cert_dir, name);
    set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_REFUSED, doc, "the TLS certificate of printer '%s' at %s changed since it was first seen; the job stays held. Ask an administrator to check the printer.", t->name, t->display);
  }
  else if (!strcmp(why, "has expired"))
  {
    gwLog(s->log, GW_LOG_WARN, "Printer '%s' at %s: TLS certificate has expired.", t->name, t->display);
    set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_REFUSED, doc, "the TLS certificate of printer '%s' at %s has expired; the job stays held. Ask an administrator to renew it on the printer.", t->name, t->display);
  }
  else
  {
    gwLog(s->log, GW_LOG_ERROR, "Printer '%s' at %s: TLS certificate %s: %s.", t->name, t->display, why, problem);
    set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_REFUSED, doc, "the TLS certificate of printer '%s' at %s %s (%s); the job stays held. Ask an administrator to fix the certificate store (docs/printers.md).", t->name, t->display, why, problem);
  }

  return (false);
}


/*
 * 'sink_connect()' - Open a connection to the printer (NULL + result on error).
 */

static http_t *
sink_connect(const _gw_sink_target_t *t, const _gw_sink_settings_t *s, const gw_sink_doc_t *doc, gw_sink_result_t *result)
{
  http_t *http;

  cupsSetPasswordCB2(no_password, NULL);

  /* libcups reports a refused connection as "Host is down" (EHOSTDOWN
   * once every address failed) and a silent one as a timeout. */
  if ((http = httpConnect2(t->host, t->port, NULL, AF_UNSPEC, t->encryption, 1, s->timeout * 1000, NULL)) == NULL)
  {
    unreachable(t, s, doc, "cannot connect", cupsLastErrorString(), result);
    return (NULL);
  }

  httpSetTimeout(http, (double)s->timeout, NULL, NULL);

  if (!check_trust(t, http, s, doc, result))
  {
    httpClose(http);
    return (NULL);
  }

  return (http);
}


/*
 * 'ipp_error()' - Classify a request that got no successful IPP answer.
 *
 * 'response' may be NULL (HTTP-level failure: look at the HTTP status) or
 * carry an IPP error status.  Busy is reported to the caller via 'busy'
 * when it is not NULL (Print-Job retries); otherwise it is printer-busy.
 */

static void
ipp_error(const _gw_sink_target_t *t, http_t *http, ipp_t *response, const _gw_sink_settings_t *s, const gw_sink_doc_t *doc, const char *op, bool *busy, gw_sink_result_t *result)
{
  ipp_status_t  ipp;
  http_status_t hs = httpGetStatus(http);
  char          message[200];

  if (busy)
    *busy = false;

  if (!response)
  {
    /* No HTTP status (connection refused, dropped, timed out), or a 200
     * whose body was not IPP: the printer did not answer usably */
    if (hs < HTTP_STATUS_CONTINUE || hs == HTTP_STATUS_OK)
    {
      char buf[128];

      unreachable(t, s, doc, op, httpError(http) ? strerror_r(httpError(http), buf, sizeof(buf)) : "no valid answer", result);
      return;
    }

    ipp = (hs == HTTP_STATUS_NOT_FOUND) ? IPP_STATUS_ERROR_NOT_FOUND :
          (hs == HTTP_STATUS_UNAUTHORIZED || hs == HTTP_STATUS_CUPS_AUTHORIZATION_CANCELED) ? IPP_STATUS_ERROR_NOT_AUTHENTICATED :
          (hs == HTTP_STATUS_FORBIDDEN) ? IPP_STATUS_ERROR_FORBIDDEN :
          (hs == HTTP_STATUS_SERVICE_UNAVAILABLE) ? IPP_STATUS_ERROR_BUSY : IPP_STATUS_ERROR_INTERNAL;
    clean_text(message, sizeof(message), httpStatus(hs));
  }
  else
  {
    ipp_attribute_t *attr = ippFindAttribute(response, "status-message", IPP_TAG_TEXT);

    ipp = ippGetStatusCode(response);
    clean_text(message, sizeof(message), attr ? ippGetString(attr, 0, NULL) : ippErrorString(ipp));
  }

  gwLog(s->log, GW_LOG_WARN, "Printer '%s' at %s: %s: %s (%s)", t->name, t->display, op, ippErrorString(ipp), message);

  switch (ipp)
  {
    case IPP_STATUS_ERROR_BUSY :
    case IPP_STATUS_ERROR_SERVICE_UNAVAILABLE :
    case IPP_STATUS_ERROR_TEMPORARY :
        if (busy)
          *busy = true;
        set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_BUSY, doc, "printer '%s' is busy (%s); the job stays held. Try again in a few minutes or pick another printer.", t->name, message);
        break;

    case IPP_STATUS_ERROR_NOT_FOUND :
        if (t->kind == _GW_SINK_KIND_CUPS)
          set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_REFUSED, doc, "the CUPS server %s:%d has no queue '%s' for printer '%s'; the job stays held. Ask an administrator to check the printer's URI.", t->host, t->port, t->queue, t->name);
        else
          set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_REFUSED, doc, "printer '%s' has no IPP printer at %s; the job stays held. Ask an administrator to check the printer's URI.", t->name, t->display);
        break;

    case IPP_STATUS_ERROR_NOT_AUTHENTICATED :
    case IPP_STATUS_ERROR_NOT_AUTHORIZED :
    case IPP_STATUS_ERROR_FORBIDDEN :
    case IPP_STATUS_ERROR_CUPS_AUTHENTICATION_CANCELED :
        set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_REFUSED, doc, "printer '%s' asks for credentials Printgate does not have (%s); the job stays held. Ask an administrator to let the gateway print there.", t->name, message);
        break;

    case IPP_STATUS_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED :
        set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_NO_PDF, doc, "printer '%s' cannot take %s (%s); the job stays held. Pick another printer.", t->name, (doc && doc->format && strcmp(doc->format, "application/pdf")) ? doc->format : "PDF", message);
        break;

    default :
        set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_REFUSED, doc, "printer '%s' refused the job (%s); the job stays held. Try again or pick another printer.", t->name, message);
        break;
  }
}


/*
 * 'has_keyword()' - Does a 1setOf keyword/mimeMediaType attribute hold a value?
 */

static bool
has_keyword(ipp_attribute_t *attr, const char *value)
{
  for (int i = 0, n = ippGetCount(attr); i < n; i ++)
  {
    const char *v = ippGetString(attr, i, NULL);

    if (v && !strcasecmp(v, value))
      return (true);
  }

  return (false);
}


/*
 * 'get_attributes()' - Get-Printer-Attributes (NULL + result on error).
 */

static ipp_t *
get_attributes(const _gw_sink_target_t *t, http_t *http, const _gw_sink_settings_t *s, const gw_sink_doc_t *doc, gw_sink_result_t *result)
{
  ipp_t *request, *response;
  int    count = (int)(sizeof(printer_attrs) / sizeof(printer_attrs[0]));

  if (t->kind != _GW_SINK_KIND_CUPS)
    count --;                           /* job-hold-until-supported: CUPS only */

  request = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
  ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, t->printer_uri);
  ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, (doc && doc->owner && *doc->owner) ? doc->owner : "printgate");
  ippAddStrings(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", count, NULL, printer_attrs);

  response = cupsDoRequest(http, request, t->resource);   /* Frees request */

  if (!response || ippGetStatusCode(response) > IPP_STATUS_OK_EVENTS_COMPLETE)
  {
    ipp_error(t, http, response, s, doc, "Get-Printer-Attributes", NULL, result);
    ippDelete(response);
    return (NULL);
  }

  return (response);
}


/*
 * 'plan_color()' - Choose print-color-mode from what the printer offers.
 */

static const char *
plan_color(const _gw_sink_target_t *t, const _gw_sink_settings_t *s, ipp_attribute_t *modes, const char *wanted)
{
  if (!modes)
    return (wanted);                    /* Printer does not say: pass it on */
  if (has_keyword(modes, wanted))
    return (wanted);
  if (!strcmp(wanted, "monochrome") && has_keyword(modes, "process-monochrome"))
    return ("process-monochrome");

  /* Leaving out "auto" changes nothing; leaving out a chosen mode might */
  gwLog(s->log, strcmp(wanted, "auto") ? GW_LOG_WARN : GW_LOG_DEBUG, "Printer '%s' does not offer print-color-mode '%s'; sending the job without it.", t->name, wanted);
  return (NULL);
}


/*
 * 'pick_dpi()' - The resolution to render at from a list the printer
 *                offers: the lowest one of at least 300 dpi, else the
 *                highest.  0 when the list is empty.
 */

static int
pick_dpi(const int *list, int count)
{
  int best = 0;

  for (int i = 0; i < count; i ++)
  {
    if (list[i] < 75 || list[i] > 1200)
      continue;
    if (best == 0 || (best < 300 && list[i] > best) || (list[i] >= 300 && list[i] < best))
      best = list[i];
  }

  return (best);
}


/*
 * 'resolutions()' - The square resolutions (dpi) of a resolution
 *                   attribute, at most max of them.
 */

static int
resolutions(ipp_attribute_t *attr, int *list, int max)
{
  int count = 0;

  for (int i = 0, n = ippGetCount(attr); i < n && count < max; i ++)
  {
    ipp_res_t units;
    int       y, x = ippGetResolution(attr, i, &y, &units);

    if (units == IPP_RES_PER_CM)
    {
      x = (int)(x * 2.54 + 0.5);
      y = (int)(y * 2.54 + 0.5);
    }
    if (x == y)
      list[count ++] = x;
  }

  return (count);
}


/*
 * 'plan_render_format()' - For a printer without PDF: PWG raster, URF or
 *                          PCL-XL, in that order, from what it lists, with
 *                          the resolution and colour space it offers.
 *                          false when it takes none of them.
 *
 * Colour: sRGB when the job may print in colour (not monochrome) and the
 * printer can (color-supported, or the format's own list says so), sGray
 * otherwise.  A job asking for colour on a black-and-white printer has
 * already been held by the colour check.
 */

static bool
plan_render_format(ipp_t *attrs, ipp_attribute_t *formats, const gw_sink_doc_t *doc, _gw_sink_plan_t *plan)
{
  ipp_attribute_t *attr, *supported = ippFindAttribute(attrs, "color-supported", IPP_TAG_BOOLEAN);
  const char      *mode = (doc->color_mode && *doc->color_mode) ? doc->color_mode : "auto";
  bool             want_color = strcmp(mode, "monochrome") && (!supported || ippGetBoolean(supported, 0));
  int              list[32], count = 0;

  if (has_keyword(formats, "image/pwg-raster"))
  {
    bool gray = false, rgb = false;

    if ((attr = ippFindAttribute(attrs, "pwg-raster-document-type-supported", IPP_TAG_KEYWORD)) != NULL)
    {
      gray = has_keyword(attr, "sgray_8");
      rgb  = has_keyword(attr, "srgb_8");
    }

    if (gray || rgb)
    {
      plan->render_spec.format = "image/pwg-raster";
      plan->render_spec.color  = rgb && (want_color || !gray);
      if ((attr = ippFindAttribute(attrs, "pwg-raster-document-resolution-supported", IPP_TAG_RESOLUTION)) != NULL)
        count = resolutions(attr, list, 32);
      plan->render_spec.dpi = count ? pick_dpi(list, count) : 300;
      plan->render          = plan->render_spec.dpi > 0;
      if (plan->render)
        return (true);
    }
  }

  if (has_keyword(formats, "image/urf") && (attr = ippFindAttribute(attrs, "urf-supported", IPP_TAG_KEYWORD)) != NULL)
  {
    bool gray = has_keyword(attr, "W8"), rgb = has_keyword(attr, "SRGB24");

    for (int i = 0, n = ippGetCount(attr); i < n; i ++)
    {
      const char *v = ippGetString(attr, i, NULL);

      /* RS300 or RS300-600: the resolutions it prints */
      if (v && !strncmp(v, "RS", 2))
      {
        for (const char *p = v + 2; *p && count < 32;)
        {
          char *end;
          long  dpi = strtol(p, &end, 10);

          if (end == p)
            break;
          list[count ++] = (int)dpi;
          p = *end == '-' ? end + 1 : end;
        }
      }
    }

    if ((gray || rgb) && count > 0 && pick_dpi(list, count) > 0)
    {
      plan->render_spec.format = "image/urf";
      plan->render_spec.color  = rgb && (want_color || !gray);
      plan->render_spec.dpi    = pick_dpi(list, count);
      plan->render             = true;
      return (true);
    }
  }

  if (has_keyword(formats, "application/vnd.hp-pclxl"))
  {
    count = 0;
    if ((attr = ippFindAttribute(attrs, "printer-resolution-supported", IPP_TAG_RESOLUTION)) != NULL)
      count = resolutions(attr, list, 32);
    plan->render_spec.format = "application/vnd.hp-pclxl";
    plan->render_spec.color  = want_color;
    plan->render_spec.dpi    = count ? pick_dpi(list, count) : 600;
    plan->render             = plan->render_spec.dpi > 0;
    return (plan->render);
  }

  return (false);
}


/*
 * 'plan_job()' - Decide whether the printer takes the document and with
 *                which attributes.  false + result when it does not.
 *
 * Holds: stopped, not accepting jobs, format missing from
 * document-format-supported, colour asked of a printer that says it has
 * none, more copies than copies-supported allows, and (CUPS) a server that
 * does not offer job-hold-until=indefinite.  Adapts with a warning: sides
 * the printer lacks become one-sided, a colour mode it lacks is left out.
 * An attribute the printer does not report is passed on as asked.
 */

static bool
plan_job(const _gw_sink_target_t *t, ipp_t *attrs, const gw_sink_doc_t *doc, const _gw_sink_settings_t *s, _gw_sink_plan_t *plan, gw_sink_result_t *result)
{
  ipp_attribute_t *attr;
  const char      *format = (doc && doc->format && *doc->format) ? doc->format : "application/pdf";
  const char      *sides  = (doc && doc->sides && *doc->sides) ? doc->sides : "one-sided";
  const char      *color  = (doc && doc->color_mode && *doc->color_mode) ? doc->color_mode : "auto";
  int              copies = (doc && doc->copies > 1) ? doc->copies : 1;
  char             reasons[200] = "";

  memset(plan, 0, sizeof(*plan));

  /* Printer state: stopped, or not taking jobs */
  if ((attr = ippFindAttribute(attrs, "printer-state-reasons", IPP_TAG_KEYWORD)) != NULL)
  {
    for (int i = 0, n = ippGetCount(attr); i < n; i ++)
    {
      const char *r = ippGetString(attr, i, NULL);
      size_t      len = strlen(reasons);

      if (r && strcmp(r, "none") && len + strlen(r) + 3 < sizeof(reasons))
        snprintf(reasons + len, sizeof(reasons) - len, "%s%s", len ? ", " : "", r);
    }
  }

  if ((attr = ippFindAttribute(attrs, "printer-state", IPP_TAG_ENUM)) != NULL && ippGetInteger(attr, 0) == IPP_PSTATE_STOPPED)
  {
    char clean[200];

    clean_text(clean, sizeof(clean), reasons[0] ? reasons : "no reason given");
    gwLog(s->log, GW_LOG_WARN, "Printer '%s' at %s is stopped (%s).", t->name, t->display, clean);
    set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_REFUSED, doc, "printer '%s' is stopped (%s); the job stays held. Try again once it is fixed, or pick another printer.", t->name, clean);
    return (false);
  }

  if ((attr = ippFindAttribute(attrs, "printer-is-accepting-jobs", IPP_TAG_BOOLEAN)) != NULL && !ippGetBoolean(attr, 0))
  {
    gwLog(s->log, GW_LOG_WARN, "Printer '%s' at %s is not accepting jobs.", t->name, t->display);
    set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_REFUSED, doc, "printer '%s' is not accepting jobs; the job stays held. Try again later or pick another printer.", t->name);
    return (false);
  }

  /* Document format.  A CUPS queue listing application/octet-stream takes
   * anything (raw queues); a printer needs the format itself.  A printer
   * without the held format (PDF) gets the document rendered into PWG
   * raster, URF or PCL-XL when the core can render; one that takes none
   * of those keeps the job held. */
  attr = ippFindAttribute(attrs, "document-format-supported", IPP_TAG_MIMETYPE);
  if (attr && !has_keyword(attr, format) && !(t->kind == _GW_SINK_KIND_CUPS && has_keyword(attr, "application/octet-stream")) &&
      !(doc && doc->render && plan_render_format(attrs, attr, doc, plan)))
  {
    char takes[200] = "";

    for (int i = 0, n = ippGetCount(attr); i < n; i ++)
    {
      const char *f   = ippGetString(attr, i, NULL);
      size_t      len = strlen(takes);

      if (f && strcmp(f, "application/octet-stream") && len + strlen(f) + 3 < sizeof(takes))
        snprintf(takes + len, sizeof(takes) - len, "%s%s", len ? ", " : "", f);
    }

    gwLog(s->log, GW_LOG_WARN, "Printer '%s' at %s does not list %s in document-format-supported (%s).", t->name, t->display, format, takes);
    if (doc && doc->render)
      set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_NO_PDF, doc, "printer '%s' cannot take PDF, PWG raster, URF or PCL-XL (it takes %s); the job stays held. Pick another printer.", t->name, takes[0] ? takes : "nothing Printgate sends");
    else
      set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_NO_PDF, doc, "printer '%s' cannot take %s (it takes %s); the job stays held. Pick another printer.", t->name, strcmp(format, "application/pdf") ? format : "PDF", takes[0] ? takes : "nothing Printgate sends");
    return (false);
  }

  if (!plan->render && doc && doc->transform && doc->render)
  {
    /* Page ranges, N-up or the watermark: a PDF rendered in the sandbox */
    plan->render                = true;
    plan->render_spec.format    = "application/pdf";
    plan->render_spec.color     = true;
    plan->render_spec.dpi       = 0;
  }

  /* Colour asked of a black-and-white printer */
  if (!strcmp(color, "color"))
  {
    ipp_attribute_t *supported = ippFindAttribute(attrs, "color-supported", IPP_TAG_BOOLEAN);
    ipp_attribute_t *modes     = ippFindAttribute(attrs, "print-color-mode-supported", IPP_TAG_KEYWORD);

    if ((supported && !ippGetBoolean(supported, 0)) || (!supported && modes && !has_keyword(modes, "color")))
    {
      gwLog(s->log, GW_LOG_WARN, "Printer '%s' at %s prints only in black and white; the job asks for colour.", t->name, t->display);
      set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_NO_COLOR, doc, "printer '%s' prints only in black and white and the job asks for colour; the job stays held. Release it in black and white or pick a colour printer.", t->name);
      return (false);
    }
  }

  /* Copies */
  if (copies > 1)
  {
    int upper = 0;

    if ((attr = ippFindAttribute(attrs, "copies-supported", IPP_TAG_RANGE)) != NULL)
      ippGetRange(attr, 0, &upper);

    if (attr && upper < copies)
    {
      gwLog(s->log, GW_LOG_WARN, "Printer '%s' at %s prints at most %d copies; the job asks for %d.", t->name, t->display, upper, copies);
      set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_REFUSED, doc, "printer '%s' prints at most %d cop%s and the job asks for %d; the job stays held. Release it with fewer copies or pick another printer.", t->name, upper, upper == 1 ? "y" : "ies", copies);
      return (false);
    }

    plan->copies = copies;
  }

  /* A CUPS site keeps the job held on the server */
  if (t->kind == _GW_SINK_KIND_CUPS && (attr = ippFindAttribute(attrs, "job-hold-until-supported", IPP_TAG_ZERO)) != NULL && !has_keyword(attr, "indefinite"))
  {
    gwLog(s->log, GW_LOG_WARN, "CUPS queue '%s' at %s:%d does not offer job-hold-until=indefinite.", t->queue, t->host, t->port);
    set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_REFUSED, doc, "the CUPS server %s:%d does not hold jobs on queue '%s' (no job-hold-until=indefinite); the job stays held here. Ask an administrator to check printer '%s'.", t->host, t->port, t->queue, t->name);
    return (false);
  }

  /* Sides: fall back to one-sided rather than keep the job from printing */
  attr = ippFindAttribute(attrs, "sides-supported", IPP_TAG_KEYWORD);
  if (!attr || has_keyword(attr, sides))
    plan->sides = sides;
  else
  {
    plan->sides = has_keyword(attr, "one-sided") ? "one-sided" : NULL;
    gwLog(s->log, GW_LOG_WARN, "Printer '%s' at %s cannot print %s; sending the job %s.", t->name, t->display, sides, plan->sides ? "one-sided" : "without sides");
  }

  plan->color_mode = plan_color(t, s, ippFindAttribute(attrs, "print-color-mode-supported", IPP_TAG_KEYWORD), color);

  if (reasons[0])
  {
    char clean[200];

    clean_text(clean, sizeof(clean), reasons);
    gwLog(s->log, GW_LOG_INFO, "Printer '%s' at %s reports: %s", t->name, t->display, clean);
  }

  return (true);
}


/*
 * 'target_check()' - Is the printer reachable and does it take this document?
 */

static bool
target_check(const _gw_sink_target_t *t, const gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result)
{
  _gw_sink_settings_t s;
  _gw_sink_plan_t     plan;
  http_t             *http;
  ipp_t              *attrs;
  bool                ok = false;

  _gwSinkSettings(opts, &s);

  if ((http = sink_connect(t, &s, doc, result)) == NULL)
    return (false);

  if ((attrs = get_attributes(t, http, &s, doc, result)) != NULL)
  {
    ok = plan_job(t, attrs, doc, &s, &plan, result);
    ippDelete(attrs);
  }

  httpClose(http);

  if (ok && plan.render && strcmp(plan.render_spec.format, "application/pdf"))
    set_result(result, GW_SINK_OK, GW_REASON_NONE, NULL, "printer '%s' answers and takes %s (rendered at release, %s, %d dpi).", t->name, plan.render_spec.format, plan.render_spec.color ? "sRGB" : "sGray", plan.render_spec.dpi);
  else if (ok)
    set_result(result, GW_SINK_OK, GW_REASON_NONE, NULL, "printer '%s' answers and takes %s.", t->name, (doc && doc->format && *doc->format) ? doc->format : "application/pdf");

  return (ok);
}


/*
 * 'job_name()' - The job-name a Print-Job carries: the document name, and
 *                for a real job " [JOB ID]" after it, so that find() can
 *                recognise the job in the printer's job list after a
 *                restart.  The name is cut (on a UTF-8 boundary) to leave
 *                room for the id within IPP's 255 bytes.
 */

static void
job_name(const gw_sink_doc_t *doc, char *name, size_t namesize)
{
  const char *base = (doc->job_name && *doc->job_name) ? doc->job_name : "document";
  size_t      idlen = doc->job_id ? strlen(doc->job_id) : 0;
  char        cut[256];

  if (idlen == 0 || idlen > 64 || namesize > sizeof(cut) || namesize < idlen + 4)
  {
    utf8_truncate(name, namesize, (doc->job_name && *doc->job_name) ? doc->job_name : (doc->job_id ? doc->job_id : "document"));
    return;
  }

  utf8_truncate(cut, namesize - idlen - 3, base);
  if (snprintf(name, namesize, "%s [%s]", cut, doc->job_id) >= (int)namesize)
    utf8_truncate(name, namesize, base);  /* Cannot happen: room was left */
}


/*
 * 'may_have_printed()' - The result when the printer cannot say whether it
 *                        has the job: held, may-have-printed.
 */

static gw_sink_found_t
may_have_printed(const _gw_sink_target_t *t, const gw_sink_doc_t *doc, const char *why, gw_sink_result_t *result)
{
  set_result(result, GW_SINK_HOLD, GW_REASON_MAY_HAVE_PRINTED, doc, "the gateway restarted while sending this job to printer '%s', and the printer cannot say whether it has it (%s); it may already have printed.", t->name, why);
  return (GW_SINK_FOUND_UNKNOWN);
}


/*
 * 'find_in_jobs()' - Look for the job in one Get-Jobs answer.  Returns
 *                    true when a job carrying " [doc->job_id]" in its job-name
 *                    will print or has printed (not canceled or aborted:
 *                    a Print-Job cut short ends as one of those); its id
 *                    and state go to *id_r and *state_r.
 */

static bool
find_in_jobs(ipp_t *response, const char *job_id, int *id_r, int *state_r)
{
  ipp_attribute_t *attr = ippFirstAttribute(response);
  char             token[128];

  /* "[ID]" as job_name() wrote it: "[ID]" never matches "[ID#2]" */
  snprintf(token, sizeof(token), "[%s]", job_id);

  while (attr)
  {
    const char *name = NULL;
    int         id = 0, state = 0;

    /* Skip to the next job group */
    while (attr && ippGetGroupTag(attr) != IPP_TAG_JOB)
      attr = ippNextAttribute(response);
    if (!attr)
      break;

    for (; attr && ippGetGroupTag(attr) == IPP_TAG_JOB; attr = ippNextAttribute(response))
    {
      const char *aname = ippGetName(attr);

      if (!aname)
        continue;
      if (!strcmp(aname, "job-name") && (ippGetValueTag(attr) == IPP_TAG_NAME || ippGetValueTag(attr) == IPP_TAG_NAMELANG))
        name = ippGetString(attr, 0, NULL);
      else if (!strcmp(aname, "job-id") && ippGetValueTag(attr) == IPP_TAG_INTEGER)
        id = ippGetInteger(attr, 0);
      else if (!strcmp(aname, "job-state") && ippGetValueTag(attr) == IPP_TAG_ENUM)
        state = ippGetInteger(attr, 0);
    }

    if (name && strstr(name, token) && state != IPP_JSTATE_CANCELED && state != IPP_JSTATE_ABORTED)
    {
      *id_r    = id;
      *state_r = state;
      return (true);
    }
  }

  return (false);
}


/*
 * 'target_find()' - Does the printer already have the job?  Asks for its
 *                   not-completed and its completed jobs (the two
 *                   which-jobs values every IPP printer supports), every
 *                   user's (my-jobs false), as the job's owner so that a
 *                   CUPS server shows the job's name.
 *
 * The job is recognised by its job id in job-name (job_name() puts it
 * there); job-uuid cannot be used, because printers assign their own
 * (ippeveprinter ignores a job-uuid in Print-Job).
 */

static gw_sink_found_t
target_find(const _gw_sink_target_t *t, const gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result)
{
  static const char * const which[] = { "not-completed", "completed" };
  static const char * const wanted[] = { "job-id", "job-name", "job-state" };
  _gw_sink_settings_t s;
  http_t             *http;
  int                 id = 0, state = 0;
  bool                found = false;

  _gwSinkSettings(opts, &s);
  result->printer_job_id = 0;

  if (!doc || !doc->job_id || strlen(doc->job_id) < 8 || strlen(doc->job_id) > 64)
    return (may_have_printed(t, doc, "no job id to look for", result));

  if ((http = sink_connect(t, &s, doc, result)) == NULL)
    return (may_have_printed(t, doc, result->reason == GW_REASON_PRINTER_UNREACHABLE ? "it did not answer" : "it refused the connection", result));

  for (int i = 0; i < 2 && !found; i ++)
  {
    ipp_t *request, *response;

    request = ippNewRequest(IPP_OP_GET_JOBS);
    ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, t->printer_uri);
    ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, (doc->owner && *doc->owner) ? doc->owner : "printgate");
    ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "which-jobs", NULL, which[i]);
    ippAddBoolean(request, IPP_TAG_OPERATION, "my-jobs", 0);
    ippAddStrings(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 3, NULL, wanted);

    response = cupsDoRequest(http, request, t->resource);   /* Frees request */

    if (!response || ippGetStatusCode(response) > IPP_STATUS_OK_EVENTS_COMPLETE)
    {
      char why[256];

      ipp_error(t, http, response, &s, doc, "Get-Jobs", NULL, result);
      snprintf(why, sizeof(why), "%s", result->reason == GW_REASON_PRINTER_UNREACHABLE ? "it did not answer" : "it does not list its jobs");
      ippDelete(response);
      httpClose(http);
      return (may_have_printed(t, doc, why, result));
    }

    found = find_in_jobs(response, doc->job_id, &id, &state);
    ippDelete(response);
  }

  httpClose(http);

  if (!found)
  {
    gwLog(s.log, GW_LOG_INFO, "Job %s: printer '%s' at %s does not have it (not-completed and completed jobs listed).", doc->job_id, t->name, t->display);
    memset(result, 0, sizeof(*result));
    return (GW_SINK_FOUND_NO);
  }

  gwLog(s.log, GW_LOG_INFO, "Job %s: printer '%s' at %s already has it as printer job %d (job-state %d).", doc->job_id, t->name, t->display, id, state);
  result->printer_job_id = id;
  set_result(result, GW_SINK_OK, GW_REASON_NONE, doc, "found on printer '%s' as job %d (%s) after the gateway restarted; it was not sent again.", t->name, id, state == IPP_JSTATE_COMPLETED ? "printed" : ippEnumString("job-state", state));

  return (GW_SINK_FOUND_YES);
}


/*
 * 'print_job()' - One Print-Job: the request, then the document in 64 KiB
 *                 pieces straight from doc->read, then the response.
 *
 * With a known size the request carries a Content-Length (what the most
 * printers handle), and the document must be exactly that long; otherwise
 * it goes chunked.  A read error or a size mismatch drops the connection
 * mid-request (so the printer never sees a complete job) and fails the job
 * with spool-damaged.
 */

static send_outcome_t
print_job(const _gw_sink_target_t *t, http_t *http, gw_sink_doc_t *doc, const _gw_sink_plan_t *plan, const _gw_sink_settings_t *s, unsigned char *buf, gw_sink_result_t *result)
{
  ipp_t           *request, *response = NULL;
  http_status_t    status;
  char             name[256];
  const char      *format = (doc->format && *doc->format) ? doc->format : "application/pdf";
  int64_t          total = 0;
  ssize_t          bytes = 0;
  bool             busy = false, damaged = false;
  ipp_attribute_t *attr;

  job_name(doc, name, sizeof(name));

  request = ippNewRequest(IPP_OP_PRINT_JOB);
  ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, t->printer_uri);
  ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, (doc->owner && *doc->owner) ? doc->owner : "printgate");
  ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", NULL, name);
  ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", NULL, format);

  if (plan->copies > 1)
    ippAddInteger(request, IPP_TAG_JOB, IPP_TAG_INTEGER, "copies", plan->copies);
  if (plan->sides)
    ippAddString(request, IPP_TAG_JOB, IPP_TAG_KEYWORD, "sides", NULL, plan->sides);
  if (plan->color_mode)
    ippAddString(request, IPP_TAG_JOB, IPP_TAG_KEYWORD, "print-color-mode", NULL, plan->color_mode);
  if (t->kind == _GW_SINK_KIND_CUPS)
    ippAddString(request, IPP_TAG_JOB, IPP_TAG_KEYWORD, "job-hold-until", NULL, "indefinite");

  /* cupsSendRequest() wants the whole body length: IPP message + document */
  status = cupsSendRequest(http, request, t->resource, doc->size > 0 ? ippLength(request) + (size_t)doc->size : CUPS_LENGTH_VARIABLE);

  /* Stream the document; stop early if the printer answers before the end */
  while (status == HTTP_STATUS_CONTINUE)
  {
    size_t want = GW_SINK_CHUNK;

    if (doc->size > 0 && doc->size - total < (int64_t)want)
      want = (size_t)(doc->size - total) + 1;    /* +1: notice a longer document */

    if ((bytes = doc->read(doc->ctx, buf, want)) <= 0)
      break;

    total += bytes;
    if (doc->size > 0 && total > doc->size)
    {
      damaged = true;
      break;
    }

    status = cupsWriteRequestData(http, (const char *)buf, (size_t)bytes);
  }

  if (bytes < 0 || damaged || (status == HTTP_STATUS_CONTINUE && doc->size > 0 && total != doc->size))
  {
    gwLog(s->log, GW_LOG_ERROR, "Job %s: document unreadable after %lld of %lld bytes while sending to '%s'.", doc->job_id ? doc->job_id : "-", (long long)total, (long long)doc->size, t->name);
    ippDelete(request);
    set_result(result, GW_SINK_FAILED, GW_REASON_SPOOL_DAMAGED, doc, "the stored copy could not be read while sending it to printer '%s', so it cannot be printed; nothing was printed. Send the document again.", t->name);
    return (SEND_DONE);
  }

  if (status == HTTP_STATUS_CONTINUE || status == HTTP_STATUS_OK)
    response = cupsGetResponse(http, t->resource);

  ippDelete(request);

  if (!response || ippGetStatusCode(response) > IPP_STATUS_OK_EVENTS_COMPLETE)
  {
    ipp_error(t, http, response, s, doc, "Print-Job", &busy, result);
    ippDelete(response);
    return (busy ? SEND_BUSY : SEND_DONE);
  }

  /* Accepted */
  result->printer_job_id = (attr = ippFindAttribute(response, "job-id", IPP_TAG_INTEGER)) != NULL ? ippGetInteger(attr, 0) : 0;

  if (t->kind == _GW_SINK_KIND_CUPS && (attr = ippFindAttribute(response, "job-state", IPP_TAG_ENUM)) != NULL && ippGetInteger(attr, 0) != IPP_JSTATE_HELD)
    gwLog(s->log, GW_LOG_WARN, "CUPS queue '%s' at %s:%d did not hold job %d (job-state %d).", t->queue, t->host, t->port, result->printer_job_id, ippGetInteger(attr, 0));

  if (ippGetStatusCode(response) != IPP_STATUS_OK)
    gwLog(s->log, GW_LOG_INFO, "Printer '%s' accepted job %d with %s.", t->name, result->printer_job_id, ippErrorString(ippGetStatusCode(response)));

  if (t->kind == _GW_SINK_KIND_CUPS)
    set_result(result, GW_SINK_OK, GW_REASON_NONE, doc, "held on CUPS queue '%s' (%s:%d) as job %d for %s.", t->queue, t->host, t->port, result->printer_job_id, (doc->owner && *doc->owner) ? doc->owner : "printgate");
  else
    set_result(result, GW_SINK_OK, GW_REASON_NONE, doc, "sent to printer '%s' as job %d.", t->name, result->printer_job_id);

  ippDelete(response);

  return (SEND_DONE);
}


/*
 * 'backoff()' - Sleep for 'ms' milliseconds (restarting after signals).
 */

static void
backoff(int64_t ms)
{
  struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

  while (nanosleep(&ts, &ts) && errno == EINTR)
    ;
}


/*
 * 'target_send()' - Check the printer, then send the job with retries.
 */

static void
target_send(const _gw_sink_target_t *t, gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result)
{
  _gw_sink_settings_t s;
  _gw_sink_plan_t     plan;
  http_t             *http;
  ipp_t              *attrs;
  unsigned char      *buf;
  int64_t             delay;
  bool                planned;

  _gwSinkSettings(opts, &s);
  result->printer_job_id = 0;

  if (!doc || !doc->read || !doc->rewind)
  {
    set_result(result, GW_SINK_FAILED, GW_REASON_INTERNAL, doc, "no document to send to printer '%s'.", t->name);
    return;
  }

  if ((http = sink_connect(t, &s, doc, result)) == NULL)
    return;

  if ((attrs = get_attributes(t, http, &s, doc, result)) == NULL)
  {
    httpClose(http);
    return;
  }

  planned = plan_job(t, attrs, doc, &s, &plan, result);
  ippDelete(attrs);

  if (!planned)
  {
    httpClose(http);
    return;
  }

  /*
   * Render first when the printer needs another format or the job has
   * page ranges, N-up or a watermark.  That can take a while, so the
   * connection is not kept open meanwhile.
   */

  if (plan.render)
  {
    httpClose(http);

    gwLog(s.log, GW_LOG_INFO, "Job %s: rendering for printer '%s' as %s (%s, %d dpi).", doc->job_id ? doc->job_id : "-", t->name, plan.render_spec.format, plan.render_spec.color ? "sRGB" : "sGray", plan.render_spec.dpi);
    if (!doc->render(doc->ctx, &plan.render_spec, doc, result))
      return;

    if ((http = sink_connect(t, &s, doc, result)) == NULL)
      return;
  }

  if ((buf = malloc(GW_SINK_CHUNK)) == NULL)
  {
    httpClose(http);
    set_result(result, GW_SINK_HOLD, GW_REASON_INTERNAL, doc, "the gateway ran out of memory while sending to printer '%s'; the job stays held. Try again.", t->name);
    return;
  }

  /*
   * Attempt 0 uses the connection the check opened; a retry rewinds the
   * document and opens a new connection (the printer may have closed the
   * old one after answering busy before reading everything).
   */

  delay = s.delay_ms;

  for (int attempt = 0;; attempt ++)
  {
    if (attempt > 0)
    {
      gwLog(s.log, GW_LOG_INFO, "Printer '%s' is busy; retry %d of %d in %lld ms.", t->name, attempt, s.retries, (long long)delay);
      backoff(delay);
      delay = delay * 2 > GW_SINK_MAX_DELAY_MS ? GW_SINK_MAX_DELAY_MS : delay * 2;

      if (!doc->rewind(doc->ctx))
      {
        gwLog(s.log, GW_LOG_ERROR, "Job %s: document could not be rewound for a retry on '%s'.", doc->job_id ? doc->job_id : "-", t->name);
        set_result(result, GW_SINK_FAILED, GW_REASON_SPOOL_DAMAGED, doc, "the stored copy could not be read again for printer '%s', so it cannot be printed. Send the document again.", t->name);
        break;
      }

      if ((http = sink_connect(t, &s, doc, result)) == NULL)
        break;
    }

    if (print_job(t, http, doc, &plan, &s, buf, result) == SEND_DONE)
      break;

    httpClose(http);
    http = NULL;

    if (attempt >= s.retries)
    {
      set_result(result, GW_SINK_HOLD, GW_REASON_PRINTER_BUSY, doc, "printer '%s' stayed busy after %d tr%s; the job stays held. Try again in a few minutes or pick another printer.", t->name, attempt + 1, attempt ? "ies" : "y");
      break;
    }
  }

  httpClose(http);
  free(buf);

  if (result->status == GW_SINK_OK)
    gwLog(s.log, GW_LOG_INFO, "Job %s sent to '%s' at %s as printer job %d.", doc->job_id ? doc->job_id : "-", t->name, t->display, result->printer_job_id);
}


/*
 * '_gwSinkCheck()' - Both sinks' check(): parse the printer's URI (its
 *                    scheme says the kind of sink), then ask the printer.
 */

bool
_gwSinkCheck(const char *printer_name, const char *uri, const gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result)
{
  _gw_sink_target_t t;

  memset(result, 0, sizeof(*result));

  if (!_gwSinkTargetInit(&t, printer_name, uri, doc, result))
    return (false);

  return (target_check(&t, doc, opts, result));
}


/*
 * '_gwSinkFind()' - Both sinks' find(): parse the printer's URI (its
 *                   scheme says the kind of sink), then ask the printer.
 *                   A URI that cannot be used means the printer cannot say.
 */

gw_sink_found_t
_gwSinkFind(const char *printer_name, const char *uri, const gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result)
{
  _gw_sink_target_t t;

  memset(result, 0, sizeof(*result));

  if (!_gwSinkTargetInit(&t, printer_name, uri, doc, result))
  {
    result->status = GW_SINK_HOLD;
    result->reason = GW_REASON_MAY_HAVE_PRINTED;
    return (GW_SINK_FOUND_UNKNOWN);
  }

  return (target_find(&t, doc, opts, result));
}


/*
 * '_gwSinkSend()' - Both sinks' send(): parse the printer's URI (its
 *                   scheme says the kind of sink), then check the printer
 *                   and send the job.
 */

void
_gwSinkSend(const char *printer_name, const char *uri, gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result)
{
  _gw_sink_target_t t;

  memset(result, 0, sizeof(*result));

  if (_gwSinkTargetInit(&t, printer_name, uri, doc, result))
    target_send(&t, doc, opts, result);
}
