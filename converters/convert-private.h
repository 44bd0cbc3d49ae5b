/*
 * convert-private.h - the printgate-convert helper's objects: the
 * conversion (what the daemon asked for and what came out), its settings,
 * the sandbox layers, the Ghostscript adapter and the colour-page counter.
 *
 * The helper is a program of its own (docs/converters.md): nothing here is
 * part of the core library.  One conversion per process; no globals, all
 * state hangs off gw_conv_t.
 */

#ifndef PRINTGATE_CONVERT_PRIVATE_H
#define PRINTGATE_CONVERT_PRIVATE_H

#include <printgate/job.h>
#include <printgate-convert/protocol.h>
#include <printgate-formats/sniff.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>


/*
 * Fixed limits that are not settings.
 */

#define GW_CONV_NOFILE      32          /* RLIMIT_NOFILE */
#define GW_CONV_COLOR_DPI   36          /* Resolution of the colour pass (docs/converters.md) */
#define GW_CONV_DETAIL_MAX  320         /* Longest detail text on the result line */
#define GW_CONV_WATERMARK_MAX 160       /* Bytes of watermark text (ASCII) */


/*
 * Input kinds --normalize accepts (by content, never by name; the format
 * sniffer of converters/formats/ tells them apart).  Images, raster and
 * text are first made into a PDF in the private directory, which then goes
 * the PDF way; Office documents go back to the daemon's LibreOffice pool.
 */

typedef enum gw_conv_kind_e
{
  GW_CONV_KIND_NONE,                    /* Not recognised */
  GW_CONV_KIND_PDF,
  GW_CONV_KIND_PS,
  GW_CONV_KIND_EPS,                     /* PostScript with an EPSF header, or a DOS EPS binary */
  GW_CONV_KIND_IMAGE,                   /* JPEG, PNG, TIFF, GIF, BMP, WebP, HEIC/HEIF */
  GW_CONV_KIND_RASTER,                  /* PWG raster, URF */
  GW_CONV_KIND_TEXT,                    /* Plain text (charset in conv->format) */
  GW_CONV_KIND_OFFICE,                  /* For the daemon's LibreOffice pool */
  GW_CONV_KIND_MULTI                    /* A job's several documents (container.h, convert-multi.c) */
} gw_conv_kind_t;


/*
 * Settings from the environment the daemon gives (all optional except
 * PG_CONVERT_TMPDIR, parsed strictly; see convert-settings.c).
 */

typedef struct gw_conv_settings_s
{
  int         max_pages;                /* PG_CONVERT_MAX_PAGES */
  int         as_mb;                    /* PG_CONVERT_AS_MB: RLIMIT_AS */
  int         cpu_s;                    /* PG_CONVERT_CPU_S: RLIMIT_CPU */
  int         fsize_mb;                 /* PG_CONVERT_FSIZE_MB: RLIMIT_FSIZE */
  int         max_mpixels;              /* PG_CONVERT_MAX_MPIXELS: megapixels per image or raster page */
  bool        color;                    /* PG_CONVERT_COLOR: count colour pages (1 or render) */
  bool        color_render_all;         /* PG_CONVERT_COLOR=render: render every page (the method before the scan; tests) */
  bool        office;                   /* PG_CONVERT_OFFICE: the daemon has a LibreOffice pool */
  bool        require_landlock;         /* PG_CONVERT_REQUIRE_LANDLOCK: refuse to run without Landlock when not root (default 1) */
  char        paper[8];                 /* PG_CONVERT_PAPER: "a4" or "letter" */
  char        tmpdir[256];              /* PG_CONVERT_TMPDIR: this conversion's own directory */
  char        user[33];                 /* PG_CONVERT_USER: who to become when started as root */
} gw_conv_settings_t;


/*
 * What --render makes of the held PDF (PG_RENDER_* settings, parsed
 * strictly; see convert-settings.c and docs/converters.md).
 */

typedef enum gw_conv_render_format_e
{
  GW_CONV_RENDER_PDF,                   /* pdfwrite */
  GW_CONV_RENDER_PWG,                   /* pwgraster, 8 bits sGray or sRGB */
  GW_CONV_RENDER_URF,                   /* urf, 8 bits sGray or sRGB */
  GW_CONV_RENDER_PCLXL                  /* pxlmono or pxlcolor */
} gw_conv_render_format_t;

