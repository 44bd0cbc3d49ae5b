/*
 * web-pages.c - the web portal's HTML pages (docs/web.md): sign-in by
 * code, link or password; my jobs (cancel, release to a chosen printer,
 * release all, a new PIN, my addresses); /p/PRINTER (the page behind a
 * printer's QR code); the sender verification link; sign out.
 *
 * Server-rendered, phone first, working without JavaScript wherever a
 * form can (web.js only adds the upload with progress and drag and drop);
 * no inline script or style (the CSP forbids them).  Every user string is
 * HTML-escaped (_gwWebBufAddHtml()); every form that changes something
 * carries the session's CSRF token.  The selectors the browser tests use
 * are listed in docs/web.md.
 */

#include "web-private.h"

#include <printgate/system.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/*
 * '_gwWebPageBegin()' - The page's head, header and navigation.
 */

void
_gwWebPageBegin(web_buf_t *b, web_req_t *r, const char *title)
{
  _gwWebBufAdd(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
  _gwWebBufAddHtml(b, title);
  _gwWebBufAdd(b, " - Printgate</title><link rel=\"stylesheet\" href=\"/static/web.css\"></head>\n<body>"
                  "<a class=\"skip\" href=\"#main\">Skip to the content</a><header><a class=\"brand\" href=\"/jobs\">Printgate</a>");
  if (r->signed_in)
  {
    _gwWebBufAdd(b, "<nav><a href=\"/jobs\" id=\"nav-jobs\">My jobs</a> <a href=\"/setup\" id=\"nav-setup\">Phone set-up</a> "
                    "<form method=\"post\" action=\"/signout\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"");
    _gwWebBufAddHtml(b, r->session.csrf);
    _gwWebBufAdd(b, "\"><button type=\"submit\" id=\"signout\">Sign out</button></form></nav>");
  }
  _gwWebBufAdd(b, "</header>\n<main id=\"main\"><h1>");
  _gwWebBufAddHtml(b, title);
  _gwWebBufAdd(b, "</h1>\n");
}


/*
 * '_gwWebPageEnd()' - The page's end (and its one script).
 */

void
_gwWebPageEnd(web_buf_t *b)
{
  _gwWebBufAdd(b, "</main>\n<script src=\"/static/web.js\" defer></script></body></html>\n");
}


/*
 * '_gwWebPageSend()' - Answer a page (and free its buffer).
 */

void
_gwWebPageSend(web_req_t *r, int status, web_buf_t *b)
{
  if (b->failed)
    _gwWebRespond(r, 500, "text/plain", "The page was too large.\n", 24);
  else
    _gwWebRespond(r, status, "text/html; charset=utf-8", b->data, b->len);
  _gwWebBufFree(b);
}


/*
 * '_gwWebPageMessage()' - A page with one sentence and a way on.
 */

void
_gwWebPageMessage(web_req_t *r, int status, const char *title, const char *sentence)
{
  web_buf_t b = { 0 };

  _gwWebPageBegin(&b, r, title);
  _gwWebBufAdd(&b, "<p class=\"message\" id=\"message\" role=\"status\">");
  _gwWebBufAddHtml(&b, sentence);
  _gwWebBufAdd(&b, r->signed_in ? "</p><p><a href=\"/jobs\">Back to my jobs</a></p>" : "</p><p><a href=\"/signin\">Sign in</a></p>");
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, status, &b);
}


/*
 * 'csrf_field()' - The hidden CSRF field of a form.
 */

static void
csrf_field(web_buf_t *b, web_req_t *r)
{
  _gwWebBufAdd(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
  _gwWebBufAddHtml(b, r->session.csrf);
  _gwWebBufAdd(b, "\">");
}


/*
 * 'next_path()' - Where to go after signing in: a "next" field or query
 *                 of ours (/p/NAME, /jobs, /setup), else /jobs.
 */

static const char *
next_path(web_req_t *r, char *buf, size_t bufsize)
{
  const char *next = r->req ? gwRequestQuery(r->req, "next") : NULL;

  if (!next)
    next = _gwWebField(r, "next", buf, bufsize);
  if (next && ((!strncmp(next, "/p/", 3) && _gwWebSafeName(next + 3)) || !strcmp(next, "/setup")))
  {
    if (next != buf)
      snprintf(buf, bufsize, "%s", next);
    return (buf);
  }

  return ("/jobs");
}


/*
 * 'page_root()' - GET /: my jobs, or the sign-in page.
 */

static void
page_root(web_req_t *r)
{
  _gwWebRedirect(r, r->signed_in ? "/jobs" : "/signin");
}


/*
 * 'signin_form()' - The sign-in page: an address for a code, or a name and password.
 */

static void
signin_form(web_req_t *r, int status, const char *sentence)
{
  web_buf_t b = { 0 };
  char      next[160];

  next_path(r, next, sizeof(next));
  _gwWebPageBegin(&b, r, "Sign in");
  if (sentence)
  {
    _gwWebBufAdd(&b, "<p class=\"error\" id=\"error\" role=\"alert\">");
    _gwWebBufAddHtml(&b, sentence);
    _gwWebBufAdd(&b, "</p>");
  }
  _gwWebBufAdd(&b, "<form method=\"post\" action=\"/signin/code\" id=\"signin-code\"><input type=\"hidden\" name=\"next\" value=\"");
  _gwWebBufAddHtml(&b, next);
  _gwWebBufAdd(&b, "\"><label for=\"address\">Your email address</label>"
                   "<input type=\"email\" id=\"address\" name=\"address\" autocomplete=\"email\" required autofocus>"
                   "<button type=\"submit\">Send me a code</button></form>"
                   "<details><summary>Sign in with a password</summary>"
                   "<form method=\"post\" action=\"/signin/password\" id=\"signin-password\"><input type=\"hidden\" name=\"next\" value=\"");
  _gwWebBufAddHtml(&b, next);
  _gwWebBufAdd(&b, "\"><label for=\"name\">Name</label><input id=\"name\" name=\"name\" autocomplete=\"username\" required>"
                   "<label for=\"password\">Password</label><input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required>"
                   "<button type=\"submit\">Sign in</button></form></details>");
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, status, &b);
}

static void page_signin(web_req_t *r) { signin_form(r, 200, NULL); }


/*
 * 'page_signin_code()' - POST /signin/code: mail a code, ask for it.
 */

static void
page_signin_code(web_req_t *r)
{
  gw_actor_t  actor;
  web_buf_t   b = { 0 };
  char        address[256], prefix[512], next[160];
  const char *reason = NULL, *error = NULL;

  _gwWebActor(r, &actor);
  _gwWebLinkPrefix(r, "/signin/link?t=", prefix, sizeof(prefix));
  if (!_gwWebField(r, "address", address, sizeof(address)) || !gwApiSigninCodeSend(r->web->sys, &actor, address, prefix, &reason, &error))
  {
    signin_form(r, 400, error ? error : "Type your email address.");
    return;
  }

  next_path(r, next, sizeof(next));
  _gwWebPageBegin(&b, r, "Type the code");
  _gwWebBufAdd(&b, "<p>We sent a 6-digit code and a link to <strong>");
  _gwWebBufAddHtml(&b, address);
  _gwWebBufAdd(&b, "</strong>. They work once, for 15 minutes.</p><form method=\"post\" action=\"/signin/verify\" id=\"signin-verify\">"
                   "<input type=\"hidden\" name=\"address\" value=\"");
  _gwWebBufAddHtml(&b, address);
  _gwWebBufAdd(&b, "\"><input type=\"hidden\" name=\"next\" value=\"");
  _gwWebBufAddHtml(&b, next);
  _gwWebBufAdd(&b, "\"><label for=\"code\">Code</label><input id=\"code\" name=\"code\" inputmode=\"numeric\" pattern=\"[0-9]{6}\" "
                   "maxlength=\"6\" autocomplete=\"one-time-code\" required autofocus><button type=\"submit\">Sign in</button></form>");
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}


/*
 * 'signin_done()' - Signed in: the cookie, and on to next.
 */

static void
signin_done(web_req_t *r, char *sid, const gw_session_t *s)
{
  char next[160];

  _gwWebSetCookie(r, sid, s->expires - (int64_t)time(NULL));
  gwWipe(sid, GW_API_SESSION_ID_LEN + 1);
  _gwWebRedirect(r, next_path(r, next, sizeof(next)));
}


/*
 * 'page_signin_verify()' - POST /signin/verify (address and code) or
 *                          /signin/link (a link's token t).
 */

static void
page_signin_verify(web_req_t *r)
{
  gw_actor_t   actor;
  gw_session_t s;
  char         address[256], code[64], sid[GW_API_SESSION_ID_LEN + 1];
  const char  *reason = NULL, *error = NULL, *a = _gwWebField(r, "address", address, sizeof(address));

  _gwWebActor(r, &actor);
  if (!_gwWebField(r, a ? "code" : "t", code, sizeof(code)) || !gwApiSigninCode(r->web->sys, &actor, a, code, sid, sizeof(sid), &s, &reason, &error))
    signin_form(r, reason && !strcmp(reason, "locked") ? 429 : 401, error ? error : "The code is wrong, used or expired.");
  else
    signin_done(r, sid, &s);
  gwWipe(code, sizeof(code));
}


/*
 * 'token_form()' - A page with one button that posts the link's token t
 *                  (a mail scanner opening a link must not use it up).
 */

static void
token_form(web_req_t *r, const char *title, const char *intro, const char *action, const char *id, const char *button)
{
  web_buf_t   b = { 0 };
  const char *t = gwRequestQuery(r->req, "t");

  _gwWebPageBegin(&b, r, title);
  if (intro)
    _gwWebBufAddf(&b, "<p>%s</p>", intro);
  _gwWebBufAddf(&b, "<form method=\"post\" action=\"%s\" id=\"%s\"><input type=\"hidden\" name=\"t\" value=\"", action, id);
  _gwWebBufAddHtml(&b, t ? t : "");
  _gwWebBufAddf(&b, "\"><button type=\"submit\" autofocus>%s</button></form>", button);
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}


/*
 * 'page_signin_link()' - GET /signin/link?t=: a button, so that a mail
 *                        scanner opening the link does not use it up.
 */

static void
page_signin_link(web_req_t *r)
{
  token_form(r, "Sign in", NULL, "/signin/link", "signin-link", "Sign in to Printgate");
}


/*
 * '_gwWebPasswordSignin()' - Sign in with the form's name and password
 *                            (slow: on a task; the answer carries only the
 *                            cookie, so the way on to 'next' is a link, not
 *                            a redirect).  false (nothing answered) when
 *                            refused.
 */

bool
_gwWebPasswordSignin(web_req_t *r, const char *next)
{
  gw_actor_t   actor;
  gw_session_t s;
  web_buf_t    b = { 0 };
  char         name[128], password[300], sid[GW_API_SESSION_ID_LEN + 1];
  const char  *error = NULL;
  bool         ok;

  _gwWebActor(r, &actor);
  ok = _gwWebField(r, "name", name, sizeof(name)) && _gwWebField(r, "password", password, sizeof(password)) &&
       gwApiSigninPassword(r->web->sys, &actor, name, password, sid, sizeof(sid), &s, &error);
  gwWipe(password, sizeof(password));
  if (!ok)
    return (false);

  _gwWebSetCookie(r, sid, s.expires - (int64_t)time(NULL));
  gwWipe(sid, sizeof(sid));
  _gwWebPageBegin(&b, r, "Signed in");
  _gwWebBufAdd(&b, "<p><a href=\"");
  _gwWebBufAddHtml(&b, next);
  _gwWebBufAdd(&b, "\" id=\"continue\" autofocus>Continue</a></p>");
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
  return (true);
}


/*
 * 'page_signin_password()' - POST /signin/password.
 */

static void
page_signin_password(web_req_t *r)
{
  char next[160];

  if (!_gwWebPasswordSignin(r, next_path(r, next, sizeof(next))))
    signin_form(r, 401, "The name or the password is wrong (or sign-in is locked for a while).");
}


/*
 * 'page_signout()' - POST /signout.
 */

static void
page_signout(web_req_t *r)
{
  gw_actor_t actor;

  _gwWebActor(r, &actor);
  gwApiSessionEnd(r->web->sys, &actor, r->sid, false, NULL);
  _gwWebSetCookie(r, NULL, 0);
  _gwWebRedirect(r, "/signin");
}


typedef struct jobs_page_s      /* What the jobs page collects */
{
  web_buf_t  *b;
  web_req_t  *r;
  web_buf_t   printers;         /* <option>s */
  int         held;
} jobs_page_t;


/*
 * 'printer_option()' - A printer as an <option>.
 */

static bool
printer_option(const gw_printer_t *p, void *data)
{
  web_buf_t *b = (web_buf_t *)data;

  _gwWebBufAdd(b, "<option value=\"");
  _gwWebBufAddHtml(b, p->name);
  _gwWebBufAdd(b, "\">");
  _gwWebBufAddHtml(b, p->name);
  if (p->location[0])
  {
    _gwWebBufAdd(b, " (");
    _gwWebBufAddHtml(b, p->location);
    _gwWebBufAdd(b, ")");
  }
  _gwWebBufAdd(b, "</option>");
  return (true);
}


/*
 * 'select_field()' - A <select> of keywords with one chosen.
 */

static void
select_field(web_buf_t *b, const char *id, const char *name, const char *label, const char * const *values, const char * const *labels, int count, const char *chosen)
{
  _gwWebBufAddf(b, "<label for=\"%s\">%s</label><select id=\"%s\" name=\"%s\">", id, label, id, name);
  for (int i = 0; i < count; i ++)
    _gwWebBufAddf(b, "<option value=\"%s\"%s>%s</option>", values[i], chosen && !strcmp(chosen, values[i]) ? " selected" : "", labels[i]);
  _gwWebBufAdd(b, "</select>");
}


/*
 * 'options_fields()' - The print options as form fields (ids end in
 *                      suffix: "" on the upload form, "-ID" on a held
 *                      job), set from a job's options when one is given.
 *                      Guests get black and white only (their policy).
 */

static void
options_fields(web_buf_t *b, const char *suffix, bool guest, const gw_job_t *job)
{
  static const char * const sides[]        = { "one-sided", "two-sided-long-edge", "two-sided-short-edge" };
  static const char * const sides_text[]   = { "One-sided", "Two-sided (long edge)", "Two-sided (short edge)" };
  static const char * const colors[]       = { "auto", "monochrome", "color" };
  static const char * const colors_text[]  = { "As the document", "Black and white", "Colour" };
  static const char * const nup[]          = { "1", "2", "4", "6", "9", "16" };
  char                      id[80], chosen[16];

  _gwWebBufAddf(b, "<fieldset class=\"options\" id=\"options%s\"><legend>Print options</legend>", suffix);
  _gwWebBufAddf(b, "<label for=\"copies%s\">Copies</label><input type=\"number\" id=\"copies%s\" name=\"copies\" min=\"1\" max=\"999\" value=\"%d\">",
                suffix, suffix, job && job->copies > 0 ? job->copies : 1);
  snprintf(id, sizeof(id), "sides%s", suffix);
  select_field(b, id, "sides", "Sides", sides, sides_text, 3, job ? job->sides : NULL);
  snprintf(id, sizeof(id), "color-mode%s", suffix);
  if (guest)
    select_field(b, id, "color_mode", "Colour", colors + 1, colors_text + 1, 1, NULL);
  else
    select_field(b, id, "color_mode", "Colour", colors, colors_text, 3, job ? job->color_mode : NULL);
  _gwWebBufAddf(b, "<label for=\"page-ranges%s\">Pages</label><input type=\"text\" id=\"page-ranges%s\" name=\"page_ranges\" "
                   "placeholder=\"all, or e.g. 1-3,5\" maxlength=\"%d\" value=\"", suffix, suffix, GW_JOB_PAGE_RANGES_MAX);
  _gwWebBufAddHtml(b, job ? job->page_ranges : "");
  _gwWebBufAdd(b, "\">");
  snprintf(id, sizeof(id), "number-up%s", suffix);
  snprintf(chosen, sizeof(chosen), "%d", job && job->number_up > 0 ? job->number_up : 1);
  select_field(b, id, "number_up", "Pages per side", nup, nup, 6, chosen);
  _gwWebBufAdd(b, "</fieldset>");
}


/*
 * 'job_row()' - One job of the list, with its forms when it is held.
 */

static bool
job_row(const gw_job_t *job, void *data)
{
  jobs_page_t *jp = (jobs_page_t *)data;
  web_buf_t   *b = jp->b;
  char         when[32], expires[32], suffix[GW_UUID_LEN + 2];
  struct tm    tmv;
  time_t       t = (time_t)job->created, e = (time_t)job->expires;

  strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime_r(&t, &tmv));
  if (job->expires > 0)
    strftime(expires, sizeof(expires), "%H:%M", localtime_r(&e, &tmv));
  else
    snprintf(expires, sizeof(expires), "-");

  _gwWebBufAddf(b, "<li class=\"job state-%s\" data-job=\"%s\"><h2 class=\"job-name\">", gwJobStateString(job->state), job->id);
  _gwWebBufAddHtml(b, job->name);
  _gwWebBufAddf(b, "</h2><p class=\"job-facts\"><span class=\"job-state\">%s</span> &middot; %s &middot; <span class=\"job-pages\">%d</span> page%s",
                gwJobStateString(job->state), when, job->pages, job->pages == 1 ? "" : "s");
  if (job->color_pages > 0)
    _gwWebBufAddf(b, ", %d in colour", job->color_pages);
  else if (job->color_pages == 0)
    _gwWebBufAddf(b, ", black and white");
  _gwWebBufAddf(b, " &middot; <span class=\"job-options\">%d cop%s, %s, %s", job->copies, job->copies == 1 ? "y" : "ies", job->sides, job->color_mode);
  if (job->page_ranges[0])
  {
    _gwWebBufAdd(b, ", pages ");
    _gwWebBufAddHtml(b, job->page_ranges);
  }
  if (job->number_up > 1)
    _gwWebBufAddf(b, ", %d per side", job->number_up);
  _gwWebBufAddf(b, "</span> &middot; expires %s</p>", expires);
  if (job->reason_text[0])
  {
    _gwWebBufAdd(b, "<p class=\"job-reason\">");
    _gwWebBufAddHtml(b, job->reason_text);
    _gwWebBufAdd(b, "</p>");
  }
  if (job->state == GW_JOB_STATE_HELD)
  {
    jp->held ++;
    _gwWebBufAddf(b, "<form method=\"post\" action=\"/jobs/release\" class=\"release\"><input type=\"hidden\" name=\"id\" value=\"%s\">", job->id);
    csrf_field(b, jp->r);
    _gwWebBufAddf(b, "<label for=\"printer-%s\">Printer</label><select id=\"printer-%s\" name=\"printer\">", job->id, job->id);
    _gwWebBufAdd(b, jp->printers.data ? jp->printers.data : "");
    _gwWebBufAdd(b, "</select><button type=\"submit\" class=\"release-button\">Print</button></form>");
    _gwWebBufAddf(b, "<details class=\"change\"><summary>Change options</summary><form method=\"post\" action=\"/jobs/options\" class=\"options\">"
                     "<input type=\"hidden\" name=\"id\" value=\"%s\">", job->id);
    csrf_field(b, jp->r);
    snprintf(suffix, sizeof(suffix), "-%s", job->id);
    options_fields(b, suffix, jp->r->session.user.role == GW_ROLE_GUEST, job);
    _gwWebBufAdd(b, "<button type=\"submit\" class=\"options-button\">Save options</button></form></details>");
  }
  if (job->state == GW_JOB_STATE_HELD || job->state == GW_JOB_STATE_QUARANTINED || job->state == GW_JOB_STATE_PRINTED)
  {
    _gwWebBufAddf(b, "<form method=\"post\" action=\"/jobs/cancel\" class=\"cancel\"><input type=\"hidden\" name=\"id\" value=\"%s\">", job->id);
    csrf_field(b, jp->r);
    _gwWebBufAdd(b, "<button type=\"submit\" class=\"cancel-button\">Cancel</button></form>");
  }
  _gwWebBufAdd(b, "</li>\n");

  return (true);
}


