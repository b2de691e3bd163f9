// The list tool's pure parts (web/listparse.js, web/csv.js) under Node: what
// a pasted list or a dropped CSV turns into, and what the exports write.
// ctest-labels: e2e
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseList, detectDelimiter, cleanCell, readRows, decodeList, isAddressHeader, looksLikeAddress, MAX_ROWS, ListParser } from '../../web/listparse.js';
import { toCsv, csvField, defuse } from '../../web/csv.js';

const emails = (p) => p.entries.map((e) => e.email);

test('a plain list: one address per line, trimmed, blanks skipped', () => {
  const p = parseList('  alice@example.org \r\n\r\nbob@example.org\n\n');
  assert.deepEqual(emails(p), ['alice@example.org', 'bob@example.org']);
  assert.equal(p.delimiter, null);
  assert.equal(p.blank, 2);
  assert.deepEqual(p.entries.map((e) => e.line), [1, 3]);
});

test('duplicates are dropped case-insensitively, first occurrence kept', () => {
  const p = parseList('Ann@Example.org\nann@example.org\nANN@EXAMPLE.ORG\nbob@example.org');
  assert.deepEqual(emails(p), ['Ann@Example.org', 'bob@example.org']);
  assert.equal(p.duplicates, 2);
});

test('a CSV: the address column is found by its header name', () => {
  const p = parseList('id,Name,E-mail,Notes\n1,Ann,ann@example.org,"likes, commas"\n2,Bob,bob@example.org,\n');
  assert.equal(p.delimiter, ',');
  assert.equal(p.column, 2);
  assert.equal(p.columnName, 'E-mail');
  assert.deepEqual(emails(p), ['ann@example.org', 'bob@example.org']);
});

test('a CSV without a known header: the column with @ signs wins, and its header row is skipped', () => {
  const p = parseList('Kontakt;Stadt\nann@example.org;Wien\nbob@example.org;Graz\n');
  assert.equal(p.delimiter, ';');
  assert.equal(p.column, 0);
  assert.equal(p.columnName, 'Kontakt');
  assert.deepEqual(emails(p), ['ann@example.org', 'bob@example.org']);
});

test('a TSV without header, address in the second column', () => {
  const p = parseList('Ann\tann@example.org\nBob\tbob@example.org');
  assert.equal(p.delimiter, '\t');
  assert.deepEqual(emails(p), ['ann@example.org', 'bob@example.org']);
});

test('quoted fields may hold the delimiter, quotes and line breaks', () => {
  const { rows } = readRows('a,"b,""c""\nd",e\nf,g,h', ',');
  assert.deepEqual(rows.map((r) => r.cells), [['a', 'b,"c"\nd', 'e'], ['f', 'g', 'h']]);
  assert.deepEqual(rows.map((r) => r.line), [1, 3]);
});

test('header names of the address column in several languages, as the prober reads them', () => {
  // The same names as tests/unit/test_shared_address_list.c.
  for (const name of ['email', 'E-mail', 'E-Mail', 'EMAIL', 'Email Address', 'E-mail Address', 'mail', 'E-Mail-Adresse',
    'Courriel', 'Adresse courriel', 'Correo electrónico', 'correo', 'Posta elettronica', 'E-post', 'E-postadresse',
    'Sähköposti', 'SÄHKÖPOSTI', 'E-posta', 'Электронная почта', 'メールアドレス', '邮箱', '電子郵件', '이메일',
    'E-mail 1 - Value', 'Primary Email', 'Mailadresse', 'Correio eletrônico', 'address', ' "Email" ']) {
    assert.ok(isAddressHeader(name), name);
  }
  for (const name of ['Name', 'First Name', 'Phone', 'Address line 2', 'Street address', 'Adresse', 'Company', '', 'Notes']) {
    assert.ok(!isAddressHeader(name), name);
  }
  assert.ok(looksLikeAddress('a@b') && !looksLikeAddress('@b') && !looksLikeAddress('a@') && !looksLikeAddress('Ann'));
});

