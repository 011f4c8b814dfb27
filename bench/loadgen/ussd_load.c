/* ussd_load: a low-CPU HTTP/1.1 load generator for the USSD route (POST /channels/ussd/africastalking).
 *
 *   gcc -O2 -Wall -Wextra -o ussd_load ussd_load.c
 *   ussd_load --host 127.0.0.1 --port P --path /channels/ussd/africastalking --phones FILE \
 *             --connections 64 --seconds 6 --warmup 2 [--rate R] [--mode bare|service]
 *
 * Each of C keep-alive connections (one request in flight, no pipelining) runs USSD sessions in a loop:
 * "dial" (text=) then, if the screen offers "N. My savings" (or its Kinyarwanda/French label), "balance"
 * (text=N) with the same sessionId. Connection n, session i uses phone n + (i % k)*C, k = len(phones) / C:
 * each connection has phones of its own, as a handset is in one USSD session at a time (the network holds
 * one per SIM). With fewer phones than connections, connections share them (n % len(phones)).
 *
 * Closed loop (default): a connection sends its next request as soon as the last one is answered.
 * Open loop (--rate R): each connection owns a schedule of intended send times R/C per second apart
 * (random phase), and latency runs from the intended time, so a slow answer that delays the next
 * request shows up in that request's latency (wrk2's correction for coordinated omission).
 *
 * One thread, non-blocking sockets, level-triggered epoll. Prints one JSON object on stdout, shaped like
 * bench/ussd.py's Python load(): rps, total, ok, bad, errors, odd, ms {all, dial, balance: [p50, p99, n]},
 * max_ms, offered_rate, client_cpu_s (plus whole-run counts under "run").
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEAD 65536          /* a response head larger than this is malformed */
#define MAX_BODY (16u << 20)    /* and so is a body larger than this */
#define RETRY_S 0.01            /* pause before reconnecting after an error, so a refused port is not a busy loop */
#define KEEP 3                  /* odd screens / bad answers kept for the report */

/* --- settings and results -------------------------------------------------------------------------------- */

static struct {
    const char *host, *port, *path, *phones_file, *mode;
    int connections;
    double seconds, warmup, rate, drain;
    bool bare;
} opt = {"127.0.0.1", NULL, "/channels/ussd/africastalking", NULL, "service", 64, 6, 2, 0, 3, false};

typedef struct {
    double *v;
    size_t n, cap;
} samples;

static struct {
    samples dial, balance;                   /* latencies (ms) of requests inside the recorded window */
    long total, ok, bad;                     /* total: every response; ok/bad: recorded window only */
    long errors, sessions, dials, balances, bad_all, odd_all;  /* whole run */
    long late;                               /* started inside the window, finished after it */
    char *odd[2 * KEEP];
    int n_odd, n_odd_screens, n_bad_answers;
    double max_ms;
} res;

static double t_start, t_stop, t_deadline; /* recorded window [t_start, t_stop]; give up at t_deadline */

/* --- small helpers ---------------------------------------------------------------------------------------- */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what) {
    fprintf(stderr, "ussd_load: %s\n", what);
    exit(2);
}

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n);
    if (!p) die("out of memory");
    return p;
}

static void push(samples *s, double x) {
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 65536;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = x;
}

/* xorshift64*: session ids only need to be unique, not secret */
static uint64_t rng_state;
static uint64_t rng(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static void seed_rng(void) {
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(&rng_state, sizeof rng_state, 1, f) != 1)
        rng_state = (uint64_t)now_s() ^ ((uint64_t)getpid() << 32);
    if (f) fclose(f);
    if (!rng_state) rng_state = 88172645463325252ULL;
}

/* form encoding as Python's urlencode does it: everything but [A-Za-z0-9_.-~] as %XX */
static void url_encode(char *out, size_t cap, const char *in) {
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *in && o + 4 < cap; in++) {
        unsigned char ch = (unsigned char)*in;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("_.-~", ch)) {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = 0;
}

/* --- phones ----------------------------------------------------------------------------------------------- */

