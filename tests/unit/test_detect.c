/*
 * Unit tests for src/detect (spec/autodetect.md) and its use by the run
 * plan: the shipped pattern library (every rule at least once, order and
 * the documented consequences), type gating with the masking.md §4.3
 * additions, the freeform score of §5 row by row (with the spec's
 * examples), findings for explicit entries and auto_detect: false, the
 * partitioned-parent avg_width, the loader's errors and pack files, the
 * plan (explicit wins, high applied, medium reviewed), strict mode, the
 * dry-run lines, the report and the audit payload.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "builders.h"
#include "detect/detect.h"
#include "run/dryrun.h"
#include "run/preflight.h"
#include "util/canonjson.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

static const pv_patterns *library(void)
{
    const pv_patterns *p = NULL;
    pv_error *err = pv_patterns_default(&p);
    if (err) {
        pv_error_print(err, stderr);
        pv_error_free(err);
    }
    assert_non_null(p);
    return p;
}

static pv_table *new_table(const char *schema, const char *name)
{
    pv_table *t = pv_xcalloc(1, sizeof(*t));
    t->schema = pv_xstrdup(schema);
    t->name = pv_xstrdup(name);
    t->id = pv_xasprintf("%s.%s", schema, name);
    t->relkind = 'r';
    t->estimated_rows = 100;
    return t;
}

static pv_column column(const char *name, const char *type, int avg_width)
{
    pv_column c;
    memset(&c, 0, sizeof(c));
    c.name = (char *)name;
    c.data_type = (char *)type;
    c.avg_width = avg_width;
    return c;
}

static void free_table(pv_table *t)
{
    free(t->schema);
    free(t->name);
    free(t->id);
    free(t);
}

/* Classifies one column of `table_name` with the shipped library. */
static void classify(const char *table_name, const pv_column *c, bool unique, pv_finding *f)
{
    pv_table *t = new_table("public", table_name);
    pv_detect_column in = {t, c, c->avg_width, unique};
    pv_detect_classify(library(), true, &in, f);
    f->table = NULL; /* the table is freed below; the assertions do not need it */
    free_table(t);
}

static char *joined_reasons(const pv_finding *f)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    for (size_t i = 0; i < f->reasons.n; i++)
        pv_strbuf_appendf(&sb, "%s%s", i ? " | " : "", f->reasons.items[i]);
    return pv_strbuf_take(&sb);
}

/* Asserts confidence, action[/provider] ("-" for none), rule ("-" for none) and reasons. */
static void expect(const char *table_name, pv_column c, bool unique, pv_confidence confidence,
                   const char *action, const char *rule, const char *reasons)
{
    pv_finding f;
    classify(table_name, &c, unique, &f);
    const pv_action *a = pv_finding_action(&f);
    char *got_action = !a ? pv_xstrdup("-")
                       : pv_finding_provider(&f)
                           ? pv_xasprintf("%s/%s", pv_action_name(a->kind), pv_finding_provider(&f))
                           : pv_xstrdup(pv_action_name(a->kind));
    char *got_reasons = joined_reasons(&f);
    if (confidence != f.confidence || strcmp(action, got_action) != 0 ||
        strcmp(rule, f.matched_pattern ? f.matched_pattern : "-") != 0 ||
        strcmp(reasons, got_reasons) != 0)
        print_error("%s.%s %s: got %s %s %s [%s]\n", table_name, c.name, c.data_type,
                    pv_confidence_name(f.confidence), got_action,
                    f.matched_pattern ? f.matched_pattern : "-", got_reasons);
    assert_int_equal(f.confidence, confidence);
    assert_string_equal(got_action, action);
    assert_string_equal(f.matched_pattern ? f.matched_pattern : "-", rule);
    assert_string_equal(got_reasons, reasons);
    assert_int_equal(f.source, PV_FINDING_AUTODETECT);
    free(got_action);
    free(got_reasons);
    pv_finding_clear(&f);
}

