"""The COPY binary codecs of src/copy against the real server
(streaming.md §3, masking.md §2 and §4.1).

tools/copy_tool drives the C code: `decode` turns the server's
`COPY … TO STDOUT (FORMAT binary)` into text, `encode` turns text COPY rows
into binary COPY, `passthrough` re-writes tuples cell by cell.

Oracles:
  - decode (output rendering) == the server's own text COPY of the table,
    byte for byte (every type's output function);
  - decode (cast rendering) == `COPY (SELECT col::text, …)`;
  - encode(the server's text) == the server's binary COPY, byte for byte,
    and the server accepts it (COPY FROM, then row text compared);
  - masking input text == what the original (Python, psycopg) rendered,
    computed here with Python's own str()/repr();
  - the masking.md §4.1 input forms encode to the server's bytes for the
    canonical value.

Column types reach copy_tool as pv_type_info rows, produced by running
PV_TYPE_INFO_SQL copied verbatim out of src/copy/codec.h, so the catalog
query is tested too.
"""

from __future__ import annotations

import datetime
import math
import os
import random
import re
import struct
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from psycopg import sql

REPO = Path(__file__).resolve().parents[2]
DB = "codecs"

SESSION = [
    "SET DateStyle = 'ISO, MDY'",
    "SET IntervalStyle = postgres",
    "SET TimeZone = 'UTC'",
    "SET extra_float_digits = 3",
    "SET bytea_output = hex",
    "SET lc_monetary = 'C'",
    "SET client_encoding = 'UTF8'",
]

SCHEMA = r"""
CREATE EXTENSION citext;
CREATE TYPE mood AS ENUM ('happy', 'sad face', 'NULL', 'with"quote');
CREATE DOMAIN posint AS int4 CHECK (VALUE > 0);
CREATE DOMAIN smallpos AS posint CHECK (VALUE < 1000);
CREATE DOMAIN intlist AS int4[];
"""

class Raw(str):
    """An SQL expression instead of a literal."""


def literal(value):
    if isinstance(value, Raw):
        return sql.SQL(value)
    return sql.Literal(value)


