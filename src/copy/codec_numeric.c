/*
 * codec_numeric.c — numeric: int16 ndigits, int16 weight, uint16 sign,
 * uint16 dscale, then ndigits base-10000 digits (numeric_send).
 *
 * Text output follows get_str_from_var: the integer part from the digits
 * up to `weight` (0 when weight < 0), then exactly dscale fractional
 * digits. The encoder follows set_var_from_str + make_result, including
 * their normalisation (leading and trailing zero base-10000 digits
 * stripped, zero is positive with weight 0), so that encoding a value's
 * text output gives back the server's own bytes. Masking input text is the
 * same text output (masking.md §2).
 */
#include "copy/codec_internal.h"

#define NBASE         10000
#define DEC_DIGITS    4
#define SIGN_POS      0x0000
#define SIGN_NEG      0x4000
#define SIGN_NAN      0xC000
#define SIGN_PINF     0xD000
#define SIGN_NINF     0xF000
#define DSCALE_MAX    0x3FFF /* NUMERIC_DSCALE_MAX */
#define MAX_PRECISION 1000   /* NUMERIC_MAX_PRECISION: exponent limit of the input */
#define WEIGHT_MAX    32767  /* the int16 weight of the binary form */

static void put_group(pv_buf *out, int d, bool pad)
{
    char tmp[4];
    for (int k = 3; k >= 0; k--) {
        tmp[k] = (char)('0' + d % 10);
        d /= 10;
    }
    int start = 0;
    if (!pad)
        while (start < 3 && tmp[start] == '0')
            start++;
    pv_buf_put(out, tmp + start, (size_t)(4 - start));
}

static int numeric_decode(const pv_scalar_codec *c, const uint8_t *p, size_t n, pv_render how,
                          pv_buf *out)
{
    if (n < 8)
        return PV_C_BADBIN;
    int ndigits = (int16_t)pv_be16(p);
    int weight = (int16_t)pv_be16(p + 2);
    uint16_t sign = pv_be16(p + 4);
    int dscale = pv_be16(p + 6);
    if (ndigits < 0 || n != 8 + 2 * (size_t)ndigits)
        return PV_C_BADBIN;
    switch (sign) {
    case SIGN_NAN:
        pv_buf_puts(out, "NaN");
        return PV_C_OK;
    case SIGN_PINF:
        pv_buf_puts(out, "Infinity");
        return PV_C_OK;
    case SIGN_NINF:
        pv_buf_puts(out, "-Infinity");
        return PV_C_OK;
    case SIGN_POS:
    case SIGN_NEG:
        break;
    default:
        return PV_C_BADBIN;
    }
    if (dscale > DSCALE_MAX)
        return PV_C_BADBIN;
    const uint8_t *digits = p + 8;
    for (int i = 0; i < ndigits; i++)
        if (pv_be16(digits + 2 * i) >= NBASE)
            return PV_C_BADBIN;
#define DIGIT(i) ((i) >= 0 && (i) < ndigits ? (int)pv_be16(digits + 2 * (i)) : 0)
    if (sign == SIGN_NEG)
        pv_buf_putc(out, '-');
    if (weight < 0) {
        pv_buf_putc(out, '0');
    } else {
        for (int d = 0; d <= weight; d++)
            put_group(out, DIGIT(d), d > 0);
    }
    if (dscale > 0) {
        pv_buf_putc(out, '.');
        /* digits after the point, group by group, cut at dscale */
        int left = dscale;
        for (int d = weight + 1; left > 0; d++) {
            size_t at = out->len;
            put_group(out, DIGIT(d), true);
            if (left < DEC_DIGITS)
                out->len = at + (size_t)left;
            left -= DEC_DIGITS;
        }
    }
#undef DIGIT
    return PV_C_OK;
}

/* ------------------------------------------------------------ encode */

/*
 * NaN and the infinities. numeric_send reads their dscale out of the
 * special header with the short-format mask, which gives 32 for ±Infinity
 * and 0 for NaN; numeric_recv ignores it, but we match the server's bytes.
 */
static int put_special(pv_buf *out, uint16_t sign)
{
    pv_buf_be16(out, 0);
    pv_buf_be16(out, 0);
    pv_buf_be16(out, sign);
    pv_buf_be16(out, (uint16_t)((sign & 0x1F80) >> 7));
    return PV_C_OK;
}

/* Reads the exponent after 'e'; false on bad syntax or beyond ±1000. */
static bool parse_exponent(const char *s, size_t n, size_t *i, long *exp)
{
    bool neg = false;
    if (*i < n && (s[*i] == '+' || s[*i] == '-'))
        neg = s[(*i)++] == '-';
    if (*i >= n || !pv_is_digit(s[*i]))
        return false;
    long v = 0;
    for (; *i < n && pv_is_digit(s[*i]); (*i)++) {
        v = v * 10 + (s[*i] - '0');
        if (v > MAX_PRECISION)
            return false;
    }
    *exp = neg ? -v : v;
    return true;
}

/* Significant digits: on the stack unless the literal is long. */
typedef struct digits {
    char stack[256];
    char *d;
    size_t n, cap;
    pv_buf heap;
} digits;

