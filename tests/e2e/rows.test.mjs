// The list tool's rows as data (web/rows.js) under Node: which verdict a row
// shows, filter + search + sort, counts, and both CSV exports, byte for byte.
// ctest-labels: e2e
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusOf, reasonText, smtpReply, mxHost, countByStatus, selectRows, resultsCsv, keepCsv, resultCells, RESULT_COLUMNS, RESULT_CSV_COLUMNS, TableRow, actionOf, locallyValid, keepRows } from '../../web/rows.js';

const local = (status, reason, action, extra = {}) => ({ status, reason, action, score: 50, suggestion: null, ...extra });
const row = (n, email, l, remote = null, pending = false) => ({ n, email, line: n + 1, local: l, remote, pending });

const ROWS = [
  row(1, 'ann@known.mptest', local('unknown', 'not_checked', 'retry'),
    local('deliverable', 'accepted', 'send', { score: 95, smtp: { code: 250, enhanced_code: '2.1.5', message: 'Ok', host: 'mx1.known.mptest' } })),
  row(2, 'zed@known.mptest', local('unknown', 'not_checked', 'retry'),
    local('undeliverable', 'mailbox_not_found', 'remove', { score: 0, smtp: { code: 550, enhanced_code: '5.1.1', message: '=cmd|calc <zed>: User unknown', host: 'mx1.known.mptest' } })),
  row(3, 'bob@gmal.com', local('unknown', 'not_checked', 'retry', { suggestion: 'bob@gmail.com' }), null, true),
  row(4, 'not an address', local('undeliverable', 'invalid_syntax', 'remove', { score: 0, syntax: { message: 'The address contains a space.' } })),
];

test('a row shows the prober\'s verdict once it arrived, "pending" while it is out', () => {
  assert.deepEqual(ROWS.map(statusOf), ['deliverable', 'undeliverable', 'pending', 'undeliverable']);
  assert.deepEqual(countByStatus(ROWS), { deliverable: 1, undeliverable: 2, risky: 0, unknown: 0, pending: 1 });
});

test('reasons in words; bad syntax in the core\'s sentence; the SMTP reply as one text', () => {
  assert.equal(reasonText(ROWS[1].remote), 'mailbox not found');
  assert.equal(reasonText(ROWS[3].local), 'The address contains a space.');
  assert.equal(reasonText({ reason: 'something_new' }), 'something_new');
  assert.equal(smtpReply(ROWS[0].remote), '250 Ok');
  assert.equal(smtpReply({ smtp: { code: 550, message: '550 5.1.1 no' } }), '550 5.1.1 no');
  assert.equal(smtpReply(ROWS[3].local), '');
  assert.equal(mxHost({ mx: { hosts: [{ host: 'mx.example.org' }] } }), 'mx.example.org');
});

test('filter by status, search by address, then sort; ties keep the input order', () => {
  const emails = (rows) => rows.map((r) => r.email);
  assert.deepEqual(emails(selectRows(ROWS, { filter: 'undeliverable' })), ['zed@known.mptest', 'not an address']);
  assert.deepEqual(emails(selectRows(ROWS, { search: 'known' })), ['ann@known.mptest', 'zed@known.mptest']);
  assert.deepEqual(emails(selectRows(ROWS, { sort: { key: 'email', dir: -1 } })), ['zed@known.mptest', 'not an address', 'bob@gmal.com', 'ann@known.mptest']);
  // Status: deliverable, risky, unknown, undeliverable, pending; the two undeliverable in input order.
  assert.deepEqual(emails(selectRows(ROWS, { sort: { key: 'status', dir: 1 } })), ['ann@known.mptest', 'zed@known.mptest', 'not an address', 'bob@gmal.com']);
  // Empty MX cells last.
  assert.deepEqual(emails(selectRows(ROWS, { sort: { key: 'mx', dir: 1 } })).slice(2), ['bob@gmal.com', 'not an address']);
  assert.throws(() => selectRows(ROWS, { sort: { key: 'nope', dir: 1 } }), RangeError);
});