# column name -> (declared type, literal values; None = NULL)
COLUMNS: dict[str, tuple[str, list]] = {
    "c_bool": ("bool", ["true", "false", None]),
    "c_int2": ("int2", ["-32768", "32767", "0", "-1"]),
    "c_int4": ("int4", ["-2147483648", "2147483647", "0", "42"]),
    "c_int8": ("int8", ["-9223372036854775808", "9223372036854775807", "0"]),
    "c_oid": ("oid", ["0", "4294967295", "16384"]),
    "c_float4": ("float4", ["NaN", "Infinity", "-Infinity", "0", "-0", "1.17549435e-38",
                            "1e-45", "3.4028235e38", "0.1", "1e6", "123456", "1e-5",
                            "100000", "0.3333333", "16777217"]),
    "c_float8": ("float8", ["NaN", "Infinity", "-Infinity", "-0", "5e-324",
                            "2.2250738585072014e-308", "1.7976931348623157e308", "0.1",
                            "1e15", "1e16", "123456789012345", "1e-4", "1e-5", "100",
                            "9007199254740993", "0.30000000000000004", "2.5e-310",
                            "4.35", "1e22", "1e23"]),
    "c_numeric": ("numeric", ["NaN", "Infinity", "-Infinity", "0", "0.000", "-12.50",
                              "123456789.000000001", "-0.0000000001",
                              "1" + "0" * 1000, "0." + "0" * 200 + "1",
                              "9" * 40 + "." + "9" * 40, "1e-20", "100000000"]),
    "c_numeric_neg_scale": ("numeric(5,-2)", ["12345", "-9999949", "0"]),
    "c_money": ("money", ["-92233720368547758.08", "92233720368547758.07", "0", "1234.56",
                          "-0.01"]),
    "c_text": ("text", ["", "plain", "tab\there\nnew line\\back\rslash", "héllo wörld ✓ 😀",
                        "NULL", "  spaced  ", "\\N", "quote\"s {and} commas,"]),
    "c_varchar": ("varchar(10)", ["", "ten chars!", "é"]),
    "c_bpchar": ("char(5)", ["ab", "", "abcde", " x"]),
    "c_name": ("name", ["pg_catalog", "x" * 63, ""]),
    "c_citext": ("citext", ["MiXeD CaSe", ""]),
    "c_bytea": ("bytea", ["", "\\x00ff10", "\\x" + "ab" * 300]),
    "c_uuid": ("uuid", ["00000000-0000-0000-0000-000000000000",
                        "ffffffff-ffff-ffff-ffff-ffffffffffff",
                        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]),
    "c_date": ("date", ["infinity", "-infinity", "4714-11-24 BC", "5874897-12-31", "2000-01-01",
                        "0001-01-01", "0044-03-15 BC", "2024-02-29", "1999-12-31",
                        "0001-12-31 BC"]),
    "c_time": ("time", ["00:00:00", "24:00:00", "23:59:59.999999", "12:30:00.5",
                        "00:00:00.000001"]),
    "c_timetz": ("timetz", ["00:00:00+15:59", "24:00:00-15:59", "12:00:00+05:30",
                            "12:00:00-08:00:01", "12:00:00+00", "23:59:59.999999-00:30"]),
    "c_timestamp": ("timestamp", ["infinity", "-infinity", "4714-11-24 00:00:00 BC",
                                  "294276-12-31 23:59:59.999999", "2000-01-01",
                                  "1999-12-31 23:59:59.999999", "0001-01-01 00:00:00",
                                  "1900-02-28 12:00", "0044-03-15 12:00:00.25 BC",
                                  "2024-06-01 10:20:30.123"]),
    "c_timestamptz": ("timestamptz", ["infinity", "-infinity", "4714-11-24 00:00:00+00 BC",
                                      "294276-12-31 23:59:59.999999+00",
                                      "2024-06-01 10:20:30+02", "1969-12-31 23:59:59.5-01",
                                      "0001-01-01 00:00:00+00", "1000-01-01 00:00:00+00 BC"]),
    "c_interval": ("interval", ["0", "1 year 2 mons 3 days 04:05:06.5",
                                "178956970 years 7 mons 2147483647 days "
                                "2562047788:00:54.775807",
                                # PostgreSQL 15 cannot read its own minimum back
                                Raw("'-178956970 years -8 mons -2147483648 days "
                                    "-2562047788:00:54.775807'::interval"
                                    " - '00:00:00.000001'::interval"),
                                "1 day -1 hour", "-1 days +1 hours", "-1 mon +1 day -00:00:01",
                                "00:00:00.000001", "1 mon", "-00:00:00.5"]),
    "c_json": ("json", ['{"b":1,   "a":[1,2]}', '"str"', "null", "[]", '  {"x": "\\u00e9"} ']),
    "c_jsonb": ("jsonb", ['{"b":1, "a":[1, 2.50, "x"]}', "{}", '"\\u00e9"', "null",
                          '{"deep": {"x": [true, false, 1e400]}}', '"tab\\there"']),
    "c_xml": ("xml", ['<a b="1">text &amp; more</a>', "", "plain text"]),
    "c_inet": ("inet", ["0.0.0.0", "255.255.255.255/32", "10.1.2.3/8", "::", "::1",
                        "::ffff:1.2.3.4", "2001:db8::/32", "fe80::1/64", "1:0:0:2:0:0:0:3",
                        "0:2:3:4:5:6:7:8", "::1.2.3.4", "1::", "1:2:3:4:5:6:7:8/128",
                        "::ffff:0:0", "0:0:0:0:0:ffff:102:304"]),
    "c_cidr": ("cidr", ["0.0.0.0/0", "10.0.0.0/8", "192.168.1.0/24", "::/0", "2001:db8::/32",
                        "255.255.255.255/32", "128.1.0.0/16"]),
    "c_macaddr": ("macaddr", ["08:00:2b:01:02:03", "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00"]),
    "c_macaddr8": ("macaddr8", ["08:00:2b:01:02:03:04:05", "08:00:2b:ff:fe:01:02:03"]),
    "c_mood": ("mood", ["happy", "sad face", "NULL", 'with"quote']),
    "c_posint": ("posint", ["1", "2147483647"]),
    "c_smallpos": ("smallpos", ["999"]),
    "c_a_int4": ("int4[]", ["{}", "{1,NULL,3}", "{{1,2},{3,NULL}}", "[0:1][-1:0]={{1,2},{3,4}}",
                            "{{{1,2}},{{3,4}},{{5,6}}}", "{NULL}", "[5:5]={7}"]),
    "c_a_text": ("text[]", ['{"",NULL,"NULL","a b","q\\"x","back\\\\slash",é,"{}"," x "}',
                            "{{a,b},{c,d}}", '{"tab\there","new\nline"}', "{null,Null}"]),
    "c_a_bool": ("bool[]", ["{t,f,NULL}"]),
    "c_a_float8": ("float8[]", ["{NaN,Infinity,-0,0.1,1e300}"]),
    "c_a_numeric": ("numeric[]", ["{1.50,NaN,-Infinity,0.000}"]),
    "c_a_tstz": ("timestamptz[]", ['{"2024-01-01 00:00:00+00",infinity,NULL}']),
    "c_a_date": ("date[]", ["{2024-01-01,-infinity,0044-03-15 BC}"]),
    "c_a_interval": ("interval[]", ['{"1 day","-00:00:01",NULL}']),
    "c_a_jsonb": ("jsonb[]", ['{"{\\"a\\": [1, 2]}",null,"\\"s\\""}']),
    "c_a_bytea": ("bytea[]", ['{"\\\\x00ff",NULL,"\\\\x"}']),
    "c_a_uuid": ("uuid[]", ["{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,NULL}"]),
    "c_a_inet": ("inet[]", ["{10.0.0.1/8,::1,NULL}"]),
    "c_a_cidr": ("cidr[]", ["{10.0.0.0/8}"]),
    "c_a_mood": ("mood[]", ['{happy,"sad face","NULL","with\\"quote"}']),
    "c_a_posint": ("posint[]", ["{1,2,NULL}"]),
    "c_a_citext": ("citext[]", ["{A,b}"]),
    "c_a_bpchar": ("char(3)[]", ['{a,"",abc}']),
    "c_a_money": ("money[]", ["{1.50,-2}"]),
    "c_a_varchar": ("varchar[]", ['{"x,y",z}']),
    "c_a_time": ("time[]", ["{24:00:00,00:00:00.5}"]),
    "c_a_timetz": ("timetz[]", ['{"12:00:00+05:30"}']),
    "c_a_ts": ("timestamp[]", ['{"2000-01-01 00:00:00",-infinity}']),
    "c_a_macaddr": ("macaddr[]", ["{08:00:2b:01:02:03}"]),
    "c_a_macaddr8": ("macaddr8[]", ["{08:00:2b:01:02:03:04:05}"]),
    "c_a_int2": ("int2[]", ["{-32768,32767}"]),
    "c_a_int8": ("int8[]", ["{-9223372036854775808}"]),
    "c_a_oid": ("oid[]", ["{4294967295}"]),
    "c_a_float4": ("float4[]", ["{0.1,NaN}"]),
    "c_a_name": ("name[]", ['{pg_catalog,""}']),
    "c_a_json": ("json[]", ['{"{\\"a\\":1}","[ ]"}']),
    "c_a_xml": ("xml[]", ['{"<a/>"}']),
    "c_intlist": ("intlist", ["{1,2}", "{}"]),
}

