/* The storage of in.dns's shared cache: a POSIX shared memory object every in.dns process (the
 * long-lived UDP one, the TCP ones inetd starts per connection) and slugctl map. What an entry
 * means (keys, lifetimes, TTLs) is Swift's business (Sources/Services/DNS/Cache*.swift); here
 * are the layout, the lock and the bookkeeping that must be C's: a process-shared robust
 * pthread mutex, and offsets into memory another process may have left half-written.
 *
 * Layout: the header, then an index of BUCKETS chain heads (uint32: a record's ring offset + 1,
 * 0 for none), then the ring. Records go in at the ring's head and are evicted from its tail,
 * oldest first, so every operation is O(1) (a chain walk aside) and nothing ever grows. A
 * record's length 0 marks where the head wrapped to the ring's start.
 *
 * Nothing read from the object is trusted: every offset and length is checked before use, and
 * a check that fails empties the cache (a flush) rather than follow it. */
#define _GNU_SOURCE
#include "CLibc.h"
#include <pthread.h>
#include <sys/file.h>
#include <sys/mman.h>

#define CACHE_MAGIC 0x3145484341434e44ULL /* "DNCACHE1", little endian */
#define CACHE_VERSION 1
#define LOCK_WAIT_NS 200000000L

struct cache_header {
  uint64_t magic; /* written last, when the rest is ready */
  uint32_t version, bucket_count;
  uint64_t total_size, seed;
  uint32_t ring_offset, ring_size;
  uint32_t head, tail;   /* ring offsets: where the next record goes; the oldest record */
  uint32_t records;      /* records in the ring, live or replaced */
  uint32_t entries;      /* records in the index */
  uint64_t lookups, hits, inserts, evictions, generation;
  pthread_mutex_t mutex;
};

struct cache_record {
  uint32_t length; /* the whole record, a multiple of 8; 0: the head wrapped here */
  uint32_t next;   /* the next record of its chain, offset + 1; 0: none */
  uint64_t hash;
  int64_t stored, expires;
  uint16_t key_length, response_length;
  uint32_t live; /* 1 while in the index; 0 once replaced by a newer record for its key */
};

#define HEADER_SIZE ((sizeof(struct cache_header) + 63) & ~(size_t)63)
#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

/* The layout a total size gets: about one bucket per 128 bytes of ring, a power of two. */
static void cache_layout(size_t total, uint32_t *buckets, uint32_t *ring_offset, uint32_t *ring_size) {
  uint32_t count = 256;
  while ((size_t)count * 2 * 128 <= total) count *= 2;
  *buckets = count;
  *ring_offset = (uint32_t)ALIGN8(HEADER_SIZE + (size_t)count * 4);
  *ring_size = (uint32_t)((total - *ring_offset) & ~(size_t)7);
}

static uint32_t *cache_buckets(struct cache_header *header) {
  return (uint32_t *)((char *)header + HEADER_SIZE);
}

static char *cache_ring(struct cache_header *header) { return (char *)header + header->ring_offset; }

/* Empties the cache: no record, no chain; the counters stay. */
static void cache_reset(struct cache_header *header) {
  memset(cache_buckets(header), 0, (size_t)header->bucket_count * 4);
  header->head = header->tail = header->records = header->entries = 0;
  header->generation++;
}

/* The record at OFFSET when it lies wholly inside the ring and its sizes add up, else NULL. */
static struct cache_record *cache_record_at(struct cache_header *header, uint32_t offset) {
  if (offset % 8 != 0 || (size_t)offset + sizeof(struct cache_record) > header->ring_size) return NULL;
  struct cache_record *record = (struct cache_record *)(cache_ring(header) + offset);
  if (record->length % 8 != 0 || record->length < sizeof *record || record->length > header->ring_size - offset) return NULL;
  if (sizeof *record + (size_t)record->key_length + record->response_length > record->length) return NULL;
  return record;
}

/* The header's own fields are consistent with the layout its size gets. */
static int cache_layout_valid(struct cache_header *header, size_t total) {
  uint32_t buckets, ring_offset, ring_size;
  cache_layout(total, &buckets, &ring_offset, &ring_size);
  return header->version == CACHE_VERSION && header->total_size == total && header->bucket_count == buckets &&
         header->ring_offset == ring_offset && header->ring_size == ring_size;
}

/* The ring's positions make sense; a process killed half-way, or a stray write, may leave them
 * otherwise. */
