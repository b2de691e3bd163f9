#!/usr/bin/env python3
"""gen_man.py — the manual pages, written from the binary's own --help.

    gen_man.py MAILPROBE VERSION DATE EXTRAS_DIR OUT_DIR

Writes OUT_DIR/mailprobe.1.gz (from `mailprobe --help`, the command list)
and OUT_DIR/mailprobe-COMMAND.1.gz for each command (from
`mailprobe COMMAND --help`), so the pages cannot drift from the options.
Each page gets the hand-written sections of EXTRAS_DIR/PAGE.roff (examples,
files, environment, see also) appended.

The help texts share one shape, which this reads:
  usage: mailprobe CMD ...       SYNOPSIS (indented lines continue it)
  prose paragraphs               DESCRIPTION
  [header:] + "  --opt ARG  text" OPTIONS (one .SS per header when several;
             lines indented deeper continue the text)
  prose after the options        closing paragraphs of OPTIONS
  "exit status: ..."             EXIT STATUS
Anything else is a malformed help text and fails the build.
"""
import gzip
import os
import re
import subprocess
import sys

OPTION_LINE = re.compile(r"^ {1,4}(-\S.*?)(?: {2,}(\S.*))?$")


def roff_text(s):
    """Escapes prose for roff: backslashes, and a leading dot or quote."""
    s = s.replace("\\", "\\e")
    # Options and flags inside prose stay copy-pasteable minus signs.
    s = re.sub(r"(?<![\w-])--?[A-Za-z][\w-]*", lambda m: m.group(0).replace("-", "\\-"), s)
    if s[:1] in (".", "'"):
        s = "\\&" + s
    return s


def roff_term(s):
    """An option term: the option bold, its argument italic."""
    parts = []
    for word in re.split(r"(\s+|,\s*)", s):
        if not word or word.isspace() or word.startswith(","):
            parts.append(word)
        elif word.startswith("-"):
            parts.append("\\fB" + word.replace("\\", "\\e").replace("-", "\\-") + "\\fR")
        else:
            parts.append("\\fI" + word.replace("\\", "\\e").replace("-", "\\-") + "\\fR")
    return "".join(parts)


def blocks_of(text):
    """Paragraphs: lists of lines separated by blank lines."""
    blocks, cur = [], []
    for line in text.rstrip("\n").split("\n"):
        if line.strip():
            cur.append(line.rstrip())
        elif cur:
            blocks.append(cur)
            cur = []
    if cur:
        blocks.append(cur)
    return blocks


def parse_options(lines, where):
    """[(term, description)] from option lines and their continuations."""
    entries = []
    for line in lines:
        m = OPTION_LINE.match(line)
        if m:
            entries.append([m.group(1).strip(), (m.group(2) or "").strip()])
        elif entries and line.startswith("     "):
            entries[-1][1] = (entries[-1][1] + " " + line.strip()).strip()
        else:
            sys.exit(f"gen_man.py: {where}: not an option line: {line!r}")
    return entries


def is_option_block(block):
    body = block[1:] if block[0].endswith(":") and not block[0].startswith(" ") else block
    return bool(body) and OPTION_LINE.match(body[0]) is not None


def parse_help(text, where):
    """{'synopsis': [...], 'description': [[...]], 'options': [(header, entries)],
    'after': [[...]], 'exit': str or None} from one --help text."""
    blocks = blocks_of(text)
    if not blocks or not blocks[0][0].lower().startswith("usage:"):
        sys.exit(f"gen_man.py: {where}: --help does not start with 'usage:'")
    synopsis = []
    for line in blocks[0]:
        stripped = line.strip()
        if stripped.lower().startswith("usage:"):
            synopsis.append(stripped[6:].strip())
        elif stripped.startswith("mailprobe"):
            synopsis.append(stripped)
        else:
            synopsis[-1] += " " + stripped
    page = {"synopsis": synopsis, "description": [], "options": [], "after": [], "exit": None}
    for block in blocks[1:]:
        if is_option_block(block):
            header = block[0][:-1] if block[0].endswith(":") and not block[0].startswith(" ") else None
            body = block[1:] if header is not None else block
            page["options"].append((header, parse_options(body, where)))
        elif re.match(r"(?i)exit status", block[0]):
            page["exit"] = re.sub(r"(?i)^exit status:?\s*", "", " ".join(l.strip() for l in block))
        elif page["options"]:
            page["after"].append(block)
        else:
            page["description"].append(block)
    return page