# Each column also holds one NULL and, for text-like types, an empty string
# (above); rows are padded with NULLs.
NROWS = max(len(v) for _, v in COLUMNS.values()) + 1


def _copy_tool() -> Path:
    binary = Path(os.environ.get("PRIVACI_BIN") or REPO / "build" / "privaci")
    tool = binary.parent / "tests" / "integration" / "tools" / "copy_tool"
    if not tool.is_file():
        pytest.fail(f"copy_tool not found at {tool}; build it with `ninja -C build`",
                    pytrace=False)
    return tool


def run_tool(args: list[str], data: bytes) -> bytes:
    proc = subprocess.run([str(_copy_tool()), *args], input=data, capture_output=True,
                          timeout=120)
    assert proc.returncode == 0, f"copy_tool {args[:2]} failed: {proc.stderr.decode()}"
    return proc.stdout


def type_info_sql() -> str:
    """PV_TYPE_INFO_SQL out of codec.h, with $1 as a psycopg placeholder."""
    header = (REPO / "src" / "copy" / "codec.h").read_text(encoding="utf-8")
    body = header.split("#define PV_TYPE_INFO_SQL", 1)[1]
    parts = []
    for line in body.splitlines()[1:]:
        parts.extend(re.findall(r'"((?:[^"\\]|\\.)*)"', line))
        if not line.rstrip().endswith("\\"):
            break
    return "".join(parts).replace("$1", "%s")


def session(conn):
    for stmt in SESSION:
        conn.execute(stmt)
    return conn


def copy_out(conn, query: str) -> bytes:
    with conn.cursor().copy(query) as cp:
        return b"".join(bytes(chunk) for chunk in cp)


def copy_in(conn, query: str, data: bytes) -> None:
    with conn.cursor().copy(query) as cp:
        cp.write(data)


