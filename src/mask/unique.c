/*
 * unique.c — the suffix rules of masking.md §9.1.
 */
#include "mask/unique.h"

#include "mask/date.h"
#include "mask/num.h"
#include "mask/providers.h"

#include <string.h>

#define SUFFIX_HEX_BYTES 8 /* hex(seed)[0:16] */
#define DOB_SHIFT_DAYS   3650

static const uint8_t *last_at(const uint8_t *s, size_t len)
{
    for (size_t i = len; i > 0; i--)
        if (s[i - 1] == '@')
            return s + i - 1;
    return NULL;
}

static void suffix_email(const uint8_t *seed, const uint8_t *base, size_t len, pv_buf *out)
{
    const uint8_t *at = last_at(base, len);
    size_t head = at ? (size_t)(at - base) : len;
    pv_buf_put(out, base, head);
    pv_buf_putc(out, '+');
    pv_buf_hex(out, seed, SUFFIX_HEX_BYTES);
    pv_buf_put(out, base + head, len - head);
}

static bool looks_like_date(const uint8_t *b, size_t len)
{
    if (len != 10 || b[4] != '-' || b[7] != '-')
        return false;
    for (size_t i = 0; i < len; i++)
        if (i != 4 && i != 7 && (b[i] < '0' || b[i] > '9'))
            return false;
    return true;
}

/* date(base) + (int(seed) mod 3650 + 1) days; false when not representable. */
static bool shift_date(const uint8_t *seed, const uint8_t *base, size_t len, pv_buf *out)
{
    int64_t day;
    if (!pv_parse_iso_date(base, len, &day))
        return false;
    day += (int64_t)pv_u128_mod(pv_u128_be(seed, PV_SEED_LEN), DOB_SHIFT_DAYS) + 1;
    if (day > PV_DATE_MAX_DAYS)
        return false;
    pv_buf_iso_date(out, day);
    return true;
}

static bool is_integer_text(const uint8_t *b, size_t len)
{
    size_t i = len && b[0] == '-' ? 1 : 0;
    if (i == len)
        return false;
    for (; i < len; i++)
        if (b[i] < '0' || b[i] > '9')
            return false;
    return true;
}

/*
 * Width w = digit count; int(seed) mod 10^w, zero-padded to w, sign kept.
 * Beyond 38 digits 10^w exceeds every 128-bit seed, so the modulo is the
 * identity and only the padding remains.
 */
static void remap_digits(const uint8_t *seed, const uint8_t *base, size_t len, pv_buf *out)
{
    bool neg = base[0] == '-';
    size_t w = len - (neg ? 1 : 0);
    pv_u128 x = pv_u128_be(seed, PV_SEED_LEN);
    if (w <= 38)
        x %= pv_pow10_u128((unsigned)w);
    if (neg)
        pv_buf_putc(out, '-');
    pv_buf_u128(out, x, w);
}

void pv_unique_apply(int provider, const uint8_t seed[PV_SEED_LEN], const uint8_t *base, size_t len,
                     pv_buf *out)
{
    if (provider == PV_PROV_EMAIL) {
        suffix_email(seed, base, len, out);
        return;
    }
    if (provider == PV_PROV_UUID || provider == PV_PROV_PASSWORD) {
        pv_buf_put(out, base, len);
        return;
    }
    if ((provider == PV_PROV_DOB || looks_like_date(base, len)) && shift_date(seed, base, len, out))
        return;
    if (is_integer_text(base, len)) {
        remap_digits(seed, base, len, out);
        return;
    }
    pv_buf_put(out, base, len);
    pv_buf_put(out, "__", 2);
    pv_buf_hex(out, seed, SUFFIX_HEX_BYTES);
}
