/*
 * plan_groups.c — pass 3 of the plan (masking.md §7.2, §7.3): FK groups
 * and shared hash paths.
 *
 * Vertices are the columns of streamed tables (strategy transform), by
 * their config table (a partition child's FK counts for its parent). Every
 * catalog FK between two streamed tables links its columns position-wise;
 * union-find makes the groups transitive. FKs into excluded or emptied
 * tables are no links: their columns were dealt with by orphan_fks.
 *
 * Per group: the root is the member that references no other member (the
 * smallest path when there are several, with a warning; every member is a
 * candidate when all of them reference one another). Explicit entries must
 * agree (action, provider, params, encoding, entities, pattern, replace,
 * flags, value) — an explicit `null` on a nullable column that references a
 * member and is referenced by none is left out, as are columns nulled by
 * null_orphan_fks; the agreed action is taken from the root when it is
 * explicit, else from the explicit member with the smallest path. Without
 * explicit entries the root's auto-detect result applies to every member
 * (a child's own finding is ignored). Members taking another member's
 * action get source fk_inherited and a finding that says so.
 */
#include "run/plan.h"

#include "util/xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX

typedef struct node {
    pv_plan_table *pt;
    pv_plan_column *pc;
    char *path; /* "<config table id>.<column>" */
    size_t parent;
    bool has_out; /* references another member */
    bool has_in;  /* referenced by another member */
} node;

typedef struct graph {
    node *nodes;
    size_t n;
    size_t *offsets; /* per plan table: index of its first column, NONE when not streamed */
} graph;

/* ---------------------------------------------------------- union-find */

static size_t find(graph *g, size_t i)
{
    while (g->nodes[i].parent != i) {
        g->nodes[i].parent = g->nodes[g->nodes[i].parent].parent;
        i = g->nodes[i].parent;
    }
    return i;
}

static void unite(graph *g, size_t a, size_t b)
{
    a = find(g, a);
    b = find(g, b);
    if (a != b)
        g->nodes[a > b ? a : b].parent = a > b ? b : a;
}

/* ---------------------------------------------------------- the graph */

static void graph_init(graph *g, pv_run_plan *plan)
{
    size_t total = 0;
    g->offsets = pv_xcalloc(plan->n_tables ? plan->n_tables : 1, sizeof(*g->offsets));
    for (size_t i = 0; i < plan->n_tables; i++) {
        bool streamed = plan->tables[i].strategy == PV_STRATEGY_TRANSFORM;
        g->offsets[i] = streamed ? total : NONE;
        total += streamed ? plan->tables[i].n_columns : 0;
    }
    g->nodes = pv_xcalloc(total ? total : 1, sizeof(*g->nodes));
    g->n = total;
    for (size_t i = 0; i < plan->n_tables; i++) {
        pv_plan_table *pt = &plan->tables[i];
        for (size_t c = 0; g->offsets[i] != NONE && c < pt->n_columns; c++) {
            node *n = &g->nodes[g->offsets[i] + c];
            n->pt = pt;
            n->pc = &pt->columns[c];
            n->path = pv_xasprintf("%s.%s", pt->table->id, n->pc->column->name);
            n->parent = g->offsets[i] + c;
        }
    }
}

static void graph_free(graph *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->nodes[i].path);
    free(g->nodes);
    free(g->offsets);
}

/* The vertex of `column` of catalog table `t` (its config table's), or NONE. */
static size_t vertex(const graph *g, const pv_run_plan *plan, const pv_catalog *cat,
                     const pv_table *t, const char *column)
{
    const pv_plan_table *pt = pv_run_plan_table(plan, cat, t);
    if (!pt)
        return NONE;
    size_t ti = (size_t)(pt - plan->tables);
    if (g->offsets[ti] == NONE)
        return NONE;
    for (size_t c = 0; c < pt->n_columns; c++)
        if (strcmp(pt->columns[c].column->name, column) == 0)
            return g->offsets[ti] + c;
    return NONE;
}

