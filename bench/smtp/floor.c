/* The floor: the least an SMTP server under inetd can do and still relay through sendmail.
 * It answers HELO/EHLO, MAIL, RCPT, DATA, RSET, NOOP and QUIT with fixed replies, pipes the
 * dot-unstuffed body straight into `sendmail -i -f SENDER -- RCPT...` (SENDMAIL, given at
 * compile time) and answers 250 or 451 from its exit status. No checks, no limits, no
 * timeouts, no Received header, no spool: whatever in.smtp costs beyond this is its own. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void reply(const char *text) {
  fputs(text, stdout);
  fflush(stdout);
}

static char *path_of(char *argument) {
  char *open = strchr(argument, '<'), *close = open ? strchr(open, '>') : NULL;
  if (!open || !close) return NULL;
  *close = 0;
  return strdup(open + 1);
}

int main(void) {
  char line[1024];
  char *sender = NULL, *recipients[100];
  int count = 0;
  reply("220 floor ESMTP\r\n");
  while (fgets(line, sizeof line, stdin)) {
    if (!strncasecmp(line, "EHLO", 4)) {
      reply("250-floor\r\n250 PIPELINING\r\n");
    } else if (!strncasecmp(line, "HELO", 4)) {
      reply("250 floor\r\n");
    } else if (!strncasecmp(line, "MAIL FROM:", 10)) {
      free(sender);
      sender = path_of(line + 10);
      count = 0;
      reply("250 Ok\r\n");
    } else if (!strncasecmp(line, "RCPT TO:", 8) && count < 100) {
      recipients[count++] = path_of(line + 8);
      reply("250 Ok\r\n");
    } else if (!strncasecmp(line, "DATA", 4) && sender && count > 0) {
      reply("354 End data with <CR><LF>.<CR><LF>\r\n");
      int input[2];
      if (pipe(input) != 0) return 71;
      char *argv[105] = {"sendmail", "-i", "-f", sender, "--"};
      for (int i = 0; i < count; i++) argv[5 + i] = recipients[i];
      argv[5 + count] = NULL;
      posix_spawn_file_actions_t actions;
      posix_spawn_file_actions_init(&actions);
      posix_spawn_file_actions_adddup2(&actions, input[0], 0);
      posix_spawn_file_actions_addclose(&actions, input[1]);
      pid_t pid;
      int spawned = posix_spawn(&pid, SENDMAIL, &actions, NULL, argv, environ);
      close(input[0]);
      FILE *body = fdopen(input[1], "w");
      while (fgets(line, sizeof line, stdin)) {
        if (!strcmp(line, ".\r\n") || !strcmp(line, ".\n")) break;
        char *text = line[0] == '.' ? line + 1 : line;
        size_t length = strlen(text);
        if (length >= 2 && text[length - 2] == '\r') text[length-- - 2] = '\n', text[length] = 0;
        fputs(text, body);
      }
      fclose(body);
      int status = 0;
      if (spawned == 0) waitpid(pid, &status, 0);
      reply(spawned == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "250 Ok: queued\r\n" : "451 Failed\r\n");
      count = 0;
    } else if (!strncasecmp(line, "RSET", 4) || !strncasecmp(line, "NOOP", 4)) {
      count = 0;
      reply("250 Ok\r\n");
    } else if (!strncasecmp(line, "QUIT", 4)) {
      reply("221 Bye\r\n");
      return 0;
    } else {
      reply("500 Unknown\r\n");
    }
  }
  return 0;
}
