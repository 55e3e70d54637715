-- privaci run round-trip fixture: one table holding every type of
-- spec/streaming.md §3 (plus its arrays, an enum, domains), ~1000 generated
-- rows with NULLs sprinkled in, and hand-written rows of extreme values,
-- empty strings and NULLs (ids >= 100000).
CREATE EXTENSION IF NOT EXISTS citext;
CREATE TYPE public.mood AS ENUM ('happy', 'sad face', 'NULL', 'with"quote', 'ünï ✓');
CREATE DOMAIN public.posint AS int4 CHECK (VALUE > 0);
CREATE DOMAIN public.email_text AS text CHECK (VALUE LIKE '%@%');
CREATE DOMAIN public.intlist AS int4[];

CREATE TABLE public.all_types (
    id           int4 PRIMARY KEY,
    c_bool       bool,
    c_int2       int2,
    c_int4       int4,
    c_int8       int8,
    c_oid        oid,
    c_float4     float4,
    c_float8     float8,
    c_numeric    numeric,
    c_numeric_ts numeric(20, 6),
    c_money      money,
    c_text       text,
    c_varchar    varchar(40),
    c_char       char(5),
    c_name       name,
    c_citext     citext,
    c_bytea      bytea,
    c_uuid       uuid,
    c_date       date,
    c_time       time,
    c_timetz     timetz,
    c_ts         timestamp,
    c_tstz       timestamptz,
    c_interval   interval,
    c_json       json,
    c_jsonb      jsonb,
    c_xml        xml,
    c_inet       inet,
    c_cidr       cidr,
    c_macaddr    macaddr,
    c_macaddr8   macaddr8,
    c_mood       public.mood,
    c_posint     public.posint,
    c_email      public.email_text,
    c_intlist    public.intlist,
    a_int4       int4[],
    a_int8_2d    int8[],
    a_float8     float8[],
    a_numeric    numeric[],
    a_text       text[],
    a_varchar    varchar(10)[],
    a_bool       bool[],
    a_bytea      bytea[],
    a_uuid       uuid[],
    a_date       date[],
    a_tstz       timestamptz[],
    a_interval   interval[],
    a_jsonb      jsonb[],
    a_inet       inet[],
    a_macaddr    macaddr[],
    a_mood       public.mood[],
    a_posint     public.posint[],
    a_citext     citext[]
);

