/* The C side of the sanity pair: the smallest program that does something observable.
 * Under the harness stdout is an unconnected UDP socket, so the write fails, as Swift's
 * print does there: neither looks at the result. */
#include <unistd.h>

int main(void) {
  ssize_t ignored = write(1, "hello\n", 6);
  (void)ignored;
  return 0;
}