/*
 * 'code_form()' - The form that proves an address with its mailed code.
 */

static void
code_form(web_buf_t *b, web_req_t *r, const char *address, const char *id)
{
  _gwWebBufAddf(b, "<form method=\"post\" action=\"/addresses/verify\" class=\"address-verify\" id=\"%s\"><input type=\"hidden\" name=\"address\" value=\"", id);
  _gwWebBufAddHtml(b, address);
  _gwWebBufAdd(b, "\">");
  csrf_field(b, r);
  _gwWebBufAddf(b, "<label for=\"%s-code\">Code from the mail</label><input type=\"text\" id=\"%s-code\" name=\"code\" inputmode=\"numeric\" "
                   "autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" maxlength=\"6\" required>"
                   "<button type=\"submit\">Confirm</button></form>", id, id);
}


/*
 * 'address_row()' - One of my addresses, with the code form while pending.
 */

typedef struct address_page_s   /* address_row()'s state */
{
  web_buf_t *b;
  web_req_t *r;
  int        count;
} address_page_t;

static bool
address_row(const gw_address_t *a, void *data)
{
  static const char * const states[] = { "waiting for its code", "verified", "revoked" };
  address_page_t           *ap = (address_page_t *)data;
  char                      id[32];

  _gwWebBufAdd(ap->b, "<li class=\"address\"><span class=\"address-name\">");
  _gwWebBufAddHtml(ap->b, a->address);
  _gwWebBufAddf(ap->b, "</span> &middot; <span class=\"address-state\">%s</span>", states[a->state <= GW_ADDRESS_REVOKED ? a->state : 0]);
  if (a->state == GW_ADDRESS_PENDING)
  {
    snprintf(id, sizeof(id), "address-verify-%d", ap->count);
    code_form(ap->b, ap->r, a->address, id);
  }
  _gwWebBufAdd(ap->b, "</li>");
  ap->count ++;

  return (true);
}


