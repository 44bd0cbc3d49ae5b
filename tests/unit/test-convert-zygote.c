/*
 * test-convert-zygote.c - the zygote's request reader (converters/
 * convert-zygote.c, protocol.h), against the real printgate-convert-pdf
 * started as a zygote by this test (which plays the daemon):
 *
 *   - it says it is ready: 0 and its pid;
 *   - malformed requests (short, wrong magic, an environment whose length
 *     disagrees, an entry without '=' or without its NUL, descriptors
 *     missing or too many, a mask beyond nfds, a nice out of range) each
 *     get EINVAL, no process is started and the zygote goes on;
 *   - a valid request after them gets a reaper, which is this test's own
 *     child (CLONE_PARENT) and sends its first word (the helper's pid and
 *     pidfd) on the control socket; closing that socket ends the reaper,
 *     which this test reaps;
 *   - end of file on its socket ends the zygote.
 */

#include "test.h"

#include <printgate-convert/protocol.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;


/*
 * 'send_req()' - Send a request: a header, len bytes of environment and
 *                nfds descriptors.
 */

static bool
send_req(int sock, const gw_conv_zygote_req_t *req, size_t hdrlen, const char *env, size_t len, const int *fds, int nfds)
{
  char          buf[sizeof(*req) + 512];
  struct iovec  iov = { buf, hdrlen + len };
  struct msghdr mh;
  union
  {
    struct cmsghdr hdr;
    char           buf[CMSG_SPACE(sizeof(int) * 8)];
  }             cm;

  memcpy(buf, req, hdrlen);
  memcpy(buf + hdrlen, env, len);
  memset(&mh, 0, sizeof(mh));
  memset(&cm, 0, sizeof(cm));
  mh.msg_iov    = &iov;
  mh.msg_iovlen = 1;
  if (nfds > 0)
  {
    mh.msg_control    = cm.buf;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
    cm.hdr.cmsg_level = SOL_SOCKET;
    cm.hdr.cmsg_type  = SCM_RIGHTS;
    cm.hdr.cmsg_len   = CMSG_LEN(sizeof(int) * (size_t)nfds);
    memcpy(CMSG_DATA(&cm.hdr), fds, sizeof(int) * (size_t)nfds);
  }

  return (sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)(hdrlen + len));
}


/*
 * 'answer()' - The zygote's answer (two ints) within 30 s.
 */

static bool
answer(int sock, int msg[2])
{
  struct pollfd pfd = { sock, POLLIN, 0 };

  return (poll(&pfd, 1, 30000) == 1 && recv(sock, msg, 2 * sizeof(int), 0) == (ssize_t)(2 * sizeof(int)));
}


/*
 * 'children()' - How many children this process has (zombies included).
 */

static int
children(void)
{
  char  path[64], buf[4096];
  int   n = 0;
  FILE *fp;

  snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
  if ((fp = fopen(path, "r")) == NULL)
    return (-1);
  while (fscanf(fp, "%4095s", buf) == 1)
    n ++;
  fclose(fp);
  return (n);
}


