-- privaci benchmark dataset (deterministic: every value is a function of the
-- row id, no random(), so two generations are byte-identical).
--
-- Run in an empty database:
--   psql -v users_rows=2000000 -v notes_rows=300000 -v wide_rows=500000 -f bench/dataset.sql
-- A table whose row count is 0 is not created (the RSS databases hold users only).
--
-- Tables are created, filled and given their primary key in one transaction
-- each: with wal_level = minimal the server then writes no WAL for the rows,
-- which keeps the 10M-row generation quick. The source needs the PK because
-- privaci reads `ORDER BY <pk>` (an index scan), as it would in production.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET max_parallel_maintenance_workers = 0;

\if :{?users_rows}
\else
  \set users_rows 2000000
\endif
\if :{?notes_rows}
\else
  \set notes_rows 300000
\endif
\if :{?wide_rows}
\else
  \set wide_rows 500000
\endif

SELECT :users_rows > 0 AS make_users, :notes_rows > 0 AS make_notes, :wide_rows > 0 AS make_wide
\gset

-- users: the narrow 10-column table of the headline measurement --------------
\if :make_users
BEGIN;
CREATE TABLE users (
  id          bigint PRIMARY KEY,
  email       text NOT NULL,
  first_name  text NOT NULL,
  last_name   text NOT NULL,
  phone       text,
  dob         date,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  balance     numeric(12,2) NOT NULL,
  active      boolean NOT NULL
);
ALTER TABLE users DROP CONSTRAINT users_pkey; -- re-added after the load (faster)
INSERT INTO users
SELECT i,
       lower(f) || '.' || lower(l) || i || '@example.' || (ARRAY['com','org','net','io'])[1 + i % 4],
       f, l,
       CASE WHEN i % 10 = 0 THEN NULL
            ELSE '+1-' || lpad((200 + i % 800)::text, 3, '0') || '-555-' || lpad(((i * 7919) % 10000)::text, 4, '0') END,
       -- birth dates 1940-01-01 .. 2008-12-31 (25,203 days), 4% NULL
       CASE WHEN i % 25 = 3 THEN NULL
            ELSE date '1940-01-01' + ((i * 104729) % 25203)::int END,
       c,
       c + ((i * 31) % 40000000) * interval '1 second',
       (((i * 2654435761) % 2000000000) - 500000000)::numeric / 100,
       i % 7 <> 0
FROM (
  SELECT i,
         (ARRAY['Olivia','Liam','Emma','Noah','Ava','Elijah','Sophia','James','Isabella','Lucas',
                'Mia','Mateo','Amelia','Ethan','Harper','Mason','Evelyn','Logan','Abigail','Aiden',
                'Emily','Jackson','Ella','Sebastian','Scarlett','Jack','Grace','Owen','Chloe','Samuel',
                'Nora','Henry','Lily','Wyatt','Hannah','Leo','Zoe','Julian','Layla','Ezra'])[1 + (i * 7) % 40] AS f,
         (ARRAY['Smith','Johnson','Williams','Brown','Jones','Garcia','Miller','Davis','Rodriguez',
                'Martinez','Hernandez','Lopez','Gonzalez','Wilson','Anderson','Thomas','Taylor','Moore',
                'Jackson','Martin','Lee','Perez','Thompson','White','Harris','Sanchez','Clark',
                'Ramirez','Lewis','Robinson','Walker','Young','Allen','King','Wright','Scott',
                'Torres','Nguyen','Hill','Flores','Green'])[1 + (i * 13) % 41] AS l,
         timestamptz '2015-01-01 00:00:00+00' + ((i * 7919) % 300000000) * interval '1 second' AS c
  FROM generate_series(1, :users_rows::bigint) AS i
) s;
ALTER TABLE users ADD PRIMARY KEY (id);
COMMIT;
\endif

-- notes: text-heavy, ~1 KB of prose per row ---------------------------------
\if :make_notes
BEGIN;
CREATE TABLE notes (
  id          bigint PRIMARY KEY,
  user_id     bigint NOT NULL,
  created_at  timestamptz NOT NULL,
  title       text NOT NULL,
  body        text NOT NULL
);
ALTER TABLE notes DROP CONSTRAINT notes_pkey;
INSERT INTO notes
SELECT i,
       1 + (i * 104729) % 2000000,
       timestamptz '2020-01-01 00:00:00+00' + ((i * 6007) % 100000000) * interval '1 second',
       'Note #' || i || ': ' || s[1 + i % 16],
       'Ticket ' || md5(i::text) || '. '
         || s[1 + i % 16] || ' ' || s[1 + (i / 16) % 16] || ' ' || s[1 + (i / 256) % 16] || ' '
         || s[1 + (i * 7) % 16] || ' ' || s[1 + (i * 11) % 16] || ' ' || s[1 + (i * 13) % 16] || ' '
         || s[1 + (i * 17) % 16] || ' ' || s[1 + (i * 19) % 16] || ' ' || s[1 + (i * 23) % 16] || ' '
         || s[1 + (i * 29) % 16] || ' ' || s[1 + (i * 31) % 16] || ' Follow-up by agent ' || (i % 97) || ' on day ' || (i % 365) || '.'
