/*
 * config.h - the gateway configuration.
 *
 * The file is "Directive value" lines ('#' comments, blank lines ignored).
 * Every directive comes from one typed table in config.c (name, type,
 * default, limits, one-line help); docs/configuration.md documents each
 * one and a test fails when one is missing there.
 *
 * The struct is public and read-only after loading: it is a bag of values
 * that many objects read, and accessors for 30 fields would add nothing.
 * A reload (SIGHUP) loads a new config and swaps it in whole.
 */

#ifndef PRINTGATE_CONFIG_H
#define PRINTGATE_CONFIG_H

#include "base.h"
#include "log.h"
#include "oauth.h"

#include <stdio.h>

#define GW_PATH_MAX 1024

struct _gw_config_s
{
  /* Paths */
  char          state_dir[GW_PATH_MAX];       /* StateDir */
  char          control_socket[GW_PATH_MAX];  /* ControlSocket ("" = STATE/printgated.sock) */
  char          log_file[GW_PATH_MAX];        /* LogFile ("" = stderr) */
  gw_loglevel_t log_level;                    /* LogLevel */

  /* HTTPS listener */
  char          listen_address[256];          /* ListenAddress */
  int           listen_port;                  /* ListenPort (0 = pick a free port, tests) */
  char          tls_certificate[GW_PATH_MAX]; /* TLSCertificate ("" = STATE/tls/server.crt, self-signed) */
  char          tls_key[GW_PATH_MAX];         /* TLSKey ("" = STATE/tls/server.key) */
  char          server_name[256];             /* ServerName (certificate CN, URLs) */
  int           max_connections;              /* MaxConnections */
  int           connection_timeout;           /* ConnectionTimeout, seconds */
  int           header_timeout;               /* HeaderTimeout, seconds (0 = off) */
  int64_t       min_body_rate;                /* MinBodyRate, bytes per second (0 = off) */
  int           body_rate_window;             /* BodyRateWindow, seconds */
  char          health_details_from[512];     /* HealthDetailsFrom: CIDR list */
  char          metrics_token[1024];          /* MetricsToken: bearer token of /metrics, enc:v1:... (or plain text; "" = none) */
  char          metrics_allow[512];           /* MetricsAllow: addresses that may scrape /metrics without it ("" = none) */

  /* Limits and policy */
  int64_t       max_document_size;            /* MaxDocumentSize, bytes */
  int           max_pages;                    /* MaxPagesPerJob */
  int           max_image_megapixels;         /* MaxImageMegapixels */
  int           max_held_jobs;                /* MaxHeldJobsPerUser */
  int64_t       retention;                    /* Retention, seconds */
  int64_t       guest_retention;              /* GuestRetention, seconds */
  bool          guest_accounts;               /* GuestAccounts: an unknown address that proves itself becomes a guest */
  int           guest_max_pages;              /* GuestMaxPages: most pages of a guest's job */
  bool          mail_guests;                  /* MailGuests: an unknown mail sender who proves the address becomes a guest with a mailed PIN */
  int           mail_guests_max;              /* MailGuestsMax: most mail guests started in 24 hours */
  int64_t       session_idle;                 /* SessionIdleTimeout, seconds (web sessions) */
  int64_t       session_lifetime;             /* SessionLifetime, seconds (web sessions, absolute) */
  char          web_root[GW_PATH_MAX];        /* WebRoot: the web portal's static files ("" = installed, else the source tree) */
  bool          keep_printed_jobs;            /* KeepPrintedJobs (reprint) */
  int64_t       reprint_retention;            /* ReprintRetention, seconds */
  int64_t       job_history;                  /* JobHistory, seconds an ended job stays listed (0 = none) */
  int64_t       expiry_interval;              /* ExpiryInterval, seconds between sweeps */

  /* Release credentials */
  int           pin_length;                   /* PinLength */
  int64_t       pin_lifetime;                 /* PinLifetime, seconds (0 = never expires) */
  int           pin_max_failures;             /* PinMaxFailures (per printer and per client) */
  int           pin_max_failures_tenant;      /* PinMaxFailuresTenant (the whole tenant) */
  int64_t       pin_lockout;                  /* PinLockout, seconds */

  /* Printers */
  int           printer_timeout;              /* PrinterTimeout, seconds per IPP request */
  int           printer_retries;              /* PrinterRetries on server-error-busy */
  int64_t       printer_retry_delay_ms;       /* PrinterRetryDelay, first backoff step in ms */
  bool          watermark;                    /* Watermark: user, date and job id on every page */
  int           render_timeout;               /* RenderTimeout, seconds for one release-time rendering */

  /* Office documents (the LibreOffice pool, docs/office.md) */
  int           office_workers;               /* OfficeWorkers (0 = Office documents refused) */
  int           office_timeout;               /* OfficeTimeout, seconds per document */
  int           office_max_jobs;              /* OfficeMaxJobs, documents before a restart */
  int64_t       office_memory_limit;          /* OfficeMemoryLimit, bytes (RLIMIT_AS) */
  char          office_path[GW_PATH_MAX];     /* OfficePath: soffice */
  char          office_user[64];              /* OfficeUser */
  char          office_tmp_dir[GW_PATH_MAX];  /* OfficeTmpDir (tmpfs) */
  char          office_helper_dir[GW_PATH_MAX]; /* OfficeHelperDir ("" = the installed helpers) */

  /* Accounts */
  char          admin_user[64];               /* AdminUser: first admin account name */
  char          admin_second_factor[16];      /* AdminSecondFactor: "required" or "optional" (TOTP for the admin console) */

