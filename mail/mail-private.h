/*
 * mail-private.h - the mail front-end's own interfaces (docs/mail.md): the
 * bounded parsers of what arrives by mail (MIME parameters and filenames,
 * the subject's options, Authentication-Results), the MIME walk, mail
 * sources (IMAP, POP3) and the intake of one message.
 *
 * Only mail/ includes this header; the daemon includes
 * <printgate-mail/mail.h>.  The parsers keep no state and are thread-safe.
 */

#ifndef PRINTGATE_MAIL_PRIVATE_H
#define PRINTGATE_MAIL_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- MIME parameters and filenames (mail-filename.c) ------------------------ */

#define GW_MAIL_PARAM_MAX        64     /* Parameters looked at per header */
#define GW_MAIL_PARAM_SEGMENTS   32     /* RFC 2231 continuation segments per parameter */
#define GW_MAIL_FILENAME_MAX     200    /* Bytes of a decoded, cleaned filename */

typedef struct gw_mail_param_s          /* One raw parameter, as the header had it */
{
  const char *name;                     /* "filename", "filename*", "filename*0*" */
  const char *value;                    /* Unquoted value */
} gw_mail_param_t;

/* Decode parameter 'name' (RFC 2231 "name*" / "name*N[*]", then RFC 2047 in
   the plain value) into UTF-8; false when absent or undecodable. */
extern bool gwMailParamDecode(const gw_mail_param_t *params, int count, const char *name, char *out, size_t outsize);
/* RFC 2047 encoded-words in 'in' to UTF-8 (other text kept); bounded. */
extern bool gwMailDecodeWords(const char *in, char *out, size_t outsize);
/* A filename safe to show and store: no path, no control characters, valid UTF-8, at most GW_MAIL_FILENAME_MAX bytes. */
extern void gwMailFilenameClean(const char *in, char *out, size_t outsize);
/* Text in a named charset (iconv) to UTF-8, bounded; false if unknown, invalid or too long. */
extern bool gwMailCharsetDecode(const char *charset, const char *in, size_t len, char *out, size_t outsize);
/* Split a raw header value ("attachment; filename*0*=...") into parameters, in place; returns the count. */
extern int  gwMailParamSplit(char *value, gw_mail_param_t *params, int max);

/* ---- Subject options (mail-subject.c) ---------------------------------------- */

#define GW_MAIL_SUBJECT_UNKNOWN_MAX 8

typedef struct gw_mail_options_s
{
  int  copies;                          /* 0 = not given */
  char sides[32];                       /* "" / "two-sided-long-edge" / "one-sided" */
  char color_mode[16];                  /* "" / "monochrome" / "color" */
  char page_ranges[128];                /* "" = all; canonical "1-3,7" */
  bool body;                            /* Print the text body too */
  int  unknown_count;                   /* Option-like words not understood (all, even past the list) */
  char unknown[GW_MAIL_SUBJECT_UNKNOWN_MAX][32]; /* The first of them, cut to 31 bytes */
} gw_mail_options_t;

extern void gwMailSubjectParse(const char *subject, gw_mail_options_t *options);

/* ---- Authentication-Results (mail-authres.c) --------------------------------- */

typedef enum gw_mail_trust_e
{
  GW_MAIL_TRUST_NONE,                   /* No header from the trusted authserv-id */
  GW_MAIL_TRUST_FAIL,                   /* There is one, and nothing aligned passed */
  GW_MAIL_TRUST_PASS                    /* DMARC pass, or SPF/DKIM pass aligned with From: */
} gw_mail_trust_t;

/* One header's verdict for a From: domain; 'why' gets a short reason. */
extern gw_mail_trust_t gwMailAuthResCheck(const char *header, const char *authserv_id, const char *from_domain, char *why, size_t whysize);

/* ---- MIME walk (mail-etpan-mime.c) ------------------------------------------------- */

typedef enum gw_mail_part_kind_e
{
  GW_MAIL_PART_ATTACHMENT,              /* To print */
  GW_MAIL_PART_BODY,                    /* The text body (printed when asked) */
  GW_MAIL_PART_SKIPPED,                 /* Inline cid: image, tiny image, signature: not mentioned */
  GW_MAIL_PART_REFUSED                  /* Named in the reply with 'why' */
} gw_mail_part_kind_t;