def paragraph(lines):
    return "\n".join(roff_text(l.strip()) for l in lines)


def synopsis_line(line):
    """'mailprobe verify [options] -   (comment)': command bold, rest roman."""
    words = line.split(None, 2)
    command = " ".join(words[:2])
    rest = re.sub(r"\s{2,}", "  ", words[2]) if len(words) > 2 else ""
    return "\\fB" + command.replace("-", "\\-") + "\\fR " + roff_text(rest)


def render(name, summary, version, date, page, extra):
    title, escaped = name.upper(), name.replace("-", "\\-")
    out = [f'.TH {title} 1 "{date}" "mailprobe {version}" "User Commands"',
           ".SH NAME", f"{escaped} \\- {roff_text(summary)}",
           ".SH SYNOPSIS"]
    # Filled, one usage a line: long ones wrap instead of running off.
    out += "\n.br\n".join(synopsis_line(s) for s in page["synopsis"]).split("\n")
    if page["description"]:
        out.append(".SH DESCRIPTION")
    first = True
    for block in page["description"]:
        if not first:
            out.append(".PP")
        out.append(paragraph(block))
        first = False
    if page["options"]:
        out.append(".SH OPTIONS")
        several = len(page["options"]) > 1
        for header, entries in page["options"]:
            if several and header:
                out.append(f".SS {roff_text(header[:1].upper() + header[1:])}")
            for term, text in entries:
                out += [".TP", roff_term(term), roff_text(text)]
        for block in page["after"]:
            out += [".PP", paragraph(block)]
    if page["exit"]:
        out += [".SH EXIT STATUS", roff_text(page["exit"])]
    if extra:
        out.append(extra.rstrip("\n"))
    return "\n".join(out) + "\n"


def help_of(binary, *args):
    p = subprocess.run([binary, *args, "--help"], capture_output=True, text=True, check=False)
    if p.returncode != 0 or not p.stdout:
        sys.exit(f"gen_man.py: {binary} {' '.join(args)} --help failed ({p.returncode}): {p.stderr}")
    return p.stdout


def main_page(help_text):
    """The top-level help: usage, then 'commands:' and one line per command."""
    commands = []
    in_list = False
    for line in help_text.split("\n"):
        if line.strip() == "commands:":
            in_list = True
        elif in_list and line.startswith("  ") and line.strip():
            command, summary = line.strip().split(None, 1)
            commands.append((command, summary.strip()))
        elif in_list and not line.strip():
            in_list = False
    if not commands:
        sys.exit("gen_man.py: no 'commands:' list in mailprobe --help")
    return commands


def write_page(out_dir, name, text):
    # mtime 0 and no file name in the header: the same page, the same bytes.
    path = os.path.join(out_dir, name + ".1.gz")
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(text.encode("utf-8"))


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    binary, version, date, extras_dir, out_dir = sys.argv[1:]
    os.makedirs(out_dir, exist_ok=True)

    def extra_of(name):
        path = os.path.join(extras_dir, name + ".roff")
        if not os.path.exists(path):
            sys.exit(f"gen_man.py: {path} is missing (SEE ALSO at least)")
        with open(path, encoding="utf-8") as f:
            return f.read()

    top = help_of(binary)
    commands = main_page(top)
    command_list = [".SH COMMANDS"]
    for command, summary in commands:
        page_name = "mailprobe\\-" + command.replace("-", "\\-")
        command_list += [".TP", f"\\fB{page_name}\\fR(1)", roff_text(summary)]
    top_page = {"synopsis": ["mailprobe COMMAND [options]", "mailprobe --version"],
                "description": [], "options": [], "after": [], "exit": None}
    write_page(out_dir, "mailprobe",
               render("mailprobe", "know whether an e-mail address can receive mail", version, date,
                      top_page, extra_of("mailprobe").replace("@COMMANDS@", "\n".join(command_list))))
    for command, summary in commands:
        name = "mailprobe-" + command
        page = parse_help(help_of(binary, command), name)
        write_page(out_dir, name, render(name, summary, version, date, page, extra_of(name)))


if __name__ == "__main__":
    main()
