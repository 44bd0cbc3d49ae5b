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

#endif /* !PRINTGATE_CONVERT_PROTOCOL_H */
