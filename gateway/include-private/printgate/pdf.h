/*
 * pdf.h - PDF checks (libqpdf adapter).
 *
 * Until the converters land, the core accepts only PDF, and only one that
 * libqpdf opens and counts the pages of.  The document is given in memory
 * (the daemon decrypts into a buffer; nothing touches disk).
 */

#ifndef PRINTGATE_PDF_H
#define PRINTGATE_PDF_H

#include "printgate/base.h"
#include "printgate/job.h"

/* true and the page count, or false with reason (UNSUPPORTED_FORMAT, CORRUPT_DOCUMENT, PASSWORD_PROTECTED, EMPTY_DOCUMENT). */
extern bool gwPdfInspect(const void *data, size_t len, int *pages_r, gw_reason_t *reason_r);
extern bool gwPdfSniff(const void *data, size_t len);   /* Starts like a PDF ("%PDF-" within the first 1024 bytes) */

#endif /* !PRINTGATE_PDF_H */
