#!/usr/bin/env python3
"""Writes privaci's faker libraries (spec/masking.md §8.2) as data files.

    python3 data/faker/generate.py [--gazetteers DIR] [--out DIR] [--check]

`classic/` holds the original tool's lists exactly as the spec prints them.
`standard/` is derived from public gazetteers (US SSA first names, US Census
1990 surnames, GeoNames places, the GLEIF ISO 20275 legal-form list; sources
and licences in README.md) plus generated combinations. Everything is
deterministic: the only randomness is a SHA-256 counter stream with a fixed
seed, so the same inputs always give byte-identical files. The outputs are
committed; the gazetteers are needed only to regenerate them, and --check
verifies that regeneration reproduces the committed files.

Changing any list (content or order) changes masked output and is a breaking
change (spec/masking.md §8.2): do not edit the generated files by hand.

Python 3 standard library only.
"""

import argparse
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_GAZETTEERS = "/work/shared/ner-data/gazetteers"

# The inputs the committed standard lists were generated from.
INPUT_SHA256 = {
    "first_names_us_ssa.txt": "aaaaef3aa6ca11fc0d16d394a6b93686599b14456c96a79c37642e52280ca568",
    "surnames_us_census1990.txt": "a39e331fed8145943b9cb34b04210fa1fb548068a5fb287c1c7c0cd1708969b6",
    "places_geonames_cities.txt": "4ad46f192ae1040cf79cd34d6a62b08cf5d6313c80ddc444781e686cb24111f5",
    "org_legal_form_abbreviations.txt": "942f3612b9af96a4f9809c109fc77c3d4d62c0fa490bf7edd9b43fc0123b40f2",
}

# ---------------------------------------------------------------- classic

# spec/masking.md §8.2, "Original lists", index 0 first.
CLASSIC = {
    "email_domains": "fakedom.net, example.test, tryvault.dev",
    "first_names": "Alex, Blake, Casey, Drew, Ellis, Finley, Gray, Harper, Indigo, Jordan, "
    "Kai, Logan, Morgan, Noel, Parker, Quinn, Riley, Sage, Taylor, Uma, Vale, Winter, "
    "Xen, Yael, Zion",
    "last_names": "Abbott, Bennett, Carter, Delaney, Ellison, Foster, Garcia, Hayes, Ingram, "
    "Jensen, Keller, Lopez, Monroe, Nash, Owens, Perez, Quincy, Rivera, Sutton, Turner, "
    "Underwood, Vargas, Walsh, Xu, Young",
    "email_locals": "alex.rivera, blake.chen, casey.morgan, drew.patel, ellis.kim, finley.ross, "
    "gray.singh, harper.lee, jordan.walsh, kai.nguyen, logan.brooks, morgan.diaz, "
    "noel.fischer, parker.hughes, quinn.baker, riley.cooper, sage.murphy, taylor.price, "
    "uma.reed, vale.stone",
    "streets": "100 Maple Lane, 200 Oak Street, 300 Cedar Avenue, 400 Birch Road, "
    "500 Pine Court, 600 Elm Drive, 700 Willow Way, 800 Aspen Place, 900 Spruce Terrace, "
    "1010 Redwood Blvd",
    "cities": "Northgate, Southfield, Eastbrook, Westhaven, Lakeside, Riverton, Hillcrest, "
    "Fairview, Brookdale, Greenport",
    "postcodes": "10001, 20002, 30303, 44104, 60605, 77006, 85007, 98108, 02109, 19110",
    "countries": "US, CA, GB, DE, FR, AU, NZ, IE, NL, SE",
    "companies": "Acme Health Systems, Blue Ridge Analytics, Cedar Point Software, "
    "Delta Care Partners, Evergreen Data Co, Frontier Logic LLC, Granite Bridge Inc, "
    "Harbor View Labs, Ironwood Services, Juniper Networks Test",
    "job_titles": "Software Engineer, Data Analyst, Product Manager, Support Specialist, "
    "Clinical Coordinator, Operations Lead, Security Analyst, DevOps Engineer, QA Tester, "
    "Account Manager",
    "usernames": "alexr42, blake_c, casey.dev, drew99, ellis_k, finley.m, gray_ops, harper_q, "
    "jordanx, kai_labs",
    "credit_card_bins": "411111, 424242, 555555, 378282, 601111",
}

