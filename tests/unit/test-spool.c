/*
 * test-spool.c - the encrypted spool (spool.h, docs/spool-format.md).
 *
 * Round trips of every size class, pieces of every size sealing to the same
 * bytes as whole chunks, the file layout, every tampering case
 * (each one first shown readable untouched, then refused once tampered
 * with), the incoming/ -> jobs/ protocol, and a scan of every byte under
 * the spool folder for plaintext and for the wrapped key, with a positive
 * control that shows the scan finds them when they are there.
 */

#include "test.h"
#include "printgate/crypto.h"
#include "printgate/spool.h"
#include "spool-private.h"                /* test_pieces(): the writer's DEK and AAD, the reference seal */

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

/* The format, written out here from docs/spool-format.md */
#define HDR_LEN   64
#define CHUNK     65536
#define TAG       16
#define CCHUNK    (CHUNK + TAG)

#define MARKER    "PRINTGATE-PLAINTEXT-MARKER-7d1f3c"

typedef struct
{
  gw_spool_t *spool;
  int         failures;
} thread_arg_t;


/*
 * 'sealed_size()' - Expected file length for a plaintext size: full chunks,
 *                   then a final chunk of 0..65535 bytes.
 */

static uint64_t
sealed_size(uint64_t plain)
{
  return (HDR_LEN + (plain / CHUNK) * CCHUNK + (plain % CHUNK) + TAG);
}


/*
 * 'fill_random()' - Fill a buffer with random bytes.
 */

static void
fill_random(unsigned char *buf, size_t len)
{
  gwRandomBytes(buf, len);
}


/*
 * 'write_doc()' - Write a document through a writer in pieces of `step`
 *                 bytes, finish and commit.
 */

static bool
write_doc(gw_spool_t *spool, const char *id, unsigned docnum, const unsigned char *data, size_t len, size_t step, gw_wrapped_key_t *key)
{
  gw_spool_writer_t *w;
  uint64_t           size = 12345;
  size_t             off = 0;

  if ((w = gwSpoolWriterNew(spool, id, docnum, NULL)) == NULL)
    return (false);

  while (off < len)
  {
    size_t n = len - off < step ? len - off : step;

    if (!gwSpoolWriterWrite(w, data + off, n))
    {
      gwSpoolWriterAbort(&w);
      return (false);
    }
    off += n;
  }

  if (!gwSpoolWriterFinish(w, key, &size) || size != len)
  {
    gwSpoolWriterAbort(&w);
    return (false);
  }

  return (gwSpoolWriterCommit(&w) && w == NULL);
}


/*
 * 'inc2_path()' - The incoming/ path of a document (static buffer).
 */

static const char *
inc2_path(gw_spool_t *spool, const char *id)
{
  static char path[1024];

  gwSpoolPath(spool, id, 1, true, path, sizeof(path));

  return (path);
}


/*
 * 'read_doc()' - Read a whole document in pieces of `step`; returns the
 *                plaintext length, or -1 if the open or any read failed.
 */

static ssize_t
read_doc(gw_spool_t *spool, const char *id, unsigned docnum, const gw_wrapped_key_t *key, unsigned char *buf, size_t bufsize, size_t step)
{
  gw_spool_reader_t *r;
  size_t             total = 0;
  ssize_t            n;

  if ((r = gwSpoolReaderOpen(spool, id, docnum, key, NULL)) == NULL)
    return (-1);

  for (;;)
  {
    size_t want = bufsize - total < step ? bufsize - total : step;

    if ((n = gwSpoolReaderRead(r, buf + total, want)) <= 0)
      break;
    total += (size_t)n;
    if (total == bufsize)
    {
      unsigned char extra;

      n = gwSpoolReaderRead(r, &extra, 1);
      if (n > 0)
        n = -1;           /* More data than expected */
      break;
    }
  }

  gwSpoolReaderClose(&r);

  return (n < 0 ? -1 : (ssize_t)total);
}


/*
 * 'file_size()' - Size of a file, or -1.
 */

static long long
file_size(const char *path)
{
  struct stat st;

  return (stat(path, &st) ? -1 : (long long)st.st_size);
}


/*
 * 'dir_count()' - Number of entries in a folder (without . and ..).
 */

