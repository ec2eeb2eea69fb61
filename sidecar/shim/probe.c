/*
 * --probe: one HTTP GET to a loopback address, for Kubernetes exec probes.
 *
 * Why it exists: a service mesh (Istio's istio-init or istio-cni, Linkerd's linkerd-init or
 * linkerd-cni) redirects every inbound TCP connection to the pod IP into its proxy, including the
 * kubelet's httpGet probes, and Istio rewrites the httpGet probes it sees to a port its own agent
 * serves. When the proxy is not running yet (a classic proxy container waits for our native sidecar
 * to start), such a probe fails and the pod never starts. An exec probe runs inside the bridge
 * container and connects to 127.0.0.1, which no mesh captures and Istio never rewrites
 * (webhook/README.md, "Behind a service mesh").
 *
 * Only http://127.0.0.1:PORT/PATH and http://[::1]:PORT/PATH are accepted: no resolver, no TLS, no
 * way to point the probe elsewhere. Exit 0 on a 2xx status line, 1 otherwise (one stderr line that
 * the kubelet puts in the probe's event), 2 on bad usage.
 */
#include "mcp-shim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROBE_HINT "use http://127.0.0.1:PORT/PATH or http://[::1]:PORT/PATH, e.g. http://127.0.0.1:8081/readyz"
#define PATH_MAX_LEN 1024
#define RESPONSE_MAX 4096 /* the status line and the head of the body, for the failure message */

struct target {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char host[64]; /* the Host header: 127.0.0.1:PORT or [::1]:PORT */
    const char *path;
};

/* Printable ASCII without spaces: nothing that could end the request line or inject a header. */
static void check_path(const char *url, const char *path)
{
    size_t len = strlen(path);
    if (len > PATH_MAX_LEN) die_usage("--probe: the URL's path is longer than %d bytes; use a shorter one", PATH_MAX_LEN);
    for (size_t i = 0; i < len; i++)
        if (path[i] <= ' ' || path[i] > '~')
            die_usage("--probe \"%s\": the path may hold printable characters only, without spaces", url);
}

/* The digits after "host:" up to the path; strict, as every number the shim reads. */
static long parse_port(const char *s, const char **rest)
{
    long port = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9' && p - s < 5) port = port * 10 + (*p++ - '0');
    if (p == s || port < 1 || port > 65535 || (*p != '/' && *p != '\0')) return -1;
    *rest = *p ? p : "/";
    return port;
}

static void set_address(struct target *t, int family, long port)
{
    memset(&t->addr, 0, sizeof t->addr);
    if (family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&t->addr;
        *in = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        t->addr_len = sizeof *in;
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&t->addr;
        *in6 = (struct sockaddr_in6){.sin6_family = AF_INET6, .sin6_port = htons((unsigned short)port)};
        in6->sin6_addr = in6addr_loopback;
        t->addr_len = sizeof *in6;
    }
}

static void parse_target(const char *url, struct target *t)
{
    static const char v4[] = "http://127.0.0.1", v6[] = "http://[::1]";
    int family = !strncmp(url, v4, sizeof v4 - 1) ? AF_INET : !strncmp(url, v6, sizeof v6 - 1) ? AF_INET6 : 0;
    const char *after = url + (family == AF_INET ? sizeof v4 : sizeof v6) - 1;
    if (!family || (*after != ':' && *after != '/' && *after != '\0'))
        die_usage("--probe \"%s\" is not a loopback http URL; " PROBE_HINT, url);
    long port = *after == ':' ? parse_port(after + 1, &t->path) : -1;
    if (port < 0) die_usage("--probe \"%s\" needs a port from 1 to 65535; " PROBE_HINT, url);
    check_path(url, t->path);
    snprintf(t->host, sizeof t->host, "%s:%ld", family == AF_INET ? "127.0.0.1" : "[::1]", port);
    set_address(t, family, port);
}

/* Waits until fd is ready for `events` or the deadline passes; 0 when ready, -1 (errno ETIMEDOUT) if not. */
static int wait_for(int fd, short events, double deadline)
{
    for (;;) {
        double left = deadline - now();
        if (left <= 0) return errno = ETIMEDOUT, -1;
        struct pollfd p = {fd, events, 0};
        int n = poll(&p, 1, (int)(left * 1000) + 1);
        if (n > 0) return 0;
        if (n < 0 && errno != EINTR) return -1;
    }
}

