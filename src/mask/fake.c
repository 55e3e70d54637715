#include "mask/fake.h"

#include "mask/custom.h"
#include "mask/providers.h"
#include "mask/seed.h"
#include "mask/unique.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

struct pv_fake_column {
    char *column_path;
    pv_mask_library library;
    const pv_library *lib;            /* process-wide */
    int builtin;                      /* pv_provider, or -1 */
    const pv_custom_provider *custom; /* process-wide, when builtin < 0 */
    pv_provider_params params;
    char *domain;
    pv_seeder seeder;
    bool unique;
};

static pv_error *unknown_provider(const char *column_path, const char *name)
{
    char *context = pv_xasprintf("Generating fake for %s", column_path);
    pv_error *err =
        pv_error_new(PV_EXIT_GENERIC, context, "Register the provider or fix mask-rules.yaml.",
                     "Unknown provider '%s'.", name ? name : "");
    free(context);
    return err;
}

static pv_error *resolve_provider(pv_fake_column *col, const pv_fake_opts *o)
{
    col->builtin = pv_provider_find(o->provider);
    if (col->builtin >= 0)
        return NULL;
    const pv_custom_set *set;
    pv_error *err = pv_custom_providers(&set);
    if (err)
        return err;
    col->custom = pv_custom_find(set, o->provider);
    return col->custom ? NULL : unknown_provider(col->column_path, o->provider);
}

pv_error *pv_fake_column_new(const pv_fake_opts *o, pv_fake_column **out)
{
    *out = NULL;
    pv_fake_column *col = pv_xcalloc(1, sizeof(*col));
    col->column_path = pv_xstrdup(o->column_path ? o->column_path : "");
    col->library = o->library;
    col->unique = o->unique;
    pv_error *err = resolve_provider(col, o);
    if (!err)
        err = pv_library_get(o->library, &col->lib);
    if (err) {
        pv_fake_column_free(col);
        return err;
    }
    if (o->has_domain) {
        col->domain = pv_xstrdup(o->domain ? o->domain : "");
        col->params = (pv_provider_params){true, col->domain, strlen(col->domain)};
    }
    const char *path = o->hash_path ? o->hash_path : "";
    if (o->keyed)
        pv_seeder_init_keyed(&col->seeder, o->secret, o->secret_len, path, strlen(path));
    else
        pv_seeder_init(&col->seeder, o->secret, o->secret_len, path, strlen(path));
    *out = col;
    return NULL;
}

void pv_fake_column_free(pv_fake_column *col)
{
    if (!col)
        return;
    pv_seeder_clear(&col->seeder);
    free(col->column_path);
    free(col->domain);
    free(col);
}

static pv_error *not_utf8(const pv_fake_column *col)
{
    char *context = pv_xasprintf("Generating fake for %s", col->column_path);
    pv_error *err =
        pv_error_new(PV_EXIT_GENERIC, context,
                     "Check the source encoding (the value must be UTF-8) or use hash for "
                     "this column.",
                     "A value of %s is not valid UTF-8.", col->column_path);
    free(context);
    return err;
}

static void generate(const pv_fake_column *col, const uint8_t *seed, const uint8_t *nfc,
                     size_t nfc_len, pv_buf *out)
{
    if (col->builtin >= 0)
        pv_provider_generate((pv_provider)col->builtin, col->library, col->lib, seed, nfc, nfc_len,
                             &col->params, out);
    else
        pv_custom_generate(col->custom, seed, out);
}

pv_error *pv_fake_cell(const pv_fake_column *col, pv_mask_scratch *s, const uint8_t *v, size_t len,
                       pv_buf *out)
{
    if (len == 0)
        return NULL;
    uint8_t digest[PV_DIGEST_LEN];
    const uint8_t *nfc;
    size_t nfc_len;
    if (!pv_seeder_digest(&col->seeder, s, v, len, digest, &nfc, &nfc_len))
        return not_utf8(col);
    if (!col->unique) {
        generate(col, digest, nfc, nfc_len, out);
    } else {
        pv_buf_reset(&s->base);
        generate(col, digest, nfc, nfc_len, &s->base);
        pv_unique_apply(col->builtin, digest, s->base.data, s->base.len, out);
    }
    return NULL;
}

bool pv_fake_seed(const pv_fake_column *col, pv_mask_scratch *s, const uint8_t *v, size_t len,
                  uint8_t seed[16])
{
    uint8_t digest[PV_DIGEST_LEN];
    const uint8_t *nfc;
    size_t nfc_len;
    if (!pv_seeder_digest(&col->seeder, s, v, len, digest, &nfc, &nfc_len))
        return false;
    memcpy(seed, digest, 16);
    return true;
}
