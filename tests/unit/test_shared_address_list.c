/* Lists of addresses as people have them (address_list.h): the header names
 * in several languages, cleaning a cell, the address column by name, by
 * content or as asked, the header row, rows without an address, and the
 * line-by-line mode.
 * ctest-labels: unit native
 * ctest-links: mpshared */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address_list.h"
#include "test.h"

typedef struct opened { mp_addrlist *l; mp_csv_memory m; mp_addrlist_status st; char err[512]; } opened;

static void open_list(opened *o, const char *text, const mp_addrlist_options *opt)
{
    o->m = (mp_csv_memory){text, strlen(text), 0};
    o->st = mp_addrlist_open(&o->l, mp_csv_read_memory, &o->m, opt, o->err, sizeof o->err);
}

/* The addresses of every row, joined with '|'. */
static const char *addresses(opened *o)
{
    static char out[4096];
    size_t n = 0;
    mp_addrlist_row row;
    out[0] = '\0';
    while (mp_addrlist_next(o->l, &row, o->err, sizeof o->err) == MP_ADDRLIST_OK) {
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%.*s", n ? "|" : "", (int)row.address_len, row.address);
        if (n >= sizeof out)
            break;
    }
    return out;
}

static bool header_is(const char *s) { return mp_addrlist_is_address_header(s, strlen(s)); }

