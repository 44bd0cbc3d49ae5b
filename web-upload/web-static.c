/*
 * web-static.c - the web portal's static files (CSS, JavaScript, icons)
 * from WebRoot (or the installed share/printgate/web, or the source
 * tree's web-upload/static): one flat folder, names checked (no '/', no
 * "..": _gwWebSafeName()), at most WEB_STATIC_MAX bytes, regular files only.
 */

#include "web-private.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WEB_STATIC_MAX (1024 * 1024)

static const char * const types[][2] =
{
  { ".css", "text/css; charset=utf-8" },
  { ".js", "text/javascript; charset=utf-8" },
  { ".svg", "image/svg+xml" },
  { ".png", "image/png" },
  { ".ico", "image/x-icon" },
  { ".txt", "text/plain; charset=utf-8" }
};


/*
 * '_gwWebStatic()' - GET /static/NAME.
 */

void
_gwWebStatic(web_req_t *r)
{
  const char *name = r->param[0], *dot = strrchr(name, '.'), *type = NULL;
  char        path[1200], *data = NULL;
  struct stat st;
  ssize_t     got = -1;
  int         fd = -1;

  for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i ++)
    if (!strcmp(dot, types[i][0]))
      type = types[i][1];

  if (type && snprintf(path, sizeof(path), "%s/%s", r->web->root, name) < (int)sizeof(path) &&
      (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0 && !fstat(fd, &st) && S_ISREG(st.st_mode) &&
      st.st_size <= WEB_STATIC_MAX && (data = malloc((size_t)st.st_size + 1)) != NULL)
    got = read(fd, data, (size_t)st.st_size);
  if (fd >= 0)
    close(fd);

  if (got < 0 || (off_t)got != st.st_size)
    _gwWebError(r, 404, "not-found", "There is no such file.");
  else
    _gwWebRespond(r, 200, type, data, (size_t)got);
  free(data);
}
