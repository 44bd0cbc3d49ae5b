/*
 * metrics.c - GET /metrics on the core HTTPS listener, in the Prometheus
 * text exposition format (version 0.0.4), and the counters behind it
 * (metrics-private.h, docs/metrics.md).
 *
 * Access: with neither MetricsToken nor MetricsAllow set the route answers
 * 404 (metrics are off).  Otherwise a scrape is served when it carries
 * "Authorization: Bearer TOKEN" with the configured token (compared as
 * HMACs, in constant time) or comes from an address in MetricsAllow; else
 * 401 (a token is configured and none was sent) or 403.
 *
 * What a scrape costs: the counters are atomics; the store is asked for
 * ten rows of store_totals (kept by triggers) and the outbox's unsent rows
 * on its index, never a count of the jobs; the front-ends' health hooks,
 * the mail-source registry (copied under its lock) and the Office pool
 * are read as /health reads them.  Nothing here names
 * a user or a document: labels are states, outcomes, printers, mail
 * sources and HTTP status codes.
 */

#include "system-private.h"
#include "outbox-private.h"
#include "mailsrc-private.h"
#include "printgate/text.h"
#include "printgate/clock.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

const double _gwMetricsBuckets[_GW_METRICS_BUCKETS] = { 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120 };

static const char * const outcome_names[_GW_METRICS_OUTCOMES] = { "printed", "held", "failed" };


/*
 * '_gwMetricsInit()', '_gwMetricsDestroy()' - Set up and tear down the
 *     counters (all zero).
 */

void
_gwMetricsInit(_gw_metrics_t *m)
{
  memset(m, 0, sizeof(*m));
  pthread_mutex_init(&m->printer_lock, NULL);
  snprintf(m->printers[_GW_METRICS_PRINTERS].name, sizeof(m->printers[0].name), "_other");
}

void
_gwMetricsDestroy(_gw_metrics_t *m)
{
  pthread_mutex_destroy(&m->printer_lock);
}


/*
 * '_gwMetricsConversion()' - Count a finished conversion and its time.
 */

void
_gwMetricsConversion(_gw_metrics_t *m, bool ok, double ms)
{
  int      i;
  unsigned slot;

  if (ms < 0)
    ms = 0;
  atomic_fetch_add_explicit(&m->conversions[ok ? 0 : 1], 1, memory_order_relaxed);
  for (i = 0; i < _GW_METRICS_BUCKETS && ms / 1000.0 > _gwMetricsBuckets[i]; i ++);
  if (i < _GW_METRICS_BUCKETS)
    atomic_fetch_add_explicit(&m->conversion_le[i], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&m->conversion_ms, (uint_fast64_t)ms, memory_order_relaxed);

  slot = atomic_fetch_add_explicit(&m->recent_next, 1, memory_order_relaxed) % _GW_METRICS_RECENT;
  atomic_store_explicit(&m->recent_ms[slot], ms < 1 ? 1u : (unsigned)ms, memory_order_relaxed);
}


/*
 * '_gwMetricsRelease()' - Count a release's outcome at a printer.
 */

void
_gwMetricsRelease(_gw_metrics_t *m, const char *printer, gw_sink_status_t status)
{
  int i, outcome = status == GW_SINK_OK ? 0 : status == GW_SINK_HOLD ? 1 : 2;

  pthread_mutex_lock(&m->printer_lock);
  for (i = 0; i < m->num_printers && strcmp(m->printers[i].name, printer); i ++);
  if (i == m->num_printers && i < _GW_METRICS_PRINTERS)
    snprintf(m->printers[m->num_printers ++].name, sizeof(m->printers[0].name), "%s", printer);
  pthread_mutex_unlock(&m->printer_lock);

  atomic_fetch_add_explicit(&m->printers[i].releases[outcome], 1, memory_order_relaxed);
}


/*
 * '_gwMetricsRecent()' - Recent conversion times in ms, newest first.
 */

int
_gwMetricsRecent(_gw_metrics_t *m, int *ms, int max)
{
  unsigned next = atomic_load_explicit(&m->recent_next, memory_order_relaxed);
  int      n = 0;

  for (unsigned i = 1; i <= _GW_METRICS_RECENT && n < max && i <= next; i ++)
    ms[n ++] = (int)atomic_load_explicit(&m->recent_ms[(next - i) % _GW_METRICS_RECENT], memory_order_relaxed);

  return (n);
}


