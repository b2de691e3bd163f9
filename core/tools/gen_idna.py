#!/usr/bin/env python3
"""Generates the IDNA tables of the core (UTS #46 mapping, IDNA2008 validity,
NFC, Bidi and CONTEXTJ/CONTEXTO properties) as compact C range tables.

Two sub-commands:

  derive-ucd  Run by hand when the Unicode version changes: reads the UCD
              (Debian's unicode-data, /usr/share/unicode) and writes the small
              derived text file vendored in core/data/idna/ (RFC 5892 derived
              property, canonical decompositions, combining classes, Bidi
              classes, joining types, marks, the scripts CONTEXTO needs).
  generate    Run by the build (core/gen_idna.cmake): reads the vendored files
              only and writes idna_tables.c / idna_tables.h.

Standard library only.
"""
import argparse
import json
import os
import sys

MAX_CP = 0x10FFFF

# ---------------------------------------------------------------------------
# derive-ucd


def ucd_ranges(path):
    """Yields (first, last, fields) for every data line of a UCD file."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = [x.strip() for x in line.split(";")]
            cps = fields[0]
            if ".." in cps:
                a, b = cps.split("..")
                yield int(a, 16), int(b, 16), fields[1:]
            else:
                yield int(cps, 16), int(cps, 16), fields[1:]


def read_unicode_data(ucd):
    """Returns dict cp -> (gc, ccc, bidi, decomposition string)."""
    data = {}
    first = None
    with open(os.path.join(ucd, "UnicodeData.txt"), encoding="utf-8") as f:
        for line in f:
            fl = line.rstrip("\n").split(";")
            cp = int(fl[0], 16)
            rec = (fl[2], int(fl[3]), fl[4], fl[5])
            if fl[1].endswith(", First>"):
                first = cp
                continue
            if fl[1].endswith(", Last>"):
                for c in range(first, cp + 1):
                    data[c] = rec
                continue
            data[cp] = rec
    return data


def prop_set(path, name):
    s = set()
    for a, b, fields in ucd_ranges(path):
        if fields[0] == name:
            s.update(range(a, b + 1))
    return s


def derive_ucd(ucd, out):
    ud = read_unicode_data(ucd)
    dcp = os.path.join(ucd, "DerivedCoreProperties.txt")
    proplist = os.path.join(ucd, "PropList.txt")
    dnp = os.path.join(ucd, "DerivedNormalizationProps.txt")
    noncharacter = prop_set(proplist, "Noncharacter_Code_Point")
    join_control = prop_set(proplist, "Join_Control")
    white_space = prop_set(proplist, "White_Space")
    default_ignorable = prop_set(dcp, "Default_Ignorable_Code_Point")
    cwkcf = prop_set(dnp, "Changes_When_NFKC_Casefolded")
    full_comp_ex = prop_set(dnp, "Full_Composition_Exclusion")
    ignorable_blocks = set()
    for a, b, fields in ucd_ranges(os.path.join(ucd, "Blocks.txt")):
        if fields[0] in ("Combining Diacritical Marks for Symbols",
                         "Musical Symbols", "Ancient Greek Musical Notation"):
            ignorable_blocks.update(range(a, b + 1))
    old_hangul = set()
    for a, b, fields in ucd_ranges(os.path.join(ucd, "HangulSyllableType.txt")):
        if fields[0] in ("L", "V", "T"):
            old_hangul.update(range(a, b + 1))

    # RFC 5892 section 2.6 (F): exceptions.
    exceptions = {}
    for cp in (0x00DF, 0x03C2, 0x06FD, 0x06FE, 0x0F0B, 0x3007):
        exceptions[cp] = "PVALID"
    for cp in [0x00B7, 0x0375, 0x05F3, 0x05F4, 0x30FB] + \
            list(range(0x0660, 0x066A)) + list(range(0x06F0, 0x06FA)):
        exceptions[cp] = "CONTEXTO"
    for cp in [0x0640, 0x07FA, 0x302E, 0x302F, 0x303B] + list(range(0x3031, 0x3036)):
        exceptions[cp] = "DISALLOWED"

    def idna2008(cp):
        """RFC 5892 section 3: the derived property value."""
        if cp in exceptions:
            return exceptions[cp]
        rec = ud.get(cp)
        if rec is None and cp not in noncharacter:
            return "UNASSIGNED"
        if cp == 0x2D or 0x30 <= cp <= 0x39 or 0x61 <= cp <= 0x7A:
            return "PVALID"
        if cp in join_control:
            return "CONTEXTJ"
        if cp in cwkcf:  # Unstable
            return "DISALLOWED"
        if cp in default_ignorable or cp in white_space or cp in noncharacter:
            return "DISALLOWED"
        if cp in ignorable_blocks or cp in old_hangul:
            return "DISALLOWED"
        if rec is not None and rec[0] in ("Ll", "Lu", "Lo", "Nd", "Lm", "Mn", "Mc"):
            return "PVALID"
        return "DISALLOWED"

    # Joining_Type: ArabicShaping.txt, plus T for unlisted Mn, Me, Cf.
    joining = {}
    for a, b, fields in ucd_ranges(os.path.join(ucd, "ArabicShaping.txt")):
        for cp in range(a, b + 1):
            joining[cp] = fields[1]
    for cp, rec in ud.items():
        if cp not in joining and rec[0] in ("Mn", "Me", "Cf"):
            joining[cp] = "T"

    scripts = {}
    for a, b, fields in ucd_ranges(os.path.join(ucd, "Scripts.txt")):
        if fields[0] in ("Greek", "Hebrew", "Hiragana", "Katakana", "Han"):
            for cp in range(a, b + 1):
                scripts[cp] = fields[0]

    def runs(value_of):
        """Collapses cp -> value (None = absent) into ranges."""
        out_runs = []
        start, cur = None, None
        for cp in range(MAX_CP + 2):
            v = value_of(cp) if cp <= MAX_CP else None
            if v != cur:
                if cur is not None:
                    out_runs.append((start, cp - 1, cur))
                start, cur = cp, v
        return out_runs

    def fmt(a, b):
        return "%04X" % a if a == b else "%04X..%04X" % (a, b)

    lines = []
    lines.append("# Derived from the Unicode Character Database %s by" % ucd_version(ucd))
    lines.append("# core/tools/gen_idna.py derive-ucd. Do not edit: regenerate.")
    lines.append("# Format: property ; code points ; value")
    for a, b, v in runs(idna2008):
        lines.append("idna2008 ; %s ; %s" % (fmt(a, b), v))
    for a, b, v in runs(lambda c: ud[c][1] if c in ud and ud[c][1] else None):
        lines.append("ccc ; %s ; %d" % (fmt(a, b), v))
    for cp in sorted(ud):
        d = ud[cp][3]
        if d and not d.startswith("<"):
            lines.append("decomp ; %04X ; %s" % (cp, d))
    for a, b, v in runs(lambda c: True if c in full_comp_ex else None):
        lines.append("compex ; %s ; Y" % fmt(a, b))
    for a, b, v in runs(lambda c: ud[c][2] if c in ud else None):
        lines.append("bidi ; %s ; %s" % (fmt(a, b), v))
    for a, b, v in runs(joining.get):
        lines.append("joining ; %s ; %s" % (fmt(a, b), v))
    for a, b, v in runs(lambda c: True if c in ud and ud[c][0] in ("Mn", "Mc", "Me") else None):
        lines.append("mark ; %s ; Y" % fmt(a, b))
    for a, b, v in runs(scripts.get):
        lines.append("script ; %s ; %s" % (fmt(a, b), v))
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def ucd_version(ucd):
    with open(os.path.join(ucd, "DerivedNormalizationProps.txt"), encoding="utf-8") as f:
        first = f.readline()
    return first.strip("# \n").replace("DerivedNormalizationProps-", "").replace(".txt", "")


# ---------------------------------------------------------------------------
# generate

# Classes of the main table; keep in sync with idna.c (the header says so).
# CONTEXT: CONTEXTJ (U+200C, U+200D) or CONTEXTO. NOT_IDNA2008: UTS #46 valid
# but not IDNA2008 PVALID (symbols, old Hangul jamo...): it survives the
# mapping step, so NFC can still compose it into something valid.
VALID, CONTEXT, NOT_IDNA2008, IGNORED, DISALLOWED, MAPPED, MAPPED_SEQ, MAPPED_ALT = range(8)

# tr46 lib/statusMapping.js
TR46_STATUS = {1: "mapped", 2: "valid", 3: "disallowed", 4: "disallowed_STD3_valid",
               5: "disallowed_STD3_mapped", 6: "deviation", 7: "ignored"}

BIDI = ["L", "R", "AL", "AN", "EN", "ES", "CS", "ET", "ON", "BN", "NSM", "OTHER"]
JOINING = ["U", "L", "R", "D", "T", "C"]
SCRIPTS = ["Other", "Greek", "Hebrew", "Hiragana", "Katakana", "Han"]


def read_derived(path):
    props = {}
    decomp = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, cps, value = [x.strip() for x in line.split(";")]
            if name == "decomp":
                decomp[int(cps, 16)] = [int(x, 16) for x in value.split()]
                continue
            a, _, b = cps.partition("..")
            a = int(a, 16)
            b = int(b, 16) if b else a
            props.setdefault(name, []).append((a, b, value))
    return props, decomp


def expand(ranges, default=None):
    table = [default] * (MAX_CP + 1)
    for a, b, v in ranges:
        for cp in range(a, b + 1):
            table[cp] = v
    return table


def read_mapping(path):
    """UTS #46 table from tr46's mappingTable.json: per cp (status, mapping)."""
    with open(path, encoding="utf-8") as f:
        rows = json.load(f)
    status = [None] * (MAX_CP + 1)
    mapping = [None] * (MAX_CP + 1)
    for row in rows:
        cps = row[0]
        a, b = (cps[0], cps[1]) if isinstance(cps, list) else (cps, cps)
        st = TR46_STATUS[row[1]]
        m = [ord(ch) for ch in row[2]] if len(row) > 2 else None
        for cp in range(a, b + 1):
            status[cp] = st
            mapping[cp] = m
    if any(s is None for s in status):
        raise SystemExit("gen_idna: mapping table does not cover all code points")
    return status, mapping


