/* dp_bus.c - ZeroMQ transport: PUSH/PULL pipeline sockets and PUB taps */
/* SPDX-License-Identifier: MIT */
#include "dp_bus.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "dp_fs.h"
#include "dp_log.h"
#include "dp_service.h"

#define DP_BUS_LINGER_MS 2000
#define DP_BUS_MAX_SOCKETS 32
#define DP_BUS_PUB_HWM 100000
#define DP_BUS_PIPE_HWM 100000
/* A peer not there yet is tried again after 5 ms, doubling up to 1 s: a
 * stack whose services start together connects within milliseconds of
 * each bind, not at libzmq's fixed 100 ms, and a peer gone for long is
 * not called 200 times a second. */
#define DP_BUS_RECONNECT_MS 5
#define DP_BUS_RECONNECT_MAX_MS 1000
/* A peer that sends a larger frame is disconnected by ZeroMQ itself. */
#define DP_BUS_MAX_MSG ((int64_t)64 * 1024 * 1024)

#define DP_BUS_Z85_LEN 40
#define DP_BUS_KEY_LEN 32
#define DP_BUS_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define DP_BUS_KEYFILE_MAX 1024 /* bytes read of a key file */
#define DP_BUS_ERR_MAX 512
#define DP_BUS_PUBLIC_VAR "DP_CURVE_PUBLIC_KEY"
#define DP_BUS_SECRET_VAR "DP_CURVE_SECRET_KEY"
#define DP_BUS_FILE_VAR "DP_CURVE_KEY_FILE"
/* What a PUB sends each subscriber that connects (one frame, so never a
 * tap message, which has two); a SUB of the bus subscribes to it. */
#define DP_BUS_WELCOME "dp.welcome"

struct dp_bus_t {
    void *ctx;                            /* ZeroMQ context */
    dp_sock_t *socks[DP_BUS_MAX_SOCKETS]; /* open sockets, closed on destroy */
    bool secured;                         /* CurveZMQ on every socket */
    char public_z85[DP_BUS_Z85_LEN + 1];  /* the deployment's keypair */
    char secret_z85[DP_BUS_Z85_LEN + 1];
    uint8_t public_key[DP_BUS_KEY_LEN]; /* decoded, for the ZAP check */
    pthread_t zap;                      /* the ZAP handler thread */
    void *zap_sock;                     /* its socket, owned by it */
    bool zap_running;
};

/* ==== CurveZMQ and the ZAP handler ==== */

/* Answers ZAP requests (RFC 27) until the context terminates: CURVE
 * clients whose key is the deployment's are admitted, everyone else is
 * refused. */
