/*
 * gw-raster-info.c - decode a whole PWG raster or URF file with the
 * gateway's own decoder (converters/formats/, raster.h) and print what a
 * printer would see:
 *
 *     type=pwg pages=2 announced=0
 *     page=1 width=2480 height=3508 bits_per_color=8 colors=1 space=sgray xres=300 yres=300
 *
 * Every line of every page is decoded, so a file with a bad run fails.
 * Exit status 0 = the whole file decoded, 1 = it did not (the reason on
 * stderr).  Used by tests/integration/release-render.sh.
 */

#include <printgate-formats/raster.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static ssize_t
read_cb(void *ctx, void *buf, size_t len)
{
  ssize_t n;

  while ((n = read(*(int *)ctx, buf, len)) < 0 && errno == EINTR);
  return (n);
}

int
main(int argc, char *argv[])
{
  static const char * const spaces[] = { "sgray", "srgb", "adobe-rgb", "rgb", "gray", "black", "cmyk", "device-n" };
  gw_raster_t       *r;
  gw_raster_page_t   page;
  gw_raster_status_t status;
  unsigned char     *line = NULL;
  int                fd, pages = 0;
  unsigned           announced = 0;

  if (argc != 2 || (fd = open(argv[1], O_RDONLY)) < 0)
  {
    fprintf(stderr, "usage: gw-raster-info FILE.pwg|FILE.urf\n");
    return (2);
  }

  if ((r = gwRasterOpen(GW_RASTER_TYPE_AUTO, read_cb, &fd, NULL)) == NULL)
    return (2);

  while ((status = gwRasterNextPage(r, &page)) == GW_RASTER_OK)
  {
    pages ++;
    announced = page.total_pages;
    printf("page=%u width=%u height=%u bits_per_color=%u colors=%u space=%s xres=%u yres=%u\n", page.number, page.width,
           page.height, page.bits_per_color, page.num_colors, (unsigned)page.color_space < 8 ? spaces[page.color_space] : "?",
           page.xres, page.yres);

    free(line);
    if ((line = malloc(page.bytes_per_line)) == NULL)
      return (2);

    for (uint32_t y = 0; y < page.height; y ++)
    {
      if ((status = gwRasterReadLine(r, line, page.bytes_per_line)) != GW_RASTER_OK)
        break;
    }
    if (status != GW_RASTER_OK)
      break;
  }

  printf("type=%s pages=%d announced=%u\n", gwRasterGetType(r) == GW_RASTER_TYPE_URF ? "urf" : "pwg", pages, announced);

  if (status != GW_RASTER_END)
    fprintf(stderr, "gw-raster-info: %s (%s)\n", gwRasterStatusString(status), gwRasterGetReason(r) ? gwRasterGetReason(r) : "");

  free(line);
  gwRasterClose(&r);
  close(fd);

  return (status == GW_RASTER_END && pages > 0 ? 0 : 1);
}