-- ~1000 generated rows.
INSERT INTO public.all_types
SELECT g,
       g % 3 = 0,
       ((g * 37) % 65536 - 32768)::int2,
       (g * 2147483) % 2147483647 * CASE WHEN g % 2 = 0 THEN -1 ELSE 1 END,
       g::int8 * 9007199254740 * CASE WHEN g % 5 = 0 THEN -1 ELSE 1 END,
       (g::int8 * 4294967)::oid,
       (g::float8 / 7)::float4,
       sqrt(g::float8) * 1e15 / 3 * CASE WHEN g % 4 = 0 THEN -1 ELSE 1 END,
       (g::numeric / 7) ^ (g % 5),
       round(g::numeric * 1234.567891, 6),
       (g * 12.34)::numeric::money,
       repeat(chr(65 + g % 26), g % 40) || E'\t' || g || E'\n\\é',
       'v' || g || repeat('x', g % 30),
       chr(97 + g % 26) || g % 100,
       ('name_' || g)::name,
       'MiXeD ' || g,
       decode(md5(g::text) || repeat('00ff', g % 7), 'hex'),
       md5(g::text)::uuid,
       DATE '2000-01-01' + (g * 37 - 18000),
       TIME '00:00' + g * INTERVAL '83.123457 seconds',
       ((TIME '00:00' + g * INTERVAL '97 seconds')::text || to_char(g % 27 - 13, 'SG00') ||
        ':' || lpad((g % 4 * 15)::text, 2, '0'))::timetz,
       TIMESTAMP '1970-01-01' + g * INTERVAL '17 days 3 hours 7.123456 seconds',
       TIMESTAMPTZ '1999-12-31 23:00:00+00' + g * INTERVAL '-5 days 11 minutes 0.000001 s',
       make_interval(years => g % 7, months => g % 13 - 6, days => -g, secs => g * 1.5),
       json_build_object('id', g, 'name', 'n' || g, 'arr', json_build_array(g, g * 1.5, NULL)),
       jsonb_build_object('id', g, 'nested', jsonb_build_object('t', 'x' || g, 'b', g % 2 = 0)),
       xmlelement(name item, xmlattributes(g AS id), 'v&' || g),
       CASE WHEN g % 3 = 0
            THEN ('2001:db8:' || to_hex(g) || '::' || to_hex(g * 7) || '/' || (48 + g % 80))::inet
            ELSE ('10.' || g % 256 || '.' || g / 256 || '.' || g % 200 || '/' || (8 + g % 25))::inet
       END,
       CASE WHEN g % 2 = 0 THEN ('10.' || g % 256 || '.0.0/16')::cidr
            ELSE ('2001:db8:' || to_hex(g) || '::/48')::cidr END,
       substr(md5(g::text), 1, 12)::macaddr,
       substr(md5(g::text), 1, 16)::macaddr8,
       (enum_range(NULL::public.mood))[1 + g % 5],
       g,
       'user' || g || '@example.com',
       ARRAY[g, -g]::public.intlist,
       ARRAY[g, NULL, -g],
       CASE WHEN g % 2 = 0 THEN ARRAY[[g, NULL], [g * 1000000000000, -1]]::int8[]
            ELSE array_fill(g::int8, ARRAY[2, 3], ARRAY[-1, 5]) END,
       ARRAY[g / 3.0, -0.0, 1e300, NULL]::float8[],
       ARRAY[g / 7.0, NULL, -g]::numeric[],
       ARRAY['a' || g, NULL, '', 'NULL', 'x y', E'q"\\'],
       ARRAY['v' || g % 100]::varchar(10)[],
       ARRAY[g % 2 = 0, NULL],
       ARRAY[decode(md5(g::text), 'hex'), NULL, ''::bytea],
       ARRAY[md5(g::text)::uuid, NULL],
       ARRAY[DATE '2024-01-01' + g, NULL],
       ARRAY[TIMESTAMPTZ '2024-01-01 00:00:00+00' + g * INTERVAL '1 hour', NULL],
       ARRAY[g * INTERVAL '1 minute', NULL],
       ARRAY[jsonb_build_object('k', g), NULL, '"s"'::jsonb],
       ARRAY[('192.168.' || g % 256 || '.1')::inet, NULL],
       ARRAY[substr(md5(g::text), 1, 12)::macaddr],
       ARRAY[(enum_range(NULL::public.mood))[1 + g % 5], NULL],
       ARRAY[g, NULL]::public.posint[],
       ARRAY['Ab' || g, NULL]::citext[]
FROM generate_series(1, 1000) AS g;

-- NULLs sprinkled into the generated rows: every 97th row is NULL apart from
-- its key, and each column is NULL in a different tenth.
UPDATE public.all_types SET
    c_bool = NULL, c_int2 = NULL, c_int4 = NULL, c_int8 = NULL, c_oid = NULL, c_float4 = NULL,
    c_float8 = NULL, c_numeric = NULL, c_numeric_ts = NULL, c_money = NULL, c_text = NULL,
    c_varchar = NULL, c_char = NULL, c_name = NULL, c_citext = NULL, c_bytea = NULL,
    c_uuid = NULL, c_date = NULL, c_time = NULL, c_timetz = NULL, c_ts = NULL, c_tstz = NULL,
    c_interval = NULL, c_json = NULL, c_jsonb = NULL, c_xml = NULL, c_inet = NULL, c_cidr = NULL,
    c_macaddr = NULL, c_macaddr8 = NULL, c_mood = NULL, c_posint = NULL, c_email = NULL,
    c_intlist = NULL, a_int4 = NULL, a_int8_2d = NULL, a_float8 = NULL, a_numeric = NULL,
    a_text = NULL, a_varchar = NULL, a_bool = NULL, a_bytea = NULL, a_uuid = NULL, a_date = NULL,
    a_tstz = NULL, a_interval = NULL, a_jsonb = NULL, a_inet = NULL, a_macaddr = NULL,
    a_mood = NULL, a_posint = NULL, a_citext = NULL
WHERE id % 97 = 0;
UPDATE public.all_types SET c_text = NULL, c_jsonb = NULL, a_text = NULL WHERE id % 10 = 1;
UPDATE public.all_types SET c_bytea = NULL, c_tstz = NULL, a_mood = NULL WHERE id % 10 = 2;
UPDATE public.all_types SET c_numeric = NULL, c_uuid = NULL, c_inet = NULL WHERE id % 10 = 3;
UPDATE public.all_types SET c_float8 = NULL, c_interval = NULL, c_xml = NULL WHERE id % 10 = 4;
UPDATE public.all_types SET c_text = '', c_varchar = '', c_char = '', c_bytea = '',
                            c_citext = '', c_name = '', c_xml = ''