@pytest.fixture(scope="module")
def db(source_cluster):
    source_cluster.drop_db(DB)
    source_cluster.create_db(DB)
    with source_cluster.connect(DB) as conn:
        conn.execute(SCHEMA)
        cols = ", ".join(f"{name} {decl}" for name, (decl, _) in COLUMNS.items())
        conn.execute(f"CREATE TABLE vals (id int PRIMARY KEY, {cols})")
        conn.execute("CREATE TABLE vals_in (LIKE vals)")
        for row in range(NROWS):
            names = [sql.Identifier("id")]
            values = [sql.Literal(row)]
            for name, (_decl, lits) in COLUMNS.items():
                names.append(sql.Identifier(name))
                values.append(literal(lits[row] if row < len(lits) else None))
            conn.execute(sql.SQL("INSERT INTO vals ({}) VALUES ({})").format(
                sql.SQL(", ").join(names), sql.SQL(", ").join(values)))
    return source_cluster


def column_types(conn, table: str) -> list[str]:
    """copy_tool type arguments for the table's columns, via PV_TYPE_INFO_SQL."""
    oids = [r[0] for r in conn.execute(
        "SELECT atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
        " AND NOT attisdropped ORDER BY attnum", (table,))]
    info = {}
    for row in conn.execute(type_info_sql(), (list(set(oids)),)):
        type_oid, base_oid, base_typtype, base_name, elem_oid, elem_base, elem_typtype, \
            elem_name, _binary_io = row
        spec = f"{base_oid}:{base_typtype}:{base_name}"
        if elem_oid:
            spec += f":{elem_oid}:{elem_base}:{elem_typtype}:{elem_name}"
        info[type_oid] = spec
    return [info[o] for o in oids]


def diff_cells(ours: bytes, theirs: bytes, names: list[str]) -> str:
    """The first mismatching cells, for a readable failure."""
    lines_a = ours.decode("utf-8", "replace").split("\n")
    lines_b = theirs.decode("utf-8", "replace").split("\n")
    out = []
    for r, (la, lb) in enumerate(zip(lines_a, lines_b)):
        for c, (a, b) in enumerate(zip(la.split("\t"), lb.split("\t"))):
            if a != b:
                out.append(f"row {r} {names[c] if c < len(names) else c}: ours {a[:120]!r}"
                           f" server {b[:120]!r}")
    if len(lines_a) != len(lines_b):
        out.append(f"{len(lines_a)} lines vs {len(lines_b)}")
    return "\n".join(out[:20]) or "(same cells, different bytes)"


def all_names():
    return ["id", *COLUMNS]


# ------------------------------------------------------------ decoding


@pytest.mark.parametrize("chunk", [65536, 7])
def test_decode_output_equals_server_text_copy(db, chunk):
    with session(db.connect(DB)) as conn:
        binary = copy_out(conn, "COPY vals TO STDOUT (FORMAT binary)")
        text = copy_out(conn, "COPY vals TO STDOUT")
        types = column_types(conn, "vals")
    ours = run_tool(["--chunk", str(chunk), "decode", "output", *types], binary)
    assert ours == text, diff_cells(ours, text, all_names())


def test_decode_cast_equals_text_cast(db):
    with session(db.connect(DB)) as conn:
        binary = copy_out(conn, "COPY vals TO STDOUT (FORMAT binary)")
        casts = ", ".join(f"{c}::text" for c in all_names())
        text = copy_out(conn, f"COPY (SELECT {casts} FROM vals) TO STDOUT")
        types = column_types(conn, "vals")
    ours = run_tool(["decode", "cast", *types], binary)
    assert ours == text, diff_cells(ours, text, all_names())


def test_type_info_query_resolves_domains_enums_arrays(db):
    names = ("smallpos", "posint", "posint[]", "intlist", "mood", "mood[]", "citext",
             "int4range", "int4")
    with db.connect(DB) as conn:
        oid = {n: conn.execute("SELECT %s::regtype::oid", (n,)).fetchone()[0] for n in names}
        rows = {r[0]: r[1:] for r in conn.execute(type_info_sql(), (list(oid.values()),))}
    # (base_oid, base_typtype, base_name, elem_oid, elem_base_oid, elem_typtype, elem_name,
    #  binary_io)
    assert rows[oid["smallpos"]] == (23, "b", "int4", 0, 0, None, None, True)  # domain of domain
    assert rows[oid["posint[]"]][3:] == (oid["posint"], 23, "b", "int4", True)  # array of domain
    assert rows[oid["intlist"]] == (1007, "b", "_int4", 23, 23, "b", "int4", True)
    assert rows[oid["mood"]][1:3] == ("e", "mood")
    assert rows[oid["mood[]"]][3:] == (oid["mood"], oid["mood"], "e", "mood", True)
    assert rows[oid["citext"]][1:3] == ("b", "citext")
    assert rows[oid["int4range"]][1:4] == ("r", "int4range", 0)
    assert rows[oid["int4"]] == (23, "b", "int4", 0, 0, None, None, True)


