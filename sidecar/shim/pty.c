/*
 * --pty: the server's stdin and stdout are the slave side of a pseudo-terminal instead of the
 * connection. Many stdio servers (Python's print(), CLI wrappers) block-buffer stdout unless it is a
 * terminal, so behind a socket they hold their replies back and the bridge waits forever. A relay
 * process (started by supervise.c) copies bytes between the connection and the master side, both
 * ways, unchanged.
 */
#include "mcp-shim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

/* Each direction holds at most one chunk: while it waits to be written its source is not read, so a
 * slow reader on one side slows the writer on the other instead of growing our memory. */
#define CHUNK 65536

struct flow {
    int from, to;
    int ended;         /* the source reached EOF or failed */
    size_t start, end; /* the bytes read but not yet written: buf[start..end) */
    char buf[CHUNK];
};

/* Raw before the server exists, so not even its first byte is changed: no echo, no line editing
 * (canonical mode would also cap a line at 4095 bytes), no CR/LF mapping in either direction (OPOST
 * off: the terminal inserts nothing), no signals or flow control from bytes such as ^C or ^S. The
 * window is wide so that a library formatting to the terminal width does not wrap long lines. */
int open_pty(int *master, int *slave)
{
    struct winsize size = {.ws_row = 24, .ws_col = 4096};
    struct termios mode;
    if (openpty(master, slave, NULL, NULL, &size) < 0) return -1;
    if (tcgetattr(*slave, &mode) == 0) {
        cfmakeraw(&mode);
        if (tcsetattr(*slave, TCSANOW, &mode) == 0) return 0;
    }
    int saved = errno;
    close(*master);
    close(*slave);
    errno = saved;
    return -1;
}

static short wants_input(const struct flow *f)
{
    return !f->ended && f->start == f->end ? POLLIN : 0;
}

static short has_output(const struct flow *f)
{
    return f->start < f->end ? POLLOUT : 0;
}

/* Reads only into an empty buffer. EIO on the master means every slave fd is closed: the server and
 * whatever inherited its stdout are gone, and everything they wrote has been read. */
static void fill(struct flow *f)
{
    ssize_t n = read(f->from, f->buf, sizeof f->buf);
    if (n > 0) f->start = 0, f->end = (size_t)n;
    else if (n == 0 || (errno != EAGAIN && errno != EINTR)) f->ended = 1;
}

/* Returns -1 when the destination is gone; what it did not take is dropped. */
static int drain(struct flow *f)
{
    ssize_t n = write(f->to, f->buf + f->start, f->end - f->start);
    if (n >= 0) return f->start += (size_t)n, 0;
    if (errno == EAGAIN || errno == EINTR) return 0;
    f->start = f->end;
    return -1;
}

/* Until either side ends. up: connection -> master (the bridge's requests); down: master ->
 * connection (the server's output). A failed write to the master (EIO: the server side closed) only
 * drops that input: what the server wrote before closing is still read until EIO. */
static void pump(struct flow *up, struct flow *down)
{
    while (!up->ended && !down->ended) {
        struct pollfd p[2] = {{up->from, wants_input(up) | has_output(down), 0},
                              {down->from, wants_input(down) | has_output(up), 0}};
        if (!p[1].events) p[1].fd = -1; /* a hung-up master would wake poll() with nothing to do */
        if (poll(p, 2, -1) < 0 && errno != EINTR) return;
        /* The bridge closed both directions while we were not reading: nothing more will come. */
        if ((p[0].revents & (POLLHUP | POLLERR)) && !(p[0].revents & POLLIN)) up->ended = 1;
        if (p[0].revents & POLLIN) fill(up);
        if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) && wants_input(down)) fill(down);
        if ((p[0].revents & POLLOUT) && drain(down) < 0) down->ended = 1;
        if ((p[1].revents & (POLLOUT | POLLHUP | POLLERR)) && has_output(up)) (void)drain(up);
    }
}

/* Writes out what is left, waiting for the bridge to take it (the server's last words). */
static void flush(struct flow *f)
{
    while (has_output(f)) {
        struct pollfd p = {f->to, POLLOUT, 0};
        if ((poll(&p, 1, -1) < 0 && errno != EINTR) || drain(f) < 0) return;
    }
}

/* In the relay process. Static buffers: 128 KB that only relay processes ever touch. */
void relay(int conn, int master)
{
    static struct flow up, down;
    up.from = down.to = conn;
    up.to = down.from = master;
    (void)fcntl(conn, F_SETFL, fcntl(conn, F_GETFL) | O_NONBLOCK);
    (void)fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    pump(&up, &down);
    /* A raw terminal has no EOF to pass on: hanging it up (SIGHUP to the server, then EIO or EOF on
     * its reads) is how the server learns that the bridge has gone. */
    close(master);
    flush(&down);
    close(conn);
}
