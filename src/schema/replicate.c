/*
 * replicate.c — the dump and the two DDL phases (spec/catalog-and-schema.md
 * §8, §8.1, §8.4).
 *
 * pv_schema_dump: pg_dump into a private archive, `pg_restore -l` once per
 * section (pg_restore itself decides which section a comment or an attach
 * belongs to), identify each entry on the source, classify.
 *
 * A phase: read what already exists on the target, write the `-L` list of
 * the in-scope entries that are still missing, let pg_restore render them
 * as SQL (`-f -`, --no-owner --no-privileges: grants and ownership are
 * never replicated) and execute that script in one transaction on a
 * dedicated target connection. The script's session settings (an empty
 * search_path, check_function_bodies off, …) thus never leak into the
 * coordinator's connection, and a failed phase leaves nothing half-done.
 */
#include "schema/plan.h"

#include "catalog/pgconn.h"
#include "obs/log.h"
#include "util/ident.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DUMP_CONTEXT "Dumping the source schema"
#define DUMP_REMEDIATION                                                                           \
    "Re-run with `--log-level debug` to see the tool's messages; verify that pg_dump and "         \
    "pg_restore can be run, reach the source and are of a major version at least the source "      \
    "server's."
#define DDL_CONTEXT "Replicating schema to the target database"
#define FK_CONTEXT  "Adding foreign keys on the target"
#define FK_REMEDIATION                                                                             \
    "Mask both sides of the relationship identically (see seed_alias): fix the config and "        \
    "start a fresh run with privaci run --force-restart (resume refuses a changed config)."

/* ------------------------------------------------------------ helpers */

/* A tool's stderr goes to the debug log only (it may name hosts and roles). */
static void log_tool_stderr(const char *tool, const pvs_output *o)
{
    if (o->err && *o->err)
        pv_log(PV_LOG_DEBUG, "%s: %s", tool, o->err);
}

/*
 * Runs a tool to completion; a failure to start or a non-zero exit becomes
 * an error of `context` (the dump, or the DDL phase rendering its script).
 */
static pv_error *run_tool(const char *context, const char *const *argv, const char *password,
                          pvs_output *o)
{
    const char *tool = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    int rc = pvs_run(argv, password, o);
    if (rc != 0) {
        pv_log(PV_LOG_DEBUG, "%s could not be started: %s", tool, strerror(rc));
        return pv_error_new(PV_EXIT_GENERIC, context,
                            "Install the PostgreSQL client tools, or point PRIVACI_PG_DUMP and "
                            "PRIVACI_PG_RESTORE at pg_dump and pg_restore.",
                            "%s could not be started.", tool);
    }
    if (o->exit_code != 0) {
        log_tool_stderr(tool, o);
        pv_error *err = pv_error_new(PV_EXIT_GENERIC, context, DUMP_REMEDIATION,
                                     "%s exited with status %d.", tool, o->exit_code);
        pvs_output_free(o);
        return err;
    }
    return NULL;
}

static void remove_file(char **path)
{
    if (*path) {
        unlink(*path);
        free(*path);
        *path = NULL;
    }
}

/* -------------------------------------------------------------- dump */

/* A pg_dump name pattern matching exactly "schema"."name" (quotes doubled). */
static char *exact_pattern(const char *option, const char *schema, const char *name)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    pv_strbuf_append(&sb, option);
    pv_ident_append(&sb, schema);
    if (name) {
        pv_strbuf_append_char(&sb, '.');
        pv_ident_append(&sb, name);
    }
    return pv_strbuf_take(&sb);
}

/*
 * pg_dump's arguments. Excluded tables (every partition of an excluded
 * tree is listed on its own) and _privaci are left out of the dump
 * itself: pg_dump then never locks them, so a source role that may not
 * read an excluded table can still dump the rest. Inside double quotes a
 * pattern matches literally, whatever the name holds.
 */
static char **pg_dump_argv(const pv_schema_plan *p, const char *conninfo, const char *snapshot_id)
{
    char **argv = pv_xcalloc(p->n_tables + 12, sizeof(char *));
    size_t n = 0;
    argv[n++] = pv_schema_tool_path("pg_dump");
    argv[n++] = pv_xstrdup("--schema-only");
    argv[n++] = pv_xstrdup("--format=custom");
    /* Fail rather than prompt on the terminal. */
    argv[n++] = pv_xstrdup("--no-password");
    /* The archive is deleted after the run: flushing it to disk buys nothing. */
    argv[n++] = pv_xstrdup("--no-sync");
    argv[n++] = pv_xasprintf("--file=%s", p->archive);
    argv[n++] = pv_xasprintf("--dbname=%s", conninfo);
    if (snapshot_id)
        argv[n++] = pv_xasprintf("--snapshot=%s", snapshot_id);
    argv[n++] = exact_pattern("--exclude-schema=", "_privaci", NULL);
    for (size_t i = 0; i < p->n_tables; i++)
        if (!p->tables[i].in_scope)
            argv[n++] =
                exact_pattern("--exclude-table=", p->tables[i].t->schema, p->tables[i].t->name);
    argv[n] = NULL;
    return argv;
}

