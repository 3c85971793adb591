/*
 * The physical reference for bench/fuse.ts: a libfuse 2 filesystem that does nothing but
 * answer getattr for "/" and "/f" and count the requests it served. Run in the foreground
 * (-f); on SIGTERM/SIGINT libfuse unmounts and the count is printed: "<requests>".
 * Build: gcc -O2 -o noopfs noopfs.c $(pkg-config fuse --cflags --libs)
 */
#define FUSE_USE_VERSION 26
#include <errno.h>
#include <fuse.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static long requests;

static int noop_getattr(const char *path, struct stat *st) {
  __atomic_fetch_add(&requests, 1, __ATOMIC_RELAXED);
  memset(st, 0, sizeof *st);
  if (strcmp(path, "/") == 0) { st->st_mode = S_IFDIR | 0755; st->st_nlink = 2; return 0; }
  if (strcmp(path, "/f") == 0) { st->st_mode = S_IFREG | 0644; st->st_nlink = 1; st->st_size = 4096; return 0; }
  return -ENOENT;
}

static struct fuse_operations ops = { .getattr = noop_getattr };

int main(int argc, char **argv) {
  int rc = fuse_main(argc, argv, &ops, NULL);
  printf("%ld\n", requests);
  fflush(stdout);
  return rc;
}