def test_type_info_query_sees_types_without_binary_io(db):
    """A base type with only input/output functions — and a domain over it,
    and arrays of both — cannot travel in binary COPY (streaming.md §4)."""
    with db.connect(DB) as conn:
        conn.execute("""
            DROP TYPE IF EXISTS textonly CASCADE;
            CREATE TYPE textonly;
            CREATE FUNCTION textonly_in(cstring) RETURNS textonly
                AS 'textin' LANGUAGE internal IMMUTABLE STRICT;
            CREATE FUNCTION textonly_out(textonly) RETURNS cstring
                AS 'textout' LANGUAGE internal IMMUTABLE STRICT;
            CREATE TYPE textonly (INPUT = textonly_in, OUTPUT = textonly_out, LIKE = text);
            CREATE DOMAIN textonly_dom AS textonly;
        """)
        names = ("textonly", "textonly[]", "textonly_dom", "textonly_dom[]", "text[]")
        oid = {n: conn.execute("SELECT %s::regtype::oid", (n,)).fetchone()[0] for n in names}
        rows = {r[0]: r[1:] for r in conn.execute(type_info_sql(), (list(oid.values()),))}
        conn.execute("DROP TYPE textonly CASCADE")
    assert [rows[oid[n]][-1] for n in names] == [False, False, False, False, True]


def test_random_floats_match_server(db):
    """Shortest round-trip output on random bit patterns and powers of two."""
    rng = random.Random(20240601)
    doubles = [struct.unpack(">d", rng.getrandbits(64).to_bytes(8, "big"))[0]
               for _ in range(3000)]
    doubles += [math.ldexp(1.0, e) for e in range(-1074, 1024)]
    doubles += [rng.uniform(-1e6, 1e6) for _ in range(500)]
    doubles = [d for d in doubles if not math.isnan(d)]
    floats = [struct.unpack(">f", rng.getrandbits(32).to_bytes(4, "big"))[0]
              for _ in range(3000)]
    floats += [math.ldexp(1.0, e) for e in range(-149, 128)]
    floats = [f for f in floats if not math.isnan(f) and not math.isinf(f)]
    with session(db.connect(DB)) as conn:
        conn.execute("DROP TABLE IF EXISTS floats")
        conn.execute("CREATE TABLE floats (d float8, f float4)")
        with conn.cursor().copy("COPY floats FROM STDIN (FORMAT binary)") as cp:
            cp.set_types(["float8", "float4"])
            for i in range(max(len(doubles), len(floats))):
                cp.write_row((doubles[i] if i < len(doubles) else None,
                              floats[i] if i < len(floats) else None))
        binary = copy_out(conn, "COPY floats TO STDOUT (FORMAT binary)")
        text = copy_out(conn, "COPY floats TO STDOUT")
    ours = run_tool(["decode", "output", "float8", "float4"], binary)
    assert ours == text, diff_cells(ours, text, ["d", "f"])
    # masking text: Python's repr of the double (float4 widened)
    mask = run_tool(["decode", "mask", "float8", "float4"], binary).decode().split("\n")
    for i, line in enumerate(mask[:-1]):
        d, f = line.split("\t")
        if i < len(doubles):
            assert d == repr(doubles[i]), (i, d)
        if i < len(floats):
            assert f == repr(floats[i]), (i, f)
    # and our encoder reads the server's text back to the same bits
    assert run_tool(["encode", "float8", "float4"], text) == binary


# ------------------------------------------------------------ masking input text


