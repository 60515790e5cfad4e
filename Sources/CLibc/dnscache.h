/* The layout of in.dns's shared cache, for dnscache_object.c (which makes and maps the object)
 * and dnscache.c (which works in it). The object is a POSIX shared memory object every in.dns
 * process (the long-lived UDP one, the TCP ones inetd starts per connection) and slugctl map.
 * What an entry means (keys, lifetimes, TTLs) is Swift's business (Sources/Services/DNS/Cache*);
 * here are the layout, the lock and the bookkeeping that must be C's: a lock shared between
 * processes that survives a holder's death, and offsets into memory another process may have
 * left half-written. The lock is ours (a futex word), not a pthread mutex: in.dns is linked
 * against musl and slugctl against glibc, whose mutexes differ inside.
 *
 * Layout: the header, then an index of BUCKETS chain heads (uint32: a record's ring offset + 1,
 * 0 for none), then the ring. Records go in at the ring's head and are evicted from its tail,
 * oldest first, so every operation is O(1) (a chain walk aside) and nothing ever grows. A
 * record's length 0 marks where the head wrapped to the ring's start. */
#ifndef SLUG_DNSCACHE_H
#define SLUG_DNSCACHE_H
#define _GNU_SOURCE
#include "CLibc.h"

#define CACHE_MAGIC 0x3145484341434e44ULL /* "DNCACHE1", little endian */
#define CACHE_VERSION 2
#define LOCK_WAIT_NS 200000000L
/* A lock held this long was left by a holder that died and whose thread id is in use again,
 * or is held by one stopped (a debugger): waiting on is worse than taking it over. */
#define LOCK_ABANDONED_NS 10000000000LL

struct cache_header {
  uint64_t magic; /* written last, when the rest is ready */
  uint32_t version, bucket_count;
  uint64_t total_size, seed;
  uint32_t ring_offset, ring_size;
  uint32_t head, tail;   /* ring offsets: where the next record goes; the oldest record */
  uint32_t records;      /* records in the ring, live or replaced */
  uint32_t entries;      /* records in the index */
  uint64_t lookups, hits, inserts, evictions, generation;
  uint32_t lock;         /* 0: free; else the holder's thread id */
  uint32_t waiters;      /* processes asleep on `lock` (FUTEX_WAIT), so unlocking wakes only then */
  int64_t locked_at;     /* CLOCK_MONOTONIC nanoseconds when the holder took it */
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

static inline uint32_t *cache_buckets(struct cache_header *header) {
  return (uint32_t *)((char *)header + HEADER_SIZE);
}

static inline char *cache_ring(struct cache_header *header) { return (char *)header + header->ring_offset; }

#endif
