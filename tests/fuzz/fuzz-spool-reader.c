/*
 * fuzz-spool-reader.c - libFuzzer harness for the encrypted spool reader
 *                       (spool.h, spool-reader.c).
 *
 * A spool file sits on disk between submission and release, and whoever
 * can write the spool folder (a disk fault, a restore from backup, an
 * attacker with the service's file access but not its keys) decides its
 * bytes.  The reader must then never crash and never hand out a byte that
 * does not authenticate.
 *
 * Set-up, once per process: a spool in a fresh temp folder, keys derived
 * from a FIXED root key (below; a test key, never used anywhere else), and
 * two committed reference documents of job REF_JOB, written through the
 * real writer:
 *
 *   docnum 1: REF1_LEN bytes, three chunks (two full, one partial)
 *   docnum 2: REF2_LEN bytes, one full chunk and an empty final chunk
 *
 * Every plaintext byte, in the references and in the committed seeds, is
 * pattern(offset).  As nobody without the key can make a chunk that
 * authenticates, any byte the reader returns at offset i must be
 * pattern(i): that is the harness's check that only authenticated bytes
 * come out, and it is checked on every read, not only at the end.
 *
 * The first input byte chooses how the input becomes a spool file:
 *
 *   bits 0-1  mode: 0 RAW    bytes 1..64 are the wrapped key, the rest is
 *                            the whole file (seeds are made with the fixed
 *                            root key, so they decrypt in every run);
 *                   1 XOR    the reference file, with the bytes after a
 *                            4-byte big-endian offset XORed in from there;
 *                   2 SPLICE the reference file cut after a 4-byte
 *                            big-endian length (at most its length),
 *                            then the rest appended;
 *                   3 KEY    the reference file, with the rest of the
 *                            input XORed into its wrapped key.
 *   bit 2     reference/docnum: 0 = docnum 1, 1 = docnum 2.
 *   bits 3-5  size of each read in the first pass (read_sizes[]).
 *   bits 6-7  size of each read after gwSpoolReaderRewind().
 *
 * Then: gwSpoolReaderOpen(), read to the end (or the first error), check
 * that an error is sticky, rewind, read again with another size and get
 * the same outcome, and gwSpoolVerify() must agree.  A document read to
 * its authenticated end must have gwSpoolReaderSize() bytes, and in the
 * XOR/SPLICE/KEY modes an input that leaves the reference untouched must
 * read back whole.
 *
 * Making the seeds: GW_FUZZ_SPOOL_SEEDS=DIR fuzz-spool-reader writes the
 * seed files into DIR and exits (see docs/fuzzing.md).  With
 * GW_FUZZ_SPOOL_TRACE=1 it prints one line per input: mode, document,
 * file size and outcome (to see what a seed or a reproducer does).
 */

#include "printgate/crypto.h"
#include "printgate/log.h"
#include "printgate/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


/*
 * Constants.
 */

#define REF_JOB     "5f0c9a4e-2b7d-4c1e-9a3f-6d8e7b1c2a90"
#define REF1_LEN    (2 * 65536 + 1234)   /* Three chunks */
#define REF2_LEN    65536                /* A full chunk and an empty final one */
#define FILE_MAX    (4 * 1024 * 1024)    /* Largest spool file made from an input */

enum { MODE_RAW, MODE_XOR, MODE_SPLICE, MODE_KEY };

static const size_t read_sizes[8] = { 1, 17, 4096, 65535, 65536, 65537, 200000, 1 << 20 };
static const size_t reread_sizes[4] = { 3, 65536, 70000, 1 << 20 };

/* The fixed root key of the fuzzing spool (a test key, public on purpose) */
static const unsigned char root_key[GW_KEY_LEN] =
{
  0x70, 0x72, 0x69, 0x6e, 0x74, 0x67, 0x61, 0x74, 0x65, 0x2d, 0x66, 0x75, 0x7a, 0x7a, 0x2d, 0x72,
  0x6f, 0x6f, 0x74, 0x2d, 0x6b, 0x65, 0x79, 0x2d, 0x6e, 0x6f, 0x74, 0x2d, 0x73, 0x65, 0x63, 0x72
};


/*
 * What is set up once per process.  The references never change after
 * LLVMFuzzerInitialize(); each input only rewrites the spool file.
 */

typedef struct fuzz_ref_s
{
  unsigned          docnum;
  size_t            plain_len;
  gw_wrapped_key_t  key;
  unsigned char    *file;             /* The committed spool file's bytes */
  size_t            file_len;
  char              path[4096];       /* Its place in jobs/ */
} fuzz_ref_t;

