/*
 * strbuf.h — a growable NUL-terminated byte string. `data` is always a valid
 * C string once anything was appended; the owner frees it with
 * pv_strbuf_free or takes it with pv_strbuf_take.
 */
#ifndef PRIVACI_UTIL_STRBUF_H
#define PRIVACI_UTIL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct pv_strbuf {
    char *data;
    size_t len;
    size_t cap;
} pv_strbuf;

#define PV_STRBUF_INIT                                                                             \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void pv_strbuf_append(pv_strbuf *sb, const char *s);
void pv_strbuf_append_len(pv_strbuf *sb, const char *s, size_t n);
void pv_strbuf_append_char(pv_strbuf *sb, char c);
void pv_strbuf_appendf(pv_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pv_strbuf_appendv(pv_strbuf *sb, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Returns the string (never NULL, "" when empty) and resets the buffer. */
char *pv_strbuf_take(pv_strbuf *sb);
void pv_strbuf_reset(pv_strbuf *sb);
void pv_strbuf_free(pv_strbuf *sb);

#endif
