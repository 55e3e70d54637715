/*
 * fkgraph.c — the FK graph and its load plan (catalog-and-schema.md §3).
 *
 * Tables are addressed by their index in cat->tables, which is sorted by
 * id, so "sorted by id" is plain index order and the result never depends
 * on the order the server returned rows in.
 */
#include "catalog/catalog.h"

#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Cost penalty of breaking an FK whose source columns include a NOT NULL one. */
#define NOT_NULL_PENALTY 1000000.0
/* Row estimate assumed for a never-analyzed referencing table. */
#define UNKNOWN_ROWS 1000.0

typedef struct edge {
    size_t referenced;
    size_t referencing;
    const char *fk_name; /* borrowed from the catalog */
    double penalty;
    double rows;
    bool removed;
} edge;

typedef struct graph {
    edge *edges;
    size_t n_edges;
} graph;

static void add_edge(graph *g, size_t referenced, size_t referencing, const pv_foreign_key *fk,
                     double penalty, double rows)
{
    g->edges = pv_xrealloc(g->edges, (g->n_edges + 1) * sizeof(*g->edges));
    g->edges[g->n_edges++] = (edge){referenced, referencing, fk->name, penalty, rows, false};
}

static bool fk_has_not_null_column(const pv_table *t, const pv_foreign_key *fk)
{
    for (size_t i = 0; i < fk->columns.n; i++) {
        const pv_column *c = pv_table_column(t, fk->columns.items[i]);
        if (c && c->not_null)
            return true;
    }
    return false;
}

static double unit_rows(const pv_table *unit)
{
    return unit->estimated_rows < 0 ? UNKNOWN_ROWS : unit->estimated_rows;
}

/*
 * The referencing units of a table's FKs: the table itself, or, for a
 * partitioned parent with children, each child (the children hold the rows).
 */
static void add_fk_edges(graph *g, const pv_catalog *cat, size_t ti, const pv_foreign_key *fk)
{
    const pv_table *t = &cat->tables[ti];
    const pv_table *ref = pv_catalog_find_qualified(cat, fk->ref_schema, fk->ref_table);
    if (!ref)
        return; /* references a table outside the catalog */
    size_t ri = (size_t)(ref - cat->tables);
    double penalty = fk_has_not_null_column(t, fk) ? NOT_NULL_PENALTY : 0.0;
    if (t->is_partitioned && t->partition_children.n > 0) {
        for (size_t c = 0; c < t->partition_children.n; c++) {
            const pv_table *child = pv_catalog_find(cat, t->partition_children.items[c]);
            if (!child)
                continue;
            size_t ci = (size_t)(child - cat->tables);
            if (ci != ri)
                add_edge(g, ri, ci, fk, penalty, unit_rows(child));
        }
    } else if (ti != ri) {
        add_edge(g, ri, ti, fk, penalty, unit_rows(t));
    }
}

static graph build_graph(const pv_catalog *cat)
{
    graph g = {NULL, 0};
    for (size_t ti = 0; ti < cat->n_tables; ti++) {
        const pv_table *t = &cat->tables[ti];
        if (t->parent_id)
            continue; /* partition children: their parent's FKs stand for them */
        for (size_t f = 0; f < t->n_fks; f++)
            add_fk_edges(&g, cat, ti, &t->fks[f]);
    }
    return g;
}

/* Strict weak order on (penalty, rows, fk_name), then ids for full determinism. */
static bool edge_cheaper(const pv_catalog *cat, const edge *a, const edge *b)
{
    if (a->penalty != b->penalty)
        return a->penalty < b->penalty;
    if (a->rows != b->rows)
        return a->rows < b->rows;
    int c = strcmp(a->fk_name, b->fk_name);
    if (c)
        return c < 0;
    c = strcmp(cat->tables[a->referencing].id, cat->tables[b->referencing].id);
    if (c)
        return c < 0;
    return strcmp(cat->tables[a->referenced].id, cat->tables[b->referenced].id) < 0;
}

static void record_deferred(pv_load_plan *plan, const pv_catalog *cat, const edge *e)
{
    plan->deferred = pv_xrealloc(plan->deferred, (plan->n_deferred + 1) * sizeof(*plan->deferred));
    plan->deferred[plan->n_deferred++] = (pv_deferred_edge){
        pv_xstrdup(cat->tables[e->referencing].id),
        pv_xstrdup(e->fk_name),
        pv_xstrdup(cat->tables[e->referenced].id),
    };
}

/*
 * True when `to` depends, through remaining edges, on `from`: following
 * referencing → referenced from `from` reaches `to`. Iterative DFS.
 */
static bool depends_on(const graph *g, size_t n_tables, size_t from, size_t to)
{
    bool *seen = pv_xcalloc(n_tables, sizeof(*seen));
    size_t *stack = pv_xmalloc(n_tables * sizeof(*stack));
    size_t top = 0;
    bool found = false;
    stack[top++] = from;
    seen[from] = true;
    while (top > 0 && !found) {
        size_t cur = stack[--top];
        for (size_t i = 0; i < g->n_edges && !found; i++) {
            const edge *e = &g->edges[i];
            if (e->removed || e->referencing != cur || seen[e->referenced])
                continue;
            found = e->referenced == to;
            seen[e->referenced] = true;
            stack[top++] = e->referenced;
        }
    }
    free(stack);
    free(seen);
    return found;
}

