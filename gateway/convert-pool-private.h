/*
 * convert-pool-private.h - one started helper (a "slot") and the pool of
 * pre-started ones (convert-pool.c, docs/converters.md, "The helper pool").
 *
 * A slot is a helper under its own reaper with its own private directory,
 * whose fd 0 is a pipe: it builds its whole sandbox, then blocks reading
 * the document.  gwConvertRun() either starts a slot for one document and
 * writes the document at once, or takes a slot the pool started earlier.
 * Either way a slot serves exactly one document and is then stopped.
 */

#ifndef PRINTGATE_CONVERT_POOL_PRIVATE_H
#define PRINTGATE_CONVERT_POOL_PRIVATE_H

#include "printgate/convert.h"
#include "reaper-private.h"

#define GW_CONVERT_KEY_MAX 4096  /* The serialised helper, argv and environment */

typedef struct _gw_conv_slot_s          /* One started helper */
{
  _gw_reaper_t reaper;                  /* The helper's reaper (reaper.c) */
  int          in_w;                    /* Our end of its fd 0 (a pipe), or -1 (fd 0 is the memfd) */
  int          fd[3];                   /* Our ends of fds 1 (output), 3 (result), 2 (stderr) */
  char         dir[512];                /* Its private directory, "" = none */
} _gw_conv_slot_t;

extern size_t _gwConvertJobKey(const gw_convert_job_t *cj, char *key, size_t keysize);
extern bool   _gwConvertSlotStart(const gw_convert_job_t *cj, int in_fd, int zygote, _gw_conv_slot_t *slot, char *error, size_t errsize);
extern bool   _gwConvertSlotAlive(_gw_conv_slot_t *slot);
extern void   _gwConvertSlotStop(_gw_conv_slot_t *slot);
extern bool   _gwConvertPoolTake(gw_convert_pool_t *pool, const gw_convert_job_t *cj, _gw_conv_slot_t *slot);
extern void   _gwConvertPoolGive(gw_convert_pool_t *pool);

#endif /* !PRINTGATE_CONVERT_POOL_PRIVATE_H */
