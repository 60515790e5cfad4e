#define _GNU_SOURCE
#include "CLibc.h"
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

_Static_assert(sizeof(struct slug_mmsghdr) == sizeof(struct mmsghdr), "struct mmsghdr layout");
_Static_assert(__builtin_offsetof(struct slug_mmsghdr, msg_len) == __builtin_offsetof(struct mmsghdr, msg_len),
               "struct mmsghdr layout");

static int saved_argc;
static char *const *saved_argv;

/* glibc calls every init_array entry with (argc, argv, envp), in static and dynamic
 * executables alike, before main. */
__attribute__((constructor)) static void save_arguments(int argc, char **argv, char **envp) {
  (void)envp;
  saved_argc = argc;
  saved_argv = argv;
}

int slug_argc(void) { return saved_argc; }

char *const *slug_argv(void) { return saved_argv; }

int slug_errno(void) { return errno; }

int slug_fcntl(int fd, int command, int argument) { return fcntl(fd, command, argument); }

int slug_open(const char *path, int flags, mode_t mode) { return open(path, flags, mode); }

void slug_syslog(int priority, const char *line) { syslog(priority, "%s", line); }

void slug_ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

int slug_no_new_privileges(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }

int slug_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *directory) {
  return posix_spawn_file_actions_addchdir_np(actions, directory);
}

char **slug_environ(void) { return environ; }

int slug_recvmmsg(int fd, struct slug_mmsghdr *messages, unsigned int count, int flags) {
  return recvmmsg(fd, (struct mmsghdr *)messages, count, flags, NULL);
}

int slug_sendmmsg(int fd, struct slug_mmsghdr *messages, unsigned int count, int flags) {
  return sendmmsg(fd, (struct mmsghdr *)messages, count, flags);
}

int slug_open_tmpfile(const char *directory) {
  return open(directory, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
}

int slug_memfd(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

int slug_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

void slug_default_sigchld(void) {
  signal(SIGCHLD, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int slug_peer_credentials(int fd, pid_t *pid, uid_t *uid) {
  struct ucred credentials;
  socklen_t length = sizeof credentials;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -1;
  *pid = credentials.pid;
  *uid = credentials.uid;
  return 0;
}

int slug_accept_nonblocking(int fd) { return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); }

int slug_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from) {
  return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

const short slug_spawn_setsid = POSIX_SPAWN_SETSID;

int slug_set_undumpable(void) { return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }

union slug_semun {
  int value;
  struct semid_ds *status;
  unsigned short *values;
};

static int slug_slots_initialised(int set) {
  struct semid_ds status;
  union slug_semun argument = {.status = &status};
  for (int attempt = 0; attempt < 50; attempt++) {
    if (semctl(set, 0, IPC_STAT, argument) != 0) return -1;
    /* A set another user made first (mode 0666, every count 0) would refuse every client:
     * only one this user made, and no one else may change, is ours. */
    if (status.sem_perm.cuid != geteuid() || status.sem_perm.uid != geteuid() || (status.sem_perm.mode & 0777) != 0600) {
      errno = EPERM;
      return -1;
    }
    if (status.sem_otime != 0) return 1;
    usleep(1000);
  }
  return 0;
}

int slug_slots_open(key_t key, int count, int total, int per_source) {
  if (count < 2 || count > 32000 || total < 1 || per_source < 1) {
    errno = EINVAL;
    return -1;
  }
  for (int attempt = 0; attempt < 2; attempt++) {
    int set = semget(key, count, IPC_CREAT | IPC_EXCL | 0600);
    if (set >= 0) {
      unsigned short values[count];
      values[0] = (unsigned short)total;
      for (int index = 1; index < count; index++) values[index] = (unsigned short)per_source;
      union slug_semun argument = {.values = values};
      struct sembuf touch[2] = {{0, -1, IPC_NOWAIT}, {0, 1, IPC_NOWAIT}};
      if (semctl(set, 0, SETALL, argument) != 0 || semop(set, touch, 2) != 0) return -1;
      return set;
    }
    if (errno != EEXIST) return -1;
    set = semget(key, count, 0600);
    if (set < 0) return -1;
    int ready = slug_slots_initialised(set);
    if (ready < 0) {
      if (errno == EINVAL || errno == EIDRM) continue;
      return -1;
    }
    if (ready) return set;
    semctl(set, 0, IPC_RMID);
  }
  errno = EAGAIN;
  return -1;
}

static int slug_slots_operate(int set, unsigned short bucket, short change, short flags) {
  struct sembuf operations[2] = {{0, change, flags | SEM_UNDO}, {bucket, change, flags | SEM_UNDO}};
  return semop(set, operations, 2);
}

int slug_slots_take(int set, unsigned short bucket) { return slug_slots_operate(set, bucket, -1, IPC_NOWAIT); }

int slug_slots_give(int set, unsigned short bucket) { return slug_slots_operate(set, bucket, 1, 0); }

int slug_slots_value(int set, int index) { return semctl(set, index, GETVAL); }
