/*
 * mcp-shim: run a stdio MCP server once per Unix-socket connection.
 *
 * Why it exists: the bridge (mcp-sidecar) runs in another container of the pod and cannot start
 * processes inside the server's unchanged image. The injector copies this static binary into a
 * shared emptyDir and rewrites the server container's command to `mcp-shim --listen SOCK -- CMD...`.
 * Each accepted connection gets its own server process whose stdin and stdout are that connection;
 * stderr stays the container log.
 *
 * The shim is usually PID 1, so it reaps everything that becomes its child and forwards termination
 * to the servers. Signal handlers only set a flag and write a byte to a self-pipe; all real work
 * happens in one poll() loop, so a signal can never slip in between a check and a wait.
 *
 * Linux, C11 + POSIX plus a few Linux calls (accept4, pipe2, prctl, close_range). libc only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MCP_SHIM_VERSION
#define MCP_SHIM_VERSION "0.1.0"
#endif

#define USAGE_HINT "usage: mcp-shim --listen /mcp/run/stdio.sock -- <command> [args...]"
#define SUN_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
/* Runtime failures exit 1; bad usage exits 2 (the line names the problem and the fix). */
#define fatal(...) (say(__VA_ARGS__), exit(1))
#define die_usage(...) (say(__VA_ARGS__), exit(2))

struct config {
    const char *listen_path, *install_dest;
    char **command;
    long max_children, socket_mode, owner_uid, owner_gid; /* owner ids: -1 when not given */
    double grace;
};

/* One entry per server we started. Once the server has exited the entry is kept (running = 0)
 * while its process group still has members: those are sent SIGTERM at once and SIGKILL after the
 * grace period, because one connection is one server process tree (npx's wrapper dying must not
 * leave the real server behind, still holding the connection). */
struct child {
    pid_t pid;
    int running;
    double ended; /* when the server itself exited */
};

static struct child *kids;
static size_t nkids, kids_cap;
static long running_kids;
static int wake_pipe[2] = {-1, -1};
static volatile sig_atomic_t stop_signal;

static const char usage_text[] =
    "Usage: mcp-shim --listen <socket-path> [options] -- <command> [args...]\n"
    "       mcp-shim --install <dest-path>\n"
    "       mcp-shim --version | --help\n\n"
    "Runs <command> once per connection to the Unix socket, with stdin and stdout bound to the\n"
    "connection and stderr inherited. Options:\n"
    "  --max-children N          refuse connections while N servers run (default 64)\n"
    "  --socket-mode OCTAL       socket permissions (default 0600)\n"
    "  --socket-owner UID[:GID]  chown the socket to these numeric ids (needs root)\n"
    "  --grace SECONDS           after SIGTERM/SIGINT, wait this long before SIGKILL (default 10)\n"
    "  --install DEST            copy this binary to DEST and create DEST/../../run (mode 1777)\n";

/* One write() per line: servers share fd 2 with us, and a line split over several writes could
 * interleave with their own log output. */
__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
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

/* Strict: strtol alone would accept spaces, signs and trailing junk. */
static long parse_num(const char *s, int base, long min, long max, const char *opt, const char *fix)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, base);
    if (*s < '0' || *s > '9' || errno || *end || v < min || v > max)
        die_usage("%s \"%s\" is not valid; %s", opt, s, fix);
    return v;
}

static double parse_grace(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (*s < '0' || *s > '9' || *end || !(v <= 86400))
        die_usage("--grace \"%s\" is not valid; use a number of seconds such as 10", s);
    return v;
}

/* Numeric ids only: a static binary cannot rely on the image having a passwd file. */
static void parse_owner(const char *s, struct config *c)
{
    static const char fix[] = "use a numeric UID or UID:GID such as 1000:1000";
    char uid[32];
    const char *colon = strchr(s, ':');
    size_t len = colon ? (size_t)(colon - s) : strlen(s);
    if (len >= sizeof uid) die_usage("--socket-owner \"%s\" is not valid; %s", s, fix);
    memcpy(uid, s, len);
    uid[len] = '\0';
    c->owner_uid = parse_num(uid, 10, 0, INT_MAX, "--socket-owner", fix);
    if (colon) c->owner_gid = parse_num(colon + 1, 10, 0, INT_MAX, "--socket-owner", fix);
}

