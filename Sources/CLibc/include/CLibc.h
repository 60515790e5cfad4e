/* The C library as the daemons see it. Embedded Swift cannot import the Glibc overlay, so
 * Runtime and Store import these headers directly (embedded and not, one code path), plus the
 * few things the overlay used to provide: argv, errno, non-variadic fcntl, open and syslog. */
#ifndef SLUG_CLIBC_H
#define SLUG_CLIBC_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/sem.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* glibc declares SOCK_STREAM and its kin as an enum, which Swift imports as __socket_type;
 * musl declares them as macros, which Swift imports as Int32. These are both, as int. */
static const int slug_sock_stream = SOCK_STREAM;
static const int slug_sock_dgram = SOCK_DGRAM;
static const int slug_sock_seqpacket = SOCK_SEQPACKET;
static const int slug_sock_cloexec = SOCK_CLOEXEC;
static const int slug_sock_nonblock = SOCK_NONBLOCK;

/* argc and argv as the process started: Embedded Swift has no CommandLine. */
int slug_argc(void);
char *const *slug_argv(void);

/* errno is a macro over __errno_location(), which Swift cannot import. */
int slug_errno(void);

/* fcntl(2) is variadic; this is its int-argument form (F_GETFL, F_SETFL, F_SETFD...). */
int slug_fcntl(int fd, int command, int argument);

/* open(2) is variadic; this is its three-argument form (the mode counts only with O_CREAT). */
int slug_open(const char *path, int flags, mode_t mode);
int slug_openat(int directory, const char *path, int flags, mode_t mode);

/* struct tm's offset from UTC in seconds: glibc names the field tm_gmtoff, musl __tm_gmtoff
 * behind a macro Swift cannot see. */
int slug_tm_gmtoff(const struct tm *time);

/* The daemons' syslog (syslog.c): openlog with LOG_PID and LOG_NDELAY, then one preformatted
 * line per call, sent without a time stamp (the syslog daemon adds its own). */
void slug_openlog(const char *ident, int facility);
void slug_syslog(int priority, const char *line);

/* signal(SIGPIPE, SIG_IGN): SIG_IGN is a cast macro Swift cannot import. */
void slug_ignore_sigpipe(void);

/* prctl(PR_SET_NO_NEW_PRIVS, 1): prctl is variadic. From then on no exec, by the process or
 * anything it starts, gains privileges (set-user-ID and set-group-ID bits, file capabilities). */
int slug_no_new_privileges(void);

/* posix_spawn_file_actions_addchdir_np (glibc 2.29) is a GNU extension, hidden from Swift. */
int slug_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *directory);

/* The process environment, for posix_spawn (environ is hidden without _GNU_SOURCE). */
char **slug_environ(void);

/* struct mmsghdr, recvmmsg(2) and sendmmsg(2) are GNU extensions, hidden from Swift unless
 * _GNU_SOURCE; this is the same layout under a name of our own. */
struct slug_mmsghdr {
  struct msghdr msg_hdr;
  unsigned int msg_len;
};

/* recvmmsg without a timeout: the caller passes MSG_DONTWAIT and polls. */
int slug_recvmmsg(int fd, struct slug_mmsghdr *messages, unsigned int count, int flags);
int slug_sendmmsg(int fd, struct slug_mmsghdr *messages, unsigned int count, int flags);

/* A nameless file for the SMTP spool, gone when the last descriptor closes (even after
 * kill -9): open(DIRECTORY, O_TMPFILE) on disk, else memfd_create in memory. -1 on failure. */
int slug_open_tmpfile(const char *directory);
int slug_memfd(const char *name);

/* pidfd_open(2), so a child's exit can be waited for with poll and a deadline. */
int slug_pidfd_open(pid_t pid);

/* SIGCHLD to its default and unblocked: a parent that ignores it (swaks --pipe) would make
 * waitpid lose the child's exit status. */
void slug_default_sigchld(void);

/* SO_PEERCRED's struct ucred is hidden without _GNU_SOURCE: the peer's pid and uid of a
 * connected Unix-domain socket, as they were at connect(2). 0, or -1 with errno. */
int slug_peer_credentials(int fd, pid_t *pid, uid_t *uid);

/* accept4(2) (a GNU extension) with SOCK_NONBLOCK | SOCK_CLOEXEC, peer address not wanted. */
int slug_accept_nonblocking(int fd);

/* posix_spawn_file_actions_addclosefrom_np (glibc 2.34, a GNU extension): a detached child
   keeps no descriptor of ours (a caller's pipe, a client's socket) past FROM. */
int slug_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from);

/* prctl(PR_SET_DUMPABLE, 0) (prctl is variadic, which Swift cannot call): a process holding the
 * mesh key cannot be traced, nor its memory read through /proc, by another process of its
 * user. 0, or -1 with errno. */
int slug_set_undumpable(void);