/*
 * 'add_label()' - Append a label value escaped for the text format
 *                 (backslash, quote and newline).
 */

static void
add_label(gw_buffer_t *b, const char *value)
{
  for (const char *s = value; *s; s ++)
  {
    if (*s == '\\' || *s == '"')
      gwBufferAddf(b, "\\%c", *s);
    else if (*s == '\n')
      gwBufferAdd(b, "\\n", 2);
    else
      gwBufferAdd(b, s, 1);
  }
}


/*
 * 'add_family()' - The HELP and TYPE lines of a metric family.
 */

static void
add_family(gw_buffer_t *b, const char *name, const char *type, const char *help)
{
  gwBufferAddf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}


/*
 * 'add_sample()' - One sample with up to two labels (NULL = none).
 */

static void
add_sample(gw_buffer_t *b, const char *name, const char *l1, const char *v1, const char *l2, const char *v2, double value)
{
  gwBufferAddf(b, "%s", name);
  if (l1)
  {
    gwBufferAddf(b, "{%s=\"", l1);
    add_label(b, v1);
    if (l2)
    {
      gwBufferAddf(b, "\",%s=\"", l2);
      add_label(b, v2);
    }
    gwBufferAdd(b, "\"}", 2);
  }
  gwBufferAddf(b, " %.17g\n", value);
}


/*
 * 'add_store()' - Jobs by state, spool bytes and the outbox backlog.
 */

static void
add_store(gw_system_t *sys, gw_buffer_t *b)
{
  gw_store_totals_t t;
  bool              ok = gwStoreTotals(sys->store, &t);

  add_family(b, "printgate_store_up", "gauge", "Whether the store answered this scrape.");
  add_sample(b, "printgate_store_up", NULL, NULL, NULL, NULL, ok);
  if (!ok)
    return;

  add_family(b, "printgate_jobs", "gauge", "Jobs in the store by state.");
  for (int s = 0; s < GW_JOB_STATE_COUNT; s ++)
    add_sample(b, "printgate_jobs", "state", gwJobStateString((gw_job_state_t)s), NULL, NULL, (double)t.jobs[s]);
  add_family(b, "printgate_spool_bytes", "gauge", "Plaintext bytes of the documents held in the encrypted spool.");
  add_sample(b, "printgate_spool_bytes", NULL, NULL, NULL, NULL, (double)t.spool_bytes);
  add_family(b, "printgate_outbox_messages", "gauge", "Outgoing messages not sent: queued (or being sent) and failed.");
  add_sample(b, "printgate_outbox_messages", "state", "queued", NULL, NULL, (double)t.outbox_queued);
  add_sample(b, "printgate_outbox_messages", "state", "failed", NULL, NULL, (double)t.outbox_failed);
}


/*
 * 'add_conversions()' - Conversions by outcome, their duration histogram,
 *                       and the worker pool now.
 */

static void
add_conversions(gw_system_t *sys, gw_buffer_t *b)
{
  _gw_metrics_t *m = &sys->metrics;
  uint64_t       cumulative = 0, total = 0;
  char           le[32];
  int            running = 0, queued = 0;

  add_family(b, "printgate_conversions_total", "counter", "Conversions finished since the start, by outcome.");
  add_sample(b, "printgate_conversions_total", "outcome", "ok", NULL, NULL, (double)atomic_load(&m->conversions[0]));
  add_sample(b, "printgate_conversions_total", "outcome", "failed", NULL, NULL, (double)atomic_load(&m->conversions[1]));

  add_family(b, "printgate_conversions_deferred_total", "counter", "Conversions that waited for arriving uploads to pause before they started (uploads first).");
  add_sample(b, "printgate_conversions_deferred_total", NULL, NULL, NULL, NULL, (double)atomic_load(&m->conversions_deferred));

  total = atomic_load(&m->conversions[0]) + atomic_load(&m->conversions[1]);
  add_family(b, "printgate_conversion_duration_seconds", "histogram", "Wall-clock time of each conversion (helper, Office and all).");
  for (int i = 0; i < _GW_METRICS_BUCKETS; i ++)
  {
    cumulative += atomic_load(&m->conversion_le[i]);
    snprintf(le, sizeof(le), "%g", _gwMetricsBuckets[i]);
    add_sample(b, "printgate_conversion_duration_seconds_bucket", "le", le, NULL, NULL, (double)(cumulative < total ? cumulative : total));
  }
  add_sample(b, "printgate_conversion_duration_seconds_bucket", "le", "+Inf", NULL, NULL, (double)total);
  add_sample(b, "printgate_conversion_duration_seconds_sum", NULL, NULL, NULL, NULL, (double)atomic_load(&m->conversion_ms) / 1000.0);
  add_sample(b, "printgate_conversion_duration_seconds_count", NULL, NULL, NULL, NULL, (double)total);

  _gwWorkersCounts(sys->workers, &running, &queued);
  add_family(b, "printgate_conversions_running", "gauge", "Conversions running now.");
  add_sample(b, "printgate_conversions_running", NULL, NULL, NULL, NULL, running);
  add_family(b, "printgate_conversions_queued", "gauge", "Conversions waiting for a worker.");
  add_sample(b, "printgate_conversions_queued", NULL, NULL, NULL, NULL, queued);
}


