/* masker.c — the masking stage of a streaming unit; see masker.h. */
#include "stream/masker.h"

#include "config/regex.h"
#include "mask/mask.h"
#include "util/utf8.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Built-in type OIDs the typed outputs of §4.2 and §9.2 need. */
#define OID_BYTEA   17
#define OID_INT8    20
#define OID_INT2    21
#define OID_INT4    23
#define OID_NUMERIC 1700
#define OID_DATE    1082
#define OID_UUID    2950

/* How `hash` writes its output (masking.md §4.2). */
typedef enum hash_out {
    HASH_TEXT,    /* 64 hex characters through the codec */
    HASH_BYTEA,   /* the 32 digest bytes */
    HASH_UUID,    /* digest bytes 0–15 with the version/variant bits */
    HASH_INT,     /* int(digest[0:8]) mod (max + 1) */
    HASH_NUMERIC, /* int(digest[0:8]) mod 10^p */
} hash_out;

typedef struct mcol {
    const pv_mask_spec *spec; /* NULL: passthrough */
    pv_mask_class cls;
    pv_codec codec;
    bool has_codec;
    bool verbatim; /* the masking input text is the wire bytes */
    bool out_verbatim;
    uint32_t base_oid;
    int int_width;     /* 2, 4 or 8 for int2/int4/int8, else 0 */
    int max_chars;     /* varchar(n) / char(n): n; else -1 */
    int precision;     /* numeric(p,0): p; else 0 */
    pv_buf static_out; /* static: the encoded value (binary) or its escaped text */
    pv_fake_column *fake;
    pv_hash_column hash;
    hash_out hout;
    pv_hmac_column hmac;
    bool hmac_raw; /* hmac_hash into bytea: the 32 raw bytes */
    pv_fpe *fpe;
    pcre2_code *re;
    pv_regex_template *tpl;
    pv_regex_matcher *matcher;
    pv_memo *memo;     /* input cell → output cell as written */
    pv_memo32 *memo32; /* binary mode, int2/int4/date: keyed by the value */
    int fixed_width;   /* with memo32: the cell's width, 2 or 4 */
    int64_t rows;
} mcol;

struct pv_masker {
    int n;
    mcol *cols;
    int *fixed; /* the columns with a memo32 */
    int n_fixed;
    int *run_last; /* binary mode: for the first of a run of passthrough columns, its last */
    bool text;
    pv_mask_scratch scratch;
    pv_buf in;   /* the input text of the current cell */
    pv_buf out;  /* the action's output text */
    pv_buf bin;  /* text mode: a value's binary form */
    pv_buf tmp;  /* text mode: a value's server text */
    pv_buf line; /* text mode: the unescaped input cell */
};

static const char ENCODE_CONTEXT[] = "Encoding a masked value for the target column";
static const char ENCODE_REMEDIATION[] =
    "Configure a type-compatible action in mask-rules.yaml for this column, or exclude it from "
    "auto-detect.";

/* ------------------------------------------------------------ type facts */

static bool spec_codec(const pv_mask_spec *spec, pv_codec *codec)
{
    return spec->type && pv_codec_for_type(spec->type, codec) && pv_codec_can_encode(codec);
}

bool pv_mask_spec_needs_text(const pv_mask_spec *spec)
{
    pv_codec codec;
    return spec && spec->kind != PV_ACT_PASSTHROUGH && spec->kind != PV_ACT_NULL &&
           !spec_codec(spec, &codec);
}

/* "character varying(80)" → 80; "character(3)" → 3; else -1 (domains: their base). */
static int declared_chars(const char *type)
{
    static const char *const prefixes[] = {"character varying(", "character("};
    for (size_t i = 0; type && i < 2; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(type, prefixes[i], n) == 0)
            return atoi(type + n);
    }
    return -1;
}

/* "numeric(12,0)" → 12; else 0. */
static int declared_precision(const char *type)
{
    if (!type || strncmp(type, "numeric(", 8) != 0)
        return 0;
    const char *comma = strchr(type, ',');
    return comma && strcmp(comma, ",0)") == 0 ? atoi(type + 8) : 0;
}

