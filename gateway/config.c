/*
 * config.c - the gateway configuration (see config.h).
 *
 * Every directive lives in one typed table below: its name, value type,
 * where it is stored in gw_config_t, its default (as the text a person
 * would write in the file), its limits and a line of help.  The defaults,
 * the parser, the range checks, `printgated -t`, the documentation check
 * in tests/unit/test-config.c and docs/configuration.md all follow the
 * table, so a directive cannot be added in one place and forgotten in
 * another.
 *
 * The file is read line by line with a hard ceiling on the line length and
 * on the file size; every error names the file, the line and the reason,
 * e.g. "printgate.conf:12: MaxPagesPerJob must be between 1 and 100000
 * (got "0")".
 */

#include "printgate/config.h"
#include "printgate/listener.h"
#include "printgate/outbox.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/un.h>


/*
 * Limits of the file format.
 */

#define CONFIG_LINE_MAX   8192              /* Longest line accepted, in bytes (a sealed 4,096-byte refresh token is 5,523) */
#define CONFIG_FILE_MAX   (1024 * 1024)     /* Largest file accepted, in bytes */
#define CONFIG_SOCKET_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)


/*
 * Value types.
 */

typedef enum config_type_e
{
  CONFIG_STRING,                /* Free text, checked by a validator */
  CONFIG_PATH,                  /* Absolute path ("" allowed when the default is "") */
  CONFIG_INT,                   /* Whole number in [min, max] */
  CONFIG_SIZE,                  /* Bytes, with an optional K/M/G suffix (1024-based) */
  CONFIG_DURATION,              /* Time, with an optional ms/s/m/h/d suffix */
  CONFIG_BOOL,                  /* yes/no, true/false, on/off */
  CONFIG_LOGLEVEL,              /* debug, info, warn, error */
  CONFIG_ADDRESS                /* "*" or a numeric IPv4/IPv6 address */
} config_type_t;

static const char * const type_names[] =
{
  "string", "path", "int", "size", "duration", "bool", "loglevel", "address"
};


/*
 * One directive.  For numbers, min and max are in the stored unit (bytes,
 * seconds, or milliseconds when unit_ms is set).  For strings, max is the
 * longest value in bytes (the field size minus the nul).
 */

typedef struct config_directive_s
{
  const char    *name;          /* Directive name (matched case-insensitively) */
  config_type_t  type;          /* Value type */
  size_t         offset;        /* offsetof() into gw_config_t */
  size_t         size;          /* Size of the field */
  const char    *default_value; /* Default, as written in a file */
  int64_t        min, max;      /* Limits (see above) */
  bool           unit_ms;       /* Durations: stored in milliseconds */
  bool         (*check)(const char *value, const char **why);
                                /* Extra check for strings, or NULL */
  const char    *help;          /* One line for people */
} config_directive_t;

#define FIELD(f) offsetof(gw_config_t, f), sizeof(((gw_config_t *)0)->f)

#define MINUTE  ((int64_t)60)
#define HOUR    ((int64_t)3600)
#define DAY     ((int64_t)86400)
#define KIB     ((int64_t)1024)
#define MIB     ((int64_t)1024 * 1024)
#define GIB     ((int64_t)1024 * 1024 * 1024)

static bool check_server_name(const char *value, const char **why);
static bool check_second_factor(const char *value, const char **why);
static bool check_user_name(const char *value, const char **why);
static bool check_system_user(const char *value, const char **why);
static bool check_paper_size(const char *value, const char **why);
static bool check_address_list(const char *value, const char **why);
static bool check_metrics_token(const char *value, const char **why);
static bool check_metrics_allow(const char *value, const char **why);
static bool check_smtp_server(const char *value, const char **why);
static bool check_smtp_tls(const char *value, const char **why);
static bool check_smtp_auth(const char *value, const char **why);
static bool check_smtp_token_url(const char *value, const char **why);
static bool check_smtp_address(const char *value, const char **why);

