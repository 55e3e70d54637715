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
    if (n == 16) /* the whole seed: two loads, not sixteen shifts */
        return (pv_u128)pv_be64(b) << 64 | pv_be64(b + 8);
    pv_u128 x = 0;
    for (size_t i = 0; i < n; i++)
        x = x << 8 | b[i];
    return x;
}

/*
 * x mod n for a 64-bit n > 0. The compiler turns a 128-bit % into a call
 * to libgcc's __umodti3 even for a constant n; on x86-64 one divq of
 * (hi mod n, lo) does it, the quotient fitting in 64 bits since hi mod n < n.
 */
static inline uint64_t pv_u128_mod(pv_u128 x, uint64_t n)
{
#if defined(__x86_64__) && defined(__GNUC__)
    uint64_t hi = (uint64_t)(x >> 64) % n, lo = (uint64_t)x, q, r;
    __asm__("divq %[n]" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), [n] "rm"(n) : "cc");
    (void)q;
    return r;
#else
    return (uint64_t)(x % n);
#endif
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