typedef struct fuzz_state_s
{
  char            dir[256];           /* Temp folder (keys/ and spool/) */
  gw_log_t       *log;                /* /dev/null: errors are expected */
  gw_keys_t      *keys;
  gw_spool_t     *spool;
  fuzz_ref_t      refs[2];
  unsigned char  *file;               /* Scratch: the file being written (FILE_MAX) */
  unsigned char  *buf;                /* Scratch: one read (1 MiB) */
  bool            trace;              /* GW_FUZZ_SPOOL_TRACE set: one line per input */
} fuzz_state_t;

static fuzz_state_t state;            /* One per process (libFuzzer has no context pointer) */


/*
 * Local functions.
 */

static void   cleanup(void);
static void   die(const char *what);
static bool   load_file(const char *path, unsigned char **data, size_t *len);
static bool   make_doc(unsigned docnum, size_t len, gw_wrapped_key_t *key, const char *path, unsigned char **file, size_t *file_len);
static void   make_seeds(const char *dir);
static int    pass(gw_spool_reader_t *r, size_t step, uint64_t *total_r);
static unsigned char pattern(uint64_t i);
static int    remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw);
static void   save_seed(const char *dir, const char *name, unsigned char control, const void *a, size_t alen, const void *b, size_t blen);
static void   write_spool_file(const char *path, const unsigned char *data, size_t len);


/*
 * 'LLVMFuzzerInitialize()' - Make the temp spool, the keys and the two
 *                            reference documents (or the seeds).
 */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  char        path[512];
  const char *seeds = getenv("GW_FUZZ_SPOOL_SEEDS");
  int         fd;

  snprintf(state.dir, sizeof(state.dir), "%s/printgate-fuzz-spool-XXXXXX", getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(state.dir))
    die("mkdtemp");
  atexit(cleanup);

  /*
   * The fixed root key, then the derived keys and the spool...
   */

  snprintf(path, sizeof(path), "%s/keys", state.dir);
  if (mkdir(path, 0700))
    die("mkdir keys");

  snprintf(path, sizeof(path), "%s/keys/root.key", state.dir);
  if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400)) < 0 || write(fd, root_key, sizeof(root_key)) != (ssize_t)sizeof(root_key) || close(fd))
    die("write root.key");

  if ((state.log = gwLogNew("/dev/null", GW_LOG_ERROR)) == NULL)
    die("gwLogNew");

  snprintf(path, sizeof(path), "%s/keys", state.dir);
  if ((state.keys = gwKeysLoad(path, false, state.log)) == NULL)
    die("gwKeysLoad");

  snprintf(path, sizeof(path), "%s/spool", state.dir);
  if ((state.spool = gwSpoolOpen(path, state.keys, state.log)) == NULL)
    die("gwSpoolOpen");

  if ((state.file = malloc(FILE_MAX)) == NULL || (state.buf = malloc(1 << 20)) == NULL)
    die("malloc");

  state.trace = getenv("GW_FUZZ_SPOOL_TRACE") != NULL;

  if (seeds)
  {
    make_seeds(seeds);
    exit(0);
  }

  /*
   * The two reference documents...
   */

  state.refs[0].docnum    = 1;
  state.refs[0].plain_len = REF1_LEN;
  state.refs[1].docnum    = 2;
  state.refs[1].plain_len = REF2_LEN;

  for (int i = 0; i < 2; i ++)
  {
    fuzz_ref_t *ref = state.refs + i;

    if (!gwSpoolPath(state.spool, REF_JOB, ref->docnum, false, ref->path, sizeof(ref->path)) ||
        !make_doc(ref->docnum, ref->plain_len, &ref->key, ref->path, &ref->file, &ref->file_len))
      die("make the reference documents");
  }

  return (0);
}


