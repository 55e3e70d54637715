/*
 * buf.h — the growable byte buffer the COPY code, the codecs and the masking
 * actions write into, plus the big-endian helpers of the wire format.
 *
 * A pv_buf is owned by its caller and reused: decoders and encoders *append*
 * to it, the caller resets `len` between cells or batches (pv_buf_reset), so
 * after warm-up no cell allocates. The hot helpers are inline on purpose:
 * the decode path calls them once per byte or digit.
 */
#ifndef PRIVACI_UTIL_BUF_H
#define PRIVACI_UTIL_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct pv_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} pv_buf;

#define PV_BUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Grows the capacity so that `extra` more bytes fit (slow path; aborts on OOM). */
void pv_buf_grow(pv_buf *b, size_t extra);
void pv_buf_free(pv_buf *b);

static inline void pv_buf_reset(pv_buf *b)
{
    b->len = 0;
}

static inline void pv_buf_reserve(pv_buf *b, size_t extra)
{
    if (b->cap - b->len < extra)
        pv_buf_grow(b, extra);
}

static inline void pv_buf_put(pv_buf *b, const void *p, size_t n)
{
    pv_buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

static inline void pv_buf_putc(pv_buf *b, uint8_t c)
{
    pv_buf_reserve(b, 1);
    b->data[b->len++] = c;
}

static inline void pv_buf_puts(pv_buf *b, const char *s)
{
    pv_buf_put(b, s, strlen(s));
}

/* Makes data a C string without counting the NUL in len. */
static inline void pv_buf_terminate(pv_buf *b)
{
    pv_buf_reserve(b, 1);
    b->data[b->len] = 0;
}

/* ---- big-endian reads; callers have checked the length ---- */

static inline uint16_t pv_be16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t pv_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t pv_be64(const uint8_t *p)
{
    return (uint64_t)pv_be32(p) << 32 | pv_be32(p + 4);
}

/* ---- big-endian writes into a buffer ---- */

static inline void pv_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void pv_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void pv_put_be64(uint8_t *p, uint64_t v)
{
    pv_put_be32(p, (uint32_t)(v >> 32));
    pv_put_be32(p + 4, (uint32_t)v);
}

static inline void pv_buf_be16(pv_buf *b, uint16_t v)
{
    pv_buf_reserve(b, 2);
    pv_put_be16(b->data + b->len, v);
    b->len += 2;
}

static inline void pv_buf_be32(pv_buf *b, uint32_t v)
{
    pv_buf_reserve(b, 4);
    pv_put_be32(b->data + b->len, v);
    b->len += 4;
}

static inline void pv_buf_be64(pv_buf *b, uint64_t v)
{
    pv_buf_reserve(b, 8);
    pv_put_be64(b->data + b->len, v);
    b->len += 8;
}

#endif
