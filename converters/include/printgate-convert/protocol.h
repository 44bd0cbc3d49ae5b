/*
 * protocol.h - the wire protocol between the daemon and printgate-convert,
 * in one place for both sides (docs/converters.md, "Protocol").
 *
 * The daemon starts the helper with fixed arguments (--normalize or
 * --render), a fixed environment of settings (names below; values are
 * numbers, keywords, a path the daemon made, a user name, canonical page
 * ranges or hex, never free user text), and four descriptors.  The helper
 * writes the normalised document to GW_CONV_FD_OUTPUT, a few diagnostic
 * lines to GW_CONV_FD_LOG, and exactly one result line to
 * GW_CONV_FD_RESULT:
 *
 *   ok pages=N color=N format=KEYWORD
 *   fail reason=CODE detail=TEXT
 *   office format=KEYWORD          (with exit code GW_CONV_EXIT_OFFICE)
 *
 * Header only: constants, no code, so the helper does not link the core
 * library and the core does not link the helper's.
 */

#ifndef PRINTGATE_CONVERT_PROTOCOL_H
#define PRINTGATE_CONVERT_PROTOCOL_H

/* Descriptors */
#define GW_CONV_FD_INPUT    0           /* Document from the daemon (sealed memfd or pipe) */
#define GW_CONV_FD_OUTPUT   1           /* Normalised PDF (or rendering) to the daemon */
#define GW_CONV_FD_LOG      2           /* Short diagnostics, never document text */
#define GW_CONV_FD_RESULT   3           /* The one result line */
#define GW_CONV_NUM_FDS     4

/* Arguments */
#define GW_CONV_ARG_NORMALIZE "--normalize"
#define GW_CONV_ARG_RENDER    "--render"

/* Settings (environment names) */
#define GW_CONV_ENV_PREFIX           "PG_CONVERT_"
#define GW_CONV_ENV_TMPDIR           "PG_CONVERT_TMPDIR"           /* This conversion's own empty 0700 directory */
#define GW_CONV_ENV_MAX_PAGES        "PG_CONVERT_MAX_PAGES"
#define GW_CONV_ENV_AS_MB            "PG_CONVERT_AS_MB"            /* RLIMIT_AS */
#define GW_CONV_ENV_CPU_S            "PG_CONVERT_CPU_S"            /* RLIMIT_CPU */
#define GW_CONV_ENV_FSIZE_MB         "PG_CONVERT_FSIZE_MB"         /* RLIMIT_FSIZE */
#define GW_CONV_ENV_COLOR            "PG_CONVERT_COLOR"            /* 1 = count colour pages */
#define GW_CONV_ENV_OFFICE           "PG_CONVERT_OFFICE"           /* 1 = the daemon has a LibreOffice pool */
#define GW_CONV_ENV_PAPER            "PG_CONVERT_PAPER"            /* "a4" or "letter" */
#define GW_CONV_ENV_USER             "PG_CONVERT_USER"             /* Who to become when started as root */
#define GW_CONV_ENV_MAX_MPIXELS      "PG_CONVERT_MAX_MPIXELS"
#define GW_CONV_ENV_REQUIRE_LANDLOCK "PG_CONVERT_REQUIRE_LANDLOCK" /* 0 = run without Landlock when not root */
#define GW_CONV_ENV_RENDER_PREFIX    "PG_RENDER_"
#define GW_CONV_ENV_RENDER_FORMAT    "PG_RENDER_FORMAT"            /* pdf, pwg, urf, pclxl */
#define GW_CONV_ENV_RENDER_COLOR     "PG_RENDER_COLOR"             /* rgb, gray */
#define GW_CONV_ENV_RENDER_DPI       "PG_RENDER_DPI"
#define GW_CONV_ENV_RENDER_NUP       "PG_RENDER_NUP"
#define GW_CONV_ENV_RENDER_PAGES     "PG_RENDER_PAGES"             /* Canonical page ranges */
#define GW_CONV_ENV_RENDER_WATERMARK "PG_RENDER_WATERMARK"         /* Hex */

/* Result line keywords and exit codes */
#define GW_CONV_RESULT_OK     "ok"
#define GW_CONV_RESULT_FAIL   "fail"
#define GW_CONV_RESULT_OFFICE "office"
#define GW_CONV_RESULT_MAX    512       /* Longest result line the daemon keeps */
#define GW_CONV_EXIT_OK       0
#define GW_CONV_EXIT_OFFICE   3         /* "office": hand the document to the LibreOffice pool */
#define GW_CONV_EXIT_FULL     4         /* printgate-convert-pdf: not PDF or PostScript, run printgate-convert */
#define GW_CONV_HELPER_PDF    "printgate-convert-pdf"   /* Next to printgate-convert */

/*
 * The zygote (converters/convert-zygote.c, docs/converters.md, "The
 * zygote"): a helper started with GW_CONV_ENV_ZYGOTE=<the daemon's pid>
 * and a SOCK_SEQPACKET socket on GW_CONV_ZYGOTE_FD forks helpers from its
 * loaded image.  Each request is one message: this header, then envlen
 * bytes of the helper's environment ("NAME=value" strings, each ending in
 * NUL), with the reaper's control socket and then the helper's descriptors
 * (bit i of fdmask set: descriptor i is passed, else /dev/null) as
 * SCM_RIGHTS.  The answer is two ints: 0 and the reaper's pid (the
 * daemon's child), or an errno value and 0.  Once started, before any
 * request, the zygote says it is ready the same way: 0 and its own pid (a
 * helper that cannot be a zygote says nothing and is not used as one).
 */

#define GW_CONV_ENV_ZYGOTE         "PG_CONVERT_ZYGOTE"
#define GW_CONV_ZYGOTE_FD          3
#define GW_CONV_ZYGOTE_MAGIC       0x50475a31   /* "PGZ1" */
#define GW_CONV_ZYGOTE_ENV_MAX     8192         /* Bytes of environment in a request */
#define GW_CONV_ZYGOTE_MAX_FORKS   64           /* Helpers per zygote (they share its layout) */

typedef struct gw_conv_zygote_req_s
{
  unsigned magic;                       /* GW_CONV_ZYGOTE_MAGIC */
  int      nfds;                        /* Descriptors the helper gets (0..nfds-1) */
  int      fdmask;                      /* Which of them are passed */
  int      all_signals;                 /* 1: every signal to its default in the helper */
  int      nice;                        /* 0, or the helper's lower priority (1-19) */
  int      envlen;                      /* Bytes of environment after this header */
} gw_conv_zygote_req_t;

#endif /* !PRINTGATE_CONVERT_PROTOCOL_H */
