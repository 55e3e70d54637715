/*
 * codec.h — per-type codecs between the COPY binary representation and
 * text (spec/streaming.md §3, spec/masking.md §2 and §4.1).
 *
 * Codecs exist for the types of streaming.md §3 only: bool, int2/4/8, oid,
 * float4/8, numeric, money, text, varchar, bpchar, name, citext, bytea,
 * uuid, date, time, timetz, timestamp, timestamptz, interval, json, jsonb,
 * xml, inet, cidr, macaddr, macaddr8, enums (text on the wire), domains
 * (their base type's codec) and arrays of any of these. Passthrough cells
 * of every type — these or any other — are never decoded.
 *
 * Decoding renders a binary value as text in one of three ways:
 *
 *   PV_RENDER_OUTPUT  the type's output function: what COPY ... TO (FORMAT
 *                     text), row and array output print. Used for cursors
 *                     and parse checks.
 *   PV_RENDER_CAST    what `SELECT x::text` prints. Equal to OUTPUT except
 *                     for the three types whose cast to text is a function
 *                     of its own: bool (`true`, not `t`), inet/cidr (always
 *                     with `/bits`: network_show) and bpchar (trailing
 *                     spaces removed). Array elements always use OUTPUT,
 *                     as array_out does.
 *   PV_RENDER_MASK    the masking input text of masking.md §2 (`True`,
 *                     Python-repr floats, `+00:00`, fixed infinities, ...).
 *
 * Both server renderings assume the session settings the stream sets on
 * every connection (streaming.md §2): DateStyle=ISO, MDY;
 * IntervalStyle=postgres; TimeZone=UTC; extra_float_digits >= 1 (shortest
 * round-trip floats: 1 and 3 print the same since PostgreSQL 12);
 * bytea_output=hex; client_encoding=UTF8 — plus lc_monetary=C, which money
 * output depends on (the stream should set it too). Values of
 * `timestamptz` and `timetz` are rendered in UTC / their own offset, which
 * is what the server prints under TimeZone=UTC.
 *
 * Encoding turns text (a masked value, a static value, a cursor) into the
 * binary form the server's *_recv accepts, accepting at least the syntax of
 * masking.md §4.1 for the type, plus every text the OUTPUT rendering
 * produces (so decode -> encode round-trips). Every codec above has an
 * encoder; arrays encode from PostgreSQL's array literal syntax when their
 * element type does. Typmod limits (varchar(n), numeric(p,s)) are applied
 * by the server's receive function, not here.
 *
 * Buffers: decode and encode *append* to a caller-owned pv_buf and leave it
 * NUL-terminated (not counted in len); nothing is allocated per call except
 * when encoding an array literal or on failure (the pv_error).
 */
#ifndef PRIVACI_COPY_CODEC_H
#define PRIVACI_COPY_CODEC_H

#include "util/buf.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum pv_render {
    PV_RENDER_OUTPUT,
    PV_RENDER_CAST,
    PV_RENDER_MASK,
} pv_render;

/*
 * What the codec lookup needs to know about a column's type, from the
 * catalog. Domains are resolved to their innermost base type (domains over
 * domains included); an array's element is resolved the same way.
 * PV_TYPE_INFO_SQL below fills one row per type OID. Strings are borrowed.
 */
typedef struct pv_type_info {
    uint32_t base_oid;     /* the column type with domains stripped */
    char base_typtype;     /* its pg_type.typtype: 'b' base, 'e' enum, 'r', 'm', 'c', 'p' */
    const char *base_name; /* its typname, unqualified; identifies extension types (citext) */
    uint32_t elem_oid;     /* when the base is an array: its typelem as declared (the OID
                              in the wire header, may be a domain); 0 otherwise */
    uint32_t elem_base_oid;
    char elem_typtype;
    const char *elem_name;
    /* Not used by the lookup; for the stream's binary-or-text decision
     * (streaming.md §4): the base type — and an array's element base —
     * has both send and receive functions. A domain's or an array's own
     * typsend/typreceive are not enough: domain_recv and array_send call
     * the base's and the element's at run time. */
    bool binary_io;
    /* Not used by the lookup either: an enum base type's labels, for the
     * masker's §4.1 check of a masked value (the wire form of an enum is
     * its label, so the codec accepts any text). NULL otherwise. */
    const char *const *enum_labels;
    size_t n_enum_labels;
} pv_type_info;

/*
 * The catalog query that fills pv_type_info, one row per type OID in $1
 * (an oid[]): type_oid, base_oid, base_typtype, base_name, elem_oid,
 * elem_base_oid, elem_typtype, elem_name (the elem_* columns are 0 / NULL
 * unless the base is an array), binary_io. "Array" is PostgreSQL's own
 * test: a varlena type with a typelem. Works on PostgreSQL 12 and later.
 */
