/*
 * Load generator for bench/fuse.ts (C, so the client is never the bottleneck).
 *   loadgen stat <path> <seconds> <procs>        stat() one path in a loop from <procs> processes
 *   loadgen smallfiles <dir> <seconds> <procs>   create + 4 KiB write + close, each process in <dir>/p<n>/
 *   loadgen seqwrite <file> <MiB>                sequential 1 MiB writes, then fsync
 *   loadgen seqread <file>                       sequential 1 MiB reads to the end
 * Prints one line: "<operations or bytes> <elapsed seconds>".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run_procs(const char *mode, const char *path, double secs, int procs) {
  long *counts = mmap(NULL, sizeof(long) * procs, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  double t0 = now();
  for (int p = 0; p < procs; p++) {
    if (fork() == 0) {
      long n = 0;
      double end = t0 + secs;
      if (strcmp(mode, "stat") == 0) {
        struct stat st;
        while (1) {
          for (int i = 0; i < 64; i++) { if (stat(path, &st) != 0) { perror("stat"); _exit(1); } n++; }
          if (now() >= end) break;
        }
      } else {
        char dir[4096], file[4200];
        static char buf[4096];
        memset(buf, 'x', sizeof buf);
        snprintf(dir, sizeof dir, "%s/p%d", path, p);
        mkdir(dir, 0755);
        while (now() < end) {
          snprintf(file, sizeof file, "%s/f%ld", dir, n);
          int fd = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0644);
          if (fd < 0 || write(fd, buf, sizeof buf) != sizeof buf || close(fd) != 0) { perror("smallfile"); _exit(1); }
          n++;
        }
      }
      counts[p] = n;
      _exit(0);
    }
  }
  int ok = 1, status;
  for (int p = 0; p < procs; p++) { wait(&status); if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ok = 0; }
  double el = now() - t0;
  long total = 0;
  for (int p = 0; p < procs; p++) total += counts[p];
  printf("%ld %.6f\n", total, el);
  return ok ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc >= 5 && (strcmp(argv[1], "stat") == 0 || strcmp(argv[1], "smallfiles") == 0)) return run_procs(argv[1], argv[2], atof(argv[3]), atoi(argv[4]));
  static char buf[1 << 20];
  if (argc >= 4 && strcmp(argv[1], "seqwrite") == 0) {
    memset(buf, 'v', sizeof buf);
    long mib = atol(argv[3]);
    double t0 = now();
    int fd = open(argv[2], O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0) { perror("open"); return 1; }
    for (long i = 0; i < mib; i++) if (write(fd, buf, sizeof buf) != sizeof buf) { perror("write"); return 1; }
    if (fsync(fd) != 0 || close(fd) != 0) { perror("fsync"); return 1; }
    printf("%ld %.6f\n", mib << 20, now() - t0);
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "seqread") == 0) {
    double t0 = now();
    int fd = open(argv[2], O_RDONLY);
    if (fd < 0) { perror("open"); return 1; }
    long total = 0;
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0) total += r;
    if (r < 0) { perror("read"); return 1; }
    close(fd);
    printf("%ld %.6f\n", total, now() - t0);
    return 0;
  }
  fprintf(stderr, "usage: loadgen stat|smallfiles <path> <seconds> <procs> | seqwrite <file> <MiB> | seqread <file>\n");
  return 2;
}
