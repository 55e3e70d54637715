-- catalog inspect fixture: identifiers with quotes, spaces, mixed case,
-- unicode and SQL keywords.
CREATE SCHEMA "Sales Data";
CREATE TABLE "Sales Data"."Order ""Items""" (
    "Id" integer PRIMARY KEY,
    "select" text,
    "naïve ünïcode" text,
    "from" integer
);
CREATE TABLE public."user" (id integer PRIMARY KEY, "Email" text UNIQUE);
CREATE TABLE public."日本" (
    id integer PRIMARY KEY,
    "ref" integer CONSTRAINT "fk ""quoted""" REFERENCES "Sales Data"."Order ""Items""" ("Id")
);
CREATE TABLE "Sales Data"."Table" (id serial PRIMARY KEY, "order" integer REFERENCES public."user" (id));
