#include "mask/num.h"

#include <string.h>

void pv_buf_u128(pv_buf *out, pv_u128 x, size_t width)
{
    char digits[40]; /* 2^128 has 39 decimal digits */
    size_t n = 0;
    /* 64-bit divisions once the value fits: 128-bit ones are library calls. */
    while (x > UINT64_MAX) {
        digits[n++] = (char)('0' + (unsigned)(x % 10));
        x /= 10;
    }
    uint64_t y = (uint64_t)x;
    do {
        digits[n++] = (char)('0' + y % 10);
        y /= 10;
    } while (y);
    size_t pad = width > n ? width - n : 0;
    pv_buf_reserve(out, pad + n);
    memset(out->data + out->len, '0', pad);
    out->len += pad;
    while (n)
        out->data[out->len++] = (uint8_t)digits[--n];
}

void pv_buf_hex(pv_buf *out, const uint8_t *bytes, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    pv_buf_reserve(out, 2 * n);
    for (size_t i = 0; i < n; i++) {
        out->data[out->len++] = (uint8_t)hex[bytes[i] >> 4];
        out->data[out->len++] = (uint8_t)hex[bytes[i] & 0x0f];
    }
}