/*
 * 'addresses_section()' - My addresses, and the form that adds one.
 */

static void
addresses_section(web_buf_t *b, web_req_t *r, const gw_actor_t *actor)
{
  address_page_t ap = { b, r, 0 };

  _gwWebBufAdd(b, "<section><h2>My email addresses</h2><p>Documents mailed from a verified address are yours; each address "
                  "can sign you in.</p><ul class=\"addresses\" id=\"addresses\">");
  gwApiAddressIterate(r->web->sys, actor, r->session.user.name, address_row, &ap);
  _gwWebBufAdd(b, "</ul><form method=\"post\" action=\"/addresses/add\" id=\"address-add\">");
  csrf_field(b, r);
  _gwWebBufAdd(b, "<label for=\"new-address\">Add an address</label><input type=\"email\" id=\"new-address\" name=\"address\" "
                  "autocomplete=\"email\" maxlength=\"254\" required><button type=\"submit\">Send a code</button></form></section>");
}


/*
 * 'page_address_add()' - POST /addresses/add (address): a code is mailed;
 *                        the answer is the form for it.
 */

static void
page_address_add(web_req_t *r)
{
  web_buf_t   b = { 0 };
  char        address[256], text[512];
  const char *reason = NULL, *a = _gwWebField(r, "address", address, sizeof(address));
  int         status;

  if (!_gwWebAddressAdd(r, a, &status, &reason, text, sizeof(text)))
  {
    _gwWebPageMessage(r, status, "Address not added", text);
    return;
  }

  _gwWebPageBegin(&b, r, "Check your mail");
  _gwWebBufAdd(&b, "<p class=\"message\" id=\"message\" role=\"status\">A code is on its way to ");
  _gwWebBufAddHtml(&b, address);
  _gwWebBufAdd(&b, ". Type it here (it works for 15 minutes).</p>");
  code_form(&b, r, address, "address-verify");
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 202, &b);
}