# ---------------------------------------------------------------- standard: fixed parts

# RFC 2606 / RFC 6761 reserved names, index 0 first (spec §8.2).
EMAIL_DOMAINS = ["example.com", "example.net", "example.org", "example.test"]

# The test BINs, identical in both libraries (spec §8.2).
CREDIT_CARD_BINS = ["411111", "424242", "555555", "378282", "601111"]

# ISO 3166-1 alpha-2: the 249 officially assigned codes, alphabetical.
COUNTRIES = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
VN VU WF WS YE YT ZA ZM ZW
""".split()

# Street-name stems besides surnames: trees, landscape, neutral words.
STREET_STEMS = """
Acorn Alder Apple Ash Aspen Bay Beech Birch Blossom Briar Brook Canyon Cedar Cherry Chestnut
Clover Cove Creek Cypress Dale Dogwood Elm Fern Field Forest Fox Garden Glen Grove Harbor
Hawthorn Hazel Heather Hickory Highland Hill Holly Juniper Lake Laurel Linden Locust Magnolia
Maple Meadow Mill Mountain Oak Orchard Park Pine Poplar Prairie Quarry Ridge River Rose
Sage Sequoia Shore Spring Spruce Stone Summit Sunset Sycamore Timber Valley Vine Walnut
Willow Windmill Woodland Church Market School Station Bridge Castle Harvest Meadowlark
Heron Lark Robin Sparrow Falcon Cardinal Bluebird Crescent Liberty Union Franklin Jefferson
""".split()

STREET_SUFFIXES = """
Street Avenue Road Lane Drive Court Place Way Boulevard Terrace Circle Parkway Trail
Row Square Close Crescent Path Walk Alley
""".split()

INDUSTRY_WORDS = """
Analytics Logistics Systems Health Foods Energy Partners Labs Software Consulting Holdings
Industries Solutions Networks Dynamics Manufacturing Media Capital Ventures Studios Robotics
Materials Pharma Biotech Textiles Freight Outfitters Engineering Instruments Security
Insurance Realty Builders Hospitality Brewing Farms Supply Electric Telecom Aerospace
Marine Medical Diagnostics Optics Printing Publishing Transport Water Metals Chemicals
Interiors Designs Digital Data Cloud Payments Learning Care Wellness Dental Motors
""".split()

# Common legal forms; each must appear verbatim in the GLEIF list (checked).
LEGAL_FORMS = """
Inc|Inc.|LLC|Ltd|Ltd.|Corp|Corp.|Co.|PLC|GmbH|AG|S.A.|B.V.|N.V.|Pty Ltd|LLP|LP|SAS|AB|A/S|ApS|SpA|S.L.|KG|Limited|Corporation|Company|Incorporated
""".strip().split("|")

SENIORITIES = ["", "Junior", "Associate", "Senior", "Lead", "Principal", "Staff"]
FIELDS = """
Software|Data|Product|Clinical|Marketing|Sales|Finance|Security|Operations|Support|Research|
Quality|Network|Cloud|Infrastructure|Compliance|Legal|People|Procurement|Logistics|Design|
Content|Customer Success|Business|Platform|Mobile|Payroll|Facilities|Nursing|Laboratory|
Pharmacy|Risk|Training|Communications|Revenue|Supply Chain
""".replace("\n", "").split("|")
ROLES = """
Engineer Analyst Manager Specialist Coordinator Consultant Director Architect Administrator
Designer Scientist Officer Technician Assistant Advisor Strategist Planner
""".split()

USERNAME_WORDS = """
dev ops io lab hq net web app code data cloud tech byte bit pixel node stack loop core
""".split()

ADJECTIVES = """
quiet bright brave calm clever eager gentle happy jolly kind lively lucky merry noble proud
rapid silent swift witty bold cosmic crimson golden silver amber azure misty sunny frosty
""".split()
NOUNS = """
otter falcon badger panda tiger maple river comet harbor meadow canyon ember willow raven
lynx orca heron cedar quartz nova pixel rocket summit tundra walrus koala bison ferret gecko
""".split()


# ---------------------------------------------------------------- deterministic randomness


class Stream:
    """SHA-256 in counter mode: the same label always yields the same numbers,
    independently of the Python version's `random` implementation."""

    def __init__(self, label):
        self.key = hashlib.sha256(b"privaci-faker-v1:" + label.encode()).digest()
        self.counter = 0
        self.pool = b""

    def _bytes(self, n):
        while len(self.pool) < n:
            block = hashlib.sha256(self.key + self.counter.to_bytes(8, "big")).digest()
            self.pool += block
            self.counter += 1
        out, self.pool = self.pool[:n], self.pool[n:]
        return out

    def below(self, n):
        """Uniform in [0, n) by rejection sampling."""
        if n <= 0:
            raise ValueError("empty range")
        nbytes = (n.bit_length() + 7) // 8 + 1
        limit = (256**nbytes // n) * n
        while True:
            x = int.from_bytes(self._bytes(nbytes), "big")
            if x < limit:
                return x % n

    def pick(self, seq):
        return seq[self.below(len(seq))]

    def sample(self, seq, k):
        """k distinct elements, in draw order (partial Fisher-Yates)."""
        pool = list(seq)
        if k > len(pool):
            raise ValueError("sample larger than population")
        for i in range(k):
            j = i + self.below(len(pool) - i)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]