static void add_links(graph *g, const pv_run_plan *plan, const pv_catalog *cat)
{
    for (size_t i = 0; i < cat->n_tables; i++) {
        const pv_table *t = &cat->tables[i];
        for (size_t f = 0; f < t->n_fks; f++) {
            const pv_foreign_key *fk = &t->fks[f];
            const pv_table *p = pv_catalog_find_qualified(cat, fk->ref_schema, fk->ref_table);
            if (!p)
                continue;
            size_t n = fk->columns.n < fk->ref_columns.n ? fk->columns.n : fk->ref_columns.n;
            for (size_t k = 0; k < n; k++) {
                size_t a = vertex(g, plan, cat, t, fk->columns.items[k]);
                size_t b = vertex(g, plan, cat, p, fk->ref_columns.items[k]);
                if (a == NONE || b == NONE || a == b)
                    continue; /* not streamed, or a column referencing itself */
                unite(g, a, b);
                g->nodes[a].has_out = true;
                g->nodes[b].has_in = true;
            }
        }
    }
}

/* ---------------------------------------------------------- actions */

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_set(const pv_strlist *a, const pv_strlist *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (!pv_strlist_contains(b, a->items[i]) || !pv_strlist_contains(a, b->items[i]))
            return false;
    return true;
}

static bool same_params(const pv_action *a, const pv_action *b)
{
    if (a->n_params != b->n_params)
        return false;
    for (size_t i = 0; i < a->n_params; i++) {
        bool found = false;
        for (size_t j = 0; j < b->n_params && !found; j++)
            found = strcmp(a->params[i].key, b->params[j].key) == 0 &&
                    same_str(a->params[i].value, b->params[j].value);
        if (!found)
            return false;
    }
    return true;
}

/* masking.md §7.3: the same output for the same input (seed_alias is compared apart). */
static bool same_action(const pv_action *a, const pv_action *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case PV_ACT_FAKE:
    case PV_ACT_PSEUDONYM:
        return same_str(a->provider, b->provider) && same_params(a, b);
    case PV_ACT_REGEX_MASK:
        return same_str(a->pattern, b->pattern) && same_str(a->replace, b->replace) &&
               same_set(&a->flags, &b->flags);
    case PV_ACT_HMAC_HASH:
        return a->encoding == b->encoding;
    case PV_ACT_STATIC:
        return same_str(a->value, b->value);
    case PV_ACT_NER_MASK:
        return same_set(&a->entities, &b->entities);
    case PV_ACT_AI_REFINE:
        return same_str(a->provider, b->provider) && same_str(a->model, b->model) &&
               same_params(a, b);
    case PV_ACT_JSON_MASK:
        if (a->on_invalid != b->on_invalid || a->n_rules != b->n_rules)
            return false;
        for (size_t i = 0; i < a->n_rules; i++)
            if (!same_str(a->rules[i].path, b->rules[i].path) ||
                !same_action(&a->rules[i].action, &b->rules[i].action))
                return false;
        return true;
    default:
        return true;
    }
}

static const char *seed_alias(const pv_plan_column *pc)
{
    const pv_action *a = pv_plan_column_action(pc);
    return a ? a->seed_alias : NULL;
}

/* ---------------------------------------------------------- one group */

/* §7.3 exception: explicit `null` on a nullable referencing column nothing references. */
static bool null_exception(const node *n)
{
    const pv_plan_column *pc = n->pc;
    return pc->source == PV_SOURCE_CONFIG && pc->action == PV_ACT_NULL && !pc->column->not_null &&
           n->has_out && !n->has_in;
}

/* Members that keep their own action whatever the group does. */
static bool keeps_own(const node *n)
{
    return null_exception(n) || n->pc->source == PV_SOURCE_NULL_ORPHAN_FKS;
}

/* Members whose explicit action the group must agree on. */
static bool is_explicit(const node *n)
{
    return n->pc->source == PV_SOURCE_CONFIG && !null_exception(n);
}