static void argv_free(char **argv)
{
    for (size_t i = 0; argv[i]; i++)
        free(argv[i]);
    free(argv);
}

static pv_error *run_pg_dump(pv_schema_plan *p, const char *source_conninfo,
                             const char *snapshot_id)
{
    p->archive = pvs_temp_file("schema");
    if (!p->archive)
        return pv_error_new(
            PV_EXIT_GENERIC, DUMP_CONTEXT, "Check that TMPDIR (or /tmp) is writable.",
            "A temporary file for the schema archive could not be created (%s).", strerror(errno));
    char *conninfo, *password;
    if (!pvs_split_conninfo(source_conninfo, &conninfo, &password))
        return pv_error_new(PV_EXIT_GENERIC, DUMP_CONTEXT, "Verify SOURCE_DB_URL.",
                            "The source connection string could not be parsed.");
    char **argv = pg_dump_argv(p, conninfo, snapshot_id);
    pvs_output o;
    pv_error *err = run_tool(DUMP_CONTEXT, (const char *const *)argv, password, &o);
    if (!err)
        pvs_output_free(&o);
    argv_free(argv);
    free(conninfo);
    pv_free_secret(password);
    return err;
}

static pv_error *list_section(pv_schema_plan *p, pvs_phase phase)
{
    const char *section = phase == PVS_PRE_DATA ? "--section=pre-data" : "--section=post-data";
    const char *argv[] = {p->pg_restore, "--list", section, p->archive, NULL};
    pvs_output o;
    pv_error *err = run_tool(DUMP_CONTEXT, argv, NULL, &o);
    if (err)
        return err;
    if (!pvs_toc_parse(p, o.out, phase))
        err = pv_error_new(PV_EXIT_GENERIC, DUMP_CONTEXT, DUMP_REMEDIATION,
                           "The archive listing of pg_restore could not be parsed.");
    pvs_output_free(&o);
    return err;
}

/* Identifies the entries on the source, inside the run's snapshot. */
static pv_error *resolve_on_source(pv_schema_plan *p, const char *source_conninfo,
                                   const char *snapshot_id)
{
    PGconn *conn;
    pv_error *err = pv_pg_connect(PV_PG_SOURCE, source_conninfo, &conn);
    if (err) {
        pv_error_free(err);
        return pv_error_new(PV_EXIT_GENERIC, DUMP_CONTEXT,
                            "Verify SOURCE_DB_URL and that the database is running.",
                            "The source database is not reachable.");
    }
    err = pvs_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (!err && snapshot_id) {
        char *lit = PQescapeLiteral(conn, snapshot_id, strlen(snapshot_id));
        char *sql = pv_xasprintf("SET TRANSACTION SNAPSHOT %s", lit ? lit : "''");
        PQfreemem(lit);
        err = pvs_exec(conn, sql);
        free(sql);
    }
    if (err) {
        pv_error_free(err);
        err = pv_error_new(PV_EXIT_GENERIC, DUMP_CONTEXT,
                           "Keep the coordinator's transaction open while the schema is dumped.",
                           "The run's snapshot could not be imported.");
    }
    if (!err)
        err = pvs_resolve_source(p, conn);
    if (!err)
        err = pvs_read_schema_comments(p, conn);
    PQfinish(conn); /* ends the read-only transaction */
    return err;
}

pv_error *pv_schema_dump(const char *source_conninfo, const char *snapshot_id,
                         const pv_catalog *cat, const pv_config *cfg, pv_schema_plan **out)
{
    *out = NULL;
    pv_schema_plan *p = pv_xcalloc(1, sizeof(*p));
    pvs_plan_init_tables(p, cat, cfg);
    p->pg_restore = pv_schema_tool_path("pg_restore");

    pv_error *err = run_pg_dump(p, source_conninfo, snapshot_id);
    if (!err)
        err = list_section(p, PVS_PRE_DATA);
    if (!err)
        err = list_section(p, PVS_POST_DATA);
    if (!err)
        err = resolve_on_source(p, source_conninfo, snapshot_id);
    if (err) {
        pv_schema_plan_free(p);
        return err;
    }
    pvs_toc_classify(p);
    *out = p;
    return NULL;
}