static int
dir_count(const char *dir)
{
  DIR           *d = opendir(dir);
  struct dirent *de;
  int            count = 0;

  if (!d)
    return (-1);
  while ((de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
      count ++;
  closedir(d);

  return (count);
}



/*
 * 'save_file()' - Replace a file with the given bytes.
 */

static bool
save_file(const char *path, const unsigned char *buf, size_t len)
{
  int  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  bool ok;

  if (fd < 0)
    return (false);
  ok = write(fd, buf, len) == (ssize_t)len;
  close(fd);

  return (ok);
}


/*
 * 'scan_tree()' - Count the files under dir whose bytes contain needle.
 */

static int
scan_tree(const char *dir, const void *needle, size_t nlen)
{
  DIR           *d = opendir(dir);
  struct dirent *de;
  char           path[2048];
  struct stat    st;
  int            found = 0;

  if (!d)
    return (0);

  while ((de = readdir(d)) != NULL)
  {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
    if (lstat(path, &st))
      continue;
    if (S_ISDIR(st.st_mode))
      found += scan_tree(path, needle, nlen);
    else if (S_ISREG(st.st_mode))
    {
      size_t         len;
      unsigned char *buf = (unsigned char *)test_read_file(path, &len);

      if (buf && memmem(buf, len, needle, nlen))
        found ++;
      free(buf);
    }
  }
  closedir(d);

  return (found);
}


/*
 * 'test_open()' - gwSpoolOpen() creates the folders.
 */

static void
test_open(const char *sdir, gw_spool_t *spool)
{
  char        path[1100];
  struct stat st;

  TEST_BEGIN("open: incoming/ and jobs/ created 0700");

  TEST_CHECK(spool != NULL);
  snprintf(path, sizeof(path), "%s/incoming", sdir);
  TEST_CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
  snprintf(path, sizeof(path), "%s/jobs", sdir);
  TEST_CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
}


/*
 * 'test_roundtrip()' - Every size class, several write and read steps.
 */

static void
test_roundtrip(gw_spool_t *spool, gw_keys_t *keys)
{
  /* Above ~2 MiB the writer's write-behind lanes and O_DIRECT's block tails come in */
  static const size_t sizes[] = { 0, 1, 100, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 1000003, 3u << 20, (5u << 20) + 12345 };
  static const size_t steps[] = { 1, 7, 4096, CHUNK, CHUNK + 3, 1 << 20 };
  size_t              maxlen = (5u << 20) + 12345;
  unsigned char      *data = malloc(maxlen), *back = malloc(maxlen + 1);
  char                id[GW_UUID_LEN + 1], path[1024];
  gw_wrapped_key_t    key;
  int                 bad = 0;

  TEST_BEGIN("round trip: 0, 1, 100, 64K-1, 64K, 64K+1, 128K, ~1 MB, 3 MiB, 5 MiB+; write/read steps 1..1 MiB");

  if (!data || !back)
    return;
  fill_random(data, maxlen);

  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i ++)
  {
    size_t             len = sizes[i];
    size_t             wstep = steps[i % 6], rstep = steps[(i + 2) % 6];
    gw_spool_reader_t *r;

    if (len > 200000 && wstep < 4096)
      wstep = 4093;                   /* Keep the test fast */
    if (len > 200000 && rstep < 4096)
      rstep = 4099;

    gwUUIDNew(id);
    if (!write_doc(spool, id, 1, data, len, wstep, &key))
    {
      printf("  size %zu: write failed\n", len);
      bad ++;
      continue;
    }

    gwSpoolPath(spool, id, 1, false, path, sizeof(path));
    if (file_size(path) != (long long)sealed_size(len))
    {
      printf("  size %zu: file is %lld bytes, expected %llu\n", len, file_size(path), (unsigned long long)sealed_size(len));
      bad ++;
    }

    if (read_doc(spool, id, 1, &key, back, len, rstep) != (ssize_t)len || memcmp(data, back, len))
    {
      printf("  size %zu: read back differs (steps %zu/%zu)\n", len, wstep, rstep);
      bad ++;
    }

    if ((r = gwSpoolReaderOpen(spool, id, 1, &key, NULL)) == NULL || gwSpoolReaderSize(r) != len)
    {
      printf("  size %zu: reader size wrong\n", len);
      bad ++;
    }
    else
    {
      /*
       * Read, rewind, read again: the same bytes.
       */

      ssize_t n1 = gwSpoolReaderRead(r, back, len + 1);
      bool    rw = gwSpoolReaderRewind(r);
      size_t  total = 0;
      ssize_t n2;

      while ((n2 = gwSpoolReaderRead(r, back + total, len + 1 - total)) > 0)
        total += (size_t)n2;
      if (n1 != (ssize_t)len || !rw || n2 != 0 || total != len || memcmp(data, back, len))
      {
        printf("  size %zu: rewind/reread failed\n", len);
        bad ++;
      }
    }
    gwSpoolReaderClose(&r);

    if (!gwSpoolVerify(spool, id, 1, &key, NULL))
    {
      printf("  size %zu: verify failed\n", len);
      bad ++;
    }

    gwSpoolRemove(spool, id, 1);
  }
  TEST_CHECKF(bad == 0, "%d round-trip problems", bad);

  /*
   * Layout: header fields and wrapped key id.
   */

  {
    size_t         flen;
    unsigned char *file;
    uint32_t       kek = gwKeysGetKekId(keys);

    gwUUIDNew(id);
    TEST_CHECK(write_doc(spool, id, 7, data, 1000, 1000, &key));
    gwSpoolPath(spool, id, 7, false, path, sizeof(path));
    file = (unsigned char *)test_read_file(path, &flen);
    TEST_CHECK(file && flen == sealed_size(1000));
    TEST_CHECK(file && !memcmp(file, "PGQS", 4) && file[4] == 1 && file[5] == 1 && file[6] == 16 && file[7] == 0);
    TEST_CHECK(file && file[8] == (kek >> 24) && file[9] == ((kek >> 16) & 255) && file[10] == ((kek >> 8) & 255) && file[11] == (kek & 255));
    TEST_CHECK(file && file[12] == 0 && file[13] == 0 && file[14] == 0 && file[15] == 7);
    TEST_CHECK(file && !memcmp(file + 16, id, GW_UUID_LEN));
    TEST_CHECK(key.bytes[0] == (kek >> 24) && key.bytes[1] == ((kek >> 16) & 255) && key.bytes[2] == ((kek >> 8) & 255) && key.bytes[3] == (kek & 255));
    TEST_CHECKF(file && !memmem(file, flen, key.bytes + 4, GW_WRAPPED_KEY_LEN - 4), "the wrapped key must not be in the file");
    free(file);
    gwSpoolRemove(spool, id, 7);
  }

  /*
   * Same plaintext, same job id and docnum, written twice: a fresh data
   * key each time, so both the file bytes and the wrapped key differ.
   */

  {
    gw_wrapped_key_t k2;
    size_t           l1, l2;
    unsigned char   *f1, *f2;

    gwUUIDNew(id);
    gwSpoolPath(spool, id, 1, false, path, sizeof(path));
    TEST_CHECK(write_doc(spool, id, 1, data, 5000, 5000, &key));
    f1 = (unsigned char *)test_read_file(path, &l1);
    gwSpoolRemove(spool, id, 1);
    TEST_CHECK(write_doc(spool, id, 1, data, 5000, 5000, &k2));
    f2 = (unsigned char *)test_read_file(path, &l2);
    TEST_CHECK(f1 && f2 && l1 == l2 && memcmp(f1 + HDR_LEN, f2 + HDR_LEN, l1 - HDR_LEN));
    TEST_CHECK(memcmp(key.bytes, k2.bytes, sizeof(key.bytes)));
    free(f1);
    free(f2);
    gwSpoolRemove(spool, id, 1);
  }

  free(data);
  free(back);
}


/*
 * 'readable()' - Could the document be read in full?  Open, read all
 *                (in 64 KiB and in one-call variants) and verify.
 */

static bool
readable(gw_spool_t *spool, const char *id, unsigned docnum, const gw_wrapped_key_t *key, size_t len)
{
  unsigned char *buf = malloc(len + CCHUNK);
  bool           ok;

  if (!buf)
    return (false);

  ok = read_doc(spool, id, docnum, key, buf, len, CHUNK) == (ssize_t)len &&
       read_doc(spool, id, docnum, key, buf, len, len + CCHUNK) == (ssize_t)len &&
       gwSpoolVerify(spool, id, docnum, key, NULL);
  free(buf);

  return (ok);
}


/*
 * 'next_rand()' - xorshift64: the same piece sizes for the same seed.
 */

static uint64_t
next_rand(uint64_t *state)
{
  uint64_t x = *state;

  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;

  return (*state = x);
}


/*
 * 'reference_file()' - The file a document must become, sealed here one
 *                      whole chunk at a time with the writer's DEK and AAD
 *                      (_gwSpoolGCM, a context of its own per chunk): the
 *                      writer's header, then each chunk with its index
 *                      and, unless all_mid, the last flag on the final
 *                      one.  NULL on error; *len_r gets the length.
 */

static unsigned char *
reference_file(const unsigned char *hdr, const unsigned char *dek, const unsigned char *aad, const unsigned char *data, size_t len, bool all_mid, size_t *len_r)
{
  size_t         flen = (size_t)sealed_size(len), off = 0, pos = HDR_LEN;
  unsigned char *file = malloc(flen), nonce[SPOOL_NONCE_LEN];

  if (!file)
    return (NULL);
  memcpy(file, hdr, HDR_LEN);

  for (uint64_t i = 0; ; i ++)
  {
    size_t n    = len - off >= CHUNK ? CHUNK : len - off;
    bool   last = n < CHUNK;

    _gwSpoolMakeNonce(nonce, i, last && !all_mid);
    if (!_gwSpoolGCM(true, dek, nonce, aad, SPOOL_AAD_LEN, data + off, n, file + pos, file + pos + n))
    {
      free(file);
      return (NULL);
    }
    off += n;
    pos += n + TAG;
    if (last)
      break;
  }

  *len_r = flen;

  return (file);
}


/*
 * 'test_pieces()' - The writer seals each piece straight from the caller's
 *                   buffer into its batch (no plaintext chunk buffer) and
 *                   re-seals the final chunk with its last flag, so
 *                   how a document is cut must not change a byte of the
 *                   file: pieces of 1 byte, 16 KiB (a TLS record), 65535,
 *                   65536, 65537, random sizes, and two documents written
 *                   interleaved, each compared with whole chunks sealed
 *                   here and read back.  Positive control: a reference
 *                   without the final chunk's last flag differs.
 */

static void
test_pieces(gw_spool_t *spool)
{
  /* Past ~2 MiB the write-behind lanes write; past ~4 MiB both are busy and a hand-over waits */
  static const size_t sizes[] = { 1, 100, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17, (2u << 20) + 4097, (6u << 20) + 17 };
  static const size_t steps[] = { 1, 16384, CHUNK - 1, CHUNK, CHUNK + 1, 0 /* random */ };
  enum { NSIZES = sizeof(sizes) / sizeof(sizes[0]), NSTEPS = sizeof(steps) / sizeof(steps[0]) };
  size_t              maxlen = (6u << 20) + 17;
  unsigned char      *data = malloc(maxlen), *back = malloc(maxlen);
  uint64_t            seed = (uint64_t)time(NULL) | 1, state = seed;
  int                 bad = 0, cases = 0, expected = 0, control = 0;

  TEST_BEGIN("pieces: 1, 16K, 64K-1, 64K, 64K+1 and random sizes (documents of 1 byte to 6 MiB), and two documents interleaved, seal to the bytes of whole chunks");
  printf("  (random piece sizes: seed %llu)\n", (unsigned long long)seed);

  if (!data || !back)
    return;
  fill_random(data, maxlen);

  for (size_t i = 0; i < NSIZES; i ++)
  {
    for (size_t j = 0; j < NSTEPS; j ++)
    {
      size_t             len = sizes[i], step = steps[j], off[2] = { 0, 0 }, flen = 0, rlen = 0;
      gw_spool_writer_t *w[2];
      unsigned char      hdr[2][HDR_LEN], dek[2][GW_KEY_LEN], aad[2][SPOOL_AAD_LEN];
      char               id[2][GW_UUID_LEN + 1], path[1024];
      gw_wrapped_key_t   key[2];
      uint64_t           size;
      bool               ok = true;

      if (len > 200000 && step == 1)
        continue;                       /* MiBs in 1-byte pieces are slow and add nothing */
      expected += 2;

      /*
       * Two writers at once (the second one's pieces from the other end of
       * the step list), written in turn: no state may leak between them.
       */

      for (int k = 0; k < 2; k ++)
      {
        gwUUIDNew(id[k]);
        if ((w[k] = gwSpoolWriterNew(spool, id[k], 1, NULL)) == NULL)
          ok = false;
        else
        {
          memcpy(hdr[k], w[k]->out, HDR_LEN);
          memcpy(dek[k], w[k]->dek, GW_KEY_LEN);
          memcpy(aad[k], w[k]->aad, SPOOL_AAD_LEN);
        }
      }

      while (ok && (off[0] < len || off[1] < len))
      {
        for (int k = 0; k < 2 && ok; k ++)
        {
          size_t s = k ? steps[NSTEPS - 1 - j] : step, n;

          if (s == 0)
            s = 1 + (size_t)(next_rand(&state) % (len > 200000 ? 3 * CHUNK : CHUNK / 4));
          n = len - off[k] < s ? len - off[k] : s;
          if (n > 0 && !gwSpoolWriterWrite(w[k], data + off[k], n))
            ok = false;
          off[k] += n;
        }
      }

      for (int k = 0; k < 2; k ++)
      {
        unsigned char *file, *ref = NULL;

        if (!ok || !w[k] || !gwSpoolWriterFinish(w[k], key + k, &size) || size != len || !gwSpoolWriterCommit(w + k))
        {
          printf("  size %zu step %zu (writer %d): write failed\n", len, step, k);
          gwSpoolWriterAbort(w + k);
          bad ++;
          continue;
        }

        gwSpoolPath(spool, id[k], 1, false, path, sizeof(path));
        file = (unsigned char *)test_read_file(path, &flen);
        if ((ref = reference_file(hdr[k], dek[k], aad[k], data, len, false, &rlen)) == NULL || !file || flen != rlen || memcmp(file, ref, rlen))
        {
          printf("  size %zu step %zu (writer %d): the file differs from whole chunks sealed in one go\n", len, step, k);
          bad ++;
        }
        free(ref);

        if ((ref = reference_file(hdr[k], dek[k], aad[k], data, len, true, &rlen)) != NULL && file && flen == rlen && !memcmp(file, ref, rlen))
          control ++;
        free(ref);
        free(file);

        if (read_doc(spool, id[k], 1, key + k, back, len, 4099) != (ssize_t)len || memcmp(data, back, len))
        {
          printf("  size %zu step %zu (writer %d): read back differs\n", len, step, k);
          bad ++;
        }

        gwSpoolRemove(spool, id[k], 1);
        cases ++;
      }

      gwWipe(dek, sizeof(dek));
    }
  }

  TEST_CHECKF(cases == expected && cases >= 2 * (NSIZES * NSTEPS - 2), "%d of %d cases run", cases, expected);
  TEST_CHECKF(control == 0, "positive control: %d files equal a reference without the last flag", control);
  TEST_CHECKF(bad == 0, "%d piece problems (seed %llu)", bad, (unsigned long long)seed);

  free(data);
  free(back);
}


/*
 * 'test_write_failure()' - A write that fails in a write-behind lane
 *                          (RLIMIT_FSIZE: EFBIG past 3 MiB) fails the
 *                          writer at a later gwSpoolWriterWrite() (the
 *                          threads' failure comes back), with no hang; abort removes the file (ASan: no leak).
 *                          Positive control: under the same limit a 2 MiB
 *                          document is written and reads back.
 */

static void
test_write_failure(gw_spool_t *spool)
{
  size_t             len = 16u << 20, off = 0;
  unsigned char     *data = malloc(len), *back = malloc(len);
  struct rlimit      old, lim;
  void             (*oldsig)(int);
  char               id[GW_UUID_LEN + 1], path[1024];
  gw_spool_writer_t *w;
  gw_wrapped_key_t   key;
  bool               ok = true;

  TEST_BEGIN("write failure in a write-behind lane (file size limit): the writer fails at a later write, abort removes the file; under the limit it works");

  if (!data || !back || getrlimit(RLIMIT_FSIZE, &old))
    return;
  fill_random(data, len);
  oldsig       = signal(SIGXFSZ, SIG_IGN);
  lim          = old;
  lim.rlim_cur = 3u << 20;
  TEST_CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);

  gwUUIDNew(id);
  TEST_CHECKF(write_doc(spool, id, 1, data, 2u << 20, 16384, &key) && read_doc(spool, id, 1, &key, back, 2u << 20, 65536) == (ssize_t)(2u << 20) &&
              !memcmp(data, back, 2u << 20), "positive control: 2 MiB under a 3 MiB limit is written and reads back");
  gwSpoolRemove(spool, id, 1);

  gwUUIDNew(id);
  TEST_CHECK((w = gwSpoolWriterNew(spool, id, 1, NULL)) != NULL);
  while (w && ok && off < len)
  {
    ok   = gwSpoolWriterWrite(w, data + off, 16384);
    off += 16384;
  }
  if (ok && w)
    ok = gwSpoolWriterFinish(w, &key, NULL);
  TEST_CHECKF(!ok && off < len, "16 MiB under a 3 MiB limit must fail at a write, before finish (failed after %zu bytes)", off);
  TEST_CHECK(!gwSpoolWriterWrite(w, data, 1));
  gwSpoolWriterAbort(&w);
  gwSpoolPath(spool, id, 1, true, path, sizeof(path));
  TEST_CHECK(w == NULL && file_size(path) < 0 && !gwSpoolExists(spool, id, 1));

  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, oldsig);
  free(data);
  free(back);
}


/*
 * 'test_tamper()' - Each tampering case: readable before, refused after.
 */

typedef enum
{
  T_FLIP,          /* Flip bit 0 of byte `a` */
  T_TRUNCATE,      /* Cut the file to `a` bytes */
  T_APPEND,        /* Append `a` bytes (zeros) */
  T_APPEND_CHUNK,  /* Append a copy of chunk 0 */
  T_SWAP           /* Swap chunks 0 and 1 */
} tamper_t;