static void *s_zap_main(void *arg)
{
    dp_bus_t *self = arg;
    void *rep = self->zap_sock; /* bound before the thread started */
    for (;;) {
        /* version, request id, domain, address, identity, mechanism, key */
        zmq_msg_t part[8];
        int n = 0;
        bool more = true;
        while (more && n < 8) {
            zmq_msg_init(&part[n]);
            if (zmq_msg_recv(&part[n], rep, 0) < 0) {
                for (int i = 0; i <= n; i++)
                    zmq_msg_close(&part[i]);
                zmq_close(rep);
                return NULL; /* ETERM: the bus is closing */
            }
            more = zmq_msg_more(&part[n]);
            n++;
        }
        while (more) { /* drain anything past the frames we know */
            zmq_msg_t extra;
            zmq_msg_init(&extra);
            zmq_msg_recv(&extra, rep, 0);
            more = zmq_msg_more(&extra);
            zmq_msg_close(&extra);
        }
        bool ok = n >= 7 && zmq_msg_size(&part[5]) == 5 &&
                  memcmp(zmq_msg_data(&part[5]), "CURVE", 5) == 0 &&
                  zmq_msg_size(&part[6]) == DP_BUS_KEY_LEN &&
                  memcmp(zmq_msg_data(&part[6]), self->public_key,
                         DP_BUS_KEY_LEN) == 0;
        const char *status = ok ? "200" : "400";
        const char *text = ok ? "OK" : "unknown key";
        zmq_send(rep, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(rep, n > 1 ? zmq_msg_data(&part[1]) : "",
                 n > 1 ? zmq_msg_size(&part[1]) : 0, ZMQ_SNDMORE);
        zmq_send(rep, status, 3, ZMQ_SNDMORE);
        zmq_send(rep, text, strlen(text), ZMQ_SNDMORE);
        zmq_send(rep, "", 0, ZMQ_SNDMORE); /* user id */
        zmq_send(rep, "", 0, 0);           /* metadata */
        if (!ok)
            dp_log(DP_LOG_WARN, "bus: refused a peer without the deployment "
                                "key");
        for (int i = 0; i < n; i++)
            zmq_msg_close(&part[i]);
    }
}

/* Copies a Z85 key of value into key (41 bytes); false unless it has the
 * right length. */
static bool s_copy_key(char *key, const char *value)
{
    if (!value || strlen(value) != DP_BUS_Z85_LEN)
        return false;
    memcpy(key, value, DP_BUS_Z85_LEN + 1);
    return true;
}

/* Reads the keypair of a key file ("NAME=value" lines; blank lines and
 * '#' comments skipped) into pub and sec. The file must be a regular file
 * of this user that nobody else may read. 0, or DP_ECONFIG with err. */
static int s_read_keyfile(const char *path, char *pub, char *sec, char *err,
                          size_t errlen)
{
    char text[DP_BUS_KEYFILE_MAX];
    int rc = DP_ECONFIG;
    if (dp_fs_read_secret(path, "key file", 077, true, text, sizeof text, err,
                          errlen) < 0)
        goto out;
    pub[0] = sec[0] = '\0';
    char *save = NULL;
    for (char *line = strtok_r(text, "\r\n", &save); line;
         line = strtok_r(NULL, "\r\n", &save)) {
        while (isspace((unsigned char)*line))
            line++;
        char *eq = strchr(line, '=');
        if (*line == '#' || !eq)
            continue;
        *eq = '\0';
        if (!strcmp(line, DP_BUS_PUBLIC_VAR) && !s_copy_key(pub, eq + 1))
            pub[0] = '\0';
        if (!strcmp(line, DP_BUS_SECRET_VAR) && !s_copy_key(sec, eq + 1))
            sec[0] = '\0';
    }
    if (!pub[0] || !sec[0])
        snprintf(err, errlen,
                 "key file %s: needs " DP_BUS_PUBLIC_VAR
                 "= and " DP_BUS_SECRET_VAR
                 "= lines with 40-character Z85 keys (devpulse keygen)",
                 path);
    else
        rc = 0;
out:
    explicit_bzero(text, sizeof text);
    return rc;
}

/* The deployment's keypair from the environment or the key file, checked
 * and decoded. 1 when there is one, 0 when none is configured, or
 * DP_ECONFIG with err. */
static int s_load_keys(char *pub, char *sec, uint8_t *public_key, char *err,
                       size_t errlen)
{
    const char *epub = getenv(DP_BUS_PUBLIC_VAR);
    const char *esec = getenv(DP_BUS_SECRET_VAR);
    const char *file = getenv(DP_BUS_FILE_VAR);
    uint8_t secret_key[DP_BUS_KEY_LEN];
    if ((epub && *epub) || (esec && *esec)) {
        if (!s_copy_key(pub, epub) || !s_copy_key(sec, esec)) {
            snprintf(err, errlen,
                     DP_BUS_PUBLIC_VAR " and " DP_BUS_SECRET_VAR
                                       " must both be 40-character Z85 keys");
            return DP_ECONFIG;
        }
    } else if (file && *file) {
        if (s_read_keyfile(file, pub, sec, err, errlen) < 0)
            return DP_ECONFIG;
    } else {
        return 0;
    }
    bool ok =
        zmq_z85_decode(public_key, pub) && zmq_z85_decode(secret_key, sec);
    explicit_bzero(secret_key, sizeof secret_key);
    if (!ok) {
        snprintf(err, errlen, "the CurveZMQ keys are not valid Z85");
        return DP_ECONFIG;
    }
    return 1;
}

char *dp_bus_keygen(void)
{
    char pub[DP_BUS_Z85_LEN + 1], sec[DP_BUS_Z85_LEN + 1];
    if (!zmq_has("curve") || zmq_curve_keypair(pub, sec) != 0)
        return NULL;
    char *text = dp_asprintf(
        DP_BUS_PUBLIC_VAR "=%s\n" DP_BUS_SECRET_VAR "=%s\n", pub, sec);
    explicit_bzero(sec, sizeof sec);
    return text;
}

int dp_bus_keyfile(const char *path, char *err, size_t errlen)
{
    assert(path && err);
    int fd =
        open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
        char *text = dp_bus_keygen();
        size_t len = text ? strlen(text) : 0;
        bool ok =
            text && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
        if (text)
            explicit_bzero(text, len);
        dp_free(text);
        close(fd);
        if (!ok) {
            unlink(path);
            snprintf(err, errlen, "cannot write the key file %s", path);
            return DP_ECONFIG;
        }
    } else if (errno != EEXIST) {
        snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
        return DP_ECONFIG;
    }
    char pub[DP_BUS_Z85_LEN + 1], sec[DP_BUS_Z85_LEN + 1];
    uint8_t key[DP_BUS_KEY_LEN];
    int rc = s_read_keyfile(path, pub, sec, err, errlen);
    if (rc == 0 && !(zmq_z85_decode(key, pub) && zmq_z85_decode(key, sec))) {
        snprintf(err, errlen, "key file %s: the keys are not valid Z85", path);
        rc = DP_ECONFIG;
    }
    explicit_bzero(sec, sizeof sec);
    explicit_bzero(key, sizeof key);
    return rc;
}

