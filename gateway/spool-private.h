/*
 * spool-private.h - private definitions of the encrypted spool: the byte
 *                   format (docs/spool-format.md), the objects, and the
 *                   format helpers shared by spool.c, spool-writer.c and
 *                   spool-reader.c.
 */

#ifndef PRINTGATE_SPOOL_PRIVATE_H
#define PRINTGATE_SPOOL_PRIVATE_H

#include "printgate/spool.h"
#include "printgate/crypto.h"
#include "printgate/log.h"
#include "crypto-private.h"

#include "group-sync-private.h"

#include <pthread.h>

/*
 * Format constants (docs/spool-format.md).
 */

#define SPOOL_MAGIC        "PGQS"
#define SPOOL_VERSION      1
#define SPOOL_AEAD_AES_GCM 1              /* AES-256-GCM, 96-bit nonce, 128-bit tag */
#define SPOOL_CHUNK_LOG2   16
#define SPOOL_CHUNK        (1u << SPOOL_CHUNK_LOG2)
#define SPOOL_TAG_LEN      GW_AEAD_TAG_LEN
#define SPOOL_CCHUNK       (SPOOL_CHUNK + SPOOL_TAG_LEN)   /* Sealed full chunk */
#define SPOOL_HEADER_LEN   64
#define SPOOL_NONCE_LEN    GW_AEAD_NONCE_LEN
#define SPOOL_AAD_LEN      GW_SHA256_LEN

#define HDR_VERSION        4               /* Header field offsets */
#define HDR_AEAD           5
#define HDR_CHUNK_LOG2     6
#define HDR_KEK_ID         8
#define HDR_DOCNUM         12
#define HDR_JOB_ID         16
#define HDR_RESERVED       (HDR_JOB_ID + GW_UUID_LEN)      /* 52..63, zero */

#define WRAP_INFO          "printgate-wrap-v1"
#define WRAP_NONCE_OFF     4               /* Wrapped key field offsets */
#define WRAP_CT_OFF        16
#define WRAP_TAG_OFF       48

#define SPOOL_BATCH        16              /* Chunks per write()/read(): ~1 MiB */
#define SPOOL_BUFSIZE      (SPOOL_HEADER_LEN + SPOOL_BATCH * SPOOL_CCHUNK)
#define SPOOL_OUTSIZE      (SPOOL_DIRECT_ALIGN + 2 * SPOOL_BATCH * SPOOL_CCHUNK)   /* Writer: up to 2 batches sealed behind an O_DIRECT tail, one write */
#define SPOOL_WB_LANES     2                           /* Writer: rounds written at once (the disk's queue depth) */
#define SPOOL_SUFFIX       ".pgs"
#define SPOOL_NAME_MAX     (GW_UUID_LEN + 1 + 10 + sizeof(SPOOL_SUFFIX))
#define SPOOL_WRITEBACK    (8 * 1024 * 1024)   /* Start writeback every 8 MiB */
#define SPOOL_DIRECT_ALIGN 4096                /* O_DIRECT offset/length/buffer alignment */
#define SPOOL_PATH_MAX     4096
#define SPOOL_COMMIT_THREADS 32                /* Commit pool: at most this many spool commits at once */
#define SPOOL_BUFFERED_END (256 * 1024)        /* A document this small is written through the page cache at its end */
#define SPOOL_SPARE_BUFS   32                  /* Writers' output buffers kept for the next writers */
#define SPOOL_SPARE_IDLE   8                   /* ...and kept once no writer holds one (the rest are freed) */
#define SPOOL_FREE_MAX     16384               /* Emptied files kept in free/ for new writers (spool.c) */

typedef struct spool_commits_s spool_commits_t;   /* spool-writer.c: the commit pool */
typedef struct spool_stock_s spool_stock_t;       /* spool-stock.c: the reserve of empty files */
typedef struct spool_ring_s spool_ring_t;         /* spool-ring.c: the intake ring */

