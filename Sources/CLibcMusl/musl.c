/* What a daemon linked against musl needs beyond CLibc's own sources (the same files, compiled
 * against musl's headers; see Package.swift, "musl"). Three kinds of thing:
 *
 * - main. Embedded Swift's entry point is renamed by SwiftPM; Scripts/ld-static-pie points
 *   slug_swift_main at it, and this main saves argc and argv first (musl, unlike glibc, calls
 *   constructors without them).
 * - What Debian's static libraries and the Embedded stdlib call by glibc's names: the
 *   _FORTIFY_SOURCE checks that libsqlite3.a and libwolfssl.a were built with, fcntl64, and
 *   arc4random_buf (glibc 2.36 has it, musl 1.2.3 does not; Swift's hashing seeds from it).
 * - SQLite's built-in extensions the store never uses (FTS3, FTS5, R*Tree, dbstat, sqlite_stmt,
 *   JSON): Debian's libsqlite3.a registers them from one table in main.o (JSON's functions
 *   from func.o), which pulls in 360 KB of code. Defining their registration functions here,
 *   as no-ops, leaves those objects out of the link: this object comes before the archive on
 *   the linker's line, so the archive's members are never needed. If a later SQLite renames
 *   one, the archive's member comes back (a bigger binary, which the footprint test catches);
 *   if it adds a symbol we also define, the link fails. */
#if !defined(__GLIBC__)
#include "CLibc.h"
#include <stdarg.h>
#include <sys/select.h>

void slug_save_arguments(int argc, char **argv);
int slug_swift_main(int argc, char **argv);

int main(int argc, char **argv) {
  slug_save_arguments(argc, argv);
  return slug_swift_main(argc, argv);
}

void arc4random_buf(void *buffer, size_t length) {
  unsigned char *bytes = buffer;
  while (length > 0) {
    ssize_t got = getrandom(bytes, length, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      abort();
    }
    bytes += got;
    length -= (size_t)got;
  }
}

int fcntl64(int fd, int command, ...) {
  va_list arguments;
  va_start(arguments, command);
  unsigned long argument = va_arg(arguments, unsigned long);
  va_end(arguments);
  return fcntl(fd, command, argument);
}

/* _FORTIFY_SOURCE: the compiler knew the destination's size; past it, stop (as glibc does). */
static void overflow(void) { abort(); }

void *__memcpy_chk(void *to, const void *from, size_t length, size_t room) {
  if (length > room) overflow();
  return memcpy(to, from, length);
}

void *__memset_chk(void *to, int byte, size_t length, size_t room) {
  if (length > room) overflow();
  return memset(to, byte, length);
}

char *__strncpy_chk(char *to, const char *from, size_t length, size_t room) {
  if (length > room) overflow();
  return strncpy(to, from, length);
}

char *__strcat_chk(char *to, const char *from, size_t room) {
  if (strlen(to) + strlen(from) + 1 > room) overflow();
  return strcat(to, from);
}

char *__strncat_chk(char *to, const char *from, size_t length, size_t room) {
  if (strlen(to) + strnlen(from, length) + 1 > room) overflow();
  return strncat(to, from, length);
}

int __vsnprintf_chk(char *to, size_t length, int flag, size_t room, const char *format, va_list arguments) {
  (void)flag;
  if (length > room) overflow();
  return vsnprintf(to, length, format, arguments);
}

int __snprintf_chk(char *to, size_t length, int flag, size_t room, const char *format, ...) {
  va_list arguments;
  va_start(arguments, format);
  int written = __vsnprintf_chk(to, length, flag, room, format, arguments);
  va_end(arguments);
  return written;
}

int __sprintf_chk(char *to, int flag, size_t room, const char *format, ...) {
  (void)flag;
  va_list arguments;
  va_start(arguments, format);
  int written = vsnprintf(to, room, format, arguments);
  va_end(arguments);
  if (written >= 0 && (size_t)written >= room) overflow();
  return written;
}

int __vfprintf_chk(FILE *file, int flag, const char *format, va_list arguments) {
  (void)flag;
  return vfprintf(file, format, arguments);
}

int __fprintf_chk(FILE *file, int flag, const char *format, ...) {
  (void)flag;
  va_list arguments;
  va_start(arguments, format);
  int written = vfprintf(file, format, arguments);
  va_end(arguments);
  return written;
}

long __fdelt_chk(long fd) {
  if (fd < 0 || fd >= FD_SETSIZE) overflow();
  return fd / (8 * (long)sizeof(long));
}

typedef struct sqlite3 sqlite3;
int sqlite3Fts3Init(sqlite3 *db) { (void)db; return 0; }
int sqlite3Fts5Init(sqlite3 *db) { (void)db; return 0; }
int sqlite3RtreeInit(sqlite3 *db) { (void)db; return 0; }
int sqlite3DbstatRegister(sqlite3 *db) { (void)db; return 0; }
int sqlite3StmtVtabInit(sqlite3 *db) { (void)db; return 0; }
int sqlite3JsonTableFunctions(sqlite3 *db) { (void)db; return 0; }
void sqlite3RegisterJsonFunctions(void) {}
#endif
