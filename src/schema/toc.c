/*
 * toc.c — parsing `pg_restore -l` listings and deciding, entry by entry,
 * what schema replication keeps (spec/catalog-and-schema.md §8).
 *
 * A listing line is `<dump id>; <catalog oid> <object oid> <desc>
 * <namespace> <tag> <owner>`. Only the three numbers are unambiguous:
 * namespaces, tags and owners are printed unquoted, so a schema called
 * "Sales Data" makes the rest of the line impossible to split. Entries with
 * catalog ids are therefore identified through the source catalogs
 * (resolve.c), never by their text. The few entries without one are tied to
 * the entry they belong to:
 *
 *  - COMMENT: pg_dump writes an object's comments right after the object
 *    itself, so a comment belongs to the nearest preceding entry that is
 *    not a comment, ACL or security label — checked against the kind named
 *    in the comment's tag (which pg_dump quotes properly).
 *  - SEQUENCE OWNED BY, TABLE ATTACH, INDEX ATTACH: their tag is the
 *    sequence, partition or partition index name, matched against the
 *    resolved names of the entries that create those (longest match wins).
 */
#include "schema/plan.h"

#include "util/strbuf.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define ANY_CLASS (-1L)

typedef struct desc_info {
    const char *name;
    long classid; /* the catalog its entries carry; 0 = none, ANY_CLASS = not checked */
    unsigned flags;
} desc_info;

enum {
    SKIP = PVS_DESC_SKIPPED,
    NOREP = PVS_DESC_NOT_REPLICATED,
    DEP = PVS_DESC_DEPENDENT,
    IDEM = PVS_DESC_IDEMPOTENT,
};

/*
 * Every desc pg_dump writes (versions 12–18). The catalog ids tell apart
 * descs that are prefixes of one another when the namespace that follows
 * happens to be the longer desc's next word (a TABLE in a schema called
 * "ATTACH" is not a TABLE ATTACH: it has a pg_class id).
 */
static const desc_info DESCS[] = {
    {"ACCESS METHOD", 2601, 0},
    {"ACL", 0, NOREP},
    {"AGGREGATE", 1255, 0},
    {"BLOB", ANY_CLASS, NOREP},
    {"BLOB METADATA", ANY_CLASS, NOREP},
    {"BLOBS", ANY_CLASS, NOREP},
    {"CAST", 2605, 0},
    {"CHECK CONSTRAINT", 2606, 0},
    {"COLLATION", 3456, 0},
    {"COMMENT", 0, DEP | IDEM},
    {"CONSTRAINT", 2606, 0},
    {"CONVERSION", 2607, 0},
    {"DATABASE", ANY_CLASS, NOREP},
    {"DATABASE PROPERTIES", ANY_CLASS, NOREP},
    {"DEFAULT", 2604, IDEM},
    {"DEFAULT ACL", 826, NOREP},
    {"DOMAIN", 1247, 0},
    {"ENCODING", ANY_CLASS, NOREP},
    {"EVENT TRIGGER", 3466, SKIP},
    {"EXTENSION", 3079, 0},
    {"FK CONSTRAINT", 2606, 0},
    {"FOREIGN DATA WRAPPER", 2328, SKIP},
    {"FOREIGN TABLE", 1259, SKIP},
    {"FUNCTION", 1255, 0},
    {"INDEX", 1259, 0},
    {"INDEX ATTACH", 0, DEP},
    {"LARGE OBJECT", ANY_CLASS, NOREP},
    {"MATERIALIZED VIEW", 1259, SKIP},
    {"MATERIALIZED VIEW DATA", 1259, SKIP},
    {"OPERATOR", 2617, 0},
    {"OPERATOR CLASS", 2616, 0},
    {"OPERATOR FAMILY", 2753, 0},
    {"POLICY", 3256, SKIP},
    {"PROCEDURAL LANGUAGE", 2612, 0},
    {"PROCEDURE", 1255, 0},
    {"PUBLICATION", 6104, SKIP},
    {"PUBLICATION TABLE", 6106, SKIP},
    {"PUBLICATION TABLES IN SCHEMA", ANY_CLASS, SKIP},
    {"ROW SECURITY", 0, SKIP},
    {"RULE", 2618, SKIP},
    {"SCHEMA", 2615, PVS_DESC_SCHEMA},
    {"SEARCHPATH", ANY_CLASS, NOREP},
    {"SECURITY LABEL", 0, NOREP},
    {"SEQUENCE", 1259, 0},
    {"SEQUENCE OWNED BY", 0, DEP | IDEM},
    {"SEQUENCE SET", ANY_CLASS, NOREP},
    {"SERVER", 1417, SKIP},
    {"SHELL TYPE", 1247, 0},
    {"STATISTICS", 3381, 0},
    {"STATISTICS DATA", ANY_CLASS, NOREP},
    {"STDSTRINGS", ANY_CLASS, NOREP},
    {"SUBSCRIPTION", 6100, SKIP},
    {"SUBSCRIPTION TABLE", ANY_CLASS, SKIP},
    {"TABLE", 1259, 0},
    {"TABLE ATTACH", 0, DEP},
    {"TABLE DATA", ANY_CLASS, NOREP},
    {"TEXT SEARCH CONFIGURATION", 3602, 0},
    {"TEXT SEARCH DICTIONARY", 3600, 0},
    {"TEXT SEARCH PARSER", 3601, 0},
    {"TEXT SEARCH TEMPLATE", 3764, 0},
    {"TRANSFORM", 3576, 0},
    {"TRIGGER", 2620, SKIP},
    {"TYPE", 1247, 0},
    {"USER MAPPING", ANY_CLASS, SKIP},
    {"VIEW", 1259, SKIP},
};

