-- privaci run hostile-identifier fixture: quotes, spaces, mixed case,
-- unicode and SQL keywords in schema, table and column names — including
-- the primary-key column that becomes the cursor of every batch.
CREATE SCHEMA "Sales Data";
CREATE SCHEMA "select";
CREATE SCHEMA "Ünï ""cøde""";

CREATE TABLE "Sales Data"."Order ""Items""" (
    "Id"            integer PRIMARY KEY,
    "select"        text,
    "naïve ünïcode" text,
    "from"          integer,
    "Mixed Case"    numeric,
    "with space"    date,
    "a""b"          boolean
);
INSERT INTO "Sales Data"."Order ""Items"""
SELECT g, 'sel ' || g, 'ünï ' || g, g % 10, g * 1.5, DATE '2024-01-01' + g, g % 2 = 0
FROM generate_series(1, 640) g;

CREATE TABLE public."user" (id integer PRIMARY KEY, "Email" text UNIQUE);
INSERT INTO public."user" SELECT g, 'u' || g || '@x.test' FROM generate_series(1, 50) g;

CREATE TABLE public."日本" (
    id    integer PRIMARY KEY,
    "ref" integer CONSTRAINT "fk ""quoted""" REFERENCES "Sales Data"."Order ""Items""" ("Id"),
    "値"  text
);
INSERT INTO public."日本" SELECT g, 1 + g % 640, '値 ' || g FROM generate_series(1, 300) g;

CREATE TABLE "select"."table" ("group" integer, "order" text, "where" text);
INSERT INTO "select"."table" SELECT g % 13, 'o' || g, 'w' || g FROM generate_series(1, 400) g;

-- A text primary key named with a quote: the cursor is a quoted, escaped
-- literal holding quotes and backslashes.
CREATE TABLE "Ünï ""cøde"""."Key's ""Table""" (
    "Key's ""pk""" text PRIMARY KEY,
    "Value; DROP"  text
);
INSERT INTO "Ünï ""cøde"""."Key's ""Table"""
SELECT 'k' || lpad(g::text, 4, '0') || CASE g % 5 WHEN 0 THEN E'''q' WHEN 1 THEN E'\\b'
                                               WHEN 2 THEN '"d' WHEN 3 THEN ' ü' ELSE '' END,
       'v' || g
FROM generate_series(1, 555) g;
ANALYZE;
