/*
 * canonjson.c — canonical and pretty JSON text (see canonjson.h).
 *
 * jansson's own json_dumps is close but not byte-compatible with the
 * original tool's Python output: it escapes with uppercase hex, prints reals
 * with %.17g and sorts keys with strcmp on NUL-terminated keys. The hash of
 * a config must match the original's byte for byte, so the text is produced
 * here, following Python's json encoder rules.
 */
#include "util/canonjson.h"

#include "util/strbuf.h"
#include "util/xalloc.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

typedef struct emitter {
    pv_strbuf *out;
    bool ascii_only; /* canonical: escape every code point outside ' '..'~' */
    int indent;      /* spaces per level; 0 = compact */
} emitter;

static void emit_value(const emitter *e, const json_t *v, int depth);

/* ---------------------------------------------------------------- strings */

static void emit_u16(const emitter *e, unsigned unit)
{
    pv_strbuf_appendf(e->out, "\\u%04x", unit);
}

/* A code point as \uXXXX, or as a UTF-16 surrogate pair above the BMP. */
static void emit_escaped_codepoint(const emitter *e, utf8proc_int32_t cp)
{
    if (cp < 0x10000) {
        emit_u16(e, (unsigned)cp);
        return;
    }
    unsigned v = (unsigned)cp - 0x10000;
    emit_u16(e, 0xd800 + (v >> 10));
    emit_u16(e, 0xdc00 + (v & 0x3ff));
}

/* The short escapes Python's encoder uses; NULL when the byte has none. */
static const char *short_escape(unsigned char c)
{
    switch (c) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    case '\b':
        return "\\b";
    case '\f':
        return "\\f";
    default:
        return NULL;
    }
}

static void emit_ascii_byte(const emitter *e, unsigned char c)
{
    const char *esc = short_escape(c);
    if (esc)
        pv_strbuf_append(e->out, esc);
    else if (c < 0x20 || (c == 0x7f && e->ascii_only))
        emit_u16(e, c);
    else
        pv_strbuf_append_char(e->out, (char)c);
}

/*
 * jansson only holds valid UTF-8, but a value built with json_stringn_nocheck
 * may not be; an invalid byte becomes U+FFFD instead of leaking raw bytes
 * into output that must be valid JSON.
 */
static void emit_string(const emitter *e, const char *s, size_t len)
{
    pv_strbuf_append_char(e->out, '"');
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            emit_ascii_byte(e, c);
            i++;
            continue;
        }
        utf8proc_int32_t cp = 0;
        utf8proc_ssize_t n =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) {
            cp = 0xfffd;
            n = 1;
        }
        if (e->ascii_only)
            emit_escaped_codepoint(e, cp);
        else if (cp == 0xfffd && n == 1)
            pv_strbuf_append(e->out, "\xef\xbf\xbd");
        else
            pv_strbuf_append_len(e->out, s + i, (size_t)n);
        i += (size_t)n;
    }
    pv_strbuf_append_char(e->out, '"');
}

/* ---------------------------------------------------------------- numbers */

/*
 * Python's repr(float): the shortest digit string that reads back as the
 * same double, in fixed notation when the decimal exponent is in [-4, 16),
 * else d.ddde±XX; fixed notation always shows a fraction ("100.0").
 */