#define N_DESCS (sizeof(DESCS) / sizeof(DESCS[0]))

static bool is(const pvs_entry *e, const char *desc)
{
    return strcmp(e->desc, desc) == 0;
}

/* `s` starts with the word(s) `word`, followed by a space or the end. */
static bool starts_word(const char *s, const char *word)
{
    size_t n = strlen(word);
    return strncmp(s, word, n) == 0 && (s[n] == ' ' || s[n] == '\0');
}

const char *pvs_desc_match(const char *s, unsigned classid, unsigned *flags)
{
    const desc_info *best = NULL, *loose = NULL;
    for (size_t i = 0; i < N_DESCS; i++) {
        const desc_info *d = &DESCS[i];
        if (!starts_word(s, d->name))
            continue;
        if (!loose || strlen(d->name) > strlen(loose->name))
            loose = d;
        if (d->classid != ANY_CLASS && (unsigned long)d->classid != classid)
            continue;
        if (!best || strlen(d->name) > strlen(best->name))
            best = d;
    }
    if (!best)
        best = loose;
    if (flags)
        *flags = best ? best->flags : 0;
    return best ? best->name : NULL;
}

/* ------------------------------------------------------------- parsing */

static bool parse_uint(const char **p, unsigned long *out, char terminator)
{
    char *end;
    if (!isdigit((unsigned char)**p))
        return false;
    *out = strtoul(*p, &end, 10);
    if (*end != terminator)
        return false;
    *p = end + 1;
    return true;
}

static bool parse_line(const char *line, pvs_phase phase, pvs_entry *e)
{
    const char *p = line;
    unsigned long id, classid, objid;
    if (!parse_uint(&p, &id, ';'))
        return false;
    while (*p == ' ')
        p++;
    if (!parse_uint(&p, &classid, ' ') || !parse_uint(&p, &objid, ' '))
        return false;

    memset(e, 0, sizeof(*e));
    e->dump_id = (int)id;
    e->classid = (unsigned)classid;
    e->objid = (unsigned)objid;
    e->phase = phase;
    e->owner = -1;
    const char *desc = pvs_desc_match(p, e->classid, &e->desc_flags);
    if (desc) {
        p += strlen(desc);
        if (*p == ' ')
            p++;
    }
    /* An unknown desc (a newer pg_dump) is kept: fidelity over guesswork. */
    e->desc = desc ? desc : "";
    e->rest = pv_xstrdup(p);
    e->line = pv_xstrdup(line);
    return true;
}

