/*
 * mcp-shim: run a stdio MCP server once per Unix-socket connection.
 *
 * Why it exists: the bridge (mcp-sidecar) runs in another container of the pod and cannot start
 * processes inside the server's unchanged image. The injector copies this static binary into a
 * shared emptyDir and rewrites the server container's command to `mcp-shim --listen SOCK -- CMD...`.
 * Each accepted connection gets its own server process whose stdin and stdout are that connection
 * (with --pty: a raw pseudo-terminal, relayed to the connection); stderr stays the container log.
 *
 * This file has the event loop; see mcp-shim.h for what the other files do. Linux, C11 + POSIX plus
 * a few Linux calls (accept4, pipe2, prctl, close_range). libc only.
 *
 * `mcp-shim --probe URL` is a second, unrelated job of the same binary (probe.c): the bridge image
 * already ships it, static and tiny, so the injected exec probes need nothing else in the image.
 */
#include "mcp-shim.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* One write() per line: servers share fd 2 with us, and a line split over several writes could
 * interleave with their own log output. */
void say(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    size_t n = (size_t)snprintf(line, sizeof line, "mcp-shim: ");
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
    va_end(ap);
    if (m > 0) n += (size_t)m < sizeof line - n - 1 ? (size_t)m : sizeof line - n - 2;
    line[n++] = '\n';
    (void)!write(2, line, n);
}

/* Returns 1 when out of fds or memory, so the loop pauses instead of spinning on a listening
 * socket that stays readable. */
static int accept_connection(int listen_fd, const struct config *c)
{
    static unsigned long next_id;
    int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0) {
        if (errno != EMFILE && errno != ENFILE && errno != ENOBUFS && errno != ENOMEM) return 0;
        say("cannot accept a connection: %s", strerror(errno));
        return 1;
    }
    if (running_server_count() >= c->max_children) {
        say("refusing connection: %ld servers already running (--max-children %ld)", running_server_count(),
            c->max_children);
        close(conn);
        return 0;
    }
    start_server(conn, ++next_id, c);
    return 0;
}

/* Until SIGTERM or SIGINT: accept connections, reap children, and finish off what exited servers
 * left behind. Returns the stop signal. */
static int serve(int listen_fd, const struct config *c)
{
    int backoff = 0;
    while (!pending_stop_signal()) {
        struct pollfd fds[2] = {{wakeup_fd(), POLLIN, 0}, {listen_fd, POLLIN, 0}};
        int lingering = kill_leftovers(c->grace);
        int ready = poll(fds, backoff ? 1 : 2, backoff || lingering ? 100 : -1);
        if (ready < 0 && errno != EINTR) fatal("poll: %s", strerror(errno));
        drain_wakeups();
        reap_children();
        backoff = 0;
        if (!pending_stop_signal() && ready > 0 && (fds[1].revents & POLLIN))
            backoff = accept_connection(listen_fd, c);
    }
    return pending_stop_signal();
}

int main(int argc, char **argv)
{
    struct config c = {.max_children = 64, .socket_mode = 0600, .owner_uid = -1, .owner_gid = -1, .grace = 10};
    struct stat created;
    parse_args(argc, argv, &c);
    if (c.install_dest) return install(c.install_dest);
    if (c.probe_url) return run_probe(c.probe_url, c.probe_timeout ? c.probe_timeout : PROBE_DEFAULT_TIMEOUT);
    setup_process();
    int listen_fd = open_listener(&c, &created);
    say("listening on %s for \"%s\" (pid %d)", c.listen_path, c.command[0], (int)getpid());
    int sig = serve(listen_fd, &c);
    close_listener(listen_fd, c.listen_path, &created);
    return stop_servers(sig, c.grace);
}