/*
 * 'page_address_verify()' - POST /addresses/verify (address, code).
 */

static void
page_address_verify(web_req_t *r)
{
  char        address[256], text[512];
  const char *reason = NULL;
  int         status;

  if (_gwWebAddressVerify(r, address, sizeof(address), &status, &reason, text, sizeof(text)))
    _gwWebRedirect(r, "/jobs");
  else
    _gwWebPageMessage(r, status, "Address not confirmed", text);
}


/*
 * 'page_jobs()' - GET /jobs: upload, my jobs, release all, PIN, addresses.
 */

static void
page_jobs(web_req_t *r)
{
  gw_actor_t  actor;
  web_buf_t   b = { 0 };
  jobs_page_t jp;

  memset(&jp, 0, sizeof(jp));
  jp.b = &b;
  jp.r = r;
  _gwWebActor(r, &actor);
  gwApiPrinterIterate(r->web->sys, &actor, printer_option, &jp.printers);

  /*
   * One form: the token, the print options, then the files (the order the
   * streamed form handler needs).  The script shows the drop box, hides
   * the form's own file field and sends each file with the same options.
   */

  _gwWebPageBegin(&b, r, "My jobs");
  _gwWebBufAdd(&b, "<section class=\"upload\" id=\"upload\"><h2>Print a document</h2><p>PDF, PostScript, images, text"
                   " (and Office files when the gateway has them).</p>"
                   "<form method=\"post\" action=\"/jobs/upload\" enctype=\"multipart/form-data\" id=\"upload-form\">");
  csrf_field(&b, r);
  options_fields(&b, "", r->session.user.role == GW_ROLE_GUEST, NULL);
  _gwWebBufAdd(&b, "<div id=\"drop\" class=\"drop\" hidden data-csrf=\"");
  _gwWebBufAddHtml(&b, r->session.csrf);
  _gwWebBufAdd(&b, "\"><label for=\"files\">Choose files, or drop them here</label><input type=\"file\" id=\"files\" multiple>"
                   "<ul id=\"progress\" class=\"progress\" aria-live=\"polite\"></ul></div>"
                   "<div id=\"form-pick\"><label for=\"form-files\">Files</label><input type=\"file\" id=\"form-files\" name=\"files\" multiple required>"
                   "<button type=\"submit\">Upload</button></div></form></section>\n"
                   "<section><h2>Waiting to print</h2><ul class=\"jobs\" id=\"jobs\">");
  gwApiJobIterate(r->web->sys, &actor, r->session.user.name, 0, job_row, &jp);
  _gwWebBufAdd(&b, "</ul>");
  if (jp.held == 0)
    _gwWebBufAdd(&b, "<p id=\"no-jobs\">Nothing is waiting.</p>");
  else
  {
    _gwWebBufAdd(&b, "<form method=\"post\" action=\"/jobs/release\" id=\"release-all\">");
    csrf_field(&b, r);
    _gwWebBufAdd(&b, "<label for=\"printer-all\">Printer</label><select id=\"printer-all\" name=\"printer\">");
    _gwWebBufAdd(&b, jp.printers.data ? jp.printers.data : "");
    _gwWebBufAdd(&b, "</select><button type=\"submit\">Print all</button></form>");
  }
  _gwWebBufAdd(&b, "</section><section><h2>Release PIN</h2><p>Type it at a printer's panel to print your jobs there.</p>"
                   "<form method=\"post\" action=\"/jobs/pin\" id=\"pin-new\">");
  csrf_field(&b, r);
  _gwWebBufAdd(&b, "<button type=\"submit\">Make a new PIN</button></form></section>");
  addresses_section(&b, r, &actor);
  _gwWebPageEnd(&b);
  _gwWebBufFree(&jp.printers);
  _gwWebPageSend(r, 200, &b);
}