static pv_mask_class class_of(pv_action_kind kind)
{
    switch (kind) {
    case PV_ACT_PASSTHROUGH:
        return PV_MASK_CLASS_PASSTHROUGH;
    case PV_ACT_NULL:
        return PV_MASK_CLASS_NULL;
    case PV_ACT_STATIC:
        return PV_MASK_CLASS_STATIC;
    default:
        return PV_MASK_CLASS_OTHER;
    }
}

/* ------------------------------------------------------------ errors */

static pv_error *invalid_value(const mcol *c)
{
    return pv_error_new(PV_EXIT_GENERIC, ENCODE_CONTEXT, ENCODE_REMEDIATION,
                        "Masked value for %s is not a valid %s; the chosen action is "
                        "incompatible with the column type.",
                        c->spec->column_path, c->spec->declared_type);
}

static pv_error *too_long(const mcol *c)
{
    return pv_error_new(PV_EXIT_GENERIC, ENCODE_CONTEXT, ENCODE_REMEDIATION,
                        "Masked value for %s is longer than the declared length %d of %s; the "
                        "chosen action is incompatible with the column type.",
                        c->spec->column_path, c->max_chars, c->spec->declared_type);
}

static pv_error *cell_error(const mcol *c, const char *what)
{
    char *context = pv_xasprintf("Masking %s", c->spec->column_path);
    pv_error *err = pv_error_new(PV_EXIT_GENERIC, context,
                                 "Check the column's data and its action in mask-rules.yaml, then "
                                 "run privaci resume.",
                                 "%s", what);
    free(context);
    return err;
}

/* ------------------------------------------------------------ output */

static bool is_label(const pv_type_info *ti, const uint8_t *text, size_t len)
{
    for (size_t i = 0; i < ti->n_enum_labels; i++)
        if (strlen(ti->enum_labels[i]) == len && memcmp(ti->enum_labels[i], text, len) == 0)
            return true;
    return false;
}

/*
 * Writes one output cell holding `bytes` already in the column's binary
 * form: binary mode as is; text mode printed by the codec and escaped.
 */
static pv_error *emit_binary(pv_masker *m, const mcol *c, const uint8_t *bytes, size_t len,
                             pv_buf *out)
{
    if (!m->text) {
        pv_buf_be32(out, (uint32_t)len);
        pv_buf_put(out, bytes, len);
        return NULL;
    }
    pv_buf_reset(&m->tmp);
    pv_error *err = pv_codec_decode(&c->codec, PV_RENDER_OUTPUT, bytes, len, &m->tmp);
    if (err)
        return err;
    pv_copy_text_escape(m->tmp.data, m->tmp.len, out);
    return NULL;
}

/* Writes the action's output text into the column: §4.1 coercion, length limit. */
static pv_error *emit_text(pv_masker *m, const mcol *c, const uint8_t *text, size_t len,
                           pv_buf *out)
{
    if (c->max_chars >= 0 && len > (size_t)c->max_chars &&
        pv_utf8_codepoints(text, len) > (size_t)c->max_chars) {
        /* char(n) accepts trailing spaces beyond n, as the server does. */
        size_t trimmed = len;
        while (trimmed > 0 && text[trimmed - 1] == ' ')
            trimmed--;
        if (c->out_verbatim || pv_utf8_codepoints(text, trimmed) > (size_t)c->max_chars)
            return too_long(c);
    }
    if (c->spec->type && c->spec->type->base_typtype == 'e' && !is_label(c->spec->type, text, len))
        return invalid_value(c);
    if (!c->has_codec) {
        /* Text mode only: the server parses the output with the type's input. */
        pv_copy_text_escape(text, len, out);
        return NULL;
    }
    if (!m->text) {
        size_t start = out->len;
        pv_buf_be32(out, 0);
        pv_error *err = pv_codec_encode(&c->codec, (const char *)text, len, out);
        if (err) {
            pv_error_free(err);
            out->len = start;
            return invalid_value(c);
        }
        pv_put_be32(out->data + start, (uint32_t)(out->len - start - 4));
        return NULL;
    }
    if (c->out_verbatim) {
        pv_copy_text_escape(text, len, out);
        return NULL;
    }
    pv_buf_reset(&m->bin);
    pv_error *err = pv_codec_encode(&c->codec, (const char *)text, len, &m->bin);
    if (err) {
        pv_error_free(err);
        return invalid_value(c);
    }
    return emit_binary(m, c, m->bin.data, m->bin.len, out);
}

