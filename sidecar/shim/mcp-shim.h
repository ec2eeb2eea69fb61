/*
 * Internal interface between the translation units of mcp-shim (not an API: one static binary).
 *
 *   main.c       logging, the event loop, main()
 *   args.c       command line parsing and --help / --version
 *   filesystem.c the listening socket (creation, ownership, removal) and --install
 *   supervise.c  signals and the wake-up pipe; starting, reaping and stopping servers
 *   pty.c        --pty: the raw pseudo-terminal and the relay between it and the connection
 *   probe.c      --probe: one HTTP GET to a loopback address, for Kubernetes exec probes
 *
 * Include this header first: it selects the GNU feature set (accept4, pipe2, close_range...) for
 * every system header included after it.
 */
#ifndef MCP_SHIM_H
#define MCP_SHIM_H

#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/stat.h>

struct config {
    const char *listen_path, *install_dest, *probe_url;
    char **command;
    long max_children, socket_mode, owner_uid, owner_gid; /* owner ids: -1 when not given */
    double grace;
    double probe_timeout; /* --probe: seconds for connect, request and answer together; 0: not given */
    int pty; /* --pty: the server's stdin and stdout are a pseudo-terminal, relayed to the connection */
    int listen_options; /* how many options of --listen mode were given (refused with --probe) */
};

/* main.c. One write() per line, prefixed "mcp-shim: ". */
__attribute__((format(printf, 1, 2))) void say(const char *fmt, ...);

/* Runtime failures exit 1; bad usage exits 2 (the line names the problem and the fix). */
#define fatal(...) (say(__VA_ARGS__), exit(1))
#define die_usage(...) (say(__VA_ARGS__), exit(2))

/* args.c. Exits 2 on bad usage, and 0 after printing --help or --version. */
void parse_args(int argc, char **argv, struct config *c);

/* filesystem.c */
int install(const char *dest);
int open_listener(const struct config *c, struct stat *created);
void close_listener(int listen_fd, const char *path, const struct stat *created);

/* supervise.c. now() is CLOCK_MONOTONIC in seconds. */
double now(void);
void setup_process(void);
int wakeup_fd(void);
int pending_stop_signal(void);
void drain_wakeups(void);
void reap_children(void);
long running_server_count(void);
void start_server(int conn, unsigned long id, const struct config *c);
int kill_leftovers(double grace);
int stop_servers(int sig, double grace);

/* pty.c. open_pty() returns 0, or -1 with errno set; relay() returns once the connection is done. */
int open_pty(int *master, int *slave);
void relay(int conn, int master);

/* probe.c. The --timeout when none is given. Exits 2 on a bad URL; returns 0 on a 2xx answer, else 1 after one line naming why. */
#define PROBE_DEFAULT_TIMEOUT 1.0
int run_probe(const char *url, double timeout);

#endif
