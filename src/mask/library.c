/*
 * library.c — loading the faker lists (see library.h).
 *
 * A library is one allocation per list file: the file's bytes, with each
 * newline turned into a NUL so the values are C strings in place.
 */
#include "mask/library.h"

#include "util/datadir.h"
#include "util/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define LOAD_CONTEXT     "Loading the faker library"
#define LOAD_REMEDIATION "Install the privaci data files or set PRIVACI_DATA_DIR."

/* Card numbers are 15 or 16 digits and need a check digit after the BIN. */
#define MAX_BIN_DIGITS 13

struct pv_library {
    pv_list lists[PV_LIST_COUNT];
    char *blobs[PV_LIST_COUNT];
};

static const char *const list_names[PV_LIST_COUNT] = {
    [PV_LIST_FIRST_NAMES] = "first_names",   [PV_LIST_LAST_NAMES] = "last_names",
    [PV_LIST_EMAIL_LOCALS] = "email_locals", [PV_LIST_EMAIL_DOMAINS] = "email_domains",
    [PV_LIST_STREETS] = "streets",           [PV_LIST_CITIES] = "cities",
    [PV_LIST_POSTCODES] = "postcodes",       [PV_LIST_COUNTRIES] = "countries",
    [PV_LIST_COMPANIES] = "companies",       [PV_LIST_JOB_TITLES] = "job_titles",
    [PV_LIST_USERNAMES] = "usernames",       [PV_LIST_CREDIT_CARD_BINS] = "credit_card_bins",
};

const char *pv_mask_library_name(pv_mask_library lib)
{
    return lib == PV_MASK_LIB_CLASSIC ? "classic" : "standard";
}

const char *pv_list_name(pv_list_id id)
{
    return id < PV_LIST_COUNT ? list_names[id] : "?";
}

/* ---------------------------------------------------------------- data dir */

const char *pv_mask_data_dir(void)
{
    return pv_data_dir();
}

/* ---------------------------------------------------------------- one file */

static pv_error *load_error(const char *path, const char *problem, size_t line)
{
    if (line)
        return pv_error_new(PV_EXIT_PREFLIGHT, LOAD_CONTEXT, LOAD_REMEDIATION,
                            "The faker library file %s could not be loaded: line %zu %s.", path,
                            line, problem);
    return pv_error_new(PV_EXIT_PREFLIGHT, LOAD_CONTEXT, LOAD_REMEDIATION,
                        "The faker library file %s could not be loaded: %s.", path, problem);
}

static pv_error *read_file(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return load_error(path, errno == ENOENT ? "it does not exist" : "it is not readable", 0);
    size_t cap = 1 << 16, n = 0;
    char *buf = pv_xmalloc(cap + 1);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = pv_xrealloc(buf, cap + 1);
        }
    }
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) {
        free(buf);
        return load_error(path, "it is not readable", 0);
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return NULL;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return n > 0;
}

/* Shape rules the providers rely on (§8.2): 5-digit postcodes, numeric BINs. */
static const char *value_problem(pv_list_id id, const char *v, size_t n)
{
    if (n == 0)
        return "is empty";
    if (memchr(v, '\r', n) || memchr(v, '\0', n))
        return "holds a carriage return or NUL";
    if (utf8proc_decompose((const utf8proc_uint8_t *)v, (utf8proc_ssize_t)n, NULL, 0, 0) < 0)
        return "is not valid UTF-8";
    if (id == PV_LIST_POSTCODES && (n != 5 || !all_digits(v, n)))
        return "is not a 5-digit postcode";
    if (id == PV_LIST_CREDIT_CARD_BINS && (n > MAX_BIN_DIGITS || !all_digits(v, n)))
        return "is not a card BIN of at most 13 digits";
    return NULL;
}

static pv_error *load_list(const char *dir, pv_list_id id, pv_list *list, char **blob)
{
    char *path = pv_xasprintf("%s/%s.txt", dir, list_names[id]);
    char *data = NULL;
    size_t len = 0;
    pv_error *err = read_file(path, &data, &len);
    if (err) {
        free(path);
        return err;
    }
    if (len && data[len - 1] == '\n')
        data[--len] = '\0'; /* the final newline ends the last line */
    size_t n = len ? 1 : 0;
    for (size_t i = 0; i < len; i++)
        n += data[i] == '\n';
    if (n == 0) {
        free(data);
        err = load_error(path, "it holds no values", 0);
        free(path);
        return err;
    }
    list->items = pv_xcalloc(n, sizeof(*list->items));
    list->lens = pv_xcalloc(n, sizeof(*list->lens));
    list->n = n;
    char *p = data;
    for (size_t i = 0; i < n; i++) {
        char *nl = memchr(p, '\n', (size_t)(data + len - p));
        size_t vlen = nl ? (size_t)(nl - p) : (size_t)(data + len - p);
        const char *problem = value_problem(id, p, vlen);
        if (problem) {
            err = load_error(path, problem, i + 1);
            break;
        }
        p[vlen] = '\0';
        list->items[i] = p;
        list->lens[i] = (uint32_t)vlen;
        p += vlen + 1;
    }
    free(path);
    *blob = data;
    return err;
}

/* ---------------------------------------------------------------- libraries */

void pv_library_free(pv_library *lib)
{
    if (!lib)
        return;
    for (int i = 0; i < PV_LIST_COUNT; i++) {
        free(lib->lists[i].items);
        free(lib->lists[i].lens);
        free(lib->blobs[i]);
    }
    free(lib);
}

pv_error *pv_library_load_dir(const char *dir, pv_library **out)
{
    pv_library *lib = pv_xcalloc(1, sizeof(*lib));
    for (int i = 0; i < PV_LIST_COUNT; i++) {
        pv_error *err = load_list(dir, (pv_list_id)i, &lib->lists[i], &lib->blobs[i]);
        if (err) {
            pv_library_free(lib);
            *out = NULL;
            return err;
        }
    }
    *out = lib;
    return NULL;
}

const pv_list *pv_library_list(const pv_library *lib, pv_list_id id)
{
    return &lib->lists[id];
}

/*
 * The cache keeps only successes: a failed load is reported to every
 * caller (each gets its own error) and retried, which costs nothing since a
 * failure ends the run.
 */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static pv_library *cache[2];

pv_error *pv_library_get(pv_mask_library which, const pv_library **out)
{
    int slot = which == PV_MASK_LIB_CLASSIC ? 1 : 0;
    pv_error *err = NULL;
    pthread_mutex_lock(&cache_lock);
    if (!cache[slot]) {
        char *dir = pv_xasprintf("%s/faker/%s", pv_mask_data_dir(), pv_mask_library_name(which));
        err = pv_library_load_dir(dir, &cache[slot]);
        free(dir);
    }
    *out = cache[slot];
    pthread_mutex_unlock(&cache_lock);
    return err;
}
