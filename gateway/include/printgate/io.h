/*
 * io.h - writing a whole buffer to a descriptor, in one place.
 */

#ifndef PRINTGATE_IO_H
#define PRINTGATE_IO_H

#include "base.h"

extern bool gwWriteAll(int fd, const void *buf, size_t len); /* Retries EINTR and short writes; no SIGPIPE on sockets */

#endif /* !PRINTGATE_IO_H */