static void emit_null(const pv_masker *m, pv_buf *out)
{
    if (m->text)
        pv_buf_put(out, "\\N", 2);
    else
        pv_buf_be32(out, (uint32_t)-1);
}

static void emit_raw(const pv_masker *m, pv_cell cell, pv_buf *out)
{
    if (cell.len == PV_CELL_NULL) {
        emit_null(m, out);
        return;
    }
    if (!m->text)
        pv_buf_be32(out, (uint32_t)cell.len);
    pv_buf_put(out, cell.data, (size_t)cell.len);
}

/* ------------------------------------------------------------ input */

/*
 * The masking input text of a non-NULL cell (§2) into *v / *len: the cell
 * itself for verbatim types in binary mode, else rendered into m->in.
 * In text mode the cell is unescaped first, then (with a codec) parsed and
 * rendered, so that both modes mask the same text.
 */
static pv_error *input_text(pv_masker *m, const mcol *c, pv_cell cell, const uint8_t **v,
                            size_t *len)
{
    const uint8_t *data = cell.data;
    size_t n = (size_t)cell.len;
    if (m->text) {
        pv_buf_reset(&m->line);
        pv_copy_text_unescape(data, n, &m->line);
        data = m->line.data;
        n = m->line.len;
        if (!c->has_codec || c->verbatim) {
            *v = data;
            *len = n;
            return NULL;
        }
        pv_buf_reset(&m->bin);
        pv_error *err = pv_codec_encode(&c->codec, (const char *)data, n, &m->bin);
        if (err)
            return err;
        data = m->bin.data;
        n = m->bin.len;
    } else if (c->verbatim) {
        *v = data;
        *len = n;
        return NULL;
    }
    pv_buf_reset(&m->in);
    pv_error *err = pv_codec_decode(&c->codec, PV_RENDER_MASK, data, n, &m->in);
    *v = m->in.data;
    *len = m->in.len;
    return err;
}

/* The binary value of an integer cell (int2/4/8), from either mode. */
static bool cell_int(pv_masker *m, const mcol *c, pv_cell cell, int64_t *x)
{
    const uint8_t *p = cell.data;
    size_t n = (size_t)cell.len;
    if (m->text) {
        pv_buf_reset(&m->bin);
        pv_error *err = pv_codec_encode(&c->codec, (const char *)p, n, &m->bin);
        if (err) {
            pv_error_free(err);
            return false;
        }
        p = m->bin.data;
        n = m->bin.len;
    }
    if (n != (size_t)c->int_width)
        return false;
    *x = c->int_width == 2   ? (int16_t)pv_be16(p)
         : c->int_width == 4 ? (int32_t)pv_be32(p)
                             : (int64_t)pv_be64(p);
    return true;
}

static pv_error *emit_int(pv_masker *m, const mcol *c, int64_t y, pv_buf *out)
{
    uint8_t b[8];
    if (c->int_width == 2)
        pv_put_be16(b, (uint16_t)y);
    else if (c->int_width == 4)
        pv_put_be32(b, (uint32_t)y);
    else
        pv_put_be64(b, (uint64_t)y);
    return emit_binary(m, c, b, (size_t)c->int_width, out);
}

/* ------------------------------------------------------------ actions */

static pv_error *mask_hash(pv_masker *m, mcol *c, const uint8_t *v, size_t len, pv_buf *out)
{
    if (c->hout == HASH_TEXT) {
        pv_buf_reset(&m->out);
        pv_hash_cell(&c->hash, v, len, &m->out);
        return emit_text(m, c, m->out.data, m->out.len, out);
    }
    uint8_t d[PV_DIGEST_LEN];
    pv_hash_digest(&c->hash, v, len, d);
    switch (c->hout) {
    case HASH_BYTEA:
        return emit_binary(m, c, d, sizeof(d), out);
    case HASH_UUID: {
        uint8_t u[16];
        pv_hash_to_uuid(d, u);
        return emit_binary(m, c, u, sizeof(u), out);
    }
    case HASH_INT: {
        uint64_t max = c->int_width == 2 ? INT16_MAX : c->int_width == 4 ? INT32_MAX : INT64_MAX;
        return emit_int(m, c, (int64_t)pv_hash_to_int(d, max), out);
    }
    default:
        pv_buf_reset(&m->out);
        pv_hash_to_numeric(d, c->precision, &m->out);
        return emit_text(m, c, m->out.data, m->out.len, out);
    }
}

