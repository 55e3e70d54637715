-- privaci demo source: a fictional clinic + helpdesk.
--
-- Every name, address and note below is generated from small word lists
-- with a fixed random seed, so the data is fake but shaped like production:
-- 14 tables in 3 schemas, a 24-child range-partitioned events table, a
-- list-partitioned table, an FK cycle, a self-FK, a polymorphic pair, a soft
-- FK, views, a trigger, jsonb and free-text notes mentioning people and
-- places; about 200,000 rows. Run it in an empty database.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
SELECT setseed(0.42);

CREATE SCHEMA clinic;
CREATE SCHEMA helpdesk;
CREATE SCHEMA analytics;

CREATE EXTENSION IF NOT EXISTS citext;

-- Word lists the generator draws from.
CREATE TEMP TABLE first_names(i serial, v text);
INSERT INTO first_names(v) SELECT unnest(ARRAY['Olivia','Liam','Emma','Noah','Ava','Elijah',
  'Sophia','James','Isabella','Lucas','Mia','Mateo','Amelia','Ethan','Harper','Mason','Evelyn',
  'Logan','Abigail','Aiden','Emily','Jackson','Ella','Sebastian','Scarlett','Jack','Grace',
  'Owen','Chloe','Samuel','Nora','Henry','Lily','Wyatt','Hannah','Leo','Zoe','Julian','Layla',
  'Ezra','Aria','Isaac','Riley','Gabriel','Luna','Anthony','Stella','Dylan','Hazel','Caleb']);
CREATE TEMP TABLE last_names(i serial, v text);
INSERT INTO last_names(v) SELECT unnest(ARRAY['Smith','Johnson','Williams','Brown','Jones',
  'Garcia','Miller','Davis','Rodriguez','Martinez','Hernandez','Lopez','Gonzalez','Wilson',
  'Anderson','Thomas','Taylor','Moore','Jackson','Martin','Lee','Perez','Thompson','White',
  'Harris','Sanchez','Clark','Ramirez','Lewis','Robinson','Walker','Young','Allen','King',
  'Wright','Scott','Torres','Nguyen','Hill','Flores','Green','Adams','Nelson','Baker','Hall',
  'Rivera','Campbell','Mitchell','Carter','Roberts']);
CREATE TEMP TABLE cities(i serial, v text);
INSERT INTO cities(v) SELECT unnest(ARRAY['Springfield','Riverside','Franklin','Greenville',
  'Bristol','Clinton','Fairview','Salem','Madison','Georgetown','Arlington','Ashland',
  'Dover','Oxford','Jackson','Burlington','Manchester','Milton','Newport','Auburn']);

