/*
 * Process supervision: signals, starting a server per connection, reaping, and shutdown.
 *
 * The shim is usually PID 1, so it reaps everything that becomes its child and forwards termination
 * to the servers. Signal handlers only set a flag and write a byte to a self-pipe; all real work
 * happens in main()'s poll() loop, so a signal can never slip in between a check and a wait.
 */
#include "mcp-shim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* One entry per server we started. Once the server has exited the entry is kept (running = 0)
 * while its process group still has members: those are sent SIGTERM at once and SIGKILL after the
 * grace period, because one connection is one server process tree (npx's wrapper dying must not
 * leave the real server behind, still holding the connection). */
struct server {
    pid_t pid;
    pid_t relay; /* --pty: the relay process until it is reaped, else 0 */
    int running;
    double ended; /* when the server itself exited */
};

static struct server *servers;
static size_t server_count, server_capacity;
static long running_servers;
static int wake_pipe[2] = {-1, -1};
static volatile sig_atomic_t stop_signal;

double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_signal(int sig)
{
    int saved = errno;
    if (sig != SIGCHLD) stop_signal = sig;
    (void)!write(wake_pipe[1], "", 1); /* if the pipe is full a wake-up is pending anyway */
    errno = saved;
}

void setup_process(void)
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

/* Readable whenever a signal arrived since the last drain_wakeups(). */
int wakeup_fd(void)
{
    return wake_pipe[0];
}

/* SIGTERM or SIGINT once one has arrived, else 0. */
int pending_stop_signal(void)
{
    return stop_signal;
}

void drain_wakeups(void)
{
    char buf[64];
    while (read(wake_pipe[0], buf, sizeof buf) > 0) {
    }
}

long running_server_count(void)
{
    return running_servers;
}

static void note_exit(struct server *s, pid_t pid, int status)
{
    if (s->relay == pid) s->relay = 0;
    if (s->pid != pid || !s->running) return;
    s->running = 0;
    s->ended = now();
    running_servers--;
    (void)kill(-pid, SIGTERM); /* what it left behind in its group ends with it */
    if (WIFEXITED(status)) say("pid %d exited with code %d", (int)pid, WEXITSTATUS(status));
    else say("pid %d killed by signal %d (%s)", (int)pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
}

/* Collects every exited child, ours or inherited: as PID 1 (or subreaper) we inherit orphans, and an
 * unreaped orphan would stay a zombie forever. Then forgets finished servers whose process group is
 * empty and whose relay is reaped; a pid is not reused while it is still a group id, so the
 * kill(-pid, 0) probe is reliable. */
void reap_children(void)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        for (size_t i = 0; i < server_count; i++) note_exit(&servers[i], pid, status);
    for (size_t i = 0; i < server_count;) {
        if (!servers[i].running && !servers[i].relay && kill(-servers[i].pid, 0) < 0 && errno == ESRCH)
            servers[i] = servers[--server_count];
        else i++;
    }
}

/* Every fd from first to last (close_range, or a loop where the kernel lacks it). */
static void close_fds(unsigned first, unsigned last)
{
    if (first > last) return;
#ifdef SYS_close_range
    if (syscall(SYS_close_range, first, last, 0U) == 0) return;
#endif
    long max = sysconf(_SC_OPEN_MAX), limit = max > 0 && max < 65536 ? max : 65536;
    for (long fd = first; fd <= (long)last && fd < limit; fd++) close((int)fd);
}

/* Default dispositions (exec resets handlers but keeps SIG_IGN, which we may have inherited) and an
 * empty mask (fork_child() blocked everything). The relay ignores the stop signals because it ends
 * by itself once the server's side of the terminal closes, after passing on the server's last
 * output; and SIGPIPE, because a bridge that has gone is an error it handles. */