static void
test_tamper(gw_spool_t *spool, gw_keys_t *keys, gw_spool_t *spool_other, gw_keys_t *keys_other)
{
  const size_t      len = 3 * CHUNK + 3392;           /* 3 full chunks + a final one */
  const size_t      flen = (size_t)sealed_size(len);
  const struct
  {
    const char *what;
    tamper_t    how;
    size_t      a;
  } cases[] =
  {
    { "bit flip in chunk 0 ciphertext",        T_FLIP,     HDR_LEN + 10 },
    { "bit flip in chunk 1 ciphertext",        T_FLIP,     HDR_LEN + CCHUNK + 100 },
    { "bit flip in chunk 1 tag",               T_FLIP,     HDR_LEN + 2 * CCHUNK - 1 },
    { "bit flip in the final chunk",           T_FLIP,     HDR_LEN + 3 * CCHUNK + 5 },
    { "bit flip in the final tag",             T_FLIP,     flen - 1 },
    { "bit flip in header magic",              T_FLIP,     0 },
    { "bit flip in header version",            T_FLIP,     4 },
    { "bit flip in header kek id",             T_FLIP,     9 },
    { "bit flip in header docnum",             T_FLIP,     15 },
    { "bit flip in header job id",             T_FLIP,     20 },
    { "bit flip in header reserved bytes",     T_FLIP,     60 },
    { "truncated mid final chunk",             T_TRUNCATE, flen - 1000 },
    { "truncated by one byte",                 T_TRUNCATE, flen - 1 },
    { "truncated mid chunk 1",                 T_TRUNCATE, HDR_LEN + CCHUNK + 5000 },
    { "final chunk dropped (chunk boundary)",  T_TRUNCATE, HDR_LEN + 3 * CCHUNK },
    { "last two chunks dropped (boundary)",    T_TRUNCATE, HDR_LEN + 2 * CCHUNK },
    { "truncated to the header",               T_TRUNCATE, HDR_LEN },
    { "final chunk dropped, 16 bytes kept",    T_TRUNCATE, HDR_LEN + 3 * CCHUNK + TAG },
    { "one byte appended",                     T_APPEND,   1 },
    { "16 bytes appended",                     T_APPEND,   16 },
    { "100 bytes appended",                    T_APPEND,   100 },
    { "copy of chunk 0 appended",              T_APPEND_CHUNK, 0 },
    { "chunks 0 and 1 swapped",                T_SWAP,     0 }
  };
  unsigned char    *data = malloc(len), *orig, *mod;
  size_t            olen;
  char              id[GW_UUID_LEN + 1], id2[GW_UUID_LEN + 1], path[1024], path2[1024];
  gw_wrapped_key_t  key, key2, badkey;
  int               undetected = 0, control = 0;

  TEST_BEGIN("tampering: every case readable untouched, refused after");

  if (!data)
    return;
  fill_random(data, len);
  gwUUIDNew(id);
  TEST_CHECK(write_doc(spool, id, 1, data, len, 10000, &key));
  gwSpoolPath(spool, id, 1, false, path, sizeof(path));
  orig = (unsigned char *)test_read_file(path, &olen);
  TEST_CHECK(orig && olen == flen);
  if (!orig || (mod = malloc(olen + CCHUNK)) == NULL)
    return;

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i ++)
  {
    size_t mlen = olen;

    /*
     * Positive control: the untouched file reads.
     */

    save_file(path, orig, olen);
    if (!readable(spool, id, 1, &key, len))
    {
      printf("  control failed before \"%s\"\n", cases[i].what);
      control ++;
      continue;
    }

    memcpy(mod, orig, olen);
    switch (cases[i].how)
    {
      case T_FLIP :
        mod[cases[i].a] ^= 1;
        break;
      case T_TRUNCATE :
        mlen = cases[i].a;
        break;
      case T_APPEND :
        memset(mod + olen, 0, cases[i].a);
        mlen = olen + cases[i].a;
        break;
      case T_APPEND_CHUNK :
        memcpy(mod + olen, orig + HDR_LEN, CCHUNK);
        mlen = olen + CCHUNK;
        break;
      case T_SWAP :
        memcpy(mod + HDR_LEN, orig + HDR_LEN + CCHUNK, CCHUNK);
        memcpy(mod + HDR_LEN + CCHUNK, orig + HDR_LEN, CCHUNK);
        break;
    }
    save_file(path, mod, mlen);

    if (readable(spool, id, 1, &key, len) || gwSpoolVerify(spool, id, 1, &key, NULL))
    {
      printf("  NOT DETECTED: %s\n", cases[i].what);
      undetected ++;
    }
    else
      printf("  detected: %s\n", cases[i].what);
  }
  TEST_CHECKF(control == 0, "%d positive controls failed", control);
  TEST_CHECKF(undetected == 0, "%d tampering cases not detected", undetected);

  /*
   * Lengths that no writer produces (whole chunks at the end: the final
   * chunk is always shorter than 64 KiB) are refused at open, before any
   * byte is decrypted, with a reason.
   */

  {
    const size_t cuts[] = { HDR_LEN + 3 * CCHUNK, HDR_LEN + 2 * CCHUNK, HDR_LEN + CCHUNK + 15, HDR_LEN };
    const char  *error;

    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i ++)
    {
      gw_spool_reader_t *r;

      error = NULL;
      save_file(path, orig, cuts[i]);
      r = gwSpoolReaderOpen(spool, id, 1, &key, &error);
      TEST_CHECKF(r == NULL && error && strstr(error, "length"), "cut at %zu: %s", cuts[i], error ? error : "(opened)");
      gwSpoolReaderClose(&r);
    }
  }
  save_file(path, orig, olen);

  /*
   * A failed read returns -1, not the bytes of the chunks before.
   */

  {
    gw_spool_reader_t *r;
    unsigned char     *buf = malloc(len);
    ssize_t            n1, n2, n3;

    memcpy(mod, orig, olen);
    mod[HDR_LEN + CCHUNK + 100] ^= 1;
    save_file(path, mod, olen);
    r  = gwSpoolReaderOpen(spool, id, 1, &key, NULL);
    n1 = gwSpoolReaderRead(r, buf, CHUNK);
    n2 = gwSpoolReaderRead(r, buf, CHUNK);
    n3 = gwSpoolReaderRead(r, buf, CHUNK);
    TEST_CHECKF(r && n1 == CHUNK && n2 == -1 && n3 == -1, "chunk-by-chunk: %zd %zd %zd", n1, n2, n3);
    TEST_CHECK(gwSpoolReaderRewind(r) && gwSpoolReaderRead(r, buf, len) == -1);
    gwSpoolReaderClose(&r);
    save_file(path, orig, olen);
    free(buf);
  }

  /*
   * The file moved to another job id or document number.
   */

  gwUUIDNew(id2);
  gwSpoolPath(spool, id2, 1, false, path2, sizeof(path2));
  TEST_CHECK(rename(path, path2) == 0);
  TEST_CHECKF(!readable(spool, id2, 1, &key, len), "file renamed to another job id must not read");
  {
    const char        *error = NULL;
    gw_spool_reader_t *r = gwSpoolReaderOpen(spool, id2, 1, &key, &error);

    TEST_CHECKF(r == NULL && error && strstr(error, "another job"), "reason: %s", error ? error : "(opened)");
    gwSpoolReaderClose(&r);
  }

  memcpy(mod, orig, olen);
  memcpy(mod + 16, id2, GW_UUID_LEN);           /* Header rewritten to match */
  save_file(path2, mod, olen);
  TEST_CHECKF(!readable(spool, id2, 1, &key, len), "file renamed with its header rewritten must not read");
  unlink(path2);

  gwSpoolPath(spool, id, 2, false, path2, sizeof(path2));
  save_file(path2, orig, olen);
  TEST_CHECKF(!readable(spool, id, 2, &key, len), "file renamed to another document number must not read");
  unlink(path2);

  save_file(path, orig, olen);
  TEST_CHECKF(readable(spool, id, 1, &key, len), "positive control: back in place it reads");

  /*
   * Wrong or damaged wrapped keys.
   */

  gwUUIDNew(id2);
  TEST_CHECK(write_doc(spool, id2, 1, data, len, len, &key2));
  TEST_CHECKF(!readable(spool, id, 1, &key2, len), "another document's wrapped key must not open it");
  TEST_CHECKF(!readable(spool, id2, 1, &key, len), "and the other way round");

  for (int b = 0; b < GW_WRAPPED_KEY_LEN; b += 5)
  {
    badkey = key;
    badkey.bytes[b] ^= 0x10;
    if (readable(spool, id, 1, &badkey, len))
    {
      printf("  wrapped key with byte %d changed opened the file\n", b);
      undetected ++;
    }
  }
  TEST_CHECKF(undetected == 0, "damaged wrapped keys must be refused");

  /*
   * Another root key (same spool folder, other keys).
   */

  TEST_CHECK(spool_other != NULL);
  TEST_CHECKF(!readable(spool_other, id, 1, &key, len), "another root key must not open the file");

  /*
   * Same, with the header and the wrapped key's kek id rewritten to the
   * other key's id: the KEK itself differs, so the data key cannot unwrap.
   */

  {
    uint32_t other = gwKeysGetKekId(keys_other);

    TEST_CHECK(other != gwKeysGetKekId(keys));
    badkey = key;
    memcpy(mod, orig, olen);
    for (int b = 0; b < 4; b ++)
      badkey.bytes[b] = mod[8 + b] = (unsigned char)(other >> (24 - 8 * b));
    save_file(path, mod, olen);
    TEST_CHECKF(!readable(spool_other, id, 1, &badkey, len), "a kek id rewritten to the other root key must not open the file");
    save_file(path, orig, olen);
  }

  TEST_CHECKF(readable(spool, id, 1, &key, len), "positive control: the right key still opens it");

  gwSpoolRemove(spool, id, 1);
  gwSpoolRemove(spool, id2, 1);
  gwWipe(&key, sizeof(key));
  free(data);
  free(orig);
  free(mod);
}


/*
 * 'test_empty_tamper()' - The empty final chunk is authenticated too.
 */

static void
test_empty_tamper(gw_spool_t *spool)
{
  unsigned char     *data = malloc(2 * CHUNK), *buf = malloc(2 * CHUNK + 1);
  char               id[GW_UUID_LEN + 1], path[1024];
  gw_wrapped_key_t   key;
  gw_spool_reader_t *r;
  size_t             flen;
  unsigned char     *file;

  TEST_BEGIN("empty final chunk: authenticated before the end is reported");

  if (!data || !buf)
    return;
  fill_random(data, 2 * CHUNK);

  /*
   * An empty document: a flipped tag makes the first read -1, not 0.
   */

  gwUUIDNew(id);
  TEST_CHECK(write_doc(spool, id, 1, data, 0, 1, &key));
  gwSpoolPath(spool, id, 1, false, path, sizeof(path));
  r = gwSpoolReaderOpen(spool, id, 1, &key, NULL);
  TEST_CHECK(r && gwSpoolReaderSize(r) == 0 && gwSpoolReaderRead(r, buf, 100) == 0);
  gwSpoolReaderClose(&r);
  file = (unsigned char *)test_read_file(path, &flen);
  TEST_CHECK(file && flen == HDR_LEN + TAG);
  if (file)
  {
    file[flen - 3] ^= 0x80;
    save_file(path, file, flen);
  }
  r = gwSpoolReaderOpen(spool, id, 1, &key, NULL);
  TEST_CHECKF(r && gwSpoolReaderRead(r, buf, 100) == -1, "an empty document with a bad tag must read -1");
  gwSpoolReaderClose(&r);
  free(file);
  gwSpoolRemove(spool, id, 1);

  /*
   * 128 KiB: reading exactly 128 KiB also checks the empty third chunk.
   */

  gwUUIDNew(id);
  TEST_CHECK(write_doc(spool, id, 1, data, 2 * CHUNK, 2 * CHUNK, &key));
  gwSpoolPath(spool, id, 1, false, path, sizeof(path));
  r = gwSpoolReaderOpen(spool, id, 1, &key, NULL);
  TEST_CHECK(r && gwSpoolReaderRead(r, buf, 2 * CHUNK) == 2 * CHUNK && gwSpoolReaderRead(r, buf, 1) == 0);
  gwSpoolReaderClose(&r);
  file = (unsigned char *)test_read_file(path, &flen);
  if (file)
  {
    file[flen - 1] ^= 1;
    save_file(path, file, flen);
  }
  r = gwSpoolReaderOpen(spool, id, 1, &key, NULL);
  TEST_CHECKF(r && gwSpoolReaderRead(r, buf, 2 * CHUNK) == -1, "the read that ends the document must fail when the final chunk is bad");
  gwSpoolReaderClose(&r);
  free(file);
  gwSpoolRemove(spool, id, 1);

  free(data);
  free(buf);
}


/*
 * 'test_protocol()' - incoming/ -> jobs/, abort, recover, remove, iterate.
 */

static bool
count_cb(const char *job_id, unsigned docnum, void *data)
{
  int *count = (int *)data;

  if (gwUUIDValid(job_id) && docnum >= 1)
    (*count) ++;

  return (true);
}

