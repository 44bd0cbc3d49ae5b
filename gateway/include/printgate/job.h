/*
 * job.h - the job model: states, the transition table and reasons.
 *
 * receiving -> converting -> held -> releasing -> printed, plus quarantined,
 * failed, expired and cancelled (DESIGN.md section 2).  Every transition is
 * one store transaction plus an audit row (gwStoreJobTransition()).
 */

#ifndef PRINTGATE_JOB_H
#define PRINTGATE_JOB_H

#include "base.h"

/* A wrapped (encrypted) document data key, as the spool makes it and the store keeps it. */
#define GW_WRAPPED_KEY_LEN 64   /* kek_id(4) | nonce(12) | wrapped DEK(32) | tag(16) */

typedef struct gw_wrapped_key_s
{
  unsigned char bytes[GW_WRAPPED_KEY_LEN];
} gw_wrapped_key_t;

typedef enum gw_job_state_e
{
  GW_JOB_STATE_RECEIVING,
  GW_JOB_STATE_CONVERTING,
  GW_JOB_STATE_QUARANTINED,
  GW_JOB_STATE_HELD,
  GW_JOB_STATE_RELEASING,
  GW_JOB_STATE_PRINTED,
  GW_JOB_STATE_FAILED,
  GW_JOB_STATE_EXPIRED,
  GW_JOB_STATE_CANCELLED,
  GW_JOB_STATE_COUNT
} gw_job_state_t;

extern const char *gwJobStateString(gw_job_state_t state);
extern bool        gwJobStateParse(const char *s, gw_job_state_t *state);
extern bool        gwJobStateAllowed(gw_job_state_t from, gw_job_state_t to);
extern bool        gwJobStateIsTerminal(gw_job_state_t state);

/*
 * Reasons: a stable code (logs, API, tests) and a sentence a person can act
 * on.  The sentence names the document, says what is wrong and what to do.
 */
typedef enum gw_reason_e
{
  GW_REASON_NONE,
  GW_REASON_UNSUPPORTED_FORMAT,   /* "unsupported-format" */
  GW_REASON_CORRUPT_DOCUMENT,     /* "corrupt-document" */
  GW_REASON_PASSWORD_PROTECTED,   /* "password-protected" */
  GW_REASON_TOO_LARGE,            /* "too-large" */
  GW_REASON_TOO_MANY_PAGES,       /* "too-many-pages" */
  GW_REASON_EMPTY_DOCUMENT,       /* "empty-document" */
  GW_REASON_TOO_MANY_JOBS,        /* "too-many-held-jobs" */
  GW_REASON_INTERRUPTED,          /* "interrupted" */
  GW_REASON_PRINTER_UNREACHABLE,  /* "printer-unreachable" */
  GW_REASON_PRINTER_BUSY,         /* "printer-busy" */
  GW_REASON_PRINTER_REFUSED,      /* "printer-refused" */
  GW_REASON_PRINTER_NO_PDF,       /* "printer-format-unsupported" */
  GW_REASON_PRINTER_NO_COLOR,     /* "printer-no-color" */
  GW_REASON_SPOOL_DAMAGED,        /* "spool-damaged" */
  GW_REASON_EXPIRED,              /* "expired" */
  GW_REASON_CANCELLED,            /* "cancelled" */
  GW_REASON_INTERNAL,             /* "internal-error" */
  GW_REASON_CONVERSION_TIMEOUT,   /* "conversion-timeout" */
  GW_REASON_CONVERSION_CRASHED,   /* "conversion-failed" (crashed or hit a limit) */
  GW_REASON_BUSY,                 /* "server-busy": try again shortly (IPP server-error-busy, HTTP 503) */
  GW_REASON_UNKNOWN_USER,         /* "unknown-user": no active user by that name */
  GW_REASON_BAD_OPTION,           /* "bad-option": a job option out of range or unknown */
  GW_REASON_MAY_HAVE_PRINTED,     /* "may-have-printed" (release cut short; the printer cannot say) */
  GW_REASON_DUPLICATE,            /* "duplicate": a job with this origin reference exists (gw_job_options_t.origin_ref) */
  GW_REASON_RESTRICTED,           /* "restricted": the user's processing is restricted (GDPR, docs/gdpr.md) */
  GW_REASON_POLICY_REFUSED,       /* "policy-refused": a policy rule refuses it (docs/policy.md) */
  GW_REASON_QUOTA_EXCEEDED,       /* "quota-exceeded": a page or colour-page quota is used up */
  GW_REASON_COUNT
} gw_reason_t;