static void add_warning(pv_run_plan *plan, const char *code, char *message, const char *table_id)
{
    plan->warnings = pv_xrealloc(plan->warnings, (plan->n_warnings + 1) * sizeof(*plan->warnings));
    plan->warnings[plan->n_warnings++] =
        (pv_plan_warning){code, message, table_id ? pv_xstrdup(table_id) : NULL};
}

/* The finding of a member that takes `origin`'s action (autodetect.md §2). */
static void inherit_finding(pv_plan_table *pt, const pv_plan_column *pc, const node *origin)
{
    if (!pt->findings)
        return;
    pv_finding *f = &pt->findings[pc - pt->columns];
    const pv_table *table = f->table;
    const pv_column *column = f->column;
    pv_finding_clear(f);
    f->table = table;
    f->column = column;
    f->source = PV_FINDING_FK_INHERITED;
    f->confidence = origin->pc->finding ? origin->pc->finding->confidence : PV_CONFIDENCE_HIGH;
    char *reason = pv_xasprintf("inherited from %s", origin->path);
    pv_strlist_push(&f->reasons, reason);
    free(reason);
    if (origin->pc->source == PV_SOURCE_CONFIG) {
        f->rule = origin->pc->rule;
        return;
    }
    const pv_action *a = pv_plan_column_action(origin->pc);
    if (!a)
        return;
    f->proposes = true;
    f->proposed.kind = a->kind;
    f->proposed.provider = a->provider ? pv_xstrdup(a->provider) : NULL;
    f->proposed.value = a->value ? pv_xstrdup(a->value) : NULL;
    for (size_t i = 0; i < a->entities.n; i++)
        pv_strlist_push(&f->proposed.entities, a->entities.items[i]);
}

/* A child's own auto-detect finding, ignored because the group's root is not masked. */
static void ignore_finding(pv_plan_table *pt, pv_plan_column *pc, const node *root)
{
    pc->action = PV_ACT_PASSTHROUGH;
    pc->source = PV_SOURCE_DEFAULT;
    if (!pt->findings)
        return;
    pv_finding *f = &pt->findings[pc - pt->columns];
    free(f->proposed.provider);
    free(f->proposed.value);
    pv_strlist_free(&f->proposed.entities);
    memset(&f->proposed, 0, sizeof(f->proposed));
    f->proposes = false;
    char *reason = pv_xasprintf("ignored: foreign-key group root %s is not masked", root->path);
    pv_strlist_push(&f->reasons, reason);
    free(reason);
}

static void add_conflict(pv_strlist *lines, const node *child, const node *ref)
{
    char *a = pv_plan_action_label(child->pc);
    char *b = pv_plan_action_label(ref->pc);
    bool same_label = strcmp(a, b) == 0;
    char *line =
        pv_xasprintf("%s uses %s but referenced %s uses %s%s; the foreign key would break",
                     child->path, a, ref->path, b, same_label ? " with other parameters" : "");
    pv_strlist_push(lines, line);
    free(line);
    free(a);
    free(b);
}

/* The root: members referencing no other member, the smallest path first. */
static const node *pick_root(pv_run_plan *plan, node **members, size_t n)
{
    size_t candidates = 0;
    for (size_t i = 0; i < n; i++)
        candidates += !members[i]->has_out;
    bool all = candidates == 0; /* every member references another: a cycle */
    const node *root = NULL;
    char *list = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!all && members[i]->has_out)
            continue;
        if (!root)
            root = members[i];
        char *next =
            list ? pv_xasprintf("%s, %s", list, members[i]->path) : pv_xstrdup(members[i]->path);
        free(list);
        list = next;
    }
    if ((all ? n : candidates) > 1)
        add_warning(plan, "fk_group_multiple_roots",
                    pv_xasprintf("Foreign-key group of %s has several root columns (%s); %s is "
                                 "used as its root.",
                                 root->path, list, root->path),
                    root->pt->table->id);
    free(list);
    return root;
}