def unique_draws(stream, count, make, what):
    """Calls make(stream) until `count` distinct values exist (draw order kept)."""
    seen, out = set(), []
    attempts = 0
    while len(out) < count:
        attempts += 1
        if attempts > count * 50:
            raise SystemExit(f"generate.py: cannot draw {count} distinct {what}")
        value = make(stream)
        if value not in seen:
            seen.add(value)
            out.append(value)
    return out


# ---------------------------------------------------------------- gazetteer input


def read_lines(path):
    with open(path, "rb") as f:
        data = f.read()
    return data.decode("utf-8").splitlines()


def check_inputs(gaz):
    for name, want in INPUT_SHA256.items():
        path = os.path.join(gaz, name)
        with open(path, "rb") as f:
            got = hashlib.sha256(f.read()).hexdigest()
        if got != want:
            sys.stderr.write(
                f"generate.py: warning: {name} differs from the recorded input "
                f"(sha256 {got}); the output will differ from the committed files\n"
            )


def surname_case(upper):
    """SMITH -> Smith, MCDONALD -> McDonald (the census list is upper case)."""
    word = upper.capitalize()
    if word.startswith("Mc") and len(word) > 2:
        word = "Mc" + word[2:].capitalize()
    return word


def ascii_alpha(s):
    return s.isascii() and s.isalpha()


def first_names(gaz):
    """The most frequent SSA given names (2–12 ASCII letters), frequency order."""
    names = [n for n in read_lines(os.path.join(gaz, "first_names_us_ssa.txt")) if n]
    names = [n for n in names if ascii_alpha(n) and 2 <= len(n) <= 12]
    return names[:3000]


def last_names(gaz):
    """The most frequent 1990-census surnames (2–14 letters), frequency order."""
    names = [n for n in read_lines(os.path.join(gaz, "surnames_us_census1990.txt")) if n]
    names = [surname_case(n) for n in names if ascii_alpha(n) and 2 <= len(n) <= 14]
    return names[:6000]


def cities(gaz, stream):
    """A fixed sample of GeoNames place names written in plain ASCII letters
    (spaces and hyphens allowed), sorted for readability."""
    ok = []
    for name in read_lines(os.path.join(gaz, "places_geonames_cities.txt")):
        if not (5 <= len(name) <= 20 and name.isascii()):
            continue
        if not name[0].isupper() or not name[-1].islower():
            continue
        if all(c.isalpha() or c in " -" for c in name) and "  " not in name:
            ok.append(name)
    return sorted(stream.sample(ok, 2000))


def legal_forms(gaz):
    known = set(read_lines(os.path.join(gaz, "org_legal_form_abbreviations.txt")))
    missing = [f for f in LEGAL_FORMS if f not in known]
    if missing:
        raise SystemExit(f"generate.py: legal forms not in the GLEIF list: {missing}")
    return LEGAL_FORMS


# ---------------------------------------------------------------- generated lists


def local_part(s):
    return "".join(c for c in s.lower() if c.isalnum())