/*
 * 'LLVMFuzzerTestOneInput()' - Turn the input into a spool file and read it.
 */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fuzz_ref_t        *ref;
  gw_wrapped_key_t   key;
  gw_spool_reader_t *r;
  size_t             len = 0;
  unsigned           control, mode;
  uint64_t           total = 0, total2 = 0;
  int                status, status2;
  bool               pristine = false, verified;
  const char        *error = NULL;

  if (size < 1)
    return (0);

  control = data[0];
  mode    = control & 3;
  ref     = state.refs + ((control >> 2) & 1);
  key     = ref->key;
  data ++;
  size --;

  /*
   * Build the file...
   */

  switch (mode)
  {
    case MODE_RAW :
        memset(&key, 0, sizeof(key));
        memcpy(key.bytes, data, size < GW_WRAPPED_KEY_LEN ? size : GW_WRAPPED_KEY_LEN);
        if (size > GW_WRAPPED_KEY_LEN)
        {
          len = size - GW_WRAPPED_KEY_LEN;
          if (len > FILE_MAX)
            len = FILE_MAX;
          memcpy(state.file, data + GW_WRAPPED_KEY_LEN, len);
        }
        break;

    case MODE_XOR :
        {
          size_t off = size >= 4 ? ((size_t)data[0] << 24 | (size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3]) % ref->file_len : 0;
          size_t n   = size > 4 ? size - 4 : 0;

          len = ref->file_len;
          memcpy(state.file, ref->file, len);
          if (n > len - off)
            n = len - off;
          pristine = true;
          for (size_t i = 0; i < n; i ++)
          {
            state.file[off + i] ^= data[4 + i];
            pristine = pristine && data[4 + i] == 0;
          }
        }
        break;

    case MODE_SPLICE :
        {
          size_t cut  = size >= 4 ? ((size_t)data[0] << 24 | (size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3]) : ref->file_len;
          size_t tail = size > 4 ? size - 4 : 0;

          if (cut > ref->file_len)
            cut = ref->file_len;
          if (tail > FILE_MAX - cut)
            tail = FILE_MAX - cut;
          memcpy(state.file, ref->file, cut);
          memcpy(state.file + cut, data + 4, tail);
          len      = cut + tail;
          pristine = cut == ref->file_len && tail == 0;
        }
        break;

    default : /* MODE_KEY */
        len = ref->file_len;
        memcpy(state.file, ref->file, len);
        pristine = true;
        for (size_t i = 0; i < size && i < GW_WRAPPED_KEY_LEN; i ++)
        {
          key.bytes[i] ^= data[i];
          pristine = pristine && data[i] == 0;
        }
        break;
  }

  write_spool_file(ref->path, state.file, len);

  /*
   * Read it twice, with a rewind in between, then verify it...
   */

  if ((r = gwSpoolReaderOpen(state.spool, REF_JOB, ref->docnum, &key, &error)) == NULL)
  {
    if (state.trace)
      fprintf(stderr, "fuzz-spool-reader: mode %u docnum %u file %zu bytes: refused at open (%s)\n", mode, ref->docnum, len, error ? error : "?");
    if (!error || !*error)
      die("gwSpoolReaderOpen() refused a file without saying why");
    if (pristine)
      die("gwSpoolReaderOpen() refused an untouched reference document");
    if (gwSpoolVerify(state.spool, REF_JOB, ref->docnum, &key, NULL))
      die("gwSpoolVerify() accepted a file that gwSpoolReaderOpen() refused");
    return (0);
  }

  status = pass(r, read_sizes[(control >> 3) & 7], &total);

  if (status < 0 && gwSpoolReaderRead(r, state.buf, 1) != -1)
    die("a read error was not sticky");
  if (status == 0 && total != gwSpoolReaderSize(r))
    die("the authenticated document is not gwSpoolReaderSize() bytes long");
  if (status == 0 && gwSpoolReaderRead(r, state.buf, 1) != 0)
    die("a read after the authenticated end did not return 0");
  if (pristine && (status != 0 || total != ref->plain_len))
    die("an untouched reference document did not read back whole");

  if (!gwSpoolReaderRewind(r))
    die("gwSpoolReaderRewind() failed");

  status2 = pass(r, reread_sizes[(control >> 6) & 3], &total2);
  if (status2 != status || (status == 0 && total2 != total))
    die("reading again after a rewind gave another outcome");

  gwSpoolReaderClose(&r);
  if (r)
    die("gwSpoolReaderClose() did not clear the pointer");

  verified = gwSpoolVerify(state.spool, REF_JOB, ref->docnum, &key, &error);
  if (state.trace)
    fprintf(stderr, "fuzz-spool-reader: mode %u docnum %u file %zu bytes: %s after %llu bytes, verify %s\n", mode, ref->docnum, len,
            status == 0 ? "authenticated end" : "read error", (unsigned long long)total, verified ? "ok" : "failed");
  if (verified != (status == 0))
    die("gwSpoolVerify() disagrees with reading the document");

  return (0);
}