static int s_secure_from_env(dp_bus_t *self)
{
    char err[DP_BUS_ERR_MAX];
    int found = s_load_keys(self->public_z85, self->secret_z85,
                            self->public_key, err, sizeof err);
    if (found < 0)
        dp_log(DP_LOG_ERROR, "%s", err);
    if (found <= 0)
        return found;
    if (!zmq_has("curve")) {
        dp_log(DP_LOG_ERROR, "this libzmq has no CurveZMQ support");
        return DP_ECONFIG;
    }
    /* Bound here, before any server socket exists: libzmq admits everyone
     * while no handler is bound. */
    self->zap_sock = zmq_socket(self->ctx, ZMQ_REP);
    int linger = 0;
    zmq_setsockopt(self->zap_sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(self->zap_sock, DP_BUS_ZAP_ENDPOINT) != 0) {
        dp_log(DP_LOG_ERROR, "ZAP handler: %s", zmq_strerror(errno));
        zmq_close(self->zap_sock);
        return DP_EBUS;
    }
    if (pthread_create(&self->zap, NULL, s_zap_main, self) != 0) {
        zmq_close(self->zap_sock);
        dp_log(DP_LOG_ERROR, "cannot start the ZAP handler");
        return DP_EBUS;
    }
    self->zap_running = true;
    self->secured = true;
    return 0;
}

static int s_secure_socket(dp_bus_t *bus, void *zsock, bool server)
{
    if (!bus->secured)
        return 0;
    int rc = 0;
    if (server) {
        int one = 1;
        rc |= zmq_setsockopt(zsock, ZMQ_CURVE_SERVER, &one, sizeof one);
        rc |= zmq_setsockopt(zsock, ZMQ_CURVE_SECRETKEY, bus->secret_z85,
                             DP_BUS_Z85_LEN);
        rc |= zmq_setsockopt(zsock, ZMQ_ZAP_DOMAIN, "devpulse", 8);
    } else {
        rc |= zmq_setsockopt(zsock, ZMQ_CURVE_SERVERKEY, bus->public_z85,
                             DP_BUS_Z85_LEN);
        rc |= zmq_setsockopt(zsock, ZMQ_CURVE_PUBLICKEY, bus->public_z85,
                             DP_BUS_Z85_LEN);
        rc |= zmq_setsockopt(zsock, ZMQ_CURVE_SECRETKEY, bus->secret_z85,
                             DP_BUS_Z85_LEN);
    }
    return rc == 0 ? 0 : DP_EBUS;
}