/*
 * 'page_job_cancel()' - POST /jobs/cancel (id).
 */

static void
page_job_cancel(web_req_t *r)
{
  gw_actor_t  actor;
  gw_job_t    job;
  char        id[64];
  const char *error = NULL;

  _gwWebActor(r, &actor);
  if (!_gwWebField(r, "id", id, sizeof(id)) || !gwApiJobGet(r->web->sys, &actor, id, &job))
    _gwWebError(r, 404, "no-such-job", "No such job.");
  else if (!gwApiJobCancel(r->web->sys, &actor, id, &error))
    _gwWebError(r, 409, "not-cancellable", "This job cannot be cancelled now.");
  else
    _gwWebRedirect(r, "/jobs");
}


/*
 * 'page_job_options()' - POST /jobs/options (id and the options).
 */

static void
page_job_options(web_req_t *r)
{
  gw_job_t job;
  char     id[64], text[512];
  int      status;

  if (_gwWebJobOptionsChange(r, _gwWebField(r, "id", id, sizeof(id)), &job, &status, text, sizeof(text)))
    _gwWebRedirect(r, "/jobs");
  else
    _gwWebPageMessage(r, status, "Options not changed", text);
}


/*
 * 'page_job_release()' - POST /jobs/release (printer, id or none = all); slow.
 */

