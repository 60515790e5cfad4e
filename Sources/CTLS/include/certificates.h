/* Making and reading certificates: slugctl tls, and slug-tls's check at start. */
#ifndef SLUG_CTLS_CERTIFICATES_H
#define SLUG_CTLS_CERTIFICATES_H

#include <stddef.h>
#include <stdint.h>

#endif