bool dp_bus_secured(const dp_bus_t *self)
{
    return self->secured;
}

struct dp_sock_t {
    dp_bus_t *bus;   /* owner */
    void *zsock;     /* ZeroMQ socket */
    int type;        /* ZMQ_PUSH, ... */
    size_t welcomes; /* SUB: welcomes received from publishers */
};

dp_bus_t *dp_bus_new(void)
{
    void *ctx = zmq_ctx_new();
    if (!ctx) {
        dp_log(DP_LOG_ERROR, "zmq_ctx_new: %s", zmq_strerror(errno));
        return NULL;
    }
    dp_bus_t *self = dp_calloc(1, sizeof *self);
    self->ctx = ctx;
    if (s_secure_from_env(self) < 0)
        dp_bus_destroy(&self);
    return self;
}

void dp_bus_destroy(dp_bus_t **self_p)
{
    assert(self_p);
    dp_bus_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < DP_BUS_MAX_SOCKETS; i++) {
        dp_sock_t *sock = self->socks[i];
        dp_sock_destroy(&sock);
    }
    zmq_ctx_term(self->ctx); /* ends the ZAP handler too */
    if (self->zap_running)
        pthread_join(self->zap, NULL);
    explicit_bzero(self->secret_z85, sizeof self->secret_z85);
    dp_free(self);
    *self_p = NULL;
}

static bool s_binds_by_default(int type)
{
    return type == ZMQ_PULL || type == ZMQ_PUB;
}

/* True when a bind endpoint is reachable from this host only: ipc:// and
 * inproc://, or a network transport on a loopback address. */
static bool s_local_only(const char *endpoint)
{
    if (!strncmp(endpoint, "ipc://", 6) || !strncmp(endpoint, "inproc://", 9))
        return true;
    const char *sep = strstr(endpoint, "://");
    if (!sep)
        return false;
    const char *host = sep + 3;
    const char *port = strrchr(host, ':');
    size_t len = port ? (size_t)(port - host) : strlen(host);
    if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
        host++;
        len -= 2;
    }
    char name[64];
    if (len == 0 || len >= sizeof name)
        return false;
    memcpy(name, host, len);
    name[len] = '\0';
    if (!strcasecmp(name, "localhost") || !strcmp(name, "lo") ||
        !strcmp(name, "::1"))
        return true;
    /* 127.0.0.0/8, written as four decimal numbers. */
    unsigned a, b, c, d;
    char end;
    return sscanf(name, "%u.%u.%u.%u%c", &a, &b, &c, &d, &end) == 4 &&
           a == 127 && b < 256 && c < 256 && d < 256;
}

