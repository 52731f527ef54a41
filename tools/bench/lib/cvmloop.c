/* cvmloop COUNT SOCKET HEXPACKET: sends the CVM request HEXPACKET to the
   cvm-local: module at SOCKET COUNT times, as cvm-benchclient does (connect,
   write, half-close, read the answer to EOF, close), but whatever the
   answer: cvm-benchclient stops at the first refusal, so it cannot load a
   module with lookups of unknown users. Exits 0, or 111 on a failed
   connection or an empty answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: cvmloop COUNT SOCKET HEXPACKET\n"); return 100; }
  long count = atol(argv[1]);
  unsigned char packet[512]; size_t len = strlen(argv[3]) / 2;
  if (len > sizeof packet) return 100;
  for (size_t i = 0; i < len; i++) sscanf(argv[3] + 2 * i, "%2hhx", &packet[i]);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  strncpy(addr.sun_path, argv[2], sizeof addr.sun_path - 1);
  unsigned char answer[1024];
  for (long n = 0; n < count; n++) {
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof addr) < 0) return 111;
    if (write(s, packet, len) != (ssize_t)len) return 111;
    shutdown(s, SHUT_WR);
    ssize_t got = 0, r;
    while ((r = read(s, answer + got, sizeof answer - got)) > 0) got += r;
    close(s);
    if (got == 0) return 111;
  }
  return 0;
}
