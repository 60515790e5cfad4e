#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "certificates.h"