static void
test_protocol(const char *sdir, gw_spool_t *spool)
{
  char               id[GW_UUID_LEN + 1], id2[GW_UUID_LEN + 1], inc[1024], job[1024], dinc[1100], djobs[1100], junk[1200];
  gw_spool_writer_t *w, *w2;
  gw_wrapped_key_t   key;
  uint64_t           size = 0;
  const char        *error = NULL;
  unsigned           removed = 99;
  unsigned char      buf[3000];
  int                count = 0;

  TEST_BEGIN("protocol: write in incoming/, commit to jobs/, abort, recover, remove, iterate");

  snprintf(dinc, sizeof(dinc), "%s/incoming", sdir);
  snprintf(djobs, sizeof(djobs), "%s/jobs", sdir);
  fill_random(buf, sizeof(buf));

  gwUUIDNew(id);
  TEST_CHECK(gwSpoolPath(spool, id, 1, true, inc, sizeof(inc)));
  TEST_CHECK(gwSpoolPath(spool, id, 1, false, job, sizeof(job)));
  TEST_CHECK(!gwSpoolPath(spool, "not-a-uuid", 1, false, job, sizeof(job)));
  TEST_CHECK(!gwSpoolPath(spool, id, 1, false, job, 10));
  gwSpoolPath(spool, id, 1, false, job, sizeof(job));

  TEST_CHECK(gwSpoolWriterNew(spool, "../../etc/passwd", 1, &error) == NULL && error);
  TEST_CHECK(gwSpoolWriterNew(spool, NULL, 1, NULL) == NULL);

  /*
   * Commit.
   */

  w = gwSpoolWriterNew(spool, id, 1, &error);
  TEST_CHECK(w != NULL);
  TEST_CHECK(file_size(inc) >= 0 && file_size(job) < 0);
  TEST_CHECK(!gwSpoolExists(spool, id, 1));
  TEST_CHECK(gwSpoolWriterNew(spool, id, 1, &error) == NULL && error);   /* Already being written */
  TEST_CHECK(gwSpoolWriterWrite(w, buf, sizeof(buf)));
  TEST_CHECK(gwSpoolWriterFinish(w, &key, &size) && size == sizeof(buf));
  TEST_CHECK(!gwSpoolWriterWrite(w, buf, 1));               /* After finish */
  TEST_CHECK(file_size(inc) == (long long)sealed_size(sizeof(buf)) && file_size(job) < 0);
  TEST_CHECK(gwSpoolWriterCommit(&w) && w == NULL);
  TEST_CHECK(file_size(inc) < 0 && file_size(job) == (long long)sealed_size(sizeof(buf)));
  TEST_CHECK(gwSpoolExists(spool, id, 1));
  TEST_CHECK(dir_count(dinc) == 0);

  /*
   * Commit without finish: refused, nothing left behind.
   */

  gwUUIDNew(id2);
  w = gwSpoolWriterNew(spool, id2, 1, NULL);
  TEST_CHECK(w && gwSpoolWriterWrite(w, buf, 100));
  TEST_CHECK(!gwSpoolWriterCommit(&w) && w == NULL);
  TEST_CHECK(!gwSpoolExists(spool, id2, 1) && dir_count(dinc) == 0);

  /*
   * Abort, before and after finish.
   */

  w = gwSpoolWriterNew(spool, id2, 1, NULL);
  TEST_CHECK(w && gwSpoolWriterWrite(w, buf, sizeof(buf)));
  TEST_CHECK(dir_count(dinc) == 1);
  gwSpoolWriterAbort(&w);
  TEST_CHECK(w == NULL && dir_count(dinc) == 0 && !gwSpoolExists(spool, id2, 1));
  gwSpoolWriterAbort(&w);
  gwSpoolWriterAbort(NULL);

  w = gwSpoolWriterNew(spool, id2, 1, NULL);
  TEST_CHECK(w && gwSpoolWriterWrite(w, buf, sizeof(buf)) && gwSpoolWriterFinish(w, &key, NULL));
  gwSpoolWriterAbort(&w);
  TEST_CHECK(dir_count(dinc) == 0 && !gwSpoolExists(spool, id2, 1));

  /*
   * Abort of a large document while its write-behind lanes have rounds in
   * flight (9 MB in, no finish; the third round waits for the first to be
   * written, so more than 1 MB is on disk): the lanes stop, the file goes
   * (ASan: no leak).
   */

  {
    bool ok = (w = gwSpoolWriterNew(spool, id2, 1, NULL)) != NULL;

    for (int i = 0; ok && i < 3000; i ++)
      ok = gwSpoolWriterWrite(w, buf, sizeof(buf));
    TEST_CHECK(ok && dir_count(dinc) == 1 && file_size(inc2_path(spool, id2)) > 1000000);
    gwSpoolWriterAbort(&w);
    TEST_CHECK(w == NULL && dir_count(dinc) == 0 && !gwSpoolExists(spool, id2, 1));
  }

  /*
   * Recover: leftovers of a crash (a writer never finished, and a stray
   * file) are removed from incoming/; jobs/ is left alone.
   */

  w  = gwSpoolWriterNew(spool, id2, 1, NULL);
  w2 = gwSpoolWriterNew(spool, id2, 2, NULL);
  TEST_CHECK(w && w2 && gwSpoolWriterWrite(w, buf, sizeof(buf)) && gwSpoolWriterWrite(w2, buf, 10));
  snprintf(junk, sizeof(junk), "%s/leftover.tmp", dinc);
  TEST_CHECK(save_file(junk, buf, 10));
  TEST_CHECK(dir_count(dinc) == 3);
  TEST_CHECK(gwSpoolRecover(spool, &removed) && removed == 3);
  TEST_CHECK(dir_count(dinc) == 0);
  TEST_CHECK(gwSpoolExists(spool, id, 1));
  TEST_CHECK(gwSpoolRecover(spool, &removed) && removed == 0);
  gwSpoolWriterAbort(&w);
  gwSpoolWriterAbort(&w2);

  /*
   * Iterate lists committed documents and skips foreign files.
   */

  snprintf(junk, sizeof(junk), "%s/README", djobs);
  save_file(junk, buf, 10);
  TEST_CHECK(write_doc(spool, id, 3, buf, 10, 10, &key));
  TEST_CHECK(gwSpoolIterate(spool, count_cb, &count) && count == 2);
  unlink(junk);

  /*
   * Remove.
   */

  TEST_CHECK(gwSpoolRemove(spool, id, 1));
  TEST_CHECK(!gwSpoolExists(spool, id, 1) && file_size(job) < 0);
  TEST_CHECK(gwSpoolRemove(spool, id, 1));          /* Already gone: fine */
  TEST_CHECK(gwSpoolRemove(spool, id, 3));
  TEST_CHECK(dir_count(djobs) == 0);
  TEST_CHECK(!gwSpoolRemove(spool, "x", 1));
}


/*
 * 'test_no_plaintext()' - Scan every byte under the spool for a plaintext
 *                         marker, while writing and after commit.
 */

static void
test_no_plaintext(const char *sdir, gw_spool_t *spool)
{
  const size_t       len = 3 * CHUNK + 777;
  unsigned char     *data = malloc(len);
  char               id[GW_UUID_LEN + 1], copy[1100];
  gw_spool_writer_t *w;
  gw_wrapped_key_t   key;

  TEST_BEGIN("no plaintext under the spool folder (with a positive control)");

  if (!data)
    return;

  /*
   * The document is the marker over and over, so any plaintext block on
   * disk would contain it.
   */

  for (size_t i = 0; i < len; i ++)
    data[i] = (unsigned char)MARKER[i % (sizeof(MARKER) - 1)];

  gwUUIDNew(id);
  w = gwSpoolWriterNew(spool, id, 1, NULL);
  TEST_CHECK(w && gwSpoolWriterWrite(w, data, 2 * CHUNK + 500));
  TEST_CHECKF(scan_tree(sdir, MARKER, sizeof(MARKER) - 1) == 0, "marker found while writing");
  TEST_CHECK(gwSpoolWriterWrite(w, data + 2 * CHUNK + 500, len - 2 * CHUNK - 500));
  TEST_CHECK(gwSpoolWriterFinish(w, &key, NULL));
  TEST_CHECKF(scan_tree(sdir, MARKER, sizeof(MARKER) - 1) == 0, "marker found after finish");
  TEST_CHECK(gwSpoolWriterCommit(&w));
  TEST_CHECKF(scan_tree(sdir, MARKER, sizeof(MARKER) - 1) == 0, "marker found after commit");
  TEST_CHECKF(scan_tree(sdir, key.bytes, GW_WRAPPED_KEY_LEN) == 0, "wrapped key found in the spool");
  TEST_CHECKF(scan_tree(sdir, key.bytes + 16, 32) == 0, "wrapped DEK found in the spool");

  /*
   * Positive control: a plain copy written into the same folder is found,
   * and so is the wrapped key once written there.
   */

  snprintf(copy, sizeof(copy), "%s/plain-copy", sdir);
  TEST_CHECK(save_file(copy, data, len));
  TEST_CHECKF(scan_tree(sdir, MARKER, sizeof(MARKER) - 1) == 1, "the scan must find the plain copy");
  TEST_CHECK(save_file(copy, key.bytes, sizeof(key.bytes)));
  TEST_CHECKF(scan_tree(sdir, key.bytes, GW_WRAPPED_KEY_LEN) == 1, "the scan must find the key copy");
  unlink(copy);

  TEST_CHECK(readable(spool, id, 1, &key, len));
  gwSpoolRemove(spool, id, 1);
  free(data);
}


/*
 * 'thread_main()' - Write and read documents concurrently.
 */

static void *
thread_main(void *arg)
{
  thread_arg_t    *t = (thread_arg_t *)arg;
  unsigned char   *data = malloc(300000), *back = malloc(300000);
  char             id[GW_UUID_LEN + 1];
  gw_wrapped_key_t key;

  if (!data || !back)
  {
    t->failures ++;
    free(data);
    free(back);
    return (NULL);
  }

  for (int i = 0; i < 8; i ++)
  {
    size_t len = 1000 + (size_t)i * 37000;

    fill_random(data, len);
    gwUUIDNew(id);
    if (!write_doc(t->spool, id, (unsigned)i + 1, data, len, 5000, &key) ||
        read_doc(t->spool, id, (unsigned)i + 1, &key, back, len, 70000) != (ssize_t)len || memcmp(data, back, len) ||
        !gwSpoolRemove(t->spool, id, (unsigned)i + 1))
      t->failures ++;
  }

  free(data);
  free(back);

  return (NULL);
}


/*
 * 'test_threads()' - Four threads share one spool object.
 */

static void
test_threads(gw_spool_t *spool)
{
  pthread_t    th[4];
  thread_arg_t args[4];
  int          failures = 0;

  TEST_BEGIN("threads: four writers/readers on one spool");

  for (int i = 0; i < 4; i ++)
  {
    args[i].spool    = spool;
    args[i].failures = 0;
    pthread_create(th + i, NULL, thread_main, args + i);
  }
  for (int i = 0; i < 4; i ++)
  {
    pthread_join(th[i], NULL);
    failures += args[i].failures;
  }
  TEST_CHECKF(failures == 0, "%d failures", failures);
}


/*
 * 'test_spares()' - Writers' output buffers: kept for the next writers up
 *                   to SPOOL_SPARE_BUFS (a burst of as many uploads reuses
 *                   them instead of mapping new ones), and once no writer
 *                   holds one the spares past SPOOL_SPARE_IDLE are freed.
 */