static const config_directive_t directives[] =
{
  /* Paths */
  { "StateDir", CONFIG_PATH, FIELD(state_dir), "/var/lib/printgate", 0, 0, false, NULL,
    "Folder holding the store, the encrypted spool, the keys and the TLS files." },
  { "ControlSocket", CONFIG_PATH, FIELD(control_socket), "", 0, 0, false, NULL,
    "Unix socket the printgate CLI talks to (empty = STATE/printgated.sock)." },
  { "LogFile", CONFIG_PATH, FIELD(log_file), "", 0, 0, false, NULL,
    "Log file (empty = standard error, which systemd sends to the journal)." },
  { "LogLevel", CONFIG_LOGLEVEL, FIELD(log_level), "info", 0, 0, false, NULL,
    "Lowest level logged: debug, info, warn or error." },

  /* HTTPS listener */
  { "ListenAddress", CONFIG_ADDRESS, FIELD(listen_address), "*", 0, 0, false, NULL,
    "Address the HTTPS listener binds to (* = every address)." },
  { "ListenPort", CONFIG_INT, FIELD(listen_port), "8631", 0, 65535, false, NULL,
    "TCP port of the HTTPS listener (0 = any free port, for tests)." },
  { "TLSCertificate", CONFIG_PATH, FIELD(tls_certificate), "", 0, 0, false, NULL,
    "PEM certificate chain (empty = STATE/tls/server.crt, self-signed on first run)." },
  { "TLSKey", CONFIG_PATH, FIELD(tls_key), "", 0, 0, false, NULL,
    "PEM private key of TLSCertificate (empty = STATE/tls/server.key)." },
  { "ServerName", CONFIG_STRING, FIELD(server_name), "", 0, 0, false, check_server_name,
    "Host name in URLs and the self-signed certificate (empty = this host's name)." },
  { "MaxConnections", CONFIG_INT, FIELD(max_connections), "256", 1, 10000, false, NULL,
    "Most HTTPS connections served at once (one thread each)." },
  { "ConnectionTimeout", CONFIG_DURATION, FIELD(connection_timeout), "30s", 1, HOUR, false, NULL,
    "Idle time after which an HTTPS connection is closed." },
  { "HeaderTimeout", CONFIG_DURATION, FIELD(header_timeout), "30s", 0, HOUR, false, NULL,
    "Time a client has to send a whole request header, TLS handshake included (0 = no limit)." },
  { "MinBodyRate", CONFIG_SIZE, FIELD(min_body_rate), "1K", 0, 100 * MIB, false, NULL,
    "Slowest request body accepted, in bytes per second over every BodyRateWindow (0 = no limit)." },
  { "BodyRateWindow", CONFIG_DURATION, FIELD(body_rate_window), "30s", 1, HOUR, false, NULL,
    "Window over which MinBodyRate is checked; the first one is the grace period." },
  { "HealthDetailsFrom", CONFIG_STRING, FIELD(health_details_from), "127.0.0.0/8,::1", 0, 0, false, check_address_list,
    "Addresses and CIDR blocks that get the details of /health (others get only the status)." },
  { "MetricsToken", CONFIG_STRING, FIELD(metrics_token), "", 0, 0, false, check_metrics_token,
    "Bearer token a scraper of /metrics sends: an enc:v1: value from printgate secret encrypt, or 16+ characters (empty = none)." },
  { "MetricsAllow", CONFIG_STRING, FIELD(metrics_allow), "", 0, 0, false, check_metrics_allow,
    "Addresses and CIDR blocks that may scrape /metrics without the token (empty = none; neither set = /metrics is off)." },

  /* Limits and policy */
  { "MaxDocumentSize", CONFIG_SIZE, FIELD(max_document_size), "100M", KIB, 2 * GIB, false, NULL,
    "Largest document accepted, in bytes." },
  { "MaxPagesPerJob", CONFIG_INT, FIELD(max_pages), "500", 1, 100000, false, NULL,
    "Most pages one job may have." },
  { "MaxImageMegapixels", CONFIG_INT, FIELD(max_image_megapixels), "100", 1, 1000, false, NULL,
    "Largest image (and raster page) converted, in megapixels, checked before it is decoded." },
  { "MaxHeldJobsPerUser", CONFIG_INT, FIELD(max_held_jobs), "200", 1, 100000, false, NULL,
    "Most jobs one user may have waiting in the held queue." },
  { "Retention", CONFIG_DURATION, FIELD(retention), "8h", 1, 365 * DAY, false, NULL,
    "How long a held job waits for release before it expires and is shredded." },
  { "GuestRetention", CONFIG_DURATION, FIELD(guest_retention), "2h", 1, 365 * DAY, false, NULL,
    "Retention for guests' jobs." },
  { "GuestAccounts", CONFIG_BOOL, FIELD(guest_accounts), "no", 0, 0, false, NULL,
    "An email address the gateway does not know that proves itself on the web portal (a sign-in code) becomes a guest account; no = such an address is refused." },
  { "GuestMaxPages", CONFIG_INT, FIELD(guest_max_pages), "20", 1, 100000, false, NULL,
    "Most pages of a guest's job (guests also print in black and white only, and keep jobs for GuestRetention)." },
  { "MailGuests", CONFIG_BOOL, FIELD(mail_guests), "no", 0, 0, false, NULL,
    "An unknown sender of mail gets a guest account whose jobs wait in quarantine; proving the address (the code in the reply) makes it a guest and mails a release PIN.  no = unknown senders are refused." },
  { "MailGuestsMax", CONFIG_INT, FIELD(mail_guests_max), "20", 1, 100000, false, NULL,
    "Most guest accounts unknown senders of mail may start in 24 hours (then such mail is refused until the count falls)." },
  { "SessionIdleTimeout", CONFIG_DURATION, FIELD(session_idle), "30m", 60, 30 * DAY, false, NULL,
    "A web session not used for this long ends." },
  { "SessionLifetime", CONFIG_DURATION, FIELD(session_lifetime), "12h", 60, 365 * DAY, false, NULL,
    "A web session ends this long after its sign-in, used or not." },
  { "WebRoot", CONFIG_PATH, FIELD(web_root), "", 0, 0, false, NULL,
    "Folder of the web portal's static files (\"\" = the installed share/printgate/web, else the source tree's web-upload/static)." },
  { "KeepPrintedJobs", CONFIG_BOOL, FIELD(keep_printed_jobs), "no", 0, 0, false, NULL,
    "Keep printed jobs for reprint (for ReprintRetention) instead of shredding them at once." },
  { "ReprintRetention", CONFIG_DURATION, FIELD(reprint_retention), "24h", 1, 365 * DAY, false, NULL,
    "How long a printed job stays available for reprint when KeepPrintedJobs is on." },
  { "JobHistory", CONFIG_DURATION, FIELD(job_history), "1h", 0, 7 * DAY, false, NULL,
    "How long an ended job (printed, cancelled, failed, expired) stays listed to its owner, by name and state only (IPP Get-Jobs which-jobs=completed); 0 = not listed." },
  { "ExpiryInterval", CONFIG_DURATION, FIELD(expiry_interval), "60s", 1, DAY, false, NULL,
    "Time between two sweeps that expire and shred old jobs." },

  /* Release credentials */
  { "PinLength", CONFIG_INT, FIELD(pin_length), "6", 4, 12, false, NULL,
    "Digits in a release PIN." },
  { "PinLifetime", CONFIG_DURATION, FIELD(pin_lifetime), "90d", 0, 3650 * DAY, false, NULL,
    "How long a release PIN stays valid (0 = never expires)." },
  { "PinMaxFailures", CONFIG_INT, FIELD(pin_max_failures), "5", 1, 100, false, NULL,
    "Wrong PINs or cards within PinLockout at one printer, or from one client, before PIN and card release there (or from there) is locked for PinLockout; a right PIN does not reset the count." },
  { "PinMaxFailuresTenant", CONFIG_INT, FIELD(pin_max_failures_tenant), "20", 1, 100000, false, NULL,
    "Wrong PINs or cards within PinLockout across the whole gateway before PIN and card release is locked for everyone for PinLockout (stops guessing spread over many printers and clients)." },
  { "PinLockout", CONFIG_DURATION, FIELD(pin_lockout), "15m", 1, 30 * DAY, false, NULL,
    "The window in which wrong PINs and cards are counted, and how long a lock lasts (printgate lockout clear lifts it)." },

  /* Printers */
  { "PrinterTimeout", CONFIG_DURATION, FIELD(printer_timeout), "30s", 1, 600, false, NULL,
    "Longest wait for a printer's answer to one IPP request." },
  { "PrinterRetries", CONFIG_INT, FIELD(printer_retries), "5", 0, 100, false, NULL,
    "Retries when a printer answers server-error-busy or cannot be reached." },
  { "PrinterRetryDelay", CONFIG_DURATION, FIELD(printer_retry_delay_ms), "500ms", 10, 60000, true, NULL,
    "First wait before a retry; it doubles on each retry." },
  { "Watermark", CONFIG_BOOL, FIELD(watermark), "off", 0, 0, false, NULL,
    "Print \"<user> <date> <job id>\" at the bottom of every page (rendered at release)." },
  { "RenderTimeout", CONFIG_DURATION, FIELD(render_timeout), "120s", 1, HOUR, false, NULL,
    "Longest time rendering one job at release may take (page ranges, N-up, watermark, raster)." },

  /* Office documents (the LibreOffice pool, docs/office.md) */
  { "OfficeWorkers", CONFIG_INT, FIELD(office_workers), "0", 0, 64, false, NULL,
    "LibreOffice instances converting Office documents (0 = Office documents are refused)." },
  { "OfficeTimeout", CONFIG_DURATION, FIELD(office_timeout), "120s", 1, HOUR, false, NULL,
    "Longest conversion of one Office document; the instance is then killed and restarted." },
  { "OfficeMaxJobs", CONFIG_INT, FIELD(office_max_jobs), "200", 1, 100000, false, NULL,
    "Documents an instance converts before it is restarted with a fresh profile." },
  { "OfficeMemoryLimit", CONFIG_SIZE, FIELD(office_memory_limit), "2G", 256 * MIB, 64 * GIB, false, NULL,
    "Address-space limit (RLIMIT_AS) of each LibreOffice instance." },
  { "OfficePath", CONFIG_PATH, FIELD(office_path), "/usr/lib/libreoffice/program/soffice", 0, 0, false, NULL,
    "Path of LibreOffice's soffice (soffice.bin next to it is what runs)." },
  { "OfficeUser", CONFIG_STRING, FIELD(office_user), "nobody", 0, 0, false, check_user_name,
    "Unprivileged account the instances run as when printgated runs as root." },
  { "OfficeTmpDir", CONFIG_PATH, FIELD(office_tmp_dir), "/dev/shm/printgate", 0, 0, false, NULL,
    "RAM-backed folder for the instances' profiles and the documents being converted." },
  { "OfficeHelperDir", CONFIG_PATH, FIELD(office_helper_dir), "", 0, 0, false, NULL,
    "Folder of printgate-office-sandbox and printgate-office-worker.py (empty = the installed ones, or the build's converters/)." },

  /* Accounts */
  { "AdminUser", CONFIG_STRING, FIELD(admin_user), "admin", 0, 0, false, check_user_name,
    "Name of the admin account created on first run." },
  { "AdminSecondFactor", CONFIG_STRING, FIELD(admin_second_factor), "required", 0, 0, false, check_second_factor,
    "required: the admin console (roles admin, helpdesk, auditor) needs a password and a TOTP code; optional: only from those who enrolled an authenticator app." },

  /* IPP Everywhere (docs/ipp.md) */
  { "IppPrinterName", CONFIG_STRING, FIELD(ipp_printer_name), "Printgate", 0, 0, false, NULL,
    "The name phones show for the gateway's IPP printer (printer-name)." },
  { "IppPrinterInfo", CONFIG_STRING, FIELD(ipp_printer_info), "Printgate secure print", 0, 0, false, NULL,
    "A description of the IPP printer (printer-info)." },
  { "IppPrinterLocation", CONFIG_STRING, FIELD(ipp_printer_location), "", 0, 0, false, NULL,
    "Where the gateway's printers are, in words (printer-location)." },
  { "IppPlainPort", CONFIG_INT, FIELD(ipp_plain_port), "0", 0, 65535, false, NULL,
    "TCP port of plain (unencrypted) ipp://, which only describes the printer and takes no credentials or tokens; 0 = off." },
  { "DnssdEnable", CONFIG_BOOL, FIELD(dnssd_enable), "yes", 0, 0, false, NULL,
    "Advertise the IPP printer on the local network through Avahi (mDNS/DNS-SD)." },

  /* Conversion */
  { "ConverterPath", CONFIG_PATH, FIELD(converter_path), "", 0, 0, false, NULL,
    "The printgate-convert helper (empty = the installed one, or the build's converters/)." },
  { "ConversionDir", CONFIG_PATH, FIELD(conversion_dir), "/dev/shm/printgate", 0, 0, false, NULL,
    "RAM-backed folder where each conversion gets a private folder, removed when it ends." },
  { "ConversionUser", CONFIG_STRING, FIELD(conversion_user), "nobody", 0, 0, false, check_system_user,
    "Unprivileged system account the converter runs as when printgated runs as root." },
  { "SandboxRequireLandlock", CONFIG_BOOL, FIELD(sandbox_require_landlock), "yes", 0, 0, false, NULL,
    "When printgated is not root, refuse to convert (and to start Office instances) on a kernel without Landlock." },
  { "ConversionWorkers", CONFIG_INT, FIELD(conversion_workers), "0", 0, 64, false, NULL,
    "Conversions run at once (0 = one per processor core); others wait their turn." },
  { "ConversionQueue", CONFIG_INT, FIELD(conversion_queue), "32", 0, 10000, false, NULL,
    "Documents that may wait for a conversion worker before new submissions are refused as busy." },
  { "SpoolReserve", CONFIG_INT, FIELD(spool_reserve), "4096", 0, 16384, false, NULL,
    "Empty spool files kept ready, made while no upload arrives, so a burst of uploads creates none (0 = off)." },
  { "IntakeRing", CONFIG_SIZE, FIELD(intake_ring), "256M", 0, 16 * GIB, false, NULL,
    "Most space of the spool's intake ring, where a document of at most 256 KB waits for its conversion, encrypted, with no file of its own (one disk flush for it and its job); grown as used (0 = off: a file each)." },
  { "ConversionPool", CONFIG_INT, FIELD(conversion_pool), "2", 0, 16, false, NULL,
    "Converter helpers started ahead, each in its sandbox, waiting for one document each (0 = start one per document)." },
  { "ConversionZygote", CONFIG_BOOL, FIELD(conversion_zygote), "yes", 0, 0, false, NULL,
    "Fork the pooled helpers from a loaded helper (a zygote) instead of starting each program anew." },
  { "ConversionTimeout", CONFIG_DURATION, FIELD(conversion_timeout), "120s", 1, HOUR, false, NULL,
    "Wall-clock time one conversion may take before it is killed and its job fails." },
  { "ConversionMemory", CONFIG_SIZE, FIELD(conversion_memory), "1G", 64 * MIB, 64 * GIB, false, NULL,
    "Address space one conversion may use (RLIMIT_AS of the converter)." },
  { "CountColorPages", CONFIG_BOOL, FIELD(count_color_pages), "yes", 0, 0, false, NULL,
    "Count the pages that really use colour (renders each page once more at 36 dpi)." },
  { "PaperSize", CONFIG_STRING, FIELD(paper_size), "a4", 0, 0, false, check_paper_size,
    "Page size for images, text and PostScript that sets none: a4 or letter." },

  /* Outgoing mail (docs/mail.md, "Outgoing mail") */
  { "SmtpServer", CONFIG_STRING, FIELD(smtp_server), "", 0, 0, false, check_smtp_server,
    "Mail relay as HOST or HOST:PORT (empty = nothing is sent; replies wait in the outbox)." },
  { "SmtpTLS", CONFIG_STRING, FIELD(smtp_tls), "required", 0, 0, false, check_smtp_tls,
    "required (STARTTLS, port 587), implicit (TLS from the start, port 465) or off (a loopback relay only, port 25)." },
  { "SmtpCAFile", CONFIG_PATH, FIELD(smtp_ca_file), "", 0, 0, false, NULL,
    "CA certificates (PEM) the relay's certificate must chain to (empty = the system store)." },
  { "SmtpUser", CONFIG_STRING, FIELD(smtp_user), "", 0, 0, false, NULL,
    "Account for SMTP AUTH (empty = no AUTH)." },
  { "SmtpPassword", CONFIG_STRING, FIELD(smtp_password), "", 0, 0, false, NULL,
    "Password for SMTP AUTH: an enc:v1: value from printgate secret encrypt (plain text works, with a warning)." },
  { "SmtpAuth", CONFIG_STRING, FIELD(smtp_auth), "password", 0, 0, false, check_smtp_auth,
    "password (AUTH PLAIN or LOGIN with SmtpPassword), xoauth2 or oauthbearer (an OAuth 2.0 bearer token: from SmtpTokenURL, else SmtpPassword)." },
  { "SmtpTokenURL", CONFIG_STRING, FIELD(smtp_token_url), "", 0, 0, false, check_smtp_token_url,
    "OAuth 2.0 token endpoint (https://) the outbox gets its bearer tokens from (empty = SmtpPassword is the token)." },
  { "SmtpTokenCAFile", CONFIG_PATH, FIELD(smtp_token_ca_file), "", 0, 0, false, NULL,
    "CA certificates (PEM) the token endpoint's certificate must chain to (empty = the system store)." },
  { "SmtpClientId", CONFIG_STRING, FIELD(smtp_client_id), "", 0, 0, false, NULL,
    "OAuth 2.0 client (application) id for SmtpTokenURL." },
  { "SmtpClientSecret", CONFIG_STRING, FIELD(smtp_client_secret), "", 0, 0, false, NULL,
    "OAuth 2.0 client secret (client-credentials grant): an enc:v1: value from printgate secret encrypt." },
  { "SmtpRefreshToken", CONFIG_STRING, FIELD(smtp_refresh_token), "", 0, 0, false, NULL,
    "OAuth 2.0 refresh token (set: the refresh-token grant): an enc:v1: value from printgate secret encrypt." },
  { "SmtpScope", CONFIG_STRING, FIELD(smtp_scope), "https://outlook.office365.com/.default", 0, 0, false, NULL,
    "OAuth 2.0 scope asked for with SmtpTokenURL." },
  { "SmtpFrom", CONFIG_STRING, FIELD(smtp_from), "", 0, 0, false, check_smtp_address,
    "Sender address of the gateway's mail (empty = printgate@ServerName)." },
  { "SmtpDomain", CONFIG_STRING, FIELD(smtp_domain), "", 0, 0, false, NULL,
    "Domain of the Message-IDs the gateway makes (empty = SmtpFrom's domain)." },
  { "SmtpTimeout", CONFIG_DURATION, FIELD(smtp_timeout), "60s", 1, HOUR, false, NULL,
    "Longest time one SMTP attempt may take (connect, TLS, AUTH and the message)." },
  { "SmtpRetryDelay", CONFIG_DURATION, FIELD(smtp_retry_delay), "1m", 1, DAY, false, NULL,
    "Wait after the first failed attempt; each further failure doubles it, up to SmtpRetryMax." },
  { "SmtpRetryMax", CONFIG_DURATION, FIELD(smtp_retry_max), "1h", 1, DAY, false, NULL,
    "Longest wait between two attempts." },
  { "SmtpGiveUp", CONFIG_DURATION, FIELD(smtp_give_up), "48h", 1, 30 * DAY, false, NULL,
    "A message the relay has not taken this long after it was queued is marked failed." },
  { "SmtpKeepSent", CONFIG_DURATION, FIELD(smtp_keep_sent), "7d", 0, 365 * DAY, false, NULL,
    "How long sent messages stay listed in the outbox before they are deleted." },
  { "MailSourceFile", CONFIG_PATH, FIELD(mail_source_file), "", 0, 0, false, NULL, "Mail sources (IMAP, POP3), one a line, mode 0600: it holds passwords (empty = no mail intake; docs/mail.md)." }
};