WHERE id % 10 = 5;

-- Hand-written edge rows: extremes per type (ids 100000+).
INSERT INTO public.all_types (id, c_bool, c_int2, c_int4, c_int8, c_oid, c_float4, c_float8,
                              c_numeric, c_money, c_text, c_varchar, c_char, c_name, c_citext,
                              c_bytea, c_date, c_time, c_timetz, c_ts, c_tstz, c_interval)
VALUES
 (100000, true, -32768, -2147483648, -9223372036854775808, 0, 'NaN', 'NaN',
  'NaN', '-92233720368547758.08', '', '', '', '', '', '', 'infinity', '00:00:00',
  '00:00:00+15:59', 'infinity', 'infinity', '0'),
 (100001, false, 32767, 2147483647, 9223372036854775807, 4294967295, 'Infinity', 'Infinity',
  'Infinity', '92233720368547758.07', E'tab\there\nnew line\\back\rslash', 'ten chars!',
  'abcde', repeat('n', 63), 'CaSe', '\x00ff10', '-infinity', '24:00:00', '24:00:00-15:59',
  '-infinity', '-infinity', '178956970 years 7 mons 2147483647 days 2562047788:00:54.775807'),
 (100002, NULL, 0, 0, 0, 16384, '-Infinity', '-Infinity', '-Infinity', '0', 'NULL', 'é', ' x',
  'pg_catalog', 'é', '\x', '4714-11-24 BC', '23:59:59.999999', '12:00:00+05:30',
  '4714-11-24 00:00:00 BC', '4714-11-24 00:00:00+00 BC',
  '-178956970 years -8 mons -2147483648 days -2562047788:00:54.775807'),
 (100003, NULL, -1, -1, -1, 1, '-0', '-0', '0.000', '-0.01', E'\\N', 'x,y', 'ab', 'x', 'X',
  decode(repeat('ab', 5000), 'hex'), '5874897-12-31', '00:00:00.000001',
  '12:00:00-08:00:01', '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999+00',
  '-00:00:00.000001'),
 (100004, NULL, NULL, NULL, NULL, NULL, '1.17549435e-38', '5e-324', ('1' || repeat('0', 999))::numeric,
  NULL, 'héllo wörld ✓ 😀 日本語', NULL, NULL, NULL, NULL, NULL, '0044-03-15 BC',
  NULL, '23:59:59.999999-00:30', '0044-03-15 12:00:00.25 BC', '1000-01-01 00:00:00+00 BC',
  '1 day -1 hour'),
 (100005, NULL, NULL, NULL, NULL, NULL, '1e-45', '2.2250738585072014e-308',
  ('0.' || repeat('0', 200) || '1')::numeric, NULL, repeat('long text ', 20000), NULL, NULL, NULL, NULL,
  NULL, '0001-01-01', NULL, NULL, '0001-01-01 00:00:00', '0001-01-01 00:00:00+00',
  '-1 mon +1 day -00:00:01'),
 (100006, NULL, NULL, NULL, NULL, NULL, '3.4028235e38', '1.7976931348623157e308',
  ('-' || repeat('9', 131072) || '.' || repeat('9', 16383))::numeric, NULL, '  spaced  ', NULL, NULL,
  NULL, NULL, NULL, '2000-01-01', NULL, NULL, '2000-01-01 00:00:00', '1969-12-31 23:59:59.5-01',
  NULL),
 (100007, NULL, NULL, NULL, NULL, NULL, '0.1', '0.30000000000000004', '1e-16383', NULL,
  E'quote"s {and} commas, ''single''', NULL, NULL, NULL, NULL, NULL, '0001-12-31 BC', NULL,
  NULL, '1999-12-31 23:59:59.999999', '2024-06-01 10:20:30+02', NULL),
 (100008, NULL, NULL, NULL, NULL, NULL, '16777217', '9007199254740993',
  '123456789.000000001', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL);

UPDATE public.all_types SET c_numeric_ts = '99999999999999.999999' WHERE id = 100000;
UPDATE public.all_types SET c_numeric_ts = '-99999999999999.999999' WHERE id = 100001;
UPDATE public.all_types SET c_numeric_ts = '0' WHERE id = 100002;

INSERT INTO public.all_types (id, c_uuid, c_json, c_jsonb, c_xml, c_inet, c_cidr, c_macaddr,
                              c_macaddr8, c_mood, c_posint, c_email, c_intlist)