CREATE FUNCTION pick(tbl text, n int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  EXECUTE format('SELECT v FROM %I WHERE i = $1', tbl) INTO r USING n;
  RETURN r;
END $$;

-- clinic ------------------------------------------------------------------

CREATE TABLE clinic.departments (
  id          integer PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  head_doctor_id integer                       -- FK added below: a cycle with doctors
);

CREATE TABLE clinic.doctors (
  id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  department_id integer NOT NULL REFERENCES clinic.departments(id),
  mentor_id     integer REFERENCES clinic.doctors(id),        -- self-FK
  first_name    text NOT NULL,
  last_name     text NOT NULL,
  email         citext NOT NULL UNIQUE,
  phone         text
);

ALTER TABLE clinic.departments
  ADD CONSTRAINT departments_head_doctor_fk FOREIGN KEY (head_doctor_id)
  REFERENCES clinic.doctors(id) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE clinic.patients (
  id          bigserial PRIMARY KEY,
  mrn         text NOT NULL UNIQUE,
  first_name  text NOT NULL,
  last_name   text NOT NULL,
  email       text UNIQUE,
  phone       text,
  ssn         text,
  dob         date,
  street      text,
  city        text,
  postcode    text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  profile     jsonb
);

CREATE TABLE clinic.appointments (
  id          bigserial PRIMARY KEY,
  patient_id  bigint NOT NULL REFERENCES clinic.patients(id),
  doctor_id   integer NOT NULL REFERENCES clinic.doctors(id),
  starts_at   timestamptz NOT NULL,
  status      text NOT NULL CHECK (status IN ('booked','done','cancelled','no_show')),
  notes       text
);

CREATE TABLE clinic.prescriptions (
  id             bigserial PRIMARY KEY,
  appointment_id bigint NOT NULL REFERENCES clinic.appointments(id),
  drug           text NOT NULL,
  dose_mg        numeric(8,2) NOT NULL,
  refills        smallint NOT NULL DEFAULT 0
);

CREATE TABLE clinic.invoices (
  id          bigserial PRIMARY KEY,
  patient_id  bigint NOT NULL REFERENCES clinic.patients(id),
  amount      numeric(12,2) NOT NULL,
  currency    char(3) NOT NULL DEFAULT 'USD',
  card_number text,
  paid        boolean NOT NULL DEFAULT false,
  issued_on   date NOT NULL
);

-- List-partitioned by region.
CREATE TABLE clinic.lab_results (
  id          bigint NOT NULL,
  region      text NOT NULL,
  patient_id  bigint NOT NULL REFERENCES clinic.patients(id),
  test_code   text NOT NULL,
  value       double precision,
  taken_at    timestamptz NOT NULL,
  PRIMARY KEY (id, region)
) PARTITION BY LIST (region);
CREATE TABLE clinic.lab_results_east  PARTITION OF clinic.lab_results FOR VALUES IN ('east');
CREATE TABLE clinic.lab_results_west  PARTITION OF clinic.lab_results FOR VALUES IN ('west');
CREATE TABLE clinic.lab_results_north PARTITION OF clinic.lab_results FOR VALUES IN ('north');
CREATE TABLE clinic.lab_results_other PARTITION OF clinic.lab_results DEFAULT;

-- helpdesk ----------------------------------------------------------------

CREATE TABLE helpdesk.agents (
  id          serial PRIMARY KEY,
  username    text NOT NULL UNIQUE,
  full_name   text NOT NULL,
  email       text NOT NULL UNIQUE,
  ip_address  inet
);

CREATE TABLE helpdesk.tickets (
  id          bigserial PRIMARY KEY,
  patient_id  bigint REFERENCES clinic.patients(id),
  agent_id    integer REFERENCES helpdesk.agents(id),
  subject     text NOT NULL,
  body        text NOT NULL,
  opened_at   timestamptz NOT NULL,
  closed_at   timestamptz,
  tags        text[]
);

-- Polymorphic pair: commentable_type + commentable_id, no FK.
CREATE TABLE helpdesk.comments (
  id               bigserial PRIMARY KEY,
  commentable_type text NOT NULL,
  commentable_id   bigint NOT NULL,
  author_agent_id  integer REFERENCES helpdesk.agents(id),
  body             text NOT NULL,
  created_at       timestamptz NOT NULL
);

-- Soft FK: patient_email refers to clinic.patients.email without a constraint.
CREATE TABLE helpdesk.satisfaction_surveys (
  id             bigserial PRIMARY KEY,
  ticket_id      bigint NOT NULL REFERENCES helpdesk.tickets(id),
  patient_email  text,
  score          smallint CHECK (score BETWEEN 1 AND 5),
  answers        jsonb
);

-- analytics ---------------------------------------------------------------

-- Range-partitioned by month: 24 children.
CREATE TABLE analytics.events (
  id          bigint NOT NULL,
  occurred_at timestamptz NOT NULL,
  patient_id  bigint,
  kind        text NOT NULL,
  payload     jsonb,
  session_id  uuid NOT NULL,
  PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);

DO $$
DECLARE m date := date '2024-01-01';
BEGIN
  FOR k IN 0..23 LOOP
    EXECUTE format('CREATE TABLE analytics.%I PARTITION OF analytics.events '
                   'FOR VALUES FROM (%L) TO (%L)',
                   'events_' || to_char(m + make_interval(months => k), 'YYYY_MM'),
                   m + make_interval(months => k), m + make_interval(months => k + 1));
  END LOOP;
END $$;

CREATE TABLE analytics.page_views (
  viewed_at   timestamptz NOT NULL,
  path        text NOT NULL,
  visitor_ip  inet,
  user_agent  text
);                                   -- no primary key at all

-- Views and a trigger (not replicated; reported as skipped objects).
CREATE VIEW clinic.upcoming_appointments AS
  SELECT a.id, p.last_name, a.starts_at FROM clinic.appointments a
  JOIN clinic.patients p ON p.id = a.patient_id WHERE a.status = 'booked';
CREATE MATERIALIZED VIEW analytics.daily_event_counts AS
  SELECT date_trunc('day', occurred_at) AS day, count(*) AS n FROM analytics.events GROUP BY 1;

CREATE FUNCTION helpdesk.touch_closed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.closed_at IS NULL AND OLD.closed_at IS NOT NULL THEN
    NEW.closed_at := OLD.closed_at;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER tickets_keep_closed BEFORE UPDATE ON helpdesk.tickets
  FOR EACH ROW EXECUTE FUNCTION helpdesk.touch_closed();

CREATE INDEX appointments_starts_at_idx ON clinic.appointments (starts_at);
CREATE INDEX tickets_patient_idx ON helpdesk.tickets (patient_id);

-- Data -------------------------------------------------------------------

INSERT INTO clinic.departments(id, name)
SELECT i, (ARRAY['Cardiology','Dermatology','Neurology','Oncology','Pediatrics',
                 'Radiology','Orthopedics','Psychiatry'])[i]
FROM generate_series(1, 8) i;

INSERT INTO clinic.doctors(department_id, mentor_id, first_name, last_name, email, phone)
SELECT 1 + (i % 8), NULL,
       pick('first_names', 1 + (i * 7) % 50), pick('last_names', 1 + (i * 13) % 50),
       format('dr.%s.%s%s@clinic.example', lower(pick('first_names', 1 + (i * 7) % 50)),
              lower(pick('last_names', 1 + (i * 13) % 50)), i),
       format('+1-555-%s', lpad((1000 + i)::text, 4, '0'))
FROM generate_series(1, 60) i;
UPDATE clinic.doctors SET mentor_id = 1 + (id % 10) WHERE id > 10;
UPDATE clinic.departments d SET head_doctor_id = d.id;

INSERT INTO clinic.patients(mrn, first_name, last_name, email, phone, ssn, dob, street, city,
                            postcode, created_at, profile)
SELECT format('MRN%08s', i),
       pick('first_names', f), pick('last_names', l),
       format('%s.%s%s@mail.example', lower(pick('first_names', f)),
              lower(pick('last_names', l)), i),
       format('+1 (%s) 555-%s', 200 + i % 700, lpad((i % 10000)::text, 4, '0')),
       format('%s-%s-%s', lpad((100 + i % 800)::text, 3, '0'),
              lpad((10 + i % 89)::text, 2, '0'), lpad((1000 + i % 8999)::text, 4, '0')),
       date '1940-01-01' + (i * 37) % 25000,
       format('%s %s Street', 1 + i % 999, pick('last_names', 1 + (i * 3) % 50)),
       pick('cities', 1 + i % 20),
       lpad((10000 + (i * 17) % 89999)::text, 5, '0'),
       timestamptz '2023-01-01 00:00:00+00' + make_interval(mins => i * 11),
       jsonb_build_object('emergency_contact',
                          pick('first_names', 1 + (i * 5) % 50) || ' ' ||
                          pick('last_names', 1 + (i * 11) % 50),
                          'language', (ARRAY['en','es','fr','de'])[1 + i % 4],
                          'newsletter', i % 3 = 0)
FROM generate_series(1, 20000) i,
     LATERAL (SELECT 1 + (i * 7 + 3) % 50 AS f, 1 + (i * 31 + 5) % 50 AS l) n;

INSERT INTO clinic.appointments(patient_id, doctor_id, starts_at, status, notes)
SELECT 1 + (i * 7) % 20000, 1 + i % 60,
       timestamptz '2024-01-01 08:00:00+00' + make_interval(hours => i * 3),
       (ARRAY['booked','done','cancelled','no_show'])[1 + i % 4],
       CASE WHEN i % 3 = 0 THEN
         format('%s %s came in from %s complaining of headaches; spoke with Dr. %s.',
                pick('first_names', 1 + (i * 7) % 50), pick('last_names', 1 + (i * 3) % 50),
                pick('cities', 1 + i % 20), pick('last_names', 1 + (i * 13) % 50))
       END
FROM generate_series(1, 40000) i;

INSERT INTO clinic.prescriptions(appointment_id, drug, dose_mg, refills)
SELECT 1 + (i * 3) % 40000,
       (ARRAY['amoxicillin','ibuprofen','metformin','lisinopril','atorvastatin'])[1 + i % 5],
       (5 + i % 500) / 2.0, i % 4
FROM generate_series(1, 20000) i;

INSERT INTO clinic.invoices(patient_id, amount, card_number, paid, issued_on)
SELECT 1 + (i * 13) % 20000, (i % 90000) / 100.0 + 10,
       CASE WHEN i % 2 = 0 THEN '4' || lpad(((i * 7919) % 1000000000000000)::text, 15, '0') END,
       i % 3 <> 0, date '2024-01-01' + i % 700
FROM generate_series(1, 20000) i;

INSERT INTO clinic.lab_results(id, region, patient_id, test_code, value, taken_at)
SELECT i, (ARRAY['east','west','north','south'])[1 + i % 4], 1 + (i * 17) % 20000,
       (ARRAY['HBA1C','LDL','HDL','TSH','CRP'])[1 + i % 5], (i % 1000) / 10.0,
       timestamptz '2024-02-01 00:00:00+00' + make_interval(mins => i * 29)
FROM generate_series(1, 20000) i;

INSERT INTO helpdesk.agents(username, full_name, email, ip_address)
SELECT format('agent%s', i), pick('first_names', 1 + (i * 3) % 50) || ' ' ||
       pick('last_names', 1 + (i * 7) % 50),
       format('agent%s@helpdesk.example', i), format('10.1.%s.%s', i / 250, 1 + i % 250)::inet
FROM generate_series(1, 40) i;

INSERT INTO helpdesk.tickets(patient_id, agent_id, subject, body, opened_at, closed_at, tags)
SELECT CASE WHEN i % 10 = 0 THEN NULL ELSE 1 + (i * 11) % 20000 END, 1 + i % 40,
       (ARRAY['Billing question','Portal login','Appointment change','Prescription refill'])
         [1 + i % 4],
       format('Hi, this is %s %s from %s. Please call me back at +1 555 %s.',
              pick('first_names', 1 + (i * 3) % 50), pick('last_names', 1 + (i * 19) % 50),
              pick('cities', 1 + (i * 7) % 20), lpad((i % 10000)::text, 4, '0')),
       timestamptz '2024-03-01 00:00:00+00' + make_interval(mins => i * 37),
       CASE WHEN i % 4 <> 0 THEN timestamptz '2024-03-02 00:00:00+00' +
                                 make_interval(mins => i * 37) END,
       ARRAY[(ARRAY['billing','portal','urgent','refill'])[1 + i % 4]]
FROM generate_series(1, 15000) i;

INSERT INTO helpdesk.comments(commentable_type, commentable_id, author_agent_id, body,
                              created_at)
SELECT CASE WHEN i % 2 = 0 THEN 'ticket' ELSE 'appointment' END,
       CASE WHEN i % 2 = 0 THEN 1 + i % 15000 ELSE 1 + i % 40000 END,
       1 + i % 40,
       format('Followed up with %s about %s.', pick('first_names', 1 + (i * 23) % 50),
              pick('cities', 1 + i % 20)),
       timestamptz '2024-03-05 00:00:00+00' + make_interval(mins => i * 41)
FROM generate_series(1, 15000) i;

INSERT INTO helpdesk.satisfaction_surveys(ticket_id, patient_email, score, answers)
SELECT 1 + (i * 3) % 15000, p.email, 1 + i % 5,
       jsonb_build_object('recommend', i % 2 = 0, 'comment',
                          'Thanks ' || pick('first_names', 1 + i % 50))
FROM generate_series(1, 8000) i
JOIN clinic.patients p ON p.id = 1 + (i * 29) % 20000;

INSERT INTO analytics.events(id, occurred_at, patient_id, kind, payload, session_id)
SELECT i, timestamptz '2024-01-01 00:00:00+00' + make_interval(secs => (i * 1213) % 63000000),
       CASE WHEN i % 5 = 0 THEN NULL ELSE 1 + (i * 7) % 20000 END,
       (ARRAY['login','view','search','logout'])[1 + i % 4],
       jsonb_build_object('page', '/p/' || (i % 300), 'ms', i % 900),
       md5(i::text)::uuid
FROM generate_series(1, 30000) i;

INSERT INTO analytics.page_views(viewed_at, path, visitor_ip, user_agent)
SELECT timestamptz '2024-01-01 00:00:00+00' + make_interval(secs => i * 97),
       '/p/' || (i % 300), format('192.0.2.%s', 1 + i % 254)::inet,
       (ARRAY['Mozilla/5.0','curl/8.0','Safari/17'])[1 + i % 3]
FROM generate_series(1, 12000) i;

REFRESH MATERIALIZED VIEW analytics.daily_event_counts;
DROP FUNCTION pick(text, int);
ANALYZE;
