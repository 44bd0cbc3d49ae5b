/*
 * web-upload-form.c - POST /jobs/upload: the upload form that works
 * without JavaScript (multipart/form-data, several files in the field
 * "files"), parsed as it streams by the bounded parser of multipart.c and
 * written into the encrypted spool part by part (gwApiJobSubmit(), then
 * gwSubmissionWrite() per piece, gwSubmissionEnd() at each part's end):
 * memory stays constant whatever the files' sizes.
 *
 * The CSRF token is the form's first field ("csrf"): a file part that
 * comes before a valid token is refused (403) before a byte of it is kept.
 * The print options (copies, sides, color_mode, page_ranges, number_up)
 * are the fields before the files and go with each of them; the core
 * checks them as for the API (a refused option: 400 with its sentence).
 * File names go through gwWebFilenameSanitize() (the core cleans them
 * again).  The body is bounded by MaxDocumentSize plus 64 KB for the form
 * (a Content-Length over it: 413 before reading), each file by the core.
 */

#include "web-private.h"
#include "multipart.h"

#include <printgate/config.h>
#include <printgate/system.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORM_MAX_FILES 16
#define FORM_VALUE_MAX 128              /* An option field's value */

static const char * const form_fields[] =   /* The fields kept (before the files), csrf first */
{
  "csrf", "copies", "sides", "color_mode", "page_ranges", "number_up"
};
#define FORM_FIELDS (int)(sizeof(form_fields) / sizeof(form_fields[0]))

struct web_form_s               /* One form upload */
{
  web_req_t       *r;
  gw_multipart_t  *mp;
  gw_submission_t *sub;                     /* The file part being received */
  int              field;                   /* The form_fields[] being read, or -1 */
  bool             csrf_ok;
  char             values[FORM_FIELDS][FORM_VALUE_MAX];   /* values[0] is the CSRF token */
  size_t           lens[FORM_FIELDS];
  int              status;                  /* 0, or the refusal's HTTP status */
  char             text[512];               /* The refusal's sentence */
  int              files;
  char             names[FORM_MAX_FILES][GW_WEB_FILENAME_MAX + 1];
};


/*
 * 'refuse()' - Remember why the form is refused; false stops the parser.
 */

static bool
refuse(web_form_t *f, int status, const char *text)
{
  if (!f->status)
  {
    f->status = status;
    if (text != f->text)
      snprintf(f->text, sizeof(f->text), "%s", text);
  }

  return (false);
}


/*
 * 'part_begin()' - A part: the CSRF field, or a file (begin its job).
 */

static bool
part_begin(void *data, const gw_multipart_part_t *part)
{
  web_form_t      *f = (web_form_t *)data;
  gw_actor_t       actor;
  gw_reason_t      reason = GW_REASON_NONE;
  char             name[GW_WEB_FILENAME_MAX + 1];

  gw_job_options_t opts;
  web_options_t    text;
  const char      *error = NULL;

  f->field = -1;
  for (int i = 0; !part->filename && i < FORM_FIELDS; i ++)
  {
    if (!strcmp(part->name, form_fields[i]))
    {
      f->field   = i;
      f->lens[i] = 0;
      f->values[i][0] = '\0';
    }
  }
  if (f->field >= 0 || !part->filename || !part->filename_len)
    return (true);                              /* Other fields, and "no file chosen", are skipped */

  if (!f->csrf_ok)
    return (refuse(f, 403, "The form is out of date or did not come from this site; reload the page and try again."));
  if (f->files >= FORM_MAX_FILES)
    return (refuse(f, 413, "Send at most 16 files at once."));

  /* The options are the fields before the file (the form puts them first) */
  text.copies      = f->values[1];
  text.sides       = f->values[2];
  text.color_mode  = f->values[3];
  text.page_ranges = f->values[4];
  text.number_up   = f->values[5];
  if (!_gwWebJobOptions(&text, &opts, &error))
    return (refuse(f, 400, error));

  gwWebFilenameSanitize(part->filename, part->filename_len, name, sizeof(name));
  _gwWebActor(f->r, &actor);
  if ((f->sub = gwApiJobSubmit(f->r->web->sys, &actor, NULL, name, &opts, -1, &reason, f->text, sizeof(f->text))) == NULL)
    return (refuse(f, reason == GW_REASON_TOO_MANY_JOBS ? 429 : reason == GW_REASON_BUSY ? 503 : 400, f->text));

  snprintf(f->names[f->files], sizeof(f->names[0]), "%s", name);
  return (true);
}


/*
 * 'part_data()' - A piece of a kept field or of a file.
 */

static bool
part_data(void *data, const char *buf, size_t len)
{
  web_form_t *f = (web_form_t *)data;

  if (f->field >= 0)
  {
    int i = f->field;

    if (f->lens[i] + len >= FORM_VALUE_MAX)
      return (i == 0 ? refuse(f, 403, "The form's token is not this session's.") : refuse(f, 400, "A print option is too long."));
    memcpy(f->values[i] + f->lens[i], buf, len);
    f->lens[i] += len;
    f->values[i][f->lens[i]] = '\0';
    return (true);
  }

  if (f->sub && !gwSubmissionWrite(f->sub, buf, len))
  {
    gwSubmissionAbort(&f->sub, GW_REASON_TOO_LARGE);
    return (refuse(f, 413, "A file is larger than this gateway's limit; send a smaller file or split it."));
  }

  return (true);
}