/* Accepts "--name value" and "--name=value"; NULL if argv[*i] is some other option. */
static const char *opt_value(char **argv, int *i, const char *name)
{
    size_t len = strlen(name);
    if (strncmp(argv[*i], name, len) != 0) return NULL;
    if (argv[*i][len] == '=') return argv[*i] + len + 1;
    if (argv[*i][len] != '\0') return NULL;
    if (!argv[*i + 1]) die_usage("%s needs a value; see mcp-shim --help", name);
    return argv[++*i];
}

static void check_config(const struct config *c)
{
    if (c->install_dest) {
        if (c->listen_path || c->command || !*c->install_dest)
            die_usage("--install takes only a destination path; usage: mcp-shim --install /mcp/bin/mcp-shim");
        return;
    }
    if (!c->listen_path || !*c->listen_path) die_usage("missing --listen <socket-path>; " USAGE_HINT);
    if (!c->command || !c->command[0]) die_usage("missing server command after \"--\"; " USAGE_HINT);
    if (strlen(c->listen_path) > SUN_PATH_MAX)
        die_usage("--listen path is longer than the %zu bytes a Unix socket allows; use a shorter path",
                  SUN_PATH_MAX);
}

static void parse_args(int argc, char **argv, struct config *c)
{
    static const char mode_fix[] = "use an octal mode such as 0600 or 0660";
    const char *v;
    for (int i = 1; i < argc && !c->command; i++) {
        if (!strcmp(argv[i], "--")) c->command = argv + i + 1;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) exit(fputs(usage_text, stdout) < 0);
        else if (!strcmp(argv[i], "--version")) exit(printf("mcp-shim %s\n", MCP_SHIM_VERSION) < 0);
        else if ((v = opt_value(argv, &i, "--listen"))) c->listen_path = v;
        else if ((v = opt_value(argv, &i, "--install"))) c->install_dest = v;
        else if ((v = opt_value(argv, &i, "--max-children")))
            c->max_children = parse_num(v, 10, 1, 1000000, "--max-children", "use a positive integer such as 64");
        else if ((v = opt_value(argv, &i, "--socket-mode")))
            c->socket_mode = parse_num(v, 8, 0, 07777, "--socket-mode", mode_fix);
        else if ((v = opt_value(argv, &i, "--socket-owner"))) parse_owner(v, c);
        else if ((v = opt_value(argv, &i, "--grace"))) c->grace = parse_grace(v);
        else if (argv[i][0] != '-')
            die_usage("unexpected argument \"%s\"; put \"--\" before the server command", argv[i]);
        else die_usage("unknown option \"%s\"; run mcp-shim --help for the options", argv[i]);
    }
    check_config(c);
}

/* mkdir -p with mode 0755 (the umask applies). */
static int mkdir_p(const char *dir)
{
    char buf[PATH_MAX];
    if (!*dir || snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) return errno = ENAMETOOLONG, -1;
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
        if (!saved) return 0;
        *p = saved;
    }
}

/* dirname() without modifying its argument or returning static storage. */
static void parent_dir(const char *path, char *out, size_t size)
{
    snprintf(out, size, "%s", path);
    char *slash = strrchr(out, '/');
    if (!slash) snprintf(out, size, ".");
    else if (slash == out) out[1] = '\0';
    else *slash = '\0';
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno != EINTR) return -1;
        if (w > 0) buf += w, len -= (size_t)w;
    }
    return 0;
}

