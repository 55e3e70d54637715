#include "mask/text.h"

#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

void pv_mask_scratch_init(pv_mask_scratch *s)
{
    memset(s, 0, sizeof(*s));
}

void pv_mask_scratch_free(pv_mask_scratch *s)
{
    free(s->cps);
    pv_buf_free(&s->base);
    memset(s, 0, sizeof(*s));
}

bool pv_is_ascii(const uint8_t *v, size_t len)
{
    /* Eight bytes per step: this check runs on every masked cell. */
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, v + i, 8);
        if (w & 0x8080808080808080ULL)
            return false;
    }
    for (; i < len; i++)
        if (v[i] & 0x80)
            return false;
    return true;
}

static void reserve_cps(pv_mask_scratch *s, size_t n)
{
    /* +1: utf8proc_reencode writes a NUL after the UTF-8 it produces. */
    if (n + 1 <= s->cps_cap)
        return;
    size_t cap = s->cps_cap ? s->cps_cap : 64;
    while (cap < n + 1)
        cap *= 2;
    s->cps = pv_xrealloc(s->cps, cap * sizeof(*s->cps));
    s->cps_cap = cap;
}

/*
 * True when v is valid UTF-8 made only of code points below U+0300: such
 * text is already NFC (combining marks start at U+0300 and nothing below
 * has a singleton or excluded decomposition), which covers the Latin
 * scripts of most names and addresses. Two-byte sequences with lead bytes
 * C2–CB are exactly U+0080–U+02FF.
 */
static bool below_combining_marks(const uint8_t *v, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (v[i] < 0x80)
            continue;
        if (v[i] < 0xC2 || v[i] > 0xCB || i + 1 >= len || (v[i + 1] & 0xC0) != 0x80)
            return false;
        i++;
    }
    return true;
}

bool pv_nfc(pv_mask_scratch *s, const uint8_t *v, size_t len, const uint8_t **out, size_t *out_len)
{
    if (pv_is_ascii(v, len) || below_combining_marks(v, len)) {
        *out = v;
        *out_len = len;
        return true;
    }
    /*
     * utf8proc_NFC would malloc per call; decomposing into the reused
     * scratch and re-encoding in place is the same computation
     * (utf8proc_map_custom does exactly these two steps).
     */
    const utf8proc_option_t opts = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    reserve_cps(s, len);
    utf8proc_ssize_t n = utf8proc_decompose(v, (utf8proc_ssize_t)len, s->cps,
                                            (utf8proc_ssize_t)(s->cps_cap - 1), opts);
    if (n < 0)
        return false;
    if ((size_t)n + 1 > s->cps_cap) {
        reserve_cps(s, (size_t)n);
        n = utf8proc_decompose(v, (utf8proc_ssize_t)len, s->cps, (utf8proc_ssize_t)(s->cps_cap - 1),
                               opts);
        if (n < 0)
            return false;
    }
    utf8proc_ssize_t bytes = utf8proc_reencode(s->cps, n, opts);
    if (bytes < 0)
        return false;
    *out = (const uint8_t *)s->cps;
    *out_len = (size_t)bytes;
    return true;
}

static bool is_py_space(utf8proc_int32_t c)
{
    if (c < 0x80)
        return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
    const utf8proc_property_t *p = utf8proc_get_property(c);
    return p->category == UTF8PROC_CATEGORY_ZS || p->bidi_class == UTF8PROC_BIDI_CLASS_WS ||
           p->bidi_class == UTF8PROC_BIDI_CLASS_B || p->bidi_class == UTF8PROC_BIDI_CLASS_S;
}

/* Length of the whitespace code point at v[i], or 0. */
static size_t space_at(const uint8_t *v, size_t len, size_t i)
{
    if (v[i] < 0x80)
        return is_py_space(v[i]) ? 1 : 0;
    utf8proc_int32_t c;
    utf8proc_ssize_t n = utf8proc_iterate(v + i, (utf8proc_ssize_t)(len - i), &c);
    return n > 0 && is_py_space(c) ? (size_t)n : 0;
}

void pv_text_strip(const uint8_t *v, size_t len, size_t *start, size_t *end)
{
    /* Only the two ends are decoded: a value's interior is never looked at. */
    size_t a = 0, n;
    while (a < len && (n = space_at(v, len, a)) > 0)
        a += n;
    size_t e = len;
    while (e > a) {
        size_t cp = e - 1;
        while (cp > a && (v[cp] & 0xC0) == 0x80) /* back to the code point's first byte */
            cp--;
        if (space_at(v, e, cp) != e - cp)
            break;
        e = cp;
    }
    *start = a;
    *end = e;
}

size_t pv_text_digit_at(const uint8_t *v, size_t len, size_t i)
{
    if (i >= len)
        return 0;
    if (v[i] < 0x80)
        return v[i] >= '0' && v[i] <= '9' ? 1 : 0;
    utf8proc_int32_t c;
    utf8proc_ssize_t n = utf8proc_iterate(v + i, (utf8proc_ssize_t)(len - i), &c);
    if (n <= 0)
        return 0;
    return utf8proc_category(c) == UTF8PROC_CATEGORY_ND ? (size_t)n : 0;
}