/*
 * 'add_releases()' - Releases by printer and outcome.
 */

static void
add_releases(gw_system_t *sys, gw_buffer_t *b)
{
  _gw_metrics_t *m = &sys->metrics;
  char           names[_GW_METRICS_PRINTERS + 1][64];
  int            n;

  pthread_mutex_lock(&m->printer_lock);
  n = m->num_printers;
  for (int i = 0; i < n; i ++)
    memcpy(names[i], m->printers[i].name, sizeof(names[i]));
  pthread_mutex_unlock(&m->printer_lock);
  memcpy(names[n], m->printers[_GW_METRICS_PRINTERS].name, sizeof(names[n]));

  add_family(b, "printgate_releases_total", "counter", "Jobs sent to a printer since the start, by printer and outcome (printed, held again, failed).");
  for (int i = 0; i <= n; i ++)
  {
    _gw_metrics_printer_t *p = m->printers + (i < n ? i : _GW_METRICS_PRINTERS);

    for (int o = 0; o < _GW_METRICS_OUTCOMES; o ++)
    {
      uint64_t v = atomic_load(&p->releases[o]);

      if (v || i < n)
        add_sample(b, "printgate_releases_total", "printer", names[i], "outcome", outcome_names[o], (double)v);
    }
  }
}


/*
 * 'add_http()' - Responses of both listeners by status code.
 */

static void
add_http(gw_system_t *sys, gw_buffer_t *b)
{
  char code[8];

  add_family(b, "printgate_http_responses_total", "counter", "HTTP responses sent since the start, by status code (HTTPS and plain IPP listeners).");
  for (int status = 100; status <= 599; status ++)
  {
    uint64_t v = gwListenerResponseCount(sys->listener, status) + gwListenerResponseCount(sys->plain_listener, status);

    if (v)
    {
      snprintf(code, sizeof(code), "%d", status);
      add_sample(b, "printgate_http_responses_total", "code", code, NULL, NULL, (double)v);
    }
  }
}


/*
 * 'json_int()' - An integer member of a JSON object, or 0.
 */

static int64_t
json_int(json_object *o, const char *name)
{
  json_object *v;

  return (json_object_object_get_ex(o, name, &v) ? json_object_get_int64(v) : 0);
}


/*
 * 'add_mail()' - The mail sources, from the mail front-end's health hook:
 *                whether the last poll failed and the back-off in force.
 */

static void
add_mail(gw_system_t *sys, gw_buffer_t *b)
{
  json_object *all = _gwHealthFrontends(sys), *mail, *sources;
  size_t       n;

  if (!json_object_object_get_ex(all, "mail", &mail) || !json_object_object_get_ex(mail, "sources", &sources) ||
      (n = json_object_array_length(sources)) == 0)
  {
    json_object_put(all);
    return;
  }

  add_family(b, "printgate_mail_source_error", "gauge", "1 when the mail source's last poll failed or it stopped.");
  for (size_t i = 0; i < n; i ++)
  {
    json_object *s = json_object_array_get_idx(sources, i), *v;
    const char  *status = json_object_object_get_ex(s, "status", &v) ? json_object_get_string(v) : "";

    add_sample(b, "printgate_mail_source_error", "source", json_object_object_get_ex(s, "name", &v) ? json_object_get_string(v) : "", NULL, NULL,
               !strcmp(status, "error") || !strcmp(status, "stopped"));
  }
  add_family(b, "printgate_mail_source_backoff_seconds", "gauge", "Back-off of the mail source after errors (0 = none).");
  for (size_t i = 0; i < n; i ++)
  {
    json_object *s = json_object_array_get_idx(sources, i), *v;

    add_sample(b, "printgate_mail_source_backoff_seconds", "source", json_object_object_get_ex(s, "name", &v) ? json_object_get_string(v) : "", NULL, NULL,
               (double)json_int(s, "backoff"));
  }
  json_object_put(all);
}


