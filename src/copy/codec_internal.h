/*
 * codec_internal.h — what the codec_*.c files share; not an interface.
 *
 * Scalar decoders and encoders return a status code instead of a pv_error
 * so the per-cell path never allocates; codec.c turns a failure into the
 * value-free pv_error the caller sees.
 */
#ifndef PRIVACI_COPY_CODEC_INTERNAL_H
#define PRIVACI_COPY_CODEC_INTERNAL_H

#include "copy/codec.h"

#include "util/hex.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    PV_C_OK = 0,
    PV_C_BADBIN,  /* the binary value is malformed */
    PV_C_BADTEXT, /* the text is not a valid value of the type */
};

typedef int (*pv_decode_fn)(const pv_scalar_codec *c, const uint8_t *p, size_t n, pv_render how,
                            pv_buf *out);
typedef int (*pv_encode_fn)(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out);

/* Renderings that are the wire bytes themselves (pv_codec_is_verbatim). */
#define PV_VERBATIM_OUTPUT (1u << PV_RENDER_OUTPUT)
#define PV_VERBATIM_CAST   (1u << PV_RENDER_CAST)
#define PV_VERBATIM_MASK   (1u << PV_RENDER_MASK)
#define PV_VERBATIM_ALL    (PV_VERBATIM_OUTPUT | PV_VERBATIM_CAST | PV_VERBATIM_MASK)

struct pv_scalar_codec {
    const char *name;
    uint32_t oid;       /* built-in OID; 0 for enum and citext (looked up otherwise) */
    uint32_t array_oid; /* the built-in array type's OID, 0 when none */
    pv_decode_fn decode;
    pv_encode_fn encode;
    unsigned verbatim;
    int variant; /* distinguishes types sharing functions (int2/int4, inet/cidr, ...) */
};

/* The codec table (codec.c) and the one each type family file defines. */
extern const pv_scalar_codec pv_sc_bool, pv_sc_int2, pv_sc_int4, pv_sc_int8, pv_sc_oid,
    pv_sc_float4, pv_sc_float8, pv_sc_money;
extern const pv_scalar_codec pv_sc_numeric;
extern const pv_scalar_codec pv_sc_text, pv_sc_varchar, pv_sc_bpchar, pv_sc_name, pv_sc_citext,
    pv_sc_enum, pv_sc_xml, pv_sc_json, pv_sc_jsonb, pv_sc_bytea, pv_sc_uuid;
extern const pv_scalar_codec pv_sc_date, pv_sc_time, pv_sc_timetz, pv_sc_timestamp,
    pv_sc_timestamptz, pv_sc_interval;
extern const pv_scalar_codec pv_sc_inet, pv_sc_cidr, pv_sc_macaddr, pv_sc_macaddr8;

/* codec_array.c */
int pv_array_decode(const pv_scalar_codec *elem, const uint8_t *p, size_t n, pv_buf *out);
int pv_array_encode(const pv_scalar_codec *elem, uint32_t elem_oid, const char *s, size_t n,
                    pv_buf *out);

/* ---- shared helpers (codec_num.c) ---- */

/* Decimal digits of v, no sign. */
void pv_put_u64(pv_buf *out, uint64_t v);
void pv_put_i64(pv_buf *out, int64_t v);
/* v zero-padded to at least `width` digits. */
void pv_put_u64_pad(pv_buf *out, uint64_t v, int width);

static inline bool pv_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static inline bool pv_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline char pv_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

/* Trims ASCII whitespace off both ends of [*s, *s + *n). */
void pv_trim(const char **s, size_t *n);

/* Case-insensitive equality of [s, s + n) and the NUL-terminated lowercase word. */
bool pv_word_eq(const char *s, size_t n, const char *word);

/*
 * Parses an integer per masking.md §4.1: optional whitespace, sign, decimal
 * digits with single '_' between digits. Range [min, max]. Returns false
 * when invalid or out of range.
 */
bool pv_parse_int(const char *s, size_t n, int64_t min, int64_t max, int64_t *out);

/* UTF-8 well-formedness (no NUL, no surrogates, no overlongs). */
bool pv_utf8_valid(const uint8_t *s, size_t n);

#endif