static void
page_job_release(web_req_t *r)
{
  char id[64], printer[128], text[600];
  int  status;
  bool ok = _gwWebReleaseText(r, _gwWebField(r, "id", id, sizeof(id)), _gwWebField(r, "printer", printer, sizeof(printer)), text, sizeof(text), &status);

  _gwWebPageMessage(r, ok ? 200 : status, ok ? "Printing" : "Not printed", text);
}


/*
 * 'page_pin()' - POST /jobs/pin: a new PIN, shown once.
 */

static void
page_pin(web_req_t *r)
{
  gw_actor_t  actor;
  web_buf_t   b = { 0 };
  char        pin[32];
  const char *error = NULL;

  _gwWebActor(r, &actor);
  if (!gwApiPinNew(r->web->sys, &actor, r->session.user.name, pin, sizeof(pin), &error))
  {
    _gwWebPageMessage(r, 500, "No PIN", "A PIN could not be made; try again.");
    return;
  }

  _gwWebPageBegin(&b, r, "Your new PIN");
  _gwWebBufAdd(&b, "<p class=\"secret\" id=\"pin\">");
  _gwWebBufAddHtml(&b, pin);
  _gwWebBufAdd(&b, "</p><p>It is shown only now; the old one no longer works.</p><p><a href=\"/jobs\">Back to my jobs</a></p>");
  _gwWebPageEnd(&b);
  gwWipe(pin, sizeof(pin));
  _gwWebPageSend(r, 200, &b);
}