static int cache_positions_valid(struct cache_header *header) {
  return header->head % 8 == 0 && header->tail % 8 == 0 && header->head <= header->ring_size &&
         header->tail <= header->ring_size && header->entries <= header->records &&
         header->records <= header->ring_size / sizeof(struct cache_record);
}

/* Locks the cache, waiting at most LOCK_WAIT_NS: a process stopped while holding it must not
 * stall every query. A holder that died (EOWNERDEAD) may have left the ring half-written, so
 * the cache is emptied. 0, or an errno value. */
static int cache_lock(struct cache_header *header) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_nsec += LOCK_WAIT_NS;
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec++;
    deadline.tv_nsec -= 1000000000L;
  }
  int result = pthread_mutex_timedlock(&header->mutex, &deadline);
  if (result == EOWNERDEAD) {
    pthread_mutex_consistent(&header->mutex);
    cache_reset(header);
    return 0;
  }
  if (result == 0 && !cache_positions_valid(header)) cache_reset(header);
  return result;
}

static void cache_unlock(struct cache_header *header) { pthread_mutex_unlock(&header->mutex); }

static int cache_initialise(struct cache_header *header, size_t total) {
  memset(header, 0, HEADER_SIZE);
  header->version = CACHE_VERSION;
  header->total_size = total;
  cache_layout(total, &header->bucket_count, &header->ring_offset, &header->ring_size);
  /* The hash is keyed, so that no one can pick names that all land in one chain. */
  if (getrandom(&header->seed, sizeof header->seed, 0) != sizeof header->seed) return -1;
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST);
  int result = pthread_mutex_init(&header->mutex, &attributes);
  pthread_mutexattr_destroy(&attributes);
  if (result != 0) return -1;
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

uint64_t slug_dnscache_hash(const void *cache, const uint8_t *key, size_t length) {
  const struct cache_header *header = cache;
  uint64_t hash = 0xcbf29ce484222325ULL ^ header->seed;
  for (size_t index = 0; index < length; index++) hash = (hash ^ key[index]) * 0x100000001b3ULL;
  /* MurmurHash3's finaliser, so the seed reaches every bit. */
  hash ^= header->seed;
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ULL;
  return hash ^ (hash >> 33);
}

/* The live record for KEY (and where its chain link is), NULL when there is none; *broken is
 * set when a chain leads somewhere impossible. */
static struct cache_record *cache_find(struct cache_header *header, uint64_t hash, const uint8_t *key,
                                       size_t key_length, uint32_t **link, int *broken) {
  *link = &cache_buckets(header)[hash & (header->bucket_count - 1)];
  for (uint32_t steps = 0; **link != 0; steps++) {
    struct cache_record *record = cache_record_at(header, **link - 1);
    if (record == NULL || steps > header->records) {
      *broken = 1;
      return NULL;
    }
    if (record->hash == hash && record->key_length == key_length &&
        memcmp((const char *)(record + 1), key, key_length) == 0)
      return record;
    *link = &record->next;
  }
  return NULL;
}

/* Takes RECORD out of its chain. */
static int cache_unlink(struct cache_header *header, struct cache_record *record) {
  uint32_t *link = &cache_buckets(header)[record->hash & (header->bucket_count - 1)];
  uint32_t target = (uint32_t)((char *)record - cache_ring(header)) + 1;
  for (uint32_t steps = 0; *link != 0; steps++) {
    if (*link == target) {
      *link = record->next;
      record->live = 0;
      header->entries--;
      return 0;
    }
    struct cache_record *other = cache_record_at(header, *link - 1);
    if (other == NULL || steps > header->records) return -1;
    link = &other->next;
  }
  return -1;
}

/* Drops the oldest record. -1 when the ring is found damaged (the caller empties it). */
static int cache_evict(struct cache_header *header) {
  if (header->records == 0) return -1;
  if (header->tail + sizeof(uint32_t) > header->ring_size || *(uint32_t *)(cache_ring(header) + header->tail) == 0)
    header->tail = 0;
  struct cache_record *record = cache_record_at(header, header->tail);
  if (record == NULL) return -1;
  if (record->live) {
    if (cache_unlink(header, record) != 0) return -1;
    header->evictions++;
  }
  header->tail += record->length;
  if (--header->records == 0) header->head = header->tail = 0;
  return 0;
}