static void reset_signals(int relay)
{
    struct sigaction sa = {.sa_handler = SIG_DFL};
    sigset_t none;
    for (int s = 1; s < NSIG; s++) {
        sa.sa_handler = relay && (s == SIGTERM || s == SIGINT || s == SIGPIPE) ? SIG_IGN : SIG_DFL;
        (void)sigaction(s, &sa, NULL);
    }
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* In the forked child. Its own session, so shutdown can signal the server and everything it spawned
 * as one group; with --pty the terminal (io) becomes that session's controlling terminal, so the
 * server sees a real terminal and a hang-up reaches its group. Never a shell: argv goes straight to
 * execvp. */
__attribute__((noreturn)) static void exec_server(int io, int tty, char **command)
{
    setsid();
    if (dup2(io, 0) < 0 || dup2(io, 1) < 0) _exit(127);
    if (tty && ioctl(0, TIOCSCTTY, 0) < 0) {
        say("cannot give the server its terminal (TIOCSCTTY): %s; run without --pty", strerror(errno));
        _exit(127);
    }
    close_fds(3, ~0U); /* the listening socket, the wake pipe, the pty master, our parent's leaks */
    reset_signals(0);
    execvp(command[0], command);
    say("cannot run \"%s\": %s", command[0], strerror(errno));
    _exit(127);
}

/* In the relay child. Only the connection and the master stay open: a copy of the slave would keep
 * the master from ever reporting that the server side closed, and the listening socket must not
 * outlive the shim. */
__attribute__((noreturn)) static void run_relay(int conn, int master)
{
    unsigned lo = (unsigned)(conn < master ? conn : master), hi = (unsigned)(conn < master ? master : conn);
    close_fds(3, lo - 1);
    close_fds(lo + 1, hi - 1);
    close_fds(hi + 1, ~0U);
    reset_signals(1);
    relay(conn, master);
    _exit(0);
}

/* fork() with every signal blocked until the child has reset them: it must never run our handlers. */
static pid_t fork_child(void)
{
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    pid_t pid = fork();
    int err = errno;
    if (pid != 0) sigprocmask(SIG_SETMASK, &old, NULL);
    errno = err;
    return pid;
}

/* Grows the table before forking, so a started server always has a slot. Returns -1 when out of memory. */
static int reserve_server_slot(void)
{
    if (server_count < server_capacity) return 0;
    size_t capacity = server_capacity ? server_capacity * 2 : 16;
    struct server *grown = realloc(servers, capacity * sizeof *grown);
    if (!grown) return -1;
    servers = grown, server_capacity = capacity;
    return 0;
}

/* --pty: the relay copies between conn and master. Without it the server would write into a terminal
 * nobody reads; closing our master copy below then hangs the terminal up, which ends the server. */
static pid_t start_relay(int conn, int master, unsigned long id)
{
    pid_t pid = fork_child();
    if (pid == 0) run_relay(conn, master);
    if (pid < 0) say("cannot relay connection %lu to its server: fork: %s", id, strerror(errno));
    return pid > 0 ? pid : 0;
}

/* Sets up what the server's stdin and stdout will be (io): the connection itself, or with --pty the
 * slave side of a fresh raw pseudo-terminal. Returns -1, having closed conn, when it cannot. */
static int prepare_io(int conn, unsigned long id, int pty, int *master, int *io)
{
    *io = conn;
    if (reserve_server_slot() < 0) say("refusing connection %lu: out of memory", id);
    else if (pty && open_pty(master, io) < 0)
        say("refusing connection %lu: cannot open a pseudo-terminal: %s; check that /dev/pts is mounted "
            "(container runtimes do this by default) or run without --pty",
            id, strerror(errno));
    else return 0;
    close(conn);
    return -1;
}

void start_server(int conn, unsigned long id, const struct config *c)
{
    int master = -1, io;
    if (prepare_io(conn, id, c->pty, &master, &io) < 0) return;
    pid_t pid = fork_child(), relay_pid = 0;
    int err = errno;
    if (pid == 0) exec_server(io, c->pty, c->command);
    if (pid > 0 && c->pty) relay_pid = start_relay(conn, master, id);
    /* Only the server holds the connection now (with --pty: the relay, which ends when the server's
     * side of the terminal closes), so the bridge sees EOF when the server exits. */
    close(conn);
    if (c->pty) close(master), close(io);
    if (pid < 0) {
        say("cannot start a server for connection %lu: fork: %s", id, strerror(err));
        return;
    }
    servers[server_count++] = (struct server){pid, relay_pid, 1, 0};
    running_servers++;
    if (c->pty) say("started pid %d for connection %lu (pty, relayed by pid %d)", (int)pid, id, (int)relay_pid);
    else say("started pid %d for connection %lu", (int)pid, id);
}

/* SIGKILL for what a finished server left in its group and that outlived the grace period.
 * Returns 1 while such leftovers remain, so the main loop keeps waking up to check on them. */
int kill_leftovers(double grace)
{
    int lingering = 0;
    for (size_t i = 0; i < server_count; i++) {
        if (servers[i].running) continue;
        if (now() - servers[i].ended < grace) {
            lingering = 1;
            continue;
        }
        (void)kill(-servers[i].pid, SIGKILL);
        if (servers[i].relay) (void)kill(servers[i].relay, SIGKILL); /* stuck on a bridge that stopped reading */
    }
    return lingering;
}

/* Waits until every server and its whole process group is gone (returns 1) or time is up (0).
 * Ticks every 50 ms: a grandchild exiting under a live server signals the server, not us. */
static int wait_groups(double seconds)
{
    double deadline = now() + seconds, left;
    for (reap_children(); server_count > 0 && (left = deadline - now()) > 0; reap_children()) {
        struct pollfd p = {wake_pipe[0], POLLIN, 0};
        (void)poll(&p, 1, left > 0.05 ? 50 : (int)(left * 1000) + 1);
        drain_wakeups();
    }
    return server_count == 0;
}

/* A server forked an instant ago may not have called setsid() yet, so its group does not exist:
 * then signal the process itself (held pending until it unblocks signals, so nothing is lost). */
static void signal_groups(int sig)
{
    for (size_t i = 0; i < server_count; i++) {
        if (kill(-servers[i].pid, sig) < 0 && errno == ESRCH && servers[i].running) kill(servers[i].pid, sig);
        if (servers[i].relay) (void)kill(servers[i].relay, sig); /* it ignores all but SIGKILL */
    }
}

/* Forwards sig to every server group, then SIGKILLs whatever outlives the grace period. Returns the
 * shim's exit code: 0 when everything ended in time, 1 when SIGKILL was needed. */
int stop_servers(int sig, double grace)
{
    say("received %s: stopping %ld servers (grace %gs)", sig == SIGINT ? "SIGINT" : "SIGTERM", running_servers,
        grace);
    signal_groups(sig);
    if (wait_groups(grace)) return say("all servers stopped"), 0;
    say("%zu process groups still running after %gs; sending SIGKILL", server_count, grace);
    signal_groups(SIGKILL);
    wait_groups(5); /* SIGKILL cannot be ignored; the bound only guards against stuck I/O */
    return 1;
}