#define PV_TYPE_INFO_SQL                                                                           \
    "WITH RECURSIVE dom(root, cur) AS ("                                                           \
    " SELECT t.oid, t.oid FROM pg_catalog.pg_type t WHERE t.oid = ANY($1::pg_catalog.oid[])"       \
    " UNION ALL"                                                                                   \
    " SELECT d.root, t.typbasetype FROM dom d JOIN pg_catalog.pg_type t ON t.oid = d.cur"          \
    " WHERE t.typtype = 'd'),"                                                                     \
    " base AS ("                                                                                   \
    " SELECT d.root, t.oid, t.typtype, t.typname,"                                                 \
    " CASE WHEN t.typlen = -1 AND t.typelem <> 0 THEN t.typelem ELSE 0 END AS elem,"               \
    " t.typsend::pg_catalog.oid <> 0 AND t.typreceive::pg_catalog.oid <> 0 AS io"                  \
    " FROM dom d JOIN pg_catalog.pg_type t ON t.oid = d.cur WHERE t.typtype <> 'd'),"              \
    " edom(root, cur) AS ("                                                                        \
    " SELECT b.elem, b.elem FROM base b WHERE b.elem <> 0"                                         \
    " UNION"                                                                                       \
    " SELECT e.root, t.typbasetype FROM edom e JOIN pg_catalog.pg_type t ON t.oid = e.cur"         \
    " WHERE t.typtype = 'd'),"                                                                     \
    " ebase AS ("                                                                                  \
    " SELECT e.root, t.oid, t.typtype, t.typname,"                                                 \
    " t.typsend::pg_catalog.oid <> 0 AND t.typreceive::pg_catalog.oid <> 0 AS io"                  \
    " FROM edom e JOIN pg_catalog.pg_type t ON t.oid = e.cur WHERE t.typtype <> 'd')"              \
    " SELECT b.root AS type_oid, b.oid AS base_oid, b.typtype AS base_typtype,"                    \
    " b.typname AS base_name, b.elem AS elem_oid, COALESCE(eb.oid, 0) AS elem_base_oid,"           \
    " eb.typtype AS elem_typtype, eb.typname AS elem_name,"                                        \
    " b.io AND COALESCE(eb.io, true) AS binary_io"                                                 \
    " FROM base b LEFT JOIN ebase eb ON eb.root = b.elem ORDER BY 1"

typedef struct pv_scalar_codec pv_scalar_codec; /* private: one per base type */

/* A column's codec; a small value, kept per column by the stream. */
typedef struct pv_codec {
    const pv_scalar_codec *scalar; /* the base type, or an array's element type */
    bool is_array;
    uint32_t elem_oid; /* arrays: the element type OID written in the wire header */
} pv_codec;

/*
 * The codec for a column type, or false when the type has none (the
 * stream then uses the text fallback if the column is masked, §4).
 */
bool pv_codec_for_type(const pv_type_info *ti, pv_codec *out);

/* Built-in types only, by OID (scalars and their array types). */
bool pv_codec_for_oid(uint32_t oid, pv_codec *out);

/* Built-in types only, by typname ("int4", "_int4", "timestamptz", "citext", ...). */
bool pv_codec_for_name(const char *typname, pv_codec *out);

/* "int4", "int4[]", "text" (also for enums and citext). Static. */
const char *pv_codec_name(const pv_codec *c);

/* False only for an array whose element type has no encoder. */
bool pv_codec_can_encode(const pv_codec *c);

/*
 * True when the rendering of every value is exactly its wire bytes (text
 * family, json, xml, enum; bpchar except for CAST): callers may then use
 * the cell itself and skip pv_codec_decode.
 */
bool pv_codec_is_verbatim(const pv_codec *c, pv_render how);

/*
 * Appends the text of the binary value (len bytes at data; not NULL —
 * NULL handling is the caller's, masking.md §3). Fails (exit 1, Context
 * "Decoding a column value") on malformed bytes.
 */
pv_error *pv_codec_decode(const pv_codec *c, pv_render how, const uint8_t *data, size_t len,
                          pv_buf *out);

/*
 * Appends the binary form of `text` (len bytes, need not be NUL-terminated).
 * Fails (exit 1, Context "Encoding a masked value for the target column",
 * value-free Cause naming the type) when the text is not a valid value; on
 * failure out->len is restored.
 */
pv_error *pv_codec_encode(const pv_codec *c, const char *text, size_t len, pv_buf *out);

#endif
