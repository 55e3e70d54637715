/*
 * codec.c — the codec lookup (which columns get a codec, streaming.md §3)
 * and the public decode/encode entry points that turn the scalar codecs'
 * status codes into pv_error values.
 */
#include "copy/codec_internal.h"

#include <string.h>

static const pv_scalar_codec *const BUILTINS[] = {
    &pv_sc_bool,    &pv_sc_int2,      &pv_sc_int4,        &pv_sc_int8,     &pv_sc_oid,
    &pv_sc_float4,  &pv_sc_float8,    &pv_sc_money,       &pv_sc_numeric,  &pv_sc_text,
    &pv_sc_varchar, &pv_sc_bpchar,    &pv_sc_name,        &pv_sc_xml,      &pv_sc_json,
    &pv_sc_jsonb,   &pv_sc_bytea,     &pv_sc_uuid,        &pv_sc_date,     &pv_sc_time,
    &pv_sc_timetz,  &pv_sc_timestamp, &pv_sc_timestamptz, &pv_sc_interval, &pv_sc_inet,
    &pv_sc_cidr,    &pv_sc_macaddr,   &pv_sc_macaddr8,
};

#define N_BUILTINS (sizeof(BUILTINS) / sizeof(BUILTINS[0]))

/* A base (non-array) type: built-ins by OID, enums by typtype, citext by name. */
static const pv_scalar_codec *scalar_for(uint32_t oid, char typtype, const char *name)
{
    if (typtype == 'e')
        return &pv_sc_enum;
    for (size_t k = 0; k < N_BUILTINS; k++)
        if (BUILTINS[k]->oid == oid)
            return BUILTINS[k];
    /* citext is an extension type with no fixed OID; its wire form is text's */
    if (typtype == 'b' && name && strcmp(name, "citext") == 0)
        return &pv_sc_citext;
    return NULL;
}

bool pv_codec_for_type(const pv_type_info *ti, pv_codec *out)
{
    memset(out, 0, sizeof(*out));
    if (ti->elem_oid != 0) {
        const pv_scalar_codec *e = scalar_for(ti->elem_base_oid, ti->elem_typtype, ti->elem_name);
        if (!e)
            return false;
        out->scalar = e;
        out->is_array = true;
        out->elem_oid = ti->elem_oid;
        return true;
    }
    out->scalar = scalar_for(ti->base_oid, ti->base_typtype, ti->base_name);
    return out->scalar != NULL;
}

bool pv_codec_for_oid(uint32_t oid, pv_codec *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t k = 0; k < N_BUILTINS; k++) {
        if (BUILTINS[k]->oid == oid) {
            out->scalar = BUILTINS[k];
            return true;
        }
        if (BUILTINS[k]->array_oid == oid) {
            out->scalar = BUILTINS[k];
            out->is_array = true;
            out->elem_oid = BUILTINS[k]->oid;
            return true;
        }
    }
    return false;
}

bool pv_codec_for_name(const char *typname, pv_codec *out)
{
    memset(out, 0, sizeof(*out));
    bool array = typname[0] == '_';
    const char *base = array ? typname + 1 : typname;
    const pv_scalar_codec *found = NULL;
    for (size_t k = 0; k < N_BUILTINS && !found; k++)
        if (strcmp(BUILTINS[k]->name, base) == 0)
            found = BUILTINS[k];
    if (!found && strcmp(base, "citext") == 0)
        found = &pv_sc_citext;
    if (!found)
        return false;
    out->scalar = found;
    out->is_array = array;
    out->elem_oid = array ? found->oid : 0;
    return true;
}

const char *pv_codec_name(const pv_codec *c)
{
    if (!c->is_array)
        return c->scalar->name;
    /* one static string per element codec, built without allocation */
    static const struct {
        const pv_scalar_codec *codec;
        const char *name;
    } arrays[] = {
        {&pv_sc_bool, "bool[]"},
        {&pv_sc_int2, "int2[]"},
        {&pv_sc_int4, "int4[]"},
        {&pv_sc_int8, "int8[]"},
        {&pv_sc_oid, "oid[]"},
        {&pv_sc_float4, "float4[]"},
        {&pv_sc_float8, "float8[]"},
        {&pv_sc_money, "money[]"},
        {&pv_sc_numeric, "numeric[]"},
        {&pv_sc_text, "text[]"},
        {&pv_sc_varchar, "varchar[]"},
        {&pv_sc_bpchar, "bpchar[]"},
        {&pv_sc_name, "name[]"},
        {&pv_sc_citext, "citext[]"},
        {&pv_sc_enum, "enum[]"},
        {&pv_sc_xml, "xml[]"},
        {&pv_sc_json, "json[]"},
        {&pv_sc_jsonb, "jsonb[]"},
        {&pv_sc_bytea, "bytea[]"},
        {&pv_sc_uuid, "uuid[]"},
        {&pv_sc_date, "date[]"},
        {&pv_sc_time, "time[]"},
        {&pv_sc_timetz, "timetz[]"},
        {&pv_sc_timestamp, "timestamp[]"},
        {&pv_sc_timestamptz, "timestamptz[]"},
        {&pv_sc_interval, "interval[]"},
        {&pv_sc_inet, "inet[]"},
        {&pv_sc_cidr, "cidr[]"},
        {&pv_sc_macaddr, "macaddr[]"},
        {&pv_sc_macaddr8, "macaddr8[]"},
    };
    for (size_t k = 0; k < sizeof(arrays) / sizeof(arrays[0]); k++)
        if (arrays[k].codec == c->scalar)
            return arrays[k].name;
    return "array";
}

bool pv_codec_can_encode(const pv_codec *c)
{
    return c->scalar && c->scalar->encode != NULL;
}

bool pv_codec_is_verbatim(const pv_codec *c, pv_render how)
{
    return !c->is_array && (c->scalar->verbatim & (1u << how)) != 0;
}

pv_error *pv_codec_decode(const pv_codec *c, pv_render how, const uint8_t *data, size_t len,
                          pv_buf *out)
{
    static const uint8_t empty[1] = {0};
    if (!data)
        data = empty; /* an empty buffer's NULL must not meet pointer arithmetic */
    size_t start = out->len;
    int rc = c->is_array ? pv_array_decode(c->scalar, data, len, out)
                         : c->scalar->decode(c->scalar, data, len, how, out);
    if (rc != PV_C_OK) {
        out->len = start;
        pv_buf_terminate(out);
        return pv_error_new(PV_EXIT_GENERIC, "Decoding a column value",
                            "Check that the source column's type matches the catalog; retry "
                            "the run.",
                            "Malformed binary %s value in the COPY stream.", pv_codec_name(c));
    }
    pv_buf_terminate(out);
    return NULL;
}

pv_error *pv_codec_encode(const pv_codec *c, const char *text, size_t len, pv_buf *out)
{
    if (!text)
        text = "";
    size_t start = out->len;
    int rc = PV_C_BADTEXT;
    if (c->scalar->encode)
        rc = c->is_array ? pv_array_encode(c->scalar, c->elem_oid, text, len, out)
                         : c->scalar->encode(c->scalar, text, len, out);
    if (rc != PV_C_OK) {
        out->len = start;
        pv_buf_terminate(out);
        return pv_error_new(PV_EXIT_GENERIC, "Encoding a masked value for the target column",
                            "Configure a type-compatible action in mask-rules.yaml for this "
                            "column, or exclude it from auto-detect.",
                            "The masked value is not a valid %s.", pv_codec_name(c));
    }
    pv_buf_terminate(out);
    return NULL;
}
