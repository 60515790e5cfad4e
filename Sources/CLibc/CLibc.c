#define _GNU_SOURCE
#include "CLibc.h"
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

_Static_assert(sizeof(struct slug_mmsghdr) == sizeof(struct mmsghdr), "struct mmsghdr layout");
_Static_assert(__builtin_offsetof(struct slug_mmsghdr, msg_len) == __builtin_offsetof(struct mmsghdr, msg_len),
               "struct mmsghdr layout");

static int saved_argc;
static char *const *saved_argv;

#if defined(__GLIBC__)
/* glibc calls every init_array entry with (argc, argv, envp), in static and dynamic
 * executables alike, before main. */
__attribute__((constructor)) static void save_arguments(int argc, char **argv, char **envp) {
  (void)envp;
  saved_argc = argc;
  saved_argv = argv;
}
#else
/* musl calls constructors with no arguments: the daemons' main (musl.c) hands them over. */
void slug_save_arguments(int argc, char **argv) {
  saved_argc = argc;
  saved_argv = argv;
}
#endif

int slug_argc(void) { return saved_argc; }

char *const *slug_argv(void) { return saved_argv; }

int slug_errno(void) { return errno; }

int slug_tm_gmtoff(const struct tm *time) { return (int)time->tm_gmtoff; }

int slug_fcntl(int fd, int command, int argument) { return fcntl(fd, command, argument); }

int slug_open(const char *path, int flags, mode_t mode) { return open(path, flags, mode); }
int slug_openat(int directory, const char *path, int flags, mode_t mode) { return openat(directory, path, flags, mode); }

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
#if defined(__GLIBC__)
  return posix_spawn_file_actions_addclosefrom_np(actions, from);
#else
  /* musl has no closefrom action: close, in the child, each descriptor open now from `from`
   * up. Descriptors the parent opens after this call are its own business (all are
   * close-on-exec). */
  DIR *open_now = opendir("/proc/self/fd");
  if (open_now == NULL) return errno;
  int listing = dirfd(open_now), result = 0;
  struct dirent *entry;
  while (result == 0 && (entry = readdir(open_now)) != NULL) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    int fd = atoi(entry->d_name);
    if (fd >= from && fd != listing) result = posix_spawn_file_actions_addclose(actions, fd);
  }
  closedir(open_now);
  return result;
#endif
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

int slug_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int slug_epoll_set(int epoll, int op, int fd, unsigned events) {
  struct epoll_event event = {.events = events, .data.fd = fd};
  return epoll_ctl(epoll, op, fd, &event);
}

int slug_epoll_wait(int epoll, int *fds, unsigned *events, int count, int milliseconds) {
  struct epoll_event ready[64];
  if (count > 64) count = 64;
  int found = epoll_wait(epoll, ready, count, milliseconds);
  for (int index = 0; index < found; index++) {
    fds[index] = ready[index].data.fd;
    events[index] = ready[index].events;
  }
  return found;
}

const int slug_epoll_add = EPOLL_CTL_ADD, slug_epoll_modify = EPOLL_CTL_MOD;

long slug_unix_listening_names(const char *prefix, char *names, size_t size) {
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return -1;
  struct {
    struct nlmsghdr header;
    struct unix_diag_req request;
  } query = {
    .header = {.nlmsg_len = sizeof query, .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1},
    .request = {.sdiag_family = AF_UNIX, .udiag_states = 1 << 10 /* TCP_LISTEN */, .udiag_show = UDIAG_SHOW_NAME},
  };
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  if (sendto(fd, &query, sizeof query, 0, (struct sockaddr *)&kernel, sizeof kernel) != (ssize_t)sizeof query) {
    close(fd);
    return -1;
  }
  size_t prefix_length = strlen(prefix), used = 0;
  long result = -1;
  /* The kernel fills a dump's later parts to the size asked for, so each fits here whole. */
  char buffer[16384] __attribute__((aligned(8)));
  for (;;) {
    ssize_t length = recv(fd, buffer, sizeof buffer, 0);
    if (length < 0 && errno == EINTR) continue;
    if (length <= 0) break;
    for (struct nlmsghdr *header = (struct nlmsghdr *)buffer; NLMSG_OK(header, (size_t)length);
         header = NLMSG_NEXT(header, length)) {
      if (header->nlmsg_type == NLMSG_DONE) {
        result = result == -2 ? -2 : (long)used;
        goto done;
      }
      if (header->nlmsg_type == NLMSG_ERROR) goto done;
      if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY || header->nlmsg_len < NLMSG_LENGTH(sizeof(struct unix_diag_msg))) continue;
      struct unix_diag_msg *socket_info = NLMSG_DATA(header);
      if (socket_info->udiag_type != SOCK_SEQPACKET || socket_info->udiag_state != 10) continue;
      int rest = (int)(header->nlmsg_len - NLMSG_LENGTH(sizeof *socket_info));
      for (struct rtattr *attribute = (struct rtattr *)(socket_info + 1); RTA_OK(attribute, rest);
           attribute = RTA_NEXT(attribute, rest)) {
        if (attribute->rta_type != UNIX_DIAG_NAME) continue;
        const char *name = RTA_DATA(attribute);
        size_t name_length = RTA_PAYLOAD(attribute);
        /* Abstract: a NUL first. */
        if (name_length < 1 + prefix_length || name[0] != 0 || memcmp(name + 1, prefix, prefix_length) != 0) continue;
        if (used + name_length > size) {
          result = -2;
          continue;
        }
        memcpy(names + used, name + 1, name_length - 1);
        used += name_length - 1;
        names[used++] = '\n';
      }
    }
  }
done:
  close(fd);
  return result;
}