static char *temp_dir(void)
{
    char *dir = pv_xstrdup("/tmp/pv_detect_XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

static char *write_file(const char *dir, const char *name, const char *text)
{
    char *path = pv_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* ------------------------------------------------------------ the library */

/* autodetect.md §3, in order. */
static const char *const SPEC_IDS[] = {
    "email_suffix",
    "email_prefix",
    "email",
    "e_mail",
    "phone",
    "mobile",
    "tel",
    "cell",
    "phone_suffix",
    "ssn",
    "social_security",
    "tax_id",
    "national_id",
    "first_name",
    "fname",
    "given_name",
    "last_name",
    "lname",
    "surname",
    "family_name",
    "full_name",
    "display_name",
    "name_exact",
    "ip_address",
    "ip_suffix",
    "ip_prefix",
    "ip_exact",
    "address",
    "street",
    "city",
    "postcode",
    "zip",
    "country",
    "dob",
    "date_of_birth",
    "birth_date",
    "birthday",
    "credit_card",
    "card_number",
    "cc_number",
    "pan",
    "password_hash",
    "password",
    "passwd",
    "pwd",
    "token",
    "api_key",
    "secret",
    "token_suffix",
    "auth_prefix",
    "notes_suffix",
    "notes_substring",
    "notes",
    "comments",
    "description",
    "bio",
    "about",
};

static void test_library_is_the_spec_table(void **state)
{
    (void)state;
    const pv_patterns *p = library();
    size_t n = sizeof(SPEC_IDS) / sizeof(SPEC_IDS[0]);
    assert_int_equal(n, 57);
    assert_int_equal(p->n, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(p->items[i].id, SPEC_IDS[i]);
    /* A few rows in full. */
    assert_int_equal(p->items[6].kind, PV_MATCH_BOUNDED);
    assert_string_equal(p->items[6].pattern, "tel");
    assert_string_equal(p->items[6].provider, "phone");
    assert_int_equal(p->items[41].action, PV_ACT_STATIC);
    assert_string_equal(p->items[41].static_value, "privaci-test-pw");
    assert_int_equal(p->items[45].action, PV_ACT_HASH);
    assert_null(p->items[45].provider);
    assert_int_equal(p->items[52].kind, PV_MATCH_WILDCARD_PREFIX);
    assert_int_equal(p->items[56].action, PV_ACT_NER_MASK);
    assert_int_equal(p->items[22].kind, PV_MATCH_REGEX);
}

/* One name per rule that the rule matches, and the rule the whole library picks for it. */
static const struct {
    const char *rule;
    const char *name;
    const char *winner; /* first match in the full library */
} RULE_VECTORS[] = {
    {"email_suffix", "work_email", "email_suffix"},
    {"email_prefix", "email_address", "email_prefix"},
    {"email", "Email", "email"},
    {"e_mail", "e_mail", "e_mail"},
    {"phone", "telephone", "phone"},
    {"mobile", "mobile_no", "mobile"},
    {"tel", "home_tel", "tel"},
    {"cell", "cell", "cell"},
    {"phone_suffix", "home_phone", "phone"}, /* shadowed by rule 5 */
    {"ssn", "ssn", "ssn"},
    {"social_security", "social_security_no", "social_security"},
    {"tax_id", "tax_id", "tax_id"},
    {"national_id", "national_id", "national_id"},
    {"first_name", "first_name", "first_name"},
    {"fname", "fname", "fname"},
    {"given_name", "given_name", "given_name"},
    {"last_name", "last_name", "last_name"},
    {"lname", "lname", "lname"},
    {"surname", "surname", "surname"},
    {"family_name", "family_name", "family_name"},
    {"full_name", "full_name", "full_name"},
    {"display_name", "display_name", "display_name"},
    {"name_exact", "NAME", "name_exact"},
    {"ip_address", "ip_address", "ip_address"},
    {"ip_suffix", "client_ip", "ip_suffix"},
    {"ip_prefix", "ip_v4", "ip_prefix"},
    {"ip_exact", "ip", "ip_exact"},
    {"address", "home_address", "address"},
    {"street", "street", "street"},
    {"city", "city", "city"},
    {"postcode", "postcode", "postcode"},
    {"zip", "zip_code", "zip"},
    {"country", "country", "country"},
    {"dob", "dob", "dob"},
    {"date_of_birth", "date_of_birth", "date_of_birth"},
    {"birth_date", "birth_date", "birth_date"},
    {"birthday", "birthday", "birthday"},
    {"credit_card", "credit_card", "credit_card"},
    {"card_number", "card_number", "card_number"},
    {"cc_number", "cc_number", "cc_number"},
    {"pan", "card_pan", "pan"},
    {"password_hash", "password_hash", "password_hash"},
    {"password", "password", "password"},
    {"passwd", "passwd", "passwd"},
    {"pwd", "pwd", "pwd"},
    {"token", "token", "token"},
    {"api_key", "api_key", "api_key"},
    {"secret", "client_secret", "secret"},
    {"token_suffix", "reset_token", "token"}, /* shadowed by rule 46 */
    {"auth_prefix", "auth_code", "auth_prefix"},
    {"notes_suffix", "agent_notes", "notes_suffix"},
    {"notes_substring", "notes", "notes_substring"},
    {"notes", "note", "notes"},
    {"comments", "comments", "comments"},
    {"description", "description", "description"},
    {"bio", "bio", "bio"},
    {"about", "about_me", "about"},
};

static void test_every_rule_matches(void **state)
{
    (void)state;
    const pv_patterns *p = library();
    size_t n = sizeof(RULE_VECTORS) / sizeof(RULE_VECTORS[0]);
    assert_int_equal(n, p->n);
    for (size_t i = 0; i < n; i++) {
        /* The rule itself: the library from this rule on picks it. */
        assert_string_equal(p->items[i].id, RULE_VECTORS[i].rule);
        pv_patterns from_here = {p->items + i, p->n - i};
        const pv_pattern *own = pv_patterns_match(&from_here, RULE_VECTORS[i].name);
        assert_non_null(own);
        assert_string_equal(own->id, RULE_VECTORS[i].rule);
        /* First match wins over the whole library. */
        const pv_pattern *hit = pv_patterns_match(p, RULE_VECTORS[i].name);
        assert_non_null(hit);
        assert_string_equal(hit->id, RULE_VECTORS[i].winner);
    }
}

static void test_documented_consequences(void **state)
{
    (void)state;
    const pv_patterns *p = library();
    static const struct {
        const char *name;
        const char *rule; /* NULL: no match */
    } cases[] = {
        {"email_address", "email_prefix"}, /* rule 2 before 28 */
        {"ip_address", "ip_address"},      /* before address */
        {"company_name", NULL},            /* bounded pan */
        {"hotel", NULL},                   /* bounded tel */
        {"cellar", NULL},                  /* bounded cell */
        {"tel", "tel"},
        {"tel_work", "tel"},
        {"capacity", "city"},
        {"ethnicity", "city"},
        {"zipper", "zip"},
        {"adobe_id", "dob"},
        {"secretary", "secret"},
        {"names", NULL}, /* ^name$ is a full match */
        {"id", NULL},
        {"created_at", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const pv_pattern *hit = pv_patterns_match(p, cases[i].name);
        if (!cases[i].rule) {
            if (hit)
                print_error("%s matched %s\n", cases[i].name, hit->id);
            assert_null(hit);
        } else {
            assert_non_null(hit);
            assert_string_equal(hit->id, cases[i].rule);
        }
    }
    assert_null(pv_patterns_match(NULL, "email"));
}

/* ------------------------------------------------------------ type gating */

static void test_type_gating(void **state)
{
    (void)state;
    const bool U = true, N = false;
    expect("t", column("email", "text", 20), N, PV_CONFIDENCE_HIGH, "fake/email", "email",
           "matched pattern email");
    expect("t", column("email", "character varying(255)", 20), U, PV_CONFIDENCE_HIGH, "fake/email",
           "email", "matched pattern email");
    expect("t", column("email", "citext", 20), N, PV_CONFIDENCE_HIGH, "fake/email", "email",
           "matched pattern email");
    /* An extension type outside the search path is schema-qualified by format_type. */
    expect("t", column("email", "public.citext", 20), N, PV_CONFIDENCE_HIGH, "fake/email", "email",
           "matched pattern email");
    expect("t", column("first_name", "name", 20), N, PV_CONFIDENCE_HIGH, "fake/first_name",
           "first_name", "matched pattern first_name");
    expect("t", column("email", "text[]", 20), N, PV_CONFIDENCE_LOW, "-", "email",
           "matched pattern email | action fake incompatible with type text[]");
    expect("t", column("email", "character varying(80)[]", 20), N, PV_CONFIDENCE_LOW, "-", "email",
           "matched pattern email | action fake incompatible with type character varying(80)[]");
    expect("t", column("zip", "integer", 4), N, PV_CONFIDENCE_LOW, "-", "zip",
           "matched pattern zip | action fake incompatible with type integer");
    expect("t", column("phone", "bigint", 8), N, PV_CONFIDENCE_LOW, "-", "phone",
           "matched pattern phone | action fake incompatible with type bigint");
    /* dob: date and text only */
    expect("t", column("dob", "date", 4), N, PV_CONFIDENCE_HIGH, "fake/dob", "dob",
           "matched pattern dob");
    expect("t", column("birth_date", "timestamp without time zone", 8), N, PV_CONFIDENCE_LOW, "-",
           "birth_date",
           "matched pattern birth_date | action fake incompatible with type timestamp without "
           "time zone");
    /* ip_address: inet/cidr only when not unique */
    expect("t", column("ip_address", "inet", 7), N, PV_CONFIDENCE_HIGH, "fake/ip_address",
           "ip_address", "matched pattern ip_address");
    expect("t", column("client_ip", "cidr", 7), N, PV_CONFIDENCE_HIGH, "fake/ip_address",
           "ip_suffix", "matched pattern ip_suffix");
    expect("t", column("ip_address", "inet", 7), U, PV_CONFIDENCE_LOW, "-", "ip_address",
           "matched pattern ip_address | action fake incompatible with type inet");
    /* hash: fake/uuid on uuid, hash on text */
    expect("t", column("api_key", "uuid", 16), N, PV_CONFIDENCE_HIGH, "fake/uuid", "api_key",
           "matched pattern api_key");
    expect("t", column("token", "text", 64), N, PV_CONFIDENCE_HIGH, "hash", "token",
           "matched pattern token");
    expect("t", column("secret", "bytea", 32), N, PV_CONFIDENCE_LOW, "-", "secret",
           "matched pattern secret | action hash incompatible with type bytea");
    /* static */
    expect("t", column("password_hash", "text", 60), N, PV_CONFIDENCE_HIGH, "static",
           "password_hash", "matched pattern password_hash");
    expect("t", column("pwd", "integer", 4), N, PV_CONFIDENCE_LOW, "-", "pwd",
           "matched pattern pwd | action static incompatible with type integer");
}

static void test_type_gating_domain_uses_base_type(void **state)
{
    (void)state;
    pv_column c = column("email", "public.email_address", 24);
    c.domain_base = "text";
    expect("t", c, false, PV_CONFIDENCE_HIGH, "fake/email", "email", "matched pattern email");
    c.domain_base = "integer";
    expect("t", c, false, PV_CONFIDENCE_LOW, "-", "email",
           "matched pattern email | action fake incompatible with type public.email_address");
}

/* masking.md §4.3: the shortest possible output must fit varchar(n) / char(n). */
static void test_declared_length(void **state)
{
    (void)state;
    const bool U = true, N = false;
    expect("t", column("token", "character varying(64)", 64), N, PV_CONFIDENCE_HIGH, "hash",
           "token", "matched pattern token");
    expect("t", column("token", "character varying(32)", 32), N, PV_CONFIDENCE_LOW, "-", "token",
           "matched pattern token | action hash incompatible with type character varying(32)");
    expect("t", column("ssn", "character(11)", 11), N, PV_CONFIDENCE_HIGH, "fake/ssn", "ssn",
           "matched pattern ssn");
    expect("t", column("ssn", "character(9)", 9), N, PV_CONFIDENCE_LOW, "-", "ssn",
           "matched pattern ssn | action fake incompatible with type character(9)");
    expect("t", column("phone", "character varying(10)", 10), N, PV_CONFIDENCE_LOW, "-", "phone",
           "matched pattern phone | action fake incompatible with type character varying(10)");
    expect("t", column("phone", "character varying(20)", 12), N, PV_CONFIDENCE_HIGH, "fake/phone",
           "phone", "matched pattern phone");
    /* unique: the §9.1 suffix makes the shortest output longer */
    expect("t", column("phone", "character varying(20)", 12), U, PV_CONFIDENCE_LOW, "-", "phone",
           "matched pattern phone | action fake incompatible with type character varying(20)");
    expect("t", column("email", "character varying(17)", 12), U, PV_CONFIDENCE_LOW, "-", "email",
           "matched pattern email | action fake incompatible with type character varying(17)");
    expect("t", column("email", "character varying(18)", 12), U, PV_CONFIDENCE_HIGH, "fake/email",
           "email", "matched pattern email");
    expect("t", column("zip", "character varying(5)", 5), U, PV_CONFIDENCE_HIGH, "fake/postcode",
           "zip", "matched pattern zip");
    expect("t", column("password", "character varying(10)", 10), N, PV_CONFIDENCE_LOW, "-",
           "password",
           "matched pattern password | action static incompatible with type character "
           "varying(10)");
    expect("t", column("password", "character varying(15)", 10), U, PV_CONFIDENCE_HIGH, "static",
           "password", "matched pattern password");
    /* name holds at most 63 bytes: a 64-character hash never fits */
    expect("t", column("token", "name", 64), N, PV_CONFIDENCE_LOW, "-", "token",
           "matched pattern token | action hash incompatible with type name");
}

/* ------------------------------------------------------------ §5 freeform */

#define ELIGIBLE  "column type is freeform-eligible"
#define NO_STATS  "pg_stats.avg_width unavailable"
#define SENSITIVE "sensitive table context"

static void test_freeform_rows(void **state)
{
    (void)state;
    /* Row 1: type not eligible. */
    expect("users", column("notes", "character varying(100)", 300), false, PV_CONFIDENCE_LOW, "-",
           "notes_substring",
           "matched pattern notes_substring | type 'character varying(100)' is not "
           "freeform-eligible");
    expect("users", column("bio", "character varying", 300), false, PV_CONFIDENCE_LOW, "-", "bio",
           "matched pattern bio | type 'character varying' is not freeform-eligible");
    expect("users", column("bio", "citext", 300), false, PV_CONFIDENCE_LOW, "-", "bio",
           "matched pattern bio | type 'citext' is not freeform-eligible");
    expect("users", column("bio", "character varying(499)", 300), false, PV_CONFIDENCE_LOW, "-",
           "bio", "matched pattern bio | type 'character varying(499)' is not freeform-eligible");
    expect("users", column("bio", "character varying(500)", 300), false, PV_CONFIDENCE_HIGH,
           "ner_mask", "bio",
           "matched pattern bio | " ELIGIBLE " | pg_stats.avg_width=300 | " SENSITIVE);
    /* Row 2: no stats, sensitive table (spec example users.bio). */
    expect("users", column("bio", "text", -1), false, PV_CONFIDENCE_MEDIUM, "-", "bio",
           "matched pattern bio | " ELIGIBLE " | " NO_STATS " | " SENSITIVE);
    /* Row 3: no stats, other table (low-sensitivity tables too). */
    expect("orders", column("notes", "text", -1), false, PV_CONFIDENCE_LOW, "-", "notes_substring",
           "matched pattern notes_substring | " ELIGIBLE " | " NO_STATS);
    expect("products", column("description", "text", -1), false, PV_CONFIDENCE_LOW, "-",
           "description", "matched pattern description | " ELIGIBLE " | " NO_STATS);
    /* Row 4: wide, low table (spec example products.description, avg 400). */
    expect("products", column("description", "text", 400), false, PV_CONFIDENCE_MEDIUM, "-",
           "description",
           "matched pattern description | " ELIGIBLE
           " | pg_stats.avg_width=400 | low-sensitivity table context downgrades confidence");
    /* Row 5: wide, sensitive (spec example support_tickets.agent_notes, avg 340). */
    expect("support_tickets", column("agent_notes", "text", 340), false, PV_CONFIDENCE_HIGH,
           "ner_mask", "notes_suffix",
           "matched pattern notes_suffix | " ELIGIBLE " | pg_stats.avg_width=340 | " SENSITIVE);
    /* Row 6: wide, neutral; 200 is the threshold. */
    expect("orders", column("notes", "text", 200), false, PV_CONFIDENCE_HIGH, "ner_mask",
           "notes_substring",
           "matched pattern notes_substring | " ELIGIBLE " | pg_stats.avg_width=200");
    /* Row 7: borderline on a sensitive table, 100 ≤ w < 200. */
    expect("patients", column("note", "text", 100), false, PV_CONFIDENCE_MEDIUM, "-", "notes",
           "matched pattern notes | " ELIGIBLE
           " | pg_stats.avg_width=100 | borderline avg_width on sensitive table");
    expect("patients", column("comments", "text", 199), false, PV_CONFIDENCE_MEDIUM, "-",
           "comments",
           "matched pattern comments | " ELIGIBLE
           " | pg_stats.avg_width=199 | borderline avg_width on sensitive table");
    /* Row 8: otherwise. */
    expect("patients", column("about", "text", 99), false, PV_CONFIDENCE_LOW, "-", "about",
           "matched pattern about | " ELIGIBLE
           " | pg_stats.avg_width=99 | avg_width below freeform threshold");
    expect("orders", column("notes", "text", 150), false, PV_CONFIDENCE_LOW, "-", "notes_substring",
           "matched pattern notes_substring | " ELIGIBLE
           " | pg_stats.avg_width=150 | avg_width below freeform threshold");
    expect("products", column("description", "text", 150), false, PV_CONFIDENCE_LOW, "-",
           "description",
           "matched pattern description | " ELIGIBLE
           " | pg_stats.avg_width=150 | avg_width below freeform threshold");
    /* ner_mask rules gate on TEXTLIKE first. */
    expect("users", column("notes_count", "integer", 4), false, PV_CONFIDENCE_LOW, "-",
           "notes_substring",
           "matched pattern notes_substring | action ner_mask incompatible with type integer");
}

static void test_table_priors(void **state)
{
    (void)state;
    /* Sensitive tokens are checked first; the name is lower-cased; the schema is not used. */
    expect("User_Products", column("bio", "text", 300), false, PV_CONFIDENCE_HIGH, "ner_mask",
           "bio", "matched pattern bio | " ELIGIBLE " | pg_stats.avg_width=300 | " SENSITIVE);
    expect("warehouse_items", column("bio", "text", 300), false, PV_CONFIDENCE_MEDIUM, "-", "bio",
           "matched pattern bio | " ELIGIBLE
           " | pg_stats.avg_width=300 | low-sensitivity table context downgrades confidence");
    static const char *const sensitive[] = {
        "patient", "user",    "customer", "member",  "employee", "visit",  "clinical", "provider",
        "ticket",  "support", "auth",     "session", "contact",  "person", "client",
    };
    for (size_t i = 0; i < sizeof(sensitive) / sizeof(sensitive[0]); i++) {
        pv_finding f;
        pv_column c = column("bio", "text", -1);
        classify(sensitive[i], &c, false, &f);
        assert_int_equal(f.confidence, PV_CONFIDENCE_MEDIUM);
        pv_finding_clear(&f);
    }
    static const char *const low[] = {"product",   "catalog", "config", "system",
                                      "inventory", "sku",     "item",   "warehouse"};
    for (size_t i = 0; i < sizeof(low) / sizeof(low[0]); i++) {
        pv_finding f;
        pv_column c = column("bio", "text", 250);
        classify(low[i], &c, false, &f);
        assert_int_equal(f.confidence, PV_CONFIDENCE_MEDIUM);
        pv_finding_clear(&f);
    }
}

/* ------------------------------------------------------------ findings */

static void test_no_match_and_disabled(void **state)
{
    (void)state;
    expect("users", column("created_at", "timestamp with time zone", 8), false, PV_CONFIDENCE_LOW,
           "-", "-", "no pattern match");
    pv_table *t = new_table("public", "users");
    pv_column c = column("email", "text", 20);
    pv_detect_column in = {t, &c, 20, false};
    pv_finding f;
    pv_detect_classify(library(), false, &in, &f);
    assert_int_equal(f.confidence, PV_CONFIDENCE_LOW);
    assert_null(pv_finding_action(&f));
    assert_null(f.matched_pattern);
    assert_int_equal(f.reasons.n, 1);
    assert_string_equal(f.reasons.items[0], "auto-detect disabled");
    pv_finding_clear(&f);
    /* No library: nothing matches. */
    pv_detect_classify(NULL, true, &in, &f);
    assert_string_equal(f.reasons.items[0], "no pattern match");
    pv_finding_clear(&f);
    free_table(t);
}

static void test_explicit_finding_and_audit_payload(void **state)
{
    (void)state;
    pv_config *cfg = config("version: \"1.0\"\ntables:\n  public.users:\n    columns:\n"
                            "      email: { action: passthrough }\n"
                            "      phone: { action: fake, provider: phone }\n");
    const pv_table_config *tc = pv_config_table(cfg, "public.users");
    pv_table *t = new_table("public", "users");
    pv_column c = column("email", "text", 20);
    pv_finding f;
    pv_detect_explicit(t, &c, pv_config_column(tc, "email"), &f);
    assert_int_equal(f.source, PV_FINDING_CONFIG);
    assert_int_equal(f.confidence, PV_CONFIDENCE_HIGH);
    assert_false(pv_finding_uncovered(&f));
    json_t *payload = pv_finding_audit_payload(&f);
    char *text = pv_canonjson_dump(payload);
    assert_string_equal(text, "{\"action\":\"passthrough\",\"confidence\":\"high\","
                              "\"matched_pattern\":null,\"provider\":null,"
                              "\"reasons\":[\"explicit config\"],\"source\":\"config\"}");
    free(text);
    json_decref(payload);
    pv_finding_clear(&f);

    pv_column p = column("phone", "text", 20);
    pv_detect_explicit(t, &p, pv_config_column(tc, "phone"), &f);
    assert_string_equal(pv_finding_provider(&f), "phone");
    pv_finding_clear(&f);

    /* autodetect.md §8's example payload. */
    pv_detect_column in = {t, &c, 20, false};
    pv_detect_classify(library(), true, &in, &f);
    assert_true(pv_finding_uncovered(&f));
    payload = pv_finding_audit_payload(&f);
    text = pv_canonjson_dump(payload);
    assert_string_equal(text, "{\"action\":\"fake\",\"confidence\":\"high\","
                              "\"matched_pattern\":\"email\",\"provider\":\"email\","
                              "\"reasons\":[\"matched pattern email\"],\"source\":\"autodetect\"}");
    free(text);
    json_decref(payload);
    pv_finding_clear(&f);

    /* A low finding with a pattern is not uncovered. */
    pv_column zip = column("zip", "integer", 4);
    pv_detect_column zin = {t, &zip, 4, false};
    pv_detect_classify(library(), true, &zin, &f);
    assert_false(pv_finding_uncovered(&f));
    payload = pv_finding_audit_payload(&f);
    text = pv_canonjson_dump(payload);
    assert_string_equal(text, "{\"action\":null,\"confidence\":\"low\","
                              "\"matched_pattern\":\"zip\",\"provider\":null,"
                              "\"reasons\":[\"matched pattern zip\","
                              "\"action fake incompatible with type integer\"],"
                              "\"source\":\"autodetect\"}");
    free(text);
    json_decref(payload);
    pv_finding_clear(&f);
    free_table(t);
    pv_config_free(cfg);
}

static void test_parent_avg_width(void **state)
{
    (void)state;
    pv_catalog cat = {0};
    pv_table tables[3];
    memset(tables, 0, sizeof(tables));
    pv_column parent_cols[1] = {column("notes", "text", -1)};
    pv_column a_cols[1] = {column("notes", "text", 300)};
    pv_column b_cols[1] = {column("notes", "text", 100)};
    tables[0] = (pv_table){.id = "public.ev",
                           .name = "ev",
                           .columns = parent_cols,
                           .n_columns = 1,
                           .is_partitioned = true};
    tables[1] = (pv_table){.id = "public.ev_a",
                           .name = "ev_a",
                           .columns = a_cols,
                           .n_columns = 1,
                           .estimated_rows = 100};
    tables[2] = (pv_table){.id = "public.ev_b",
                           .name = "ev_b",
                           .columns = b_cols,
                           .n_columns = 1,
                           .estimated_rows = 300};
    pv_strlist_push(&tables[0].partition_children, "public.ev_a");
    pv_strlist_push(&tables[0].partition_children, "public.ev_b");
    cat.tables = tables;
    cat.n_tables = 3;
    /* (100×300 + 300×100) / 400 = 150 */
    assert_int_equal(pv_detect_avg_width(&cat, &tables[0], &parent_cols[0]), 150);
    /* Children without estimates weigh 1 each. */
    tables[1].estimated_rows = -1;
    tables[2].estimated_rows = 0;
    assert_int_equal(pv_detect_avg_width(&cat, &tables[0], &parent_cols[0]), 200);
    /* The parent's own statistics win; a plain table has only its own. */
    parent_cols[0].avg_width = 42;
    assert_int_equal(pv_detect_avg_width(&cat, &tables[0], &parent_cols[0]), 42);
    assert_int_equal(pv_detect_avg_width(&cat, &tables[1], &a_cols[0]), 300);
    b_cols[0].avg_width = -1;
    a_cols[0].avg_width = -1;
    parent_cols[0].avg_width = -1;
    assert_int_equal(pv_detect_avg_width(&cat, &tables[0], &parent_cols[0]), -1);
    pv_strlist_free(&tables[0].partition_children);
}

/* ------------------------------------------------------------ loader */

static void assert_load_error(const char *text, const char *cause_suffix)
{
    char *dir = temp_dir();
    char *path = write_file(dir, "patterns.yaml", text);
    pv_patterns *p = NULL;
    pv_error *err = pv_patterns_load_dir(dir, &p);
    assert_non_null(err);
    assert_null(p);
    assert_int_equal(err->exit_code, PV_EXIT_PREFLIGHT);
    assert_string_equal(err->context, "Loading the auto-detect patterns");
    assert_string_equal(err->remediation,
                        "Install the privaci data files or set PRIVACI_DATA_DIR.");
    char *expected =
        pv_xasprintf("The auto-detect pattern file %s could not be loaded: %s", path, cause_suffix);
    assert_string_equal(err->cause, expected);
    free(expected);
    pv_error_free(err);
    unlink(path);
    rmdir(dir);
    free(path);
    free(dir);
}

static void test_loader_errors(void **state)
{
    (void)state;
    assert_load_error("patterns:\n  - {id: a, kind: around, pattern: x, action: hash}\n",
                      "entry 1 (line 2) has an unknown kind 'around'.");
    assert_load_error("patterns:\n  - {id: a, kind: substring, pattern: x, action: hash}\n"
                      "  - {id: a, kind: prefix, pattern: y, action: hash}\n",
                      "entry 2 (line 3) repeats the rule id 'a'.");
    assert_load_error("patterns:\n  - {id: a, kind: substring, pattern: x, action: fake, "
                      "provider: nobody_knows}\n",
                      "entry 1 (line 2) names an unknown provider 'nobody_knows'.");
    assert_load_error("patterns:\n  - {id: a, kind: substring, pattern: x, action: fake}\n",
                      "entry 1 (line 2) is missing 'provider'.");
    assert_load_error("patterns:\n  - {id: a, kind: substring, pattern: x, action: static}\n",
                      "entry 1 (line 2) is missing 'static_value'.");
    assert_load_error("patterns:\n  - {id: a, kind: substring, action: hash}\n",
                      "entry 1 (line 2) is missing 'pattern'.");
    assert_load_error("patterns:\n  - {id: a, kind: substring, pattern: x, action: null}\n",
                      "entry 1 (line 2) is missing 'action'.");
    assert_load_error("patterns:\n  - {id: a, kind: substring, pattern: x, action: passthrough}\n",
                      "entry 1 (line 2) has an unsupported action 'passthrough'.");
    assert_load_error("patterns:\n  - {id: a, kind: substring, pattern: x, action: hash, "
                      "confidence: high}\n",
                      "entry 1 (line 2) has an unknown key 'confidence'.");
    assert_load_error("patterns:\n  - {id: a, kind: regex, pattern: \"(\", action: hash}\n",
                      "entry 1 (line 2) has a pattern that does not compile: 'invalid regex: "
                      "missing closing parenthesis at position 1'.");
    assert_load_error("rules: []\n", "it has no 'patterns' sequence.");
    assert_load_error("patterns: [\n", "invalid YAML at line 2.");
    assert_load_error("", "it is empty.");

    char *dir = temp_dir();
    pv_patterns *p = NULL;
    pv_error *err = pv_patterns_load_dir(dir, &p);
    assert_non_null(err);
    char *expected = pv_xasprintf("The auto-detect pattern file %s/patterns.yaml could not be "
                                  "loaded: it does not exist.",
                                  dir);
    assert_string_equal(err->cause, expected);
    free(expected);
    pv_error_free(err);
    rmdir(dir);
    free(dir);
}

/* autodetect.md §9: pack files after the built-in list, in file-name order. */
static void test_pack_files_append_in_name_order(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char *files[4];
    files[0] = write_file(dir, "patterns.yaml",
                          "version: 1\npatterns:\n"
                          "  - {id: email, kind: substring, pattern: EMAIL, provider: email, "
                          "action: fake}\n");
    files[1] = write_file(dir, "b-hipaa.yaml",
                          "patterns:\n  - {id: mrn, kind: bounded, pattern: mrn, action: hash}\n");
    files[2] = write_file(dir, "a-pack.json",
                          "{\"patterns\": [{\"id\": \"patient_id\", \"kind\": \"regex\", "
                          "\"pattern\": \"^patient_?id$\", \"action\": \"hash\"}]}");
    files[3] = write_file(dir, "README.txt", "not a pattern file");
    pv_patterns *p = NULL;
    pv_error *err = pv_patterns_load_dir(dir, &p);
    assert_null(err);
    assert_int_equal(p->n, 3);
    assert_string_equal(p->items[0].id, "email");
    assert_string_equal(p->items[0].pattern, "email"); /* lower-cased */
    assert_string_equal(p->items[1].id, "patient_id");
    assert_string_equal(p->items[2].id, "mrn");
    assert_string_equal(pv_patterns_match(p, "Patient_ID")->id, "patient_id");
    assert_string_equal(pv_patterns_match(p, "chart_mrn")->id, "mrn");
    assert_null(pv_patterns_match(p, "patient_ids"));
    pv_patterns_free(p);
    for (size_t i = 0; i < 4; i++) {
        unlink(files[i]);
        free(files[i]);
    }
    rmdir(dir);
    free(dir);
}

/* ------------------------------------------------------------ the plan */

static pv_catalog *plan_catalog(void)
{
    pv_catalog *cat = pv_xcalloc(1, sizeof(*cat));
    cat->tables = pv_xcalloc(3, sizeof(*cat->tables));
    cat->n_tables = 3;
    static const struct {
        const char *name, *type;
        int width;
    } users_cols[] = {
        {"id", "bigint", 8},      {"email", "text", 20},   {"phone", "text", 12},
        {"bio", "text", -1},      {"zip", "integer", 4},   {"first_name", "text", 6},
        {"password", "text", 60}, {"nickname", "text", 8},
    };
    const char *names[3] = {"audit", "products", "users"};
    for (size_t i = 0; i < 3; i++) {
        pv_table *t = &cat->tables[i];
        t->schema = pv_xstrdup("public");
        t->name = pv_xstrdup(names[i]);
        t->id = pv_xasprintf("public.%s", names[i]);
        t->relkind = 'r';
        t->estimated_rows = 10;
    }
    pv_table *audit = &cat->tables[0];
    audit->columns = pv_xcalloc(1, sizeof(pv_column));
    audit->n_columns = 1;
    audit->columns[0] = (pv_column){
        .name = pv_xstrdup("email"), .data_type = pv_xstrdup("text"), .attnum = 1, .avg_width = 20};
    pv_table *products = &cat->tables[1];
    products->columns = pv_xcalloc(1, sizeof(pv_column));
    products->n_columns = 1;
    products->columns[0] = (pv_column){.name = pv_xstrdup("description"),
                                       .data_type = pv_xstrdup("text"),
                                       .attnum = 1,
                                       .avg_width = 400};
    pv_table *users = &cat->tables[2];
    size_t n = sizeof(users_cols) / sizeof(users_cols[0]);
    users->columns = pv_xcalloc(n, sizeof(pv_column));
    users->n_columns = n;
    for (size_t i = 0; i < n; i++)
        users->columns[i] = (pv_column){.name = pv_xstrdup(users_cols[i].name),
                                        .data_type = pv_xstrdup(users_cols[i].type),
                                        .attnum = (int)i + 1,
                                        .avg_width = users_cols[i].width};
    users->primary_key_name = pv_xstrdup("users_pkey");
    pv_strlist_push(&users->primary_key, "id");
    users->uniques = pv_xcalloc(1, sizeof(pv_unique));
    users->n_uniques = 1;
    users->uniques[0].name = pv_xstrdup("users_email_key");
    pv_strlist_push(&users->uniques[0].columns, "email");
    return cat;
}

static const char PLAN_YAML[] = "version: \"1.0\"\n"
                                "tables:\n"
                                "  public.users:\n"
                                "    columns:\n"
                                "      phone: { action: passthrough }\n"
                                "      nickname: { action: hash }\n"
                                "  public.audit: { strategy: exclude }\n";

static const pv_plan_column *plan_column(const pv_run_plan *plan, const char *table,
                                         const char *column)
{
    for (size_t i = 0; i < plan->n_tables; i++)
        for (size_t c = 0;
             strcmp(plan->tables[i].table->id, table) == 0 && c < plan->tables[i].n_columns; c++)
            if (strcmp(plan->tables[i].columns[c].column->name, column) == 0)
                return &plan->tables[i].columns[c];
    fail_msg("no column %s.%s", table, column);
    return NULL;
}

static void test_plan_resolution(void **state)
{
    (void)state;
    pv_catalog *cat = plan_catalog();
    pv_config *cfg = config(PLAN_YAML);
    pv_run_plan *plan = pv_run_plan_build(cfg, cat, library());
    /* high: applied, source autodetect, with the proposal's provider */
    const pv_plan_column *email = plan_column(plan, "public.users", "email");
    assert_int_equal(email->source, PV_SOURCE_AUTODETECT);
    assert_int_equal(email->action, PV_ACT_FAKE);
    assert_string_equal(pv_plan_column_action(email)->provider, "email");
    assert_string_equal(email->hash_path, "public.users.email");
    assert_true(email->unique);
    /* explicit passthrough wins over the phone rule, explicit hash over nothing */
    const pv_plan_column *phone = plan_column(plan, "public.users", "phone");
    assert_int_equal(phone->source, PV_SOURCE_CONFIG);
    assert_int_equal(phone->action, PV_ACT_PASSTHROUGH);
    assert_int_equal(phone->finding->source, PV_FINDING_CONFIG);
    assert_null(phone->finding->matched_pattern);
    assert_int_equal(plan_column(plan, "public.users", "nickname")->action, PV_ACT_HASH);
    /* medium: reported, not applied; low: passthrough */
    const pv_plan_column *bio = plan_column(plan, "public.users", "bio");
    assert_int_equal(bio->source, PV_SOURCE_DEFAULT);
    assert_int_equal(bio->action, PV_ACT_PASSTHROUGH);
    assert_int_equal(bio->finding->confidence, PV_CONFIDENCE_MEDIUM);
    assert_int_equal(plan_column(plan, "public.users", "zip")->source, PV_SOURCE_DEFAULT);
    /* static proposal */
    const pv_plan_column *pw = plan_column(plan, "public.users", "password");
    assert_int_equal(pw->action, PV_ACT_STATIC);
    assert_string_equal(pv_plan_column_action(pw)->value, "privaci-test-pw");
    /* excluded tables are not scanned */
    assert_null(plan_column(plan, "public.audit", "email")->finding);
    assert_int_equal(plan_column(plan, "public.audit", "email")->source, PV_SOURCE_DEFAULT);

    /* runs.plan renders the proposal like a canonical config action. */
    json_t *doc = pv_run_plan_json(plan, cfg);
    char *text = pv_canonjson_dump(doc);
    assert_non_null(strstr(text, "\"email\":{\"action\":{\"action\":\"fake\",\"params\":{},"
                                 "\"provider\":\"email\",\"seed_alias\":null},\"fpe\":false,"
                                 "\"hash_path\":\"public.users.email\",\"source\":\"autodetect\","
                                 "\"unique\":true}"));
    assert_non_null(strstr(text, "\"password\":{\"action\":{\"action\":\"static\","
                                 "\"value\":\"privaci-test-pw\"},"));
    assert_non_null(strstr(text, "\"bio\":{\"action\":{\"action\":\"passthrough\"},\"fpe\":false,"
                                 "\"hash_path\":null,\"source\":\"default\""));
    free(text);
    json_decref(doc);
    pv_run_plan_free(plan);

    /* auto_detect: false — explicit entries only, every other finding low. */
    pv_config *off = config("version: \"1.0\"\nauto_detect: false\n");
    plan = pv_run_plan_build(off, cat, library());
    email = plan_column(plan, "public.users", "email");
    assert_int_equal(email->source, PV_SOURCE_DEFAULT);
    assert_string_equal(email->finding->reasons.items[0], "auto-detect disabled");
    pv_run_plan_free(plan);
    pv_config_free(off);
    pv_config_free(cfg);
    pv_catalog_free(cat);
}

static void test_dry_run_lines_and_report(void **state)
{
    (void)state;
    pv_catalog *cat = plan_catalog();
    pv_config *cfg = config(PLAN_YAML);
    pv_run_plan *plan = pv_run_plan_build(cfg, cat, library());
    char *text = pv_dry_run_plan_text(cat, plan);
    assert_string_equal(text, "Pre-flight OK (3 table(s) in source):\n"
                              "Auto-detect: 4 column(s) to mask, 2 uncertain for review\n"
                              "  public.audit: strategy=exclude (~10 rows)\n"
                              "  public.products: strategy=transform (~10 rows, batch 10000)\n"
                              "      review: description (uncertain, matched description)\n"
                              "  public.users: strategy=transform (~10 rows, batch 10000)\n"
                              "      mask: email -> fake/email (autodetect)\n"
                              "      keep: phone (config)\n"
                              "      review: bio (uncertain, matched bio)\n"
                              "      mask: first_name -> fake/first_name (autodetect)\n"
                              "      mask: password -> static (autodetect)\n"
                              "      mask: nickname -> hash (config)\n");
    free(text);
    text = pv_detection_report_text(cat, plan, true, true);
    assert_string_equal(text, "# PrivaCI auto-detect report\n"
                              "\n"
                              "Tables inspected: 3\n"
                              "Auto-detect: on\n"
                              "Strict mode: on\n"
                              "\n"
                              "## public.products\n"
                              "\n"
                              "### Masked (auto-detect)\n"
                              "- _(none)_\n"
                              "\n"
                              "### Explicit config\n"
                              "- _(none)_\n"
                              "\n"
                              "### Uncertain (manual review)\n"
                              "- `description`: passthrough, pattern=description (medium)\n"
                              "\n"
                              "### Passthrough\n"
                              "- _(none)_\n"
                              "\n"
                              "## public.users\n"
                              "\n"
                              "### Masked (auto-detect)\n"
                              "- `email`: fake, provider=email, pattern=email (high)\n"
                              "- `first_name`: fake, provider=first_name, pattern=first_name "
                              "(high)\n"
                              "- `password`: static, pattern=password (high)\n"
                              "\n"
                              "### Explicit config\n"
                              "- `phone`: passthrough (high)\n"
                              "- `nickname`: hash (high)\n"
                              "\n"
                              "### Uncertain (manual review)\n"
                              "- `bio`: passthrough, pattern=bio (medium)\n"
                              "\n"
                              "### Passthrough\n"
                              "- `id`: passthrough (low)\n"
                              "- `zip`: passthrough, pattern=zip (low)\n"
                              "\n");
    free(text);
    pv_run_plan_free(plan);
    pv_config_free(cfg);
    pv_catalog_free(cat);
}

static void test_strict_mode(void **state)
{
    (void)state;
    pv_catalog *cat = plan_catalog();
    pv_config *cfg = config(PLAN_YAML);
    pv_run_plan *plan = pv_run_plan_build(cfg, cat, library());
    assert_null(pv_preflight_strict_check(plan, false));
    pv_error *err = pv_preflight_strict_check(plan, true);
    assert_non_null(err);
    assert_int_equal(err->exit_code, PV_EXIT_CONFIG);
    assert_string_equal(err->context, "Validating strict auto-detect coverage");
    /* high and medium, sorted; not phone (explicit passthrough), zip (low) or audit (excluded) */
    assert_string_equal(err->cause, "Uncovered PII columns: public.products.description, "
                                    "public.users.bio, public.users.email, "
                                    "public.users.first_name, public.users.password");
    assert_string_equal(err->remediation,
                        "Add each column to mask-rules.yaml or set strict_autodetect: false. "
                        "Example: Add 'users.email' to mask-rules.yaml or pass "
                        "--no-strict-autodetect to acknowledge.");
    pv_error_free(err);
    pv_run_plan_free(plan);
    pv_config_free(cfg);

    /* Covered by explicit entries (passthrough counts): strict passes. */
    cfg = config("version: \"1.0\"\ntables:\n  public.users:\n    columns:\n"
                 "      email: { action: fake, provider: email }\n"
                 "      bio: { action: passthrough }\n"
                 "      phone: { action: fake, provider: phone }\n"
                 "      first_name: { action: passthrough }\n"
                 "      password: { action: static, value: x }\n"
                 "  public.products: { strategy: exclude }\n"
                 "  public.audit: { strategy: exclude }\n");
    plan = pv_run_plan_build(cfg, cat, library());
    assert_null(pv_preflight_strict_check(plan, true));
    pv_run_plan_free(plan);
    pv_config_free(cfg);
    pv_catalog_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_library_is_the_spec_table),
        cmocka_unit_test(test_every_rule_matches),
        cmocka_unit_test(test_documented_consequences),
        cmocka_unit_test(test_type_gating),
        cmocka_unit_test(test_type_gating_domain_uses_base_type),
        cmocka_unit_test(test_declared_length),
        cmocka_unit_test(test_freeform_rows),
        cmocka_unit_test(test_table_priors),
        cmocka_unit_test(test_no_match_and_disabled),
        cmocka_unit_test(test_explicit_finding_and_audit_payload),
        cmocka_unit_test(test_parent_avg_width),
        cmocka_unit_test(test_loader_errors),
        cmocka_unit_test(test_pack_files_append_in_name_order),
        cmocka_unit_test(test_plan_resolution),
        cmocka_unit_test(test_dry_run_lines_and_report),
        cmocka_unit_test(test_strict_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