/*
 * 'part_end()' - A part ended: check the token, keep a field, or commit
 *                the file.
 */

static bool
part_end(void *data)
{
  web_form_t *f = (web_form_t *)data;
  gw_job_t    job;

  if (f->field >= 0)
  {
    if (f->field == 0)
      f->csrf_ok = gwApiSessionCsrfValid(&f->r->session, f->values[0]);
    f->field = -1;
    return (true);
  }

  if (f->sub)
  {
    if (!gwSubmissionEnd(&f->sub, &job))
      return (refuse(f, 500, "The gateway could not keep a file; try again."));
    f->files ++;
  }

  return (true);
}


/*
 * '_gwWebFormUploadBegin()' - Check the type and length, make the parser.
 *                             False after answering.
 */

bool
_gwWebFormUploadBegin(web_req_t *r)
{
  static const gw_multipart_cb_t cb = { part_begin, part_data, part_end };
  gw_multipart_limits_t          limits;
  gw_multipart_error_t           err = GW_MULTIPART_OK;
  const char                    *type = gwRequestHeader(r->req, "Content-Type"), *clen = gwRequestHeader(r->req, "Content-Length");
  char                           boundary[GW_MULTIPART_BOUNDARY_MAX + 1], *end;
  int64_t                        max = gwSystemGetConfig(r->web->sys)->max_document_size + WEB_SMALL_BODY;

  if (clen && (errno = 0, strtoll(clen, &end, 10) > max || errno || *end))
  {
    _gwWebError(r, 413, "too-large", "The upload is larger than this gateway's limit; send a smaller file or split it.");
    return (false);
  }
  if (!type || !gwMultipartBoundaryGet(type, boundary, sizeof(boundary), &err))
  {
    _gwWebError(r, 400, "bad-form", "The upload is not a multipart/form-data form.");
    return (false);
  }

  memset(&limits, 0, sizeof(limits));
  limits.max_parts = FORM_MAX_FILES + FORM_FIELDS + 4;
  limits.max_total = (uint64_t)max;
  if ((r->form = calloc(1, sizeof(web_form_t))) == NULL ||
      (r->form->mp = gwMultipartNew(boundary, &limits, &cb, r->form, &err)) == NULL)
  {
    _gwWebError(r, 503, "busy", "The gateway is busy; try again in a minute.");
    return (false);
  }
  r->form->r     = r;
  r->form->field = -1;

  return (true);
}


/*
 * '_gwWebFormUploadBody()' - Feed a piece to the parser.
 */

bool
_gwWebFormUploadBody(web_req_t *r, const char *buf, size_t len)
{
  web_form_t *f = r->form;

  if (!f || gwMultipartFeed(f->mp, buf, len))
    return (f != NULL);

  if (!f->status)
  {
    gw_multipart_error_t err = gwMultipartGetError(f->mp);

    refuse(f, err == GW_MULTIPART_ERROR_TOO_LARGE || err == GW_MULTIPART_ERROR_TOO_MANY_PARTS || err == GW_MULTIPART_ERROR_FIELD_TOO_LARGE ? 413 : 400,
           gwMultipartErrorString(err));
  }
  _gwWebError(r, f->status, f->status == 403 ? "csrf" : f->status == 413 ? "too-large" : "bad-form", f->text);

  return (false);
}


/*
 * '_gwWebFormUploadFinish()' - The body ended: the files are converting.
 */

void
_gwWebFormUploadFinish(web_req_t *r)
{
  web_form_t *f = r->form;
  web_buf_t   b = { 0 };

  if (!f || !gwMultipartFinish(f->mp) || f->status)
  {
    _gwWebError(r, f && f->status ? f->status : 400, "bad-form", f && f->status ? f->text : "The upload ended early; try again.");
    return;
  }
  if (!f->csrf_ok)
  {
    _gwWebError(r, 403, "csrf", "The form is out of date or did not come from this site; reload the page and try again.");
    return;
  }

  _gwWebPageBegin(&b, r, f->files ? "Received" : "No file");
  _gwWebBufAdd(&b, "<ul class=\"received\" id=\"received\">");
  for (int i = 0; i < f->files; i ++)
  {
    _gwWebBufAdd(&b, "<li>");
    _gwWebBufAddHtml(&b, f->names[i]);
    _gwWebBufAdd(&b, ": converting</li>");
  }
  _gwWebBufAdd(&b, "</ul><p><a href=\"/jobs\" autofocus>See them in my jobs</a></p>");
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, f->files ? 202 : 400, &b);
}


/*
 * '_gwWebFormUploadCleanup()' - Abort a file left open, free the parser.
 */

void
_gwWebFormUploadCleanup(web_req_t *r)
{
  if (r->form)
  {
    if (r->form->sub)
      gwSubmissionAbort(&r->form->sub, GW_REASON_INTERRUPTED);
    gwMultipartDelete(&r->form->mp);
    gwWipe(r->form->values[0], sizeof(r->form->values[0]));
    free(r->form);
    r->form = NULL;
  }
}