/* Connection slots: a System V semaphore set of COUNT semaphores under KEY, mode 0600 (the
 * daemon's user alone), semaphore 0 holding TOTAL and every other PER_SOURCE. The process that
 * creates it (IPC_EXCL) sets the values and then operates once, which sets sem_otime; the
 * others wait (at most about 50 ms) for sem_otime, and remove a set whose creator died before
 * that and try again. The set's id, or -1 with errno. semctl is variadic, which Swift cannot
 * call. */
int slug_slots_open(key_t key, int count, int total, int per_source);

/* Takes one of semaphore 0 and one of BUCKET at once, IPC_NOWAIT | SEM_UNDO: the kernel gives
 * them back when the process exits however it ends, and a child (fork, posix_spawn) does not
 * inherit the hold. 0, or -1 with errno (EAGAIN: a cap is reached). */
int slug_slots_take(int set, unsigned short bucket);

/* Gives back what slug_slots_take took, cancelling its undo entry. 0, or -1 with errno. */
int slug_slots_give(int set, unsigned short bucket);

/* A semaphore's value (semctl GETVAL), or -1 with errno. */
int slug_slots_value(int set, int index);

/* POSIX_SPAWN_SETSID (glibc 2.26) is hidden without _GNU_SOURCE; this is its value. */
extern const short slug_spawn_setsid;

/* SHA-256's compression of one 64-byte block into STATE (H0..H7) on the CPU's SHA extensions
 * (sha256.c): 1 when done, 0 when this CPU has none, for the caller's portable code. */
int slug_sha256_compress(uint32_t state[8], const unsigned char *block);

/* epoll(7) without struct epoll_event, which is packed on x86-64 and awkward to import.
 * slug_epoll_create: epoll_create1(EPOLL_CLOEXEC). slug_epoll_set: epoll_ctl with OP
 * (EPOLL_CTL_ADD, _MOD or _DEL) and EVENTS (the POLLIN, POLLOUT... bits, which epoll shares).
 * slug_epoll_wait: up to COUNT ready descriptors into FDS and their events into EVENTS; the
 * number, or -1 with errno. */
int slug_epoll_create(void);
int slug_epoll_set(int epoll, int op, int fd, unsigned events);
int slug_epoll_wait(int epoll, int *fds, unsigned *events, int count, int milliseconds);
extern const int slug_epoll_add, slug_epoll_modify;

/* The abstract names (without their NUL) of the listening SOCK_SEQPACKET Unix sockets whose
 * names begin with PREFIX, from the kernel's socket diagnostics (sock_diag(7), what ss uses):
 * the kernel picks the listeners, where /proc/net/unix lists every Unix socket of the system
 * as text. Written into NAMES, each ended by a newline; the bytes written, -1 when the
 * diagnostics cannot be had (no unix_diag in the kernel), -2 when NAMES is too small. */
long slug_unix_listening_names(const char *prefix, char *names, size_t size);

/* in.dns's shared cache (dnscache.c): a POSIX shared memory object of SIZE bytes (between the
 * two bounds, a multiple of 8) under NAME ("/slug-dns-..."), mode 0600, opened without
 * following links. slug_dnscache_open maps it, creating it when CREATE (and making it anew
 * when it has another size or layout version, or is damaged); without CREATE it maps what is
 * there, whatever its size. The object must be a regular file of this user (root: of any
 * user) that no one else may open. The mapping (its size in *MAPPED), or NULL with errno:
 * ENOENT (none, without CREATE), EPERM (not ours), EINVAL (not a cache). */
#define SLUG_DNSCACHE_MINIMUM 262144u /* 256 KiB */
#define SLUG_DNSCACHE_MAXIMUM 67108864u /* 64 MiB */
void *slug_dnscache_open(const char *name, size_t size, int create, size_t *mapped);
void slug_dnscache_close(void *cache, size_t mapped);

/* The response stored for KEY if it is fresh at NOW (seconds on CLOCK_BOOTTIME), copied into
 * BUFFER, and when it was stored: its length, 0 when there is none (or it does not fit), -1
 * when the lock could not be had within 200 ms (a holder that is stopped, not dead). */
long slug_dnscache_lookup(void *cache, const uint8_t *key, size_t key_length, int64_t now, uint8_t *buffer,
                          size_t capacity, int64_t *stored);

/* Stores RESPONSE for KEY from NOW until EXPIRES, in place of any older one, evicting the
 * oldest entries to make room. 0, or -1 with errno (EMSGSIZE: more than a quarter of the cache). */
int slug_dnscache_insert(void *cache, const uint8_t *key, size_t key_length, const uint8_t *response,
                         size_t response_length, int64_t now, int64_t expires);

struct slug_dnscache_statistics {
  uint64_t bytes, entries, lookups, hits, inserts, evictions, generation;
};
int slug_dnscache_statistics(void *cache, struct slug_dnscache_statistics *statistics);

/* Empties the cache (its counters stay; the flush generation counts up). 0, or -1 with errno. */
int slug_dnscache_flush(void *cache);

/* For tests: takes the cache's lock and keeps it, as a process killed in the middle of an
 * update would. 0, or an errno value. */
int slug_dnscache_hold_lock(void *cache);

#endif
