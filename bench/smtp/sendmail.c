/* The benchmark's sendmail for both servers: copies the message on stdin to one file
 * (SPOOL, given at compile time), truncating it, and exits 0. Its argv is ignored. */
#include <fcntl.h>
#include <unistd.h>

int main(void) {
  int out = open(SPOOL, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (out < 0) return 75;
  char buffer[65536];
  ssize_t count;
  while ((count = read(0, buffer, sizeof buffer)) > 0) {
    if (write(out, buffer, (size_t)count) != count) return 74;
  }
  return count == 0 && close(out) == 0 ? 0 : 74;
}