/*
 * 'pass()' - Read a document to its end in reads of step bytes, checking
 *            that every returned byte is the authenticated plaintext.
 *            Returns 0 at the authenticated end, -1 on a read error.
 */

static int
pass(gw_spool_reader_t *r, size_t step, uint64_t *total_r)
{
  uint64_t total = 0;
  ssize_t  n;

  while ((n = gwSpoolReaderRead(r, state.buf, step)) > 0)
  {
    if ((size_t)n > step)
      die("gwSpoolReaderRead() returned more than asked");

    for (ssize_t i = 0; i < n; i ++)
    {
      if (state.buf[i] != pattern(total + (uint64_t)i))
      {
        fprintf(stderr, "fuzz-spool-reader: byte %llu is 0x%02x, the plaintext has 0x%02x\n", (unsigned long long)(total + (uint64_t)i), state.buf[i], pattern(total + (uint64_t)i));
        die("the reader returned a byte that is not the authenticated plaintext");
      }
    }

    total += (uint64_t)n;
  }

  if (n < -1)
    die("gwSpoolReaderRead() returned less than -1");

  *total_r = total;

  return ((int)n);
}


/*
 * 'pattern()' - Plaintext byte at offset i, the same in every document.
 *               It differs from chunk to chunk, so a chunk returned at
 *               another place would be seen.
 */

static unsigned char
pattern(uint64_t i)
{
  return ((unsigned char)(i * 131 + (i >> 8) * 7 + (i >> 16) * 29 + 1));
}


/*
 * 'make_doc()' - Write a document of len pattern bytes through the real
 *                writer, commit it and load the committed file's bytes.
 */

static bool
make_doc(unsigned docnum, size_t len, gw_wrapped_key_t *key, const char *path, unsigned char **file, size_t *file_len)
{
  gw_spool_writer_t *w;
  uint64_t           plain = 0;
  unsigned char      piece[4096];
  size_t             off = 0;

  if ((w = gwSpoolWriterNew(state.spool, REF_JOB, docnum, NULL)) == NULL)
    return (false);

  while (off < len)
  {
    size_t n = len - off < sizeof(piece) ? len - off : sizeof(piece);

    for (size_t i = 0; i < n; i ++)
      piece[i] = pattern(off + i);

    if (!gwSpoolWriterWrite(w, piece, n))
    {
      gwSpoolWriterAbort(&w);
      return (false);
    }
    off += n;
  }

  if (!gwSpoolWriterFinish(w, key, &plain) || plain != len || !gwSpoolWriterCommit(&w))
  {
    gwSpoolWriterAbort(&w);
    return (false);
  }

  return (load_file(path, file, file_len));
}


/*
 * 'make_seeds()' - Write the seed corpus into dir: RAW documents with
 *                  their wrapped keys (valid, empty, truncated), and
 *                  XOR/SPLICE/KEY edits of the references.
 */