typedef struct gw_mail_part_s
{
  gw_mail_part_kind_t kind;
  int                 index;            /* 1-based, in walk order (the origin reference's PART) */
  char                filename[GW_MAIL_FILENAME_MAX + 1];
  char                type[96];         /* "application/pdf" */
  char                why[320];         /* REFUSED / SKIPPED: the reason */
  const char         *data;             /* Decoded bytes (owned by the walk) */
  size_t              size;
  char                cid[128];         /* Content-ID without <>, "" = none */
  const char         *html;             /* BODY from an HTML part: that HTML, UTF-8 (data is its text) */
  size_t              html_size;
} gw_mail_part_t;

typedef struct gw_mail_limits_s
{
  size_t max_message;                   /* Bytes of the whole message (40 MB) */
  int    max_parts;                     /* 500 */
  int    max_depth;                     /* 20 */
  size_t tiny_image;                    /* Inline images smaller than this are signature logos (10 KB) */
  bool   rfc822_as_document;            /* An attached message is printed as a document, not walked */
} gw_mail_limits_t;

typedef struct _gw_mail_message_s gw_mail_message_t;

extern void               gwMailLimitsDefault(gw_mail_limits_t *limits);
/* Parse once and walk; NULL (why set) when the message is over a cap or unparseable. */
extern gw_mail_message_t *gwMailMessageParse(const char *data, size_t size, const gw_mail_limits_t *limits, char *why, size_t whysize);
extern void               gwMailMessageDelete(gw_mail_message_t **msg);
extern int                gwMailMessagePartCount(gw_mail_message_t *msg);
extern const gw_mail_part_t *gwMailMessagePart(gw_mail_message_t *msg, int i);
/* Top-level header fields, decoded (RFC 2047) and bounded; "" when absent. */
extern const char        *gwMailMessageHeader(gw_mail_message_t *msg, const char *name);
/* The Nth (0-based) header of that name, raw (Authentication-Results), or NULL. */
extern const char        *gwMailMessageHeaderN(gw_mail_message_t *msg, const char *name, int n);
/* The From: address (lower-case "user@domain"), "" if none. */
extern const char        *gwMailMessageFrom(gw_mail_message_t *msg);

/* ---- HTML bodies (mail-html.c) ---------------------------------------------- */

/* The buffer size that always holds the text of len bytes of HTML. */
extern size_t gwMailHtmlTextSize(size_t len);
/* Text rendering of HTML (tags stripped, blocks as line breaks, entities decoded, script/style/head
   dropped, nothing fetched) into out, NUL-terminated; returns its length. */
extern size_t gwMailHtmlToText(const char *in, size_t len, char *out, size_t outsize);

/* ---- HTML bodies for the Office pool (mail-html-clean.c) -------------------- */

#define GW_MAIL_HTML_CLEAN_MAX   (4 * 1024 * 1024)   /* Bytes of HTML taken */
#define GW_MAIL_HTML_ATTR_MAX    8192                /* Longer attribute values are dropped */
#define GW_MAIL_HTML_IMAGE_MAX   (5 * 1024 * 1024)   /* Bytes of one cid: picture */
#define GW_MAIL_HTML_IMAGES_MAX  (10 * 1024 * 1024)  /* Bytes of all cid: pictures of a page */

/* A cid: reference ("logo@x", without "cid:"): the part's type and bytes; false = not in the message. */
typedef bool (*gw_mail_cid_cb_t)(void *ctx, const char *cid, const char **type, const char **data, size_t *size);

/* The page to convert (malloc'd, *outlen bytes): cid: pictures as data: URIs, every other URL removed,
   CSS fetches neutralised, scripts/frames/objects/meta/link dropped; NULL when over the cap or out of memory. */
extern char *gwMailHtmlClean(const char *in, size_t len, gw_mail_cid_cb_t cb, void *ctx, size_t *outlen);
/* The message's HTML body cleaned with its own cid: pictures (gwMailHtmlClean), or NULL (none, too big). */
extern char *gwMailMessageBodyHtml(gw_mail_message_t *msg, size_t *outlen);

/* ---- TNEF, winmail.dat (mail-tnef.c, libytnef) ------------------------------ */

/* One file of the stream: its cleaned name and bytes (valid during the call); false = stop. */
typedef bool (*gw_mail_tnef_cb_t)(void *ctx, const char *filename, const char *data, size_t size);

/* Hand each file of a TNEF stream to cb; the count, or -1 with why (damaged, no file, over max_files or
   max_bytes in all, or cb refused). */
extern int gwMailTnefUnpack(const char *data, size_t size, int max_files, size_t max_bytes, gw_mail_tnef_cb_t cb, void *ctx, char *why, size_t whysize);

#endif /* !PRINTGATE_MAIL_PRIVATE_H */
