/*
 * pdf.h - PDF checks (libqpdf adapter, converters/pdf-qpdf.c), used by
 * printgate-convert on every PDF it reads and writes: libqpdf must open it
 * and count its pages.  The document is given in memory.  A library of its
 * own (printgate-pdf), so neither the core nor the helper links the other.
 */

#ifndef PRINTGATE_PDF_H
#define PRINTGATE_PDF_H

#include <printgate/base.h>
#include <printgate/job.h>

/* true and the page count, or false with reason (UNSUPPORTED_FORMAT, CORRUPT_DOCUMENT, PASSWORD_PROTECTED, EMPTY_DOCUMENT). */
extern bool gwPdfInspect(const void *data, size_t len, int *pages_r, gw_reason_t *reason_r);
/* The same, and with grey_r a malloc'd byte per page: what the content scan knows of its colour. */
#define GW_PDF_PAGE_RENDER 0            /* Render it to know */
#define GW_PDF_PAGE_GREY   1            /* Certainly prints without colour */
#define GW_PDF_PAGE_COLOUR 2            /* Certainly prints as a colour page */
extern bool gwPdfInspectColor(const void *data, size_t len, int *pages_r, gw_reason_t *reason_r, unsigned char **grey_r);
extern bool gwPdfSniff(const void *data, size_t len);   /* Starts like a PDF ("%PDF-" within the first 1024 bytes) */

#endif /* !PRINTGATE_PDF_H */
