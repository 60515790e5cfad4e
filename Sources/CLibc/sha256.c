/* SHA-256's compression function on the x86 SHA extensions (SHA-NI), for PBKDF2: a password
 * sent in the clear (SASL PLAIN, SMTP AUTH) is checked by 8,192 compressions, which take about
 * 2 ms in portable code and a fifth of that here. With glibc the CPU's features come from its
 * table, filled once at start-up for every process: asking here costs no CPUID (which a virtual
 * machine traps); with musl, one CPUID the first time. Elsewhere, and on x86 without the extensions, the caller's portable code runs.
 * The schedule and round order are FIPS 180-4's; the register layout is what SHA256RNDS2 takes:
 * one register holds A, B, E, F and the other C, D, G, H. */
#include "CLibc.h"

#if defined(__x86_64__)
#include <immintrin.h>
#if defined(__GLIBC__)
#include <sys/platform/x86.h>
#define SLUG_SHA_NI_USABLE() (CPU_FEATURE_ACTIVE(SHA) && CPU_FEATURE_ACTIVE(SSE4_1) && CPU_FEATURE_ACTIVE(SSSE3))
#else
/* musl keeps no feature table: ask CPUID once, the first time a password is checked. Leaf 7
 * EBX bit 29 is SHA; leaf 1 ECX bit 19 is SSE4.1 and bit 9 SSSE3. */
#include <cpuid.h>
static int slug_sha_ni_usable(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19)) || !(c & (1u << 9))) return 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  return (b >> 29) & 1;
}
#define SLUG_SHA_NI_USABLE() slug_sha_ni_usable()
#endif

static const uint32_t round_constants[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

__attribute__((target("sha,sse4.1,ssse3")))
static void compress_ni(uint32_t state[8], const unsigned char *block) {
  /* Big-endian words: reverse the bytes of each 32-bit lane. */
  const __m128i byte_order = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i dcba = _mm_loadu_si128((const __m128i *)&state[0]);
  __m128i hgfe = _mm_loadu_si128((const __m128i *)&state[4]);
  __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
  __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
  __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
  __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
  const __m128i abef_before = abef, cdgh_before = cdgh;

  __m128i w[4]; /* the last sixteen message words, four to a register, as a ring */
  for (int group = 0; group < 16; group++) {
    __m128i words;
    if (group < 4) {
      words = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 16 * group)), byte_order);
    } else {
      /* W[t-16] + s0(W[t-15]), plus W[t-7], then s1(W[t-2]) added lane by lane. */
      __m128i partial = _mm_sha256msg1_epu32(w[group & 3], w[(group + 1) & 3]);
      partial = _mm_add_epi32(partial, _mm_alignr_epi8(w[(group + 3) & 3], w[(group + 2) & 3], 4));
      words = _mm_sha256msg2_epu32(partial, w[(group + 3) & 3]);
    }
    w[group & 3] = words;
    __m128i scheduled = _mm_add_epi32(words, _mm_loadu_si128((const __m128i *)&round_constants[4 * group]));
    /* Two rounds each: the first gives A, B, E, F two rounds on, the second four on; the
     * state two rounds on is then C, D, G, H four rounds on. */
    cdgh = _mm_sha256rnds2_epu32(cdgh, abef, scheduled);
    abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(scheduled, 0x0E));
  }
  abef = _mm_add_epi32(abef, abef_before);
  cdgh = _mm_add_epi32(cdgh, cdgh_before);

  __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));
}

int slug_sha256_compress(uint32_t state[8], const unsigned char *block) {
  static int usable = -1;
  if (usable < 0)
    usable = SLUG_SHA_NI_USABLE();
  if (!usable) return 0;
  compress_ni(state, block);
  return 1;
}

#else

int slug_sha256_compress(uint32_t state[8], const unsigned char *block) {
  (void)state;
  (void)block;
  return 0;
}

#endif