static pv_error *mask_hmac(pv_masker *m, mcol *c, const uint8_t *v, size_t len, pv_buf *out)
{
    if (c->hmac_raw) {
        uint8_t d[PV_DIGEST_LEN];
        if (!pv_hmac_digest(&c->hmac, &m->scratch, v, len, d))
            return cell_error(c, "The value is not valid UTF-8.");
        return emit_binary(m, c, d, sizeof(d), out);
    }
    pv_buf_reset(&m->out);
    if (!pv_hmac_cell(&c->hmac, &m->scratch, v, len, &m->out))
        return cell_error(c, "The value is not valid UTF-8.");
    return emit_text(m, c, m->out.data, m->out.len, out);
}

static pv_error *mask_regex(pv_masker *m, mcol *c, const uint8_t *v, size_t len, pv_buf *out)
{
    pv_buf_reset(&m->out);
    switch (pv_regex_substitute(c->matcher, c->re, c->tpl, v, len, &m->out)) {
    case PV_REGEX_OK:
        /* A template's \0 escapes put NUL in the output; no PostgreSQL text holds one. */
        if (m->out.len && memchr(m->out.data, 0, m->out.len))
            return invalid_value(c);
        return emit_text(m, c, m->out.data, m->out.len, out);
    case PV_REGEX_TOO_LONG: {
        char *context = pv_xasprintf("Masking %s", c->spec->column_path);
        pv_error *err = pv_error_new(
            PV_EXIT_GENERIC, context,
            "Use an action other than regex_mask for this column, or shorten its values.",
            "Value length %zu exceeds the 65536 character limit for regex_mask.",
            pv_utf8_codepoints(v, len));
        free(context);
        return err;
    }
    case PV_REGEX_LIMIT:
        return cell_error(c, "The regex_mask pattern exceeded its match limit (1,000,000 steps) "
                             "or its 1 MiB stack; simplify the pattern.");
    case PV_REGEX_BAD_UTF8:
        return cell_error(c, "The value is not valid UTF-8.");
    default:
        return cell_error(c, "The regex_mask pattern failed to match.");
    }
}

static pv_error *mask_fpe(pv_masker *m, mcol *c, pv_cell cell, const uint8_t *v, size_t len,
                          pv_buf *out)
{
    if (c->int_width) {
        int64_t x, y;
        if (!cell_int(m, c, cell, &x) || !pv_fpe_map_int(c->fpe, x, &y))
            return cell_error(c, "The value is not an integer of the column type.");
        return emit_int(m, c, y, out);
    }
    pv_buf_reset(&m->out);
    if (!pv_fpe_map_text(c->fpe, v, len, &m->out))
        return cell_error(c, "The value is not an integer of the column type.");
    return emit_text(m, c, m->out.data, m->out.len, out);
}

/* A non-NULL cell of a column whose action needs its value. */
static pv_error *mask_value(pv_masker *m, mcol *c, pv_cell cell, pv_buf *out)
{
    /* §9.2 over int2/4/8 works on the binary value: no text in between. */
    if (c->fpe && c->int_width)
        return mask_fpe(m, c, cell, NULL, 0, out);
    const uint8_t *v;
    size_t len;
    pv_error *err = input_text(m, c, cell, &v, &len);
    if (err) {
        pv_error_free(err);
        return cell_error(c, "The source value could not be decoded.");
    }
    if (pv_mask_cell_fate(c->cls, false, len) == PV_FATE_KEEP) {
        emit_raw(m, cell, out); /* "" stays "" (§3) */
        return NULL;
    }
    if (c->fpe)
        return mask_fpe(m, c, cell, v, len, out);
    switch (c->spec->kind) {
    case PV_ACT_FAKE:
    case PV_ACT_PSEUDONYM:
        pv_buf_reset(&m->out);
        err = pv_fake_cell(c->fake, &m->scratch, v, len, &m->out);
        return err ? err : emit_text(m, c, m->out.data, m->out.len, out);
    case PV_ACT_HASH:
        return mask_hash(m, c, v, len, out);
    case PV_ACT_HMAC_HASH:
        return mask_hmac(m, c, v, len, out);
    case PV_ACT_REGEX_MASK:
        return mask_regex(m, c, v, len, out);
    default:
        return cell_error(c, "The column's action is not available in this build.");
    }
}