/* True when DP_BUS_INSECURE allows binding beyond loopback without keys. */
static bool s_insecure_allowed(void)
{
    const char *v = getenv("DP_BUS_INSECURE");
    return v &&
           (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes"));
}

/* Binds, with ipc:// socket files private to this user whatever the
 * umask (libzmq creates them in the calling thread). */
static int s_bind(void *zsock, const char *endpoint)
{
    if (strncmp(endpoint, "ipc://", 6) != 0)
        return zmq_bind(zsock, endpoint);
    mode_t old = umask(077);
    int rc = zmq_bind(zsock, endpoint);
    int saved = errno;
    umask(old);
    errno = saved;
    return rc;
}

static int s_attach(dp_sock_t *sock, const char *endpoint, bool first)
{
    bool bind = s_binds_by_default(sock->type);
    if (*endpoint == '@' || *endpoint == '>') {
        bind = *endpoint == '@';
        endpoint++;
    }
    if (bind && !sock->bus->secured && !s_local_only(endpoint) &&
        !s_insecure_allowed()) {
        dp_log(DP_LOG_ERROR,
               "bind %s: refused: a bus other hosts can reach needs the "
               "CurveZMQ keys (" DP_BUS_PUBLIC_VAR " and " DP_BUS_SECRET_VAR
               ", or " DP_BUS_FILE_VAR "; devpulse keygen makes them), or "
               "DP_BUS_INSECURE=1 to run it open",
               endpoint);
        return DP_EBUS;
    }
    /* Curve roles are per socket: the first endpoint decides. */
    if (first && s_secure_socket(sock->bus, sock->zsock, bind) < 0) {
        dp_log(DP_LOG_ERROR, "cannot secure the socket for %s", endpoint);
        return DP_EBUS;
    }
    int rc = bind ? s_bind(sock->zsock, endpoint)
                  : zmq_connect(sock->zsock, endpoint);
    if (rc != 0) {
        dp_log(DP_LOG_ERROR, "%s %s: %s", bind ? "bind" : "connect", endpoint,
               zmq_strerror(errno));
        return DP_EBUS;
    }
    return 0;
}

dp_sock_t *dp_sock_new(dp_bus_t *bus, int type, const char *endpoints)
{
    assert(bus);
    assert(endpoints);
    size_t slot = 0;
    while (slot < DP_BUS_MAX_SOCKETS && bus->socks[slot])
        slot++;
    if (slot == DP_BUS_MAX_SOCKETS) {
        dp_log(DP_LOG_ERROR, "too many sockets");
        return NULL;
    }
    void *zsock = zmq_socket(bus->ctx, type);
    if (!zsock) {
        dp_log(DP_LOG_ERROR, "zmq_socket: %s", zmq_strerror(errno));
        return NULL;
    }
    dp_sock_t *self = dp_calloc(1, sizeof *self);
    self->bus = bus;
    self->zsock = zsock;
    self->type = type;
    bus->socks[slot] = self;

    /* Outgoing messages get time to leave at close; a SUB socket has only
     * its subscriptions to send, not worth holding a shutdown for. */
    int linger = type == ZMQ_SUB ? 0 : DP_BUS_LINGER_MS;
    int hwm = type == ZMQ_PUB ? DP_BUS_PUB_HWM : DP_BUS_PIPE_HWM;
    zmq_setsockopt(zsock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(zsock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(zsock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    int64_t maxmsg = DP_BUS_MAX_MSG;
    zmq_setsockopt(zsock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    int ivl = DP_BUS_RECONNECT_MS, ivl_max = DP_BUS_RECONNECT_MAX_MS;
    zmq_setsockopt(zsock, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(zsock, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max);
    /* The welcome handshake: set before any peer can attach. */
    if (type == ZMQ_PUB)
        zmq_setsockopt(zsock, ZMQ_XPUB_WELCOME_MSG, DP_BUS_WELCOME,
                       strlen(DP_BUS_WELCOME));
    if (type == ZMQ_SUB)
        zmq_setsockopt(zsock, ZMQ_SUBSCRIBE, DP_BUS_WELCOME,
                       strlen(DP_BUS_WELCOME));

    char *list = dp_strdup(endpoints);
    char *save = NULL;
    int rc = 0;
    bool first = true;
    for (char *ep = strtok_r(list, ",", &save); ep && rc == 0;
         ep = strtok_r(NULL, ",", &save)) {
        while (*ep == ' ')
            ep++;
        if (*ep) {
            rc = s_attach(self, ep, first);
            first = false;
        }
    }
    dp_free(list);
    if (rc != 0)
        dp_sock_destroy(&self);
    return self;
}

void dp_sock_destroy(dp_sock_t **self_p)
{
    assert(self_p);
    dp_sock_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < DP_BUS_MAX_SOCKETS; i++)
        if (self->bus->socks[i] == self)
            self->bus->socks[i] = NULL;
    zmq_close(self->zsock);
    dp_free(self);
    *self_p = NULL;
}

int dp_sock_subscribe(dp_sock_t *self, const char *prefix)
{
    assert(self);
    if (zmq_setsockopt(self->zsock, ZMQ_SUBSCRIBE, prefix, strlen(prefix))) {
        dp_log(DP_LOG_ERROR, "subscribe: %s", zmq_strerror(errno));
        return DP_EBUS;
    }
    return 0;
}

int dp_sock_send(dp_sock_t *self, const char *subject, const void *data,
                 size_t len, bool dontwait)
{
    assert(self);
    int flags = dontwait ? ZMQ_DONTWAIT : 0;
    if (subject && zmq_send(self->zsock, subject, strlen(subject),
                            flags | ZMQ_SNDMORE) < 0)
        goto fail;
    if (zmq_send(self->zsock, data, len, flags) < 0)
        goto fail;
    return 0;
fail:
    if (errno == EAGAIN || errno == EINTR)
        return DP_EAGAIN;
    dp_log(DP_LOG_WARN, "send: %s", zmq_strerror(errno));
    return DP_EBUS;
}

/* Receives one frame into buf (when buf is not NULL and it fits); with
 * dontwait, DP_EAGAIN at once when none is waiting. */
static int s_recv_frame(void *zsock, dp_buf_t *buf, size_t max_len, bool *more,
                        bool *oversized, bool dontwait)
{
    zmq_msg_t frame;
    zmq_msg_init(&frame);
    if (zmq_msg_recv(&frame, zsock, dontwait ? ZMQ_DONTWAIT : 0) < 0) {
        zmq_msg_close(&frame);
        return errno == EAGAIN || errno == EINTR ? DP_EAGAIN : DP_EBUS;
    }
    size_t size = zmq_msg_size(&frame);
    if (size > max_len)
        *oversized = true;
    else if (buf)
        dp_buf_append(buf, zmq_msg_data(&frame), size);
    *more = zmq_msg_more(&frame);
    zmq_msg_close(&frame);
    return 0;
}

/* zmq_poll over n items and, when the wait is not a mere look (timeout
 * 0) and the process has a stop descriptor, that descriptor as well: a
 * stop ends the wait at once. Returns the number of items (sockets)
 * ready, 0 on timeout, a stop or EINTR, or -1 when zmq_poll failed. */
static int s_poll(zmq_pollitem_t *items, size_t n, int timeout_ms)
{
    int stop = timeout_ms != 0 ? dp_service_stop_fd() : -1;
    if (stop >= 0)
        items[n++] = (zmq_pollitem_t){NULL, stop, ZMQ_POLLIN, 0};
    int rc = zmq_poll(items, (int)n, timeout_ms);
    if (rc < 0)
        return errno == EINTR ? 0 : -1;
    if (stop >= 0 && (items[n - 1].revents & ZMQ_POLLIN))
        rc--; /* only the sockets count */
    return rc;
}

/* Fills items with the socket and the bus's PUB sockets after it; returns
 * the count. Polling a PUB (it is never readable) lets its thread take a
 * new subscriber's connection and subscriptions while it waits, so the
 * welcome goes out at once rather than at the PUB's next send. */
static int s_poll_items(dp_sock_t *self, zmq_pollitem_t *items)
{
    int n = 0;
    items[n++] = (zmq_pollitem_t){self->zsock, 0, ZMQ_POLLIN, 0};
    for (size_t i = 0; i < DP_BUS_MAX_SOCKETS; i++) {
        const dp_sock_t *s = self->bus->socks[i];
        if (s && s != self && s->type == ZMQ_PUB)
            items[n++] = (zmq_pollitem_t){s->zsock, 0, ZMQ_POLLIN, 0};
    }
    return n;
}

/* True when a one-frame message is a publisher's welcome. */
static bool s_welcome(const dp_buf_t *frame)
{
    size_t len = strlen(DP_BUS_WELCOME);
    return frame->len == len && memcmp(frame->data, DP_BUS_WELCOME, len) == 0;
}

/* Reads the message waiting on a socket into subject and payload; a
 * publisher's welcome is counted and sets *welcome instead. DP_EAGAIN
 * when no message is waiting. */
static int s_recv_message(dp_sock_t *self, dp_buf_t *subject, dp_buf_t *payload,
                          size_t max_len, bool *welcome)
{
    if (subject)
        dp_buf_reset(subject);
    dp_buf_reset(payload);
    /* The first frame is read where it belongs: into subject when the
     * caller takes one (a tap's message has two frames), into payload
     * otherwise; no copy of a large frame through a scratch buffer. */
    dp_buf_t *first = subject ? subject : payload;
    bool more = false, oversized = false;
    int rc = s_recv_frame(self->zsock, first, max_len, &more, &oversized, true);
    if (rc < 0)
        return rc;
    size_t frames = 1;
    if (!more && self->type == ZMQ_SUB && s_welcome(first)) {
        self->welcomes++;
        *welcome = true; /* the bus's own handshake, not a message */
        dp_buf_reset(first);
    } else if (!more && subject) {
        /* One frame: the payload alone, read into subject; swap them. */
        dp_buf_t t = *subject;
        *subject = *payload;
        *payload = t;
    }
    if (more && !subject)
        dp_buf_reset(payload); /* a subject nobody asked for */
    /* Frames of one message arrive together, so these reads do not block. */
    while (more && rc == 0) {
        rc = s_recv_frame(self->zsock, frames == 1 ? payload : NULL, max_len,
                          &more, &oversized, false);
        frames++;
    }
    if (rc == 0 && oversized)
        rc = DP_ETOOBIG;
    else if (rc == 0 && frames > 2)
        rc = DP_EPROTO;
    return rc;
}

int dp_sock_recv(dp_sock_t *self, dp_buf_t *subject, dp_buf_t *payload,
                 size_t max_len, int timeout_ms)
{
    assert(self && payload);
    long long until = -1; /* read the clock only when there is a wait */
    for (;;) {
        /* What is waiting is taken without a poll: a busy stage pays one
         * receive per message, and polls only when its queue is empty. */
        bool welcome = false;
        int rc = s_recv_message(self, subject, payload, max_len, &welcome);
        if (welcome)
            continue; /* no message: look again */
        if (rc != DP_EAGAIN)
            return rc;
        if (until < 0)
            until = dp_service_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
        long long left = until - dp_service_now_ms();
        int wait = timeout_ms < 0 ? -1 : (int)(left > 0 ? left : 0);
        if (wait == 0 && timeout_ms >= 0)
            return DP_EAGAIN;                         /* out of time */
        zmq_pollitem_t items[DP_BUS_MAX_SOCKETS + 1]; /* + the stop */
        int n = s_poll(items, (size_t)s_poll_items(self, items), wait);
        if (n < 0)
            return DP_EBUS;
        if (!(items[0].revents & ZMQ_POLLIN))
            return DP_EAGAIN; /* out of time, or a stop */
    }
}

int dp_sock_await_welcomes(dp_sock_t *self, size_t n, int timeout_ms)
{
    assert(self && self->type == ZMQ_SUB && timeout_ms >= 0);
    long long until = dp_service_now_ms() + timeout_ms;
    dp_buf_t scratch = DP_BUF_INIT;
    int rc = 0;
    while (self->welcomes < n && rc == 0) {
        long long left = until - dp_service_now_ms();
        zmq_pollitem_t items[DP_BUS_MAX_SOCKETS + 1]; /* + the stop */
        int ready = s_poll(items, (size_t)s_poll_items(self, items),
                           (int)(left > 0 ? left : 0));
        if (ready < 0 || !(items[0].revents & ZMQ_POLLIN)) {
            rc = DP_EAGAIN; /* out of time, or a stop */
            break;
        }
        bool welcome = false;
        if (s_recv_message(self, NULL, &scratch, DP_BUS_MAX_MSG, &welcome) ==
            DP_EBUS)
            rc = DP_EBUS;
    }
    dp_buf_free(&scratch);
    return rc;
}

size_t dp_sock_welcomes(const dp_sock_t *self)
{
    assert(self);
    return self->welcomes;
}

void *dp_sock_handle(dp_sock_t *self)
{
    assert(self);
    return self->zsock;
}

int dp_sock_poll(dp_sock_t **socks, bool *ready, size_t n, int timeout_ms)
{
    zmq_pollitem_t items[DP_BUS_MAX_SOCKETS + 1];
    assert(n <= DP_BUS_MAX_SOCKETS);
    for (size_t i = 0; i < n; i++) {
        items[i] = (zmq_pollitem_t){socks[i]->zsock, 0, ZMQ_POLLIN, 0};
        ready[i] = false;
    }
    int rc = s_poll(items, n, timeout_ms);
    if (rc <= 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        ready[i] = (items[i].revents & ZMQ_POLLIN) != 0;
    return rc;
}
