/* slug's TLS layer over wolfSSL (Debian's libwolfssl-dev). Swift sees only these functions and
 * plain C types; the wolfSSL headers stay inside the .c files. */
#ifndef SLUG_CTLS_H
#define SLUG_CTLS_H

#include "session.h"
#include "certificates.h"

#endif