static char **phones; /* already form-encoded */
static size_t n_phones;

/* Connection n's phone for its session i: its own phones only, so no two connections are ever in a session
 * with the same phone (a handset holds one USSD session at a time). */
static size_t phone_of(size_t n, size_t i) {
    size_t c = (size_t)opt.connections, per = n_phones / c;
    if (per == 0) return n % n_phones;
    return n + (i % per) * c;
}

static void load_phones(const char *file) {
    FILE *f = fopen(file, "r");
    if (!f) die("cannot open the phones file");
    char line[256], enc[800];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        char *s = line, *e;
        while (*s == ' ' || *s == '\t') s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) *--e = 0;
        if (!*s) continue;
        url_encode(enc, sizeof enc, s);
        if (n_phones == cap) {
            cap = cap ? 2 * cap : 1024;
            phones = xrealloc(phones, cap * sizeof *phones);
        }
        phones[n_phones++] = strdup(enc);
    }
    fclose(f);
    if (!n_phones) die("the phones file has no phones");
}

/* --- response parsing ------------------------------------------------------------------------------------- */

typedef struct {
    int status;
    bool close;        /* the server will close the connection after this response */
    const char *body;  /* points into the receive buffer, or into the de-chunked copy */
    size_t body_len;
} response;

static char *chunk_buf; /* de-chunked body; one is enough, a body is used before the next one is parsed */
static size_t chunk_cap;

/* Does [s, s+n) contain word, case-insensitively (header values are short; a plain scan is fine)? */
static bool has_token(const char *s, size_t n, const char *word) {
    size_t w = strlen(word);
    for (size_t i = 0; i + w <= n; i++)
        if (!strncasecmp(s + i, word, w)) return true;
    return false;
}

static bool header_is(const char *line, size_t name_len, const char *name) {
    return name_len == strlen(name) && !strncasecmp(line, name, name_len);
}

/* Parses one response at the front of buf. Returns the bytes it takes (> 0) when complete, 0 when more
 * bytes are needed, -1 when malformed. eof: the peer has closed, which ends a body sent without length.
 * The whole response is parsed again from the start when more bytes arrive: answers here are a few hundred
 * bytes, so that is cheaper than keeping parser state. */
