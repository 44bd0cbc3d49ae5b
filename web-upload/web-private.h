/*
 * web-private.h - what the web portal's files share (docs/web.md): the
 * front-end's state, one request's state, the text buffer, and the
 * answers (every one with the security headers).
 *
 * Files: web-frontend.c (ops table, routes, requests, sessions, CSRF,
 * answers), web-api.c (the REST API's table and calls), web-upload.c (the
 * streamed upload), web-pages.c and web-pages-setup.c (the HTML pages),
 * web-static.c (static files), web-text.c (buffer, escaping, forms, JSON).
 */

#ifndef PRINTGATE_WEB_PRIVATE_H
#define PRINTGATE_WEB_PRIVATE_H

#include "printgate-web/web.h"

#include <printgate/api.h>
#include <printgate/listener.h>
#include <printgate/log.h>
#include <json-c/json.h>

#define WEB_SMALL_BODY   (64 * 1024)   /* Largest JSON or form body */
#define WEB_COOKIE       "pg_session"  /* The session cookie's name */
#define WEB_PARAM_MAX    128           /* A path part ({id}, {printer}) */

typedef struct web_s            /* The front-end */
{
  gw_system_t   *sys;
  gw_listener_t *listener;      /* Where its routes are (web_reload()) */
  char           root[1024];    /* Static files */
} web_t;

typedef struct web_buf_s        /* A growing text buffer (NUL-terminated) */
{
  char   *data;
  size_t  len, size;
  bool    failed;               /* Out of memory or over WEB_BUF_MAX: the text is cut */
} web_buf_t;

#define WEB_BUF_MAX (8 * 1024 * 1024)

struct web_req_s;
typedef struct web_form_s web_form_t;     /* A form upload (web-upload-form.c) */
typedef void (*web_fn_t)(struct web_req_s *r);

typedef enum web_auth_e         /* What a call needs */
{
  WEB_AUTH_NONE,                /* Anyone */
  WEB_AUTH_SESSION,             /* A session (GET) */
  WEB_AUTH_CSRF                 /* A session and its CSRF token (a change) */
} web_auth_t;

typedef struct web_call_s       /* One API call or page */
{
  const char *method;
  const char *pattern;          /* "/api/v1/jobs/{id}": "{...}" is one path part */
  web_auth_t  auth;
  bool        slow;             /* Runs on a core task; the answer is deferred */
  web_fn_t    fn;
} web_call_t;

typedef struct web_req_s        /* One request */
{
  web_t              *web;
  gw_request_t       *req;
  gw_deferred_t      *deferred;         /* Set while a slow call runs */
  const web_call_t   *call;
  bool                api;              /* JSON answers (else HTML) */
  bool                signed_in;
  gw_session_t        session;
  char                sid[GW_API_SESSION_ID_LEN + 1]; /* The cookie's value (wiped at the end) */
  char                client[64];
  char                param[2][WEB_PARAM_MAX];
  web_buf_t           body;             /* A small body (JSON or form) */
  json_object        *json;             /* The body, parsed (API) */
  char                terminal_key[GW_API_TERMINAL_KEY_LEN + 1];
  char                accept_language[8];
  /* Upload */
  gw_submission_t    *sub;
  int64_t             received;
  web_form_t         *form;             /* The form upload (multipart) */
  /* Answer of a slow call (set on the task, sent by gwDeferredRespondHeader()) */
  int                 status;
  char                type[64];
  web_buf_t           out;
  char                cookie[256];      /* Set-Cookie value, or "" */
  char                location[256];    /* Location of a slow call's redirect (when no cookie is set), or "" */
} web_req_t;

/* web-frontend.c */
extern void        _gwWebActor(web_req_t *r, gw_actor_t *actor);
extern void        _gwWebRespond(web_req_t *r, int status, const char *type, const char *body, size_t len);
extern void        _gwWebError(web_req_t *r, int status, const char *reason, const char *sentence);
extern void        _gwWebJson(web_req_t *r, int status, json_object *obj);   /* Takes obj */
extern void        _gwWebRedirect(web_req_t *r, const char *location);
extern void        _gwWebSetCookie(web_req_t *r, const char *sid, int64_t max_age);
extern const char *_gwWebField(web_req_t *r, const char *name, char *buf, size_t bufsize); /* JSON member or form field */
extern bool        _gwWebCall(web_req_t *r, const web_call_t *calls, int ncalls);
extern void        _gwWebLinkPrefix(web_req_t *r, const char *path, char *buf, size_t bufsize);
extern bool        _gwWebTokenConfirm(web_req_t *r, const char *field, gw_address_t *addr);  /* The verification link's token in 'field' */

