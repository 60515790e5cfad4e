/* Making, checking and mapping in.dns's cache object (the layout: dnscache.h). */
#include "dnscache.h"
#include <sys/file.h>
#include <sys/mman.h>

/* The layout a total size gets: about one bucket per 128 bytes of ring, a power of two. */
static void cache_layout(size_t total, uint32_t *buckets, uint32_t *ring_offset, uint32_t *ring_size) {
  uint32_t count = 256;
  while ((size_t)count * 2 * 128 <= total) count *= 2;
  *buckets = count;
  *ring_offset = (uint32_t)ALIGN8(HEADER_SIZE + (size_t)count * 4);
  *ring_size = (uint32_t)((total - *ring_offset) & ~(size_t)7);
}


/* The header's own fields are consistent with the layout its size gets. */
static int cache_layout_valid(struct cache_header *header, size_t total) {
  uint32_t buckets, ring_offset, ring_size;
  cache_layout(total, &buckets, &ring_offset, &ring_size);
  return header->version == CACHE_VERSION && header->total_size == total && header->bucket_count == buckets &&
         header->ring_offset == ring_offset && header->ring_size == ring_size;
}


static int cache_initialise(struct cache_header *header, size_t total) {
  memset(header, 0, HEADER_SIZE);
  header->version = CACHE_VERSION;
  header->total_size = total;
  cache_layout(total, &header->bucket_count, &header->ring_offset, &header->ring_size);
  /* The hash is keyed, so that no one can pick names that all land in one chain. */
  if (getrandom(&header->seed, sizeof header->seed, 0) != sizeof header->seed) return -1;
  header->generation = 0;
  memset(cache_buckets(header), 0, (size_t)header->bucket_count * 4);
  __atomic_store_n(&header->magic, CACHE_MAGIC, __ATOMIC_RELEASE);
  return 0;
}

static int cache_ready(struct cache_header *header, size_t total) {
  return __atomic_load_n(&header->magic, __ATOMIC_ACQUIRE) == CACHE_MAGIC && cache_layout_valid(header, total);
}

/* What the object may be: a regular file of ours (root may read another user's: slugctl),
 * open to no one else. */
static int cache_owned(const struct stat *status) {
  uid_t user = geteuid();
  return S_ISREG(status->st_mode) && (status->st_uid == user || user == 0) && (status->st_mode & 077) == 0;
}

/* Removes NAME when it is still the object STATUS describes, not one another process has
 * just made in its place. */
static void cache_unlink_name(const char *name, const struct stat *status) {
  int fd = shm_open(name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0) return;
  struct stat current;
  if (fstat(fd, &current) == 0 && current.st_ino == status->st_ino && current.st_dev == status->st_dev) shm_unlink(name);
  close(fd);
}

/* Gives up the descriptor and its file lock. The lock goes with the open file, which a mapping
 * keeps open after close(2): it must be let go of by name. */
static void cache_release(int fd) {
  flock(fd, LOCK_UN);
  close(fd);
}

/* The file lock, waited for at most a second: making the object takes a process far less,
 * and one stopped half-way must not hold up every in.dns that starts. */
static int cache_file_lock(int fd) {
  for (int attempt = 0; attempt < 100; attempt++) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return 0;
    if (errno != EWOULDBLOCK && errno != EINTR) return -1;
    usleep(10000);
  }
  return -1;
}

void *slug_dnscache_open(const char *name, size_t bytes, int create, size_t *mapped) {
  if (create && (bytes < SLUG_DNSCACHE_MINIMUM || bytes > SLUG_DNSCACHE_MAXIMUM || bytes % 8 != 0)) {
    errno = EINVAL;
    return NULL;
  }
  for (int attempt = 0; attempt < 3; attempt++) {
    int fd = shm_open(name, O_RDWR | O_NOFOLLOW | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
    if (fd < 0) return NULL;
    struct stat status;
    if (fstat(fd, &status) != 0 || !cache_owned(&status)) {
      cache_release(fd);
      errno = EPERM;
      return NULL;
    }
    size_t size = create ? bytes : (size_t)status.st_size;
    if (!create && (size < SLUG_DNSCACHE_MINIMUM || size > SLUG_DNSCACHE_MAXIMUM)) {
      cache_release(fd);
      errno = EINVAL;
      return NULL;
    }
    struct cache_header *header = NULL;
    /* The usual case costs no lock: the object is there, whole, the size asked. */
    if ((size_t)status.st_size == size) {
      header = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (header == MAP_FAILED) header = NULL;
      if (header && cache_ready(header, size)) {
        cache_release(fd);
        *mapped = size;
        return header;
      }
    }
    /* Being made, or not right: whoever holds the file lock makes it, one at a time. */
    if (cache_file_lock(fd) != 0) {
      if (header) munmap(header, size);
      cache_release(fd);
      errno = EAGAIN;
      return NULL;
    }
    if (fstat(fd, &status) != 0 || status.st_nlink == 0) {
      /* Unlinked meanwhile by a process that makes it anew: start again. */
      if (header) munmap(header, size);
      cache_release(fd);
      continue;
    }
    if (header == NULL && (size_t)status.st_size == size) {
      header = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (header == MAP_FAILED) header = NULL;
    }
    if (header && (size_t)status.st_size == size && cache_ready(header, size)) {
      cache_release(fd); /* and its lock */
      *mapped = size;
      return header;
    }
    int fresh = status.st_size == 0 ||
                ((size_t)status.st_size == size && header && __atomic_load_n(&header->magic, __ATOMIC_ACQUIRE) != CACHE_MAGIC);
    if (create && fresh) {
      if (header == NULL && ftruncate(fd, (off_t)size) == 0) {
        header = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (header == MAP_FAILED) header = NULL;
      }
      if (header && cache_initialise(header, size) == 0) {
        cache_release(fd);
        *mapped = size;
        return header;
      }
    }
    if (header) munmap(header, size);
    /* Another size or version (an older in.dns, another --cache-size), or damaged: made anew
     * under the same name. Processes that mapped the old object keep it until they exit. */
    if (create && !fresh) cache_unlink_name(name, &status);
    cache_release(fd);
    if (!create) {
      errno = EINVAL;
      return NULL;
    }
  }
  errno = EAGAIN;
  return NULL;
}

void slug_dnscache_close(void *cache, size_t mapped) { munmap(cache, mapped); }
