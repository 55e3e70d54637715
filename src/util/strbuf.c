#include "util/strbuf.h"

#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reserve(pv_strbuf *sb, size_t extra)
{
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < need)
        cap *= 2;
    sb->data = pv_xrealloc(sb->data, cap);
    sb->cap = cap;
}

void pv_strbuf_append_len(pv_strbuf *sb, const char *s, size_t n)
{
    reserve(sb, n);
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void pv_strbuf_append(pv_strbuf *sb, const char *s)
{
    pv_strbuf_append_len(sb, s, strlen(s));
}

void pv_strbuf_append_char(pv_strbuf *sb, char c)
{
    pv_strbuf_append_len(sb, &c, 1);
}

void pv_strbuf_appendv(pv_strbuf *sb, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n <= 0) {
        reserve(sb, 0);
        sb->data[sb->len] = '\0';
        return;
    }
    reserve(sb, (size_t)n);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void pv_strbuf_appendf(pv_strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pv_strbuf_appendv(sb, fmt, ap);
    va_end(ap);
}

char *pv_strbuf_take(pv_strbuf *sb)
{
    char *s = sb->data ? sb->data : pv_xstrdup("");
    sb->data = NULL;
    sb->len = sb->cap = 0;
    return s;
}

void pv_strbuf_reset(pv_strbuf *sb)
{
    sb->len = 0;
    if (sb->data)
        sb->data[0] = '\0';
}

void pv_strbuf_free(pv_strbuf *sb)
{
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
}
