/*
 * group-sync-private.h - group commit of an fsync: the threads that need
 * one after their write share it (the store's WAL, the spool's jobs/).
 * See group-sync.c.
 */

#ifndef _GW_GROUP_SYNC_PRIVATE_H_
#  define _GW_GROUP_SYNC_PRIVATE_H_
#  include <pthread.h>
#  include <stdbool.h>
#  include <stdint.h>

#  define _GW_GROUP_SYNC_GATHER_MS 1      /* A leader waits at most this long for announced writes */

typedef struct _gw_group_sync_s
{
  pthread_mutex_t lock;                   /* Guards the fields below */
  pthread_cond_t  cond;                   /* An fsync finished */
  uint64_t        seq;                    /* Writes done */
  uint64_t        synced;                 /* Highest seq an fsync covered */
  bool            syncing;                /* A thread (the leader) runs the fsync */
  unsigned        pending;                /* Writes announced (_gwGroupSyncEnter()) but not done yet */
  int             gather_ms;              /* How long a leader waits for them (tests may change it) */
  unsigned long   syncs;                  /* fsyncs run */
} _gw_group_sync_t;

extern void          _gwGroupSyncInit(_gw_group_sync_t *g);
extern void          _gwGroupSyncDestroy(_gw_group_sync_t *g);
extern bool          _gwGroupSyncWait(_gw_group_sync_t *g, bool (*sync_cb)(void *data), void *data);
extern void          _gwGroupSyncEnter(_gw_group_sync_t *g);
extern void          _gwGroupSyncLeave(_gw_group_sync_t *g);
extern bool          _gwGroupSyncWaitEntered(_gw_group_sync_t *g, bool (*sync_cb)(void *data), void *data);
extern uint64_t      _gwGroupSyncDone(_gw_group_sync_t *g, bool entered);
extern bool          _gwGroupSyncWaitFor(_gw_group_sync_t *g, uint64_t ticket, bool (*sync_cb)(void *data), void *data);
extern unsigned long _gwGroupSyncCount(_gw_group_sync_t *g);

#endif /* !_GW_GROUP_SYNC_PRIVATE_H_ */
