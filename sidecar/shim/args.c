/*
 * Command line parsing. Every mistake ends in one stderr line that names the problem and the fix,
 * and exit code 2, so a broken pod spec is obvious from the container log alone.
 */
#include "mcp-shim.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#ifndef MCP_SHIM_VERSION
#define MCP_SHIM_VERSION "0.1.0"
#endif

#define USAGE_HINT "usage: mcp-shim --listen /mcp/run/stdio.sock -- <command> [args...]"
#define PROBE_USAGE "mcp-shim --probe http://127.0.0.1:8081/readyz [--timeout 1]"
#define SUN_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

static const char usage_text[] =
    "Usage: mcp-shim --listen <socket-path> [options] -- <command> [args...]\n"
    "       mcp-shim --install <dest-path>\n"
    "       mcp-shim --probe <url> [--timeout SECONDS]\n"
    "       mcp-shim --version | --help\n\n"
    "Runs <command> once per connection to the Unix socket, with stdin and stdout bound to the\n"
    "connection and stderr inherited. Options:\n"
    "  --max-children N          refuse connections while N servers run (default 64)\n"
    "  --socket-mode OCTAL       socket permissions (default 0600)\n"
    "  --socket-owner UID[:GID]  chown the socket to these numeric ids (needs root)\n"
    "  --grace SECONDS           after SIGTERM/SIGINT, wait this long before SIGKILL (default 10)\n"
    "  --pty                     give the server a raw pseudo-terminal as stdin and stdout, relayed\n"
    "                            to the connection, for servers that buffer output unless it is a\n"
    "                            terminal (stderr stays the inherited one)\n"
    "  --install DEST            copy this binary to DEST and create DEST/../../run (mode 1777)\n"
    "  --probe URL               GET URL (http://127.0.0.1:PORT/PATH or http://[::1]:PORT/PATH) and\n"
    "                            exit 0 on a 2xx answer, else 1 with one line on stderr (for\n"
    "                            Kubernetes exec probes, which no service mesh redirects)\n"
    "  --timeout SECONDS         --probe: time for connect, request and answer together (default 1)\n";

/* Strict: strtol alone would accept spaces, signs and trailing junk. */
static long parse_integer(const char *s, int base, long min, long max, const char *opt, const char *fix)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, base);
    if (*s < '0' || *s > '9' || errno || *end || v < min || v > max)
        die_usage("%s \"%s\" is not valid; %s", opt, s, fix);
    return v;
}

/* A number of seconds up to a day; 0 only where `zero_ok` (--grace 0 means SIGKILL at once). */
static double parse_seconds(const char *s, const char *opt, int zero_ok, const char *example)
{
    char *end;
    double v = strtod(s, &end);
    if (*s < '0' || *s > '9' || *end || !(v <= 86400) || (!zero_ok && !(v > 0)))
        die_usage("%s \"%s\" is not valid; use a number of seconds such as %s", opt, s, example);
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
    c->owner_uid = parse_integer(uid, 10, 0, INT_MAX, "--socket-owner", fix);
    if (colon) c->owner_gid = parse_integer(colon + 1, 10, 0, INT_MAX, "--socket-owner", fix);
}

/* Accepts "--name value" and "--name=value"; NULL if argv[*i] is some other option. */
static const char *option_value(char **argv, int *i, const char *name)
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
    if (c->probe_url) {
        if (c->listen_path || c->install_dest || c->command || c->listen_options || !*c->probe_url)
            die_usage("--probe takes only a URL and --timeout; usage: " PROBE_USAGE);
        return;
    }
    if (c->probe_timeout) die_usage("--timeout applies only to --probe; usage: " PROBE_USAGE);
    if (c->install_dest) {
        if (c->listen_path || c->command || c->pty || !*c->install_dest)
            die_usage("--install takes only a destination path; usage: mcp-shim --install /mcp/bin/mcp-shim");
        return;
    }
    if (!c->listen_path || !*c->listen_path) die_usage("missing --listen <socket-path>; " USAGE_HINT);
    if (!c->command || !c->command[0]) die_usage("missing server command after \"--\"; " USAGE_HINT);
    if (strlen(c->listen_path) > SUN_PATH_MAX)
        die_usage("--listen path is longer than the %zu bytes a Unix socket allows; use a shorter path",
                  SUN_PATH_MAX);
}

/* The options of --listen mode; 1 when argv[*i] was one of them (and is consumed). */
static int listen_option(char **argv, int *i, struct config *c)
{
    static const char mode_fix[] = "use an octal mode such as 0600 or 0660";
    const char *v;
    if ((v = option_value(argv, i, "--max-children")))
        c->max_children = parse_integer(v, 10, 1, 1000000, "--max-children", "use a positive integer such as 64");
    else if ((v = option_value(argv, i, "--socket-mode")))
        c->socket_mode = parse_integer(v, 8, 0, 07777, "--socket-mode", mode_fix);
    else if ((v = option_value(argv, i, "--socket-owner"))) parse_owner(v, c);
    else if ((v = option_value(argv, i, "--grace"))) c->grace = parse_seconds(v, "--grace", 1, "10");
    else if (!strcmp(argv[*i], "--pty")) c->pty = 1;
    else return 0;
    return 1;
}

void parse_args(int argc, char **argv, struct config *c)
{
    const char *v;
    for (int i = 1; i < argc && !c->command; i++) {
        if (!strcmp(argv[i], "--")) c->command = argv + i + 1;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) exit(fputs(usage_text, stdout) < 0);
        else if (!strcmp(argv[i], "--version")) exit(printf("mcp-shim %s\n", MCP_SHIM_VERSION) < 0);
        else if ((v = option_value(argv, &i, "--listen"))) c->listen_path = v;
        else if ((v = option_value(argv, &i, "--install"))) c->install_dest = v;
        else if ((v = option_value(argv, &i, "--probe"))) c->probe_url = v;
        else if ((v = option_value(argv, &i, "--timeout"))) c->probe_timeout = parse_seconds(v, "--timeout", 0, "1");
        else if (listen_option(argv, &i, c)) c->listen_options++;
        else if (!strncmp(argv[i], "--pty=", 6)) die_usage("--pty takes no value; write just --pty");
        else if (argv[i][0] != '-')
            die_usage("unexpected argument \"%s\"; put \"--\" before the server command", argv[i]);
        else die_usage("unknown option \"%s\"; run mcp-shim --help for the options", argv[i]);
    }
    check_config(c);
}