/* Explicit actions and aliases must agree; the conflicts land in the plan. */
static bool check_agreement(pv_run_plan *plan, node **members, size_t n, const node *ref,
                            const char **alias_out)
{
    bool ok = true;
    const node *alias_holder = ref && seed_alias(ref->pc) ? ref : NULL;
    for (size_t i = 0; i < n && !alias_holder; i++)
        if (is_explicit(members[i]) && seed_alias(members[i]->pc))
            alias_holder = members[i];
    for (size_t i = 0; i < n; i++) {
        const node *m = members[i];
        if (!is_explicit(m) || m == ref)
            continue;
        if (!same_action(pv_plan_column_action(m->pc), pv_plan_column_action(ref->pc))) {
            add_conflict(&plan->fk_action_conflicts, m, ref);
            ok = false;
        }
    }
    for (size_t i = 0; alias_holder && i < n; i++) {
        const node *m = members[i];
        const char *alias = is_explicit(m) ? seed_alias(m->pc) : NULL;
        if (m == alias_holder || !alias || strcmp(alias, seed_alias(alias_holder->pc)) == 0)
            continue;
        char *line = pv_xasprintf("%s and %s use different seed_alias values; the foreign key "
                                  "would break",
                                  m->path, alias_holder->path);
        pv_strlist_push(&plan->fk_alias_conflicts, line);
        free(line);
        ok = false;
    }
    *alias_out = alias_holder ? seed_alias(alias_holder->pc) : NULL;
    return ok;
}

static void set_hash_path(pv_plan_column *pc, const char *hash_path)
{
    free(pc->hash_path);
    bool none = pc->action == PV_ACT_PASSTHROUGH || pc->action == PV_ACT_NULL;
    pc->hash_path = none ? NULL : pv_xstrdup(hash_path);
}

static void resolve_group(pv_run_plan *plan, node **members, size_t n)
{
    const node *root = pick_root(plan, members, n);
    const node *ref = is_explicit(root) ? root : NULL;
    for (size_t i = 0; i < n && !ref; i++)
        if (is_explicit(members[i]))
            ref = members[i];
    const char *alias = NULL;
    bool agreed = check_agreement(plan, members, n, ref, &alias);

    plan->groups = pv_xrealloc(plan->groups, (plan->n_groups + 1) * sizeof(*plan->groups));
    pv_fk_group *group = &plan->groups[plan->n_groups++];
    memset(group, 0, sizeof(*group));
    group->root = pv_xstrdup(root->path);
    group->hash_path = pv_xstrdup(alias ? alias : root->path);
    for (size_t i = 0; i < n; i++)
        pv_strlist_push(&group->members, members[i]->path);
    group->conflict = !agreed;
    if (!agreed)
        return; /* fk_consistency fails; the members keep their own resolution */

    const node *origin = ref ? ref : root->pc->source == PV_SOURCE_AUTODETECT ? root : NULL;
    bool unique = false;
    for (size_t i = 0; i < n; i++) {
        node *m = members[i];
        pv_plan_column *pc = m->pc;
        unique = unique || pc->unique;
        if (keeps_own(m) || m == origin || is_explicit(m))
            continue;
        if (origin) {
            pc->action = origin->pc->action;
            pc->source = PV_SOURCE_FK_INHERITED;
            pc->origin = origin->pc;
            pc->origin_table = origin->pt;
            inherit_finding(m->pt, pc, origin);
        } else if (pc->source == PV_SOURCE_AUTODETECT) {
            ignore_finding(m->pt, pc, root);
        }
    }
    for (size_t i = 0; i < n; i++) {
        pv_plan_column *pc = members[i]->pc;
        if (!keeps_own(members[i]))
            set_hash_path(pc, group->hash_path);
        pc->unique = pc->unique || unique;
        pv_plan_column_refresh_fpe(plan->faker_library, pc);
    }
}

static int cmp_node_path(const void *a, const void *b)
{
    return strcmp((*(node *const *)a)->path, (*(node *const *)b)->path);
}

static int cmp_group(const void *a, const void *b)
{
    return strcmp(((const pv_fk_group *)a)->root, ((const pv_fk_group *)b)->root);
}