static int connect_target(const struct target *t, double deadline)
{
    int fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    int err = 0;
    socklen_t len = sizeof err;
    if (connect(fd, (const struct sockaddr *)&t->addr, t->addr_len) == 0) return fd;
    if (errno == EINPROGRESS && wait_for(fd, POLLOUT, deadline) == 0 &&
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && (errno = err) == 0)
        return fd;
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

static int send_all(int fd, const char *data, size_t len, double deadline)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n > 0) data += n, len -= (size_t)n;
        else if (n < 0 && errno != EAGAIN && errno != EINTR) return -1;
        else if (n < 0 && errno == EAGAIN && wait_for(fd, POLLOUT, deadline) < 0) return -1;
    }
    return 0;
}

/* Reads until the server closes, the buffer is full or the deadline passes; returns the bytes read.
 * errno is 0 after a clean close or a full buffer, else why reading stopped. */
static size_t read_response(int fd, char *buf, size_t cap, double deadline)
{
    size_t got = 0;
    errno = 0;
    while (got < cap - 1 && wait_for(fd, POLLIN, deadline) == 0) {
        ssize_t n = recv(fd, buf + got, cap - 1 - got, 0);
        if (n > 0) got += (size_t)n;
        else if (n == 0) errno = 0;
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;
    }
    buf[got] = '\0';
    return got;
}

/* The status code of "HTTP/1.x NNN ...", or -1 when the response does not start with one. */
static int status_code(const char *response)
{
    const char *p = response;
    if (strncmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' || p[8] != ' ') return -1;
    p += 9;
    for (int i = 0; i < 3; i++)
        if (p[i] < '0' || p[i] > '9') return -1;
    if (p[3] != ' ' && p[3] != '\r') return -1;
    return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

/* Undoes chunked transfer coding in place, as far as the buffer goes: the body of an HTTP/1.1 answer
 * without Content-Length comes chunked, and the chunk sizes would clutter the message. */
static void dechunk(char *body)
{
    char *out = body, *in = body, *end;
    for (;;) {
        unsigned long size = strtoul(in, &end, 16);
        char *data = strstr(end, "\r\n");
        if (end == in || !data || size == 0) break;
        size_t have = strlen(data + 2) < size ? strlen(data + 2) : size;
        memmove(out, data + 2, have);
        out += have;
        if (have < size) break;
        in = data + 2 + size + (strncmp(data + 2 + size, "\r\n", 2) ? 0 : 2);
    }
    *out = '\0';
}

/* The first 160 bytes of the body on one line (each run of spaces and control bytes as one space), for
 * the kubelet's event; "" when there is none. */
static void body_head(char *response, char *out, size_t cap)
{
    static char none[] = "";
    char *body = strstr(response, "\r\n\r\n");
    size_t n = 0;
    if (body) {
        *body = '\0'; /* the headers end here, so the search below stays within them */
        body += 4;
        if (strcasestr(response, "\r\ntransfer-encoding: chunked")) dechunk(body);
    }
    for (body = body ? body : none; *body && n < cap - 1 && n < 160; body++) {
        int blank = *body <= ' ' || *body > '~';
        if (!blank) out[n++] = *body;
        else if (n > 0 && out[n - 1] != ' ') out[n++] = ' ';
    }
    while (n > 0 && out[n - 1] == ' ') n--;
    out[n] = '\0';
}

static int report_status(const char *url, char *response)
{
    char head[192];
    int code = status_code(response);
    if (code >= 200 && code <= 299) return 0;
    if (code < 0) {
        say("probe %s: the answer does not start with an HTTP/1.x status line", url);
        return 1;
    }
    body_head(response, head, sizeof head);
    say("probe %s: HTTP %d%s%s", url, code, *head ? " " : "", head);
    return 1;
}

/* One line for a failure before any answer: refused, reset, or out of time. */
static int report_error(const char *url, int err, double timeout)
{
    if (err == ETIMEDOUT) say("probe %s: no answer within %gs (--timeout)", url, timeout);
    else if (err) say("probe %s: %s", url, strerror(err));
    else say("probe %s: the connection closed without an answer", url);
    return 1;
}

int run_probe(const char *url, double timeout)
{
    struct target t;
    char request[PATH_MAX_LEN + 128], response[RESPONSE_MAX];
    parse_target(url, &t);
    double deadline = now() + timeout;
    int len = snprintf(request, sizeof request,
                       "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: mcp-shim-probe\r\nConnection: close\r\n\r\n",
                       t.path, t.host);
    int fd = connect_target(&t, deadline);
    if (fd < 0) return report_error(url, errno, timeout);
    if (send_all(fd, request, (size_t)len, deadline) < 0) {
        int err = errno;
        close(fd);
        return report_error(url, err, timeout);
    }
    size_t got = read_response(fd, response, sizeof response, deadline);
    int err = errno;
    close(fd);
    return got == 0 ? report_error(url, err, timeout) : report_status(url, response);
}