/*
 * 'add_mail_sources()' - The mail sources from the core's registry (what
 *                        the mail front-end publishes, config-file and
 *                        console sources alike): up, errors, lag, last
 *                        poll and messages taken, one series each.
 */

static void
add_mail_sources(gw_system_t *sys, gw_buffer_t *b)
{
  static const struct
  {
    const char *name, *type, *help;
  }                        fam[] =
  {
    { "printgate_mail_source_up", "gauge", "1 when the mail source's last round completed and no error came after it." },
    { "printgate_mail_source_errors_total", "counter", "Errors of the mail source (failed rounds, stops) since it started." },
    { "printgate_mail_source_lag_seconds", "gauge", "Seconds since the mail source's last good poll (since the start when none yet)." },
    { "printgate_mail_source_last_poll_timestamp_seconds", "gauge", "Unix time of the mail source's last good poll (0 = none yet)." },
    { "printgate_mail_messages_taken_total", "counter", "Messages the mail source took since it started." }
  };
  gw_mail_source_status_t *st = calloc(_GW_MAILSRC_STATUS_MAX, sizeof(gw_mail_source_status_t));
  int                      n = st ? _gwMailSrcSnapshot(sys, st, _GW_MAILSRC_STATUS_MAX) : 0;
  int64_t                  now = (int64_t)time(NULL);

  for (int f = 0; f < (int)(sizeof(fam) / sizeof(fam[0])) && n > 0; f ++)
  {
    add_family(b, fam[f].name, fam[f].type, fam[f].help);
    for (int i = 0; i < n; i ++)
    {
      double v = f == 0 ? !strcmp(st[i].state, "ok") :
                 f == 1 ? (double)st[i].errors :
                 f == 2 ? (double)(now - (st[i].last_poll ? st[i].last_poll : (int64_t)sys->start_time)) :
                 f == 3 ? (double)st[i].last_poll : (double)st[i].taken;

      add_sample(b, fam[f].name, "source", st[i].name, NULL, NULL, v);
    }
  }
  free(st);
}


/*
 * 'add_process()' - Resident memory, start time, Office pool, build.
 */

static void
add_process(gw_system_t *sys, gw_buffer_t *b)
{
  FILE                     *fp;
  long                      pages_total = 0, pages_rss = 0;
  gw_office_instance_info_t info[64];
  int                       n = sys->office ? gwOfficePoolGetInstances(sys->office, info, 64) : 0, ready = 0, busy = 0, starts = 0;

  if ((fp = fopen("/proc/self/statm", "r")) != NULL)
  {
    if (fscanf(fp, "%ld %ld", &pages_total, &pages_rss) != 2)
      pages_rss = 0;
    fclose(fp);
  }
  add_family(b, "process_resident_memory_bytes", "gauge", "Resident memory of printgated.");
  add_sample(b, "process_resident_memory_bytes", NULL, NULL, NULL, NULL, (double)pages_rss * (double)sysconf(_SC_PAGESIZE));
  add_family(b, "process_start_time_seconds", "gauge", "Start time of printgated, Unix time.");
  add_sample(b, "process_start_time_seconds", NULL, NULL, NULL, NULL, (double)sys->start_time);

  for (int i = 0; i < n; i ++)
  {
    ready  += info[i].ready;
    busy   += info[i].busy;
    starts += info[i].starts;
  }
  add_family(b, "printgate_office_instances", "gauge", "LibreOffice instances of the Office pool, by state (none when the pool is off).");
  add_sample(b, "printgate_office_instances", "state", "ready", NULL, NULL, ready);
  add_sample(b, "printgate_office_instances", "state", "busy", NULL, NULL, busy);
  add_family(b, "printgate_office_starts", "gauge", "LibreOffice instance starts so far (a count that keeps growing means documents that crash or hang it).");
  add_sample(b, "printgate_office_starts", NULL, NULL, NULL, NULL, starts);
  add_family(b, "printgate_build_info", "gauge", "The version of printgated.");
  add_sample(b, "printgate_build_info", "version", GW_VERSION, NULL, NULL, 1);
}


