/* privaci catalog inspect — read-only introspection of the source (cli.md §3.13). */
#include "cli/cli.h"

#include "catalog/catalog.h"
#include "catalog/pgconn.h"
#include "catalog/snapshot.h"
#include "secrets/secrets.h"
#include "util/canonjson.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>

/* Resolves the source URL, connects, introspects; the connection is closed here. */
static pv_error *load_source_catalog(const pv_command *cmd, const pv_args *args, pv_catalog **cat)
{
    char *url = NULL;
    pv_error *err = pv_resolve_db_url("source", pv_arg_str(cmd, args, "source"), &url);
    if (err)
        return err;
    PGconn *conn = NULL;
    err = pv_pg_connect(PV_PG_SOURCE, url, &conn);
    pv_free_secret(url);
    if (err)
        return err;
    err = pv_catalog_introspect(conn, cat);
    PQfinish(conn);
    if (err)
        return err;
    /* A name no SQL can safely carry would break every later step (and these lines). */
    err = pv_catalog_check_identifiers(*cat);
    if (err) {
        pv_catalog_free(*cat);
        *cat = NULL;
    }
    return err;
}

int pv_cmd_catalog_inspect(const pv_command *cmd, const pv_args *args)
{
    pv_catalog *cat = NULL;
    pv_error *err = load_source_catalog(cmd, args, &cat);
    if (err)
        return pv_cli_fail(cmd, err);
    char *text;
    if (pv_arg_flag(cmd, args, "json")) {
        json_t *snapshot = pv_catalog_snapshot(cat);
        text = pv_json_pretty(snapshot); /* ends with "\n" */
        json_decref(snapshot);
    } else {
        text = pv_catalog_render_text(cat);
    }
    fputs(text, stdout);
    fflush(stdout);
    free(text);
    pv_catalog_free(cat);
    return PV_EXIT_OK;
}
