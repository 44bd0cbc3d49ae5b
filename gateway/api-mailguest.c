/*
 * api-mailguest.c - the guest policy for unknown senders of mail
 * (MailGuests, docs/mail.md "Guests by mail").
 *
 * An unknown sender's message needs an owner for its quarantined jobs, so
 * gwApiMailGuestAdd() makes a *pending* guest: a guest user whose display
 * name is MAIL_GUEST_PENDING and whose only address is pending.  It has no
 * PIN, password or device, so it can release nothing.  Proving the address
 * (gwApiTokenConfirm(), an admin's gwApiAddressSetState() verified) calls
 * _gwApiMailGuestActivate(): under one lock the marker is checked and
 * replaced by "mail guest: ADDRESS", so a replayed or second confirmation finds no
 * marker and makes no second PIN; then a release PIN is made and queued
 * to the address through the outbox (sealed there like every body; never
 * logged, never in an audit row).  Audit "guest.pending", "guest.create".
 */

#include "api-private.h"
#include "outbox-private.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAIL_GUEST_PREFIX   "mail guest"                /* Display names of mail guests start so (counted by MailGuestsMax) */
#define MAIL_GUEST_PENDING  MAIL_GUEST_PREFIX " (unverified)"   /* ... and a pending one's is this */
#define MAIL_GUEST_WINDOW   86400                       /* MailGuestsMax counts mail guests made this recently */

static pthread_mutex_t mail_guest_lock = PTHREAD_MUTEX_INITIALIZER;   /* One activation at a time */

typedef struct mail_guest_count_s
{
  int64_t since;
  int     count;
} mail_guest_count_t;


/*
 * 'count_cb()' - Count the mail guests (pending or not) made since c->since.
 */

static bool
count_cb(const gw_user_t *user, void *data)
{
  mail_guest_count_t *c = (mail_guest_count_t *)data;

  if (user->role == GW_ROLE_GUEST && user->created >= c->since &&
      !strncmp(user->display_name, MAIL_GUEST_PREFIX, sizeof(MAIL_GUEST_PREFIX) - 1))
    c->count ++;

  return (true);
}


/*
 * 'gwApiMailGuestAdd()' - A pending guest for an unknown sender (admin).
 */

bool
gwApiMailGuestAdd(gw_system_t *sys, const gw_actor_t *actor, const char *address, gw_address_t *addr, const char **error_r)
{
  gw_config_t        c;
  mail_guest_count_t n = { (int64_t)time(NULL) - MAIL_GUEST_WINDOW, 0 };
  char               name[64];
  bool               ok;

  if (!sys || !address || !addr || !_gwApiAdmin(actor, error_r))
    return (false);

  _gwSystemConfigCopy(sys, &c);
  if (!c.mail_guests)
  {
    _gwApiError(error_r, "guests by mail are off");
    return (false);
  }
  if (!gwOutboxAddressValid(address))
  {
    _gwApiError(error_r, "not an address the gateway can mail");
    return (false);
  }

  pthread_mutex_lock(&mail_guest_lock);
  ok = gwStoreUserIterate(sys->store, actor->tenant, count_cb, &n);
  if (ok && n.count >= c.mail_guests_max)
  {
    pthread_mutex_unlock(&mail_guest_lock);
    gwLog(sys->log, GW_LOG_WARN, "Guests by mail: %d started in 24 hours (MailGuestsMax), %s refused.", n.count, address);
    _gwApiError(error_r, "too many new senders today");
    return (false);
  }
  ok = ok && _gwApiGuestAdd(sys, actor, address, MAIL_GUEST_PENDING, name, sizeof(name), error_r) &&
       gwStoreAddressFind(sys->store, actor->tenant, address, addr);
  pthread_mutex_unlock(&mail_guest_lock);

  if (!ok)
  {
    _gwApiError(error_r, "unable to make the guest account");
    return (false);
  }

  _gwApiAudit(sys, actor, "guest.pending", name, NULL, NULL, 0, address);
  return (true);
}


/*
 * 'pin_mail()' - Queue the new guest's release PIN to its address.
 */

static bool
pin_mail(gw_system_t *sys, const gw_actor_t *sa, const gw_user_t *user, const char *address, const char *pin)
{
  gw_config_t  c;
  gw_outmail_t m;
  char         body[1024], key[96];
  bool         ok;

  _gwSystemConfigCopy(sys, &c);
  snprintf(body, sizeof(body),
           "Your address %s is verified: you are a guest of the print gateway %s\n"
           "(user %s), and your documents wait in the held queue.\n\n"
           "Your release PIN is %s\n\n"
           "Enter it at a printer to print them.  Guests print in black and white, at most\n"
           "%d pages a job, and documents are kept for a short time only.\n",
           address, c.server_name, user->name, pin, c.guest_max_pages);
  snprintf(key, sizeof(key), "mail-guest:%lld", (long long)user->id);

  memset(&m, 0, sizeof(m));
  m.to           = address;
  m.subject      = "Your Printgate release PIN";   /* Not the PIN: the subject is kept unsealed */
  m.body         = body;
  m.auto_replied = true;
  m.key          = key;
  ok             = gwApiOutboxAdd(sys, sa, &m, NULL, NULL);
  gwWipe(body, sizeof(body));

  return (ok);
}


/*
 * '_gwApiMailGuestActivate()' - A pending mail guest's address was proven.
 */

void
_gwApiMailGuestActivate(gw_system_t *sys, const gw_actor_t *actor, const gw_address_t *addr)
{
  gw_actor_t sa = *actor;
  gw_user_t  user;
  char       pin[32], display[128];
  bool       pending, sent;

  sa.who  = "system";
  sa.role = GW_ROLE_ADMIN;

  snprintf(display, sizeof(display), MAIL_GUEST_PREFIX ": %.100s", addr->address);
  pthread_mutex_lock(&mail_guest_lock);
  pending = gwStoreUserGet(sys->store, actor->tenant, addr->user_id, &user) && user.role == GW_ROLE_GUEST &&
            !strcmp(user.display_name, MAIL_GUEST_PENDING) &&
            gwStoreUserEdit(sys->store, actor->tenant, user.id, display, GW_ROLE_GUEST, user.disabled, NULL);
  pthread_mutex_unlock(&mail_guest_lock);
  if (!pending)
    return;

  sent = gwApiPinNew(sys, &sa, user.name, pin, sizeof(pin), NULL) && pin_mail(sys, &sa, &user, addr->address, pin);
  gwWipe(pin, sizeof(pin));
  if (!sent)
    gwLog(sys->log, GW_LOG_ERROR, "Guests by mail: the release PIN of %s could not be queued; an admin can make one.", user.name);

  _gwApiAudit(sys, actor, "guest.create", user.name, NULL, NULL, 0, sent ? "mail, pin mailed" : "mail, pin not mailed");
}
