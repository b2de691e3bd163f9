/* The extra disposable-domain list (domain_list.h): what a valid line is,
 * sorting, duplicates, and the line named in an error.
 * ctest-labels: unit native
 * ctest-links: mpengine */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "domain_list.h"
#include "test.h"

TEST(domain_text_must_be_lower_case_ascii_domains)
{
    CHECK(mp_domain_text_valid("mailinator.com", 14));
    CHECK(mp_domain_text_valid("xn--bcher-kva.example", 21));
    CHECK(!mp_domain_text_valid("Mailinator.com", 14));
    CHECK(!mp_domain_text_valid("bad domain.com", 14));
    CHECK(!mp_domain_text_valid("localhost", 9));
    CHECK(!mp_domain_text_valid("", 0));
}

TEST(domain_list_loads_sorted_and_finds_members)
{
    char path[128], err[256];
    snprintf(path, sizeof path, "/tmp/mp-test-list-%d", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs("# header\nzz.example\naa.example\n\naa.example\n  mm.example  \n", f);
    fclose(f);
    mp_domain_list *l = mp_domain_list_load(path, err, sizeof err);
    CHECK(l != NULL);
    CHECK_EQ_INT(mp_domain_list_count(l), 3);
    CHECK(mp_domain_list_contains(l, "mm.example"));
    CHECK(mp_domain_list_contains(l, "zz.example"));
    CHECK(!mp_domain_list_contains(l, "bb.example"));
    mp_domain_list_free(l);
    f = fopen(path, "w");
    fputs("ok.example\nNOT OK\n", f);
    fclose(f);
    CHECK(mp_domain_list_load(path, err, sizeof err) == NULL);
    CHECK(strstr(err, ":2:") != NULL);
    unlink(path);
}

int main(void)
{
    RUN(domain_text_must_be_lower_case_ascii_domains);
    RUN(domain_list_loads_sorted_and_finds_members);
    return test_report();
}
