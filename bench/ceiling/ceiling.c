// ceiling: the fastest HTTP/1.1 "server" the benchmark can talk to, the
// ceiling that `hello` is measured against (issue 4). One thread, epoll, no
// parsing beyond finding each request's end ("\r\n\r\n") and a
// "Connection: close" field; every request gets the same canned response
// (hello's body and headers, with a fixed Date), and the answers to the
// requests found in one read go out in one write. What this machine and wrk
// allow at most: any real server does more work per request.
//
//   ceiling [PORT]          PORT from argv, else $PORT, else 8080
//   BIND=127.0.0.1          listen address (IPv4 literal; default 127.0.0.1)
//
// Build: cc -O2 -o ceiling ceiling.c (bench/run does this). SIGTERM/SIGINT
// end it at once: there is nothing to drain.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define RESPONSE_HEAD                          \
  "HTTP/1.1 200 OK\r\n"                        \
  "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n"    \
  "Content-Type: text/html; charset=utf-8\r\n" \
  "Content-Length: 21\r\n"
#define RESPONSE_BODY "Welcome to KODEKLOUD!"

static const char kKeepAlive[] = RESPONSE_HEAD "\r\n" RESPONSE_BODY;
static const char kClose[] =
    RESPONSE_HEAD "Connection: close\r\n\r\n" RESPONSE_BODY;

enum {
  kInCap = 16384,  // largest request header; a bigger one closes the conn
  kMaxEvents = 256,
};

typedef struct Conn {
  int fd;
  int closing;     // answered a "Connection: close" request
  size_t in_len;   // bytes in `in`
  size_t scanned;  // `in[0, scanned)` holds no terminator
  char* pending;   // unsent output after a short write (malloc'd)
  size_t pending_len;
  size_t pending_off;
  char in[kInCap];
} Conn;

// Output of one read's requests, written with one write(2).
static char* out_buf;
static size_t out_cap;

static void Die(const char* what) {
  perror(what);
  exit(1);
}

static void Append(size_t* len, const char* data, size_t n) {
  if (*len + n > out_cap) {
    while (*len + n > out_cap) out_cap *= 2;
    out_buf = realloc(out_buf, out_cap);
    if (out_buf == NULL) Die("realloc");
  }
  memcpy(out_buf + *len, data, n);
  *len += n;
}

// Whether a request header (request line included) has a Connection field
// naming "close". Only the fields' start of line is checked: enough for wrk.
static int WantsClose(const char* head, size_t n) {
  static const char kName[] = "\r\nconnection:";
  const size_t name_len = sizeof kName - 1;
  for (size_t i = 0; i + name_len <= n; ++i) {
    if (head[i] != '\r' || strncasecmp(head + i, kName, name_len) != 0) {
      continue;
    }
    for (size_t j = i + name_len; j + 5 <= n && head[j] != '\r'; ++j) {
      if (strncasecmp(head + j, "close", 5) == 0) return 1;
    }
  }
  return 0;
}

static void Close(Conn* c) {
  close(c->fd);  // also removes it from the epoll set: no EPOLL_CTL_DEL
  free(c->pending);
  free(c);
}

// Writes the pending output; 1 when all of it is out, 0 when the socket is
// full (EPOLLOUT then resumes), -1 on error.
static int Flush(Conn* c) {
  while (c->pending_off < c->pending_len) {
    ssize_t n = write(c->fd, c->pending + c->pending_off,
                      c->pending_len - c->pending_off);
    if (n < 0) return errno == EAGAIN ? 0 : -1;
    c->pending_off += (size_t)n;
  }
  free(c->pending);
  c->pending = NULL;
  c->pending_len = c->pending_off = 0;
  return 1;
}