/*
 * 'token_matches()' - Does the request's bearer token match the
 *                     configured one?  Both are HMAC'd with a fixed key
 *                     and the digests compared in constant time, so the
 *                     time says nothing about where they differ or how
 *                     long the token is.
 */

static bool
token_matches(gw_system_t *sys, const gw_config_t *c, gw_request_t *req)
{
  static const unsigned char key[] = "printgate /metrics token";
  const char   *auth = gwRequestHeader(req, "Authorization");
  char          token[1024];
  unsigned char want[GW_HMAC_LEN], got[GW_HMAC_LEN];
  const char   *error = NULL;
  bool          ok;

  if (!c->metrics_token[0] || !auth || strncasecmp(auth, "Bearer ", 7))
    return (false);

  if (!strncmp(c->metrics_token, GW_SECRET_PREFIX, strlen(GW_SECRET_PREFIX)))
  {
    if (!_gwSecretDecrypt(sys->keys, c->metrics_token, token, sizeof(token), &error))
    {
      gwLog(sys->log, GW_LOG_ERROR, "MetricsToken: %s.", error);
      return (false);
    }
  }
  else
    snprintf(token, sizeof(token), "%s", c->metrics_token);

  for (auth += 7; *auth == ' '; auth ++);
  ok = gwHmacSha256(key, sizeof(key) - 1, token, strlen(token), want) && gwHmacSha256(key, sizeof(key) - 1, auth, strlen(auth), got) &&
       gwConstantTimeEqual(want, got, sizeof(want));
  gwWipe(token, sizeof(token));
  gwWipe(want, sizeof(want));

  return (ok);
}


/*
 * 'respond_text()' - A short plain-text answer.
 */

static void
respond_text(gw_request_t *req, int status, const char *text)
{
  gwRequestRespond(req, status, "text/plain", text, strlen(text));
}


/*
 * 'metrics_finish()' - Answer GET /metrics.
 */

static void
metrics_finish(gw_request_t *req, void *data)
{
  static const char type[] = "text/plain; version=0.0.4; charset=utf-8";
  gw_system_t      *sys = (gw_system_t *)data;
  gw_config_t       c;
  gw_buffer_t       b;
  double            t0 = gwClockMs();

  _gwSystemConfigCopy(sys, &c);

  if (!c.metrics_token[0] && !c.metrics_allow[0])
  {
    respond_text(req, 404, "Metrics are off (MetricsToken, MetricsAllow).\n");
  }
  else if (!token_matches(sys, &c, req) && !(c.metrics_allow[0] && gwListenerAddressListMatch(c.metrics_allow, gwRequestClientAddress(req))))
  {
    if (c.metrics_token[0] && !gwRequestHeader(req, "Authorization"))
    {
      gwRequestAddHeader(req, "WWW-Authenticate", "Bearer realm=\"printgate-metrics\"");
      respond_text(req, 401, "A bearer token is needed.\n");
    }
    else
      respond_text(req, 403, "Not allowed.\n");
  }
  else
  {
    memset(&b, 0, sizeof(b));
    add_store(sys, &b);
    add_conversions(sys, &b);
    add_releases(sys, &b);
    add_http(sys, &b);
    add_mail(sys, &b);
    add_mail_sources(sys, &b);
    add_process(sys, &b);
    if (b.failed)
      respond_text(req, 500, "Out of memory.\n");
    else
      gwRequestRespond(req, 200, type, b.data, b.len);
    gwLog(sys->log, GW_LOG_DEBUG, "Metrics: %zu bytes for %s in %.2f ms.", b.len, gwRequestClientAddress(req), gwClockMs() - t0);
    free(b.data);
  }

  gwConfigWipeSecrets(&c);
}


/*
 * '_gwMetricsRegister()' - Add GET /metrics to the listener; warn once
 *                          when MetricsToken is in plain text.
 */

bool
_gwMetricsRegister(gw_system_t *sys)
{
  gw_config_t c;

  _gwSystemConfigCopy(sys, &c);
  if (c.metrics_token[0] && strncmp(c.metrics_token, GW_SECRET_PREFIX, strlen(GW_SECRET_PREFIX)))
    gwLog(sys->log, GW_LOG_WARN, "MetricsToken is in plain text in the configuration; encrypt it with \"printgate secret encrypt\".");
  gwConfigWipeSecrets(&c);

  return (_gwSystemAddGetRoute(sys, "/metrics", metrics_finish));
}
