#include "util/xalloc.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(void)
{
    fputs("privaci: out of memory\n", stderr);
    abort();
}

void *pv_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *pv_xcalloc(size_t count, size_t n)
{
    void *p = calloc(count ? count : 1, n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *pv_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

char *pv_xstrdup(const char *s)
{
    return pv_xstrndup(s, strlen(s));
}

char *pv_xstrndup(const char *s, size_t n)
{
    char *p = pv_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *pv_xvasprintf(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int len = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (len < 0)
        out_of_memory();
    char *p = pv_xmalloc((size_t)len + 1);
    vsnprintf(p, (size_t)len + 1, fmt, ap);
    return p;
}

char *pv_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = pv_xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}

void pv_free_secret(char *s)
{
    if (!s)
        return;
    /* OPENSSL_cleanse is not optimised away, unlike a plain memset. */
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}
