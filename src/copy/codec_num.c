/*
 * codec_num.c — bool, int2/int4/int8, oid, float4/float8, money, and the
 * small helpers every codec shares (decimal printing, integer parsing).
 *
 * Integers are printed by hand: a cursor or masked integer column decodes
 * one value per row, and printf's format parsing would dominate that.
 */
#include "copy/codec_internal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ------------------------------------------------------------ helpers */

void pv_put_u64_pad(pv_buf *out, uint64_t v, int width)
{
    char tmp[24];
    int i = (int)sizeof(tmp);
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while ((int)sizeof(tmp) - i < width && i > 0)
        tmp[--i] = '0';
    pv_buf_put(out, tmp + i, sizeof(tmp) - (size_t)i);
}

void pv_put_u64(pv_buf *out, uint64_t v)
{
    pv_put_u64_pad(out, v, 1);
}

void pv_put_i64(pv_buf *out, int64_t v)
{
    if (v < 0) {
        pv_buf_putc(out, '-');
        pv_put_u64(out, (uint64_t)0 - (uint64_t)v); /* INT64_MIN-safe */
    } else {
        pv_put_u64(out, (uint64_t)v);
    }
}

void pv_trim(const char **s, size_t *n)
{
    while (*n > 0 && pv_is_space(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && pv_is_space((*s)[*n - 1]))
        (*n)--;
}

bool pv_word_eq(const char *s, size_t n, const char *word)
{
    size_t i = 0;
    for (; i < n; i++)
        if (word[i] == '\0' || pv_lower(s[i]) != word[i])
            return false;
    return word[i] == '\0';
}

bool pv_parse_int(const char *s, size_t n, int64_t min, int64_t max, int64_t *out)
{
    pv_trim(&s, &n);
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i >= n || !pv_is_digit(s[i]))
        return false;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t acc = 0;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '_') {
            /* one underscore, between two digits */
            if (i + 1 >= n || !pv_is_digit(s[i + 1]))
                return false;
            continue;
        }
        if (!pv_is_digit(c))
            return false;
        unsigned d = (unsigned)(c - '0');
        if (acc > (limit - d) / 10)
            return false;
        acc = acc * 10 + d;
    }
    int64_t v = neg ? (int64_t)((uint64_t)0 - acc) : (int64_t)acc;
    if (v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool pv_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* Eight ASCII bytes without a NUL at a time: most text is just that. */
        if (n - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
            if (((w | ((w - ones) & ~w)) & highs) == 0) {
                i += 8;
                continue;
            }
        }
        uint8_t c = s[i];
        if (c < 0x80) {
            if (c == 0)
                return false;
            i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

/* ------------------------------------------------------------ bool */

static int bool_decode(const pv_scalar_codec *c, const uint8_t *p, size_t n, pv_render how,
                       pv_buf *out)
{
    if (n != 1)
        return PV_C_BADBIN;
    bool v = p[0] != 0; /* boolrecv: any non-zero byte is true */
    switch (how) {
    case PV_RENDER_OUTPUT:
        pv_buf_putc(out, v ? 't' : 'f');
        break;
    case PV_RENDER_CAST:
        pv_buf_puts(out, v ? "true" : "false");
        break;
    case PV_RENDER_MASK:
        pv_buf_puts(out, v ? "True" : "False");
        break;
    }
    return PV_C_OK;
}

/* [s, s + n) is a prefix, at least min_len long, of the lowercase word. */
static bool is_prefix_of(const char *s, size_t n, const char *word, size_t min_len)
{
    if (n < min_len || n > strlen(word))
        return false;
    for (size_t i = 0; i < n; i++)
        if (pv_lower(s[i]) != word[i])
            return false;
    return true;
}

/*
 * masking.md §4.1 plus what boolin accepts: any unambiguous prefix of
 * true/false/yes/no, on/off (two letters at least), 1/0.
 */
static int bool_encode(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out)
{
    pv_trim(&s, &n);
    int v = -1;
    if (is_prefix_of(s, n, "true", 1) || is_prefix_of(s, n, "yes", 1) ||
        is_prefix_of(s, n, "on", 2) || (n == 1 && s[0] == '1'))
        v = 1;
    else if (is_prefix_of(s, n, "false", 1) || is_prefix_of(s, n, "no", 1) ||
             is_prefix_of(s, n, "off", 2) || (n == 1 && s[0] == '0'))
        v = 0;
    if (v < 0)
        return PV_C_BADTEXT;
    pv_buf_putc(out, (uint8_t)v);
    return PV_C_OK;
}

/* ------------------------------------------------------------ integers */

/* variant = byte width; oid is width 4 unsigned (variant 5). */
enum { INT_OID = 5 };

static int int_decode(const pv_scalar_codec *c, const uint8_t *p, size_t n, pv_render how,
                      pv_buf *out)
{
    switch (c->variant) {
    case 2:
        if (n != 2)
            return PV_C_BADBIN;
        pv_put_i64(out, (int16_t)pv_be16(p));
        return PV_C_OK;
    case 4:
        if (n != 4)
            return PV_C_BADBIN;
        pv_put_i64(out, (int32_t)pv_be32(p));
        return PV_C_OK;
    case 8:
        if (n != 8)
            return PV_C_BADBIN;
        pv_put_i64(out, (int64_t)pv_be64(p));
        return PV_C_OK;
    default:
        if (n != 4)
            return PV_C_BADBIN;
        pv_put_u64(out, pv_be32(p));
        return PV_C_OK;
    }
}

static int int_encode(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out)
{
    int64_t v;
    switch (c->variant) {
    case 2:
        if (!pv_parse_int(s, n, INT16_MIN, INT16_MAX, &v))
            return PV_C_BADTEXT;
        pv_buf_be16(out, (uint16_t)v);
        return PV_C_OK;
    case 4:
        if (!pv_parse_int(s, n, INT32_MIN, INT32_MAX, &v))
            return PV_C_BADTEXT;
        pv_buf_be32(out, (uint32_t)v);
        return PV_C_OK;
    case 8:
        if (!pv_parse_int(s, n, INT64_MIN, INT64_MAX, &v))
            return PV_C_BADTEXT;
        pv_buf_be64(out, (uint64_t)v);
        return PV_C_OK;
    default:
        /* oidin: 0..4294967295, and negative int32 values wrap (-1 = 4294967295) */
        if (!pv_parse_int(s, n, INT32_MIN, UINT32_MAX, &v))
            return PV_C_BADTEXT;
        pv_buf_be32(out, (uint32_t)v);
        return PV_C_OK;
    }
}

/* ------------------------------------------------------------ floats */

/* All digits (untrimmed) and the decimal exponent of a "%.*e" string. */
static int split_scientific(const char *buf, char *digits, int *exp10)
{
    /* buf is d[<point>ddd]e<sign>dd in the C library's own locale: skip the
     * point character whatever it is. */
    int nd = 0;
    const char *q = buf;
    while (*q && *q != 'e') {
        if (pv_is_digit(*q))
            digits[nd++] = *q;
        q++;
    }
    digits[nd] = '\0';
    *exp10 = *q == 'e' ? atoi(q + 1) : 0;
    return nd;
}

static void trim_zeros(char *digits)
{
    size_t nd = strlen(digits);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
}

/* digits × 10^exp10 plus one unit in the last digit (9.99 -> 1.00e+1). */
static void bump(char *digits, int *exp10)
{
    int i = (int)strlen(digits) - 1;
    for (; i >= 0 && digits[i] == '9'; i--)
        digits[i] = '0';
    if (i >= 0) {
        digits[i]++;
        return;
    }
    digits[0] = '1';
    (*exp10)++;
}

/* odd * 2^t == m * 2^q with m odd (both sides normalised)? */
static bool same_dyadic(unsigned __int128 odd, int t, uint64_t m, int q)
{
    while (m % 2 == 0) {
        m /= 2;
        q++;
    }
    return odd == m && t == q;
}

/*
 * Is digits × 10^(exp10 - nd + 1) exactly the midpoint between v and one
 * of its neighbours? Such a string reads back as v (ties go to even) and
 * Python's repr accepts it, but PostgreSQL's Ryu treats the interval as
 * open and prints a longer string (1e23 -> 9.999999999999999e+22).
 */
static bool is_midpoint(const char *digits, int exp10, double v, bool single)
{
    uint64_t mant, m;
    int e, nd = (int)strlen(digits);
    bool boundary;
    if (single) {
        float f = (float)v;
        uint32_t bits;
        memcpy(&bits, &f, sizeof(bits));
        int ex = (int)(bits >> 23 & 0xFF);
        mant = bits & 0x7FFFFF;
        m = ex ? mant | (1u << 23) : mant;
        e = ex ? ex - 150 : -149;
        boundary = mant == 0 && ex > 1;
    } else {
        uint64_t bits;
        memcpy(&bits, &v, sizeof(bits));
        int ex = (int)(bits >> 52 & 0x7FF);
        mant = bits & ((UINT64_C(1) << 52) - 1);
        m = ex ? mant | (UINT64_C(1) << 52) : mant;
        e = ex ? ex - 1075 : -1074;
        boundary = mant == 0 && ex > 1;
    }
    /* the decimal as odd * 2^t */
    uint64_t d = strtoull(digits, NULL, 10);
    int k = exp10 - nd + 1;
    if (k > 27 || k < -27)
        return false; /* 5^|k| alone exceeds any midpoint's 56-bit odd part */
    unsigned __int128 odd = d;
    int t = k;
    for (int i = 0; i < k; i++)
        odd *= 5;
    for (int i = 0; i < -k; i++) {
        if (odd % 5)
            return false;
        odd /= 5;
    }
    while (odd % 2 == 0) {
        odd /= 2;
        t++;
    }
    if (same_dyadic(odd, t, 2 * m + 1, e - 1))
        return true;
    return boundary ? same_dyadic(odd, t, 4 * m - 1, e - 2)
                    : m > 0 && same_dyadic(odd, t, 2 * m - 1, e - 1);
}

/* Does the decimal read back as v (and, when `open`, not from a boundary)? */
static bool reads_back(const char *digits, int exp10, double v, bool single, bool open)
{
    char buf[48];
    /* an integer mantissa: no decimal point, so no locale question */
    snprintf(buf, sizeof(buf), "%se%d", digits, exp10 - (int)strlen(digits) + 1);
    bool same = single ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v;
    return same && !(open && is_midpoint(digits, exp10, v, single));
}

/*
 * The shortest decimal digits that read back as the same value (what
 * PostgreSQL's Ryu output and Python's repr both print), the closest to v
 * among those. Correctly rounded 15 digits (6 for float4) are tried
 * first: if they read back, the shortest string is them minus trailing
 * zeros (a shorter string that reads back is within an ulp, hence the
 * closest 15-digit number too); otherwise 16, then 17 (float4: 7..9). At a
 * power of two the interval below v is half the one above, so when the
 * correctly rounded candidate falls short below, the one a unit higher
 * may still read back. `open` (PostgreSQL) rejects a string lying exactly
 * on a rounding boundary; Python accepts it (1e23). printf is used only
 * here, and only for masked or cursor float cells, never for passthrough.
 *
 * v must be finite and positive. digits gets the significant digits
 * (NUL-terminated), *exp10 the decimal exponent of the first one.
 */
static void shortest_digits(double v, bool single, bool open, char *digits, int *exp10)
{
    char buf[48];
    int first = single ? 6 : 15, last = single ? 9 : 17;
    /* Subnormals have fewer significant bits: the argument above does not
     * hold for them, so search upwards from one digit. */
    if (single ? v < FLT_MIN : v < DBL_MIN)
        first = 1;
    for (int p = first; p <= last; p++) {
        snprintf(buf, sizeof(buf), "%.*e", p - 1, v);
        split_scientific(buf, digits, exp10);
        if (p == last || reads_back(digits, *exp10, v, single, open))
            break;
        char up[24];
        int up_exp = *exp10;
        memcpy(up, digits, strlen(digits) + 1);
        bump(up, &up_exp);
        if (reads_back(up, up_exp, v, single, open)) {
            memcpy(digits, up, strlen(up) + 1);
            *exp10 = up_exp;
            break;
        }
    }
    trim_zeros(digits);
}

static void put_exponent(pv_buf *out, int e)
{
    pv_buf_putc(out, 'e');
    pv_buf_putc(out, e < 0 ? '-' : '+');
    pv_put_u64_pad(out, (uint64_t)(e < 0 ? -e : e), 2);
}

/*
 * Positional or scientific notation of digits × 10^e. Positional when
 * lo <= e < hi; `point_zero` appends ".0" to integral positional values
 * (Python).
 */
static void put_decimal(pv_buf *out, const char *digits, int e, int lo, int hi, bool point_zero)
{
    int nd = (int)strlen(digits);
    if (e < lo || e >= hi) {
        pv_buf_putc(out, (uint8_t)digits[0]);
        if (nd > 1) {
            pv_buf_putc(out, '.');
            pv_buf_put(out, digits + 1, (size_t)nd - 1);
        }
        put_exponent(out, e);
        return;
    }
    if (e < 0) {
        pv_buf_puts(out, "0.");
        for (int i = -1; i > e; i--)
            pv_buf_putc(out, '0');
        pv_buf_put(out, digits, (size_t)nd);
        return;
    }
    int int_digits = e + 1;
    for (int i = 0; i < int_digits; i++)
        pv_buf_putc(out, (uint8_t)(i < nd ? digits[i] : '0'));
    if (nd > int_digits) {
        pv_buf_putc(out, '.');
        pv_buf_put(out, digits + int_digits, (size_t)(nd - int_digits));
    } else if (point_zero) {
        pv_buf_puts(out, ".0");
    }
}

/* PostgreSQL float4out/float8out with extra_float_digits > 0. */
static void float_pg(pv_buf *out, double v, bool single)
{
    if (isnan(v)) {
        pv_buf_puts(out, "NaN");
        return;
    }
    if (isinf(v)) {
        pv_buf_puts(out, v < 0 ? "-Infinity" : "Infinity");
        return;
    }
    if (signbit(v))
        pv_buf_putc(out, '-');
    if (v == 0) {
        pv_buf_putc(out, '0');
        return;
    }
    char digits[24];
    int e;
    shortest_digits(fabs(v), single, true, digits, &e);
    /* Ryu's thresholds in PostgreSQL: positional for 1e-4 <= |v| < 1e15 (float4: 1e6) */
    put_decimal(out, digits, e, -4, single ? 6 : 15, false);
}

/* Python's repr of the value as a double (masking.md §2). */
static void float_py(pv_buf *out, double v)
{
    if (isnan(v)) {
        pv_buf_puts(out, "nan");
        return;
    }
    if (isinf(v)) {
        pv_buf_puts(out, v < 0 ? "-inf" : "inf");
        return;
    }
    if (signbit(v))
        pv_buf_putc(out, '-');
    if (v == 0) {
        pv_buf_puts(out, "0.0");
        return;
    }
    char digits[24];
    int e;
    shortest_digits(fabs(v), false, false, digits, &e);
    put_decimal(out, digits, e, -4, 16, true);
}

static int float_decode(const pv_scalar_codec *c, const uint8_t *p, size_t n, pv_render how,
                        pv_buf *out)
{
    double v;
    bool single = c->variant == 4;
    if (single) {
        if (n != 4)
            return PV_C_BADBIN;
        uint32_t bits = pv_be32(p);
        float f;
        memcpy(&f, &bits, sizeof(f));
        v = f;
    } else {
        if (n != 8)
            return PV_C_BADBIN;
        uint64_t bits = pv_be64(p);
        memcpy(&v, &bits, sizeof(v));
    }
    if (how == PV_RENDER_MASK)
        float_py(out, v); /* float4 widened to double: 0.1 -> 0.10000000149011612 */
    else
        float_pg(out, v, single);
    return PV_C_OK;
}

/* The C library's decimal point in the current locale (strtod honours it). */
static char locale_point(void)
{
    char probe[8];
    snprintf(probe, sizeof(probe), "%.1f", 0.5);
    return probe[1];
}

typedef struct float_text {
    char buf[512]; /* the literal, underscores dropped, for strtod/strtof */
    bool special;  /* NaN or an infinity spelled out */
    bool nonzero;  /* some digit is not 0 (to detect underflow to zero) */
    double special_value;
} float_text;

/*
 * Numeric syntax (sign, digits with '_' between them, point, exponent) or
 * NaN / Inf / Infinity in any case, with optional sign and whitespace. The
 * shape is checked here because strtod also takes hex and "nan(...)".
 */
static bool parse_float(const char *s, size_t n, float_text *ft)
{
    pv_trim(&s, &n);
    ft->special = ft->nonzero = false;
    if (n == 0 || n >= sizeof(ft->buf))
        return false;
    const char *w = s;
    size_t wn = n;
    bool neg = false;
    if (w[0] == '+' || w[0] == '-') {
        neg = w[0] == '-';
        w++;
        wn--;
    }
    if (pv_word_eq(w, wn, "nan") || pv_word_eq(w, wn, "inf") || pv_word_eq(w, wn, "infinity")) {
        ft->special = true;
        ft->special_value = pv_lower(w[0]) == 'n' ? NAN : neg ? -INFINITY : INFINITY;
        return true;
    }
    char *buf = ft->buf;
    size_t i = 0, k = 0;
    bool digits = false, point = false;
    if (s[i] == '+' || s[i] == '-')
        buf[k++] = s[i++];
    for (; i < n; i++) {
        char ch = s[i];
        if (pv_is_digit(ch)) {
            digits = true;
            ft->nonzero = ft->nonzero || ch != '0';
            buf[k++] = ch;
        } else if (ch == '_' && i > 0 && pv_is_digit(s[i - 1]) && i + 1 < n &&
                   pv_is_digit(s[i + 1])) {
            continue;
        } else if (ch == '.' && !point) {
            point = true;
            buf[k++] = locale_point();
        } else {
            break;
        }
    }
    if (!digits)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        buf[k++] = s[i++];
        if (i < n && (s[i] == '+' || s[i] == '-'))
            buf[k++] = s[i++];
        if (i >= n || !pv_is_digit(s[i]))
            return false;
        while (i < n && pv_is_digit(s[i]))
            buf[k++] = s[i++];
    }
    buf[k] = '\0';
    return i == n;
}

static int float_encode(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out)
{
    float_text ft;
    if (!parse_float(s, n, &ft))
        return PV_C_BADTEXT;
    if (c->variant == 4) {
        /* strtof, not (float)strtod: double rounding would differ from float4in */
        float f = ft.special ? (float)ft.special_value : strtof(ft.buf, NULL);
        /* float4in rejects literals that overflow, or underflow to zero */
        if (!ft.special && (isinf(f) || (f == 0 && ft.nonzero)))
            return PV_C_BADTEXT;
        uint32_t bits;
        memcpy(&bits, &f, sizeof(bits));
        pv_buf_be32(out, bits);
    } else {
        double v = ft.special ? ft.special_value : strtod(ft.buf, NULL);
        if (!ft.special && (isinf(v) || (v == 0 && ft.nonzero)))
            return PV_C_BADTEXT;
        uint64_t bits;
        memcpy(&bits, &v, sizeof(bits));
        pv_buf_be64(out, bits);
    }
    return PV_C_OK;
}

/* ------------------------------------------------------------ money */

/*
 * cash_out under lc_monetary=C: "$", ',' every three digits, two
 * decimals, '-' before the symbol.
 */
static int money_decode(const pv_scalar_codec *c, const uint8_t *p, size_t n, pv_render how,
                        pv_buf *out)
{
    if (n != 8)
        return PV_C_BADBIN;
    int64_t v = (int64_t)pv_be64(p);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char tmp[40];
    int i = (int)sizeof(tmp);
    int pos = 0; /* digits written; the point goes after two */
    do {
        if (pos == 2)
            tmp[--i] = '.';
        else if (pos > 2 && (pos - 2) % 3 == 0)
            tmp[--i] = ',';
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
        pos++;
    } while (u || pos < 3);
    if (v < 0)
        pv_buf_putc(out, '-');
    pv_buf_putc(out, '$');
    pv_buf_put(out, tmp + i, sizeof(tmp) - (size_t)i);
    return PV_C_OK;
}

/* cash_in under lc_monetary=C. */
static int money_encode(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out)
{
    pv_trim(&s, &n);
    size_t i = 0;
    bool neg = false;
    if (i < n && s[i] == '(') {
        neg = true;
        i++;
    }
    while (i < n && pv_is_space(s[i]))
        i++;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-' || neg;
    while (i < n && pv_is_space(s[i]))
        i++;
    if (i < n && s[i] == '$')
        i++;
    while (i < n && pv_is_space(s[i]))
        i++;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t acc = 0;
    int dec = 0;
    bool point = false, digits = false;
    for (; i < n; i++) {
        char ch = s[i];
        if (pv_is_digit(ch)) {
            if (point && dec >= 2)
                break;
            unsigned d = (unsigned)(ch - '0');
            if (acc > (limit - d) / 10)
                return PV_C_BADTEXT;
            acc = acc * 10 + d;
            digits = true;
            if (point)
                dec++;
        } else if (ch == '.' && !point) {
            point = true;
        } else if (ch != ',') {
            break;
        }
    }
    if (!digits)
        return PV_C_BADTEXT;
    /* a third decimal rounds half up; further ones are dropped */
    bool round_up = i < n && pv_is_digit(s[i]) && s[i] >= '5';
    while (i < n && pv_is_digit(s[i]))
        i++;
    for (; dec < 2; dec++) {
        if (acc > limit / 10)
            return PV_C_BADTEXT;
        acc *= 10;
    }
    if (round_up) {
        if (acc >= limit)
            return PV_C_BADTEXT;
        acc++;
    }
    for (; i < n; i++) {
        if (s[i] == '-')
            neg = true;
        else if (!pv_is_space(s[i]) && s[i] != ')' && s[i] != '$')
            return PV_C_BADTEXT;
    }
    if (!neg && acc > (uint64_t)INT64_MAX)
        return PV_C_BADTEXT;
    int64_t v = neg ? (int64_t)((uint64_t)0 - acc) : (int64_t)acc;
    pv_buf_be64(out, (uint64_t)v);
    return PV_C_OK;
}

/* ------------------------------------------------------------ table */

const pv_scalar_codec pv_sc_bool = {"bool", 16, 1000, bool_decode, bool_encode, 0, 0};
const pv_scalar_codec pv_sc_int2 = {"int2", 21, 1005, int_decode, int_encode, 0, 2};
const pv_scalar_codec pv_sc_int4 = {"int4", 23, 1007, int_decode, int_encode, 0, 4};
const pv_scalar_codec pv_sc_int8 = {"int8", 20, 1016, int_decode, int_encode, 0, 8};
const pv_scalar_codec pv_sc_oid = {"oid", 26, 1028, int_decode, int_encode, 0, INT_OID};
const pv_scalar_codec pv_sc_float4 = {"float4", 700, 1021, float_decode, float_encode, 0, 4};
const pv_scalar_codec pv_sc_float8 = {"float8", 701, 1022, float_decode, float_encode, 0, 8};
const pv_scalar_codec pv_sc_money = {"money", 790, 791, money_decode, money_encode, 0, 0};