static long parse_response(const char *buf, size_t len, bool eof, response *r) {
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end) return len > MAX_HEAD ? -1 : 0;
    size_t head = (size_t)(end - buf) + 4;
    if (len < 12 || memcmp(buf, "HTTP/1.", 7) || buf[8] != ' ') return -1;
    if (buf[9] < '1' || buf[9] > '5' || buf[10] < '0' || buf[10] > '9' || buf[11] < '0' || buf[11] > '9') return -1;
    r->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
    r->close = buf[7] == '0'; /* HTTP/1.0 closes unless it says keep-alive */
    bool chunked = false, has_length = false;
    size_t length = 0;
    const char *line = (const char *)memchr(buf, '\n', head) + 1;
    while (line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end + 2 - line));
        const char *colon = memchr(line, ':', (size_t)(eol - line));
        if (colon) {
            const char *v = colon + 1, *ve = eol;
            while (v < ve && (*v == ' ' || *v == '\t')) v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t')) ve--;
            size_t name_len = (size_t)(colon - line), vn = (size_t)(ve - v);
            if (header_is(line, name_len, "content-length")) {
                char *stop;
                char num[24];
                if (vn == 0 || vn >= sizeof num) return -1;
                memcpy(num, v, vn);
                num[vn] = 0;
                unsigned long long n = strtoull(num, &stop, 10);
                if (*stop || n > MAX_BODY) return -1;
                length = (size_t)n;
                has_length = true;
            } else if (header_is(line, name_len, "transfer-encoding")) {
                chunked = has_token(v, vn, "chunked");
            } else if (header_is(line, name_len, "connection")) {
                if (has_token(v, vn, "close")) r->close = true;
                else if (has_token(v, vn, "keep-alive")) r->close = false;
            }
        }
        line = eol + 1;
    }
    if (r->status < 200 || r->status == 204 || r->status == 304) { /* no body (1xx is skipped by the caller) */
        r->body = buf + head;
        r->body_len = 0;
        return (long)head;
    }
    if (chunked) {
        size_t pos = head, out = 0;
        for (;;) {
            const char *eol = memmem(buf + pos, len - pos, "\r\n", 2);
            if (!eol) return 0;
            /* the line ends in CRLF, so strtoull stops inside it (at a ';' extension or the CR) */
            if (!isxdigit((unsigned char)buf[pos])) return -1;
            char *stop;
            unsigned long long size = strtoull(buf + pos, &stop, 16);
            if (size > MAX_BODY) return -1;
            pos = (size_t)(eol - buf) + 2;
            if (size == 0) { /* optional trailers, then an empty line */
                if (len - pos >= 2 && !memcmp(buf + pos, "\r\n", 2)) {
                    pos += 2;
                } else {
                    const char *fin = memmem(buf + pos, len - pos, "\r\n\r\n", 4);
                    if (!fin) return 0;
                    pos = (size_t)(fin - buf) + 4;
                }
                r->body = chunk_buf;
                r->body_len = out;
                return (long)pos;
            }
            if (len - pos < size + 2) return 0;
            if (out + size > MAX_BODY) return -1;
            if (out + size > chunk_cap) {
                chunk_cap = (out + size) * 2;
                chunk_buf = xrealloc(chunk_buf, chunk_cap);
            }
            memcpy(chunk_buf + out, buf + pos, size);
            out += size;
            pos += size + 2;
        }
    }
    if (has_length) {
        if (len - head < length) return 0;
        r->body = buf + head;
        r->body_len = length;
        return (long)(head + length);
    }
    if (!eof) return 0; /* no length: the body runs until the server closes */
    r->close = true;
    r->body = buf + head;
    r->body_len = len - head;
    return (long)len;
}

/* ^(\d+)\. (My savings|Amafaranga|Mon épargne) on any line; copies the digits into out. */
static bool find_balance_choice(const char *b, size_t n, char *out, size_t cap) {
    static const char *labels[] = {"My savings", "Amafaranga", "Mon \xc3\xa9pargne"};
    for (size_t i = 0; i < n;) {
        size_t d = i;
        while (d < n && b[d] >= '0' && b[d] <= '9') d++;
        if (d > i && d - i < cap && n - d >= 2 && b[d] == '.' && b[d + 1] == ' ') {
            for (size_t k = 0; k < 3; k++) {
                size_t ln = strlen(labels[k]);
                if (n - d - 2 >= ln && !memcmp(b + d + 2, labels[k], ln)) {
                    memcpy(out, b + i, d - i);
                    out[d - i] = 0;
                    return true;
                }
            }
        }
        const char *nl = memchr(b + i, '\n', n - i);
        if (!nl) break;
        i = (size_t)(nl - b) + 1;
    }
    return false;
}

/* --- connections ------------------------------------------------------------------------------------------- */

enum kind { DIAL, BALANCE };
enum state { IDLE, CONNECTING, WRITING, READING, DONE };

typedef struct conn {
    int fd;              /* -1 while not connected */
    int n;               /* connection number */
    enum state state;
    uint32_t events;     /* what epoll watches now, to skip needless epoll_ctl calls */
    enum kind next;      /* the hop the next request is */
    enum kind kind;      /* the hop in flight */
    long session;        /* sessions this connection has started */
    size_t phone;
    char sid[17], text[16];
    char out[1536];
    size_t out_len, out_off;
    char *in;
    size_t in_len, in_cap;
    double intended;     /* the latency origin of the request in flight or waiting */
    double next_slot;    /* open loop: intended time of the connection's next request */
    double wake;         /* when a waiting connection sends (timer heap key) */
} conn;

static int ep;
static struct addrinfo *addr;
static conn *conns;
static int active;      /* connections not DONE */
static double interval; /* open loop: seconds between one connection's requests */

/* The waiting connections, earliest wake first: sends that are not due yet and reconnect pauses. */
static conn **heap;
static size_t heap_n;