/* Copies src to a new file dst with mode 0755 whatever the umask; returns the size or -1. */
static long copy_file(const char *src, const char *dst)
{
    char buf[65536];
    long total = 0;
    ssize_t n = -1;
    int in = open(src, O_RDONLY | O_CLOEXEC);
    int out = in < 0 ? -1 : open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
    while (out >= 0 && (n = read(in, buf, sizeof buf)) > 0 && write_all(out, buf, (size_t)n) == 0) total += n;
    int ok = out >= 0 && n == 0 && fchmod(out, 0755) == 0 && fsync(out) == 0;
    int saved = errno;
    if (in >= 0) close(in);
    if (out >= 0 && close(out) < 0 && ok) ok = 0, saved = errno;
    errno = saved;
    return ok ? total : -1;
}

/* The bridge image's init container has no shell and no cp, so it runs us to copy ourselves. A temp
 * file plus rename() means a crash never leaves a half-written binary at dest. */
static int install(const char *dest)
{
    char dir[PATH_MAX], run[PATH_MAX], tmp[PATH_MAX + 32];
    parent_dir(dest, dir, sizeof dir);
    if (mkdir_p(dir) < 0) fatal("cannot create %s: %s", dir, strerror(errno));
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", dest, (int)getpid());
    unlink(tmp); /* left by an earlier crashed run with the same pid (often 1) */
    long size = copy_file("/proc/self/exe", tmp);
    if (size < 0 || rename(tmp, dest) < 0) {
        int e = errno;
        unlink(tmp);
        fatal("cannot install %s: %s", dest, strerror(e));
    }
    /* Servers may run as any uid and each must be able to create its socket there; chmod after
     * mkdir because the umask would strip the world-writable and sticky bits. */
    parent_dir(dir, run, sizeof run);
    strncat(run, "/run", sizeof run - strlen(run) - 1);
    if (mkdir_p(run) < 0 || chmod(run, 01777) < 0) fatal("cannot create %s: %s", run, strerror(errno));
    printf("mcp-shim: installed %s (%ld bytes) and created %s (mode 1777)\n", dest, size, run);
    return 0;
}

static void on_signal(int sig)
{
    int saved = errno;
    if (sig != SIGCHLD) stop_signal = sig;
    (void)!write(wake_pipe[1], "", 1); /* if the pipe is full a wake-up is pending anyway */
    errno = saved;
}

static void setup_process(void)
{
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART | SA_NOCLDSTOP};
    /* Keep fds 0-2 open, or the socket could land on one and be clobbered by a child's dup2(). */
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0) exit(1);
    if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0) fatal("cannot create a pipe: %s", strerror(errno));
    sigfillset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN; /* a write to a closed stderr pipe must not kill PID 1 */
    sigaction(SIGPIPE, &sa, NULL);
    /* Orphaned grandchildren come to us even when we are not PID 1 (tests, docker run --init). */
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1);
}

static void drain_wakeups(void)
{
    char buf[64];
    while (read(wake_pipe[0], buf, sizeof buf) > 0) {
    }
}

/* Collects every exited child, ours or inherited: as PID 1 (or subreaper) we inherit orphans, and an
 * unreaped orphan would stay a zombie forever. Then forgets finished servers whose process group is
 * empty; a pid is not reused while it is still a group id, so the kill(-pid, 0) probe is reliable. */
static double now(void);

static void reap_children(void)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < nkids; i++) {
            if (kids[i].pid != pid || !kids[i].running) continue;
            kids[i].running = 0;
            kids[i].ended = now();
            running_kids--;
            (void)kill(-pid, SIGTERM); /* what it left behind in its group ends with it */
            if (WIFEXITED(status)) say("pid %d exited with code %d", (int)pid, WEXITSTATUS(status));
            else say("pid %d killed by signal %d (%s)", (int)pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
        }
    }
    for (size_t i = 0; i < nkids;) {
        if (!kids[i].running && kill(-kids[i].pid, 0) < 0 && errno == ESRCH) kids[i] = kids[--nkids];
        else i++;
    }
}

/* In the forked child. Its own session, so shutdown can signal the server and everything it spawned
 * as one group. Never a shell: argv goes straight to execvp. */