/* Room for LENGTH bytes at the head, evicting the oldest records as needed; the offset, or -1. */
static long cache_make_room(struct cache_header *header, uint32_t length) {
  for (;;) {
    if (header->records == 0) header->head = header->tail = 0;
    if (header->records == 0 || header->head > header->tail) {
      if (header->ring_size - header->head >= length) return header->head;
      /* No room before the end: mark the wrap, go on from the start. */
      if (header->ring_size - header->head >= sizeof(uint32_t)) *(uint32_t *)(cache_ring(header) + header->head) = 0;
      header->head = 0;
    }
    if (header->head < header->tail && header->tail - header->head >= length) return header->head;
    if (cache_evict(header) != 0) return -1;
  }
}

long slug_dnscache_lookup(void *cache, const uint8_t *key, size_t key_length, int64_t now, uint8_t *buffer,
                          size_t capacity, int64_t *stored) {
  struct cache_header *header = cache;
  uint64_t hash = slug_dnscache_hash(cache, key, key_length);
  if (cache_lock(header) != 0) return -1;
  header->lookups++;
  uint32_t *link;
  int broken = 0;
  long result = 0;
  struct cache_record *record = cache_find(header, hash, key, key_length, &link, &broken);
  if (broken) cache_reset(header);
  if (record && record->live && now >= record->stored && now < record->expires && record->response_length <= capacity) {
    memcpy(buffer, (const char *)(record + 1) + record->key_length, record->response_length);
    *stored = record->stored;
    result = record->response_length;
    header->hits++;
  }
  cache_unlock(header);
  return result;
}

int slug_dnscache_insert(void *cache, const uint8_t *key, size_t key_length, const uint8_t *response,
                         size_t response_length, int64_t now, int64_t expires) {
  struct cache_header *header = cache;
  size_t length = ALIGN8(sizeof(struct cache_record) + key_length + response_length);
  /* One answer may not push out more than a quarter of the cache. */
  if (key_length > UINT16_MAX || response_length > UINT16_MAX || length > header->ring_size / 4) {
    errno = EMSGSIZE;
    return -1;
  }
  uint64_t hash = slug_dnscache_hash(cache, key, key_length);
  int result = cache_lock(header);
  if (result != 0) {
    errno = result;
    return -1;
  }
  header->inserts++;
  uint32_t *link;
  int broken = 0;
  struct cache_record *old = cache_find(header, hash, key, key_length, &link, &broken);
  if (old && cache_unlink(header, old) != 0) broken = 1;
  long offset = broken ? -1 : cache_make_room(header, (uint32_t)length);
  if (offset < 0) {
    cache_reset(header);
    offset = cache_make_room(header, (uint32_t)length);
  }
  if (offset < 0) {
    cache_unlock(header);
    errno = EIO;
    return -1;
  }
  struct cache_record *record = (struct cache_record *)(cache_ring(header) + offset);
  *record = (struct cache_record){.length = (uint32_t)length, .hash = hash, .stored = now, .expires = expires,
                                  .key_length = (uint16_t)key_length, .response_length = (uint16_t)response_length,
                                  .live = 1};
  memcpy((char *)(record + 1), key, key_length);
  memcpy((char *)(record + 1) + key_length, response, response_length);
  uint32_t *bucket = &cache_buckets(header)[hash & (header->bucket_count - 1)];
  record->next = *bucket;
  *bucket = (uint32_t)offset + 1;
  header->head = (uint32_t)offset + (uint32_t)length;
  header->records++;
  header->entries++;
  cache_unlock(header);
  return 0;
}

int slug_dnscache_statistics(void *cache, struct slug_dnscache_statistics *statistics) {
  struct cache_header *header = cache;
  int result = cache_lock(header);
  if (result != 0) {
    errno = result;
    return -1;
  }
  *statistics = (struct slug_dnscache_statistics){
      .bytes = header->total_size, .entries = header->entries, .lookups = header->lookups, .hits = header->hits,
      .inserts = header->inserts, .evictions = header->evictions, .generation = header->generation};
  cache_unlock(header);
  return 0;
}

int slug_dnscache_flush(void *cache) {
  struct cache_header *header = cache;
  int result = cache_lock(header);
  if (result != 0) {
    errno = result;
    return -1;
  }
  cache_reset(header);
  cache_unlock(header);
  return 0;
}

int slug_dnscache_hold_lock(void *cache) { return cache_lock(cache); }