#define NUM_DIRECTIVES (sizeof(directives) / sizeof(directives[0]))


/*
 * Parser state for one file.
 */

typedef struct config_file_s
{
  const char *path;             /* File name for messages */
  FILE       *fp;               /* Open file */
  int         line;             /* Current line number */
  size_t      total;            /* Bytes read so far */
  char       *err;              /* Error buffer */
  size_t      errsize;          /* Size of error buffer */
} config_file_t;


/*
 * Local functions.
 */

static void  config_error(config_file_t *cf, int line, const char *fmt, ...) GW_FORMAT(3, 4);
static void  default_server_name(gw_config_t *c);
static const config_directive_t *find_directive(const char *name);
static void  format_duration(int64_t value, bool unit_ms, char *buf, size_t bufsize);
static bool  parse_number(const char *value, int64_t *number, const char **rest);
static void  quote_value(const char *value, char *buf, size_t bufsize);
static void  range_text(const config_directive_t *d, char *buf, size_t bufsize);
static bool  parse_value(config_file_t *cf, gw_config_t *c, const config_directive_t *d, const char *value);
static int   read_line(config_file_t *cf, char *buf, size_t bufsize);
static bool  set_default(gw_config_t *c, const config_directive_t *d);
static bool  split_line(config_file_t *cf, char *line, char **name_r, char **value_r, bool *quoted_r);
static bool  validate(config_file_t *cf, gw_config_t *c, const int *seen);
static void  write_scdoc(FILE *fp, const char *text);
static void  write_wrapped(FILE *fp, const char *prefix, const char *text, size_t width);