def email_locals(stream, firsts, lasts):
    """first.last variants; first and last drawn independently."""
    top_f, top_l = firsts[:1500], lasts[:3000]

    def make(r):
        f, l = local_part(r.pick(top_f)), local_part(r.pick(top_l))
        form = r.below(6)
        if form == 0:
            return f"{f}.{l}"
        if form == 1:
            return f"{f[0]}.{l}"
        if form == 2:
            return f"{f}_{l}"
        if form == 3:
            return f"{f}{l}"
        if form == 4:
            return f"{f}.{l}{r.below(90) + 10}"
        return f"{f}.{l[0]}"

    return unique_draws(stream, 4000, make, "email locals")


def streets(stream, lasts):
    stems = STREET_STEMS + lasts[:400]

    def make(r):
        number = r.below(9999) + 1
        return f"{number} {r.pick(stems)} {r.pick(STREET_SUFFIXES)}"

    return unique_draws(stream, 3000, make, "streets")


def postcodes(stream):
    """5-digit strings (leading zeros allowed, as in the classic list)."""
    return [f"{n:05d}" for n in stream.sample(range(501, 99951), 3000)]


def companies(stream, lasts, forms):
    top = lasts[:2000]

    def make(r):
        return f"{r.pick(top)} {r.pick(INDUSTRY_WORDS)} {r.pick(forms)}"

    return unique_draws(stream, 1500, make, "companies")


def job_titles(stream):
    combos = [" ".join(p for p in (s, f, r) if p) for s in SENIORITIES for f in FIELDS for r in ROLES]
    return stream.sample(combos, 800)


def usernames(stream, firsts, lasts):
    top_f, top_l = firsts[:1000], lasts[:1500]

    def make(r):
        f, l = local_part(r.pick(top_f)), local_part(r.pick(top_l))
        form = r.below(6)
        if form == 0:
            return f"{f}{l[0]}{r.below(99) + 1}"
        if form == 1:
            return f"{f[0]}{l}"
        if form == 2:
            return f"{f}_{l[0]}"
        if form == 3:
            return f"{f}.{r.pick(USERNAME_WORDS)}"
        if form == 4:
            return f"{r.pick(ADJECTIVES)}_{r.pick(NOUNS)}{r.below(100)}"
        return f"{f}{r.below(900) + 100}"

    return unique_draws(stream, 4000, make, "usernames")


# ---------------------------------------------------------------- output


def render(values):
    for v in values:
        if not v or "\n" in v or "\r" in v or v != v.strip():
            raise SystemExit(f"generate.py: unusable list value {v!r}")
    return ("\n".join(values) + "\n").encode("utf-8")


def build(gaz):
    classic = {name: text.split(", ") for name, text in CLASSIC.items()}
    check_inputs(gaz)
    firsts = first_names(gaz)
    lasts = last_names(gaz)
    forms = legal_forms(gaz)
    standard = {
        "email_domains": EMAIL_DOMAINS,
        "credit_card_bins": CREDIT_CARD_BINS,
        "countries": COUNTRIES,
        "first_names": firsts,
        "last_names": lasts,
        "email_locals": email_locals(Stream("email_locals"), firsts, lasts),
        "cities": cities(gaz, Stream("cities")),
        "streets": streets(Stream("streets"), lasts),
        "postcodes": postcodes(Stream("postcodes")),
        "companies": companies(Stream("companies"), lasts, forms),
        "job_titles": job_titles(Stream("job_titles")),
        "usernames": usernames(Stream("usernames"), firsts, lasts),
    }
    files = {}
    for lib, lists in (("classic", classic), ("standard", standard)):
        for name, values in lists.items():
            files[os.path.join(lib, name + ".txt")] = render(values)
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gazetteers", default=os.environ.get("PRIVACI_GAZETTEERS", DEFAULT_GAZETTEERS))
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--check", action="store_true", help="compare with the files on disk")
    args = ap.parse_args()

    files = build(args.gazetteers)
    stale = []
    for rel, data in sorted(files.items()):
        path = os.path.join(args.out, rel)
        if args.check:
            try:
                with open(path, "rb") as f:
                    if f.read() != data:
                        stale.append(rel)
            except FileNotFoundError:
                stale.append(rel)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    if stale:
        sys.stderr.write("generate.py: out of date: " + ", ".join(stale) + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