static void heap_push(conn *c) {
    size_t i = heap_n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (heap[p]->wake <= c->wake) break;
        heap[i] = heap[p];
        i = p;
    }
    heap[i] = c;
}

static conn *heap_pop(void) {
    conn *top = heap[0], *last = heap[--heap_n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = l;
        if (l >= heap_n) break;
        if (l + 1 < heap_n && heap[l + 1]->wake < heap[l]->wake) m = l + 1;
        if (heap[m]->wake >= last->wake) break;
        heap[i] = heap[m];
        i = m;
    }
    if (heap_n) heap[i] = last;
    return top;
}

static void watch(conn *c, uint32_t events) {
    if (c->events == events) return;
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(ep, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &ev)) die("epoll_ctl failed");
    c->events = events;
}

static void disconnect(conn *c) {
    if (c->fd >= 0) close(c->fd); /* close also drops it from the epoll set */
    c->fd = -1;
    c->events = 0;
    c->in_len = 0;
}

static void send_now(conn *c, double now);
static void fail(conn *c, double now);

/* Decides the connection's next request and sends it, or parks it on the timer heap until it is due.
 * not_before: the earliest actual send (a reconnect pause). */
static void schedule(conn *c, double now, double not_before) {
    double intended;
    if (opt.rate > 0) {
        intended = c->next_slot;
        c->next_slot += interval;
    } else {
        intended = not_before > now ? not_before : now;
    }
    if (c->next == DIAL) {
        /* no new session after the window (not even a late one of the open loop's backlog); a started
         * session still finishes its balance hop, like the Python client */
        if (intended >= t_stop || now >= t_stop) {
            disconnect(c);
            c->state = DONE;
            active--;
            return;
        }
        long i = c->session++;
        c->phone = phone_of((size_t)c->n, (size_t)i);
        snprintf(c->sid, sizeof c->sid, "%016llx", (unsigned long long)rng());
        c->text[0] = 0;
        res.sessions++;
    }
    c->intended = intended;
    c->wake = intended > not_before ? intended : not_before;
    c->state = IDLE;
    if (c->wake <= now) send_now(c, now);
    else heap_push(c);
}

static void flush(conn *c, double now) {
    while (c->out_off < c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                c->state = WRITING;
                watch(c, EPOLLIN | EPOLLOUT);
                return;
            }
            if (errno == EINTR) continue;
            fail(c, now);
            return;
        }
        c->out_off += (size_t)w;
    }
    c->state = READING;
    watch(c, EPOLLIN);
}

static void send_now(conn *c, double now) {
    int body_len;
    char body[1024];
    c->kind = c->next;
    body_len = snprintf(body, sizeof body,
                        "sessionId=ATUid_%s&serviceCode=%%2A384%%2A1%%23&phoneNumber=%s&networkCode=63510&text=%s",
                        c->sid, phones[c->phone], c->text);
    if (body_len < 0 || (size_t)body_len >= sizeof body) die("request body too long (phone?)");
    int n = snprintf(c->out, sizeof c->out,
                     "POST %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: ussd_load\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
                     opt.path, opt.host, opt.port, body_len, body);
    if (n < 0 || (size_t)n >= sizeof c->out) die("request too long");
    c->out_len = (size_t)n;
    c->out_off = 0;
    if (c->fd >= 0) {
        flush(c, now);
        return;
    }
    /* (re)connect; the request goes out once the socket is writable */
    c->fd = socket(addr->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) die("socket failed (too many connections for the fd limit?)");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* small requests must not wait for Nagle */
    if (connect(c->fd, addr->ai_addr, addr->ai_addrlen) == 0) {
        flush(c, now);
    } else if (errno == EINPROGRESS) {
        c->state = CONNECTING;
        watch(c, EPOLLOUT);
    } else {
        fail(c, now);
    }
}

/* A connection error: counted, the session given up, and a new one started on a new connection. */
static void fail(conn *c, double now) {
    res.errors++;
    disconnect(c);
    c->next = DIAL;
    schedule(c, now, now + RETRY_S);
}