/*
 * 'gwConfigNewDefaults()' - Make a configuration holding the defaults.
 *                           ServerName defaults to this host's name.
 */

gw_config_t *
gwConfigNewDefaults(void)
{
  gw_config_t *c = calloc(1, sizeof(gw_config_t));

  if (!c)
    return (NULL);

  for (size_t i = 0; i < NUM_DIRECTIVES; i ++)
  {
    if (!set_default(c, directives + i))
    {
      free(c);
      return (NULL);
    }
  }

  default_server_name(c);

  return (c);
}


/*
 * 'gwConfigLoad()' - Load a file over the defaults.  path NULL = defaults
 *                    only.  On error returns NULL and writes
 *                    "FILE:LINE: reason" to err.
 */

gw_config_t *
gwConfigLoad(const char *path, char *err, size_t errsize)
{
  gw_config_t   *c;
  config_file_t  cf;
  char           line[CONFIG_LINE_MAX + 2];
  int            seen[NUM_DIRECTIVES];       /* Line where each directive was set, 0 = not set */
  int            status;
  struct stat    st;

  if (err && errsize)
    *err = '\0';

  if ((c = gwConfigNewDefaults()) == NULL)
  {
    if (err && errsize)
      snprintf(err, errsize, "%s: out of memory", path ? path : "(defaults)");
    return (NULL);
  }

  if (!path)
    return (c);

  memset(&cf, 0, sizeof(cf));
  memset(seen, 0, sizeof(seen));
  cf.path    = path;
  cf.err     = err;
  cf.errsize = errsize;

  if ((cf.fp = fopen(path, "re")) == NULL)
  {
    config_error(&cf, 0, "cannot open the configuration file: %s", strerror(errno));
    gwConfigDelete(&c);
    return (NULL);
  }

  if (fstat(fileno(cf.fp), &st) || !S_ISREG(st.st_mode))
  {
    config_error(&cf, 0, "not a regular file");
    goto fail;
  }

  /*
   * One directive per line...
   */

  while ((status = read_line(&cf, line, sizeof(line))) > 0)
  {
    char                     *name, *value;
    bool                      quoted;
    const config_directive_t *d;
    size_t                    idx;

    if (!split_line(&cf, line, &name, &value, &quoted))
      goto fail;

    if (!name)
      continue;                         /* Blank or comment */

    if ((d = find_directive(name)) == NULL)
    {
      config_error(&cf, cf.line, "unknown directive \"%s\"", name);
      goto fail;
    }

    idx = (size_t)(d - directives);
    if (seen[idx])
    {
      config_error(&cf, cf.line, "duplicate directive %s (first set on line %d)", d->name, seen[idx]);
      goto fail;
    }
    seen[idx] = cf.line;

    if (!value || (!quoted && !*value))
    {
      config_error(&cf, cf.line, "%s needs a value", d->name);
      goto fail;
    }

    if (!parse_value(&cf, c, d, value))
      goto fail;
  }

  if (status < 0)
    goto fail;

  fclose(cf.fp);
  cf.fp = NULL;

  if (!validate(&cf, c, seen))
  {
    gwConfigDelete(&c);
    return (NULL);
  }

  return (c);

 fail:
  if (cf.fp)
    fclose(cf.fp);
  gwConfigDelete(&c);
  return (NULL);
}


/*
 * 'gwConfigDelete()' - Free a configuration; NULL-safe, sets *config to NULL.
 */

void
gwConfigDelete(gw_config_t **config)
{
  if (!config || !*config)
    return;

  gwConfigWipeSecrets(*config);
  free(*config);
  *config = NULL;
}


/*
 * 'gwConfigWipeSecrets()' - Wipe every secret of a configuration (or of a
 *                           copy of one) before it is dropped: the
 *                           metrics token, the SMTP password, client
 *                           secret and refresh token.
 */

void
gwConfigWipeSecrets(gw_config_t *c)
{
  if (!c)
    return;

  gwWipe(c->metrics_token, sizeof(c->metrics_token));
  gwWipe(c->smtp_password, sizeof(c->smtp_password));
  gwWipe(c->smtp_client_secret, sizeof(c->smtp_client_secret));
  gwWipe(c->smtp_refresh_token, sizeof(c->smtp_refresh_token));
}


/*
 * 'gwConfigIterateDirectives()' - Call cb for each directive in table
 *                                 order until it returns false.
 */

void
gwConfigIterateDirectives(gw_directive_cb_t cb, void *data)
{
  if (!cb)
    return;

  for (size_t i = 0; i < NUM_DIRECTIVES; i ++)
  {
    if (!(*cb)(directives[i].name, type_names[directives[i].type], directives[i].default_value, directives[i].help, data))
      break;
  }
}