static void
test_spares(gw_spool_t *spool)
{
  enum { MANY = SPOOL_SPARE_BUFS + 8, AGAIN = 20 };
  gw_spool_writer_t *w[MANY], *w2[AGAIN];
  char               id[GW_UUID_LEN + 1];
  unsigned char     *first[MANY];
  int                nbusy = -1, nspare, opened = 0, reused = 0;
  unsigned char      data[5000];
  gw_wrapped_key_t   key;

  TEST_BEGIN("spares: a burst's buffers are reused, then trimmed when idle");

  nspare = _gwSpoolSpareCount(spool, &nbusy);
  TEST_CHECKF(nbusy == 0 && nspare <= SPOOL_SPARE_IDLE, "before: %d busy, %d spare", nbusy, nspare);

  for (int i = 0; i < MANY; i ++)
  {
    gwUUIDNew(id);
    if ((w[i] = gwSpoolWriterNew(spool, id, 1, NULL)) != NULL)
    {
      first[i] = w[i]->out;
      opened ++;
    }
  }
  nspare = _gwSpoolSpareCount(spool, &nbusy);
  TEST_CHECKF(opened == MANY && nbusy == MANY && nspare == 0, "%d open: %d busy, %d spare", opened, nbusy, nspare);

  for (int i = 1; i < MANY; i ++)       /* All but the first given back: SPOOL_SPARE_BUFS kept */
    gwSpoolWriterAbort(w + i);
  nspare = _gwSpoolSpareCount(spool, &nbusy);
  TEST_CHECKF(nbusy == 1 && nspare == SPOOL_SPARE_BUFS, "one writer left: %d busy, %d spare (want %d)", nbusy, nspare, SPOOL_SPARE_BUFS);

  for (int i = 0; i < AGAIN; i ++)      /* The next burst takes the kept buffers, maps none */
  {
    gwUUIDNew(id);
    if ((w2[i] = gwSpoolWriterNew(spool, id, 1, NULL)) == NULL)
      continue;
    for (int k = 1; k < MANY; k ++)
      reused += w2[i]->out == first[k];
  }
  nspare = _gwSpoolSpareCount(spool, &nbusy);
  TEST_CHECKF(nbusy == 1 + AGAIN && nspare == SPOOL_SPARE_BUFS - AGAIN && reused == AGAIN, "second burst: %d busy, %d spare, %d of %d buffers reused", nbusy, nspare, reused, AGAIN);

  for (int i = 0; i < AGAIN; i ++)
    gwSpoolWriterAbort(w2 + i);
  nspare = _gwSpoolSpareCount(spool, &nbusy);
  TEST_CHECKF(nbusy == 1 && nspare == SPOOL_SPARE_BUFS, "after it: %d busy, %d spare", nbusy, nspare);

  gwSpoolWriterAbort(w + 0);            /* The last one back: idle, trimmed */
  nspare = _gwSpoolSpareCount(spool, &nbusy);
  TEST_CHECKF(nbusy == 0 && nspare == SPOOL_SPARE_IDLE, "idle: %d busy, %d spare (want %d)", nbusy, nspare, SPOOL_SPARE_IDLE);

  fill_random(data, sizeof(data));      /* A committed document gives its buffer back too */
  gwUUIDNew(id);
  TEST_CHECK(write_doc(spool, id, 1, data, sizeof(data), 1000, &key));
  nspare = _gwSpoolSpareCount(spool, &nbusy);
  TEST_CHECKF(nbusy == 0 && nspare == SPOOL_SPARE_IDLE, "after a commit: %d busy, %d spare", nbusy, nspare);
  gwSpoolRemove(spool, id, 1);
}


/*
 * 'test_verify_one_open()' - gwSpoolReaderVerify(): a release verifies and
 *                            sends through one open reader, so a file
 *                            swapped on disk after the check is never
 *                            what is sent.
 */

static void
test_verify_one_open(gw_spool_t *spool)
{
  enum { LEN = 3 * CHUNK + 123 };
  char               id[GW_UUID_LEN + 1], path[1024], swap[1100];
  gw_wrapped_key_t   key;
  gw_spool_reader_t *r, *r2;
  unsigned char     *data = malloc(LEN), *back = malloc(LEN + 1), *file;
  size_t             flen = 0, total = 0;
  ssize_t            n = 0;
  const char        *error = NULL;

  TEST_BEGIN("verify and send from one open: a file swapped after the check is not what is read");
  if (!data || !back)
  {
    TEST_CHECK(!"memory");
    free(data);
    free(back);
    return;
  }

  fill_random(data, LEN);
  gwUUIDNew(id);
  gwSpoolPath(spool, id, 1, false, path, sizeof(path));
  TEST_CHECK(write_doc(spool, id, 1, data, LEN, LEN, &key));

  r = gwSpoolReaderOpen(spool, id, 1, &key, &error);
  TEST_CHECKF(r && gwSpoolReaderVerify(r, &error), "%s", error ? error : "");

  /* Swap in a copy with its last chunk damaged (atomically, by rename). */
  snprintf(swap, sizeof(swap), "%s.swap", path);
  file = (unsigned char *)test_read_file(path, &flen);
  TEST_CHECK(file && flen > HDR_LEN + 20);
  if (file)
  {
    file[flen - 20] ^= 0x40;
    TEST_CHECK(save_file(swap, file, flen) && rename(swap, path) == 0);
    free(file);
  }

  /* Positive control: a second open of the path (the old release) reads the damaged file. */
  r2 = gwSpoolReaderOpen(spool, id, 1, &key, NULL);
  while (r2 && (n = gwSpoolReaderRead(r2, back, LEN + 1)) > 0);
  TEST_CHECKF(r2 && n == -1, "a second open must see the swapped, damaged file");
  gwSpoolReaderClose(&r2);

  /* The verified reader still reads exactly the document it verified. */
  while (r && (n = gwSpoolReaderRead(r, back + total, LEN + 1 - total)) > 0)
    total += (size_t)n;
  TEST_CHECKF(r && n == 0 && total == LEN && !memcmp(back, data, LEN), "read %zu of %d bytes, last %zd", total, LEN, n);

  /* A reader that fails verification says so, and a NULL one is refused. */
  gwSpoolReaderClose(&r);
  r = gwSpoolReaderOpen(spool, id, 1, &key, NULL);
  error = NULL;
  TEST_CHECKF(r && !gwSpoolReaderVerify(r, &error) && error && strstr(error, "failed authentication"), "%s", error ? error : "(none)");
  TEST_CHECK(!gwSpoolReaderVerify(NULL, NULL));
  TEST_CHECK(!gwSpoolVerify(spool, id, 1, &key, NULL));

  gwSpoolReaderClose(&r);
  gwSpoolRemove(spool, id, 1);
  gwWipe(back, LEN + 1);
  free(data);
  free(back);
}


/*
 * 'now_ms()' - Monotonic milliseconds.
 */

static double
now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);

  return (ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6);
}


/*
 * 'open_slow_spool()' - A spool in TMP/NAME whose every fsync takes DELAY ms
 *                       longer (PRINTGATE_TEST_SPOOL_SYNC_DELAY_MS).
 */

static gw_spool_t *
open_slow_spool(const char *tmp, const char *name, const char *delay, gw_keys_t *keys)
{
  char        dir[1024];
  gw_spool_t *spool;

  snprintf(dir, sizeof(dir), "%s/%s", tmp, name);
  setenv("PRINTGATE_TEST_SPOOL_SYNC_DELAY_MS", delay, 1);
  spool = gwSpoolOpen(dir, keys, NULL);
  unsetenv("PRINTGATE_TEST_SPOOL_SYNC_DELAY_MS");

  return (spool);
}


/*
 * 'seal_doc()' - Write a small document and seal it (not synced); NULL on
 *                error.
 */

static gw_spool_writer_t *
seal_doc(gw_spool_t *spool, const char *id, const unsigned char *data, size_t len, gw_wrapped_key_t *key)
{
  gw_spool_writer_t *w = gwSpoolWriterNew(spool, id, 0, NULL);

  if (w && (!gwSpoolWriterWrite(w, data, len) || !gwSpoolWriterSeal(w, key, NULL)))
    gwSpoolWriterAbort(&w);

  return (w);
}


static pthread_barrier_t group_barrier;  /* The committing threads start their commits together */

typedef struct group_arg_s              /* One committing thread of test_commit_group() */
{
  gw_spool_t      *spool;
  char             id[GW_UUID_LEN + 1];
  gw_wrapped_key_t key;
  bool             ok;
} group_arg_t;

static void *
group_run(void *arg)
{
  group_arg_t        *g = (group_arg_t *)arg;
  gw_spool_writer_t  *w = seal_doc(g->spool, g->id, (const unsigned char *)MARKER, sizeof(MARKER), &g->key);

  pthread_barrier_wait(&group_barrier);
  if (w)
    gwSpoolWriterCommitStart(w);
  g->ok = w && gwSpoolWriterCommitEnd(&w) && w == NULL;

  return (NULL);
}


/*
 * 'test_commit_group()' - The commit of a sealed file on its own thread,
 *                         on a very slow disk (2 s fsync: a CommitStart that
 *                         waited for it would take that long, one that does
 *                         not may still be held up on a busy machine), and
 *                         one fsync of jobs/ for concurrent commits, on a
 *                         slow disk (PRINTGATE_TEST_SPOOL_SYNC_DELAY_MS=300).
 */

static void
test_commit_group(const char *tmp, gw_keys_t *keys)
{
  enum { NTHREADS = 8, ORDER_DELAY = 2000 };
  char               id[GW_UUID_LEN + 1];
  gw_spool_t        *spool;
  gw_spool_writer_t *w;
  gw_wrapped_key_t   key;
  group_arg_t        args[NTHREADS];
  pthread_t          threads[NTHREADS];
  unsigned long      f0, d0, f1, d1;
  double             t0, t1, t2;
  bool               ok;
  int                good = 0;
  unsigned           left = 1;
  unsigned char      back[64];

  TEST_BEGIN("commit on a thread of its own (every spool fsync 2 s): returns at once, ends only once the file and jobs/ are durable, their fsyncs side by side (under 3.5 s; in order, 4 s); 8 concurrent commits (300 ms fsyncs) share fsyncs of jobs/ (fewer than 8; positive control: 3 one after the other take 3, and 3 x 600 ms)");

  spool = open_slow_spool(tmp, "spool-slower", "2000", keys);
  TEST_CHECK(spool != NULL);
  if (!spool)
    return;

  /*
   * The caller goes on at once; the end waits for both fsyncs (the file's
   * on a commit thread, that of jobs/ on the jobs/ thread), which run side
   * by side: in order they would take 2 x ORDER_DELAY.
   */

  gwUUIDNew(id);
  gwSpoolSyncCounts(spool, &f0, &d0);
  TEST_CHECK((w = seal_doc(spool, id, (const unsigned char *)MARKER, sizeof(MARKER), &key)) != NULL);
  t0 = now_ms();
  gwSpoolWriterCommitStart(w);
  t1 = now_ms();
  ok = gwSpoolWriterCommitEnd(&w);
  t2 = now_ms();
  gwSpoolSyncCounts(spool, &f1, &d1);
  TEST_CHECKF(t1 - t0 < ORDER_DELAY / 2, "CommitStart returned after %.0f ms", t1 - t0);
  TEST_CHECKF(ok && w == NULL && t2 - t0 >= ORDER_DELAY - 5, "CommitEnd: ok=%d after %.0f ms", ok, t2 - t0);
  TEST_CHECKF(t2 - t0 < ORDER_DELAY * 7 / 4, "the fsyncs of the file and of jobs/ side by side: %.0f ms (in order: %d)", t2 - t0, 2 * ORDER_DELAY);
  TEST_CHECK(gwSpoolExists(spool, id, 0) && read_doc(spool, id, 0, &key, back, sizeof(back), 64) == (ssize_t)sizeof(MARKER));
  TEST_CHECKF(f1 - f0 == 1 && d1 - d0 == 1, "one commit: %lu file and %lu folder fsyncs", f1 - f0, d1 - d0);
  gwSpoolClose(&spool);

  spool = open_slow_spool(tmp, "spool-slow", "300", keys);
  TEST_CHECK(spool != NULL);
  if (!spool)
    return;

  /* Concurrent commits: one fsync of jobs/ for the group. */
  gwSpoolSyncCounts(spool, &f0, &d0);
  pthread_barrier_init(&group_barrier, NULL, NTHREADS);
  for (int i = 0; i < NTHREADS; i ++)
  {
    args[i].spool = spool;
    gwUUIDNew(args[i].id);
    TEST_CHECK(pthread_create(threads + i, NULL, group_run, args + i) == 0);
  }
  for (int i = 0; i < NTHREADS; i ++)
  {
    pthread_join(threads[i], NULL);
    if (args[i].ok && gwSpoolExists(spool, args[i].id, 0) && read_doc(spool, args[i].id, 0, &args[i].key, back, sizeof(back), 64) == (ssize_t)sizeof(MARKER))
      good ++;
  }
  pthread_barrier_destroy(&group_barrier);
  gwSpoolSyncCounts(spool, &f1, &d1);
  printf("  (%d concurrent commits: %lu folder fsyncs)\n", NTHREADS, d1 - d0);
  TEST_CHECKF(good == NTHREADS, "%d of %d concurrent commits durable and readable", good, NTHREADS);
  TEST_CHECKF(f1 - f0 == NTHREADS && d1 - d0 < NTHREADS, "%d concurrent commits: %lu file and %lu folder fsyncs", NTHREADS, f1 - f0, d1 - d0);

  /* Positive control: one after the other, in order (Finish, then Commit), each pays its own, one after the other. */
  gwSpoolSyncCounts(spool, &f0, &d0);
  t0 = now_ms();
  for (int i = 0; i < 3; i ++)
  {
    gwUUIDNew(id);
    TEST_CHECK(write_doc(spool, id, 1, (const unsigned char *)MARKER, sizeof(MARKER), 7, &key));
  }
  t1 = now_ms();
  gwSpoolSyncCounts(spool, &f1, &d1);
  TEST_CHECKF(f1 - f0 == 3 && d1 - d0 == 3, "3 serial commits: %lu file and %lu folder fsyncs", f1 - f0, d1 - d0);
  TEST_CHECKF(t1 - t0 >= 3 * 600 - 15, "3 serial commits in order: %.0f ms (file, then jobs/: 600 ms each)", t1 - t0);

  /* A writer that was never sealed does not commit, and leaves nothing. */
  gwUUIDNew(id);
  TEST_CHECK((w = gwSpoolWriterNew(spool, id, 0, NULL)) != NULL && gwSpoolWriterWrite(w, MARKER, 5));
  gwSpoolWriterCommitStart(w);
  TEST_CHECK(!gwSpoolWriterCommitEnd(&w) && w == NULL && !gwSpoolExists(spool, id, 0));
  TEST_CHECK(gwSpoolRecover(spool, &left) && left == 0);

  gwSpoolClose(&spool);
}