/* Job-template values a job may carry (IPP keywords). */
extern bool        gwJobSidesValid(const char *sides);
extern bool        gwJobColorModeValid(const char *color_mode);
extern bool        gwJobCopiesValid(int copies);
extern bool        gwJobNumberUpValid(int number_up);

/*
 * Page ranges (IPP page-ranges, "2-3,5"): 1-based, ascending, not
 * overlapping, bounded.  Applied at release, never at submission: the held
 * document is always the whole normalised PDF.
 */
#define GW_JOB_PAGE_RANGES_MAX  127       /* Bytes of text */
#define GW_JOB_MAX_PAGE_RANGES  32        /* Ranges */
#define GW_JOB_MAX_PAGE_NUMBER  100000

typedef struct gw_page_range_s
{
  int first, last;                        /* Inclusive, 1-based */
} gw_page_range_t;

extern bool        gwJobPageRangesParse(const char *s, gw_page_range_t *ranges, int *count_r, const char **error_r);
extern bool        gwJobPageRangesFormat(const gw_page_range_t *ranges, int count, char *buf, size_t bufsize);
extern int         gwJobPageRangesCount(const gw_page_range_t *ranges, int count, int pages);

extern const char *gwReasonCode(gw_reason_t reason);
extern bool        gwReasonParse(const char *code, gw_reason_t *reason);

/*
 * A job as stored.  Plain record (not opaque): it is a row copied out of the
 * store under the store's lock, owned by the caller, with no pointers.
 */
typedef struct gw_job_s
{
  char            id[GW_UUID_LEN + 1];  /* Random UUID */
  int             number;               /* Small number unique per gateway (IPP job-id), 1..2^31-1 */
  int64_t         tenant;
  int64_t         user_id;
  char            owner[64];            /* User name at submission */
  char            name[256];            /* Document/job name (user text!) */
  char            origin[16];           /* "cli", "ipp", "mail", "web" */
  gw_job_state_t  state;
  gw_reason_t     reason;               /* Why it is where it is (or NONE) */
  char            reason_text[512];     /* The sentence for people */
  char            format[64];           /* MIME type of the held document */
  int             pages;                /* Pages of the held document (0 = unknown) */
  int             color_pages;          /* Pages that really use colour (-1 = unknown) */
  int             copies;               /* 1..999 */
  char            sides[32];            /* "one-sided", "two-sided-long-edge", "two-sided-short-edge" */
  char            color_mode[16];       /* "auto", "color", "monochrome" */
  char            page_ranges[GW_JOB_PAGE_RANGES_MAX + 1]; /* "" = all pages, else canonical "2-3,5" */
  int             number_up;            /* 1, 2, 4, 6, 9, 16 pages per side */
  int64_t         size;                 /* Plaintext bytes of the held document */
  int64_t         created;              /* Unix time */
  int64_t         updated;
  int64_t         expires;              /* 0 = never */
  int             print_count;          /* Times printed (reprints) */
  char            printer[64];          /* Last printer it went to (or "") */
  char            origin_ref[128];      /* The front-end's own reference (gw_job_options_t.origin_ref), or "" */
} gw_job_t;                             /* The wrapped data key is not here: the core reads it (gwStoreJobGetKey) */

#endif /* !PRINTGATE_JOB_H */