test('the rows export: the one result column set, every cell defused, CRLF', () => {
  assert.deepEqual(RESULT_COLUMNS, ['email', ...RESULT_CSV_COLUMNS, 'verified', 'source_line']);
  assert.deepEqual(RESULT_CSV_COLUMNS, ['status', 'reason', 'action', 'score', 'syntax_reason', 'normalized', 'suggestion',
    'disposable', 'role', 'free', 'unknown_tld', 'provider', 'mx_host', 'smtp_result', 'smtp_code', 'smtp_enhanced_code',
    'smtp_message', 'catch_all', 'retry_after']);
  const csv = resultsCsv([...ROWS.slice(0, 2), row(5, '=cmd|x@example.org', local('unknown', 'not_checked', 'segment'))]);
  assert.equal(csv, [
    RESULT_COLUMNS.join(','),
    'ann@known.mptest,deliverable,accepted,send,95,,,,,,,,,mx1.known.mptest,,250,2.1.5,Ok,,,yes,2',
    "zed@known.mptest,undeliverable,mailbox_not_found,remove,0,,,,,,,,,mx1.known.mptest,,550,5.1.1,'=cmd|calc <zed>: User unknown,,,yes,3",
    "'=cmd|x@example.org,unknown,not_checked,segment,50,,,,,,,,,,,,,,,,no,6",
    '',
  ].join('\r\n'));
  // A full prober result: every column filled from its JSON.
  const full = {
    status: 'risky', reason: 'catch_all', action: 'segment', score: 70, syntax: { valid: true, reason: null },
    normalized: 'x@catchall.mptest', suggestion: null, disposable: false, role: false, free: true, unknown_tld: false, provider: 'google',
    mx: { hosts: [{ host: 'mx.catchall.mptest' }] }, smtp: { result: 'accepted', code: 250, enhanced_code: '2.1.5',
      message: 'Ok, got it', host: null, catch_all: true }, retry_after: null,
  };
  assert.deepEqual(resultCells(full), ['risky', 'catch_all', 'segment', 70, null, 'x@catchall.mptest', null, false, false,
    true, false, 'google', 'mx.catchall.mptest', 'accepted', 250, '2.1.5', 'Ok, got it', true, null]);
  assert.equal(resultsCsv([row(1, 'x@catchall.mptest', full)]).split('\r\n')[1],
    'x@catchall.mptest,risky,catch_all,segment,70,,x@catchall.mptest,,false,false,true,false,google,mx.catchall.mptest,accepted,250,2.1.5,"Ok, got it",true,,no,2');
});

test('the keep export: every address whose verdict is not "remove", in input order', () => {
  assert.equal(keepCsv(ROWS), 'email\r\nann@known.mptest\r\nbob@gmal.com\r\n');
});

// A stand-in for mailcheck.mjs's ResultTable: columns of codes, get(i) builds
// the object (and counts how often it was asked).
function fakeTable(results) {
  const names = { status: ['deliverable', 'undeliverable', 'risky', 'unknown'], action: ['send', 'remove', 'retry', 'segment'] };
  const table = {
    names,
    built: 0,
    status: Uint8Array.from(results, (r) => names.status.indexOf(r.status)),
    action: Uint8Array.from(results, (r) => names.action.indexOf(r.action)),
    valid: Uint8Array.from(results, (r) => (r.syntax?.valid === false ? 0 : 1)),
    get(i) { table.built++; return { ...results[i] }; },
  };
  return table;
}

test('a TableRow reads status, action and validity from the columns and builds its object once, when asked', () => {
  const results = ROWS.map((r) => ({ ...r.local, syntax: { valid: r.local.reason !== 'invalid_syntax', ...r.local.syntax } }));
  const table = fakeTable(results);
  const rows = ROWS.map((r, i) => Object.assign(new TableRow(r.n, r.email, r.line, table, i), { remote: r.remote, pending: r.pending }));
  assert.deepEqual(rows.map(statusOf), ROWS.map(statusOf));
  assert.deepEqual(countByStatus(rows), countByStatus(ROWS));
  assert.deepEqual(rows.map(actionOf), ROWS.map(actionOf));
  assert.deepEqual(rows.map(locallyValid), [true, true, true, false]);
  assert.deepEqual(keepRows(rows).map((r) => r.n), keepRows(ROWS).map((r) => r.n));
  assert.equal(table.built, 0, 'no object built for counting, filtering and keeping');
  assert.equal(rows[2].local.suggestion, 'bob@gmail.com');
  assert.equal(rows[2].local, rows[2].local);
  assert.equal(table.built, 1);
  assert.equal(resultsCsv(rows), resultsCsv(ROWS));
});