static void emit_real(const emitter *e, double d)
{
    if (!isfinite(d)) {
        /* jansson cannot hold these; keep the output valid JSON anyway. */
        pv_strbuf_append(e->out, "null");
        return;
    }
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    /* buf is [-]D[.DDD]e±XX: split it into sign, digits and exponent. */
    const char *p = buf;
    bool negative = *p == '-';
    if (negative)
        p++;
    char digits[24];
    size_t nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[nd++] = *p;
    digits[nd] = '\0';
    int exp10 = atoi(p + 1);

    if (negative)
        pv_strbuf_append_char(e->out, '-');
    if (exp10 < -4 || exp10 >= 16) {
        pv_strbuf_append_char(e->out, digits[0]);
        if (nd > 1) {
            pv_strbuf_append_char(e->out, '.');
            pv_strbuf_append(e->out, digits + 1);
        }
        pv_strbuf_appendf(e->out, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    } else if (exp10 < 0) {
        pv_strbuf_append(e->out, "0.");
        for (int i = 0; i < -exp10 - 1; i++)
            pv_strbuf_append_char(e->out, '0');
        pv_strbuf_append(e->out, digits);
    } else {
        size_t int_len = (size_t)exp10 + 1;
        for (size_t i = 0; i < int_len; i++)
            pv_strbuf_append_char(e->out, i < nd ? digits[i] : '0');
        pv_strbuf_append_char(e->out, '.');
        pv_strbuf_append(e->out, nd > int_len ? digits + int_len : "0");
    }
}

/* ---------------------------------------------------------------- containers */

static void emit_newline(const emitter *e, int depth)
{
    if (e->indent == 0)
        return;
    pv_strbuf_append_char(e->out, '\n');
    for (int i = 0; i < depth * e->indent; i++)
        pv_strbuf_append_char(e->out, ' ');
}

typedef struct member {
    const char *key;
    size_t key_len;
    const json_t *value;
} member;

/*
 * Byte order of UTF-8 is code-point order, which is how Python sorts str
 * keys; a key that is a prefix of another sorts first.
 */
static int member_cmp(const void *a, const void *b)
{
    const member *x = a, *y = b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    if (c != 0)
        return c;
    return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

static member *sorted_members(const json_t *obj, size_t *count)
{
    size_t n = json_object_size(obj);
    member *m = pv_xcalloc(n ? n : 1, sizeof(*m));
    size_t i = 0;
    /* jansson's iterator API takes a non-const object; it only reads it. */
    json_t *o = (json_t *)obj;
    for (void *it = json_object_iter(o); it; it = json_object_iter_next(o, it)) {
        m[i].key = json_object_iter_key(it);
        m[i].key_len = json_object_iter_key_len(it);
        m[i].value = json_object_iter_value(it);
        i++;
    }
    qsort(m, i, sizeof(*m), member_cmp);
    *count = i;
    return m;
}

static void emit_object(const emitter *e, const json_t *obj, int depth)
{
    size_t n = 0;
    member *m = sorted_members(obj, &n);
    if (n == 0) {
        pv_strbuf_append(e->out, "{}");
        free(m);
        return;
    }
    pv_strbuf_append_char(e->out, '{');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            pv_strbuf_append_char(e->out, ',');
        emit_newline(e, depth + 1);
        emit_string(e, m[i].key, m[i].key_len);
        pv_strbuf_append(e->out, e->indent ? ": " : ":");
        emit_value(e, m[i].value, depth + 1);
    }
    emit_newline(e, depth);
    pv_strbuf_append_char(e->out, '}');
    free(m);
}

static void emit_array(const emitter *e, const json_t *arr, int depth)
{
    size_t n = json_array_size(arr);
    if (n == 0) {
        pv_strbuf_append(e->out, "[]");
        return;
    }
    pv_strbuf_append_char(e->out, '[');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            pv_strbuf_append_char(e->out, ',');
        emit_newline(e, depth + 1);
        emit_value(e, json_array_get(arr, i), depth + 1);
    }
    emit_newline(e, depth);
    pv_strbuf_append_char(e->out, ']');
}

static void emit_value(const emitter *e, const json_t *v, int depth)
{
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_OBJECT:
        emit_object(e, v, depth);
        break;
    case JSON_ARRAY:
        emit_array(e, v, depth);
        break;
    case JSON_STRING:
        emit_string(e, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        pv_strbuf_appendf(e->out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        emit_real(e, json_real_value(v));
        break;
    case JSON_TRUE:
        pv_strbuf_append(e->out, "true");
        break;
    case JSON_FALSE:
        pv_strbuf_append(e->out, "false");
        break;
    case JSON_NULL:
        pv_strbuf_append(e->out, "null");
        break;
    }
}

/* ---------------------------------------------------------------- API */

char *pv_canonjson_dump(const json_t *v)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    emitter e = {.out = &sb, .ascii_only = true, .indent = 0};
    emit_value(&e, v, 0);
    return pv_strbuf_take(&sb);
}

char *pv_json_pretty(const json_t *v)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    emitter e = {.out = &sb, .ascii_only = false, .indent = 2};
    emit_value(&e, v, 0);
    pv_strbuf_append_char(&sb, '\n');
    return pv_strbuf_take(&sb);
}