int
main(void)
{
  const char          *build = getenv("GW_BUILD_DIR");
  char                 helper[1024], zvar[64];
  char                *argv[] = { "printgate-convert-pdf", "--normalize", NULL };
  char                *env[] = { zvar, NULL };
  posix_spawn_file_actions_t fa;
  int                  sv[2], msg[2], devnull, st;
  pid_t                zpid;
  gw_conv_zygote_req_t good;
  static const char    goodenv[] = "PG_CONVERT_PAPER=a4";

  snprintf(helper, sizeof(helper), "%s/converters/printgate-convert-pdf", build ? build : ".");
  snprintf(zvar, sizeof(zvar), GW_CONV_ENV_ZYGOTE "=%d", (int)getpid());
  TEST_CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
  TEST_CHECK((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0);

  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, devnull, 0);
  posix_spawn_file_actions_adddup2(&fa, devnull, 1);
  posix_spawn_file_actions_adddup2(&fa, sv[1], GW_CONV_ZYGOTE_FD);
  TEST_CHECK(posix_spawn(&zpid, helper, &fa, NULL, argv, env) == 0);
  posix_spawn_file_actions_destroy(&fa);
  close(sv[1]);

  TEST_BEGIN("started as a zygote, it says it is ready: 0 and its pid");
  TEST_CHECKF(answer(sv[0], msg) && msg[0] == 0 && msg[1] == (int)zpid, "ready (%d, %d)", msg[0], msg[1]);

  memset(&good, 0, sizeof(good));
  good.magic  = GW_CONV_ZYGOTE_MAGIC;
  good.nfds   = 1;
  good.fdmask = 1;
  good.envlen = (int)sizeof(goodenv);

  TEST_BEGIN("malformed requests: EINVAL each, nothing started, the zygote goes on");
  {
    struct
    {
      const char *what;
      int         field;               /* 0 none, 1 magic, 2 envlen, 3 nfds, 4 fdmask, 5 nice */
      int         value;
      const char *env;
      size_t      envlen;
      size_t      hdrlen;
      int         nfds;                /* Descriptors sent */
    } bad[] =
    {
      { "a short header", 0, 0, "", 0, sizeof(good) - 4, 2 },
      { "a wrong magic", 1, 0x1234, goodenv, sizeof(goodenv), sizeof(good), 2 },
      { "an environment length that disagrees", 2, 3, goodenv, sizeof(goodenv), sizeof(good), 2 },
      { "an entry without '='", 2, 6, "PAPER", 6, sizeof(good), 2 },
      { "an entry without its NUL", 2, 4, "A=bc", 4, sizeof(good), 2 },
      { "a descriptor missing", 0, 0, goodenv, sizeof(goodenv), sizeof(good), 1 },
      { "one descriptor too many", 0, 0, goodenv, sizeof(goodenv), sizeof(good), 3 },
      { "no descriptor at all", 0, 0, goodenv, sizeof(goodenv), sizeof(good), 0 },
      { "nfds over the limit", 3, 9, goodenv, sizeof(goodenv), sizeof(good), 2 },
      { "a mask beyond nfds", 4, 3, goodenv, sizeof(goodenv), sizeof(good), 3 },
      { "nice 20", 5, 20, goodenv, sizeof(goodenv), sizeof(good), 2 },
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i ++)
    {
      gw_conv_zygote_req_t req = good;
      int                  fds[3] = { devnull, devnull, devnull };

      req.envlen = (int)bad[i].envlen;
      switch (bad[i].field)
      {
        case 1 : req.magic  = (unsigned)bad[i].value; break;
        case 2 : req.envlen = bad[i].value; break;
        case 3 : req.nfds   = bad[i].value; break;
        case 4 : req.fdmask = bad[i].value; break;
        case 5 : req.nice   = bad[i].value; break;
        default : break;
      }
      msg[0] = msg[1] = -1;
      TEST_CHECKF(send_req(sv[0], &req, bad[i].hdrlen, bad[i].env, bad[i].envlen, fds, bad[i].nfds) &&
                  answer(sv[0], msg) && msg[0] == EINVAL && msg[1] == 0,
                  "%s: EINVAL (%d, %d)", bad[i].what, msg[0], msg[1]);
    }
    TEST_CHECKF(children() == 1, "only the zygote is this test's child (%d)", children());
  }

  TEST_BEGIN("then a valid request: a reaper that is this test's child, with the helper's first word");
  {
    int   ctl[2], fds[2], word[2] = { -1, -1 }, got;
    pid_t reaper;

    TEST_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) == 0);
    fds[0] = ctl[1];
    fds[1] = devnull;
    msg[0] = msg[1] = -1;
    TEST_CHECKF(send_req(sv[0], &good, sizeof(good), goodenv, sizeof(goodenv), fds, 2) && answer(sv[0], msg) &&
                msg[0] == 0 && msg[1] > 0, "a reaper (%d, %d)", msg[0], msg[1]);
    close(ctl[1]);
    reaper = (pid_t)msg[1];
    TEST_CHECKF(children() == 2, "the reaper is this test's child (CLONE_PARENT): %d children", children());
    got = (int)recv(ctl[0], word, sizeof(word), MSG_WAITALL);
    TEST_CHECKF(got == (int)sizeof(word) && word[0] == 0 && word[1] > 0, "its first word: 0 and the helper's pid (%d, %d)",
                word[0], word[1]);
    close(ctl[0]);                     /* The daemon's end gone: the reaper kills its helper and exits */
    TEST_CHECKF(waitpid(reaper, &st, 0) == reaper, "the reaper ended and this test reaped it");
  }

  TEST_BEGIN("end of file on its socket ends the zygote");
  close(sv[0]);
  TEST_CHECKF(waitpid(zpid, &st, 0) == zpid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit 0 (status %d)", st);

  close(devnull);
  TEST_EXIT();
}