typedef struct member_ref {
    size_t set; /* the set's representative */
    size_t index;
} member_ref;

static int cmp_member_ref(const void *a, const void *b)
{
    const member_ref *x = a, *y = b;
    if (x->set != y->set)
        return x->set < y->set ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void resolve_groups(pv_run_plan *plan, graph *g)
{
    /* Every vertex by set, so each set's members are adjacent. */
    member_ref *refs = pv_xcalloc(g->n ? g->n : 1, sizeof(*refs));
    for (size_t i = 0; i < g->n; i++)
        refs[i] = (member_ref){find(g, i), i};
    qsort(refs, g->n, sizeof(*refs), cmp_member_ref);
    node **members = pv_xcalloc(g->n ? g->n : 1, sizeof(*members));
    for (size_t start = 0, end; start < g->n; start = end) {
        for (end = start; end < g->n && refs[end].set == refs[start].set; end++)
            members[end - start] = &g->nodes[refs[end].index];
        size_t n = end - start;
        if (n < 2)
            continue; /* a column linked to nothing */
        qsort(members, n, sizeof(*members), cmp_node_path);
        resolve_group(plan, members, n);
    }
    free(members);
    free(refs);
    if (plan->n_groups) /* qsort(NULL, 0, …) is undefined */
        qsort(plan->groups, plan->n_groups, sizeof(*plan->groups), cmp_group);
    pv_strlist_sort(&plan->fk_action_conflicts);
    pv_strlist_sort(&plan->fk_alias_conflicts);
}

/* ---------------------------------------------------------- hash paths */

static int cmp_hash_path(const void *a, const void *b)
{
    const node *x = *(node *const *)a, *y = *(node *const *)b;
    int c = strcmp(x->pc->hash_path, y->pc->hash_path);
    return c ? c : strcmp(x->path, y->path);
}

/* §7.2: one unique flag per hash path, and a warning for aliases used with different actions. */
static void share_hash_paths(pv_run_plan *plan, graph *g)
{
    node **cols = pv_xcalloc(g->n ? g->n : 1, sizeof(*cols));
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++)
        if (g->nodes[i].pc->hash_path)
            cols[n++] = &g->nodes[i];
    qsort(cols, n, sizeof(*cols), cmp_hash_path);
    for (size_t start = 0, end; start < n; start = end) {
        bool unique = false, mixed = false, aliased = false;
        for (end = start;
             end < n && strcmp(cols[end]->pc->hash_path, cols[start]->pc->hash_path) == 0; end++) {
            unique = unique || cols[end]->pc->unique;
            aliased = aliased || seed_alias(cols[end]->pc);
            const pv_action *a = pv_plan_column_action(cols[end]->pc);
            const pv_action *first = pv_plan_column_action(cols[start]->pc);
            mixed = mixed || cols[end]->pc->action != cols[start]->pc->action ||
                    (a && first && !same_str(a->provider, first->provider));
        }
        for (size_t i = start; unique && i < end; i++) {
            cols[i]->pc->unique = true;
            pv_plan_column_refresh_fpe(plan->faker_library, cols[i]->pc);
        }
        if (!mixed || !aliased)
            continue;
        char *list = NULL;
        for (size_t i = start; i < end; i++) {
            char *label = pv_plan_action_label(cols[i]->pc);
            char *next = pv_xasprintf("%s%s%s (%s)", list ? list : "", list ? ", " : "",
                                      cols[i]->path, label);
            free(label);
            free(list);
            list = next;
        }
        add_warning(plan, "seed_alias_mismatch",
                    pv_xasprintf("Columns sharing a seed_alias use different actions or "
                                 "providers: %s; their masked values will not match.",
                                 list),
                    NULL);
        free(list);
    }
    free(cols);
}

void pv_run_plan_link(pv_run_plan *plan, const pv_catalog *cat)
{
    graph g = {0};
    graph_init(&g, plan);
    add_links(&g, plan, cat);
    resolve_groups(plan, &g);
    share_hash_paths(plan, &g);
    graph_free(&g);
}
