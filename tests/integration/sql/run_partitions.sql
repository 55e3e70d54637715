-- privaci run partition fixture: a range-partitioned table with 24 monthly
-- children, a list-partitioned one with a DEFAULT child and a hash-
-- partitioned one; each child holds its own rows (spec/streaming.md §1).
CREATE SCHEMA parts;
CREATE TABLE parts.sensors (id integer PRIMARY KEY, label text UNIQUE);
INSERT INTO parts.sensors SELECT g, 'sensor ' || g FROM generate_series(1, 20) g;

CREATE TABLE parts.readings (
    id        bigint NOT NULL,
    taken_on  date NOT NULL,
    sensor_id integer NOT NULL REFERENCES parts.sensors (id),
    value     numeric,
    PRIMARY KEY (id, taken_on)
) PARTITION BY RANGE (taken_on);
DO $$
DECLARE
    m date := DATE '2023-01-01';
BEGIN
    FOR i IN 0..23 LOOP
        EXECUTE format('CREATE TABLE parts.%I PARTITION OF parts.readings'
                       ' FOR VALUES FROM (%L) TO (%L)',
                       'readings_' || to_char(m, 'YYYY_MM'), m, m + INTERVAL '1 month');
        m := m + INTERVAL '1 month';
    END LOOP;
END
$$;
-- Uneven counts per month (one month stays empty).
INSERT INTO parts.readings
SELECT g, DATE '2023-01-01' + (g * 7919 % 730), 1 + g % 20, g / 7.0
FROM generate_series(1, 6000) g
WHERE (DATE '2023-01-01' + (g * 7919 % 730)) NOT BETWEEN DATE '2024-03-01' AND DATE '2024-03-31';

CREATE TABLE parts.accounts (
    id     integer NOT NULL,
    region text NOT NULL,
    name   text,
    PRIMARY KEY (id, region)
) PARTITION BY LIST (region);
CREATE TABLE parts.accounts_eu PARTITION OF parts.accounts FOR VALUES IN ('EU');
CREATE TABLE parts.accounts_us PARTITION OF parts.accounts FOR VALUES IN ('US', 'CA');
CREATE TABLE parts.accounts_other PARTITION OF parts.accounts DEFAULT;
INSERT INTO parts.accounts
SELECT g, (ARRAY['EU', 'US', 'CA', 'APAC', 'LATAM'])[1 + g % 5], 'acct ' || g
FROM generate_series(1, 1500) g;

-- Hash partitions: each child has the single-column PK (per-batch commits).
CREATE TABLE parts.sessions (id integer PRIMARY KEY, token text NOT NULL)
    PARTITION BY HASH (id);
CREATE TABLE parts.sessions_0 PARTITION OF parts.sessions FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TABLE parts.sessions_1 PARTITION OF parts.sessions FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TABLE parts.sessions_2 PARTITION OF parts.sessions FOR VALUES WITH (MODULUS 4, REMAINDER 2);
CREATE TABLE parts.sessions_3 PARTITION OF parts.sessions FOR VALUES WITH (MODULUS 4, REMAINDER 3);
INSERT INTO parts.sessions SELECT g, md5(g::text) FROM generate_series(1, 2345) g;
ANALYZE;