/*
 * 'main()' - Run the spool tests.
 */

/*
 * 'ino_of()' - The inode number of a path (0 if none; links not followed).
 */

static unsigned long long
ino_of(const char *path)
{
  struct stat st;

  return (lstat(path, &st) ? 0 : (unsigned long long)st.st_ino);
}


/*
 * 'test_recycle()' - Recycled files: a converted original is emptied into
 *                    free/ and the next writer takes its inode; a
 *                    document removed the usual way is unlinked; free/ is
 *                    adopted (emptied again) at recovery; a taken entry
 *                    that is not an empty regular file is never written
 *                    through.
 */

static void
test_recycle(const char *tmp, gw_keys_t *keys)
{
  char               sdir[700], path[1100], fdir[1100], junk[1400], id[GW_UUID_LEN + 1], id2[GW_UUID_LEN + 1], id3[GW_UUID_LEN + 1];
  unsigned char      data[70000], back[70000];
  gw_wrapped_key_t   key, key2;
  gw_spool_t        *spool;
  gw_spool_writer_t *w, *w2;
  unsigned long long ino;
  const char        *error = NULL;
  unsigned           removed;
  int                fd;

  TEST_BEGIN("recycled files: an original emptied into free/, its inode taken by the next writer; recovery adopts free/; nothing but an empty regular file is written through");

  snprintf(sdir, sizeof(sdir), "%s/spool-recycle", tmp);
  snprintf(fdir, sizeof(fdir), "%s/free", sdir);
  fill_random(data, sizeof(data));
  gwUUIDNew(id);
  gwUUIDNew(id2);
  gwUUIDNew(id3);
  TEST_CHECK((spool = gwSpoolOpen(sdir, keys, NULL)) != NULL);
  if (!spool)
    return;
  TEST_CHECK(dir_count(fdir) == 0);

  /* Before gwSpoolRecover() recycling is off: the file is unlinked. */
  TEST_CHECK(write_doc(spool, id, 0, data, sizeof(data), 4096, &key));
  TEST_CHECK(gwSpoolRecycle(spool, id, 0) && !gwSpoolExists(spool, id, 0) && dir_count(fdir) == 0);

  TEST_CHECK(gwSpoolRecover(spool, &removed));
  TEST_CHECK(write_doc(spool, id, 0, data, sizeof(data), 4096, &key));
  gwSpoolPath(spool, id, 0, false, path, sizeof(path));
  ino = ino_of(path);
  TEST_CHECK(gwSpoolRecycle(spool, id, 0) && !gwSpoolExists(spool, id, 0));
  snprintf(junk, sizeof(junk), "%s/r0", fdir);
  TEST_CHECKF(dir_count(fdir) == 1 && file_size(junk) == 0 && ino_of(junk) == ino, "free/ %d, r0 %lld bytes", dir_count(fdir), file_size(junk));
  TEST_CHECK(gwSpoolRecycle(spool, id, 0));                             /* Gone already: still succeeds */

  /* The next writer takes it, and the document reads back. */
  TEST_CHECK(write_doc(spool, id2, 1, data, sizeof(data), 65536, &key2));
  gwSpoolPath(spool, id2, 1, false, path, sizeof(path));
  TEST_CHECKF(ino_of(path) == ino && dir_count(fdir) == 0, "inode %llu, was %llu", ino_of(path), ino);
  TEST_CHECK(read_doc(spool, id2, 1, &key2, back, sizeof(back), 1000) == (ssize_t)sizeof(data) && !memcmp(back, data, sizeof(data)));

  /* gwSpoolRemove() unlinks: a reader may still have the file open. */
  TEST_CHECK(gwSpoolRemove(spool, id2, 1) && dir_count(fdir) == 0);

  /* A second writer for a document being written is refused, and the free file stays. */
  TEST_CHECK(write_doc(spool, id, 0, data, 10, 10, &key) && gwSpoolRecycle(spool, id, 0) && dir_count(fdir) == 1);
  TEST_CHECK((w = gwSpoolWriterNew(spool, id3, 0, &error)) != NULL);   /* Takes it */
  TEST_CHECK(write_doc(spool, id, 0, data, 10, 10, &key) && gwSpoolRecycle(spool, id, 0) && dir_count(fdir) == 1);
  error = NULL;
  TEST_CHECK((w2 = gwSpoolWriterNew(spool, id3, 0, &error)) == NULL && error && !strcmp(error, "this document is already being written"));
  TEST_CHECK(dir_count(fdir) == 1);
  gwSpoolWriterAbort(&w);

  /* Recovery: a file with bytes in it is emptied, anything else removed. */
  gwSpoolClose(&spool);
  snprintf(junk, sizeof(junk), "%s/r7", fdir);
  TEST_CHECK(save_file(junk, data, 5000));
  snprintf(junk, sizeof(junk), "%s/stray", fdir);
  TEST_CHECK(save_file(junk, data, 10));
  snprintf(junk, sizeof(junk), "%s/r08", fdir);                        /* Not a name the spool gives */
  TEST_CHECK(save_file(junk, data, 10));
  snprintf(junk, sizeof(junk), "%s/r9", fdir);
  TEST_CHECK(symlink("/etc/passwd", junk) == 0);
  TEST_CHECK((spool = gwSpoolOpen(sdir, keys, NULL)) != NULL);
  if (!spool)
    return;
  TEST_CHECK(gwSpoolRecover(spool, &removed));
  snprintf(junk, sizeof(junk), "%s/r7", fdir);
  TEST_CHECKF(dir_count(fdir) == 2 && file_size(junk) == 0, "free/ has %d, r7 %lld bytes", dir_count(fdir), file_size(junk));

  /* A listed file swapped for a link or a non-empty file is not written through. */
  snprintf(junk, sizeof(junk), "%s/r7", fdir);
  unlink(junk);
  TEST_CHECK(symlink("/etc/passwd", junk) == 0);
  {
    DIR           *d = opendir(fdir);
    struct dirent *de;
    int            filled = 0;

    while (d && (de = readdir(d)) != NULL)
    {
      if (de->d_name[0] != 'r' || !strcmp(de->d_name, "r7"))
        continue;
      snprintf(junk, sizeof(junk), "%s/%s", fdir, de->d_name);
      if ((fd = open(junk, O_WRONLY | O_TRUNC | O_NOFOLLOW)) >= 0)
      {
        filled += write(fd, data, 100) == 100;
        close(fd);
      }
    }
    if (d)
      closedir(d);
    TEST_CHECK(filled == 1);                                          /* The other one now has bytes */
  }
  TEST_CHECK((w = gwSpoolWriterNew(spool, id3, 0, &error)) != NULL);
  gwSpoolPath(spool, id3, 0, true, path, sizeof(path));
  {
    struct stat st;

    TEST_CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode));
    TEST_CHECK(lstat("/etc/passwd", &st) == 0 && st.st_size > 100);
  }
  TEST_CHECKF(dir_count(fdir) == 0, "free/ has %d", dir_count(fdir));
  gwSpoolWriterAbort(&w);
  gwSpoolClose(&spool);

  /* The cap: recovery adopts SPOOL_FREE_MAX files and removes the rest; a full free/ means unlink. */
  for (unsigned i = 0; i < SPOOL_FREE_MAX + 5; i ++)
  {
    snprintf(junk, sizeof(junk), "%s/r%u", fdir, i);
    if ((fd = open(junk, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0)
      close(fd);
  }
  TEST_CHECK(dir_count(fdir) == SPOOL_FREE_MAX + 5);
  TEST_CHECK((spool = gwSpoolOpen(sdir, keys, NULL)) != NULL);
  if (!spool)
    return;
  TEST_CHECK(write_doc(spool, id3, 0, data, 10, 10, &key));          /* Before recovery: a new file */
  TEST_CHECK(gwSpoolRecover(spool, &removed));
  TEST_CHECKF(dir_count(fdir) == SPOOL_FREE_MAX, "free/ has %d", dir_count(fdir));
  TEST_CHECK(gwSpoolRecycle(spool, id3, 0) && !gwSpoolExists(spool, id3, 0));   /* Full: unlinked */
  TEST_CHECKF(dir_count(fdir) == SPOOL_FREE_MAX, "free/ has %d", dir_count(fdir));
  TEST_CHECK(write_doc(spool, id, 0, data, 10, 10, &key));           /* Takes one */
  TEST_CHECK(write_doc(spool, id2, 0, data, 10, 10, &key2));         /* And another */
  TEST_CHECK(dir_count(fdir) == SPOOL_FREE_MAX - 2);
  TEST_CHECK(gwSpoolRecycle(spool, id, 0) && gwSpoolRecycle(spool, id2, 0));
  TEST_CHECK(dir_count(fdir) == SPOOL_FREE_MAX);
  gwSpoolClose(&spool);
}


/*
 * 'wait_count()' - Wait (30 s at most) until folder 'dir' holds 'want'
 *                  entries; returns its count then.
 */

static int
wait_count(const char *dir, int want)
{
  int n = dir_count(dir);

  for (int i = 0; i < 3000 && n != want; i ++)
  {
    usleep(10000);
    n = dir_count(dir);
  }

  return (n);
}


/*
 * 'wait_made()' - Wait (30 s at most) until the reserve has made 'want'
 *                 files (a file is in free/ a moment before it is counted);
 *                 returns the count then.
 */

static unsigned long
wait_made(gw_spool_t *spool, unsigned long want)
{
  unsigned long made = 0;

  _gwSpoolStockSet(spool, -1, &made);
  for (int i = 0; i < 3000 && made != want; i ++)
  {
    usleep(10000);
    _gwSpoolStockSet(spool, -1, &made);
  }

  return (made);
}


/*
 * 'test_stock()' - The reserve of empty files (spool-stock.c): nothing
 *                  before the first upload, nothing while uploads begin
 *                  within the quiet time, then up to the target; a name
 *                  already taken is skipped, never followed; the next
 *                  writer takes a reserved inode and the reserve makes
 *                  it good; a restart adopts the files.
 */

static void
test_stock(const char *tmp, gw_keys_t *keys)
{
  char               sdir[700], fdir[1100], junk[1400], target[800], path[1100], id[GW_UUID_LEN + 1], id2[GW_UUID_LEN + 1];
  unsigned char      data[5000];
  unsigned long long inos[64];
  gw_wrapped_key_t   key;
  gw_spool_t        *spool;
  unsigned long      made = 0;
  unsigned           removed;
  int                ninos = 0, bad = 0;

  TEST_BEGIN("the reserve of empty files: none before the first upload or while uploads keep beginning, then up to its target, a taken name skipped; writers take them; a restart adopts them");

  snprintf(sdir, sizeof(sdir), "%s/spool-stock", tmp);
  snprintf(fdir, sizeof(fdir), "%s/free", sdir);
  snprintf(target, sizeof(target), "%s/stock-target", tmp);
  fill_random(data, sizeof(data));
  gwUUIDNew(id);
  gwUUIDNew(id2);
  TEST_CHECK(save_file(target, data, 10));
  TEST_CHECK((spool = gwSpoolOpen(sdir, keys, NULL)) != NULL);
  if (!spool)
    return;
  TEST_CHECK(gwSpoolRecover(spool, &removed));

  /* The reserve's first name is a link to a file of ours: it must be skipped, not written through. */
  snprintf(junk, sizeof(junk), "%s/r0", fdir);
  TEST_CHECK(symlink(target, junk) == 0);
  TEST_CHECK(gwSpoolStockStart(spool, 40));
  usleep(300000);
  _gwSpoolStockSet(spool, -1, &made);
  TEST_CHECKF(made == 0 && dir_count(fdir) == 1, "before any upload: made %lu, free/ has %d", made, dir_count(fdir));

  /* An upload begins; with a quiet time of an hour nothing is made. */
  _gwSpoolStockSet(spool, 3600000.0, NULL);
  TEST_CHECK(write_doc(spool, id, 0, data, sizeof(data), 4096, &key));
  usleep(300000);
  _gwSpoolStockSet(spool, -1, &made);
  TEST_CHECKF(made == 0 && dir_count(fdir) == 1, "within the quiet time: made %lu, free/ has %d", made, dir_count(fdir));

  /* Quiet: the reserve fills to 40 beside the link. */
  _gwSpoolStockSet(spool, 0.0, NULL);
  TEST_CHECKF(wait_count(fdir, 41) == 41, "free/ has %d", dir_count(fdir));
  TEST_CHECKF((made = wait_made(spool, 40)) == 40, "made %lu", made);
  {
    DIR           *d = opendir(fdir);
    struct dirent *de;
    struct stat    st;

    while (d && (de = readdir(d)) != NULL)
    {
      if (de->d_name[0] != 'r' || !strcmp(de->d_name, "r0"))
        continue;
      snprintf(junk, sizeof(junk), "%s/%s", fdir, de->d_name);
      if (lstat(junk, &st) || !S_ISREG(st.st_mode) || st.st_size != 0 || (st.st_mode & 0777) != 0600)
        bad ++;
      else if (ninos < 64)
        inos[ninos ++] = (unsigned long long)st.st_ino;
    }
    if (d)
      closedir(d);
    TEST_CHECKF(bad == 0 && ninos == 40, "%d not empty 0600 files, %d inodes", bad, ninos);
  }
  TEST_CHECKF(file_size(target) == 10, "the link's target has %lld bytes", file_size(target));

  /* The next writer (here a conversion's output) takes a reserved inode; the reserve makes it good. */
  TEST_CHECK(write_doc(spool, id2, 1, data, sizeof(data), 4096, &key));
  gwSpoolPath(spool, id2, 1, false, path, sizeof(path));
  {
    unsigned long long ino = ino_of(path);
    bool               found = false;

    for (int i = 0; i < ninos; i ++)
      found = found || inos[i] == ino;
    TEST_CHECKF(found, "inode %llu is not one of the reserve's", ino);
  }
  TEST_CHECKF(wait_count(fdir, 41) == 41, "free/ has %d", dir_count(fdir));
  TEST_CHECKF((made = wait_made(spool, 41)) == 41, "made %lu", made);

  /* A restart adopts the 40 files (the link is removed) and makes none before an upload. */
  gwSpoolClose(&spool);
  TEST_CHECK((spool = gwSpoolOpen(sdir, keys, NULL)) != NULL);
  if (!spool)
    return;
  TEST_CHECK(gwSpoolRecover(spool, &removed));
  TEST_CHECKF(dir_count(fdir) == 40, "free/ has %d", dir_count(fdir));
  TEST_CHECKF(file_size(target) == 10, "the link's target has %lld bytes", file_size(target));
  TEST_CHECK(gwSpoolStockStart(spool, 40));
  usleep(100000);
  _gwSpoolStockSet(spool, -1, &made);
  TEST_CHECKF(made == 0 && dir_count(fdir) == 40, "made %lu, free/ has %d", made, dir_count(fdir));
  gwSpoolClose(&spool);
}


/*
 * 'read_image()' - Read a whole document from a sealed image; the
 *                  plaintext length, or -1 if the open or a read failed.
 */

static ssize_t
read_image(gw_spool_t *spool, const char *id, unsigned docnum, const gw_wrapped_key_t *key, const unsigned char *image, size_t ilen, unsigned char *buf, size_t bufsize)
{
  gw_spool_reader_t *r;
  size_t             total = 0;
  ssize_t            n = 0;

  if ((r = gwSpoolReaderOpenImage(spool, id, docnum, key, image, ilen, NULL)) == NULL)
    return (-1);

  while (total < bufsize && (n = gwSpoolReaderRead(r, buf + total, bufsize - total < 10000 ? bufsize - total : 10000)) > 0)
    total += (size_t)n;
  if (n >= 0)
  {
    unsigned char extra;

    if ((n = gwSpoolReaderRead(r, &extra, 1)) > 0)
      n = -1;                           /* More than expected */
  }
  gwSpoolReaderClose(&r);

  return (n < 0 ? -1 : (ssize_t)total);
}


/*
 * 'test_image()' - Deferred writers and sealed images (small originals
 *                  kept in the store): no file until bytes go to the disk,
 *                  the image is the file's bytes, the image reader checks
 *                  and authenticates as the file reader does.
 */

static void
test_image(const char *sdir, gw_spool_t *spool, gw_spool_t *spool2)
{
  static const size_t sizes[] = { 0, 1, 65535, 65536, 100000, 256 * 1024, 1536 * 1024 };
  size_t              maxlen = 6 * 1024 * 1024;
  unsigned char      *data = malloc(maxlen), *back = malloc(maxlen), *copy = malloc(2 * 1024 * 1024 + 4096);
  char                incoming[700], jobs[700], id[GW_UUID_LEN + 1], other[GW_UUID_LEN + 1];
  gw_spool_writer_t  *w;
  gw_wrapped_key_t    key;
  const unsigned char *image;
  size_t              ilen;
  uint64_t            size;
  int                 in0, jobs0;

  TEST_BEGIN("sealed images: a deferred writer makes no file for a document kept in memory; its image reads back, and is refused when damaged, cut, of another job or another root key");

  if (!data || !back || !copy)
    return;
  fill_random(data, maxlen);
  snprintf(incoming, sizeof(incoming), "%s/incoming", sdir);
  snprintf(jobs, sizeof(jobs), "%s/jobs", sdir);
  in0   = dir_count(incoming);
  jobs0 = dir_count(jobs);

  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i ++)
  {
    size_t len = sizes[i];

    gwUUIDNew(id);
    TEST_CHECK((w = gwSpoolWriterNewDeferred(spool, id, 0, NULL)) != NULL);
    if (!w)
      continue;
    TEST_CHECKF(!gwSpoolWriterImage(w, &image, &ilen), "%zu bytes: an image before the seal", len);
    for (size_t off = 0; off < len; off += 7777)
      TEST_CHECK(gwSpoolWriterWrite(w, data + off, len - off < 7777 ? len - off : 7777));
    TEST_CHECK(gwSpoolWriterSeal(w, &key, &size) && size == len);
    TEST_CHECKF(dir_count(incoming) == in0, "%zu bytes: incoming/ has %d files (want %d)", len, dir_count(incoming), in0);
    TEST_CHECKF(gwSpoolWriterImage(w, &image, &ilen) && ilen == sealed_size(len), "%zu bytes: image of %zu bytes (want %llu)", len, ilen, (unsigned long long)sealed_size(len));
    if (ilen > 2 * 1024 * 1024 + 4096 || ilen == 0)
    {
      gwSpoolWriterAbort(&w);
      continue;
    }
    memcpy(copy, image, ilen);
    gwSpoolWriterAbort(&w);
    TEST_CHECK(dir_count(incoming) == in0 && dir_count(jobs) == jobs0);

    TEST_CHECKF(read_image(spool, id, 0, &key, copy, ilen, back, len) == (ssize_t)len && !memcmp(back, data, len), "%zu bytes: read back", len);
    if (len < 100000)
      continue;

    /* Damaged, cut, extended, another job, another document, another root key. */
    copy[ilen / 2] ^= 1;
    TEST_CHECKF(read_image(spool, id, 0, &key, copy, ilen, back, len) < 0, "%zu bytes: a flipped byte", len);
    copy[ilen / 2] ^= 1;
    TEST_CHECK(read_image(spool, id, 0, &key, copy, ilen, back, len) == (ssize_t)len);   /* Positive control */
    TEST_CHECKF(read_image(spool, id, 0, &key, copy, ilen - 1, back, len) < 0, "%zu bytes: cut by one byte", len);
    TEST_CHECKF(read_image(spool, id, 0, &key, copy, ilen - TAG, back, len) < 0, "%zu bytes: the last tag cut", len);
    TEST_CHECK(read_image(spool, id, 0, &key, copy, HDR_LEN - 1, back, len) < 0);
    gwUUIDNew(other);
    TEST_CHECK(read_image(spool, other, 0, &key, copy, ilen, back, len) < 0);
    TEST_CHECK(read_image(spool, id, 1, &key, copy, ilen, back, len) < 0);
    TEST_CHECK(read_image(spool2, id, 0, &key, copy, ilen, back, len) < 0);

    /* An image reader verifies, rewinds and reads again. */
    {
      gw_spool_reader_t *r = gwSpoolReaderOpenImage(spool, id, 0, &key, copy, ilen, NULL);

      TEST_CHECK(r && gwSpoolReaderVerify(r, NULL) && gwSpoolReaderSize(r) == len && gwSpoolReaderRead(r, back, len) == (ssize_t)len && !memcmp(back, data, len));
      gwSpoolReaderClose(&r);
    }
  }

  /* Large enough to be written as it arrives: no image, and the file commits as before. */
  gwUUIDNew(id);
  TEST_CHECK((w = gwSpoolWriterNewDeferred(spool, id, 0, NULL)) != NULL);
  if (w)
  {
    TEST_CHECK(gwSpoolWriterWrite(w, data, maxlen));
    TEST_CHECK(dir_count(incoming) == in0 + 1);   /* Made at the first write to the disk */
    TEST_CHECK(gwSpoolWriterSeal(w, &key, &size) && size == maxlen);
    TEST_CHECK(!gwSpoolWriterImage(w, &image, &ilen));
    gwSpoolWriterCommitStart(w);
    TEST_CHECK(gwSpoolWriterCommitEnd(&w) && !w);
    TEST_CHECK(read_doc(spool, id, 0, &key, back, maxlen, 1 << 20) == (ssize_t)maxlen && !memcmp(back, data, maxlen));
    TEST_CHECK(gwSpoolRemove(spool, id, 0));
  }

  /* A small deferred document committed as a file after all (the store had no room). */
  gwUUIDNew(id);
  TEST_CHECK((w = gwSpoolWriterNewDeferred(spool, id, 0, NULL)) != NULL);
  if (w)
  {
    TEST_CHECK(gwSpoolWriterWrite(w, data, 100000) && gwSpoolWriterSeal(w, &key, &size));
    TEST_CHECK(dir_count(incoming) == in0);
    gwSpoolWriterCommitStart(w);
    TEST_CHECK(gwSpoolWriterCommitEnd(&w) && !w);
    TEST_CHECK(read_doc(spool, id, 0, &key, back, 100000, 4096) == 100000 && !memcmp(back, data, 100000));
    TEST_CHECK(gwSpoolRemove(spool, id, 0));
  }

  TEST_CHECK(dir_count(incoming) == in0 && dir_count(jobs) == jobs0);
  free(data);
  free(back);
  free(copy);
}