def generate(data_dir, out_c, out_h):
    status, mapping = read_mapping(os.path.join(data_dir, "mappingTable.json"))
    derived = [x for x in os.listdir(data_dir) if x.startswith("ucd-idna-")]
    if len(derived) != 1:
        raise SystemExit("gen_idna: expected one ucd-idna-*.txt in " + data_dir)
    props, decomp = read_derived(os.path.join(data_dir, derived[0]))
    idna2008 = expand(props["idna2008"], "UNASSIGNED")

    # Main class per code point: UTS #46 (non-transitional, STD3 rules) and
    # the IDNA2008 derived property together.
    # A code point valid in UTS #46 but not in IDNA2008 can only end up in a
    # valid label when NFC composes it with another (old Hangul jamo): only
    # those need to survive the mapping step; the rest fail there already.
    compex = expand(props["compex"], "N")
    composable = set()
    for cp, d in decomp.items():
        if len(d) == 2 and compex[cp] != "Y":
            composable.update(d)
    # Conjoining jamo compose algorithmically (Unicode §3.12): L, V, T.
    composable.update(range(0x1100, 0x1113), range(0x1161, 0x1176), range(0x11A8, 0x11C3))
    cls = [DISALLOWED] * (MAX_CP + 1)
    for cp in range(MAX_CP + 1):
        st = status[cp]
        if st in ("valid", "deviation"):
            p = idna2008[cp]
            cls[cp] = {"PVALID": VALID, "CONTEXTJ": CONTEXT, "CONTEXTO": CONTEXT}.get(
                p, NOT_IDNA2008 if cp in composable else DISALLOWED)
        elif st == "mapped":
            cls[cp] = MAPPED
        elif st == "ignored":
            cls[cp] = IGNORED

    # MAPPED code points, in code point order: their targets as UTF-16 units
    # one after the other, the number of units of each, and every 32nd
    # running total (so a lookup adds at most 31 lengths).
    map_units, map_len, map_block = [], [], []
    seq_first = []  # MAPPED_SEQ ranges: target of the first code point
    ranges = []  # (start, class, aux)

    def utf16(cps):
        out = []
        for c in cps:
            if c >= 0x10000:
                out += [0xD800 + ((c - 0x10000) >> 10), 0xDC00 + ((c - 0x10000) & 0x3FF)]
            else:
                out.append(c)
        return out

    def alternates(at):
        """Upper-case letter at `at` mapping to the valid one after it."""
        return at + 1 <= MAX_CP and cls[at] == MAPPED and mapping[at] == [at + 1] and \
            cls[at + 1] == VALID

    def seq_end(at):
        """End of a run of single code point mappings to consecutive targets
        (A-Z -> a-z, fullwidth, mathematical alphabets) starting at `at`."""
        end_ = at
        if cls[at] != MAPPED or len(mapping[at]) != 1:
            return at
        while end_ + 1 <= MAX_CP and cls[end_ + 1] == MAPPED and \
                len(mapping[end_ + 1]) == 1 and \
                mapping[end_ + 1][0] == mapping[at][0] + (end_ + 1 - at):
            end_ += 1
        return end_

    max_map = 0
    cp = 0
    while cp <= MAX_CP:
        c = cls[cp]
        if alternates(cp) and alternates(cp + 2):
            # Latin/Greek/Cyrillic extended blocks alternate upper, lower:
            # one range where even offsets map to cp + 1, odd ones are valid.
            end = cp + 3
            while alternates(end + 1):
                end += 2
            ranges.append((cp, MAPPED_ALT, 0))
            cp = end + 1
            continue
        if c == MAPPED:
            end = seq_end(cp)
            if end > cp:
                ranges.append((cp, MAPPED_SEQ, len(seq_first)))
                seq_first.append(mapping[cp][0])
                cp = end + 1
                continue
            ranges.append((cp, MAPPED, len(map_len)))
            while True:
                units = utf16(mapping[cp])
                max_map = max(max_map, len(units))
                if len(map_len) % 32 == 0:
                    map_block.append(len(map_units))
                map_len.append(len(units))
                map_units.extend(units)
                cp += 1
                if cp > MAX_CP or cls[cp] != MAPPED or seq_end(cp) > cp or \
                        (alternates(cp) and alternates(cp + 2)):
                    break
            continue
        end = cp
        while end + 1 <= MAX_CP and cls[end + 1] == c:
            end += 1
        ranges.append((cp, c, 0))
        cp = end + 1

    if len(map_units) >= 1 << 16 or len(map_len) >= 1 << 16 or len(seq_first) >= 1 << 16:
        raise SystemExit("gen_idna: mapping tables do not fit the packing")

    # Property table for code points that can appear in a valid label:
    # Bidi class, joining type, mark, script. Others are "don't care", so
    # they merge with their neighbours.
    bidi = expand(props["bidi"], "L")
    joining = expand(props["joining"], "U")
    mark = expand(props["mark"], "N")
    script = expand(props["script"], "Other")
    ccc = expand([(a, b, int(v)) for a, b, v in props["ccc"]], 0)

    def bidi_code(v):
        return BIDI.index(v) if v in BIDI else BIDI.index("OTHER")

    def prop_value(cp_):
        return (bidi_code(bidi[cp_]) | (JOINING.index(joining[cp_]) << 4) |
                ((mark[cp_] == "Y") << 7) | (SCRIPTS.index(script[cp_]) << 8) |
                ((ccc[cp_] == 9) << 11))

    prop_ranges = []
    cur = None
    for cp in range(MAX_CP + 1):
        if cls[cp] not in (VALID, CONTEXT):
            continue  # don't care: extend the current range
        v = prop_value(cp)
        if v != cur:
            prop_ranges.append((cp, v))
            cur = v


    # Canonical decompositions (one level; the code applies them
    # recursively) and the primary composites, restricted to what NFC can
    # meet after the mapping: valid code points and the parts they
    # decompose into.
    reachable = set(cp for cp in range(MAX_CP + 1) if cls[cp] in (VALID, CONTEXT, NOT_IDNA2008))
    for cp in range(MAX_CP + 1):
        if cls[cp] == MAPPED_ALT:
            reachable.add(cp + 1)
    todo = [cp for cp in reachable if cp in decomp]
    while todo:
        for part in decomp[todo.pop()]:
            if part not in reachable:
                reachable.add(part)
                if part in decomp:
                    todo.append(part)
    # Combining classes of what NFC can meet; the rest is "don't care".
    ccc_ranges = []  # every run, zeros included: start, value
    for cp in range(MAX_CP + 1):
        if cp in reachable and (not ccc_ranges or ccc_ranges[-1][1] != ccc[cp]):
            ccc_ranges.append((cp, ccc[cp]))
    comp_list = sorted((d[0], d[1], cp) for cp, d in decomp.items()
                       if len(d) == 2 and compex[cp] != "Y" and
                       d[0] in reachable and d[1] in reachable)
    dec_list = sorted((cp, d) for cp, d in decomp.items()
                      if cp in reachable or any(c[2] == cp for c in comp_list))

    # The lookup finds the 256-code-point block first, then the range inside
    # it by its low byte: a mapped range must therefore not cross a block
    # boundary (its start is needed), so those are split.
    ends = [r[0] for r in ranges[1:]] + [MAX_CP + 1]
    split = []
    for (start, c, aux), end in zip(ranges, ends):
        while c in (MAPPED, MAPPED_SEQ, MAPPED_ALT) and (start >> 8) != ((end - 1) >> 8):
            boundary = ((start >> 8) + 1) << 8
            split.append((start, c, aux))
            if c == MAPPED:
                aux += boundary - start
            elif c == MAPPED_SEQ:
                aux = len(seq_first)
                seq_first.append(seq_first[split[-1][2]] + (boundary - start))
            elif (boundary - start) % 2 == 1:
                split.append((boundary, VALID, 0))  # the odd, valid one
                boundary += 1
            start = boundary
        split.append((start, c, aux))
    ranges = split
    block_first = []  # per block: index of the first range starting in it or later
    i = 0
    for block in range(((MAX_CP + 1) >> 8) + 1):
        while i < len(ranges) and ranges[i][0] < block << 8:
            i += 1
        block_first.append(i)
    if len(ranges) >= 1 << 16 or len(seq_first) >= 1 << 16:
        raise SystemExit("gen_idna: main table does not fit the packing")

    # No aux column: a MAPPED range's first mapped code point number and a
    # MAPPED_SEQ range's seq_first index are counts of what comes before
    # it, so the lookup gets them from a per-block base plus its walk over
    # the block (1.1 KiB less gzipped than the column). seq_first is put in
    # range order for that (the splitting above appended pieces at the end).
    seq_first = [seq_first[aux] for _, c, aux in ranges if c == MAPPED_SEQ]
    map_base, seq_base = [], []
    mapped_before = seqs_before = 0
    i = 0
    for block in range((MAX_CP + 1) >> 8):
        map_base.append(mapped_before)
        seq_base.append(seqs_before)
        while i < len(ranges) and ranges[i][0] < (block + 1) << 8:
            start, c, aux = ranges[i]
            if c == MAPPED:
                if aux != mapped_before:
                    raise SystemExit("gen_idna: mapped code points out of order at %#x" % start)
                end = ranges[i + 1][0] if i + 1 < len(ranges) else MAX_CP + 1
                mapped_before += end - start
            elif c == MAPPED_SEQ:
                seqs_before += 1
            i += 1

    w = []
    w.append("/* Generated by core/tools/gen_idna.py from core/data/idna/: do not edit. */")
    w.append('#include "idna_tables.h"')
    w.append("")
    # Every table is a column (range start, class, aux; property start and
    # value; decomposition cp, first, second), never packed records, and
    # wide columns are byte planes (planes()): gzip finds the repeats within
    # a column (1.5 KiB less gzipped than packed records, 2.7 KiB less than
    # whole 16/32-bit words; docs/wasm.md has the steps).
    w.extend(planes("mp_idna_block", block_first, 2))
    # Range starts as steps within their block: small numbers gzip well (560
    # octets less than the low octets themselves); the lookup walks them.
    steps = [r[0] - (ranges[k - 1][0] if k and ranges[k - 1][0] >> 8 == r[0] >> 8 else r[0] & ~0xFF)
             for k, r in enumerate(ranges)]
    if any(not 0 <= x <= 255 for x in steps):
        raise SystemExit("gen_idna: a range step does not fit an octet")
    w.append("const uint8_t mp_idna_range_step[MP_IDNA_RANGES] = {")
    w.extend(wrap(["%d" % x for x in steps], per_line=24))
    w.append("};")
    w.append("const uint8_t mp_idna_range_class[MP_IDNA_RANGES] = {")
    w.extend(wrap(["%d" % r[1] for r in ranges], per_line=32))
    w.append("};")
    w.extend(planes("mp_idna_map_base", map_base, 2))
    w.extend(planes("mp_idna_seq_base", seq_base, 2))
    w.append("const uint8_t mp_idna_map_len[MP_IDNA_MAP_CPS] = {")
    w.extend(wrap(["%d" % x for x in map_len], per_line=32))
    w.append("};")
    w.extend(planes("mp_idna_map_block", map_block, 2))
    w.extend(planes("mp_idna_map_units", map_units, 2))
    w.extend(planes("mp_idna_seq_first", seq_first, 3))
    w.extend(planes("mp_idna_prop_start", [a for a, _ in prop_ranges], 3))
    w.append("const uint16_t mp_idna_prop_value[MP_IDNA_PROPS] = {")
    w.extend(wrap(["0x%X" % v for _, v in prop_ranges]))
    w.append("};")
    w.extend(planes("mp_idna_ccc_start", [a for a, _ in ccc_ranges], 3))
    w.append("const uint8_t mp_idna_ccc_value[MP_IDNA_CCC] = {")
    w.extend(wrap(["%d" % v for _, v in ccc_ranges], per_line=16))
    w.append("};")
    w.extend(planes("mp_idna_decomp_cp", [cp for cp, _ in dec_list], 3))
    w.extend(planes("mp_idna_decomp_first", [d[0] for _, d in dec_list], 3))
    w.extend(planes("mp_idna_decomp_second", [(d[1] if len(d) > 1 else 0) for _, d in dec_list], 3))
    dec_at = {cp: i for i, (cp, _) in enumerate(dec_list)}
    w.extend(planes("mp_idna_comp", [dec_at[c[2]] for c in comp_list], 2))
    text_c = "\n".join(w) + "\n"

    h = []
    h.append("/* Generated by core/tools/gen_idna.py from core/data/idna/: do not edit.")
    h.append(" * IDNA tables (Unicode %s); idna.c is the only reader. */" % derived[0][9:-4])
    h.append("#ifndef MP_IDNA_TABLES_H")
    h.append("#define MP_IDNA_TABLES_H")
    h.append("#include <stddef.h>")
    h.append("#include <stdint.h>")
    h.append("")
    h.append("enum {")
    h.append("    MP_IDNA_BLOCKS = %d, /* of 256 code points */" % ((MAX_CP + 1) >> 8))
    h.append("    MP_IDNA_RANGES = %d," % len(ranges))
    h.append("    MP_IDNA_MAP_CPS = %d," % len(map_len))
    h.append("    MP_IDNA_MAP_BLOCKS = %d," % len(map_block))
    h.append("    MP_IDNA_MAP_UNITS = %d," % len(map_units))
    h.append("    MP_IDNA_SEQS = %d," % len(seq_first))
    h.append("    MP_IDNA_MAP_MAX = %d, /* longest mapping, UTF-16 units */" % max_map)
    h.append("    MP_IDNA_PROPS = %d," % len(prop_ranges))
    h.append("    MP_IDNA_CCC = %d," % len(ccc_ranges))
    h.append("    MP_IDNA_DECOMP = %d," % len(dec_list))
    h.append("    MP_IDNA_COMP = %d," % len(comp_list))
    h.append("};")
    h.append("")
    h.append("/* Main table: ranges sorted by start; block[b] is the index of the first")
    h.append(" * range starting at or after code point b * 256 (so block b's own ranges")
    h.append(" * are [block[b], block[b + 1]) and the one before covers its beginning).")
    h.append(" * range_step: start minus the previous range's start in the block (the")
    h.append(" * first: minus the block's start); range_class: VALID %d, CONTEXT %d, NOT_IDNA2008 %d,"
             % (VALID, CONTEXT, NOT_IDNA2008))
    h.append(" * IGNORED %d, DISALLOWED %d, MAPPED %d, MAPPED_SEQ %d, MAPPED_ALT %d)."
             % (IGNORED, DISALLOWED, MAPPED, MAPPED_SEQ, MAPPED_ALT))
    h.append(" * MAPPED: cp is mapped code point number i = m + (cp - start), m being")
    h.append(" * map_base[b] plus the lengths of the MAPPED ranges before it in its block;")
    h.append(" * its target is map_len[i] UTF-16 units of map_units starting at")
    h.append(" * map_block[i / 32] + the map_len of the mapped code points before it in")
    h.append(" * its block of 32. MAPPED_SEQ: cp maps to seq_first[q] + (cp - start), q")
    h.append(" * being seq_base[b] plus the number of MAPPED_SEQ ranges before it in")
    h.append(" * its block.")
    h.append(" * MAPPED_ALT: even offsets from start map to cp + 1, odd ones are valid.")
    h.append(" * Mapped ranges never cross a block boundary. */")
    h.extend(planes_decl("mp_idna_block", "MP_IDNA_BLOCKS + 1", 2))
    h.append("extern const uint8_t mp_idna_range_step[MP_IDNA_RANGES];")
    h.append("extern const uint8_t mp_idna_range_class[MP_IDNA_RANGES];")
    h.extend(planes_decl("mp_idna_map_base", "MP_IDNA_BLOCKS", 2))
    h.extend(planes_decl("mp_idna_seq_base", "MP_IDNA_BLOCKS", 2))
    h.append("extern const uint8_t mp_idna_map_len[MP_IDNA_MAP_CPS];")
    h.extend(planes_decl("mp_idna_map_block", "MP_IDNA_MAP_BLOCKS", 2))
    h.extend(planes_decl("mp_idna_map_units", "MP_IDNA_MAP_UNITS", 2))
    h.extend(planes_decl("mp_idna_seq_first", "MP_IDNA_SEQS", 3))
    h.append("/* Properties of valid code points, in runs from prop_start: virama << 11")
    h.append(" * | script << 8 | mark << 7 | joining type << 4 | bidi class. */")
    h.extend(planes_decl("mp_idna_prop_start", "MP_IDNA_PROPS", 3))
    h.append("extern const uint16_t mp_idna_prop_value[MP_IDNA_PROPS];")
    h.append("/* Canonical combining class runs from ccc_start. */")
    h.extend(planes_decl("mp_idna_ccc_start", "MP_IDNA_CCC", 3))
    h.append("extern const uint8_t mp_idna_ccc_value[MP_IDNA_CCC];")
    h.append("/* Canonical decompositions cp -> first, second (or 0), sorted by cp; the")
    h.append(" * primary composites as indices into them, sorted by first then second. */")
    h.extend(planes_decl("mp_idna_decomp_cp", "MP_IDNA_DECOMP", 3))
    h.extend(planes_decl("mp_idna_decomp_first", "MP_IDNA_DECOMP", 3))
    h.extend(planes_decl("mp_idna_decomp_second", "MP_IDNA_DECOMP", 3))
    h.extend(planes_decl("mp_idna_comp", "MP_IDNA_COMP", 2))
    h.append("")
    h.append("enum { MP_IDNA_VALID = %d, MP_IDNA_CONTEXT = %d, MP_IDNA_NOT_IDNA2008 = %d, "
             "MP_IDNA_IGNORED = %d, MP_IDNA_DISALLOWED = %d, MP_IDNA_MAPPED = %d, "
             "MP_IDNA_MAPPED_SEQ = %d, MP_IDNA_MAPPED_ALT = %d };"
             % (VALID, CONTEXT, NOT_IDNA2008, IGNORED, DISALLOWED, MAPPED, MAPPED_SEQ,
                MAPPED_ALT))
    for name, values in (("BIDI", BIDI), ("JT", JOINING), ("SCRIPT", SCRIPTS)):
        h.append("enum { " + ", ".join("MP_IDNA_%s_%s = %d" % (name, v.upper(), i)
                                         for i, v in enumerate(values)) + " };")
    h.append("")
    h.append("#endif")
    text_h = "\n".join(h) + "\n"

    write_if_changed(out_c, text_c)
    write_if_changed(out_h, text_h)