typedef struct gw_conv_render_s
{
  gw_conv_render_format_t format;       /* PG_RENDER_FORMAT: pdf, pwg, urf, pclxl */
  bool            color;                /* PG_RENDER_COLOR: rgb (true) or gray */
  int             dpi;                  /* PG_RENDER_DPI: 75-1200 (raster and PCL-XL) */
  gw_page_range_t ranges[GW_JOB_MAX_PAGE_RANGES];
  int             num_ranges;           /* PG_RENDER_PAGES: 0 = all pages */
  char            page_list[GW_JOB_PAGE_RANGES_MAX + 1];  /* Canonical "2-3,5" (digits, '-', ',') */
  int             number_up;            /* PG_RENDER_NUP: 1, 2, 4, 6, 9, 16 */
  char            watermark[GW_CONV_WATERMARK_MAX + 1];   /* PG_RENDER_WATERMARK, decoded; printable ASCII */
} gw_conv_render_t;


/*
 * Which sandbox layers to apply.  The normal helper always applies all of
 * them; only the test-only unsafe variant (PRINTGATE_CONVERT_TEST_UNSAFE)
 * can switch them off, to prove each one in a positive control.
 */

typedef struct gw_conv_layers_s
{
  bool        landlock;
  bool        seccomp;
  bool        rlimit_as;
  bool        view;                     /* Namespaces and the minimal file system view */
  bool        user;                     /* As root: become PG_CONVERT_USER */
  bool        pretend_no_landlock;      /* Unsafe variant: act as if the kernel had no Landlock */
} gw_conv_layers_t;


/*
 * What the sandbox ended up with (for the log line and the tests).
 */

typedef struct gw_conv_sandbox_s
{
  int         dir_fd;                   /* The private directory (cwd) */
  int         devnull_fd;
  int         landlock_abi;             /* 0 = not available */
  bool        landlock_on;
  bool        seccomp_on;
  bool        dropped_user;             /* Became PG_CONVERT_USER */
  bool        userns;                   /* In a user namespace of our own (not root) */
  bool        view_on;                  /* In the minimal file system view */
  pid_t       parent;                   /* The daemon (getppid() at the start) */
  int         alive_fd;                 /* In the pid namespace: EOF when the parent outside is gone */
  uid_t       uid;
  gid_t       gid;
} gw_conv_sandbox_t;


/*
 * Stages of one conversion, timed for the profile line on stderr
 * ("printgate-convert: profile: ..."; docs/converters.md, "Profile").
 */

typedef enum gw_conv_stage_e
{
  GW_CONV_STAGE_SETUP,                  /* main() to the settings parsed */
  GW_CONV_STAGE_SANDBOX,                /* Namespaces, view, user, Landlock, seccomp */
  GW_CONV_STAGE_WAIT,                   /* A pooled helper waiting for its document (not in the total) */
  GW_CONV_STAGE_INPUT,                  /* fd 0 reachable, sniffed, the PDF input checked */
  GW_CONV_STAGE_CONVERT,                /* Ghostscript pdfwrite (or our own cairo PDF) */
  GW_CONV_STAGE_CHECK,                  /* The output checked and counted (libqpdf) */
  GW_CONV_STAGE_COLOR,                  /* Colour pages counted */
  GW_CONV_STAGE_SEND,                   /* The PDF sent to the daemon */
  GW_CONV_STAGE_COUNT
} gw_conv_stage_t;


/*
 * The conversion.
 */

typedef struct gw_conv_s
{
  gw_conv_settings_t settings;
  gw_conv_layers_t   layers;
  gw_conv_sandbox_t  sandbox;
  bool               nosafer;           /* Unsafe variant only: -dNOSAFER */
  const char        *probe;             /* Unsafe variant only: --probe-* (an escape to try) */
  const char        *probe_arg;
  bool               render_mode;       /* --render (else --normalize) */
  gw_conv_render_t   render;            /* --render's settings */

  int                in_fd;             /* Private copy of fd 0 */
  int                out_fd;            /* Private copy of fd 1 */
  int                result_fd;         /* fd 3 */

  gw_conv_kind_t     kind;
  gw_format_t        format;            /* What the sniffer found */
  char               in_path[64];       /* Input as Ghostscript opens it */
  bool               in_copied;         /* in_path is our copy in the private dir */
  int64_t            in_size;
  int                in_pages;          /* Pages libqpdf counted in a PDF input, -1 = unknown */
  int                documents;         /* A job's several documents: how many (0 = one, not framed) */
  char               formats[256];      /* ... "multi" and each format found once ("multi,pdf,jpeg"): every
                                         * keyword of sniff.h fits, so a policy rule sees them all */

  int                pages;             /* Of the output */
  int                color_pages;       /* -1 = not counted */

  int64_t            stage_mark_us;     /* Monotonic µs when the current stage began */
  int64_t            stage_us[GW_CONV_STAGE_COUNT];
  int                color_rendered;    /* Pages the colour count had to render, -1 = none asked */

  bool               needs_full;        /* printgate-convert-pdf: a kind for printgate-convert */
  gw_reason_t        reason;            /* On failure */
  char               detail[GW_CONV_DETAIL_MAX];
} gw_conv_t;


