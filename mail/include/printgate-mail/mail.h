/*
 * mail.h - the mail front-end (docs/mail.md), as the daemon registers it:
 *
 *   gw_frontend_t mail;
 *   gwMailFrontend(&mail);
 *   gwSystemAddFrontend(sys, &mail);
 *
 * start() reads MailSourceFile ("" = no sources: nothing runs), subscribes
 * to the job events of origin "mail" and starts one poller thread per
 * source; stop() stops and joins them.  Never blocks the core: network
 * and waits happen on the front-end's own threads, conversions on the
 * core's workers.
 */

#ifndef PRINTGATE_MAIL_H
#define PRINTGATE_MAIL_H

#include <printgate/frontend.h>

extern void gwMailFrontend(gw_frontend_t *frontend);

#endif /* !PRINTGATE_MAIL_H */
