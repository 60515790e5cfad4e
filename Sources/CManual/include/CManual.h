/* The hand-written manual pages of man/, compiled into slugctl (pages.c) so that `slugctl
 * install` needs no source tree and no resource bundle beside the binary, and installs exactly
 * what man/ holds: pages.c #embeds each file, so there is no copy to drift, a page missing from
 * man/ fails the build, and an edited page rebuilds slugctl (clang names embedded files in its
 * dependency output). */
#ifndef SLUG_CMANUAL_H
#define SLUG_CMANUAL_H

#include <stddef.h>

struct slug_manual_page {
  /* The file name, e.g. "in.dns.8". */
  const char *name;
  /* The page's bytes, as in man/ (not NUL-terminated). */
  const unsigned char *text;
  size_t length;
};

/* How many pages there are. */
size_t slug_manual_page_count(void);

/* The page at INDEX, from 0 to slug_manual_page_count() - 1, in man/'s alphabetical order. */
struct slug_manual_page slug_manual_page(size_t index);

#endif