def py_text(value) -> str:
    """The original's rendering: Python str() of what psycopg returned."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc)
        return str(value)
    if isinstance(value, (datetime.date, datetime.time, uuid.UUID, int)):
        return str(value)
    if isinstance(value, Decimal):
        return None  # numeric: PostgreSQL text output, checked against the server
    return None


MASK_TABLE = {
    "b": ("bool", ["true", "false"]),
    "i2": ("int2", ["-32768", "7"]),
    "i8": ("int8", ["-9223372036854775808", "9223372036854775807"]),
    "f4": ("float4", ["0.1", "1e6", "-2.5", "3.4028235e38", "1e-45"]),
    "f8": ("float8", ["0.1", "100", "1e16", "1e15", "1e-5", "0.0001", "-0", "1e308",
                      "123456789.125"]),
    "d": ("date", ["2024-02-29", "0001-01-01", "9999-12-31"]),
    "ts": ("timestamp", ["2024-06-01 10:20:30", "2024-06-01 10:20:30.000123",
                         "0001-01-01 00:00:00", "9999-12-31 23:59:59.999999"]),
    "tstz": ("timestamptz", ["2024-06-01 10:20:30+02", "2024-06-01 10:20:30.5+00",
                             "1969-12-31 23:59:59.999999-05"]),
    "t": ("time", ["10:20:30", "00:00:00.000001", "23:59:59.999999"]),
    "ttz": ("timetz", ["10:20:30+05:30", "10:20:30-08", "10:20:30.25+00",
                       "10:20:30-08:00:01"]),
    "u": ("uuid", ["A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"]),
}


def test_mask_text_matches_python_rendering(db):
    with session(db.connect(DB)) as conn:
        conn.execute("DROP TABLE IF EXISTS masktext")
        cols = ", ".join(f"{n} {t}" for n, (t, _) in MASK_TABLE.items())
        conn.execute(f"CREATE TABLE masktext ({cols})")
        rows = max(len(v) for _, v in MASK_TABLE.values())
        for r in range(rows):
            vals = [sql.Literal(v[r] if r < len(v) else None) for _, v in MASK_TABLE.values()]
            conn.execute(sql.SQL("INSERT INTO masktext VALUES ({})").format(
                sql.SQL(", ").join(vals)))
        binary = copy_out(conn, "COPY masktext TO STDOUT (FORMAT binary)")
        types = column_types(conn, "masktext")
        py_rows = conn.execute("SELECT * FROM masktext").fetchall()
    ours = run_tool(["decode", "mask", *types], binary).decode().split("\n")[:-1]
    assert len(ours) == len(py_rows)
    for line, py_row in zip(ours, py_rows):
        for name, cell, value in zip(MASK_TABLE, line.split("\t"), py_row):
            if value is None:
                assert cell == "\\N"
                continue
            if MASK_TABLE[name][0] == "float4":
                # masking.md §2: the float4 widened to double (0.1 -> 0.10000000149011612)
                value = struct.unpack(">f", struct.pack(">f", value))[0]
            assert cell == py_text(value), (name, cell, value)


def test_mask_text_fixed_forms(db):
    """Infinities become fixed dates; bool is True/False; bytea is hex text."""
    with session(db.connect(DB)) as conn:
        binary = copy_out(conn, "COPY (SELECT 'infinity'::date, '-infinity'::date,"
                                " 'infinity'::timestamp, '-infinity'::timestamp,"
                                " 'infinity'::timestamptz, true, false, '\\x01ff'::bytea,"
                                " 'NaN'::float8, '-Infinity'::float4, 'NaN'::numeric,"
                                " '1 day'::interval, 'ab'::char(4), '12.50'::numeric)"
                                " TO STDOUT (FORMAT binary)")
    types = ["date", "date", "timestamp", "timestamp", "timestamptz", "bool", "bool", "bytea",
             "float8", "float4", "numeric", "interval", "bpchar", "numeric"]
    ours = run_tool(["decode", "mask", *types], binary).decode().rstrip("\n").split("\t")
    assert ours == ["9999-12-31", "0001-01-01", "9999-12-31 23:59:59.999999",
                    "0001-01-01 00:00:00", "9999-12-31 23:59:59.999999+00:00", "True",
                    "False", "\\\\x01ff", "nan", "-inf", "NaN", "1 day", "ab  ", "12.50"]


# ------------------------------------------------------------ encoding


ENCODE_SKIP: set[str] = set()  # every column of the table has an encoder


def test_encode_server_text_gives_server_bytes(db):
    with session(db.connect(DB)) as conn:
        binary = copy_out(conn, "COPY vals TO STDOUT (FORMAT binary)")
        text = copy_out(conn, "COPY vals TO STDOUT")
        types = column_types(conn, "vals")
    for chunk in (65536, 5):
        ours = run_tool(["--chunk", str(chunk), "encode", *types], text)
        if ours != binary:
            # decode both to find the cell
            a = run_tool(["decode", "output", *types], ours)
            pytest.fail("encoded bytes differ:\n" + diff_cells(a, text, all_names()) +
                        "\n" + first_binary_diff(ours, binary, types))


def first_binary_diff(ours: bytes, theirs: bytes, types) -> str:
    """Walks both binary streams and names the first differing cell."""
    def cells(data):
        pos = 19
        out = []
        while True:
            n = struct.unpack(">h", data[pos:pos + 2])[0]
            pos += 2
            if n == -1:
                return out
            row = []
            for _ in range(n):
                ln = struct.unpack(">i", data[pos:pos + 4])[0]
                pos += 4
                row.append(None if ln < 0 else data[pos:pos + ln])
                pos += max(ln, 0)
            out.append(row)
    names = all_names()
    for r, (ra, rb) in enumerate(zip(cells(ours), cells(theirs))):
        for c, (a, b) in enumerate(zip(ra, rb)):
            if a != b:
                return f"row {r} {names[c]}: ours {a!r:.200} server {b!r:.200}"
    return "no cell differs"


def test_server_accepts_encoded_copy(db):
    with session(db.connect(DB)) as conn:
        text = copy_out(conn, "COPY vals TO STDOUT")
        types = column_types(conn, "vals")
        ours = run_tool(["encode", *types], text)
        conn.execute("TRUNCATE vals_in")
        copy_in(conn, "COPY vals_in FROM STDIN (FORMAT binary)", ours)
        a = conn.execute("SELECT v::text FROM vals v ORDER BY id").fetchall()
        b = conn.execute("SELECT v::text FROM vals_in v ORDER BY id").fetchall()
    assert a == b


def test_passthrough_rewrites_identical_bytes(db):
    with session(db.connect(DB)) as conn:
        binary = copy_out(conn, "COPY vals TO STDOUT (FORMAT binary)")
    for chunk in (65536, 3, 1):
        assert run_tool(["--chunk", str(chunk), "passthrough", str(len(all_names()))],
                        binary) == binary


def test_text_format_rows_round_trip(db):
    """The text fallback (streaming.md §4): split, unescape, escape, join."""
    with session(db.connect(DB)) as conn:
        text = copy_out(conn, "COPY vals TO STDOUT")
        for chunk in (65536, 3):
            assert run_tool(["--chunk", str(chunk), "textpass", str(len(all_names()))],
                            text) == text
        # PostgreSQL 15 cannot read back the text of the most negative interval
        readable = "SELECT * FROM vals WHERE c_interval::text NOT LIKE '-178956970 years%'"
        text = copy_out(conn, f"COPY ({readable}) TO STDOUT")
        conn.execute("TRUNCATE vals_in")
        copy_in(conn, "COPY vals_in FROM STDIN", run_tool(["textpass", str(len(all_names()))],
                                                          text))
        a = conn.execute(f"SELECT v::text FROM ({readable}) v ORDER BY id").fetchall()
        b = conn.execute("SELECT v::text FROM vals_in v ORDER BY id").fetchall()
    assert a == b


# masking.md §4.1: accepted masked text -> the server's value for a canonical literal
INPUT_FORMS = [
    ("int4", " +1_000 ", "1000"),
    ("int8", "-9_223_372_036_854_775_808", "-9223372036854775808"),
    ("int2", "\t-7\n", "-7"),
    ("numeric", "1.5e3", "1500"),
    ("numeric", "-1_234.5_6", "-1234.56"),
    ("numeric", "INF", "Infinity"),
    ("numeric", "nan", "NaN"),
    ("numeric", "12e-1", "1.2"),
    ("float8", "1_000.5", "1000.5"),
    ("float8", "INFINITY", "Infinity"),
    ("float8", "-inf", "-Infinity"),
    ("float4", "NaN", "NaN"),
    ("bool", " YES ", "true"),
    ("bool", "off", "false"),
    ("bool", "1", "true"),
    ("bool", "N", "false"),
    ("date", "20240229", "2024-02-29"),
    ("date", "2024-W09-4", "2024-02-29"),
    ("date", "2024W094", "2024-02-29"),
    ("date", "2021-W01-1", "2021-01-04"),
    ("date", "2020-W53-7", "2021-01-03"),
    ("timestamp", "2024-06-01T10:20:30", "2024-06-01 10:20:30"),
    ("timestamp", "20240601T102030.5", "2024-06-01 10:20:30.5"),
    ("timestamp", "2024-06-01", "2024-06-01 00:00:00"),
    ("timestamptz", "2024-06-01T10:20:30Z", "2024-06-01 10:20:30+00"),
    ("timestamptz", "2024-06-01 12:20:30+02:00", "2024-06-01 10:20:30+00"),
    ("timestamptz", "2024-06-01 10:20:30", "2024-06-01 10:20:30+00"),
    ("timestamptz", "2024-06-01 10:20:30-0530", "2024-06-01 15:50:30+00"),
    ("timestamptz", "2024-06-01 10:20:30.1234567+00", "2024-06-01 10:20:30.123457+00"),
    ("timestamptz", "2024-06-01 10", "2024-06-01 10:00:00+00"),
    ("timestamptz", "2024-06-01T1020", "2024-06-01 10:20:00+00"),
    ("time", "10", "10:00:00"),
    ("time", "10:20", "10:20:00"),
    ("time", "10:20:30.123456", "10:20:30.123456"),
    ("timetz", "10:20:30+05:30", "10:20:30+05:30"),
    ("timetz", "10:20", "10:20:00+00"),
    ("uuid", "{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ("uuid", "urn:uuid:a0eebc999c0b4ef8bb6d6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ("uuid", "A0EEBC999C0B4EF8BB6D6BB9BD380A11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ("bytea", "\\x00 FF 10", "\\x00ff10"),
    ("bytea", "00ff10", "\\x00ff10"),
    ("jsonb", '{"a": [1, 2], "b": 1}', '{"b": 1, "a": [1, 2]}'),
    ("inet", "10.1/16", "10.1.0.0/16"),
    ("cidr", "192.168.1", "192.168.1.0/24"),
    ("cidr", "10", "10.0.0.0/8"),
    ("macaddr", "0800.2b01.0203", "08:00:2b:01:02:03"),
    ("macaddr8", "08:00:2b:01:02:03", "08:00:2b:ff:fe:01:02:03"),
    ("money", "$1,234.567", "1234.57"),
    ("interval", "@ 1 hour ago", "-01:00:00"),
    ("interval", "2 weeks 3 days", "17 days"),
    ("_int4", "{ 1 , 2 }", "{1,2}"),
    ("_text", '{ "a" , b c }', '{a,"b c"}'),
]


def test_masking_input_forms_encode_to_server_values(db):
    with session(db.connect(DB)) as conn:
        for typ, given, canonical in INPUT_FORMS:
            pg_type = typ[1:] + "[]" if typ.startswith("_") else typ
            want = copy_out(conn, sql.SQL("COPY (SELECT {}::{}) TO STDOUT (FORMAT binary)")
                            .format(sql.Literal(canonical), sql.SQL(pg_type)))
            line = given.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            ours = run_tool(["encode", typ], (line + "\n").encode())
            assert ours == want, (typ, given)


def test_server_canonicalises_what_we_encode(db):
    """Non-canonical input (jsonb key order, bpchar padding, numeric scale) is
    the receive function's to normalise: the server accepts our bytes."""
    rows = [("jsonb", '{"b":1,  "a":[1,2]}', '{"a": [1, 2], "b": 1}'),
            ("char(4)", "ab", "ab  "),
            ("numeric(6,2)", "1.005", "1.01"),
            ("varchar(3)", "abc", "abc")]
    with session(db.connect(DB)) as conn:
        for decl, given, want in rows:
            conn.execute("DROP TABLE IF EXISTS canon")
            conn.execute(f"CREATE TABLE canon (v {decl})")
            typ = decl.split("(")[0].replace("char", "bpchar").replace("varbpchar", "varchar")
            copy_in(conn, "COPY canon FROM STDIN (FORMAT binary)",
                    run_tool(["encode", typ], (given + "\n").encode()))
            assert conn.execute("SELECT format('%s', v) FROM canon").fetchone()[0] == want


REJECTED = [
    ("int2", "32768"), ("int4", "1__0"), ("int4", "12.5"), ("numeric", "1.2.3"),
    ("bool", "maybe"), ("date", "2023-02-29"), ("date", "2024-W54-1"),
    ("timestamptz", "2024-06-01 25:00"), ("uuid", "a0eebc99"), ("bytea", "\\x0"),
    ("json", "{'a': 1}"), ("jsonb", "[1,]"), ("inet", "10.1"), ("cidr", "10.1.2.3/8"),
    ("macaddr", "08:00:2b"), ("text", "\\377"), ("_int4", "{1,{2}}"), ("name", "n" * 64),
]


@pytest.mark.parametrize("typ,given", REJECTED)
def test_encoder_rejects_invalid_text(typ, given):
    proc = subprocess.run([str(_copy_tool()), "encode", typ], input=(given + "\n").encode(),
                          capture_output=True, timeout=30)
    assert proc.returncode == 1
    assert b"is not a valid" in proc.stderr