__attribute__((noreturn)) static void exec_server(int conn, char **command)
{
    struct sigaction sa = {.sa_handler = SIG_DFL};
    sigset_t none;
    setsid();
    if (dup2(conn, 0) < 0 || dup2(conn, 1) < 0) _exit(127);
    /* Drop the listening socket, the wake pipe and anything our own parent leaked to us. */
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
        for (long fd = 3, max = sysconf(_SC_OPEN_MAX); fd < (max > 0 && max < 65536 ? max : 65536); fd++)
            close((int)fd);
    /* Default dispositions: exec resets handlers but keeps SIG_IGN, which we may have inherited. */
    for (int s = 1; s < NSIG; s++) (void)sigaction(s, &sa, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execvp(command[0], command);
    say("cannot run \"%s\": %s", command[0], strerror(errno));
    _exit(127);
}

static void start_server(int conn, unsigned long id, char **command)
{
    sigset_t all, old;
    if (nkids == kids_cap) { /* grow before forking, so a started server always has a slot */
        struct child *p = realloc(kids, (kids_cap ? kids_cap * 2 : 16) * sizeof *p);
        if (!p) {
            say("refusing connection %lu: out of memory", id);
            close(conn);
            return;
        }
        kids = p, kids_cap = kids_cap ? kids_cap * 2 : 16;
    }
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old); /* the child must never run our handlers */
    pid_t pid = fork();
    int err = errno;
    if (pid == 0) exec_server(conn, command);
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(conn); /* only the server holds it now, so the bridge sees EOF when the server exits */
    if (pid < 0) {
        say("cannot start a server for connection %lu: fork: %s", id, strerror(err));
        return;
    }
    kids[nkids++] = (struct child){pid, 1, 0};
    running_kids++;
    say("started pid %d for connection %lu", (int)pid, id);
}

/* Returns 1 when out of fds or memory, so the loop pauses instead of spinning on a listening
 * socket that stays readable. */
static int accept_connection(int lfd, const struct config *c)
{
    static unsigned long next_id;
    int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0) {
        if (errno != EMFILE && errno != ENFILE && errno != ENOBUFS && errno != ENOMEM) return 0;
        say("cannot accept a connection: %s", strerror(errno));
        return 1;
    }
    if (running_kids >= c->max_children) {
        say("refusing connection: %ld servers already running (--max-children %ld)", running_kids,
            c->max_children);
        close(conn);
        return 0;
    }
    start_server(conn, ++next_id, c->command);
    return 0;
}

/* A root server's socket is unusable by a non-root bridge unless chowned. Without root we cannot
 * give it away, so warn and go on: --socket-mode may still grant access. */
static void apply_owner(const struct config *c)
{
    uid_t me = geteuid();
    gid_t gid = c->owner_gid < 0 ? (gid_t)-1 : (gid_t)c->owner_gid;
    if (c->owner_uid < 0) return;
    if (me == 0 && chown(c->listen_path, (uid_t)c->owner_uid, gid) < 0)
        fatal("cannot chown %s to %ld: %s", c->listen_path, c->owner_uid, strerror(errno));
    if (me != 0 && (uid_t)c->owner_uid != me)
        say("warning: --socket-owner %ld ignored: not running as root, so the socket stays owned by uid %d; "
            "run the bridge as uid %d or widen --socket-mode",
            c->owner_uid, (int)me, (int)me);
    else if (me != 0 && c->owner_gid >= 0 && chown(c->listen_path, (uid_t)-1, gid) < 0)
        say("warning: cannot give %s to group %ld: %s", c->listen_path, c->owner_gid, strerror(errno));
}