/* web-api.c */
extern const web_call_t _gwWebApiCalls[];
extern const int        _gwWebApiNumCalls;
extern json_object *_gwWebJobJson(const gw_job_t *job);
extern void        _gwWebDeviceMobileconfig(web_req_t *r);
extern bool        _gwWebReleaseText(web_req_t *r, const char *job_id, const char *printer, char *text, size_t textsize, int *status_r);

/* web-upload.c */
extern bool        _gwWebUploadBegin(web_req_t *r);
extern bool        _gwWebUploadBody(web_req_t *r, const char *buf, size_t len);
extern void        _gwWebUploadFinish(web_req_t *r);
extern void        _gwWebUploadCleanup(web_req_t *r);

/* web-upload-form.c */
typedef struct web_options_s    /* Job options as text (a query or form fields; NULL or "" = default) */
{
  const char *copies, *sides, *color_mode, *page_ranges, *number_up;
} web_options_t;

extern bool        _gwWebJobOptions(const web_options_t *text, gw_job_options_t *opts, const char **error_r);
extern bool        _gwWebAddressAdd(web_req_t *r, const char *address, int *status_r, const char **reason_r, char *text, size_t textsize);
extern bool        _gwWebAddressVerify(web_req_t *r, char *address, size_t addresssize, int *status_r, const char **reason_r, char *text, size_t textsize);
extern bool        _gwWebJobOptionsChange(web_req_t *r, const char *id, gw_job_t *job, int *status_r, char *text, size_t textsize);
extern bool        _gwWebFormUploadBegin(web_req_t *r);
extern bool        _gwWebFormUploadBody(web_req_t *r, const char *buf, size_t len);
extern void        _gwWebFormUploadFinish(web_req_t *r);
extern void        _gwWebFormUploadCleanup(web_req_t *r);

/* web-pages.c, web-pages-setup.c */
extern const web_call_t _gwWebPageCalls[];
extern const int        _gwWebPageNumCalls;
extern void        _gwWebPageBegin(web_buf_t *b, web_req_t *r, const char *title);
extern void        _gwWebPageEnd(web_buf_t *b);
extern void        _gwWebPageSend(web_req_t *r, int status, web_buf_t *b);
extern void        _gwWebPageMessage(web_req_t *r, int status, const char *title, const char *sentence);
extern void        _gwWebSetupPage(web_req_t *r);
extern bool        _gwWebPasswordSignin(web_req_t *r, const char *next);   /* Slow; false = refused, nothing answered */
extern void        _gwWebSetupDevice(web_req_t *r);

/* web-admin.c, web-admin-api.c: the admin console (docs/admin.md) */
extern const web_call_t _gwWebAdminPageCalls[];
extern const int        _gwWebAdminPageNumCalls;
extern const web_call_t _gwWebAdminApiCalls[];
extern const int        _gwWebAdminApiNumCalls;
extern bool        _gwWebAdminGate(web_req_t *r);      /* An elevated console session; else answered */
extern void        _gwWebAdminFail(web_req_t *r, const char *error);
extern bool        _gwWebAdminUserEdit(web_req_t *r, const gw_actor_t *actor, const char *name, const char **error_r);
extern int         _gwWebAdminAddressState(const char *s);
extern json_object *_gwWebUserJson(const gw_user_t *u);
extern void        _gwWebAdminPageBegin(web_buf_t *b, web_req_t *r, const char *title); /* Head and navigation by role */
extern void        _gwWebAdminPostForm(web_buf_t *b, web_req_t *r, const char *action, const char *id); /* <form> with the CSRF field */