bool pvs_toc_parse(pv_schema_plan *p, const char *text, pvs_phase phase)
{
    const char *s = text;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        while (len > 0 && s[len - 1] == '\r')
            len--;
        if (len > 0 && isdigit((unsigned char)s[0])) {
            char *line = pv_xstrndup(s, len);
            pvs_entry e;
            bool ok = parse_line(line, phase, &e);
            free(line);
            if (!ok)
                return false;
            p->entries = pv_xrealloc(p->entries, (p->n_entries + 1) * sizeof(pvs_entry));
            p->entries[p->n_entries++] = e;
        }
        /* Lines starting with ';' are comments; anything else is not an entry. */
        s = nl ? nl + 1 : s + len;
    }
    return true;
}

/* ------------------------------------------------------------- tables */

static int cmp_table_oid(const void *a, const void *b)
{
    unsigned x = ((const pvs_table *)a)->t->oid, y = ((const pvs_table *)b)->t->oid;
    return x < y ? -1 : x > y;
}

/*
 * Partitions follow the strategy of the table at the top of their tree
 * (§4, §6.1; a sub-partition's parent is itself a partition).
 */
static const pv_table *root_table(const pv_catalog *cat, const pv_table *t)
{
    for (size_t depth = 0; t->parent_id && depth < cat->n_tables; depth++) {
        const pv_table *parent = pv_catalog_find(cat, t->parent_id);
        if (!parent)
            break;
        t = parent;
    }
    return t;
}

void pvs_plan_init_tables(pv_schema_plan *p, const pv_catalog *cat, const pv_config *cfg)
{
    p->cat = cat;
    p->all_indexes = pvs_config_all_indexes(cfg);
    p->n_tables = cat->n_tables;
    p->tables = pv_xcalloc(cat->n_tables ? cat->n_tables : 1, sizeof(pvs_table));
    for (size_t i = 0; i < cat->n_tables; i++) {
        const pv_table *t = &cat->tables[i];
        p->tables[i].t = t;
        p->tables[i].strategy = pvs_config_strategy(cfg, root_table(cat, t)->id);
        p->tables[i].in_scope = p->tables[i].strategy != PVS_STRATEGY_EXCLUDE;
    }
    qsort(p->tables, p->n_tables, sizeof(pvs_table), cmp_table_oid);
}

