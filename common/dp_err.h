/* dp_err.h - the one table of devpulse error codes */
/* SPDX-License-Identifier: MIT */
#ifndef DP_ERR_H
#define DP_ERR_H

/* Every fallible function returns 0 or one of these negative codes. */
#define DP_ERR_MAP(XX)                                                         \
    XX(EINVAL, "invalid argument")                                             \
    XX(EPROTO, "malformed message")                                            \
    XX(ETOOBIG, "over size bound")                                             \
    XX(EJSON, "malformed JSON")                                                \
    XX(ECONFIG, "bad configuration")                                           \
    XX(EIO, "input/output failure")                                            \
    XX(EREDIS, "redis failure")                                                \
    XX(EBUS, "message bus failure")                                            \
    XX(EHTTP, "HTTP failure")                                                  \
    XX(EAUTH, "authentication refused")                                        \
    XX(ENOTFOUND, "not found")                                                 \
    XX(ERATE, "rate limited")                                                  \
    XX(EORIGIN, "outside the allowed origin")                                  \
    XX(EAGAIN, "try again later")                                              \
    XX(EBUDGET, "token budget spent")

enum dp_err_index {
#define XX(name, text) DP_I_##name,
    DP_ERR_MAP(XX)
#undef XX
        DP_ERR_COUNT
};

enum {
    DP_OK = 0,
#define XX(name, text) DP_##name = -1 - DP_I_##name,
    DP_ERR_MAP(XX)
#undef XX
};

#if defined(__GNUC__)
#define DP_NODISCARD __attribute__((warn_unused_result))
#define DP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DP_NODISCARD
#define DP_PRINTF(a, b)
#endif

/* Text for an error code; never NULL ("unknown error" for foreign codes). */
const char *dp_strerror(int err);

/* Symbolic name of an error code ("EPROTO"); never NULL. */
const char *dp_errname(int err);

#endif