// Answers every complete request in `in`; returns 0 to keep the connection,
// -1 to close it.
static int Answer(int epfd, Conn* c) {
  size_t out_len = 0, start = 0;
  while (!c->closing) {
    size_t from = c->scanned > start + 3 ? c->scanned - 3 : start;
    char* end = memmem(c->in + from, c->in_len - from, "\r\n\r\n", 4);
    if (end == NULL) break;
    size_t head_len = (size_t)(end - (c->in + start)) + 4;
    if (WantsClose(c->in + start, head_len)) {
      c->closing = 1;
      Append(&out_len, kClose, sizeof kClose - 1);
    } else {
      Append(&out_len, kKeepAlive, sizeof kKeepAlive - 1);
    }
    start += head_len;
    c->scanned = start;
  }
  c->scanned = c->in_len;
  if (start > 0) {
    memmove(c->in, c->in + start, c->in_len - start);
    c->in_len -= start;
    c->scanned -= start;
  }
  if (c->in_len == kInCap && !c->closing) return -1;  // header too large
  if (out_len == 0) return 0;

  ssize_t n = write(c->fd, out_buf, out_len);
  if (n < 0 && errno != EAGAIN) return -1;
  size_t sent = n < 0 ? 0 : (size_t)n;
  if (sent == out_len) return c->closing ? -1 : 0;
  c->pending = malloc(out_len - sent);
  if (c->pending == NULL) Die("malloc");
  memcpy(c->pending, out_buf + sent, out_len - sent);
  c->pending_len = out_len - sent;
  c->pending_off = 0;
  // Stop reading until the client takes what it asked for.
  struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
  return epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void OnReadable(int epfd, Conn* c) {
  for (;;) {
    size_t room = kInCap - c->in_len;
    ssize_t n = read(c->fd, c->in + c->in_len, room);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      Close(c);
      return;
    }
    if (n < 0) return;
    c->in_len += (size_t)n;
    if (Answer(epfd, c) < 0) {
      Close(c);
      return;
    }
    if ((size_t)n < room || c->pending != NULL) return;
  }
}

static void OnWritable(int epfd, Conn* c) {
  int flushed = Flush(c);
  if (flushed < 0 || (flushed == 1 && c->closing)) {
    Close(c);
    return;
  }
  if (flushed == 0) return;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0 || Answer(epfd, c) < 0) {
    Close(c);
  }
}

static void Accept(int epfd, int listener) {
  for (;;) {
    int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) perror("accept4");
      return;  // EAGAIN: all taken; other errors: the next event retries
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Conn* c = malloc(sizeof *c);
    if (c == NULL) Die("malloc");
    c->fd = fd;
    c->closing = 0;
    c->in_len = c->scanned = 0;
    c->pending = NULL;
    c->pending_len = c->pending_off = 0;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
      Close(c);
      continue;
    }
    // TCP_DEFER_ACCEPT: the request is usually here already.
    OnReadable(epfd, c);
  }
}

int main(int argc, char** argv) {
  const char* port_text = argc > 1 ? argv[1] : getenv("PORT");
  const char* bind_text = getenv("BIND");
  int port = port_text != NULL && *port_text != '\0' ? atoi(port_text) : 8080;
  if (port < 1 || port > 65535) {
    fprintf(stderr, "ceiling: bad port '%s'\n", port_text);
    return 2;
  }
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (inet_pton(
          AF_INET,
          bind_text != NULL && *bind_text != '\0' ? bind_text : "127.0.0.1",
          &addr.sin_addr) != 1) {
    fprintf(stderr, "ceiling: BIND must be an IPv4 literal\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);

  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listener < 0) Die("socket");
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // Wake the accept only once the client has sent something.
  setsockopt(listener, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof one);
  if (bind(listener, (struct sockaddr*)&addr, sizeof addr) < 0) Die("bind");
  if (listen(listener, SOMAXCONN) < 0) Die("listen");

  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) Die("epoll_create1");
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &ev) < 0) Die("epoll_ctl");

  out_cap = 64 * 1024;
  out_buf = malloc(out_cap);
  if (out_buf == NULL) Die("malloc");
  printf("{\"msg\":\"listening\",\"app\":\"ceiling\",\"port\":%d}\n", port);
  fflush(stdout);

  struct epoll_event events[kMaxEvents];
  for (;;) {
    int n = epoll_wait(epfd, events, kMaxEvents, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      Die("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      Conn* c = events[i].data.ptr;
      if (c == NULL) {
        Accept(epfd, listener);
      } else if (events[i].events & EPOLLOUT) {
        OnWritable(epfd, c);
      } else if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        OnReadable(epfd, c);
      }
    }
  }
}
