/*
 * What the shim puts on the filesystem: the listening socket (created, chowned, removed at
 * shutdown) and, for --install, its own binary and the shared run directory.
 */
#include "mcp-shim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

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
int install(const char *dest)
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

/* Returns the listening fd; *created identifies the socket file, so that shutdown removes only ours. */
int open_listener(const struct config *c, struct stat *created)
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
    if (lstat(c->listen_path, created) < 0) fatal("cannot stat %s: %s", c->listen_path, strerror(errno));
    return fd;
}

void close_listener(int listen_fd, const char *path, const struct stat *created)
{
    struct stat st;
    close(listen_fd);
    /* Unlink only our own socket, not one that a newer shim has since put at the same path. */
    if (lstat(path, &st) == 0 && st.st_ino == created->st_ino && st.st_dev == created->st_dev) unlink(path);
}