static int open_listener(const struct config *c, struct stat *made)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    char dir[PATH_MAX];
    struct stat st;
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", c->listen_path);
    parent_dir(c->listen_path, dir, sizeof dir);
    if (mkdir_p(dir) < 0) fatal("cannot create %s: %s", dir, strerror(errno));
    if (lstat(c->listen_path, &st) == 0 && !S_ISSOCK(st.st_mode))
        fatal("%s exists and is not a socket; remove it or choose another --listen path", c->listen_path);
    if (lstat(c->listen_path, &st) == 0 && unlink(c->listen_path) < 0) /* stale, from a previous run */
        fatal("cannot remove stale socket %s: %s", c->listen_path, strerror(errno));
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    mode_t old = umask(0177); /* never more open than 0600, not even until the chmod below */
    int rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&addr, sizeof addr);
    umask(old);
    if (rc < 0 || listen(fd, SOMAXCONN) < 0 || chmod(c->listen_path, (mode_t)c->socket_mode) < 0)
        fatal("cannot listen on %s: %s", c->listen_path, strerror(errno));
    apply_owner(c);
    if (lstat(c->listen_path, made) < 0) fatal("cannot stat %s: %s", c->listen_path, strerror(errno));
    return fd;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits until every server and its whole process group is gone (returns 1) or time is up (0).
 * Ticks every 50 ms: a grandchild exiting under a live server signals the server, not us. */
static int wait_groups(double seconds)
{
    double deadline = now() + seconds, left;
    for (reap_children(); nkids > 0 && (left = deadline - now()) > 0; reap_children()) {
        struct pollfd p = {wake_pipe[0], POLLIN, 0};
        (void)poll(&p, 1, left > 0.05 ? 50 : (int)(left * 1000) + 1);
        drain_wakeups();
    }
    return nkids == 0;
}

/* SIGKILL for what a finished server left in its group and that outlived the grace period.
 * Returns 1 while such leftovers remain, so the main loop keeps waking up to check on them. */
static int kill_leftovers(double grace)
{
    int lingering = 0;
    for (size_t i = 0; i < nkids; i++) {
        if (kids[i].running) continue;
        if (now() - kids[i].ended >= grace) (void)kill(-kids[i].pid, SIGKILL);
        else lingering = 1;
    }
    return lingering;
}

/* A server forked an instant ago may not have called setsid() yet, so its group does not exist:
 * then signal the process itself (held pending until it unblocks signals, so nothing is lost). */
static void signal_groups(int sig)
{
    for (size_t i = 0; i < nkids; i++)
        if (kill(-kids[i].pid, sig) < 0 && errno == ESRCH && kids[i].running) kill(kids[i].pid, sig);
}

static int shut_down(int lfd, const struct config *c, const struct stat *made, int sig)
{
    struct stat st;
    close(lfd);
    /* Unlink only our own socket, not one that a newer shim has since put at the same path. */
    if (lstat(c->listen_path, &st) == 0 && st.st_ino == made->st_ino && st.st_dev == made->st_dev)
        unlink(c->listen_path);
    say("received %s: stopping %ld servers (grace %gs)", sig == SIGINT ? "SIGINT" : "SIGTERM", running_kids,
        c->grace);
    signal_groups(sig);
    if (wait_groups(c->grace)) return say("all servers stopped"), 0;
    say("%zu process groups still running after %gs; sending SIGKILL", nkids, c->grace);
    signal_groups(SIGKILL);
    wait_groups(5); /* SIGKILL cannot be ignored; the bound only guards against stuck I/O */
    return 1;
}

int main(int argc, char **argv)
{
    struct config c = {.max_children = 64, .socket_mode = 0600, .owner_uid = -1, .owner_gid = -1, .grace = 10};
    struct stat made;
    int backoff = 0;
    parse_args(argc, argv, &c);
    if (c.install_dest) return install(c.install_dest);
    setup_process();
    int lfd = open_listener(&c, &made);
    say("listening on %s for \"%s\" (pid %d)", c.listen_path, c.command[0], (int)getpid());
    while (!stop_signal) {
        struct pollfd p[2] = {{wake_pipe[0], POLLIN, 0}, {lfd, POLLIN, 0}};
        int lingering = kill_leftovers(c.grace);
        int n = poll(p, backoff ? 1 : 2, backoff || lingering ? 100 : -1);
        if (n < 0 && errno != EINTR) fatal("poll: %s", strerror(errno));
        drain_wakeups();
        reap_children();
        backoff = 0;
        if (!stop_signal && n > 0 && (p[1].revents & POLLIN)) backoff = accept_connection(lfd, &c);
    }
    return shut_down(lfd, &c, &made, stop_signal);
}