const pvs_table *pvs_plan_table(const pv_schema_plan *p, unsigned oid)
{
    size_t lo = 0, hi = p->n_tables;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        unsigned m = p->tables[mid].t->oid;
        if (m == oid)
            return &p->tables[mid];
        if (m < oid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* -------------------------------------------------------------- scope */

static bool table_in_scope(const pv_schema_plan *p, unsigned oid)
{
    const pvs_table *t = pvs_plan_table(p, oid);
    return t && t->in_scope;
}

static bool is_index_entry(const pvs_entry *e)
{
    return is(e, "INDEX") && (e->relkind == 'i' || e->relkind == 'I');
}

static pvs_scope independent_scope(const pv_schema_plan *p, const pvs_entry *e)
{
    if (e->desc_flags & PVS_DESC_SCHEMA)
        return PVS_OUT_SCHEMA;
    if (e->desc_flags & PVS_DESC_SKIPPED)
        return PVS_OUT_SKIPPED_KIND;
    if (e->desc_flags & PVS_DESC_NOT_REPLICATED)
        return PVS_OUT_NOT_REPLICATED;
    if (!e->resolved)
        return PVS_IN_SCOPE;
    /* Anything tied to a table follows the table: excluded, or not in the
     * catalog at all (_privaci, which the catalog never reads). */
    if (e->owner_rel && !table_in_scope(p, e->owner_rel))
        return PVS_OUT_TABLE;
    if (!e->owner_rel && e->schema && strcmp(e->schema, "_privaci") == 0)
        return PVS_OUT_TABLE;
    if (is_index_entry(e) && !e->is_unique && !p->all_indexes)
        return PVS_OUT_INDEX;
    if (is(e, "FK CONSTRAINT") && e->ref_rel && !table_in_scope(p, e->ref_rel))
        return PVS_OUT_FK;
    return PVS_IN_SCOPE;
}

/*
 * Names of the entries that dependent entries refer to by "<schema>
 * <name>": sequences (OWNED BY), tables (TABLE ATTACH) and indexes,
 * including those of constraints (INDEX ATTACH). Keys are
 * "<kind>\x1f<schema>\x1f<name>", sorted, so each lookup is a bsearch —
 * a schema with thousands of partitions has thousands of attachments.
 */
typedef struct named {
    char *key;
    int entry;
} named;

typedef struct name_index {
    named *items;
    size_t n;
} name_index;

static void index_add(name_index *ix, char kind, const pvs_entry *e, const char *name, int entry)
{
    if (!e->resolved || !e->schema || !name)
        return;
    ix->items = pv_xrealloc(ix->items, (ix->n + 1) * sizeof(named));
    ix->items[ix->n].key = pv_xasprintf("%c\x1f%s\x1f%s", kind, e->schema, name);
    ix->items[ix->n++].entry = entry;
}

static int cmp_named(const void *a, const void *b)
{
    return strcmp(((const named *)a)->key, ((const named *)b)->key);
}

static void index_build(const pv_schema_plan *p, name_index *ix)
{
    for (size_t i = 0; i < p->n_entries; i++) {
        const pvs_entry *e = &p->entries[i];
        if (is(e, "SEQUENCE"))
            index_add(ix, 'S', e, e->relname, (int)i);
        else if (is(e, "TABLE"))
            index_add(ix, 'T', e, e->relname, (int)i);
        index_add(ix, 'I', e, e->index_name, (int)i);
    }
    if (ix->n)
        qsort(ix->items, ix->n, sizeof(named), cmp_named);
}

static void index_free(name_index *ix)
{
    for (size_t i = 0; i < ix->n; i++)
        free(ix->items[i].key);
    free(ix->items);
}

static int index_find(const name_index *ix, const char *key)
{
    named probe = {(char *)key, -1};
    const named *hit = ix->n ? bsearch(&probe, ix->items, ix->n, sizeof(named), cmp_named) : NULL;
    return hit ? hit->entry : -1;
}

/*
 * The entry `d`'s "<schema> <name> <owner>" refers to. Both names may hold
 * spaces, so every split at a space is tried; the longest name wins.
 */
static int find_named(const name_index *ix, const pvs_entry *d, char kind)
{
    const char *rest = d->rest;
    int best = -1;
    for (const char *s1 = strchr(rest, ' '); s1; s1 = strchr(s1 + 1, ' ')) {
        for (const char *s2 = strchr(s1 + 1, ' ');; s2 = strchr(s2 + 1, ' ')) {
            const char *end = s2 ? s2 : s1 + 1 + strlen(s1 + 1);
            char *key = pv_xasprintf("%c\x1f%.*s\x1f%.*s", kind, (int)(s1 - rest), rest,
                                     (int)(end - s1 - 1), s1 + 1);
            int hit = index_find(ix, key);
            free(key);
            if (hit >= 0)
                best = hit; /* later splits are longer names */
            if (!s2)
                break;
        }
        /* "a b c": schema "a" + name "b c", or "a b" + "c"? The text cannot
         * tell; the first schema that matches wins. */
        if (best >= 0)
            break;
    }
    return best;
}

/* The comment's tag ("TABLE x", "COLUMN x.y", …) once its namespace is cut off. */
static const char *comment_tag(const pvs_entry *c, const pvs_entry *owner)
{
    if (strncmp(c->rest, "- ", 2) == 0)
        return c->rest + 2;
    size_t n = owner->schema ? strlen(owner->schema) : 0;
    if (n && strncmp(c->rest, owner->schema, n) == 0 && c->rest[n] == ' ')
        return c->rest + n + 1;
    return NULL;
}

static bool desc_in(const pvs_entry *e, const char *const *descs)
{
    for (; *descs; descs++)
        if (is(e, *descs))
            return true;
    return false;
}

/* Does the kind named by the comment's tag fit the entry it follows? */
static bool comment_fits(const pvs_entry *c, const pvs_entry *owner)
{
    static const char *const column_owners[] = {"TABLE",         "VIEW", "MATERIALIZED VIEW",
                                                "FOREIGN TABLE", "TYPE", NULL};
    static const char *const constraint_owners[] = {
        "CONSTRAINT", "FK CONSTRAINT", "CHECK CONSTRAINT", "TABLE", "FOREIGN TABLE", "DOMAIN",
        NULL};
    const char *tag = comment_tag(c, owner);
    if (!tag)
        return false;
    if (starts_word(tag, "COLUMN"))
        return desc_in(owner, column_owners);
    if (starts_word(tag, "CONSTRAINT"))
        return desc_in(owner, constraint_owners);
    if (is(owner, "PROCEDURAL LANGUAGE"))
        return starts_word(tag, "LANGUAGE");
    if (is(owner, "TYPE") || is(owner, "SHELL TYPE") || is(owner, "DOMAIN"))
        return starts_word(tag, "TYPE") || starts_word(tag, "DOMAIN");
    if (is(owner, "BLOB"))
        return starts_word(tag, "LARGE OBJECT");
    return owner->desc[0] && starts_word(tag, owner->desc);
}

static bool annotates(const pvs_entry *e)
{
    return is(e, "COMMENT") || is(e, "ACL") || is(e, "SECURITY LABEL");
}

static int find_comment_owner(const pv_schema_plan *p, size_t i)
{
    const pvs_entry *c = &p->entries[i];
    for (size_t j = i; j-- > 0;) {
        const pvs_entry *e = &p->entries[j];
        if (e->phase != c->phase)
            return -1;
        if (annotates(e))
            continue;
        return comment_fits(c, e) ? (int)j : -1;
    }
    return -1;
}

static int find_owner(const pv_schema_plan *p, const name_index *ix, size_t i)
{
    const pvs_entry *d = &p->entries[i];
    if (is(d, "COMMENT"))
        return find_comment_owner(p, i);
    if (is(d, "SEQUENCE OWNED BY"))
        return find_named(ix, d, 'S');
    if (is(d, "TABLE ATTACH"))
        return find_named(ix, d, 'T');
    if (is(d, "INDEX ATTACH"))
        return find_named(ix, d, 'I');
    return -1;
}

static bool system_schema(const char *s)
{
    return strncmp(s, "pg_", 3) == 0 || strcmp(s, "information_schema") == 0 ||
           strcmp(s, "_privaci") == 0;
}

static void collect_schemas(pv_schema_plan *p)
{
    pv_strlist_free(&p->schemas);
    for (size_t i = 0; i < p->n_tables; i++)
        if (p->tables[i].in_scope && !pv_strlist_contains(&p->schemas, p->tables[i].t->schema))
            pv_strlist_push(&p->schemas, p->tables[i].t->schema);
    for (size_t i = 0; i < p->n_entries; i++) {
        const pvs_entry *e = &p->entries[i];
        if (e->scope != PVS_IN_SCOPE || (e->desc_flags & PVS_DESC_DEPENDENT) || !e->schema)
            continue;
        if (!system_schema(e->schema) && !pv_strlist_contains(&p->schemas, e->schema))
            pv_strlist_push(&p->schemas, e->schema);
    }
    pv_strlist_sort(&p->schemas);
}

static pvs_scope dependent_scope(const pv_schema_plan *p, const pvs_entry *d)
{
    if (d->owner < 0)
        return PVS_OUT_ORPHAN;
    const pvs_entry *o = &p->entries[d->owner];
    /* A schema's comment goes with the schema when the engine creates it. */
    if (is(d, "COMMENT") && is(o, "SCHEMA"))
        return o->schema && pv_strlist_contains(&p->schemas, o->schema) ? PVS_IN_SCOPE
                                                                        : PVS_OUT_ORPHAN;
    return o->scope == PVS_IN_SCOPE ? PVS_IN_SCOPE : PVS_OUT_ORPHAN;
}

void pvs_toc_classify(pv_schema_plan *p)
{
    for (size_t i = 0; i < p->n_entries; i++) {
        pvs_entry *e = &p->entries[i];
        e->owner = -1;
        if (!(e->desc_flags & PVS_DESC_DEPENDENT))
            e->scope = independent_scope(p, e);
    }
    collect_schemas(p);
    name_index ix = {0};
    index_build(p, &ix);
    for (size_t i = 0; i < p->n_entries; i++) {
        pvs_entry *e = &p->entries[i];
        if (!(e->desc_flags & PVS_DESC_DEPENDENT))
            continue;
        e->owner = find_owner(p, &ix, i);
        e->scope = dependent_scope(p, e);
    }
    index_free(&ix);
}

/* ------------------------------------------------------------- lists */

char *pvs_entry_key(const pv_schema_plan *p, const pvs_entry *e)
{
    const pvs_entry *o = e->owner >= 0 ? &p->entries[e->owner] : NULL;
    if (is(e, "TABLE ATTACH"))
        return o && o->schema && o->relname ? pv_xasprintf("A\x1f%s\x1f%s", o->schema, o->relname)
                                            : NULL;
    if (is(e, "INDEX ATTACH"))
        return o && o->schema && o->index_name
                   ? pv_xasprintf("X\x1f%s\x1f%s", o->schema, o->index_name)
                   : NULL;
    return e->ident ? pv_xstrdup(e->ident) : NULL;
}

static pvs_pass pass_of(const pv_schema_plan *p, const pvs_entry *e)
{
    if (e->phase == PVS_PRE_DATA)
        return PVS_PASS_PRE;
    if (is(e, "FK CONSTRAINT"))
        return PVS_PASS_FK;
    if (is(e, "COMMENT") && e->owner >= 0 && is(&p->entries[e->owner], "FK CONSTRAINT"))
        return PVS_PASS_FK;
    return PVS_PASS_POST;
}

static bool exists_on_target(const pv_schema_plan *p, const pvs_entry *e,
                             const pvs_keyset *existing)
{
    char *key = pvs_entry_key(p, e);
    bool found = key && pvs_keyset_has(existing, key);
    free(key);
    return found;
}

/* Should this in-scope entry of the pass be restored now? */
static bool wanted(const pv_schema_plan *p, const pvs_entry *e, const pvs_keyset *existing)
{
    if (!(e->desc_flags & PVS_DESC_IDEMPOTENT))
        return !exists_on_target(p, e, existing);
    /*
     * COMMENT, DEFAULT and OWNED BY only set a property: always re-applied.
     * Except an extension's comment when the extension was already there:
     * only its owner may comment on it, and the text is the extension's own.
     */
    if (is(e, "COMMENT") && e->owner >= 0 && is(&p->entries[e->owner], "EXTENSION"))
        return !exists_on_target(p, &p->entries[e->owner], existing);
    return true;
}

char *pvs_toc_list(const pv_schema_plan *p, pvs_pass pass, const pvs_keyset *existing,
                   size_t *n_kept)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    size_t n = 0;
    pv_strbuf_append(&sb, ";\n; privaci: filtered TOC\n;\n");
    for (size_t i = 0; i < p->n_entries; i++) {
        const pvs_entry *e = &p->entries[i];
        if (e->scope != PVS_IN_SCOPE || pass_of(p, e) != pass || !wanted(p, e, existing))
            continue;
        pv_strbuf_append(&sb, e->line);
        pv_strbuf_append_char(&sb, '\n');
        n++;
    }
    if (n_kept)
        *n_kept = n;
    return pv_strbuf_take(&sb);
}

/* ------------------------------------------------------------- keyset */

void pvs_keyset_add(pvs_keyset *set, char *key)
{
    set->keys = pv_xrealloc(set->keys, (set->n + 1) * sizeof(char *));
    set->keys[set->n++] = key;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void pvs_keyset_sort(pvs_keyset *set)
{
    if (set->n)
        qsort(set->keys, set->n, sizeof(char *), cmp_str);
}

bool pvs_keyset_has(const pvs_keyset *set, const char *key)
{
    return set->n && bsearch(&key, set->keys, set->n, sizeof(char *), cmp_str) != NULL;
}

void pvs_keyset_free(pvs_keyset *set)
{
    for (size_t i = 0; i < set->n; i++)
        free(set->keys[i]);
    free(set->keys);
    set->keys = NULL;
    set->n = 0;
}

/* -------------------------------------------------------------- clear */

static void entry_free(pvs_entry *e)
{
    free(e->rest);
    free(e->line);
    free(e->ident);
    free(e->schema);
    free(e->relname);
    free(e->index_name);
}

void pvs_plan_clear(pv_schema_plan *p)
{
    for (size_t i = 0; i < p->n_entries; i++)
        entry_free(&p->entries[i]);
    free(p->entries);
    p->entries = NULL;
    p->n_entries = 0;
    free(p->tables);
    p->tables = NULL;
    p->n_tables = 0;
    pv_strlist_free(&p->schemas);
    pv_strlist_free(&p->comment_schemas);
    pv_strlist_free(&p->schema_comments);
}
