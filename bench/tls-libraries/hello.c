/* The baseline of bench/tls-libraries/run: the same hello as the library servers' "hello"
 * mode, linked the same way, with no TLS library. */
#include <unistd.h>

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  static const char hello[] = "hello\n";
  return write(1, hello, sizeof hello - 1) == sizeof hello - 1 ? 0 : 1;
}