test('a named column without addresses loses to one with them; Google\'s Type before Value', () => {
  let p = parseList('Name,Address,Contact\nAnn,1 Main St,ann@example.org\n');
  assert.equal(p.column, 2);
  assert.deepEqual(emails(p), ['ann@example.org']);
  p = parseList('Name,E-mail 1 - Type,E-mail 1 - Value\nAnn,* Home,ann@example.org\n');
  assert.equal(p.column, 2);
  assert.equal(p.columnName, 'E-mail 1 - Value');
});

test('a separated file none of whose columns holds addresses gives none, rather than names', () => {
  const p = parseList('First;Last\nAnn;Lee\nBob;Roe\n');
  assert.equal(p.noAddressColumn, true);
  assert.equal(p.column, -1);
  assert.deepEqual(emails(p), []);
  // A plain list is taken as it is, for the core to judge.
  assert.deepEqual(emails(parseList('Ann Lee\nBob\n')), ['Ann Lee', 'Bob']);
});

test('files are decoded as the prober reads them: BOM, else UTF-8, else Windows-1252, or as given', () => {
  const utf16le = new Uint8Array([0xff, 0xfe, ...Buffer.from('E-mail\tName\r\nann@example.org\tJos\u00e9\r\n', 'utf16le')]);
  let d = decodeList(utf16le);
  assert.equal(d.encoding, 'utf-16le');
  assert.equal(d.bom, true);
  assert.deepEqual(emails(parseList(d.text)), ['ann@example.org']);
  assert.equal(parseList(d.text).delimiter, '\t');
  const be = Buffer.from('email\nbob@example.org\n', 'utf16le').swap16();
  d = decodeList(new Uint8Array([0xfe, 0xff, ...be]));
  assert.equal(d.encoding, 'utf-16be');
  assert.deepEqual(emails(parseList(d.text)), ['bob@example.org']);
  d = decodeList(new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from('Name;E-Mail\nJos\u00e9;j@example.org\n')]));
  assert.equal(d.encoding, 'utf-8');
  assert.ok(d.text.startsWith('Name;'));
  // Windows-1252 (not valid UTF-8): ü is 0xfc. (Node 20's TextDecoder reads
  // 0x80-0x9f as Latin-1; the euro sign is checked in Chromium, page.test.mjs.)
  d = decodeList(new Uint8Array([...Buffer.from('M'), 0xfc, ...Buffer.from('ller;m@example.org')]));
  assert.equal(d.encoding, 'windows-1252');
  assert.equal(d.text, 'M\u00fcller;m@example.org');
  // Given (no BOM): Windows-1251.
  d = decodeList(new Uint8Array([0xcf, 0xee, 0xf7, 0xf2, 0xe0]), 'windows-1251');
  assert.equal(d.text, '\u041f\u043e\u0447\u0442\u0430');
  // A BOM wins over a given label.
  assert.equal(decodeList(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), 'windows-1252').text, 'a');
});

test('a plain list with an "email" header line skips it', () => {
  assert.deepEqual(emails(parseList('Email\nann@example.org\n')), ['ann@example.org']);
});

test('cells: display names, mailto: and stray quotes are cut away; garbage is kept for the core to judge', () => {
  assert.equal(cleanCell('"Ann Smith" <ann@example.org>'), 'ann@example.org');
  assert.equal(cleanCell('mailto:bob@example.org?subject=hi'), 'bob@example.org');
  assert.equal(cleanCell("'carol@example.org'"), 'carol@example.org');
  assert.equal(cleanCell('\u00a0dan@example.org\ufeff'), 'dan@example.org');
  assert.equal(cleanCell('"john doe"@example.org'), '"john doe"@example.org');
  assert.equal(cleanCell('not an address'), 'not an address');
});

test('a single-column list whose addresses hold no delimiter is not taken for CSV', () => {
  assert.equal(detectDelimiter('a@example.org\nb@example.org\nc@example.org'), null);
  // One stray comma on one line of many is not a delimiter either.
  assert.equal(detectDelimiter('a@example.org\nb@example.org\nc,d@example.org\ne@example.org\nf@example.org'), null);
});