/*
 * 'ring_doc()' - Seal len bytes of data for job 'id' into the intake ring
 *                with a deferred writer: the offset (or -1) and the key.
 */

static int64_t
ring_doc(gw_spool_t *spool, const char *id, const unsigned char *data, size_t len, gw_wrapped_key_t *key)
{
  gw_spool_writer_t *w = gwSpoolWriterNewDeferred(spool, id, 0, NULL);
  uint64_t           size;
  int64_t            off = -1;

  if (w && gwSpoolWriterWrite(w, data, len) && gwSpoolWriterSeal(w, key, &size))
    off = gwSpoolWriterToRing(w);
  gwSpoolWriterAbort(&w);

  return (off);
}


/*
 * 'ring_reads()' - Does the document at off read back as data?
 */

static bool
ring_reads(gw_spool_t *spool, const char *id, const gw_wrapped_key_t *key, int64_t off, const unsigned char *data, size_t len, unsigned char *back)
{
  gw_spool_reader_t *r = gwSpoolReaderOpenRing(spool, id, 0, key, off, len, NULL);
  ssize_t            n = -1;

  if (r)
  {
    n = gwSpoolReaderRead(r, back, len + 1);
    gwSpoolReaderClose(&r);
  }

  return (n == (ssize_t)len && !memcmp(back, data, len));
}