struct _gw_spool_s
{
  char        dir[SPOOL_PATH_MAX];        /* Spool folder */
  char        incoming[SPOOL_PATH_MAX];   /* dir/incoming: files being written */
  char        jobs[SPOOL_PATH_MAX];       /* dir/jobs: committed files */
  int         incoming_fd;                /* O_DIRECTORY descriptors */
  int         jobs_fd;
  char        free[SPOOL_PATH_MAX];       /* dir/free: emptied files for new writers */
  int         free_fd;
  pthread_mutex_t free_lock;              /* Guards the six below and the stock's state */
  bool        free_ready;                 /* free/ was read by gwSpoolRecover(): recycling is on */
  unsigned   *free_ids;                   /* Files free/r<id> (SPOOL_FREE_MAX slots) */
  size_t      free_count, free_pending;   /* In the list; being moved there */
  unsigned    free_next;                  /* The next id */
  bool        free_intake;                /* An upload (document 0) has begun since the start */
  double      free_intake_ms;             /* When the last one began (gwClockMs()) */
  spool_stock_t *stock;                   /* The reserve's thread (spool-stock.c), or NULL */
  gw_keys_t  *keys;                       /* Not owned */
  gw_log_t   *log;                        /* Not owned */
  _gw_group_sync_t jobs_sync;             /* Renames into jobs/ share its fsyncs (group-sync.c) */
  pthread_mutex_t sync_lock;              /* Guards file_syncs */
  unsigned long file_syncs;               /* fsyncs of spool files (tests, benchmarks) */
  int         sync_delay_ms;              /* Tests only: a slow disk before each spool file's fsync */
  bool        serial_commit;              /* Tests only: gwSpoolWriterCommitStart() commits on the caller's thread */
  pthread_mutex_t pool_lock;              /* Guards commits and spare below */
  spool_commits_t *commits;               /* The commit threads, started on first use (spool-writer.c) */
  unsigned char *spare[SPOOL_SPARE_BUFS]; /* Freed writers' output buffers (ciphertext only), for reuse */
  int         nspare;
  int         nbusy;                      /* Output buffers held by writers (buffer_get() less buffer_put()) */
  spool_ring_t *ring;                     /* The intake ring (gwSpoolRingStart()), or NULL */
};

typedef struct spool_wb_s spool_wb_t;   /* spool-writer.c: the writer's write-behind thread */
extern uint64_t _gwSpoolSealedLength(uint64_t plain);               /* spool-ring.c */
extern int64_t  _gwSpoolRingPut(gw_spool_t *spool, unsigned char *buf, size_t len);
extern int64_t  _gwSpoolRingPutStart(gw_spool_t *spool, unsigned char *buf, size_t len);
extern bool     _gwSpoolRingPutFinish(gw_spool_t *spool, int64_t offset, size_t len);
extern void     _gwSpoolRingStop(gw_spool_t *spool);
extern gw_spool_reader_t *_gwSpoolReaderAdoptImage(gw_spool_t *spool, const char *job_id, unsigned docnum, const gw_wrapped_key_t *key, unsigned char *image, size_t len, const char **error_r);   /* spool-reader.c */


struct _gw_spool_writer_s
{
  gw_spool_t     *spool;
  char            job_id[GW_UUID_LEN + 1];
  unsigned        docnum;
  char            name[SPOOL_NAME_MAX];   /* File name in incoming/ and jobs/ */
  int             fd;                     /* Open file in incoming/, or -1 */
  bool            created;                /* incoming/name exists (ours) */
  bool            sealed;                 /* gwSpoolWriterSeal() succeeded: all sealed, not yet synced */
  bool            tail_pending;           /* Sealed, its last bytes not yet written (writer_write_tail()) */
  bool            finished;               /* gwSpoolWriterFinish() succeeded (synced and closed) */
  bool            committing;             /* gwSpoolWriterCommitStart() ran: gwSpoolWriterCommitEnd() next */
  bool            commit_ok;              /* What the commit came to */
  bool            commit_queued;          /* Handed to the commit pool: gwSpoolWriterCommitEnd() waits for commit_done */
  bool            commit_done;            /* The pool's thread has finished it (under the pool's lock) */
  bool            commit_entered;         /* Announced to the group sync of jobs/ (group-sync.c) */
  bool            commit_renamed;         /* The pool's thread moved it into jobs/ */
  uint64_t        commit_ticket;          /* Its rename's number in the group sync of jobs/ */
  bool            commit_dir_done;        /* jobs/ was synced after its rename, or nothing to sync (under the pool's lock) */
  bool            commit_dir_ok;          /* ... and that fsync succeeded */
  gw_spool_writer_t *dir_next;            /* The queue of the pool's jobs/ thread */
  pthread_cond_t  commit_cond;            /* The pool finished its file or its folder side */
  gw_spool_writer_t *commit_next;         /* The pool's queue */
  bool            failed;                 /* A write failed: only abort remains */
  gw_aead_t      *aead;                   /* AES-256-GCM keyed with the DEK */
  unsigned char   dek[GW_KEY_LEN];        /* Wiped once wrapped */
  unsigned char   aad[SPOOL_AAD_LEN];
  uint64_t        chunk;                  /* Index of the next chunk */
  uint64_t        plain_size;             /* Bytes accepted so far */
  bool            open;                   /* A chunk is being sealed at out + out_len */
  size_t          open_len;               /* Its bytes so far (< SPOOL_CHUNK) */
  unsigned char  *out;                    /* Sealed bytes not yet written, then the open chunk (SPOOL_OUTSIZE) */
  size_t          out_len;                /* Bytes of closed (sealed) chunks in out */
  double          wb_ms;                  /* Time spent waiting for a write-behind lane */
  uint64_t        written;                /* Bytes written to the file */
  uint64_t        kicked;                 /* Bytes handed to writeback */
  bool            direct;                 /* O_DIRECT: whole blocks bypass the page cache */
  spool_wb_t     *wb[SPOOL_WB_LANES];     /* Background writes of large documents (lanes), or NULL */
  int             wb_next;                /* Lane of the next round */
};