TEST(header_names_in_several_languages)
{
    const char *yes[] = {"email", "E-mail", "E-Mail", "EMAIL", "Email Address", "E-mail Address", "mail",
                         "E-Mail-Adresse", "Courriel", "Adresse courriel", "Correo electrónico", "correo",
                         "Posta elettronica", "E-post", "E-postadresse", "Sähköposti", "SÄHKÖPOSTI",
                         "E-posta", "Электронная почта", "メールアドレス", "邮箱", "電子郵件", "이메일",
                         "E-mail 1 - Value", "Primary Email", "Mailadresse", "Correio eletrônico",
                         "address", " \"Email\" "};
    const char *no[] = {"Name", "First Name", "Phone", "Address line 2", "Street address", "Adresse",
                        "Company", "", "Notes"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!header_is(yes[i]))
            TEST_FAIL_("not taken for an address header: %s", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (header_is(no[i]))
            TEST_FAIL_("taken for an address header: %s", no[i]);
}

static void check_clean(const char *cell, const char *want)
{
    const char *p;
    size_t n = mp_addrlist_clean_cell(cell, strlen(cell), &p);
    if (n != strlen(want) || memcmp(p, want, n))
        TEST_FAIL_("clean(%s) = %.*s, not %s", cell, (int)n, p, want);
}

TEST(a_cell_gives_its_address)
{
    check_clean("  ann@example.org\t", "ann@example.org");
    check_clean("\xc2\xa0" "ann@example.org" "\xc2\xa0", "ann@example.org");
    check_clean("Ann Lee <ann@example.org>", "ann@example.org");
    check_clean("mailto:ann@example.org?subject=hi", "ann@example.org");
    check_clean("MAILTO:ann@example.org", "ann@example.org");
    check_clean("'ann@example.org'", "ann@example.org");
    check_clean("\"ann@example.org\"", "ann@example.org");
    check_clean("\"ann lee\"@example.org", "\"ann lee\"@example.org"); /* a quoted local part stays */
    check_clean("<not an address>", "<not an address>");
    check_clean("Ann", "Ann");
    check_clean("", "");
    CHECK(mp_addrlist_looks_like_address("a@b", 3));
    CHECK(!mp_addrlist_looks_like_address("@b", 2));
    CHECK(!mp_addrlist_looks_like_address("a@", 2));
    CHECK(!mp_addrlist_looks_like_address("Ann", 3));
}

TEST(the_column_named_for_addresses_is_taken_with_its_header)
{
    opened o;
    open_list(&o, "\xef\xbb\xbf" "First Name;Last Name;E-mail Address\r\nAnn;Lee;ann@example.org\r\nBob;Roe;\r\n", NULL);
    CHECK_EQ_INT(o.st, MP_ADDRLIST_OK);
    CHECK(mp_addrlist_is_csv(o.l));
    CHECK_EQ_INT(mp_addrlist_column(o.l), 2);
    CHECK_EQ_STR(mp_addrlist_column_name(o.l), "E-mail Address");
    size_t hl;
    const char *h = mp_addrlist_header(o.l, &hl);
    CHECK(h && hl == 35 && !memcmp(h, "First Name;Last Name;E-mail Address", 35));
    CHECK_EQ_INT(mp_addrlist_width(o.l), 3);
    CHECK_EQ_INT(mp_addrlist_format(o.l)->separator, ';');
    /* Bob's row has no address: it is still a row, with an empty address. */
    CHECK_EQ_STR(addresses(&o), "ann@example.org|");
    mp_addrlist_free(o.l);
}

TEST(without_a_header_the_column_that_looks_most_like_addresses)
{
    opened o;
    open_list(&o, "Ann,x@y,ann@example.org\nBob,,bob@example.org\nEve,,\n", NULL);
    CHECK_EQ_INT(o.st, MP_ADDRLIST_OK);
    CHECK_EQ_INT(mp_addrlist_column(o.l), 2);
    CHECK(mp_addrlist_column_name(o.l) == NULL);
    CHECK_EQ_STR(addresses(&o), "ann@example.org|bob@example.org|");
    mp_addrlist_free(o.l);
    /* A first row that is no address above rows that are: a header, whatever its name. */
    open_list(&o, "Kunde,Kontakt\nAnn,ann@example.org\nBob,bob@example.org\n", NULL);
    CHECK_EQ_INT(mp_addrlist_column(o.l), 1);
    CHECK_EQ_STR(mp_addrlist_column_name(o.l), "Kontakt");
    CHECK_EQ_STR(addresses(&o), "ann@example.org|bob@example.org");
    mp_addrlist_free(o.l);
}

TEST(a_named_column_without_addresses_loses_to_one_with_them)
{
    /* "Address" is a postal one here; Google's export names Type before Value. */
    opened o;
    open_list(&o, "Name,Address,Contact\nAnn,1 Main St,ann@example.org\n", NULL);
    CHECK_EQ_INT(mp_addrlist_column(o.l), 2);
    CHECK_EQ_STR(addresses(&o), "ann@example.org");
    mp_addrlist_free(o.l);
    open_list(&o, "Name,E-mail 1 - Type,E-mail 1 - Value\nAnn,* Home,ann@example.org\n", NULL);
    CHECK_EQ_INT(mp_addrlist_column(o.l), 2);
    mp_addrlist_free(o.l);
}

TEST(the_column_asked_for_by_name_or_number)
{
    const char *t = "name\tmail\twork\nAnn\tann@home.example\tann@work.example\n";
    mp_addrlist_options opt = {.column = "WORK"};
    opened o;
    open_list(&o, t, &opt);
    CHECK_EQ_INT(o.st, MP_ADDRLIST_OK);
    CHECK_EQ_INT(mp_addrlist_format(o.l)->separator, '\t');
    CHECK_EQ_STR(addresses(&o), "ann@work.example");
    mp_addrlist_free(o.l);
    opt.column = "3";
    open_list(&o, t, &opt);
    CHECK_EQ_STR(addresses(&o), "ann@work.example");
    mp_addrlist_free(o.l);
    opt.column = "nope";
    open_list(&o, t, &opt);
    CHECK_EQ_INT(o.st, MP_ADDRLIST_NO_SUCH_COLUMN);
    CHECK(o.l == NULL);
    CHECK(strstr(o.err, "no column \"nope\"") && strstr(o.err, "\"name\", \"mail\", \"work\""));
    opt.column = "4";
    open_list(&o, t, &opt);
    CHECK_EQ_INT(o.st, MP_ADDRLIST_NO_SUCH_COLUMN);
}

TEST(a_separated_file_without_addresses_is_an_error_not_a_guess)
{
    opened o;
    open_list(&o, "First;Last\nAnn;Lee\nBob;Roe\n", NULL);
    CHECK_EQ_INT(o.st, MP_ADDRLIST_NO_ADDRESSES);
    CHECK(strstr(o.err, "no column holds addresses") != NULL);
    /* A plain list is taken as it is, for the core to say what is wrong. */
    open_list(&o, "Ann Lee\nBob\n", NULL);
    CHECK_EQ_INT(o.st, MP_ADDRLIST_OK);
    CHECK(!mp_addrlist_is_csv(o.l));
    CHECK_EQ_STR(addresses(&o), "Ann Lee|Bob");
    mp_addrlist_free(o.l);
}

TEST(a_plain_list_may_start_with_a_header_row)
{
    opened o;
    open_list(&o, "Email\nann@example.org\n\nbob@example.org\n", NULL);
    CHECK(mp_addrlist_is_csv(o.l));
    CHECK_EQ_STR(mp_addrlist_column_name(o.l), "Email");
    CHECK_EQ_STR(addresses(&o), "ann@example.org|bob@example.org");
    mp_addrlist_free(o.l);
}

TEST(lines_mode_takes_each_line_as_written)
{
    mp_addrlist_options opt = {.mode = MP_ADDRLIST_LINES, .keep_empty_lines = true};
    opened o;
    open_list(&o, " a@b.org \n\nx\rRCPT TO:<y@b.org>\r\n\"q\"@b.org\n", &opt);
    CHECK_EQ_INT(o.st, MP_ADDRLIST_OK);
    CHECK(!mp_addrlist_is_csv(o.l));
    CHECK_EQ_STR(addresses(&o), " a@b.org ||x\rRCPT TO:<y@b.org>|\"q\"@b.org");
    mp_addrlist_free(o.l);
}

TEST(rows_beyond_the_read_ahead_come_in_order)
{
    size_t rows = 3 * MP_ADDRLIST_HEAD_ROWS;
    char *t = malloc(rows * 32 + 32);
    size_t n = (size_t)sprintf(t, "id,email\n");
    for (size_t i = 0; i < rows; i++)
        n += (size_t)sprintf(t + n, "%zu,u%zu@example.org\n", i, i);
    opened o;
    open_list(&o, t, NULL);
    mp_addrlist_row row;
    for (size_t i = 0; i < rows; i++) {
        char want[32];
        snprintf(want, sizeof want, "u%zu@example.org", i);
        CHECK_EQ_INT(mp_addrlist_next(o.l, &row, o.err, sizeof o.err), MP_ADDRLIST_OK);
        if (row.address_len != strlen(want) || memcmp(row.address, want, row.address_len)) {
            TEST_FAIL_("row %zu: %.*s", i, (int)row.address_len, row.address);
            break;
        }
        CHECK_EQ_INT(row.line, i + 2);
    }
    CHECK_EQ_INT(mp_addrlist_next(o.l, &row, o.err, sizeof o.err), MP_ADDRLIST_END);
    mp_addrlist_free(o.l);
    free(t);
}

TEST(a_bad_record_is_named_by_its_line)
{
    char *t = malloc(MP_CSV_RECORD_MAX + 64);
    strcpy(t, "email\na@b.org\n\"");
    memset(t + 15, 'x', MP_CSV_RECORD_MAX + 2);
    t[15 + MP_CSV_RECORD_MAX + 2] = '\0';
    opened o;
    open_list(&o, t, NULL);
    CHECK_EQ_INT(o.st, MP_ADDRLIST_BAD_INPUT);
    CHECK(strstr(o.err, "line 3") != NULL);
    free(t);
}

int main(void)
{
    RUN(header_names_in_several_languages);
    RUN(a_cell_gives_its_address);
    RUN(the_column_named_for_addresses_is_taken_with_its_header);
    RUN(without_a_header_the_column_that_looks_most_like_addresses);
    RUN(a_named_column_without_addresses_loses_to_one_with_them);
    RUN(the_column_asked_for_by_name_or_number);
    RUN(a_separated_file_without_addresses_is_an_error_not_a_guess);
    RUN(a_plain_list_may_start_with_a_header_row);
    RUN(lines_mode_takes_each_line_as_written);
    RUN(rows_beyond_the_read_ahead_come_in_order);
    RUN(a_bad_record_is_named_by_its_line);
    return test_report();
}