FROM generate_series(1, :notes_rows::bigint) AS i,
     LATERAL (SELECT ARRAY[
       'The patient called about the appointment that was moved to next Tuesday afternoon.',
       'Olivia Smith from Springfield asked whether her invoice could be split in two payments.',
       'Customer reports that the mobile app logs them out every time the screen is locked.',
       'Liam Johnson mentioned he now lives at 42 Oak Street, Riverside, and wants mail sent there.',
       'We replaced the faulty router; the connection has been stable for three days since.',
       'Escalated to the second line because the refund did not reach the card within ten days.',
       'Emma Garcia from Bristol says the prescription was not available at the local pharmacy.',
       'The follow-up visit is confirmed; bring the previous test results and the insurance card.',
       'Noah Brown asked us to update his phone number and to stop the marketing newsletters.',
       'A duplicate account was merged into the older one; the order history was preserved.',
       'The technician will arrive between nine and noon; the building code is at the front desk.',
       'Ava Miller complained about the waiting time and asked for a call back from a manager.',
       'Password reset link expired twice; a new one was sent and confirmed working this time.',
       'Elijah Davis from Salem needs a translated copy of the medical report for his employer.',
       'Shipment was delayed at the warehouse in Madison; the customer accepted a discount code.',
       'Closed after the customer confirmed that the issue no longer reproduces on version 4.2.'
     ] AS s) w;
ALTER TABLE notes ADD PRIMARY KEY (id);
COMMIT;
\endif

-- wide: jsonb, uuid, inet, arrays, floats, many columns ---------------------
\if :make_wide
BEGIN;
CREATE TABLE wide (
  id          bigint PRIMARY KEY,
  uid         uuid NOT NULL,
  parent_uid  uuid,
  client_ip   inet NOT NULL,
  subnet      cidr NOT NULL,
  mac         macaddr,
  created_at  timestamptz NOT NULL,
  day         date NOT NULL,
  score       double precision NOT NULL,
  ratio       real,
  amount      numeric(14,4) NOT NULL,
  qty         integer NOT NULL,
  kind        smallint NOT NULL,
  flag        boolean NOT NULL,
  tags        text[] NOT NULL,
  counts      integer[],
  attrs       jsonb NOT NULL,
  meta        jsonb,
  label       varchar(64) NOT NULL
);
ALTER TABLE wide DROP CONSTRAINT wide_pkey;
INSERT INTO wide
SELECT i,
       md5('u' || i)::uuid,
       CASE WHEN i % 5 = 0 THEN NULL ELSE md5('p' || (i / 5))::uuid END,
       ('10.' || (i >> 16) % 256 || '.' || (i >> 8) % 256 || '.' || i % 256)::inet,
       ('172.' || 16 + (i % 16) || '.' || (i >> 4) % 256 || '.0/24')::cidr,
       CASE WHEN i % 3 = 0 THEN NULL
            ELSE ('08:00:2b:' || lpad(to_hex((i >> 16) % 256), 2, '0') || ':'
                  || lpad(to_hex((i >> 8) % 256), 2, '0') || ':' || lpad(to_hex(i % 256), 2, '0'))::macaddr END,
       timestamptz '2022-01-01 00:00:00+00' + ((i * 7919) % 60000000) * interval '1 second',
       date '2020-01-01' + (i % 1500)::int,
       (i * 0.618033988749895) - floor(i * 0.618033988749895) + (i % 1000),
       CASE WHEN i % 4 = 0 THEN NULL ELSE ((i % 997) / 7.0)::real END,
       ((i * 48271) % 100000000)::numeric / 10000,
       (i * 16807) % 100000,
       (i % 32)::smallint,
       i % 2 = 0,
       ARRAY['tag' || i % 11, 'tag' || i % 13, 'grp' || i % 7],
       CASE WHEN i % 6 = 0 THEN NULL ELSE ARRAY[i % 10, i % 100, i % 1000, i % 10000] END,
       jsonb_build_object(
         'id', i,
         'name', (ARRAY['Olivia','Liam','Emma','Noah','Ava','Elijah','Sophia','James'])[1 + i % 8]
                 || ' ' || (ARRAY['Smith','Johnson','Garcia','Brown','Lee','Martin'])[1 + i % 6],
         'email', 'user' || i || '@example.com',
         'address', jsonb_build_object('street', (i % 999) || ' Main Street',
                                       'city', (ARRAY['Springfield','Riverside','Bristol','Salem','Madison'])[1 + i % 5],
                                       'zip', lpad((i % 99999)::text, 5, '0')),
         'prefs', jsonb_build_object('newsletter', i % 2 = 0, 'theme', (ARRAY['dark','light'])[1 + i % 2],
                                     'lang', (ARRAY['en','fr','de','es'])[1 + i % 4]),
         'scores', jsonb_build_array(i % 10, i % 100, i % 1000)),
       CASE WHEN i % 2 = 0 THEN NULL
            ELSE jsonb_build_object('source', 'import', 'batch', i / 1000, 'checked', i % 3 = 0) END,
       'label-' || to_hex(i * 2654435761)
FROM generate_series(1, :wide_rows::bigint) AS i;
ALTER TABLE wide ADD PRIMARY KEY (id);
COMMIT;
\endif

ANALYZE;