static void keep_odd(const char *s, int len) {
    if (res.n_odd < 2 * KEEP) {
        res.odd[res.n_odd] = xrealloc(NULL, (size_t)len + 1);
        memcpy(res.odd[res.n_odd], s, (size_t)len);
        res.odd[res.n_odd++][len] = 0;
    }
}

/* Leading UTF-8 characters of b that fit in at most max_chars characters, in bytes (Python's body[:n]). */
static int utf8_prefix(const char *b, size_t n, int max_chars) {
    size_t i = 0;
    for (int chars = 0; i < n && chars < max_chars; chars++) {
        i++;
        while (i < n && ((unsigned char)b[i] & 0xC0) == 0x80) i++;
    }
    return (int)i;
}

static void on_response(conn *c, const response *r, double now) {
    res.total++;
    if (c->kind == DIAL) res.dials++;
    else res.balances++;
    if (c->intended >= t_start && now <= t_stop) {
        double ms = (now - c->intended) * 1000;
        push(c->kind == DIAL ? &res.dial : &res.balance, ms);
        if (ms > res.max_ms) res.max_ms = ms;
        if (r->status == 200) res.ok++;
        else res.bad++;
    } else if (c->intended >= t_start && c->intended < t_stop) {
        res.late++; /* many of these under an open loop beyond capacity: compare rps with offered_rate */
    }
    if (r->status != 200) {
        res.bad_all++;
        if (res.n_bad_answers < KEEP) {
            char s[1024];
            int b = utf8_prefix(r->body, r->body_len, 200);
            int len = snprintf(s, sizeof s, "%d: %.*s", r->status, b, r->body);
            keep_odd(s, len < (int)sizeof s ? len : (int)sizeof s - 1);
            res.n_bad_answers++;
        }
        c->next = DIAL;
    } else if (c->kind == BALANCE) {
        c->next = DIAL;
    } else if (find_balance_choice(r->body, r->body_len, c->text, sizeof c->text)) {
        c->next = BALANCE;
    } else if (opt.bare) {
        strcpy(c->text, "1"); /* the reference server answers a constant screen; the hop still costs a parse */
        c->next = BALANCE;
    } else {
        res.odd_all++;
        if (res.n_odd_screens < KEEP) {
            keep_odd(r->body, utf8_prefix(r->body, r->body_len, 120));
            res.n_odd_screens++;
        }
        c->next = DIAL;
    }
}

static void on_readable(conn *c, double now) {
    if (c->in_cap - c->in_len < 4096) {
        c->in_cap = c->in_cap ? 2 * c->in_cap : 16384;
        c->in = xrealloc(c->in, c->in_cap);
    }
    if (c->in_len > MAX_HEAD + MAX_BODY) {
        fail(c, now);
        return;
    }
    ssize_t got = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    bool eof = got <= 0;
    if (got > 0) c->in_len += (size_t)got;
    if (c->state != READING && c->state != WRITING) { /* idle: the server closed a kept-alive connection */
        if (eof) disconnect(c);
        return;
    }
    for (;;) {
        response r;
        long used = parse_response(c->in, c->in_len, eof, &r);
        if (used < 0 || (used == 0 && eof)) {
            fail(c, now);
            return;
        }
        if (used == 0) return; /* wait for the rest */
        if (r.status < 200) {  /* an interim 1xx answer; the real one follows */
            memmove(c->in, c->in + used, c->in_len - (size_t)used);
            c->in_len -= (size_t)used;
            continue;
        }
        on_response(c, &r, now);
        /* bytes after this response stay in the buffer for the next one */
        memmove(c->in, c->in + used, c->in_len - (size_t)used);
        c->in_len -= (size_t)used;
        if (r.close || eof) disconnect(c);
        schedule(c, now, now);
        return;
    }
}

static void on_event(conn *c, uint32_t events, double now) {
    if (c->state == CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) fail(c, now);
        else flush(c, now);
        return;
    }
    if ((events & EPOLLOUT) && c->state == WRITING) flush(c, now);
    if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) && c->fd >= 0) on_readable(c, now);
}

