-- privaci run text-fallback fixture: a base type with only input and output
-- functions (no binary send/receive), so its table streams in text COPY mode
-- (spec/streaming.md §4). Needs a superuser (LANGUAGE internal).
CREATE TYPE public.t_nobin;
CREATE FUNCTION public.t_nobin_in(cstring) RETURNS public.t_nobin
    AS 'textin' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION public.t_nobin_out(public.t_nobin) RETURNS cstring
    AS 'textout' LANGUAGE internal IMMUTABLE STRICT;
CREATE TYPE public.t_nobin (INPUT = public.t_nobin_in, OUTPUT = public.t_nobin_out, LIKE = text);

-- Single-column PK, several batches in text mode (the cursor is parsed from
-- text COPY), with values that need text-COPY escaping.
CREATE TABLE public.nobin_items (
    id     integer PRIMARY KEY,
    v      public.t_nobin,
    note   text,
    tags   text[],
    blob   bytea,
    at     timestamptz,
    amount numeric,
    v2     public.t_nobin,
    arr    public.t_nobin[]
);
INSERT INTO public.nobin_items
SELECT g,
       ('nb-' || g || CASE g % 4 WHEN 0 THEN E'\ttab' WHEN 1 THEN E'\nnl' WHEN 2 THEN E'\\bs'
                                 ELSE '' END)::public.t_nobin,
       CASE WHEN g % 11 = 0 THEN NULL WHEN g % 11 = 1 THEN '' WHEN g % 11 = 2 THEN E'\\N'
            ELSE 'note ' || g || E' \r\n\t\\ é ✓' END,
       ARRAY['t' || g, NULL, E'a\tb', ''],
       decode(md5(g::text), 'hex'),
       TIMESTAMPTZ '2020-01-01 00:00:00+00' + g * INTERVAL '1 hour 0.000001 s',
       g / 3.0,
       CASE WHEN g % 3 = 0 THEN NULL ELSE ('second ' || g)::public.t_nobin END,
       ARRAY[('a' || g)::public.t_nobin, NULL, E'q"\\ {x}'::public.t_nobin]
FROM generate_series(1, 777) AS g;
INSERT INTO public.nobin_items (id, v) VALUES (1000, NULL), (1001, ''), (1002, E'\\N');

-- No primary key: one transaction (§6.2), still text mode.
CREATE TABLE public.nobin_log (v public.t_nobin, n integer);
INSERT INTO public.nobin_log SELECT ('log ' || g)::public.t_nobin, g % 7 FROM generate_series(1, 250) g;
INSERT INTO public.nobin_log SELECT ('log ' || g)::public.t_nobin, g % 7 FROM generate_series(1, 50) g;

-- A domain over the type (the domain inherits the missing send/receive),
-- and a text primary key whose cursor needs text-COPY unescaping.
CREATE DOMAIN public.d_nobin AS public.t_nobin;
CREATE TABLE public.nobin_keys (k text PRIMARY KEY, d public.d_nobin);
INSERT INTO public.nobin_keys
SELECT 'key ' || lpad(g::text, 4, '0') || CASE g % 4 WHEN 0 THEN E'\t' WHEN 1 THEN E'\\'
                                               WHEN 2 THEN E'\n' ELSE ' é' END,
       ('d' || g)::public.d_nobin
FROM generate_series(1, 333) g;

-- A binary table in the same run: stays binary, no binary_fallback.
CREATE TABLE public.plain (id integer PRIMARY KEY, s text);
INSERT INTO public.plain SELECT g, 's' || g FROM generate_series(1, 300) g;
ANALYZE;