static uint32_t fixed_value(const uint8_t *p, int width)
{
    return width == 2 ? pv_be16(p) : pv_be32(p);
}

/* mask_value through the column's memo32: a value seen before costs one load. */
static pv_error *mask_fixed(pv_masker *m, mcol *c, pv_cell cell, pv_buf *out)
{
    uint32_t key = fixed_value(cell.data, c->fixed_width), val;
    if (pv_memo32_get(c->memo32, key, &val)) {
        uint8_t b[4];
        pv_put_be32(b, val);
        emit_binary(m, c, c->fixed_width == 2 ? b + 2 : b, (size_t)c->fixed_width, out);
        return NULL;
    }
    size_t start = out->len;
    pv_error *err = mask_value(m, c, cell, out);
    /* Only a value of the column's own width is remembered (never NULL, never an error). */
    if (!err && out->len - start == 4 + (size_t)c->fixed_width &&
        pv_be32(out->data + start) == (uint32_t)c->fixed_width)
        pv_memo32_put(c->memo32, key, fixed_value(out->data + start + 4, c->fixed_width));
    return err;
}

static pv_error *mask_cell(pv_masker *m, mcol *c, pv_cell cell, pv_buf *out)
{
    bool is_null = cell.len == PV_CELL_NULL;
    if (c->cls == PV_MASK_CLASS_NULL || c->cls == PV_MASK_CLASS_STATIC || is_null) {
        pv_cell_fate fate = pv_mask_cell_fate(c->cls, is_null, 0);
        if (!is_null)
            c->rows++;
        if (fate == PV_FATE_STATIC)
            pv_buf_put(out, c->static_out.data, c->static_out.len);
        else
            emit_null(m, out);
        return NULL;
    }
    c->rows++;
    if (c->memo32 && cell.len == c->fixed_width)
        return mask_fixed(m, c, cell, out);
    /* The output cell is a function of the input cell: a repeat is one copy. */
    if (pv_memo_get(c->memo, cell.data, (size_t)cell.len, out))
        return NULL;
    size_t start = out->len;
    pv_error *err = mask_value(m, c, cell, out);
    /* An empty output (text mode, e.g. a regex that removes everything) is not worth a slot. */
    if (!err && out->len > start)
        pv_memo_put(c->memo, cell.data, (size_t)cell.len, out->data + start, out->len - start);
    return err;
}

/* ------------------------------------------------------------ building */

static pv_error *prepare_static(pv_masker *m, mcol *c)
{
    const char *value = c->spec->action ? c->spec->action->value : NULL;
    if (!value)
        value = "";
    size_t len = strlen(value);
    if (!c->has_codec) {
        pv_copy_text_escape((const uint8_t *)value, len, &c->static_out);
        return NULL;
    }
    pv_buf encoded = PV_BUF_INIT;
    pv_error *err = pv_codec_encode(&c->codec, value, len, &encoded);
    if (err) {
        pv_error_free(err);
        pv_buf_free(&encoded);
        return invalid_value(c);
    }
    err = emit_binary(m, c, encoded.data, encoded.len, &c->static_out);
    pv_buf_free(&encoded);
    return err;
}

static pv_error *prepare_fake(const pv_mask_secrets *sec, mcol *c)
{
    const pv_mask_spec *s = c->spec;
    bool keyed = s->kind == PV_ACT_PSEUDONYM;
    const char *secret = keyed ? sec->key : sec->salt;
    if (!secret)
        return cell_error(c, "The pseudonym key is not configured.");
    const char *domain = pv_action_param(s->action, "domain");
    pv_fake_opts o = {
        .library = sec->library == PV_LIBRARY_CLASSIC ? PV_MASK_LIB_CLASSIC : PV_MASK_LIB_STANDARD,
        .provider = s->action->provider,
        .column_path = s->column_path,
        .hash_path = s->hash_path,
        .secret = secret,
        .secret_len = strlen(secret),
        .keyed = keyed,
        .unique = s->unique,
        .has_domain = domain != NULL,
        .domain = domain,
    };
    return pv_fake_column_new(&o, &c->fake);
}

