/*
 * api-printer-test.c - the public front-end API (api.h): a printer's test
 * page (docs/admin.md, "Printers").  A small one-page PDF built in is
 * submitted as a job of the acting admin, converted as any job is, and
 * released at once to the printer; audited "printer.testpage".
 */

#include "api-private.h"

#include <stdio.h>
#include <string.h>


/* A4, a title, one line of text and three coloured boxes (offsets checked with qpdf --check). */
static const char test_page_pdf[] =
  "%PDF-1.4\n"
  "1 0 obj\n"
  "<< /Type /Catalog /Pages 2 0 R >>\n"
  "endobj\n"
  "2 0 obj\n"
  "<< /Type /Pages /Kids [3 0 R] /Count 1 >>\n"
  "endobj\n"
  "3 0 obj\n"
  "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>\n"
  "endobj\n"
  "4 0 obj\n"
  "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\n"
  "endobj\n"
  "5 0 obj\n"
  "<< /Length 219 >>\n"
  "stream\n"
  "BT /F1 28 Tf 72 760 Td (Printgate test page) Tj /F1 12 Tf 0 -30 Td (If you can read this, the printer works with the gateway.) Tj ET\n"
  "0 0 1 rg 72 600 120 60 re f 1 0 0 rg 222 600 120 60 re f 0 0 0 rg 372 600 120 60 re f\n"
  "endstream\n"
  "endobj\n"
  "xref\n"
  "0 6\n"
  "0000000000 65535 f \n"
  "0000000009 00000 n \n"
  "0000000058 00000 n \n"
  "0000000115 00000 n \n"
  "0000000241 00000 n \n"
  "0000000311 00000 n \n"
  "trailer\n"
  "<< /Size 6 /Root 1 0 R >>\n"
  "startxref\n"
  "580\n"
  "%%EOF\n";


/*
 * 'gwApiPrinterTestPage()' - Print the built-in test page on a printer (admin).
 */

bool
gwApiPrinterTestPage(gw_system_t *sys, const gw_actor_t *actor, const char *printer, gw_release_result_t *result, const char **error_r)
{
  gw_printer_t     p;
  gw_submission_t *sub;
  gw_job_t         job;
  gw_job_options_t options;
  gw_release_t     rel;
  gw_reason_t      reason = GW_REASON_NONE;
  char             id[GW_UUID_LEN + 1], text[512];
  bool             ok;

  if (!sys || !result || !_gwApiAdmin(actor, error_r))
    return (false);
  memset(result, 0, sizeof(*result));
  if (!printer || !gwApiPrinterFind(sys, actor, printer, &p))
  {
    _gwApiError(error_r, "no such printer");
    return (false);
  }

  /* Submit it as the actor's own job and wait for its conversion. */
  memset(&options, 0, sizeof(options));
  if ((sub = gwApiJobSubmit(sys, actor, NULL, "Printgate test page.pdf", &options, (int64_t)sizeof(test_page_pdf) - 1, &reason, text, sizeof(text))) == NULL)
  {
    snprintf(result->text, sizeof(result->text), "%s", text);
    _gwApiError(error_r, "the test page could not be submitted");
    return (false);
  }
  snprintf(id, sizeof(id), "%s", gwSubmissionJobId(sub));
  if (!gwSubmissionWrite(sub, test_page_pdf, sizeof(test_page_pdf) - 1))
  {
    gwSubmissionAbort(&sub, GW_REASON_INTERNAL);
    _gwApiError(error_r, "the test page could not be submitted");
    return (false);
  }
  if (!gwSubmissionEnd(&sub, &job) || !gwApiJobWait(sys, actor, id, -1, &job) || job.state != GW_JOB_STATE_HELD)
  {
    snprintf(result->text, sizeof(result->text), "%s", job.reason_text);
    _gwApiError(error_r, "the test page could not be converted");
    return (false);
  }

  /* Release it to that printer alone, now. */
  memset(&rel, 0, sizeof(rel));
  rel.user    = actor->who;
  rel.printer = p.name;
  rel.job_id  = id;
  ok = gwApiJobRelease(sys, actor, &rel, result) && result->released == 1;
  _gwApiAudit(sys, actor, "printer.testpage", "", id, p.name, ok ? 1 : 0, ok ? "printed" : gwReasonCode(result->reason));
  if (!ok)
  {
    gwApiJobCancel(sys, actor, id, NULL);   /* Not left held in the admin's queue */
    _gwApiError(error_r, result->text[0] ? result->text : "the test page was not printed");
  }
  return (ok);
}
