/* nosync.c — LD_PRELOAD shim for bench/store/run.sh only: fsync and
 * fdatasync return at once, so a run with it shows what syncing every
 * commit (synchronous = FULL) costs. Never use it for real data. */
#include <unistd.h>

int fsync(int fd) { (void)fd; return 0; }
int fdatasync(int fd) { (void)fd; return 0; }