VALUES
 (100100, '00000000-0000-0000-0000-000000000000', '{"b":1,   "a":[1,2]}',
  '{"b":1, "a":[1, 2.50, "x"]}', '<a b="1">text &amp; more</a>', '0.0.0.0', '0.0.0.0/0',
  '00:00:00:00:00:00', '00:00:00:00:00:00:00:00', 'happy', 1, '@', '{}'),
 (100101, 'ffffffff-ffff-ffff-ffff-ffffffffffff', '"str"', '{}', '', '255.255.255.255/32',
  '::/0', 'ff:ff:ff:ff:ff:ff', 'ff:ff:ff:ff:ff:ff:ff:ff', 'sad face', 2147483647,
  'a@b', '{1,NULL,3}'),
 (100102, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'null', 'null', 'plain text', '::', '2001:db8::/32',
  '08:00:2b:01:02:03', '08:00:2b:ff:fe:01:02:03', 'NULL', 42, 'é@ü', '{{1,2},{3,4}}'),
 (100103, NULL, '[]', '"\u00e9"', '<?xml version="1.0"?><r/>', '::ffff:1.2.3.4', '10.0.0.0/8',
  NULL, NULL, 'with"quote', NULL, NULL, '[3:4]={7,8}'),
 (100104, NULL, '  {"x": "\u00e9"} ', '{"deep": {"x": [true, false, 1e400]}}', NULL,
  'fe80::1/64', '192.168.1.0/24', NULL, NULL, 'ünï ✓', NULL, NULL, NULL),
 (100105, NULL, '""', '"tab\there"', NULL, '1:2:3:4:5:6:7:8/128', '255.255.255.255/32',
  NULL, NULL, NULL, NULL, NULL, NULL),
 (100106, NULL, ('{"k": "' || repeat('v', 50000) || '"}')::json, '[1, "2", null, {"": ""}]', NULL,
  '::1.2.3.4', '128.1.0.0/16', NULL, NULL, NULL, NULL, NULL, NULL);

INSERT INTO public.all_types (id, a_int4, a_int8_2d, a_float8, a_numeric, a_text, a_varchar,
                              a_bool, a_bytea, a_uuid, a_date, a_tstz, a_interval, a_jsonb,
                              a_inet, a_macaddr, a_mood, a_posint, a_citext)
VALUES
 (100200, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
  '{}', '{}', '{}', '{}'),
 (100201, '{NULL}', '{{NULL,NULL},{NULL,NULL}}', '{NaN,Infinity,-Infinity,-0,5e-324}',
  '{NaN,Infinity,-Infinity,0.000,-1.50}',
  '{"",NULL,"NULL","a b","q\"x","back\\slash",é,"{}"," x "}', '{"x,y",""}',
  '{t,f,NULL}', '{"\\x00ff",NULL,"\\x"}', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,NULL}',
  '{infinity,-infinity,0044-03-15 BC}', '{"2024-01-01 00:00:00+00",infinity,-infinity,NULL}',
  '{"1 day","-00:00:01",NULL}', '{"{\"a\": [1, 2]}",null,"\"s\""}',
  '{10.0.0.1/8,::1,NULL}', '{08:00:2b:01:02:03,NULL}', '{happy,"sad face","NULL","with\"quote"}',
  '{1,2,NULL}', '{A,b,NULL,""}'),
 (100202, '[0:1][-1:0]={{1,2},{3,NULL}}', '[-5:-4]={9223372036854775807,-9223372036854775808}',
  '{{{1,2}},{{3,4}},{{5,NULL}}}', '[2:2]={1e-1000}', '{{a,b},{c,NULL}}',
  '[-1:0]={"tab\there","new\nline"}', '[7:7]={t}', '{{"\\x00"},{NULL}}',
  '[0:0]={00000000-0000-0000-0000-000000000000}', '{{2024-01-01,NULL}}',
  '[3:3]={"4714-11-24 00:00:00+00 BC"}', '{{"1 mon",NULL},{"-1 day","00:00:00.000001"}}',
  '[0:1]={"[]","{}"}', '{{::,0.0.0.0/0}}', '[1:1]={ff:ff:ff:ff:ff:ff}', '[0:0]={happy}',
  '{{1},{NULL}}', '{{A},{NULL}}'),
 (100203, '{NULL,NULL,NULL}', NULL, NULL, NULL, '{null,Null,NULL}', NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, '{NULL}', NULL, NULL);

-- A row with every column NULL apart from its key.
INSERT INTO public.all_types (id) VALUES (100300);

ANALYZE public.all_types;