/* Waits for events until `until` with microsecond precision where the kernel has epoll_pwait2 (an open-loop
 * send that fires up to a millisecond late would add that to its latency); otherwise in whole milliseconds. */
static int wait_events(struct epoll_event *evs, int max, double until, double now) {
    double dt = until - now;
    if (dt < 0) dt = 0;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
    static bool no_pwait2;
    if (!no_pwait2) {
        struct timespec ts = {.tv_sec = (time_t)dt, .tv_nsec = (long)((dt - (double)(time_t)dt) * 1e9)};
        int n = epoll_pwait2(ep, evs, max, &ts, NULL);
        if (n >= 0 || errno != ENOSYS) return n;
        no_pwait2 = true;
    }
#endif
    return epoll_wait(ep, evs, max, (int)(dt * 1000 + 0.999));
}

/* --- report ----------------------------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void print_percentiles(const char *name, samples *s, bool *first) {
    if (!s->n) return; /* like the Python load(): only kinds with samples */
    qsort(s->v, s->n, sizeof *s->v, cmp_double);
    size_t i50 = (size_t)(0.5 * (double)s->n), i99 = (size_t)(0.99 * (double)s->n);
    if (i50 > s->n - 1) i50 = s->n - 1;
    if (i99 > s->n - 1) i99 = s->n - 1;
    printf("%s\"%s\": [%.3f, %.3f, %zu]", *first ? "" : ", ", name, s->v[i50], s->v[i99], s->n);
    *first = false;
}

/* A JSON string; bytes that are not valid UTF-8 become U+FFFD so the report always parses. */
static void print_json_string(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    putchar('"');
    while (*p) {
        unsigned char ch = *p;
        if (ch < 0x80) {
            if (ch == '"' || ch == '\\') printf("\\%c", ch);
            else if (ch == '\n') fputs("\\n", stdout);
            else if (ch < 0x20 || ch == 0x7f) printf("\\u%04x", ch);
            else putchar(ch);
            p++;
            continue;
        }
        int len = ch >= 0xC2 && ch <= 0xDF ? 2 : ch >= 0xE0 && ch <= 0xEF ? 3 : ch >= 0xF0 && ch <= 0xF4 ? 4 : 0;
        int k = 1;
        while (k < len && (p[k] & 0xC0) == 0x80) k++;
        if (len && k == len) {
            fwrite(p, 1, (size_t)len, stdout);
            p += len;
        } else {
            fputs("\\ufffd", stdout);
            p++;
        }
    }
    putchar('"');
}

static void report(void) {
    samples all = {0};
    for (size_t i = 0; i < res.dial.n; i++) push(&all, res.dial.v[i]);
    for (size_t i = 0; i < res.balance.n; i++) push(&all, res.balance.v[i]);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
                 (double)ru.ru_stime.tv_usec * 1e-6;
    printf("{\"rps\": %.3f, \"total\": %ld, \"ok\": %ld, \"bad\": %ld, \"errors\": %ld, \"odd\": [",
           (double)all.n / opt.seconds, res.total, res.ok, res.bad, res.errors);
    for (int i = 0; i < res.n_odd; i++) {
        if (i) fputs(", ", stdout);
        print_json_string(res.odd[i]);
    }
    fputs("], \"ms\": {", stdout);
    bool first = true;
    print_percentiles("all", &all, &first);
    print_percentiles("dial", &res.dial, &first);
    print_percentiles("balance", &res.balance, &first);
    printf("}, \"max_ms\": %.3f, \"offered_rate\": ", res.max_ms);
    if (opt.rate > 0) printf("%.3f", opt.rate);
    else fputs("null", stdout);
    printf(", \"client_cpu_s\": %.4f, \"connections\": %d, \"seconds\": %.3f, \"warmup\": %.3f, \"mode\": ",
           cpu, opt.connections, opt.seconds, opt.warmup);
    print_json_string(opt.mode);
    printf(", \"run\": {\"sessions\": %ld, \"dial\": %ld, \"balance\": %ld, \"bad\": %ld, \"odd\": %ld, "
           "\"late\": %ld, \"unfinished\": %d}}\n",
           res.sessions, res.dials, res.balances, res.bad_all, res.odd_all, res.late, active);
}

