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
    int running;
    double ended; /* when the server itself exited */
};

static struct server *servers;
static size_t server_count, server_capacity;
static long running_servers;
static int wake_pipe[2] = {-1, -1};
static volatile sig_atomic_t stop_signal;

static double now(void)
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

/* Collects every exited child, ours or inherited: as PID 1 (or subreaper) we inherit orphans, and an
 * unreaped orphan would stay a zombie forever. Then forgets finished servers whose process group is
 * empty; a pid is not reused while it is still a group id, so the kill(-pid, 0) probe is reliable. */
void reap_children(void)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < server_count; i++) {
            if (servers[i].pid != pid || !servers[i].running) continue;
            servers[i].running = 0;
            servers[i].ended = now();
            running_servers--;
            (void)kill(-pid, SIGTERM); /* what it left behind in its group ends with it */
            if (WIFEXITED(status)) say("pid %d exited with code %d", (int)pid, WEXITSTATUS(status));
            else say("pid %d killed by signal %d (%s)", (int)pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
        }
    }
    for (size_t i = 0; i < server_count;) {
        if (!servers[i].running && kill(-servers[i].pid, 0) < 0 && errno == ESRCH)
            servers[i] = servers[--server_count];
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

void start_server(int conn, unsigned long id, char **command)
{
    sigset_t all, old;
    if (reserve_server_slot() < 0) {
        say("refusing connection %lu: out of memory", id);
        close(conn);
        return;
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
    servers[server_count++] = (struct server){pid, 1, 0};
    running_servers++;
    say("started pid %d for connection %lu", (int)pid, id);
}

/* SIGKILL for what a finished server left in its group and that outlived the grace period.
 * Returns 1 while such leftovers remain, so the main loop keeps waking up to check on them. */
int kill_leftovers(double grace)
{
    int lingering = 0;
    for (size_t i = 0; i < server_count; i++) {
        if (servers[i].running) continue;
        if (now() - servers[i].ended >= grace) (void)kill(-servers[i].pid, SIGKILL);
        else lingering = 1;
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
    for (size_t i = 0; i < server_count; i++)
        if (kill(-servers[i].pid, sig) < 0 && errno == ESRCH && servers[i].running) kill(servers[i].pid, sig);
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
