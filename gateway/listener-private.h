/*
 * listener-private.h - what listener.c and listener-address.c share.
 */

#ifndef PRINTGATE_LISTENER_PRIVATE_H
#define PRINTGATE_LISTENER_PRIVATE_H

#include "printgate/listener.h"

#include <sys/socket.h>

#define LISTENER_KEY_SIZE 9             /* Client bucket: family + 8 address bytes */

/* The per-client bucket key of an address: 4 + IPv4 (also IPv4-mapped), or 6 + the IPv6 /64 */
extern bool _gwListenerAddressKey(const struct sockaddr *sa, unsigned char key[LISTENER_KEY_SIZE]);

#endif /* !PRINTGATE_LISTENER_PRIVATE_H */
