#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "session.h"
