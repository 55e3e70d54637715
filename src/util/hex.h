/*
 * hex.h — hexadecimal digits and percent-decoding, shared by the COPY text
 * format, URL redaction, secret URIs and database fingerprints.
 */
#ifndef PRIVACI_UTIL_HEX_H
#define PRIVACI_UTIL_HEX_H

#include <stddef.h>

/* The value of one hex digit, or -1. */
static inline int pv_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Percent-decodes `len` bytes as libpq does: an invalid escape stays as
 * written, and so does "%00" (a NUL inside a C string would silently cut a
 * path, a name or a password short). Caller frees.
 */
char *pv_percent_decode(const char *s, size_t len);

#endif