/*
 * convert-zygote.c
 */

extern bool _gwConvZygote(void);


/*
 * convert-settings.c
 */

extern bool _gwConvSettingsLoad(gw_conv_settings_t *settings, char *error, size_t errsize);
extern bool _gwConvRenderSettingsLoad(gw_conv_render_t *render, bool render_mode, char *error, size_t errsize);
extern const char *_gwConvRenderFormatKeyword(gw_conv_render_format_t format);

/*
 * convert-sandbox.c, convert-landlock.c, convert-seccomp.c
 */

extern bool _gwConvSandboxApply(gw_conv_t *conv);
extern bool _gwConvSandboxParentAlive(gw_conv_t *conv);
extern const char * const _gwConvReadOnlyPaths[];
extern int  _gwConvLandlockAbi(void);
extern bool _gwConvLandlockApply(gw_conv_t *conv);
extern bool _gwConvSeccompApply(gw_conv_t *conv);

/*
 * convert-input.c
 */

extern bool           _gwConvInputOpen(gw_conv_t *conv);
extern bool           _gwConvInputInspect(gw_conv_t *conv);
extern bool           _gwConvInputSniff(gw_conv_t *conv);
extern const unsigned char *_gwConvInputMap(gw_conv_t *conv);

/*
 * convert-gs.c (the only file that includes libgs)
 */

extern bool _gwConvGsNormalize(gw_conv_t *conv, const char *out_path);
extern bool _gwConvGsMerge(gw_conv_t *conv, const char *const *inputs, const gw_conv_kind_t *kinds, int count, const char *out_path, int *failed);
extern bool _gwConvGsCountColor(gw_conv_t *conv, const char *pdf_path, const unsigned char *grey);
extern bool _gwConvGsRender(gw_conv_t *conv, const char *prolog_path, const char *out_path, int *device_pages);

/*
 * convert-color.c
 */

extern bool _gwConvColorPage(const unsigned char *rgb, int width, int height, size_t raster);

/*
 * convert-image.c, convert-raster.c: an image or a PWG/URF raster document
 * made into a PDF of our own (pdf_path, in the private directory)
 */

extern bool _gwConvImageToPdf(gw_conv_t *conv, const char *pdf_path);
extern bool _gwConvRasterToPdf(gw_conv_t *conv, const char *pdf_path);

/*
 * convert-text.c
 */

extern bool _gwConvTextToPdf(gw_conv_t *conv, const char *path);
extern unsigned char *_gwConvMailToText(gw_conv_t *conv, const unsigned char *data, size_t len, size_t *textlen); /* convert-mail.c */

/*
 * convert-protocol.c
 */

extern bool _gwConvFail(gw_conv_t *conv, gw_reason_t reason, const char *detail, ...) __attribute__((format(printf, 3, 4)));
extern bool _gwConvSendOutput(gw_conv_t *conv, const char *path);
extern bool _gwConvWriteResult(gw_conv_t *conv, bool ok);
extern void _gwConvLog(const char *message, ...) __attribute__((format(printf, 1, 2)));
extern void _gwConvStageEnd(gw_conv_t *conv, gw_conv_stage_t stage);
extern void _gwConvLogProfile(gw_conv_t *conv);

/*
 * convert-job.c
 */

extern bool _gwConvNormalize(gw_conv_t *conv);
extern void _gwConvCleanDir(gw_conv_t *conv);

/*
 * convert-multi.c
 */
extern bool _gwConvMultiNormalize(gw_conv_t *conv, const char *out_path);

/*
 * convert-render.c
 */

extern bool _gwConvRender(gw_conv_t *conv);

#endif /* !PRINTGATE_CONVERT_PRIVATE_H */
