/*
 * text.c — trimming, UTF-8 validation and name checks shared by the secret
 * backends.
 */
#include "secrets/backend.h"

#include "util/xalloc.h"

#include <string.h>
#include <sys/types.h>
#include <utf8proc.h>

/*
 * Python's str.isspace() set. The original tool stripped values with
 * str.strip(); matching it keeps a salt with, say, a trailing no-break space
 * producing the same masked values in both tools.
 */
static bool is_space(utf8proc_int32_t cp)
{
    if ((cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20))
        return true;
    switch (cp) {
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
        return true;
    default:
        return cp >= 0x2000 && cp <= 0x200A;
    }
}

/* Decodes one code point at s[0..len); returns its byte length or -1. */
static ssize_t decode(const char *s, size_t len, utf8proc_int32_t *cp)
{
    utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, cp);
    return n > 0 ? (ssize_t)n : -1;
}

void pv_secret_trim_span(const char *s, size_t len, size_t *start, size_t *end)
{
    size_t a = 0, b = len;
    utf8proc_int32_t cp;
    while (a < b) {
        ssize_t n = decode(s + a, b - a, &cp);
        if (n < 0 || !is_space(cp))
            break;
        a += (size_t)n;
    }
    while (b > a) {
        /* Step back to the lead byte of the last code point (at most 3
         * continuation bytes); invalid bytes are never whitespace. */
        size_t lead = b - 1;
        while (lead > a && b - lead < 4 && ((unsigned char)s[lead] & 0xC0) == 0x80)
            lead--;
        ssize_t n = decode(s + lead, b - lead, &cp);
        if (n < 0 || (size_t)n != b - lead || !is_space(cp))
            break;
        b = lead;
    }
    *start = a;
    *end = b;
}

char *pv_secret_trim_dup(const char *s)
{
    size_t a, b;
    pv_secret_trim_span(s, strlen(s), &a, &b);
    return pv_xstrndup(s + a, b - a);
}

bool pv_secret_is_blank(const char *s)
{
    size_t a, b;
    pv_secret_trim_span(s, strlen(s), &a, &b);
    return a == b;
}

bool pv_secret_utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    utf8proc_int32_t cp;
    while (i < len) {
        ssize_t n = decode(s + i, len - i, &cp);
        if (n < 0)
            return false;
        i += (size_t)n;
    }
    return true;
}

bool pv_secret_env_name_valid(const char *name)
{
    static const char first[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_";
    static const char rest[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789";
    if (!name[0] || !strchr(first, name[0]))
        return false;
    return strspn(name, rest) == strlen(name);
}