/*
 * 'gwConfigWriteReference()' - Write the directive table for people, in
 *                              table order: a commented example
 *                              printgate.conf (every directive with its
 *                              default, commented out) or the scdoc text
 *                              of printgate.conf(5)'s directive list.
 *                              Both are generated at build time, so
 *                              neither can drift from the table.
 */

bool
gwConfigWriteReference(FILE *fp, gw_config_ref_t format)
{
  char value[GW_PATH_MAX + 8], range[96];

  if (!fp)
    return (false);

  if (format == GW_CONFIG_REF_EXAMPLE)
    fputs("# printgate.conf - the Printgate gateway's configuration (printgate.conf(5)).\n"
          "#\n"
          "# Every directive is listed below with its default value, commented out: this\n"
          "# file as it is (like an empty one) runs the gateway on its defaults.  To change\n"
          "# one, remove the '#' in front of it and edit the value; each directive may\n"
          "# appear once.  Check the file with: printgated -t -c FILE\n"
          "#\n"
          "# Generated from the directive table in the daemon (printgated\n"
          "# --print-config-example); the details are in printgate.conf(5).\n", fp);

  for (size_t i = 0; i < NUM_DIRECTIVES; i ++)
  {
    const config_directive_t *d = directives + i;

    quote_value(d->default_value, value, sizeof(value));
    range_text(d, range, sizeof(range));

    if (format == GW_CONFIG_REF_EXAMPLE)
    {
      fputs("\n", fp);
      write_wrapped(fp, "# ", d->help, 78);
      fprintf(fp, "# Type: %s%s%s.\n#%s %s\n", type_names[d->type], range[0] ? ", " : "", range, d->name, value);
    }
    else
    {
      fprintf(fp, "*%s* _%s_\n\t", d->name, type_names[d->type]);
      write_scdoc(fp, d->help);
      fputs(" Default: ", fp);
      write_scdoc(fp, d->default_value[0] ? value : "empty");
      if (range[0])
      {
        fputs(". Range: ", fp);
        write_scdoc(fp, range);
      }
      fputs(".\n\n", fp);
    }
  }

  return (!ferror(fp));
}


/*
 * 'gwConfigControlSocket()' - The control socket path (ControlSocket, or
 *                             STATE/printgated.sock).
 */

void
gwConfigControlSocket(const gw_config_t *c, char *buf, size_t bufsize)
{
  if (!buf || !bufsize)
    return;

  if (!c)
    *buf = '\0';
  else if (c->control_socket[0])
    snprintf(buf, bufsize, "%s", c->control_socket);
  else
    snprintf(buf, bufsize, "%s/printgated.sock", c->state_dir);
}


/*
 * 'gwConfigPrinterCertDir()' - Where pinned ipps printer certificates are
 *                              kept (STATE/printer-certs, docs/printers.md).
 */

void
gwConfigPrinterCertDir(const gw_config_t *c, char *buf, size_t bufsize)
{
  if (!buf || !bufsize)
    return;

  if (!c)
    *buf = '\0';
  else
    snprintf(buf, bufsize, "%s/printer-certs", c->state_dir);
}


/*
 * 'gwConfigTLSPaths()' - The certificate and key files (TLSCertificate and
 *                        TLSKey, or STATE/tls/server.crt and .key).
 */

void
gwConfigTLSPaths(const gw_config_t *c, char *cert, size_t certsize, char *key, size_t keysize)
{
  if (cert && certsize)
  {
    if (!c)
      *cert = '\0';
    else if (c->tls_certificate[0])
      snprintf(cert, certsize, "%s", c->tls_certificate);
    else
      snprintf(cert, certsize, "%s/tls/server.crt", c->state_dir);
  }

  if (key && keysize)
  {
    if (!c)
      *key = '\0';
    else if (c->tls_key[0])
      snprintf(key, keysize, "%s", c->tls_key);
    else
      snprintf(key, keysize, "%s/tls/server.key", c->state_dir);
  }
}


/*
 * 'check_server_name()' - A host name or numeric address: letters, digits
 *                         and ".-_:" (it goes into URLs and certificates).
 */

static bool
check_server_name(const char *value, const char **why)
{
  if (!*value)
    return (true);                      /* Empty = this host's name */

  for (const char *p = value; *p; p ++)
  {
    if (!isalnum((unsigned char)*p) && !strchr(".-_:", *p))
    {
      if (why)
        *why = "must be a host name (letters, digits, '.', '-', '_' or ':')";
      return (false);
    }
  }

  return (true);
}


/*
 * 'find_helper()' - Look for the helper program name: next to this
 *                   program, in the build tree's converters/ folder
 *                   (running from a build), then in the installed
 *                   helper folder (PRINTGATE_LIBEXEC_DIR, from CMake's
 *                   install prefix).  Returns false (and the last path
 *                   tried) when none is executable.
 */