static pv_error *prepare_fpe(const pv_mask_secrets *sec, mcol *c)
{
    const pv_mask_spec *s = c->spec;
    const char *secret = s->kind == PV_ACT_PSEUDONYM ? sec->key : sec->salt;
    if (!secret)
        return cell_error(c, "The pseudonym key is not configured.");
    pv_fpe_type type = c->int_width == 2   ? PV_FPE_INT2
                       : c->int_width == 4 ? PV_FPE_INT4
                       : c->int_width == 8 ? PV_FPE_INT8
                                           : PV_FPE_NUMERIC;
    if (type == PV_FPE_NUMERIC && c->precision == 0)
        return invalid_value(c);
    return pv_fpe_new(type, c->precision, secret, strlen(secret), s->hash_path, &c->fpe);
}

static pv_error *prepare_regex(mcol *c)
{
    const pv_action *a = c->spec->action;
    char *problem = NULL;
    c->re = pv_regex_compile(a->pattern, a->pcre2_opts, &problem);
    if (c->re)
        c->tpl = pv_regex_template_new(a->replace, c->re, &problem);
    if (!c->re || !c->tpl) {
        free(problem); /* validated at load: cannot happen */
        return cell_error(c, "The regex_mask pattern or replacement could not be compiled.");
    }
    pv_regex_jit(c->re);
    c->matcher = pv_regex_matcher_new(c->re);
    return NULL;
}

static void set_hash_output(mcol *c)
{
    c->hout = HASH_TEXT;
    if (c->base_oid == OID_BYTEA)
        c->hout = HASH_BYTEA;
    else if (c->base_oid == OID_UUID)
        c->hout = HASH_UUID;
    else if (c->int_width)
        c->hout = HASH_INT;
    else if (c->base_oid == OID_NUMERIC && c->precision > 0)
        c->hout = HASH_NUMERIC;
}

static pv_error *prepare_column(pv_masker *m, const pv_mask_secrets *sec, mcol *c)
{
    const pv_mask_spec *s = c->spec;
    c->cls = class_of(s->kind);
    c->has_codec = spec_codec(s, &c->codec);
    c->verbatim = c->has_codec && pv_codec_is_verbatim(&c->codec, PV_RENDER_MASK);
    c->out_verbatim = c->has_codec && pv_codec_is_verbatim(&c->codec, PV_RENDER_OUTPUT);
    c->base_oid = s->type && !c->codec.is_array ? s->type->base_oid : 0;
    c->int_width = c->base_oid == OID_INT2   ? 2
                   : c->base_oid == OID_INT4 ? 4
                   : c->base_oid == OID_INT8 ? 8
                                             : 0;
    c->max_chars = declared_chars(s->declared_type);
    c->precision = c->base_oid == OID_NUMERIC ? declared_precision(s->declared_type) : 0;
    if (c->cls == PV_MASK_CLASS_NULL)
        return NULL;
    if (c->cls == PV_MASK_CLASS_STATIC)
        return prepare_static(m, c);
    if (!c->has_codec && !m->text)
        return invalid_value(c); /* the stream chose text mode for such columns */
    if (!m->text && (c->int_width == 2 || c->int_width == 4 || c->base_oid == OID_DATE)) {
        c->memo32 = pv_memo32_new();
        c->fixed_width = c->int_width == 2 ? 2 : 4;
    }
    if (!c->memo32)
        c->memo = pv_memo_new();
    if (s->fpe)
        return prepare_fpe(sec, c);
    switch (s->kind) {
    case PV_ACT_FAKE:
    case PV_ACT_PSEUDONYM:
        return prepare_fake(sec, c);
    case PV_ACT_HASH:
        pv_hash_column_init(&c->hash, sec->salt, strlen(sec->salt));
        set_hash_output(c);
        return NULL;
    case PV_ACT_HMAC_HASH:
        if (!sec->key)
            return cell_error(c, "The pseudonym key is not configured.");
        pv_hmac_column_init(&c->hmac, sec->key, strlen(sec->key), s->hash_path,
                            s->action && s->action->encoding == PV_HMAC_BASE64URL
                                ? PV_HMAC_FORMAT_BASE64URL
                                : PV_HMAC_FORMAT_HEX);
        c->hmac_raw = c->base_oid == OID_BYTEA;
        return NULL;
    case PV_ACT_REGEX_MASK:
        return prepare_regex(c);
    default:
        return cell_error(c, "The column's action is not available in this build.");
    }
}

