/* png-gray: the seed's multimedia example, real. Converts a PNG (untrusted
 * input, decoded by libpng) to an 8-bit grayscale PNG.
 *
 *   png-gray IN.png OUT.png [--attack read|write|spawn|exec|connect]
 *
 * It opens its input and output, calls pledge("stdio", NULL), and only then
 * lets libpng near the data. If a crafted file took over the decoder, the
 * attacker would hold a process that can read and write those two open files
 * and nothing else: --attack plays what such an attacker would try next, and
 * each attempt is stopped by the kernel with a report line on stderr. */
#include <err.h>
#include <fcntl.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pledge.h>

static void convert(FILE *in, FILE *out) {
  png_structp rp = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop ri = rp ? png_create_info_struct(rp) : NULL;
  if (!ri) errx(1, "libpng: out of memory");
  png_bytep *rows = NULL;
  if (setjmp(png_jmpbuf(rp))) errx(1, "not a PNG libpng can decode");
  png_init_io(rp, in);
  png_read_info(rp, ri);
  /* Whatever the input: 8-bit gray, no alpha. */
  png_set_expand(rp);
  png_set_strip_16(rp);
  png_set_strip_alpha(rp);
  const int color = png_get_color_type(rp, ri);
  if (color & PNG_COLOR_MASK_COLOR) png_set_rgb_to_gray_fixed(rp, 1, -1, -1);
  png_set_interlace_handling(rp);
  png_read_update_info(rp, ri);
  const png_uint_32 w = png_get_image_width(rp, ri), h = png_get_image_height(rp, ri);
  const size_t rowbytes = png_get_rowbytes(rp, ri);
  if (png_get_channels(rp, ri) != 1 || rowbytes != w) errx(1, "unexpected layout after conversion");
  rows = malloc(sizeof *rows * h);
  if (!rows) errx(1, "out of memory");
  for (png_uint_32 y = 0; y < h; y++) {
    rows[y] = malloc(rowbytes);
    if (!rows[y]) errx(1, "out of memory");
  }
  png_read_image(rp, rows);
  png_read_end(rp, NULL);
  png_destroy_read_struct(&rp, &ri, NULL);

  png_structp wp = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop wi = wp ? png_create_info_struct(wp) : NULL;
  if (!wi) errx(1, "libpng: out of memory");
  if (setjmp(png_jmpbuf(wp))) errx(1, "libpng could not write the output");
  png_init_io(wp, out);
  png_set_IHDR(wp, wi, w, h, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(wp, wi);
  png_write_image(wp, rows);
  png_write_end(wp, NULL);
  png_destroy_write_struct(&wp, &wi);
  for (png_uint_32 y = 0; y < h; y++) free(rows[y]);
  free(rows);
  printf("converted %ux%u to grayscale\n", (unsigned)w, (unsigned)h);
}

/* What an attacker who owns the process would try next. */
static void attack(const char *what) {
  printf("attack: %s\n", what);
  fflush(stdout);
  int r = -1;
  if (strcmp(what, "read") == 0) r = open("/etc/passwd", O_RDONLY);
  else if (strcmp(what, "write") == 0) r = open("/tmp/seccomp-scopes-owned", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  else if (strcmp(what, "spawn") == 0) r = fork();
  else if (strcmp(what, "exec") == 0) r = execl("/bin/sh", "sh", "-c", "id", (char *)NULL);
  else if (strcmp(what, "connect") == 0) r = socket(AF_INET, SOCK_STREAM, 0);
  if (r == 0 && strcmp(what, "spawn") == 0) _exit(0);
  printf("attack: not stopped (%d)\n", r);
}

int main(int argc, char **argv) {
  if (argc != 3 && !(argc == 5 && strcmp(argv[3], "--attack") == 0)) {
    fprintf(stderr, "usage: %s IN.png OUT.png [--attack read|write|spawn|exec|connect]\n", argv[0]);
    return 2;
  }
  FILE *in = fopen(argv[1], "rb");
  if (!in) err(1, "%s", argv[1]);
  FILE *out = fopen(argv[2], "wb");
  if (!out) err(1, "%s", argv[2]);

  if (pledge("stdio", NULL) == -1) err(1, "pledge");
  /* From here on: I/O on the two open files, memory, exit. */

  convert(in, out);
  if (fclose(out) != 0) err(1, "%s", argv[2]);
  fclose(in);
  if (argc == 5) attack(argv[4]);
  return 0;
}