void pv_schema_plan_free(pv_schema_plan *p)
{
    if (!p)
        return;
    remove_file(&p->archive);
    free(p->pg_restore);
    pvs_plan_clear(p);
    free(p);
}

/* ---------------------------------------------------------- rendering */

/* The SQL of the listed entries. */
static pv_error *render(const pv_schema_plan *p, const char *list, char **script)
{
    *script = NULL;
    char *list_path = pvs_temp_file("toc");
    if (!list_path)
        return pv_error_new(
            PV_EXIT_GENERIC, DDL_CONTEXT, "Check that TMPDIR (or /tmp) is writable.",
            "A temporary file for the restore list could not be created (%s).", strerror(errno));
    FILE *f = fopen(list_path, "w");
    bool written = f && fputs(list, f) >= 0;
    if (f && fclose(f) != 0)
        written = false;
    pv_error *err = NULL;
    if (!written) {
        err = pv_error_new(PV_EXIT_GENERIC, DDL_CONTEXT, "Check that TMPDIR (or /tmp) is writable.",
                           "The restore list could not be written.");
    } else {
        char *list_arg = pv_xasprintf("--use-list=%s", list_path);
        const char *argv[] = {p->pg_restore,
                              "--no-owner",
                              "--no-privileges",
                              "--no-security-labels",
                              "--no-tablespaces",
                              list_arg,
                              "--file=-",
                              p->archive,
                              NULL};
        pvs_output o;
        err = run_tool(DDL_CONTEXT, argv, NULL, &o);
        free(list_arg);
        if (!err) {
            pvs_strip_restrict(o.out);
            *script = o.out;
            o.out = NULL;
            pvs_output_free(&o);
        }
    }
    remove_file(&list_path);
    return err;
}

/* --------------------------------------------------------- execution */

/* NOTICEs ("drop cascades to …") are noise on stderr, which carries human lines. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static pv_error *open_ddl_connection(const char *target_conninfo, PGconn **out)
{
    pv_error *err = pv_pg_connect(PV_PG_TARGET, target_conninfo, out);
    if (!err) {
        PQsetNoticeProcessor(*out, ignore_notice, NULL);
        return NULL;
    }
    /* Writes began long ago: this is exit 1, like any DDL failure. */
    pv_error_free(err);
    return pv_error_new(PV_EXIT_GENERIC, DDL_CONTEXT,
                        "Verify target permissions, required extensions, and retry.",
                        "DDL execution failed on the target (08006 connection lost).");
}

/* Runs `script` (many statements); keeps the failing result for the caller. */
static PGresult *run_script(PGconn *conn, const char *script)
{
    PGresult *res = PQexec(conn, script);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
        PQclear(res);
        return NULL;
    }
    return res ? res : PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
}

static void rollback(PGconn *conn)
{
    PQclear(PQexec(conn, "ROLLBACK"));
}

/* The schemas of p->schemas not on the target yet. */
static pv_error *missing_schemas(const pv_schema_plan *p, PGconn *target, pv_strlist *out)
{
    PGresult *res = PQexec(target, "SELECT nspname FROM pg_catalog.pg_namespace");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        pv_error *err = pvs_ddl_error(res);
        PQclear(res);
        return err;
    }
    pv_strlist present = {0};
    for (int i = 0; i < PQntuples(res); i++)
        pv_strlist_push(&present, PQgetvalue(res, i, 0));
    PQclear(res);
    for (size_t i = 0; i < p->schemas.n; i++)
        if (!pv_strlist_contains(&present, p->schemas.items[i]))
            pv_strlist_push(out, p->schemas.items[i]);
    pv_strlist_free(&present);
    return NULL;
}

/* The source's comment on `schema`, or NULL. */
static const char *schema_comment(const pv_schema_plan *p, const char *schema)
{
    for (size_t i = 0; i < p->comment_schemas.n; i++)
        if (strcmp(p->comment_schemas.items[i], schema) == 0)
            return p->schema_comments.items[i];
    return NULL;
}

/*
 * Schemas first (§8 step 3). IF NOT EXISTS guards against a concurrent
 * creator; only missing ones are created at all, because CREATE SCHEMA
 * checks the database privilege even when the schema exists. A created
 * schema takes over the source's comment: pg_dump writes none for a
 * `public` in its initdb state, so after drop_create the re-created
 * `public` would otherwise differ from the source's.
 */