static bool
find_helper(const char *name, char *buf, size_t bufsize)
{
  char    self[GW_PATH_MAX], *slash;
  ssize_t len;

  if ((len = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0)
  {
    self[len] = '\0';
    if ((slash = strrchr(self, '/')) != NULL)
    {
      *slash = '\0';
      if ((size_t)snprintf(buf, bufsize, "%s/%s", self, name) < bufsize && !access(buf, X_OK))
        return (true);
      if ((size_t)snprintf(buf, bufsize, "%s/../converters/%s", self, name) < bufsize && !access(buf, X_OK))
        return (true);
    }
  }

  snprintf(buf, bufsize, "%s/%s", PRINTGATE_LIBEXEC_DIR, name);
  return (!access(buf, X_OK));
}


/*
 * 'gwConfigHelperPath()' - Where the helper program name is (find_helper()):
 *                          false (and the last path tried) when nowhere.
 */

bool
gwConfigHelperPath(const char *name, char *buf, size_t bufsize)
{
  return (find_helper(name, buf, bufsize));
}


/*
 * 'gwConfigConverterPath()' - The printgate-convert helper to run:
 *                             ConverterPath, or the first executable
 *                             printgate-convert find_helper() finds.
 *                             Returns false (and the configured or last
 *                             path tried) when none is executable.
 */

bool
gwConfigConverterPath(const gw_config_t *c, char *buf, size_t bufsize)
{
  if (c && c->converter_path[0])
  {
    snprintf(buf, bufsize, "%s", c->converter_path);
    return (!access(buf, X_OK));
  }

  return (find_helper("printgate-convert", buf, bufsize));
}


/*
 * 'gwConfigOfficeHelperDir()' - The folder of printgate-office-sandbox and
 *                               the worker: OfficeHelperDir, or the folder
 *                               where find_helper() finds the sandbox
 *                               (the installed one when there is none).
 */

void
gwConfigOfficeHelperDir(const gw_config_t *c, char *buf, size_t bufsize)
{
  char *slash;

  if (c && c->office_helper_dir[0])
  {
    snprintf(buf, bufsize, "%s", c->office_helper_dir);
    return;
  }

  find_helper("printgate-office-sandbox", buf, bufsize);
  if ((slash = strrchr(buf, '/')) != NULL)
    *slash = '\0';
}


/*
 * 'check_system_user()' - A system account name the converter can become:
 *                         letters, digits, '_' and '-', not starting with
 *                         '-', at most 32 bytes.
 */

static bool
check_system_user(const char *value, const char **why)
{
  size_t len = strlen(value);

  *why = "must be a system account name (letters, digits, '_' or '-', at most 32)";
  if (len == 0 || len > 32 || value[0] == '-' || strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != len)
    return (false);

  return (true);
}


/*
 * 'check_paper_size()' - "a4" or "letter".
 */

static bool
check_paper_size(const char *value, const char **why)
{
  *why = "must be a4 or letter";
  return (!strcmp(value, "a4") || !strcmp(value, "letter"));
}


/*
 * 'check_address_list()' - Addresses and CIDR blocks separated by spaces
 *                          (the listener's parser, so both agree).
 */

static bool
check_address_list(const char *value, const char **why)
{
  return (gwListenerAddressListValid(value, why));
}


/*
 * 'check_metrics_token()' - "", an enc:v1: value, or a plain token of 16
 *                           to 256 printable characters with no space.
 */

static bool
check_metrics_token(const char *value, const char **why)
{
  size_t len = strlen(value);

  *why = "must be an enc:v1: value or 16 to 256 printable characters without spaces";
  if (!*value || !strncmp(value, GW_SECRET_PREFIX, strlen(GW_SECRET_PREFIX)))
    return (true);
  if (len < 16 || len > 256)
    return (false);
  for (const char *s = value; *s; s ++)
  {
    if (*s <= ' ' || *s >= 0x7f)
      return (false);
  }
  return (true);
}


/*
 * 'check_metrics_allow()' - "" or a list of addresses and CIDR blocks.
 */

static bool
check_metrics_allow(const char *value, const char **why)
{
  return (!*value || gwListenerAddressListValid(value, why));
}


/*
 * 'check_smtp_server()' - "" or HOST or HOST:PORT (letters, digits, ".-:[]").
 */

static bool
check_smtp_server(const char *value, const char **why)
{
  *why = "must be HOST or HOST:PORT";
  return (strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") == strlen(value));
}


/*
 * 'check_smtp_tls()' - "required", "implicit" or "off".
 */

static bool
check_smtp_tls(const char *value, const char **why)
{
  *why = "must be required, implicit or off";
  return (!strcmp(value, "required") || !strcmp(value, "implicit") || !strcmp(value, "off"));
}


/*
 * 'check_smtp_auth()' - "password", "xoauth2" or "oauthbearer".
 */

static bool
check_smtp_auth(const char *value, const char **why)
{
  *why = "must be password, xoauth2 or oauthbearer";
  return (!strcmp(value, "password") || !strcmp(value, "xoauth2") || !strcmp(value, "oauthbearer"));
}


/*
 * 'check_smtp_token_url()' - Empty or https://.
 */

static bool
check_smtp_token_url(const char *value, const char **why)
{
  *why = "must be an https:// URL";
  return (!*value || !strncmp(value, "https://", 8));
}


/*
 * 'check_smtp_address()' - "" or an addr-spec (the outbox's own check).
 */

static bool
check_smtp_address(const char *value, const char **why)
{
  *why = "must be an address like printgate@example.org";
  return (!*value || gwOutboxAddressValid(value));
}


/*
 * 'check_user_name()' - An account name: letters, digits and "._@-".
 */

static bool
check_user_name(const char *value, const char **why)
{
  if (!*value)
  {
    *why = "must not be empty";
    return (false);
  }

  for (const char *p = value; *p; p ++)
  {
    if (!isalnum((unsigned char)*p) && !strchr("._@-", *p))
    {
      *why = "must be an account name (letters, digits, '.', '_', '@' or '-')";
      return (false);
    }
  }

  return (true);
}


/*
 * 'check_second_factor()' - AdminSecondFactor is "required" or "optional".
 */

static bool
check_second_factor(const char *value, const char **why)
{
  if (strcmp(value, "required") && strcmp(value, "optional"))
  {
    *why = "must be required or optional";
    return (false);
  }

  return (true);
}


/*
 * 'config_error()' - Write "FILE:LINE: message" (or "FILE: message" when
 *                    line is 0) to the caller's error buffer.
 */

static void
config_error(config_file_t *cf, int line, const char *fmt, ...)
{
  char    msg[1024];
  va_list ap;

  if (!cf->err || !cf->errsize)
    return;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);

  if (line > 0)
    snprintf(cf->err, cf->errsize, "%s:%d: %s", cf->path, line, msg);
  else
    snprintf(cf->err, cf->errsize, "%s: %s", cf->path, msg);
}


/*
 * 'default_server_name()' - Use this host's name when ServerName is empty
 *                           (or "localhost" when it has none usable).
 */

static void
default_server_name(gw_config_t *c)
{
  if (c->server_name[0])
    return;

  if (gethostname(c->server_name, sizeof(c->server_name) - 1) || !c->server_name[0] || !check_server_name(c->server_name, NULL))
    snprintf(c->server_name, sizeof(c->server_name), "localhost");
}


/*
 * 'find_directive()' - Find a directive by name (case-insensitive).
 */

static const config_directive_t *
find_directive(const char *name)
{
  for (size_t i = 0; i < NUM_DIRECTIVES; i ++)
  {
    if (!strcasecmp(name, directives[i].name))
      return (directives + i);
  }

  return (NULL);
}


/*
 * 'format_duration()' - Write a duration in its largest exact unit ("15m").
 */

static void
format_duration(int64_t value, bool unit_ms, char *buf, size_t bufsize)
{
  static const struct { const char *suffix; int64_t ms; } units[] =
  {
    { "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 }
  };
  int64_t ms = unit_ms ? value : value * 1000;

  if (ms == 0)
  {
    snprintf(buf, bufsize, "0");
    return;
  }

  for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i ++)
  {
    if (ms % units[i].ms == 0)
    {
      snprintf(buf, bufsize, "%lld%s", (long long)(ms / units[i].ms), units[i].suffix);
      return;
    }
  }
}


/*
 * 'gwConfigSizeText()' - Write a size: for people, in its largest unit
 *                        ("100 MB", rounded down), else in its largest
 *                        exact unit as the configuration file writes it
 *                        ("100M").
 */

void
gwConfigSizeText(int64_t value, bool people, char *buf, size_t bufsize)
{
  if (people)
  {
    if (value >= GIB)
      snprintf(buf, bufsize, "%lld GB", (long long)(value / GIB));
    else if (value >= MIB)
      snprintf(buf, bufsize, "%lld MB", (long long)(value / MIB));
    else
      snprintf(buf, bufsize, "%lld KB", (long long)(value / KIB));
  }
  else if (value && value % GIB == 0)
    snprintf(buf, bufsize, "%lldG", (long long)(value / GIB));
  else if (value && value % MIB == 0)
    snprintf(buf, bufsize, "%lldM", (long long)(value / MIB));
  else if (value && value % KIB == 0)
    snprintf(buf, bufsize, "%lldK", (long long)(value / KIB));
  else
    snprintf(buf, bufsize, "%lld", (long long)value);
}


/*
 * 'quote_value()' - Write a value as the file wants it: as is when it is
 *                   one plain word, else double-quoted with '"' and '\'
 *                   escaped (so "" for an empty value).
 */

static void
quote_value(const char *value, char *buf, size_t bufsize)
{
  size_t len = 0;

  if (!bufsize)
    return;

  if (*value && !strpbrk(value, " \t#\"\\"))
  {
    snprintf(buf, bufsize, "%s", value);
    return;
  }

  if (bufsize < 3)
  {
    *buf = '\0';
    return;
  }

  buf[len ++] = '"';
  for (; *value && len + 4 < bufsize; value ++)
  {
    if (*value == '"' || *value == '\\')
      buf[len ++] = '\\';
    buf[len ++] = *value;
  }
  buf[len ++] = '"';
  buf[len]    = '\0';
}


/*
 * 'range_text()' - The limits of a number, size or duration as a person
 *                  reads them ("1 to 10000", "1K to 2G", "1s to 1h");
 *                  empty for other types.
 */

static void
range_text(const config_directive_t *d, char *buf, size_t bufsize)
{
  char minbuf[32], maxbuf[32];

  switch (d->type)
  {
    case CONFIG_INT :
        snprintf(minbuf, sizeof(minbuf), "%lld", (long long)d->min);
        snprintf(maxbuf, sizeof(maxbuf), "%lld", (long long)d->max);
        break;
    case CONFIG_SIZE :
        gwConfigSizeText(d->min, false, minbuf, sizeof(minbuf));
        gwConfigSizeText(d->max, false, maxbuf, sizeof(maxbuf));
        break;
    case CONFIG_DURATION :
        format_duration(d->min, d->unit_ms, minbuf, sizeof(minbuf));
        format_duration(d->max, d->unit_ms, maxbuf, sizeof(maxbuf));
        break;
    default :
        *buf = '\0';
        return;
  }

  snprintf(buf, bufsize, "%s to %s", minbuf, maxbuf);
}


/*
 * 'write_scdoc()' - Write text for scdoc: its markup characters ('*', '_'
 *                   and '\') escaped, so they print as themselves.
 */

static void
write_scdoc(FILE *fp, const char *text)
{
  for (; *text; text ++)
  {
    if (strchr("*_\\", *text))
      putc('\\', fp);
    putc(*text, fp);
  }
}


/*
 * 'write_wrapped()' - Write text as lines of at most width columns (a word
 *                     longer than that gets a line of its own), each
 *                     starting with prefix.
 */

static void
write_wrapped(FILE *fp, const char *prefix, const char *text, size_t width)
{
  size_t plen = strlen(prefix), col = 0;

  while (*text)
  {
    size_t word = strcspn(text, " ");

    if (col && col + 1 + word > width)
    {
      putc('\n', fp);
      col = 0;
    }
    if (!col)
    {
      fputs(prefix, fp);
      col = plen;
    }
    else
    {
      putc(' ', fp);
      col ++;
    }
    fwrite(text, 1, word, fp);
    col  += word;
    text += word;
    text += strspn(text, " ");
  }

  if (col)
    putc('\n', fp);
}


/*
 * 'parse_number()' - Parse the leading decimal digits of value (no sign,
 *                    no spaces); *rest points after them.  False if there
 *                    are no digits or the number does not fit.
 */

static bool
parse_number(const char *value, int64_t *number, const char **rest)
{
  char      *end;
  long long  n;

  if (!isdigit((unsigned char)*value))
    return (false);

  errno = 0;
  n     = strtoll(value, &end, 10);
  if (errno == ERANGE || n < 0)
    return (false);

  *number = (int64_t)n;
  *rest   = end;

  return (true);
}


/*
 * 'store_number()' - Store a number in an int or int64_t field.
 */

static void
store_number(gw_config_t *c, const config_directive_t *d, int64_t value)
{
  char *field = (char *)c + d->offset;

  if (d->size == sizeof(int64_t))
  {
    int64_t v = value;
    memcpy(field, &v, sizeof(v));
  }
  else
  {
    int v = (int)value;
    memcpy(field, &v, sizeof(v));
  }
}


/*
 * 'parse_size()' - Parse "1048576", "512K", "100M", "2G" (also "100MB",
 *                  "100MiB"; 1024-based, case-insensitive).
 */

static bool
parse_size(const char *value, int64_t *bytes)
{
  int64_t     n, mult = 1;
  const char *rest;

  if (!parse_number(value, &n, &rest))
    return (false);

  switch (tolower((unsigned char)*rest))
  {
    case 'k' : mult = KIB; rest ++; break;
    case 'm' : mult = MIB; rest ++; break;
    case 'g' : mult = GIB; rest ++; break;
    default  : break;
  }

  if (mult > 1 && tolower((unsigned char)rest[0]) == 'i' && tolower((unsigned char)rest[1]) == 'b')
    rest += 2;
  else if (tolower((unsigned char)*rest) == 'b')
    rest ++;

  if (*rest || n > INT64_MAX / mult)
    return (false);

  *bytes = n * mult;
  return (true);
}


/*
 * 'parse_duration()' - Parse "500ms", "30s", "15m", "8h", "90d" into
 *                      milliseconds.  A bare number is in the directive's
 *                      own unit (seconds, or milliseconds when unit_ms).
 */

static bool
parse_duration(const char *value, bool unit_ms, int64_t *ms)
{
  int64_t     n, mult;
  const char *rest;

  if (!parse_number(value, &n, &rest))
    return (false);

  if (!*rest)
    mult = unit_ms ? 1 : 1000;
  else if (!strcasecmp(rest, "ms"))
    mult = 1;
  else if (!strcasecmp(rest, "s"))
    mult = 1000;
  else if (!strcasecmp(rest, "m"))
    mult = 60000;
  else if (!strcasecmp(rest, "h"))
    mult = 3600000;
  else if (!strcasecmp(rest, "d"))
    mult = 86400000;
  else
    return (false);

  if (n > INT64_MAX / mult)
    return (false);

  *ms = n * mult;
  return (true);
}


/*
 * 'parse_value()' - Parse and check one value and store it.
 */

static bool
parse_value(config_file_t *cf, gw_config_t *c, const config_directive_t *d, const char *value)
{
  char       *field = (char *)c + d->offset;
  const char *why = NULL;
  int64_t     number, ms;
  const char *rest;

  switch (d->type)
  {
    case CONFIG_STRING :
        if (strlen(value) >= d->size)
        {
          config_error(cf, cf->line, "%s is too long (at most %zu characters)", d->name, d->size - 1);
          return (false);
        }
        if (d->check && !(*d->check)(value, &why))
        {
          config_error(cf, cf->line, "%s %s (got \"%s\")", d->name, why, value);
          return (false);
        }
        snprintf(field, d->size, "%s", value);
        return (true);

    case CONFIG_PATH :
        if (!*value && *d->default_value)
        {
          config_error(cf, cf->line, "%s must not be empty", d->name);
          return (false);
        }
        if (*value && *value != '/')
        {
          config_error(cf, cf->line, "%s must be an absolute path (got \"%s\")", d->name, value);
          return (false);
        }
        if (strlen(value) >= d->size)
        {
          config_error(cf, cf->line, "%s is too long (at most %zu characters)", d->name, d->size - 1);
          return (false);
        }
        snprintf(field, d->size, "%s", value);
        return (true);

    case CONFIG_INT :
        if (!parse_number(value, &number, &rest) || *rest)
        {
          config_error(cf, cf->line, "%s must be a whole number (got \"%s\")", d->name, value);
          return (false);
        }
        if (number < d->min || number > d->max)
        {
          config_error(cf, cf->line, "%s must be between %lld and %lld (got \"%s\")", d->name, (long long)d->min, (long long)d->max, value);
          return (false);
        }
        store_number(c, d, number);
        return (true);

    case CONFIG_SIZE :
        if (!parse_size(value, &number))
        {
          config_error(cf, cf->line, "%s must be a size such as 512K, 100M or 2G (got \"%s\")", d->name, value);
          return (false);
        }
        if (number < d->min || number > d->max)
        {
          char minbuf[32], maxbuf[32];

          gwConfigSizeText(d->min, false, minbuf, sizeof(minbuf));
          gwConfigSizeText(d->max, false, maxbuf, sizeof(maxbuf));
          config_error(cf, cf->line, "%s must be between %s and %s (got \"%s\")", d->name, minbuf, maxbuf, value);
          return (false);
        }
        store_number(c, d, number);
        return (true);

    case CONFIG_DURATION :
        if (!parse_duration(value, d->unit_ms, &ms))
        {
          config_error(cf, cf->line, "%s must be a duration such as 500ms, 30s, 15m, 8h or 90d (got \"%s\")", d->name, value);
          return (false);
        }
        if (!d->unit_ms && ms % 1000)
        {
          config_error(cf, cf->line, "%s must be a whole number of seconds (got \"%s\")", d->name, value);
          return (false);
        }
        number = d->unit_ms ? ms : ms / 1000;
        if (number < d->min || number > d->max)
        {
          char minbuf[32], maxbuf[32];

          format_duration(d->min, d->unit_ms, minbuf, sizeof(minbuf));
          format_duration(d->max, d->unit_ms, maxbuf, sizeof(maxbuf));
          config_error(cf, cf->line, "%s must be between %s and %s (got \"%s\")", d->name, minbuf, maxbuf, value);
          return (false);
        }
        store_number(c, d, number);
        return (true);

    case CONFIG_BOOL :
        {
          bool b;

          if (!strcasecmp(value, "yes") || !strcasecmp(value, "true") || !strcasecmp(value, "on"))
            b = true;
          else if (!strcasecmp(value, "no") || !strcasecmp(value, "false") || !strcasecmp(value, "off"))
            b = false;
          else
          {
            config_error(cf, cf->line, "%s must be yes or no (got \"%s\")", d->name, value);
            return (false);
          }
          memcpy(field, &b, sizeof(b));
          return (true);
        }

    case CONFIG_LOGLEVEL :
        {
          gw_loglevel_t level;

          if (!gwLogLevelParse(value, &level))
          {
            config_error(cf, cf->line, "%s must be debug, info, warn or error (got \"%s\")", d->name, value);
            return (false);
          }
          memcpy(field, &level, sizeof(level));
          return (true);
        }

    case CONFIG_ADDRESS :
        {
          unsigned char addr[sizeof(struct in6_addr)];

          if (strcmp(value, "*") && inet_pton(AF_INET, value, addr) != 1 && inet_pton(AF_INET6, value, addr) != 1)
          {
            config_error(cf, cf->line, "%s must be * or a numeric IPv4 or IPv6 address (got \"%s\")", d->name, value);
            return (false);
          }
          if (strlen(value) >= d->size)
          {
            config_error(cf, cf->line, "%s is too long", d->name);
            return (false);
          }
          snprintf(field, d->size, "%s", value);
          return (true);
        }
  }

  return (false);
}


/*
 * 'read_line()' - Read one line (without its newline or a trailing CR).
 *                 Returns 1 for a line, 0 at the end of the file, -1 on
 *                 error (too long, NUL byte, file too large, I/O error).
 */

static int
read_line(config_file_t *cf, char *buf, size_t bufsize)
{
  size_t len = 0;
  int    ch;

  cf->line ++;

  while ((ch = getc(cf->fp)) != EOF)
  {
    if (++ cf->total > CONFIG_FILE_MAX)
    {
      config_error(cf, cf->line, "the file is larger than %d bytes", CONFIG_FILE_MAX);
      return (-1);
    }

    if (ch == '\n')
      break;

    if (ch == '\0')
    {
      config_error(cf, cf->line, "the line contains a NUL byte");
      return (-1);
    }

    if (len >= CONFIG_LINE_MAX || len >= bufsize - 1)
    {
      config_error(cf, cf->line, "the line is longer than %d bytes", CONFIG_LINE_MAX);
      return (-1);
    }

    buf[len ++] = (char)ch;
  }

  if (ch == EOF)
  {
    if (ferror(cf->fp))
    {
      config_error(cf, cf->line, "read error: %s", strerror(errno));
      return (-1);
    }
    if (len == 0)
      return (0);
  }

  if (len > 0 && buf[len - 1] == '\r')
    len --;
  buf[len] = '\0';

  /* Skip a UTF-8 byte order mark at the start of the file */
  if (cf->line == 1 && len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
    memmove(buf, buf + 3, len - 2);

  return (1);
}


/*
 * 'set_default()' - Store a directive's default value.
 */

static bool
set_default(gw_config_t *c, const config_directive_t *d)
{
  config_file_t cf;

  memset(&cf, 0, sizeof(cf));
  cf.path = "(defaults)";

  if (d->type == CONFIG_PATH || d->type == CONFIG_STRING)
  {
    snprintf((char *)c + d->offset, d->size, "%s", d->default_value);
    return (true);
  }

  return (parse_value(&cf, c, d, d->default_value));
}


/*
 * 'split_line()' - Split a line into a directive name and a value.
 *
 * Blank lines and comments give *name_r = NULL.  The value is one word,
 * or a double-quoted string (with \" and \\ escapes) that may hold
 * spaces; after it only spaces and a "# comment" may follow.
 */

static bool
split_line(config_file_t *cf, char *line, char **name_r, char **value_r, bool *quoted_r)
{
  char *p = line, *value, *end;

  *name_r   = NULL;
  *value_r  = NULL;
  *quoted_r = false;

  while (isspace((unsigned char)*p))
    p ++;

  if (!*p || *p == '#')
    return (true);

  /* Directive name: letters and digits */
  *name_r = p;
  while (*p && !isspace((unsigned char)*p))
    p ++;
  if (*p)
    *p++ = '\0';

  for (const char *q = *name_r; *q; q ++)
  {
    if (!isalnum((unsigned char)*q))
    {
      config_error(cf, cf->line, "unknown directive \"%s\"", *name_r);
      return (false);
    }
  }

  while (isspace((unsigned char)*p))
    p ++;

  if (!*p || *p == '#')
    return (true);                      /* Missing value */

  if (*p == '\"')
  {
    /* Quoted value: unescape in place */
    *quoted_r = true;
    value = end = ++ p;
    while (*p && *p != '\"')
    {
      if (*p == '\\' && (p[1] == '\"' || p[1] == '\\'))
        p ++;
      *end++ = *p++;
    }
    if (*p != '\"')
    {
      config_error(cf, cf->line, "%s: the value has no closing quote", *name_r);
      return (false);
    }
    p ++;
    *end = '\0';
  }
  else
  {
    value = p;
    while (*p && !isspace((unsigned char)*p))
      p ++;
    if (*p)
      *p++ = '\0';
  }

  while (isspace((unsigned char)*p))
    p ++;

  if (*p && *p != '#')
  {
    config_error(cf, cf->line, "%s: unexpected text after the value: \"%s\" (quote values that contain spaces)", *name_r, p);
    return (false);
  }

  for (const char *q = value; *q; q ++)
  {
    if ((unsigned char)*q < ' ' || *q == 0x7f)
    {
      config_error(cf, cf->line, "%s: the value contains a control character", *name_r);
      return (false);
    }
  }

  *value_r = value;
  return (true);
}


/*
 * 'validate()' - Checks that involve more than one directive.
 */

static bool
validate(config_file_t *cf, gw_config_t *c, const int *seen)
{
  const config_directive_t *cert = find_directive("TLSCertificate"), *key = find_directive("TLSKey"),
                           *state = find_directive("StateDir"), *sock = find_directive("ControlSocket");
  char                      path[GW_PATH_MAX + 32];

  if (!c->tls_certificate[0] != !c->tls_key[0])
  {
    int line = seen[c->tls_certificate[0] ? cert - directives : key - directives];

    config_error(cf, line, "TLSCertificate and TLSKey must be set together");
    return (false);
  }

  default_server_name(c);

  gwConfigControlSocket(c, path, sizeof(path));
  if (strlen(path) > CONFIG_SOCKET_MAX)
  {
    int line = c->control_socket[0] ? seen[sock - directives] : seen[state - directives];

    config_error(cf, line, "the control socket path \"%s\" is longer than %zu bytes, the limit for a Unix socket; set a shorter ControlSocket", path, CONFIG_SOCKET_MAX);
    return (false);
  }

  return (true);
}