def planes(name, values, octets):
    """A table as `octets` byte planes (all low octets, then the next...):
    sorted code points and indices differ mostly in their low octets, so
    gzip finds the high ones repetitive (2.7 KiB less gzipped in the
    WebAssembly module than whole 16/32-bit words). Read with name_at(i)."""
    for v in values:
        if not 0 <= v < 1 << (8 * octets):
            raise SystemExit("gen_idna: %s: %#x does not fit %d octets" % (name, v, octets))
    out = ["const uint8_t %s_planes[%d][%d] = {" % (name, octets, len(values))]
    for k in range(octets):
        out.append("  {")
        out.extend(wrap(["%d" % ((v >> (8 * k)) & 0xFF) for v in values], per_line=24))
        out.append("  },")
    out.append("};")
    return out


def planes_decl(name, size, octets):
    """The declaration and the reader of a planes() table."""
    parts = " | ".join("(uint32_t)%s_planes[%d][i] << %d" % (name, k, 8 * k) if k
                       else "(uint32_t)%s_planes[0][i]" % name for k in range(octets))
    return ["extern const uint8_t %s_planes[%d][%s];" % (name, octets, size),
            "static inline uint32_t %s_at(size_t i) { return %s; }" % (name, parts)]


def wrap(items, per_line=8):
    return ["    " + ",".join(items[i:i + per_line]) + ","
            for i in range(0, len(items), per_line)] or ["    0"]


def write_if_changed(path, text):
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except OSError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("derive-ucd")
    d.add_argument("--ucd", default="/usr/share/unicode")
    d.add_argument("--out", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--data", required=True)
    g.add_argument("--out-c", required=True)
    g.add_argument("--out-h", required=True)
    args = ap.parse_args()
    if args.cmd == "derive-ucd":
        derive_ucd(args.ucd, args.out)
    else:
        generate(args.data, args.out_c, args.out_h)
    return 0


if __name__ == "__main__":
    sys.exit(main())