/*
 * 'test_ring()' - The intake ring: grows as used up to its size, puts and
 *                 reads back, refuses a wrong job, size or place, gives
 *                 blocks back, keeps the blocks marked at a restart (a
 *                 full ring never overwrites them), drops a step a crash
 *                 cut short, and serves only reads when turned off.
 */

static void
test_ring(const char *tmp, gw_keys_t *keys)
{
  enum { NDOCS = 160 };
  char              sdir[700], path[800];
  gw_spool_t       *spool;
  struct statfs     fs;
  size_t            maxlen = 256 * 1024;
  unsigned char    *data = malloc(maxlen), *back = malloc(maxlen + 1);
  char              ids[NDOCS][GW_UUID_LEN + 1];
  gw_wrapped_key_t  dkeys[NDOCS];
  int64_t           offs[NDOCS];
  size_t            lens[NDOCS];
  int               n = 0, full = 0, first_ok = -1;
  int64_t           off, top = 0;

  TEST_BEGIN("intake ring: grows as used, puts and reads back, refuses a wrong job, size or place, reuses given-back blocks, keeps marked ones at a restart, drops a step cut short, read-only when off");

  snprintf(sdir, sizeof(sdir), "%s/ring-spool", tmp);
  snprintf(path, sizeof(path), "%s/intake.ring", sdir);
  if (!data || !back || (spool = gwSpoolOpen(sdir, keys, NULL)) == NULL)
  {
    TEST_CHECK(false);
    return;
  }
  fill_random(data, maxlen);

  if (statfs(sdir, &fs) || (fs.f_type != 0xEF53 && fs.f_type != 0x58465342))
  {
    /* Not ext4 or XFS: the ring refuses to start (that is its behaviour there). */
    printf("  the test folder is not on ext4 or XFS (type %lx): only the refusal is checked\n", (unsigned long)fs.f_type);
    TEST_CHECK(!gwSpoolRingStart(spool, 8 * 1024 * 1024, true));
    gwSpoolClose(&spool);
    free(data);
    free(back);
    return;
  }

  TEST_CHECK(gwSpoolRingStart(spool, 8 * 1024 * 1024, true));
  TEST_CHECKF(file_size(path) == 4096, "a new ring is its header alone (%lld bytes)", file_size(path));

  /* The first put finds no room and wakes the preparer; puts then succeed. */
  gwUUIDNew(ids[0]);
  TEST_CHECK(ring_doc(spool, ids[0], data, 1000, dkeys) == -1);
  for (int i = 0; i < 500 && first_ok < 0; i ++)
  {
    usleep(10000);
    if (ring_doc(spool, ids[0], data, 1000, dkeys) >= 0)
      first_ok = i;
  }
  TEST_CHECKF(first_ok >= 0, "a put succeeds once the preparer has grown the ring");
  TEST_CHECKF(file_size(path) >= 4 * 1024 * 1024 + 4096, "grown by a step (%lld bytes)", file_size(path));

  /* Documents of 1 byte to 256 KiB until the ring is full. */
  for (n = 0; n < NDOCS; n ++)
  {
    static const size_t sizes[] = { 1, 65535, 65536, 100000, 256 * 1024 };

    lens[n] = sizes[n % 5];
    gwUUIDNew(ids[n]);
    for (int tries = 0; tries < 300 && (offs[n] = ring_doc(spool, ids[n], data, lens[n], dkeys + n)) < 0; tries ++)
      usleep(10000);                    /* The preparer's next step */
    if (offs[n] < 0)
      break;
    if (offs[n] > top)
      top = offs[n];
  }
  TEST_CHECKF(n > 20 && n < NDOCS, "the 8 MB ring took %d documents, then was full", n);
  TEST_CHECKF(file_size(path) == 8 * 1024 * 1024, "it grew to its size and no further (%lld bytes)", file_size(path));
  for (int i = 0; i < n; i ++)
  {
    if (!ring_reads(spool, ids[i], dkeys + i, offs[i], data, lens[i], back))
      full ++;
  }
  TEST_CHECKF(full == 0, "%d of %d documents did not read back", full, n);

  /* Refused: another job, another size, another place, an unaligned or outside one. */
  TEST_CHECK(!ring_reads(spool, ids[1], dkeys + 3, offs[3], data, lens[3], back));
  TEST_CHECK(!ring_reads(spool, ids[3], dkeys + 3, offs[3], data, lens[3] - 1, back));
  TEST_CHECK(!ring_reads(spool, ids[3], dkeys + 3, offs[4], data, lens[3], back));
  TEST_CHECK(!gwSpoolReaderOpenRing(spool, ids[3], 0, dkeys + 3, offs[3] + 1, lens[3], NULL));
  TEST_CHECK(!gwSpoolReaderOpenRing(spool, ids[3], 0, dkeys + 3, 0, lens[3], NULL));   /* The header */
  TEST_CHECK(!gwSpoolReaderOpenRing(spool, ids[3], 0, dkeys + 3, 8 * 1024 * 1024, lens[3], NULL));

  /* Given back, the blocks are taken again. */
  gwSpoolRingRelease(spool, offs[4], lens[4]);
  gwUUIDNew(ids[NDOCS - 1]);
  off = ring_doc(spool, ids[NDOCS - 1], data, lens[4], dkeys + NDOCS - 1);
  TEST_CHECKF(off == offs[4], "a 256 KiB document takes the blocks another gave back (%lld, %lld)", (long long)off, (long long)offs[4]);
  TEST_CHECK(!ring_reads(spool, ids[4], dkeys + 4, offs[4], data, lens[4], back));   /* Overwritten */
  TEST_CHECK(ring_reads(spool, ids[NDOCS - 1], dkeys + NDOCS - 1, off, data, lens[4], back));

  /* A restart: only what the store names is kept; a full ring never overwrites it. */
  gwSpoolClose(&spool);
  TEST_CHECK((spool = gwSpoolOpen(sdir, keys, NULL)) != NULL && gwSpoolRingStart(spool, 8 * 1024 * 1024, true));
  TEST_CHECK(gwSpoolRingMark(spool, offs[2], lens[2]) && gwSpoolRingMark(spool, offs[3], lens[3]));
  TEST_CHECK(!gwSpoolRingMark(spool, offs[3], lens[3]));                  /* Overlaps */
  TEST_CHECK(!gwSpoolRingMark(spool, 8 * 1024 * 1024 - 4096, 100000));   /* Past the end */
  TEST_CHECK(!gwSpoolRingMark(spool, 100, 10));                          /* Not a block */
  full = 0;
  for (int i = 0; i < NDOCS && full < 200; i ++)
  {
    char             id[GW_UUID_LEN + 1];
    gw_wrapped_key_t k;

    gwUUIDNew(id);
    if (ring_doc(spool, id, data, 256 * 1024, &k) < 0)
      full ++;
  }
  TEST_CHECK(full > 0);
  TEST_CHECK(ring_reads(spool, ids[2], dkeys + 2, offs[2], data, lens[2], back));
  TEST_CHECK(ring_reads(spool, ids[3], dkeys + 3, offs[3], data, lens[3], back));

  /* A step cut short by a crash (the file longer than its header says): dropped. */
  gwSpoolClose(&spool);
  {
    int fd = open(path, O_WRONLY);

    TEST_CHECK(fd >= 0 && ftruncate(fd, 8 * 1024 * 1024 + 12345) == 0);
    if (fd >= 0)
      close(fd);
  }
  TEST_CHECK((spool = gwSpoolOpen(sdir, keys, NULL)) != NULL && gwSpoolRingStart(spool, 8 * 1024 * 1024, true));
  TEST_CHECKF(file_size(path) == 8 * 1024 * 1024, "cut back to what the header names (%lld bytes)", file_size(path));

  /* Off (IntakeRing 0) with documents waiting: they read, nothing new goes in. */
  gwSpoolClose(&spool);
  TEST_CHECK((spool = gwSpoolOpen(sdir, keys, NULL)) != NULL && gwSpoolRingStart(spool, 0, false));
  TEST_CHECK(gwSpoolRingMark(spool, offs[2], lens[2]));
  TEST_CHECK(ring_reads(spool, ids[2], dkeys + 2, offs[2], data, lens[2], back));
  gwUUIDNew(ids[0]);
  TEST_CHECK(ring_doc(spool, ids[0], data, 1000, dkeys) == -1);

  /* A damaged header: no ring (small documents go to files). */
  gwSpoolClose(&spool);
  {
    int fd = open(path, O_WRONLY);

    TEST_CHECK(fd >= 0 && pwrite(fd, "BAD!", 4, 0) == 4);   /* A damaged magic */
    if (fd >= 0)
      close(fd);
  }
  TEST_CHECK((spool = gwSpoolOpen(sdir, keys, NULL)) != NULL && !gwSpoolRingStart(spool, 8 * 1024 * 1024, true));
  gwSpoolClose(&spool);
  free(data);
  free(back);
}


int
main(void)
{
  char        tmp[512], kdir[600], kdir2[600], sdir[600];
  gw_keys_t  *keys, *keys2;
  gw_spool_t *spool, *spool2;

  if (!test_tempdir(tmp, sizeof(tmp)))
  {
    perror("mkdtemp");
    return (1);
  }

  snprintf(sdir, sizeof(sdir), "%s/spool", tmp);
  keys   = gwKeysLoad(test_subdir(kdir, sizeof(kdir), tmp, "keys"), true, NULL);
  keys2  = gwKeysLoad(test_subdir(kdir2, sizeof(kdir2), tmp, "keys-other"), true, NULL);
  spool  = keys ? gwSpoolOpen(sdir, keys, NULL) : NULL;
  spool2 = keys2 ? gwSpoolOpen(sdir, keys2, NULL) : NULL;

  test_open(sdir, spool);
  if (!spool || !spool2)
  {
    test_rmtree(tmp);
    TEST_EXIT();
  }

  test_roundtrip(spool, keys);
  test_pieces(spool);
  test_write_failure(spool);
  test_tamper(spool, keys, spool2, keys2);
  test_empty_tamper(spool);
  test_protocol(sdir, spool);
  test_no_plaintext(sdir, spool);
  test_threads(spool);
  test_spares(spool);
  test_verify_one_open(spool);
  test_commit_group(tmp, keys);
  test_recycle(tmp, keys);
  test_stock(tmp, keys);
  test_image(sdir, spool, spool2);
  test_ring(tmp, keys);

  gwSpoolClose(&spool);
  gwSpoolClose(&spool2);
  TEST_CHECK(spool == NULL);
  gwSpoolClose(&spool);
  gwKeysDelete(&keys);
  gwKeysDelete(&keys2);
  test_rmtree(tmp);

  TEST_EXIT();
}