/*
 * 'page_printer()' - GET /p/NAME: the page behind a printer's QR code.
 */

static void
page_printer(web_req_t *r)
{
  gw_actor_t   actor;
  gw_printer_t p;
  web_buf_t    b = { 0 };
  int          held;

  _gwWebActor(r, &actor);
  if (!gwApiPrinterFind(r->web->sys, &actor, r->param[0], &p))
  {
    _gwWebError(r, 404, "no-such-printer", "There is no such printer on this gateway.");
    return;
  }

  held = gwApiJobCount(r->web->sys, &actor, r->session.user.name, 1u << GW_JOB_STATE_HELD);
  _gwWebPageBegin(&b, r, p.name);
  _gwWebBufAdd(&b, "<p class=\"location\" id=\"location\">");
  _gwWebBufAddHtml(&b, p.location[0] ? p.location : "No location given.");
  _gwWebBufAddf(&b, "</p><p id=\"held\">You have %d job%s waiting.</p>", held < 0 ? 0 : held, held == 1 ? "" : "s");
  if (held > 0)
  {
    _gwWebBufAdd(&b, "<form method=\"post\" action=\"/jobs/release\" id=\"release-here\"><input type=\"hidden\" name=\"printer\" value=\"");
    _gwWebBufAddHtml(&b, p.name);
    _gwWebBufAdd(&b, "\">");
    csrf_field(&b, r);
    _gwWebBufAdd(&b, "<button type=\"submit\" autofocus>Print all here</button></form>");
  }
  _gwWebBufAdd(&b, "<p><a href=\"/jobs\">Choose jobs one by one</a></p>");
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}