/* --- main ------------------------------------------------------------------------------------------------- */

static void usage(void) {
    fprintf(stderr,
            "usage: ussd_load --port P --phones FILE [--host 127.0.0.1] [--path /channels/ussd/africastalking]\n"
            "                 [--connections 64] [--seconds 6] [--warmup 2] [--rate R] [--mode bare|service]\n"
            "                 [--drain 3]   (seconds to let started sessions finish after the window)\n");
    exit(2);
}

static double number(const char *s, const char *name) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || v < 0) {
        fprintf(stderr, "ussd_load: --%s wants a non-negative number, not %s\n", name, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv) {
    static const struct option longs[] = {
        {"host", required_argument, 0, 'h'},        {"port", required_argument, 0, 'p'},
        {"path", required_argument, 0, 'P'},        {"phones", required_argument, 0, 'f'},
        {"connections", required_argument, 0, 'c'}, {"seconds", required_argument, 0, 's'},
        {"warmup", required_argument, 0, 'w'},      {"rate", required_argument, 0, 'r'},
        {"mode", required_argument, 0, 'm'},        {"drain", required_argument, 0, 'd'},
        {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (ch) {
        case 'h': opt.host = optarg; break;
        case 'p': opt.port = optarg; break;
        case 'P': opt.path = optarg; break;
        case 'f': opt.phones_file = optarg; break;
        case 'c': opt.connections = (int)number(optarg, "connections"); break;
        case 's': opt.seconds = number(optarg, "seconds"); break;
        case 'w': opt.warmup = number(optarg, "warmup"); break;
        case 'r': opt.rate = number(optarg, "rate"); break;
        case 'm': opt.mode = optarg; break;
        case 'd': opt.drain = number(optarg, "drain"); break;
        default: usage();
        }
    }
    if (optind != argc || !opt.port || !opt.phones_file || opt.connections < 1 || opt.seconds <= 0) usage();
    if (strcmp(opt.mode, "bare") && strcmp(opt.mode, "service") && strcmp(opt.mode, "channel")) usage();
    opt.bare = !strcmp(opt.mode, "bare");

    load_phones(opt.phones_file);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    int gai = getaddrinfo(opt.host, opt.port, &hints, &addr);
    if (gai) {
        fprintf(stderr, "ussd_load: %s:%s: %s\n", opt.host, opt.port, gai_strerror(gai));
        return 2;
    }
    seed_rng();
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1 failed");

    conns = calloc((size_t)opt.connections, sizeof *conns);
    heap = calloc((size_t)opt.connections, sizeof *heap);
    if (!conns || !heap) die("out of memory");
    double t0 = now_s();
    t_start = t0 + opt.warmup;
    t_stop = t_start + opt.seconds;
    t_deadline = t_stop + opt.drain;
    if (opt.rate > 0) interval = opt.connections / opt.rate;
    active = opt.connections;
    for (int n = 0; n < opt.connections; n++) {
        conn *c = &conns[n];
        c->fd = -1;
        c->n = n;
        c->next = DIAL;
        /* a random phase per connection, so the connections' slots spread evenly over time */
        c->next_slot = t0 + interval * (double)(rng() >> 11) * 0x1.0p-53;
        schedule(c, t0, t0);
    }

    struct epoll_event evs[256];
    for (;;) {
        double now = now_s();
        while (heap_n && heap[0]->wake <= now) send_now(heap_pop(), now);
        if (!active || now >= t_deadline) break;
        double until = t_deadline;
        if (heap_n && heap[0]->wake < until) until = heap[0]->wake;
        int n = wait_events(evs, 256, until, now);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait failed");
        }
        now = now_s();
        for (int i = 0; i < n; i++) on_event(evs[i].data.ptr, evs[i].events, now);
    }
    report();
    return 0;
}
