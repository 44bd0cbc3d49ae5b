/*
 * spool.h - the encrypted spool of held documents.
 *
 * Format (docs/spool-format.md): a fixed plaintext header, then chunks of
 * 64 KiB plaintext sealed with AES-256-GCM under a random per-document data
 * key (DEK).  The nonce of chunk i is 0^3 | uint64_be(i) | last_flag; the AAD
 * is SHA-256(header | job id | document number).  The DEK is wrapped with the
 * spool KEK and the wrapped key is returned to the caller to keep in the
 * store row ONLY: the spool file alone cannot be decrypted, so deleting the
 * row crypto-shreds the document.
 *
 * Files are written in SPOOL/incoming/ and moved to SPOOL/jobs/ by
 * gwSpoolWriterCommit() (rename + directory fsync, shared by concurrent
 * commits), or by gwSpoolWriterCommitStart()/End() on a thread of its own
 * so the caller's store commit runs meanwhile (docs/spool-format.md).  Plaintext never touches
 * disk.  Writers and readers are used by one thread at a time; the spool
 * object itself is thread-safe.
 */

#ifndef PRINTGATE_SPOOL_H
#define PRINTGATE_SPOOL_H

#include "printgate/base.h"
#include "printgate/job.h"      /* gw_wrapped_key_t */

typedef struct _gw_spool_writer_s gw_spool_writer_t;
typedef struct _gw_spool_reader_s gw_spool_reader_t;

extern gw_spool_t *gwSpoolOpen(const char *dir, gw_keys_t *keys, gw_log_t *log);
extern void        gwSpoolClose(gw_spool_t **spool);
extern bool        gwSpoolRecover(gw_spool_t *spool, unsigned *removed_r);   /* Empties incoming/ */
extern bool        gwSpoolStockStart(gw_spool_t *spool, unsigned target);   /* Keep empty files ready in free/ (spool-stock.c) */
extern bool        gwSpoolRemove(gw_spool_t *spool, const char *job_id, unsigned docnum);
/* The same for a document nobody reads any more (a converted original): the file is emptied and kept for the next writer (spool.c, "Recycled files"). */
extern bool        gwSpoolRecycle(gw_spool_t *spool, const char *job_id, unsigned docnum);
extern bool        gwSpoolExists(gw_spool_t *spool, const char *job_id, unsigned docnum);
extern bool        gwSpoolPath(gw_spool_t *spool, const char *job_id, unsigned docnum, bool incoming, char *buf, size_t bufsize);

/* List committed (job id, docnum) pairs, for orphan clean-up at start. */
typedef bool (*gw_spool_cb_t)(const char *job_id, unsigned docnum, void *data);
extern bool        gwSpoolIterate(gw_spool_t *spool, gw_spool_cb_t cb, void *data);

/* Writing: new -> write* -> finish -> commit, or abort at any point. */
extern gw_spool_writer_t *gwSpoolWriterNew(gw_spool_t *spool, const char *job_id, unsigned docnum, const char **error_r);
/* The same, with the file made only at the first write to disk: a small document can be kept elsewhere whole (gwSpoolWriterImage()) and never touch the spool's folders. */
extern gw_spool_writer_t *gwSpoolWriterNewDeferred(gw_spool_t *spool, const char *job_id, unsigned docnum, const char **error_r);
extern bool     gwSpoolWriterWrite(gw_spool_writer_t *w, const void *buf, size_t len);
extern bool     gwSpoolWriterFinish(gw_spool_writer_t *w, gw_wrapped_key_t *key, uint64_t *plain_size_r);
extern bool     gwSpoolWriterCommit(gw_spool_writer_t **w);   /* Rename to jobs/, fsync; frees the writer */
extern bool     gwSpoolWriterSeal(gw_spool_writer_t *w, gw_wrapped_key_t *key, uint64_t *plain_size_r);   /* Finish without the fsync */
extern void     gwSpoolWriterCommitStart(gw_spool_writer_t *w);   /* A sealed file: fsync, rename, fsync jobs/ on a thread */
extern bool     gwSpoolWriterCommitEnd(gw_spool_writer_t **w);    /* Wait for it; frees the writer */
extern void     gwSpoolSyncCounts(gw_spool_t *spool, unsigned long *file_syncs, unsigned long *dir_syncs);
extern void     gwSpoolWriterAbort(gw_spool_writer_t **w);    /* Unlink, wipe, free; NULL-safe */
/* A sealed deferred writer whose bytes all stayed in memory: its whole sealed file (header first), valid until the writer is freed. */
extern bool     gwSpoolWriterImage(gw_spool_writer_t *w, const unsigned char **data_r, size_t *len_r);
/* ...written into the intake ring instead of a file: its offset there, or -1 (no ring, no room, too large: commit a file).  Durable once the disk's cache is flushed (the store's next WAL fsync); abort the writer then. */
extern int64_t  gwSpoolWriterToRing(gw_spool_writer_t *w);
extern int64_t  gwSpoolWriterToRingStart(gw_spool_writer_t *w);   /* The same, the disk's write still running: end it with gwSpoolWriterToRingFinish() */
extern bool     gwSpoolWriterToRingFinish(gw_spool_writer_t *w, int64_t offset);  /* False: the write failed (its blocks given back) */

/* Reading: fails (returns -1 / false) on any authentication error. */
extern gw_spool_reader_t *gwSpoolReaderOpen(gw_spool_t *spool, const char *job_id, unsigned docnum, const gw_wrapped_key_t *key, const char **error_r);
/* The intake ring (spool-ring.c, docs/spool-format.md "The intake ring"): small documents' sealed files until they are converted. */
extern bool     gwSpoolRingStart(gw_spool_t *spool, int64_t max_bytes, bool puts);   /* At start, before any writer; false = off (logged); !puts: only read what waits there */
extern bool     gwSpoolRingMark(gw_spool_t *spool, int64_t offset, uint64_t plain_size);      /* At start: the store names a document there */
extern void     gwSpoolRingRelease(gw_spool_t *spool, int64_t offset, uint64_t plain_size);   /* Its row no longer names it (durably) */
extern gw_spool_reader_t *gwSpoolReaderOpenRing(gw_spool_t *spool, const char *job_id, unsigned docnum, const gw_wrapped_key_t *key, int64_t offset, uint64_t plain_size, const char **error_r);
/* The same over a sealed image kept elsewhere (the store: gwSpoolWriterImage()); the reader keeps its own copy. */
extern gw_spool_reader_t *gwSpoolReaderOpenImage(gw_spool_t *spool, const char *job_id, unsigned docnum, const gw_wrapped_key_t *key, const void *image, size_t len, const char **error_r);
extern ssize_t  gwSpoolReaderRead(gw_spool_reader_t *r, void *buf, size_t len);  /* 0 = authenticated end */
extern bool     gwSpoolReaderRewind(gw_spool_reader_t *r);
extern uint64_t gwSpoolReaderSize(gw_spool_reader_t *r);  /* Plaintext size, from the file length */
extern void     gwSpoolReaderClose(gw_spool_reader_t **r);

/* Decrypt the whole document to nowhere: true only if every chunk
 * authenticates.  gwSpoolReaderVerify() does it on an open reader and
 * rewinds it, so a release checks and sends the same open file. */
extern bool     gwSpoolReaderVerify(gw_spool_reader_t *r, const char **error_r);
extern bool     gwSpoolVerify(gw_spool_t *spool, const char *job_id, unsigned docnum, const gw_wrapped_key_t *key, const char **error_r);

#endif /* !PRINTGATE_SPOOL_H */