/*
 * 'page_verify()' - GET /verify?t=: confirm a mail sender's address (a
 *                   button, so a mail scanner does not use the link up).
 */

static void
page_verify(web_req_t *r)
{
  token_form(r, "Confirm your address", "Confirm that this address is yours: the documents you mailed to the gateway then wait for you at the printers.",
             "/verify", "verify", "Confirm");
}


/*
 * 'page_verify_post()' - POST /verify: use the token (gwApiTokenConfirm()).
 */

static void
page_verify_post(web_req_t *r)
{
  gw_address_t addr;
  char         sentence[400];

  if (!_gwWebTokenConfirm(r, "t", &addr))
    _gwWebPageMessage(r, 404, "Not confirmed", "The link is wrong, used or expired.");
  else
  {
    snprintf(sentence, sizeof(sentence), "%s is confirmed; your mailed documents now wait for you at the printers.", addr.address);
    _gwWebPageMessage(r, 200, "Confirmed", sentence);
  }
}


/*
 * The pages.
 */

const web_call_t _gwWebPageCalls[] =
{
  { "GET",  "/",                  WEB_AUTH_NONE,    false, page_root },
  { "GET",  "/signin",            WEB_AUTH_NONE,    false, page_signin },
  { "POST", "/signin/code",       WEB_AUTH_NONE,    false, page_signin_code },
  { "POST", "/signin/verify",     WEB_AUTH_NONE,    false, page_signin_verify },
  { "GET",  "/signin/link",       WEB_AUTH_NONE,    false, page_signin_link },
  { "POST", "/signin/link",       WEB_AUTH_NONE,    false, page_signin_verify },
  { "POST", "/signin/password",   WEB_AUTH_NONE,    true,  page_signin_password },
  { "POST", "/signout",           WEB_AUTH_CSRF,    false, page_signout },
  { "GET",  "/jobs",              WEB_AUTH_SESSION, false, page_jobs },
  { "POST", "/jobs/upload",       WEB_AUTH_SESSION, false, NULL },   /* Streamed; its CSRF field is checked as it arrives */
  { "POST", "/jobs/cancel",       WEB_AUTH_CSRF,    false, page_job_cancel },
  { "POST", "/jobs/release",      WEB_AUTH_CSRF,    true,  page_job_release },
  { "POST", "/jobs/options",      WEB_AUTH_CSRF,    false, page_job_options },
  { "POST", "/addresses/add",     WEB_AUTH_CSRF,    false, page_address_add },
  { "POST", "/addresses/verify",  WEB_AUTH_CSRF,    false, page_address_verify },
  { "POST", "/jobs/pin",          WEB_AUTH_CSRF,    false, page_pin },
  { "GET",  "/p/{printer}",       WEB_AUTH_SESSION, false, page_printer },
  { "GET",  "/setup",             WEB_AUTH_SESSION, false, _gwWebSetupPage },
  { "POST", "/setup/device",      WEB_AUTH_CSRF,    false, _gwWebSetupDevice },
  { "POST", "/setup/revoke",      WEB_AUTH_CSRF,    false, _gwWebSetupDevice },
  { "POST", "/setup/mobileconfig", WEB_AUTH_CSRF,   false, _gwWebDeviceMobileconfig },
  { "GET",  "/verify",            WEB_AUTH_NONE,    false, page_verify },
  { "POST", "/verify",            WEB_AUTH_NONE,    false, page_verify_post },
  { "GET",  "/static/{file}",     WEB_AUTH_NONE,    false, _gwWebStatic }
};

const int _gwWebPageNumCalls = (int)(sizeof(_gwWebPageCalls) / sizeof(_gwWebPageCalls[0]));