test('a byte-order mark is ignored', () => {
  assert.deepEqual(emails(parseList('\ufeffemail\nann@example.org')), ['ann@example.org']);
});

test(`at most ${MAX_ROWS} addresses are kept, and the cut is reported`, () => {
  const n = MAX_ROWS + 5;
  const text = Array.from({ length: n }, (_, i) => `u${i}@example.org`).join('\n');
  const p = parseList(text);
  assert.equal(p.entries.length, MAX_ROWS);
  assert.equal(p.cut, true);
  assert.equal(parseList('a@example.org').cut, false);
});

test('50,000 lines parse quickly', () => {
  const text = Array.from({ length: 50000 }, (_, i) => `user${i}@example${i % 97}.org`).join('\n');
  const t0 = performance.now();
  const p = parseList(text);
  const ms = performance.now() - t0;
  assert.equal(p.entries.length, 50000);
  assert.ok(ms < 1500, `took ${ms} ms`);
});

test('CSV export: RFC 4180 quoting, CRLF, empty for null', () => {
  assert.equal(toCsv(['a', 'b'], [['x,y', 'say "hi"'], [null, 'line\nbreak']]), 'a,b\r\n"x,y","say ""hi"""\r\n,"line\nbreak"\r\n');
  assert.equal(csvField(550), '550');
  assert.equal(csvField(undefined), '');
});

test('server texts that a spreadsheet would run as formulas are defused', () => {
  assert.equal(defuse('=HYPERLINK("x")'), `'=HYPERLINK("x")`);
  assert.equal(defuse('+1'), "'+1");
  assert.equal(defuse('550 5.1.1 user unknown'), '550 5.1.1 user unknown');
  assert.equal(defuse(null), null);
});

// The reader before it took String#split for lines without a quote: one
// character at a time. The fast reader must cut every text the same way.
function referenceRows(text, delimiter, maxRows = Infinity) {
  const rows = [];
  let cells = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let cut = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { cell += '"'; i++; } else quoted = false;
      } else {
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        cell += c;
      }
      continue;
    }
    if (delimiter !== null && c === '"' && cell.trim() === '') { cell = ''; quoted = true; continue; }
    if (delimiter !== null && c === delimiter) { cells.push(cell); cell = ''; continue; }
    if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      rows.push({ cells, line: rowLine });
      cells = []; cell = '';
      line++; rowLine = line;
      if (rows.length >= maxRows) { cut = i + 1 < n; break; }
      continue;
    }
    cell += c;
  }
  if (!cut && (cell !== '' || cells.length > 0)) {
    cells.push(cell);
    rows.push({ cells, line: rowLine });
  }
  return { rows, cut };
}

test('the fast row reader cuts every text as the character-by-character one', () => {
  let seed = 7;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % n; };
  const pieces = ['a', 'b@x.org', ',', ';', '"', '""', '\n', '\r\n', '\r', ' ', '\t', 'é'];
  for (let k = 0; k < 3000; k++) {
    let text = '';
    for (let len = rnd(40); len > 0; len--) text += pieces[rnd(pieces.length)];
    for (const d of [null, ',', ';', '\t']) {
      assert.deepEqual(readRows(text, d, Infinity), referenceRows(text, d), JSON.stringify([text, d]));
    }
  }
});

test('a list parsed a few rows at a time gives the same answer as at once', () => {
  const text = 'id,Name,E-mail\n' + Array.from({ length: 500 }, (_, i) =>
    `${i},"N, ${i}",${i % 7 === 0 ? 'dup@example.org' : `u${i}@example.org`}`).join('\r\n') + '\n,,\n';
  const parser = new ListParser(text);
  let steps = 0;
  while (!parser.step(7)) steps++;
  assert.ok(steps > 50);
  assert.deepEqual(parser.result(), parseList(text));
  assert.equal(parser.position, text.length);
});
