/* The webhook's signature (webhook.h): OpenSSL's HMAC-SHA256 against the
 * RFC 4231 test cases 1, 2 and 6 (a key longer than a block), and what is
 * signed: the timestamp and the body.
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <string.h>

#include "test.h"
#include "webhook.h"

TEST(hmac_sha256_matches_rfc_4231)
{
    char hex[65];
    unsigned char key1[20];
    memset(key1, 0x0b, sizeof key1);
    CHECK(mp_hmac_sha256_hex(key1, sizeof key1, "Hi There", 8, hex));
    CHECK_EQ_STR(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    CHECK(mp_hmac_sha256_hex("Jefe", 4, "what do ya want for nothing?", 28, hex));
    CHECK_EQ_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    unsigned char key6[131];
    memset(key6, 0xaa, sizeof key6);
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    CHECK(mp_hmac_sha256_hex(key6, sizeof key6, m6, strlen(m6), hex));
    CHECK_EQ_STR(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(signature_covers_timestamp_dot_body)
{
    char sig[65], plain[65];
    CHECK(mp_webhook_signature("s3cret", 1700000000, "{\"id\":1}", 8, sig));
    CHECK(mp_hmac_sha256_hex("s3cret", 6, "1700000000.{\"id\":1}", 19, plain));
    CHECK_EQ_STR(sig, plain);
    CHECK(mp_webhook_signature("s3cret", 1700000001, "{\"id\":1}", 8, plain));
    CHECK(strcmp(sig, plain) != 0); /* another time, another signature */
}

int main(void)
{
    RUN(hmac_sha256_matches_rfc_4231);
    RUN(signature_covers_timestamp_dot_body);
    return test_report();
}
