/*
 * num.h — the integer helpers of masking.md's notation (private to
 * src/mask): int(b) of a seed slice (at most 16 bytes, so 128 bits), and
 * zero-padded decimal output without printf.
 */
#ifndef PRIVACI_MASK_NUM_H
#define PRIVACI_MASK_NUM_H

#include "util/buf.h"

#include <stddef.h>
#include <stdint.h>

/* GCC/Clang extension; __extension__ keeps -Wpedantic builds quiet. */
__extension__ typedef unsigned __int128 pv_u128;

/* int(b): b[0..n) big-endian, n ≤ 16 (an empty slice is 0). */
static inline pv_u128 pv_u128_be(const uint8_t *b, size_t n)
{
    pv_u128 x = 0;
    for (size_t i = 0; i < n; i++)
        x = x << 8 | b[i];
    return x;
}

/* 10^w for w ≤ 38 (the largest power of ten below 2^128). */
static inline pv_u128 pv_pow10_u128(unsigned w)
{
    pv_u128 p = 1;
    while (w--)
        p *= 10;
    return p;
}

/* Appends x in decimal, left-padded with zeros to at least `width` digits. */
void pv_buf_u128(pv_buf *out, pv_u128 x, size_t width);

/* Appends x in decimal (no padding). */
static inline void pv_buf_u64(pv_buf *out, uint64_t x)
{
    pv_buf_u128(out, x, 1);
}

/* Lowercase hex of `n` bytes. */
void pv_buf_hex(pv_buf *out, const uint8_t *bytes, size_t n);

#endif