static pv_error *create_schemas(const pv_schema_plan *p, PGconn *ddl, const pv_strlist *schemas)
{
    pv_error *err = NULL;
    for (size_t i = 0; !err && i < schemas->n; i++) {
        const char *name = schemas->items[i], *comment = schema_comment(p, name);
        pv_strbuf sql = PV_STRBUF_INIT;
        pv_strbuf_append(&sql, "CREATE SCHEMA IF NOT EXISTS ");
        pv_ident_append(&sql, name);
        if (comment) {
            char *lit = PQescapeLiteral(ddl, comment, strlen(comment));
            pv_strbuf_append(&sql, "; COMMENT ON SCHEMA ");
            pv_ident_append(&sql, name);
            pv_strbuf_appendf(&sql, " IS %s", lit ? lit : "NULL");
            PQfreemem(lit);
        }
        err = pvs_exec(ddl, sql.data);
        pv_strbuf_free(&sql);
    }
    return err;
}

/*
 * pg_dump puts FORCE ROW LEVEL SECURITY inside the table's own entry. On
 * the target it would hide rows (no policy is replicated) and get in the
 * way of COPY, so it is switched off again (§8, "Row-level security").
 */
static pv_error *no_force_rls(const pv_schema_plan *p, PGconn *ddl)
{
    for (size_t i = 0; i < p->n_tables; i++) {
        const pvs_table *t = &p->tables[i];
        if (!t->in_scope || !t->t->force_row_security)
            continue;
        pv_strbuf sql = PV_STRBUF_INIT;
        pv_strbuf_append(&sql, "ALTER TABLE ");
        pv_ident_append_qualified(&sql, t->t->schema, t->t->name);
        pv_strbuf_append(&sql, " NO FORCE ROW LEVEL SECURITY");
        pv_error *err = pvs_exec(ddl, sql.data);
        pv_strbuf_free(&sql);
        if (err)
            return err;
    }
    return NULL;
}

static pv_error *commit(PGconn *ddl)
{
    return pvs_exec(ddl, "COMMIT");
}

/* ------------------------------------------------------------ pre-data */

static void fill_report(const pv_schema_plan *p, pv_schema_report *report)
{
    if (!report)
        return;
    pv_strlist schemas = {0};
    report->tables_created = 0;
    for (size_t i = 0; i < p->cat->n_tables; i++) {
        const pv_table *t = &p->cat->tables[i];
        if (!pv_strlist_contains(&schemas, t->schema))
            pv_strlist_push(&schemas, t->schema);
    }
    for (size_t i = 0; i < p->n_tables; i++)
        report->tables_created += p->tables[i].in_scope;
    report->schemas_created = (int)schemas.n;
    pv_strlist_free(&schemas);
}

/* The rendered script of `pass`, or NULL when nothing is missing. */
static pv_error *pass_script(const pv_schema_plan *p, PGconn *target, pvs_pass pass, char **script)
{
    *script = NULL;
    pvs_keyset existing = {0};
    pv_error *err = pvs_target_keys(target, &existing);
    if (err)
        return err;
    size_t n = 0;
    char *list = pvs_toc_list(p, pass, &existing, &n);
    pvs_keyset_free(&existing);
    static const char *const names[] = {"pre-data", "post-data", "foreign keys"};
    pv_log(PV_LOG_DEBUG, "schema %s: %zu entries to restore", names[pass], n);
    if (n > 0)
        err = render(p, list, script);
    free(list);
    return err;
}

pv_error *pv_schema_pre_data(pv_schema_plan *p, const char *target_conninfo, PGconn *target,
                             pv_schema_report *report)
{
    char *script = NULL;
    pv_strlist schemas = {0};
    pv_error *err = pass_script(p, target, PVS_PASS_PRE, &script);
    if (!err)
        err = missing_schemas(p, target, &schemas);
    PGconn *ddl = NULL;
    if (!err)
        err = open_ddl_connection(target_conninfo, &ddl);
    if (!err)
        err = pvs_exec(ddl, "BEGIN");
    if (!err)
        err = create_schemas(p, ddl, &schemas);
    if (!err && script) {
        PGresult *res = run_script(ddl, script);
        if (res) {
            err = pvs_ddl_error(res);
            PQclear(res);
        }
    }
    if (!err)
        err = no_force_rls(p, ddl);
    if (!err)
        err = commit(ddl);
    else if (ddl)
        rollback(ddl);
    PQfinish(ddl);
    pv_strlist_free(&schemas);
    free(script);
    if (!err)
        fill_report(p, report);
    return err;
}

