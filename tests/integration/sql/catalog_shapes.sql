-- catalog inspect fixture: FK chains, a self-reference, two two-table cycles
-- (one DEFERRABLE, one not), two schemas, views, skipped objects, a
-- polymorphic pair and soft (implied) FKs. Every table stays empty and is
-- ANALYZEd by the test, so each estimate is 0 and the plan is fixed.
CREATE SCHEMA sales;

CREATE TABLE public.users (
    id serial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name varchar(80)
);
CREATE TABLE public.orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id integer NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
    customer_email text,
    total numeric(10,2) CONSTRAINT orders_total_check CHECK (total >= 0),
    total_cents bigint GENERATED ALWAYS AS ((total * 100)::bigint) STORED,
    created_at timestamptz DEFAULT now()
);
CREATE TABLE public.order_items (
    order_id bigint REFERENCES public.orders (id),
    line integer,
    sku varchar(32),
    PRIMARY KEY (order_id, line)
);
CREATE TABLE public.employees (
    id integer PRIMARY KEY,
    manager_id integer REFERENCES public.employees (id)
);

-- Cycle 1, deferrable on one side.
CREATE TABLE public.authors (id integer PRIMARY KEY, featured_book_id integer);
CREATE TABLE public.books (
    id integer PRIMARY KEY,
    author_id integer NOT NULL REFERENCES public.authors (id)
);
ALTER TABLE public.authors ADD CONSTRAINT authors_featured_book_fk
    FOREIGN KEY (featured_book_id) REFERENCES public.books (id) DEFERRABLE INITIALLY DEFERRED;

-- Cycle 2, not deferrable, across the second schema.
CREATE TABLE sales.accounts (id integer PRIMARY KEY, primary_contact_id integer NOT NULL);
CREATE TABLE sales.contacts (id integer PRIMARY KEY, account_id integer REFERENCES sales.accounts (id));
ALTER TABLE sales.accounts ADD CONSTRAINT accounts_primary_contact_fk
    FOREIGN KEY (primary_contact_id) REFERENCES sales.contacts (id) ON UPDATE SET NULL;

CREATE TABLE sales.invoices (
    id integer PRIMARY KEY,
    order_id bigint REFERENCES public.orders (id),
    buyer_email text
);

-- Polymorphic pair without an FK.
CREATE TABLE public.comments (
    id integer PRIMARY KEY,
    commentable_type varchar(50) NOT NULL,
    commentable_id bigint NOT NULL,
    body text COLLATE "C"
);

-- Indexes: non-unique, expression unique, partial unique.
CREATE INDEX orders_created_idx ON public.orders (created_at);
CREATE UNIQUE INDEX users_lower_email_idx ON public.users (lower(email));
CREATE UNIQUE INDEX comments_body_partial ON public.comments (body) WHERE body IS NOT NULL;

-- Views and skipped objects.
CREATE VIEW public.active_users AS SELECT id, email FROM public.users;
CREATE MATERIALIZED VIEW sales.invoice_totals AS SELECT count(*) AS n FROM sales.invoices;
CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER users_touch BEFORE UPDATE ON public.users
    FOR EACH ROW EXECUTE FUNCTION public.touch();
CREATE RULE orders_no_delete AS ON DELETE TO public.orders DO INSTEAD NOTHING;
ALTER TABLE public.comments ENABLE ROW LEVEL SECURITY;
CREATE POLICY comments_visible ON public.comments USING (true);
CREATE PUBLICATION catalog_pub FOR TABLE public.users;

-- Never part of the catalog.
CREATE SCHEMA _privaci;
CREATE TABLE _privaci.runs (id integer PRIMARY KEY);
