/* dp_err.c - error code names and texts */
/* SPDX-License-Identifier: MIT */
#include "dp_err.h"

static const char *const s_texts[DP_ERR_COUNT] = {
#define XX(name, text) text,
    DP_ERR_MAP(XX)
#undef XX
};

static const char *const s_names[DP_ERR_COUNT] = {
#define XX(name, text) #name,
    DP_ERR_MAP(XX)
#undef XX
};

const char *dp_strerror(int err)
{
    if (err == DP_OK)
        return "success";
    if (err < 0 && -err <= DP_ERR_COUNT)
        return s_texts[-err - 1];
    return "unknown error";
}

const char *dp_errname(int err)
{
    if (err == DP_OK)
        return "OK";
    if (err < 0 && -err <= DP_ERR_COUNT)
        return s_names[-err - 1];
    return "EUNKNOWN";
}