  /* IPP Everywhere (docs/ipp.md) */
  char          ipp_printer_name[128];        /* IppPrinterName */
  char          ipp_printer_info[256];        /* IppPrinterInfo */
  char          ipp_printer_location[256];    /* IppPrinterLocation */
  int           ipp_plain_port;               /* IppPlainPort (0 = no plain ipp://) */
  bool          dnssd_enable;                 /* DnssdEnable (docs/dnssd.md) */

  /* Conversion (docs/converters.md) */
  char          converter_path[GW_PATH_MAX];  /* ConverterPath ("" = next to printgated) */
  char          conversion_dir[GW_PATH_MAX];  /* ConversionDir: tmpfs parent of conversion dirs */
  char          conversion_user[33];          /* ConversionUser: who the helper becomes as root */
  int           conversion_workers;           /* ConversionWorkers (0 = one per core) */
  int           conversion_queue;             /* ConversionQueue: waiting conversions before "busy" */
  int           spool_reserve;                /* SpoolReserve: empty spool files kept ready (docs/spool-format.md) */
  int64_t       intake_ring;                  /* IntakeRing: most bytes of the spool's intake ring (docs/spool-format.md) */
  int           conversion_pool;              /* ConversionPool: pre-started helpers waiting per kind */
  bool          conversion_zygote;            /* ConversionZygote: pooled helpers forked from a zygote */
  int           conversion_timeout;           /* ConversionTimeout, seconds */
  int64_t       conversion_memory;            /* ConversionMemory, bytes (RLIMIT_AS) */
  bool          count_color_pages;            /* CountColorPages */
  char          paper_size[8];                /* PaperSize: "a4" or "letter" */
  bool          sandbox_require_landlock;     /* SandboxRequireLandlock: no sandbox without Landlock when not root */

  /* Outgoing mail (outbox.h, docs/mail.md) */
  char          smtp_server[256];             /* SmtpServer: HOST[:PORT] ("" = nothing is sent) */
  char          smtp_tls[16];                 /* SmtpTLS: required, implicit or off */
  char          smtp_ca_file[GW_PATH_MAX];    /* SmtpCAFile ("" = system store) */
  char          smtp_user[256];               /* SmtpUser ("" = no AUTH) */
  char          smtp_password[1024];          /* SmtpPassword: enc:v1:... (or plain text) */
  char          smtp_auth[16];                /* SmtpAuth: password, xoauth2 or oauthbearer */
  char          smtp_token_url[512];          /* SmtpTokenURL: OAuth2 token endpoint ("" = the bearer token is SmtpPassword) */
  char          smtp_token_ca_file[GW_PATH_MAX]; /* SmtpTokenCAFile ("" = the system store) */
  char          smtp_client_id[256];          /* SmtpClientId */
  char          smtp_client_secret[1500];     /* SmtpClientSecret: enc:v1:... (or plain text) */
  char          smtp_refresh_token[GW_OAUTH_SEALED_MAX]; /* SmtpRefreshToken: enc:v1:... (set: the refresh-token grant) */
  char          smtp_scope[256];              /* SmtpScope */
  char          smtp_from[255];               /* SmtpFrom ("" = printgate@ServerName) */
  char          smtp_domain[256];             /* SmtpDomain (Message-IDs; "" = SmtpFrom's domain) */
  int           smtp_timeout;                 /* SmtpTimeout, seconds */
  int64_t       smtp_retry_delay;             /* SmtpRetryDelay, seconds */
  int64_t       smtp_retry_max;               /* SmtpRetryMax, seconds */
  int64_t       smtp_give_up;                 /* SmtpGiveUp, seconds */
  int64_t       smtp_keep_sent;               /* SmtpKeepSent, seconds */

  /* Mail intake (docs/mail.md) */
  char          mail_source_file[GW_PATH_MAX]; /* MailSourceFile: the mail sources ("" = none) */
};

/* Load a file over the defaults.  On error returns NULL and writes "FILE:LINE: reason" to err. */
extern gw_config_t *gwConfigLoad(const char *path, char *err, size_t errsize);
extern gw_config_t *gwConfigNewDefaults(void);
extern void         gwConfigSizeText(int64_t value, bool people, char *buf, size_t bufsize); /* "100 MB" / "100M" */
extern void         gwConfigDelete(gw_config_t **config);
extern void         gwConfigWipeSecrets(gw_config_t *c);

/* Iterate the directive table (name, type, default as text, help), for docs and tests. */
typedef bool (*gw_directive_cb_t)(const char *name, const char *type, const char *default_value, const char *help, void *data);
extern void         gwConfigIterateDirectives(gw_directive_cb_t cb, void *data);

/* The directive table for people: a commented example printgate.conf, or
   the scdoc directive list of printgate.conf(5) (both built at build time). */
typedef enum gw_config_ref_e
{
  GW_CONFIG_REF_EXAMPLE,        /* printgate.conf with every directive commented */
  GW_CONFIG_REF_SCDOC           /* scdoc text for the man page */
} gw_config_ref_t;
extern bool         gwConfigWriteReference(FILE *fp, gw_config_ref_t format);

/* Resolved paths (defaults below the state dir). */
extern void gwConfigControlSocket(const gw_config_t *c, char *buf, size_t bufsize);
extern void gwConfigPrinterCertDir(const gw_config_t *c, char *buf, size_t bufsize);
extern void gwConfigTLSPaths(const gw_config_t *c, char *cert, size_t certsize, char *key, size_t keysize);
extern bool gwConfigConverterPath(const gw_config_t *c, char *buf, size_t bufsize);
extern bool gwConfigHelperPath(const char *name, char *buf, size_t bufsize);
extern void gwConfigOfficeHelperDir(const gw_config_t *c, char *buf, size_t bufsize);

#endif /* !PRINTGATE_CONFIG_H */