/*
 * Breaks one cycle: removes the cheapest remaining edge that lies on a
 * cycle. §3.2 says "the single edge with the smallest cost tuple"; we read
 * it as among the edges of a cycle, since deferring an edge that merely
 * hangs off a cycle (a table referencing a cycle member) unblocks nothing
 * and would report a cycle break that is not one.
 */
static void break_cycle(graph *g, const pv_catalog *cat, pv_load_plan *plan)
{
    edge *best = NULL;
    for (size_t i = 0; i < g->n_edges; i++) {
        edge *e = &g->edges[i];
        if (e->removed || (best && !edge_cheaper(cat, e, best)))
            continue;
        if (depends_on(g, cat->n_tables, e->referenced, e->referencing))
            best = e;
    }
    best->removed = true;
    record_deferred(plan, cat, best);
}

/*
 * §3.2: layer[i] = the layer index of table i. Returns the layer count.
 * A table is ready when no remaining edge has it on the referencing side.
 */
static size_t assign_layers(graph *g, const pv_catalog *cat, pv_load_plan *plan, long *layer)
{
    size_t n = cat->n_tables, placed = 0, n_layers = 0;
    bool *blocked = pv_xcalloc(n ? n : 1, sizeof(*blocked));
    for (size_t i = 0; i < n; i++)
        layer[i] = -1;
    while (placed < n) {
        memset(blocked, 0, n * sizeof(*blocked));
        for (size_t e = 0; e < g->n_edges; e++)
            if (!g->edges[e].removed)
                blocked[g->edges[e].referencing] = true;
        size_t ready = 0;
        for (size_t i = 0; i < n; i++) {
            if (layer[i] < 0 && !blocked[i]) {
                layer[i] = (long)n_layers;
                ready++;
            }
        }
        if (ready == 0) {
            break_cycle(g, cat, plan);
            continue;
        }
        for (size_t e = 0; e < g->n_edges; e++)
            if (!g->edges[e].removed && layer[g->edges[e].referenced] == (long)n_layers)
                g->edges[e].removed = true;
        placed += ready;
        n_layers++;
    }
    free(blocked);
    return n_layers;
}

static size_t uf_find(size_t *parent, size_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/* §3.3: members of a deferred-edge component move into its earliest layer. */
static void merge_components(const pv_catalog *cat, const pv_load_plan *plan, long *layer)
{
    size_t n = cat->n_tables;
    if (plan->n_deferred == 0 || n == 0)
        return;
    size_t *parent = pv_xmalloc(n * sizeof(*parent));
    for (size_t i = 0; i < n; i++)
        parent[i] = i;
    for (size_t d = 0; d < plan->n_deferred; d++) {
        const pv_table *a = pv_catalog_find(cat, plan->deferred[d].referencing);
        const pv_table *b = pv_catalog_find(cat, plan->deferred[d].referenced);
        size_t ra = uf_find(parent, (size_t)(a - cat->tables));
        size_t rb = uf_find(parent, (size_t)(b - cat->tables));
        if (ra != rb)
            parent[ra] = rb;
    }
    long *earliest = pv_xmalloc(n * sizeof(*earliest));
    for (size_t i = 0; i < n; i++)
        earliest[i] = -1;
    for (size_t i = 0; i < n; i++) {
        size_t r = uf_find(parent, i);
        if (earliest[r] < 0 || layer[i] < earliest[r])
            earliest[r] = layer[i];
    }
    for (size_t i = 0; i < n; i++)
        layer[i] = earliest[uf_find(parent, i)];
    free(earliest);
    free(parent);
}

/* Emits non-empty layers in order; table index order is id order. */
static void emit_layers(const pv_catalog *cat, const long *layer, size_t n_layers,
                        pv_load_plan *plan)
{
    for (size_t l = 0; l < n_layers; l++) {
        pv_strlist ids = {0};
        for (size_t i = 0; i < cat->n_tables; i++)
            if (layer[i] == (long)l)
                pv_strlist_push(&ids, cat->tables[i].id);
        if (ids.n == 0)
            continue;
        plan->layers = pv_xrealloc(plan->layers, (plan->n_layers + 1) * sizeof(*plan->layers));
        plan->layers[plan->n_layers++] = ids;
    }
}

static void flag_self_cycles(pv_catalog *cat)
{
    for (size_t i = 0; i < cat->n_tables; i++) {
        pv_table *t = &cat->tables[i];
        t->self_cycle = false;
        for (size_t f = 0; f < t->n_fks; f++)
            if (pv_catalog_find_qualified(cat, t->fks[f].ref_schema, t->fks[f].ref_table) == t)
                t->self_cycle = true;
    }
}

void pv_catalog_build_plan(pv_catalog *cat)
{
    pv_catalog_free_plan(&cat->plan);
    flag_self_cycles(cat);
    graph g = build_graph(cat);
    long *layer = pv_xmalloc((cat->n_tables ? cat->n_tables : 1) * sizeof(*layer));
    size_t n_layers = assign_layers(&g, cat, &cat->plan, layer);
    merge_components(cat, &cat->plan, layer);
    emit_layers(cat, layer, n_layers, &cat->plan);
    free(layer);
    free(g.edges);
}