static void digits_init(digits *dg)
{
    dg->d = dg->stack;
    dg->n = 0;
    dg->cap = sizeof(dg->stack);
    dg->heap = (pv_buf)PV_BUF_INIT;
}

static void digits_push(digits *dg, char ch)
{
    if (dg->n == dg->cap) {
        pv_buf_reserve(&dg->heap, dg->cap * 2);
        if (dg->d == dg->stack)
            memcpy(dg->heap.data, dg->stack, dg->n);
        dg->d = (char *)dg->heap.data;
        dg->cap = dg->heap.cap;
    }
    dg->d[dg->n++] = ch;
}

/*
 * A finite literal, as set_var_from_str reads it. Decimal positions count
 * from the point (0 = units, 1 = tens, -1 = tenths); base-10000 group w
 * covers positions 4w .. 4w+3.
 */
typedef struct literal {
    digits dg;      /* significant digits, leading zeros dropped */
    long first_pos; /* decimal position of dg.d[0] */
    long dscale;    /* digits after the point, less the exponent, at least 0 */
} literal;

static bool scan_literal(const char *s, size_t n, size_t i, literal *lit)
{
    long int_digits = 0;      /* significant digits before the point */
    long lead_frac_zeros = 0; /* zeros after the point before the first significant one */
    long frac_digits = 0;
    bool point = false, any = false;
    for (; i < n; i++) {
        char ch = s[i];
        if (pv_is_digit(ch)) {
            any = true;
            frac_digits += point;
            if (lit->dg.n == 0 && ch == '0') {
                lead_frac_zeros += point;
                continue;
            }
            int_digits += !point;
            digits_push(&lit->dg, ch);
        } else if (ch == '_' && any && i + 1 < n && pv_is_digit(s[i + 1]) &&
                   pv_is_digit(s[i - 1])) {
            continue;
        } else if (ch == '.' && !point) {
            point = true;
        } else {
            break;
        }
    }
    long exp = 0;
    if (!any)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (!parse_exponent(s, n, &i, &exp))
            return false;
    }
    if (i != n)
        return false;
    lit->dscale = frac_digits - exp > 0 ? frac_digits - exp : 0;
    lit->first_pos = (int_digits > 0 ? int_digits - 1 : -(lead_frac_zeros + 1)) + exp;
    return lit->dscale <= DSCALE_MAX;
}

/* floor(pos / 4) for negative positions too */
static long group_of(long pos)
{
    return pos >= 0 ? pos / DEC_DIGITS : -((-pos - 1) / DEC_DIGITS) - 1;
}

static void put_header(pv_buf *out, int ndigits, long weight, uint16_t sign, long dscale)
{
    pv_buf_be16(out, (uint16_t)ndigits);
    pv_buf_be16(out, (uint16_t)(int16_t)weight);
    pv_buf_be16(out, sign);
    pv_buf_be16(out, (uint16_t)dscale);
}

/* The base-10000 groups, trailing zero groups stripped (make_result). */
static bool put_literal(pv_buf *out, const literal *lit, bool neg)
{
    const char *dec = lit->dg.d;
    long nd = (long)lit->dg.n;
    if (nd == 0) {
        put_header(out, 0, 0, SIGN_POS, lit->dscale); /* zero: positive, weight 0 */
        return true;
    }
    long wfirst = group_of(lit->first_pos), wlast = group_of(lit->first_pos - nd + 1);
    if (wfirst > WEIGHT_MAX || wlast < -WEIGHT_MAX - 1)
        return false;
    size_t header = out->len;
    put_header(out, 0, wfirst, neg ? SIGN_NEG : SIGN_POS, lit->dscale);
    int ndigits = 0;
    long pending_zero_groups = 0;
    for (long w = wfirst; w >= wlast; w--) {
        int g = 0;
        for (long pos = w * DEC_DIGITS + 3; pos >= w * DEC_DIGITS; pos--) {
            long idx = lit->first_pos - pos;
            g = g * 10 + ((idx >= 0 && idx < nd) ? dec[idx] - '0' : 0);
        }
        if (g == 0) {
            pending_zero_groups++; /* written only if a non-zero group follows */
            continue;
        }
        for (; pending_zero_groups > 0; pending_zero_groups--, ndigits++)
            pv_buf_be16(out, 0);
        pv_buf_be16(out, (uint16_t)g);
        ndigits++;
    }
    pv_put_be16(out->data + header, (uint16_t)ndigits);
    return true;
}

static int numeric_encode(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out)
{
    pv_trim(&s, &n);
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (pv_word_eq(s, n, "nan")) /* numeric_in takes no sign on NaN */
        return put_special(out, SIGN_NAN);
    if (pv_word_eq(s + i, n - i, "inf") || pv_word_eq(s + i, n - i, "infinity"))
        return put_special(out, neg ? SIGN_NINF : SIGN_PINF);
    literal lit;
    digits_init(&lit.dg);
    bool ok = scan_literal(s, n, i, &lit) && put_literal(out, &lit, neg);
    pv_buf_free(&lit.dg.heap);
    return ok ? PV_C_OK : PV_C_BADTEXT;
}

const pv_scalar_codec pv_sc_numeric = {"numeric", 1700, 1231, numeric_decode, numeric_encode, 0, 0};
