/* The launcher of a warm server (standins/server.py; Infra.Tests' warm-aws.py): a call run by the
 * server, in itself or in a child it forks. It passes the server, at the Unix socket $WARM_SERVER,
 * its stdin, stdout and stderr (as fds), working directory, parent (the program a stand-in may kill),
 * arguments and environment; then exits with the exit code the server sends back.
 *
 * It is C because its start is most of what a warm call costs: 2 ms against 17 ms for even
 * `python3 -S`, and the scenarios make thousands of calls. Without $WARM_SERVER it execs the
 * stand-in of its own name cold: STANDINS (given when compiled, by warm.py) / basename(argv[0]).
 *
 * The request: a 4-byte big-endian length, sent with the three fds (SCM_RIGHTS); then that many
 * bytes of NUL-terminated fields: cwd, parent pid, argc, the arguments, then the environment.
 * The reply: the exit code in decimal, then the server closes the connection. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef STANDINS
#error "compile with -DSTANDINS='\"/path/to/standins\"' (launcher.py does)"
#endif

extern char **environ;

static const char *name;

static void fail(const char *what) {
    fprintf(stderr, "%s launcher: %s: %s\n", name, what, strerror(errno));
    _exit(127);
}

/* Appends a NUL-terminated field to the growing request. */
static void field(char **buf, size_t *len, size_t *cap, const char *text) {
    size_t n = strlen(text) + 1;
    while (*len + n > *cap) {
        *cap *= 2;
        if (!(*buf = realloc(*buf, *cap))) fail("memory");
    }
    memcpy(*buf + *len, text, n);
    *len += n;
}

int main(int argc, char **argv) {
    const char *slash = strrchr(argv[0], '/');
    name = slash ? slash + 1 : argv[0];
    const char *server = getenv("WARM_SERVER");
    if (!server) {
        char cold[PATH_MAX];
        snprintf(cold, sizeof cold, "%s/%s", STANDINS, name);
        execv(cold, argv);
        fail(cold);
    }

    size_t len = 4, cap = 1 << 16;
    char *buf = malloc(cap), number[32], cwd[PATH_MAX];
    if (!buf) fail("memory");
    if (!getcwd(cwd, sizeof cwd)) fail("getcwd");
    field(&buf, &len, &cap, cwd);
    snprintf(number, sizeof number, "%d", (int)getppid());
    field(&buf, &len, &cap, number);
    snprintf(number, sizeof number, "%d", argc);
    field(&buf, &len, &cap, number);
    for (int i = 0; i < argc; i++) field(&buf, &len, &cap, argv[i]);
    for (char **e = environ; *e; e++) field(&buf, &len, &cap, *e);
    uint32_t body = (uint32_t)(len - 4);
    for (int i = 0; i < 4; i++) buf[i] = (char)(body >> (8 * (3 - i)));

    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(server) >= sizeof address.sun_path) {
        errno = ENAMETOOLONG;
        fail(server);
    }
    strcpy(address.sun_path, server);
    int conn = socket(AF_UNIX, SOCK_STREAM, 0);
    if (conn >= 0 && conn <= 2) { /* a standard stream was closed: keep the socket off fds 0-2 */
        int moved = fcntl(conn, F_DUPFD_CLOEXEC, 3);
        close(conn);
        conn = moved;
    }
    if (conn < 0 || connect(conn, (struct sockaddr *)&address, sizeof address) < 0) fail(server);

    /* The length goes with the fds; the rest follows as a stream. */
    int fds[3] = {0, 1, 2};
    char control[CMSG_SPACE(sizeof fds)];
    memset(control, 0, sizeof control);
    struct iovec head = {.iov_base = buf, .iov_len = 4};
    struct msghdr message = {.msg_iov = &head, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    struct cmsghdr *rights = CMSG_FIRSTHDR(&message);
    rights->cmsg_level = SOL_SOCKET;
    rights->cmsg_type = SCM_RIGHTS;
    rights->cmsg_len = CMSG_LEN(sizeof fds);
    memcpy(CMSG_DATA(rights), fds, sizeof fds);
    /* MSG_NOSIGNAL: a server that drops the call is an error message here, not a SIGPIPE. */
    if (sendmsg(conn, &message, MSG_NOSIGNAL) != 4) fail("send");
    for (size_t sent = 4; sent < len;) {
        ssize_t n = send(conn, buf + sent, len - sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EINTR) fail("send");
        if (n > 0) sent += (size_t)n;
    }

    char reply[32];
    size_t got = 0;
    for (;;) {
        ssize_t n = read(conn, reply + got, sizeof reply - 1 - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || got + (size_t)n >= sizeof reply - 1) {
            if (n > 0) got += (size_t)n;
            break;
        }
        got += (size_t)n;
    }
    reply[got] = 0;
    char *end;
    long code = strtol(reply, &end, 10);
    if (got == 0 || end == reply || (*end && *end != '\n')) {
        fprintf(stderr, "%s launcher: the server ended the call without an exit code\n", name);
        _exit(127);
    }
    _exit((int)(code & 0xFF));
}