static void
make_seeds(const char *dir)
{
  static const size_t sizes[] = { 3000, 0 };
  static const char * const names[] = { "raw-3000", "raw-empty" };
  gw_wrapped_key_t    key;
  unsigned char      *file;
  size_t              file_len;
  char                path[4096];
  unsigned char       edit[5];

  if (!gwSpoolPath(state.spool, REF_JOB, 1, false, path, sizeof(path)))
    die("gwSpoolPath");

  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i ++)
  {
    char name[64];

    if (!make_doc(1, sizes[i], &key, path, &file, &file_len))
      die("make a seed document");

    save_seed(dir, names[i], MODE_RAW | 2 << 3, key.bytes, sizeof(key.bytes), file, file_len);

    if (sizes[i])
    {
      snprintf(name, sizeof(name), "%s-short1", names[i]);
      save_seed(dir, name, MODE_RAW | 4 << 3 | 1 << 6, key.bytes, sizeof(key.bytes), file, file_len - 1);
      snprintf(name, sizeof(name), "%s-headeronly", names[i]);
      save_seed(dir, name, MODE_RAW, key.bytes, sizeof(key.bytes), file, 64);
    }
    snprintf(name, sizeof(name), "%s-tagcut", names[i]);
    save_seed(dir, name, MODE_RAW, key.bytes, sizeof(key.bytes), file, 64 + 15);

    free(file);
    if (!gwSpoolRemove(state.spool, REF_JOB, 1))
      die("gwSpoolRemove");
  }

  /*
   * Edits of the references: untouched, a flipped bit in the last chunk,
   * a cut at the first chunk boundary, an appended byte, a flipped key.
   */

  memset(edit, 0, sizeof(edit));
  save_seed(dir, "xor-none-ref1", MODE_XOR | 1 << 3, edit, 4, NULL, 0);
  save_seed(dir, "xor-none-ref2", MODE_XOR | 1 << 2 | 7 << 3 | 2 << 6, edit, 4, NULL, 0);

  edit[1] = 0x02;                          /* Offset 0x20100: the third chunk */
  edit[2] = 0x01;
  edit[4] = 0x01;
  save_seed(dir, "xor-bit-chunk3", MODE_XOR | 3 << 3, edit, 5, NULL, 0);

  memset(edit, 0, sizeof(edit));
  edit[1] = 0x01;                          /* 64 + 65552 = 0x10050: first chunk boundary */
  edit[3] = 0x50;
  save_seed(dir, "splice-cut-boundary", MODE_SPLICE, edit, 4, NULL, 0);
  save_seed(dir, "splice-cut-boundary-ref2", MODE_SPLICE | 1 << 2, edit, 4, NULL, 0);

  memset(edit, 0xff, 4);
  edit[4] = 'x';
  save_seed(dir, "splice-append", MODE_SPLICE | 5 << 3, edit, 5, NULL, 0);

  memset(edit, 0, sizeof(edit));
  edit[4] = 0x80;                          /* A bit of the wrap nonce */
  save_seed(dir, "key-flip-nonce", MODE_KEY, edit, 5, NULL, 0);
  memset(edit, 0, sizeof(edit));
  edit[3] = 0x01;                          /* The KEK id */
  save_seed(dir, "key-flip-kekid", MODE_KEY | 1 << 2, edit, 4, NULL, 0);
}


/*
 * 'save_seed()' - Write control byte + a + b to DIR/NAME.
 */

static void
save_seed(const char *dir, const char *name, unsigned char control, const void *a, size_t alen, const void *b, size_t blen)
{
  char  path[4096];
  FILE *fp;

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  if ((fp = fopen(path, "wb")) == NULL)
    die(path);

  if (fwrite(&control, 1, 1, fp) != 1 || (alen && fwrite(a, 1, alen, fp) != alen) || (blen && fwrite(b, 1, blen, fp) != blen) || fclose(fp))
    die(path);
}


/*
 * 'load_file()' - Read a whole file into a new buffer.
 */

static bool
load_file(const char *path, unsigned char **data, size_t *len)
{
  struct stat st;
  int         fd;
  bool        ok;

  if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
    return (false);

  if (fstat(fd, &st) || st.st_size <= 0 || st.st_size > FILE_MAX || (*data = malloc((size_t)st.st_size)) == NULL)
  {
    close(fd);
    return (false);
  }

  *len = (size_t)st.st_size;
  ok   = read(fd, *data, *len) == (ssize_t)*len;
  close(fd);

  if (!ok)
  {
    free(*data);
    *data = NULL;
  }

  return (ok);
}


/*
 * 'write_spool_file()' - Replace the committed spool file with new bytes.
 */

static void
write_spool_file(const char *path, const unsigned char *data, size_t len)
{
  int    fd;
  size_t off = 0;

  if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
    die("open the spool file");

  while (off < len)
  {
    ssize_t n = write(fd, data + off, len - off);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      die("write the spool file");
    off += (size_t)n;
  }

  if (close(fd))
    die("close the spool file");
}


/*
 * 'remove_entry()' - nftw() callback: remove one file or folder.
 */

static int
remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  (void)st;
  (void)ftw;

  if (type == FTW_DP)
    rmdir(path);
  else
  {
    chmod(path, 0600);
    unlink(path);
  }

  return (0);
}


/*
 * 'cleanup()' - At exit: close everything and remove the temp folder.
 */

static void
cleanup(void)
{
  for (int i = 0; i < 2; i ++)
  {
    free(state.refs[i].file);
    state.refs[i].file = NULL;
  }
  free(state.file);
  free(state.buf);
  state.file = state.buf = NULL;

  gwSpoolClose(&state.spool);
  gwKeysDelete(&state.keys);
  gwLogDelete(&state.log);

  if (state.dir[0])
    nftw(state.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  state.dir[0] = '\0';
}


/*
 * 'die()' - Report a broken promise or a set-up failure and abort
 *           (libFuzzer saves the input that broke the promise).
 */

static void
die(const char *what)
{
  fprintf(stderr, "fuzz-spool-reader: %s\n", what);
  abort();
}