pv_error *pv_masker_new(const pv_mask_spec *const *specs, int n, const pv_mask_secrets *secrets,
                        bool text_mode, pv_masker **out)
{
    pv_masker *m = pv_xcalloc(1, sizeof(*m));
    m->n = n;
    m->text = text_mode;
    m->cols = pv_xcalloc(n ? (size_t)n : 1, sizeof(*m->cols));
    pv_mask_scratch_init(&m->scratch);
    pv_error *err = NULL;
    for (int i = 0; i < n && !err; i++) {
        const pv_mask_spec *s = specs[i];
        if (!s || s->kind == PV_ACT_PASSTHROUGH)
            continue;
        m->cols[i].spec = s;
        err = prepare_column(m, secrets, &m->cols[i]);
    }
    m->fixed = pv_xcalloc(n ? (size_t)n : 1, sizeof(*m->fixed));
    for (int i = 0; i < n && !err; i++)
        if (m->cols[i].memo32)
            m->fixed[m->n_fixed++] = i;
    m->run_last = pv_xcalloc(n ? (size_t)n : 1, sizeof(*m->run_last));
    for (int i = 0; i < n; i++) {
        m->run_last[i] = -1;
        if (!m->text && !m->cols[i].spec && (i == 0 || m->cols[i - 1].spec)) {
            int j = i;
            while (j + 1 < n && !m->cols[j + 1].spec)
                j++;
            m->run_last[i] = j;
        }
    }
    if (err) {
        pv_masker_free(m);
        m = NULL;
    }
    *out = m;
    return err;
}

void pv_masker_free(pv_masker *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n; i++) {
        mcol *c = &m->cols[i];
        pv_buf_free(&c->static_out);
        pv_fake_column_free(c->fake);
        pv_hash_column_clear(&c->hash);
        pv_hmac_column_clear(&c->hmac);
        pv_fpe_free(c->fpe);
        pv_regex_matcher_free(c->matcher);
        pv_regex_template_free(c->tpl);
        pcre2_code_free(c->re);
        pv_memo_free(c->memo);
        pv_memo32_free(c->memo32);
    }
    free(m->cols);
    free(m->fixed);
    free(m->run_last);
    pv_mask_scratch_free(&m->scratch);
    pv_buf_free(&m->in);
    pv_buf_free(&m->out);
    pv_buf_free(&m->bin);
    pv_buf_free(&m->tmp);
    pv_buf_free(&m->line);
    free(m);
}

pv_error *pv_masker_tuple(pv_masker *m, const pv_copy_tuple *t, pv_buf *out)
{
    size_t start = out->len;
    /* A memo32 slot is a likely cache miss: start it before the other columns' work. */
    for (int k = 0; k < m->n_fixed; k++) {
        const mcol *c = &m->cols[m->fixed[k]];
        pv_cell cell = t->cells[m->fixed[k]];
        if (cell.len == c->fixed_width)
            pv_memo32_prefetch(c->memo32, fixed_value(cell.data, c->fixed_width));
    }
    if (!m->text)
        pv_buf_be16(out, (uint16_t)m->n);
    for (int i = 0; i < m->n; i++) {
        if (m->text && i)
            pv_buf_putc(out, '\t');
        mcol *c = &m->cols[i];
        if (!c->spec) {
            /*
             * Binary mode: a run of passthrough cells is the same bytes in
             * and out (length words included), contiguous in the tuple —
             * one copy, when its first and last cells give its bounds.
             */
            int last = m->run_last[i];
            if (last > i && t->raw && t->cells[i].len >= 0 && t->cells[last].len >= 0) {
                uintptr_t from = (uintptr_t)t->cells[i].data - 4;
                uintptr_t to = (uintptr_t)t->cells[last].data + (uintptr_t)t->cells[last].len;
                if (from >= (uintptr_t)t->raw && to <= (uintptr_t)t->raw + t->raw_len) {
                    pv_buf_put(out, (const void *)from, to - from);
                    i = last;
                    continue;
                }
            }
            emit_raw(m, t->cells[i], out);
            continue;
        }
        pv_error *err = mask_cell(m, c, t->cells[i], out);
        if (err) {
            out->len = start;
            return err;
        }
    }
    if (m->text)
        pv_buf_putc(out, '\n');
    return NULL;
}

int64_t pv_masker_rows_affected(const pv_masker *m, int column)
{
    return column >= 0 && column < m->n ? m->cols[column].rows : 0;
}