/* web-admin-printers.c, web-admin-rules.c: printers, terminals, policy rules (pages and API calls alike) */
typedef bool (*web_admin_remove_fn_t)(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char **error_r);
extern void        _gwWebAdminDone(web_req_t *r, bool ok, const char *error, const char *back); /* {"ok": true}, or the page back */
extern void        _gwWebAdminButton(web_buf_t *b, web_req_t *r, const char *base, const char *name, const char *what, const char *label);
extern void        _gwWebAdminRemove(web_req_t *r, web_admin_remove_fn_t fn, const char *back); /* By the name in the path */
extern void        _gwWebAdminPrintersGet(web_req_t *r);
extern void        _gwWebAdminPrinterAdd(web_req_t *r);        /* Slow */
extern void        _gwWebAdminPrinterTags(web_req_t *r);
extern void        _gwWebAdminPrinterDelete(web_req_t *r);
extern void        _gwWebAdminPrinterCheck(web_req_t *r);      /* Slow */
extern void        _gwWebAdminPrinterTestPage(web_req_t *r);   /* Slow */
extern void        _gwWebAdminPrinterQr(web_req_t *r);
/* web-admin-gdpr.c: a user's export, restriction and erasure */
extern void        _gwWebAdminGdprSection(web_buf_t *b, web_req_t *r, const gw_actor_t *actor, const gw_user_t *u);
extern void        _gwWebAdminUserExport(web_req_t *r);
extern void        _gwWebAdminUserRestrict(web_req_t *r);
extern void        _gwWebAdminUserErase(web_req_t *r);       /* Slow */
/* web-admin-printers2.c: a printer's page, edit and state */
extern void        _gwWebAdminPrinterPage(web_req_t *r);
extern void        _gwWebAdminPrinterEdit(web_req_t *r);       /* Slow */
extern bool        _gwWebAdminPrinterOf(web_req_t *r, gw_actor_t *actor, gw_printer_t *p);  /* Gate + the path's printer; false: answered */
extern void        _gwWebAdminPrinterRefused(web_req_t *r, const char *what, const gw_sink_result_t *check, const char *error); /* 400 "The printer was not WHAT: ..." */
extern void        _gwWebAdminPrinterStateJson(web_req_t *r, const gw_actor_t *actor, const char *name, json_object *o);
extern void        _gwWebAdminPrinterStateHtml(web_req_t *r, const gw_actor_t *actor, const char *name, web_buf_t *b);
extern void        _gwWebAdminTerminalsGet(web_req_t *r);
extern void        _gwWebAdminTerminalAdd(web_req_t *r);
extern void        _gwWebAdminTerminalRevoke(web_req_t *r);
extern void        _gwWebAdminRulesGet(web_req_t *r);
extern void        _gwWebAdminRuleAdd(web_req_t *r);
extern void        _gwWebAdminRuleRemove(web_req_t *r);
extern void        _gwWebAdminRuleDryRun(web_req_t *r);

/* web-admin-mail.c: mail sources (every console role reads; admin changes, tests, gives OAuth2 consent) */
extern void        _gwWebAdminMailGet(web_req_t *r);
extern void        _gwWebAdminMailEditPage(web_req_t *r);
extern void        _gwWebAdminMailAdd(web_req_t *r);           /* Slow */
extern void        _gwWebAdminMailEdit(web_req_t *r);          /* Slow */
extern void        _gwWebAdminMailRemove(web_req_t *r);        /* Slow */
extern void        _gwWebAdminMailTest(web_req_t *r);          /* Slow */
extern void        _gwWebAdminMailOAuth(web_req_t *r);         /* Slow */

/* web-admin-reports.c: audit log, reports, health (admin, auditor) */
extern void        _gwWebAdminAuditPage(web_req_t *r);
extern void        _gwWebAdminAuditApi(web_req_t *r);
extern void        _gwWebAdminAuditCsv(web_req_t *r);
extern void        _gwWebAdminReportPage(web_req_t *r);
extern void        _gwWebAdminReportApi(web_req_t *r);
extern void        _gwWebAdminReportCsv(web_req_t *r);
extern void        _gwWebAdminReportSvg(web_req_t *r);
extern void        _gwWebAdminHealthPage(web_req_t *r);
extern void        _gwWebAdminHealthApi(web_req_t *r);

/* web-static.c */
extern void        _gwWebStatic(web_req_t *r);

/* web-text.c */
extern void        _gwWebBufAdd(web_buf_t *b, const char *s);
extern void        _gwWebBufAddf(web_buf_t *b, const char *format, ...) __attribute__((format(printf, 2, 3)));
extern void        _gwWebBufAddHtml(web_buf_t *b, const char *s);
extern bool        _gwWebBufAppend(web_buf_t *b, const void *data, size_t len);
extern void        _gwWebBufFree(web_buf_t *b);
extern bool        _gwWebFormValue(const char *form, const char *name, char *buf, size_t bufsize);
extern bool        _gwWebBase64(const unsigned char *in, size_t len, web_buf_t *b);
extern bool        _gwWebSafeName(const char *s);

#endif /* !PRINTGATE_WEB_PRIVATE_H */
