/*
 * control.h - the admin control socket (printgated side and printgate CLI
 * side).
 *
 * A root-only Unix stream socket (mode 0600 in the 0700 state dir; peers
 * must be root or the daemon's own user, checked with SO_PEERCRED).
 * Messages are one JSON object per line (at most GW_CONTROL_LINE_MAX bytes)
 * and one JSON line back.  "job.submit" is followed by exactly "size" raw
 * bytes of the document: the daemon never opens a path a client names.
 * docs/cli.md lists the commands.
 */

#ifndef PRINTGATE_CONTROL_H
#define PRINTGATE_CONTROL_H

#include "base.h"
#include "io.h"                 /* gwWriteAll() for the client side */

#define GW_CONTROL_LINE_MAX (64 * 1024)
#define GW_CONTROL_MAX_CLIENTS 32

typedef struct _gw_control_s gw_control_t;

/* Daemon side */
extern gw_control_t *gwControlStart(gw_system_t *sys, const char *path, const char **error_r);
extern void          gwControlStop(gw_control_t **ctl, int drain_seconds);   /* Stop accepting, wait for clients */

/* Client side */
extern int  gwControlConnect(const char *path, const char **error_r);
extern bool gwControlReadLine(int fd, char *buf, size_t bufsize);

#endif /* !PRINTGATE_CONTROL_H */
