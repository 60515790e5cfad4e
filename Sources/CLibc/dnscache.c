/* Working in in.dns's cache object: the lock, lookups, inserts with eviction, the figures (the
 * layout: dnscache.h). Nothing read from the object is trusted: every offset and length is
 * checked before use, and a check that fails empties the cache rather than follow it. */
#include "dnscache.h"
#include <linux/futex.h>
#include <sys/syscall.h>

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

/* The ring's positions make sense; a process killed half-way, or a stray write, may leave them
 * otherwise. */
static int cache_positions_valid(struct cache_header *header) {
  return header->head % 8 == 0 && header->tail % 8 == 0 && header->head <= header->ring_size &&
         header->tail <= header->ring_size && header->entries <= header->records &&
         header->records <= header->ring_size / sizeof(struct cache_record);
}

static int64_t monotonic_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
}

/* Whether the thread HOLDER no longer exists: kill(2) finds no such process or thread. */
static int cache_holder_gone(uint32_t holder) { return kill((pid_t)holder, 0) != 0 && errno == ESRCH; }

/* Locks the cache, waiting at most LOCK_WAIT_NS: a process stopped while holding it must not
 * stall every query. A holder that died, or held it past LOCK_ABANDONED_NS, may have left the
 * ring half-written, so whoever takes the lock over empties the cache. 0, or an errno value. */
static int cache_lock(struct cache_header *header) {
  uint32_t self = (uint32_t)syscall(SYS_gettid);
  int64_t deadline = monotonic_ns() + LOCK_WAIT_NS;
  for (;;) {
    uint32_t holder = 0;
    if (__atomic_compare_exchange_n(&header->lock, &holder, self, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
      __atomic_store_n(&header->locked_at, monotonic_ns(), __ATOMIC_RELEASE);
      if (!cache_positions_valid(header)) cache_reset(header);
      return 0;
    }
    /* locked_at is 0 from unlocking until the next holder sets it: a lock just taken. */
    int64_t now = monotonic_ns(), since = __atomic_load_n(&header->locked_at, __ATOMIC_ACQUIRE);
    if (cache_holder_gone(holder) || (since != 0 && now - since > LOCK_ABANDONED_NS)) {
      if (__atomic_compare_exchange_n(&header->lock, &holder, self, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        __atomic_store_n(&header->locked_at, now, __ATOMIC_RELEASE);
        cache_reset(header);
        return 0;
      }
      continue;
    }
    if (now >= deadline) return ETIMEDOUT;
    struct timespec wait = {.tv_sec = (deadline - now) / 1000000000LL, .tv_nsec = (deadline - now) % 1000000000LL};
    __atomic_add_fetch(&header->waiters, 1, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, &header->lock, FUTEX_WAIT, holder, &wait, NULL, 0);
    __atomic_sub_fetch(&header->waiters, 1, __ATOMIC_SEQ_CST);
  }
}

static void cache_unlock(struct cache_header *header) {
  __atomic_store_n(&header->locked_at, 0, __ATOMIC_RELEASE);
  __atomic_store_n(&header->lock, 0, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&header->waiters, __ATOMIC_SEQ_CST) != 0) syscall(SYS_futex, &header->lock, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static uint64_t cache_hash(const void *cache, const uint8_t *key, size_t length) {
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
  uint64_t hash = cache_hash(cache, key, key_length);
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
  uint64_t hash = cache_hash(cache, key, key_length);
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
