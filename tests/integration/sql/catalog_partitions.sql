-- catalog inspect fixture: range (24 monthly children), list (with DEFAULT)
-- and hash partitioning, an FK from a partitioned parent, and one
-- sub-partitioned child.
CREATE TABLE public.sensors (id integer PRIMARY KEY, label text);

CREATE TABLE public.measurements (
    id bigint NOT NULL,
    taken_on date NOT NULL,
    sensor_id integer NOT NULL REFERENCES public.sensors (id),
    value integer,
    PRIMARY KEY (id, taken_on)
) PARTITION BY RANGE (taken_on);
DO $$
DECLARE
    m date := DATE '2023-01-01';
BEGIN
    FOR i IN 0..23 LOOP
        EXECUTE format('CREATE TABLE public.%I PARTITION OF public.measurements'
                       ' FOR VALUES FROM (%L) TO (%L)',
                       'measurements_' || to_char(m, 'YYYY_MM'), m, m + INTERVAL '1 month');
        m := m + INTERVAL '1 month';
    END LOOP;
END
$$;

CREATE TABLE public.customers (
    id integer NOT NULL,
    region text NOT NULL,
    PRIMARY KEY (id, region)
) PARTITION BY LIST (region);
CREATE TABLE public.customers_eu PARTITION OF public.customers FOR VALUES IN ('EU');
CREATE TABLE public.customers_us PARTITION OF public.customers FOR VALUES IN ('US');
CREATE TABLE public.customers_other PARTITION OF public.customers DEFAULT;

CREATE TABLE public.sessions (id integer PRIMARY KEY, token text) PARTITION BY HASH (id);
CREATE TABLE public.sessions_0 PARTITION OF public.sessions FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE public.sessions_1 PARTITION OF public.sessions FOR VALUES WITH (MODULUS 2, REMAINDER 1);

CREATE TABLE public.events (id integer, kind text, at date) PARTITION BY LIST (kind);
CREATE TABLE public.events_click PARTITION OF public.events FOR VALUES IN ('click')
    PARTITION BY RANGE (at);
CREATE TABLE public.events_click_2024 PARTITION OF public.events_click
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.events_view PARTITION OF public.events FOR VALUES IN ('view');