void pv_schema_emit_cloned(const pv_schema_report *report)
{
    pv_event(PV_LOG_INFO, "schema.cloned",
             json_pack("{s:i, s:i}", "tables_created", report->tables_created, "schemas_created",
                       report->schemas_created));
}

/* ----------------------------------------------------------- post-data */

static const pv_foreign_key *find_fk(const pv_table *t, const char *name)
{
    for (size_t i = 0; t && i < t->n_fks; i++)
        if (strcmp(t->fks[i].name, name) == 0)
            return &t->fks[i];
    return NULL;
}

/* SELECT count(*) of rows of `t` whose FK columns are all set but match no referenced row. */
static char *orphan_count_sql(const pv_table *t, const pv_foreign_key *fk)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    pv_strbuf_append(&sb, "SELECT count(*) FROM ");
    pv_ident_append_qualified(&sb, t->schema, t->name);
    pv_strbuf_append(&sb, " c WHERE ");
    for (size_t i = 0; i < fk->columns.n; i++) {
        pv_strbuf_append(&sb, "c.");
        pv_ident_append(&sb, fk->columns.items[i]);
        pv_strbuf_append(&sb, " IS NOT NULL AND ");
    }
    pv_strbuf_append(&sb, "NOT EXISTS (SELECT 1 FROM ");
    pv_ident_append_qualified(&sb, fk->ref_schema, fk->ref_table);
    pv_strbuf_append(&sb, " r WHERE ");
    for (size_t i = 0; i < fk->columns.n && i < fk->ref_columns.n; i++) {
        pv_strbuf_append(&sb, i ? " AND r." : "r.");
        pv_ident_append(&sb, fk->ref_columns.items[i]);
        pv_strbuf_append(&sb, " = c.");
        pv_ident_append(&sb, fk->columns.items[i]);
    }
    pv_strbuf_append(&sb, ")");
    return pv_strbuf_take(&sb);
}

/*
 * An FK that fails validation (23503) names the constraint, its table and
 * how many rows are orphaned — never the server's DETAIL, which quotes the
 * key. Runs after the rollback, on the same connection.
 */
static pv_error *fk_failure(const pv_schema_plan *p, PGconn *ddl, const PGresult *res)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *schema = PQresultErrorField(res, PG_DIAG_SCHEMA_NAME);
    const char *table = PQresultErrorField(res, PG_DIAG_TABLE_NAME);
    const char *name = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
    if (!state || strcmp(state, "23503") != 0 || !schema || !table || !name)
        return NULL;
    /* Partitions report their own name; the constraint lives on the parent. */
    const pv_table *t = pv_catalog_find_qualified(p->cat, schema, table);
    const pv_foreign_key *fk = find_fk(t, name);
    if (!fk && t && t->parent_id) {
        t = pv_catalog_find(p->cat, t->parent_id);
        fk = find_fk(t, name);
    }
    if (!fk)
        return NULL;
    char *sql = orphan_count_sql(t, fk);
    PGresult *count = PQexec(ddl, sql);
    free(sql);
    pv_error *err = NULL;
    if (PQresultStatus(count) == PGRES_TUPLES_OK && PQntuples(count) == 1)
        err = pv_error_new(PV_EXIT_GENERIC, FK_CONTEXT, FK_REMEDIATION,
                           "Constraint %s on %s failed validation (%s orphaned rows).", fk->name,
                           t->id, PQgetvalue(count, 0, 0));
    PQclear(count);
    return err;
}

static pv_error *run_pass(pv_schema_plan *p, PGconn *target, PGconn *ddl, pvs_pass pass)
{
    char *script = NULL;
    pv_error *err = pass_script(p, target, pass, &script);
    if (err || !script)
        return err;
    err = pvs_exec(ddl, "BEGIN");
    PGresult *res = err ? NULL : run_script(ddl, script);
    free(script);
    if (err)
        return err;
    if (!res)
        return commit(ddl);
    rollback(ddl);
    if (pass == PVS_PASS_FK)
        err = fk_failure(p, ddl, res);
    if (!err)
        err = pvs_ddl_error(res);
    PQclear(res);
    return err;
}

pv_error *pv_schema_post_data(pv_schema_plan *p, const char *target_conninfo, PGconn *target)
{
    PGconn *ddl = NULL;
    pv_error *err = open_ddl_connection(target_conninfo, &ddl);
    /* Constraints and indexes first: the FKs need the referenced keys. */
    if (!err)
        err = run_pass(p, target, ddl, PVS_PASS_POST);
    if (!err)
        err = run_pass(p, target, ddl, PVS_PASS_FK);
    PQfinish(ddl);
    return err;
}
