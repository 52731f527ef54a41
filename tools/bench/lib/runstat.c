/* runstat PROG ARGS...: runs PROG with stdin and stdout one end of a TCP
   connection over loopback (as tcpserver gives them), stderr /dev/null; the
   other end is read here until the program closes it. Prints
   "wall_us first_byte_us user_us sys_us maxrss_kb". */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static long long now_us(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000LL + t.tv_nsec / 1000; }
int main(int argc, char **argv) {
  if (argc < 2) return 100;
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t len = sizeof a;
  if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1) || getsockname(l, (struct sockaddr *)&a, &len)) return 111;
  int c = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(c, (struct sockaddr *)&a, sizeof a)) return 111;
  int s = accept(l, 0, 0);
  close(l);
  long long start = now_us(), first = -1;
  pid_t pid = fork();
  if (pid == 0) {
    int n = open("/dev/null", O_RDWR); dup2(s, 0); dup2(s, 1); dup2(n, 2); close(s); close(c); close(n);
    execvp(argv[1], argv + 1); _exit(127);
  }
  close(s);
  char buf[4096]; ssize_t r;
  int quit_sent = 0;
  while ((r = read(c, buf, sizeof buf)) > 0) {
    if (first < 0) first = now_us() - start;
    if (!quit_sent) { quit_sent = 1; (void)!write(c, "QUIT\r\n", 6); }
  }
  int status; struct rusage ru; wait4(pid, &status, 0, &ru);
  long long wall = now_us() - start;
  printf("%lld %lld %ld %ld %ld\n", wall, first, ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec, ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec, ru.ru_maxrss);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