struct _gw_spool_reader_s
{
  gw_spool_t     *spool;
  char            job_id[GW_UUID_LEN + 1];
  unsigned        docnum;
  int             fd;                     /* The file, or -1 for an image */
  unsigned char  *image;                  /* gwSpoolReaderOpenImage(): the sealed file's bytes (a copy) */
  bool            failed;                 /* Sticky until rewind */
  gw_aead_t      *aead;                   /* AES-256-GCM keyed with the DEK */
  unsigned char   aad[SPOOL_AAD_LEN];
  uint64_t        file_size;              /* At open */
  uint64_t        nchunks;                /* Including the final chunk */
  size_t          last_len;               /* Plaintext bytes of the final chunk */
  uint64_t        plain_size;
  uint64_t        next;                   /* Next chunk to decrypt */
  uint64_t        offset;                 /* File offset of the next read */
  unsigned char  *in;                     /* Sealed chunks read ahead */
  size_t          in_size;                /* Size of 'in': a small file gets a small buffer */
  size_t          in_pos, in_len;
  unsigned char  *plain;                  /* One decrypted chunk (SPOOL_CHUNK) */
  size_t          plain_pos, plain_len;
};

extern bool     _gwSpoolSyncJobs(gw_spool_t *spool, bool entered);
extern uint64_t _gwSpoolRenamed(gw_spool_t *spool, bool entered);
extern bool     _gwSpoolSyncJobsFor(gw_spool_t *spool, uint64_t ticket);
extern void     _gwSpoolWriterPoolInit(gw_spool_t *spool);
extern void     _gwSpoolWriterPoolFree(gw_spool_t *spool);
extern int      _gwSpoolSpareCount(gw_spool_t *spool, int *nbusy_r);   /* Tests */
extern void     _gwSpoolPutBE32(unsigned char *p, uint32_t v);
extern uint32_t _gwSpoolGetBE32(const unsigned char *p);
extern bool     _gwSpoolMakeName(const char *job_id, unsigned docnum, char name[SPOOL_NAME_MAX]);
extern bool     _gwSpoolMakeAAD(const unsigned char hdr[SPOOL_HEADER_LEN], const char *job_id, unsigned docnum, unsigned char aad[SPOOL_AAD_LEN]);
extern void     _gwSpoolMakeNonce(unsigned char nonce[SPOOL_NONCE_LEN], uint64_t index, bool last);
extern size_t   _gwSpoolWrapAAD(unsigned char *aad, uint32_t kek_id, const char *job_id, unsigned docnum);
extern bool     _gwSpoolGCM(bool enc, const unsigned char *key, const unsigned char *nonce, const unsigned char *aad, size_t aadlen,
                            const unsigned char *in, size_t len, unsigned char *out, unsigned char tag[SPOOL_TAG_LEN]);

/* spool.c: an emptied file from free/, moved to incoming/name and opened for writing; -1 if none (errno EEXIST: name is taken).
   intake: a new upload's original (document 0), which the reserve (spool-stock.c) waits out. */
extern int  _gwSpoolFreeTake(gw_spool_t *spool, const char *name, bool intake);
extern void _gwSpoolFreeName(unsigned id, char name[32]);

/* spool-stock.c */
extern void _gwSpoolStockNoted(gw_spool_t *spool);   /* free_lock held */
extern void _gwSpoolStockStop(gw_spool_t *spool);
extern void _gwSpoolStockSet(gw_spool_t *spool, double quiet_ms, unsigned long *made_r);   /* Tests */

#endif /* !PRINTGATE_SPOOL_PRIVATE_H */
