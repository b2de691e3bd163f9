/* provider.c — the table of MX host suffixes of the big mail providers and
 * the security gateways. Sources: the providers' own MX documentation
 * (e.g. Google "aspmx.l.google.com", Microsoft "*.mail.protection.outlook.com",
 * Proofpoint "*.pphosted.com", Mimecast "*.mimecast.com", Barracuda
 * "*.barracudanetworks.com", Cisco Secure Email "*.iphmx.com", Tencent QQ
 * "mx1.qq.com"/"mxbiz1.qq.com", United Internet's mail.com "mx00.mail.com").
 * tests/data/smtp-replies.tsv names an MX host for each provider it covers. */
#include "provider.h"

#include <string.h>

static const mp_provider google = {"google", false};
static const mp_provider microsoft = {"microsoft", false};
static const mp_provider yahoo = {"yahoo", true};
static const mp_provider aol = {"aol", true};
static const mp_provider apple = {"apple", false};
static const mp_provider zoho = {"zoho", false};
static const mp_provider fastmail = {"fastmail", false};
static const mp_provider proton = {"proton", false};
static const mp_provider yandex = {"yandex", false};
static const mp_provider mailru = {"mailru", false};
static const mp_provider gmx = {"gmx", false};
static const mp_provider qq = {"qq", false};
static const mp_provider ovh = {"ovh", false};
static const mp_provider godaddy = {"godaddy", false};
static const mp_provider amazon = {"amazon", false};
static const mp_provider proofpoint = {"proofpoint", true};
static const mp_provider mimecast = {"mimecast", true};
static const mp_provider barracuda = {"barracuda", true};
static const mp_provider cisco = {"cisco", true};
static const mp_provider symantec = {"symantec", true};
static const mp_provider trendmicro = {"trendmicro", true};
static const mp_provider sophos = {"sophos", true};
static const mp_provider forcepoint = {"forcepoint", true};
static const mp_provider trellix = {"trellix", true};
static const mp_provider hornetsecurity = {"hornetsecurity", true};
static const mp_provider spamexperts = {"spamexperts", true};

static const struct {
    const char *suffix;
    const mp_provider *provider;
} table[] = {
    {"google.com", &google},
    {"googlemail.com", &google},
    {"mail.protection.outlook.com", &microsoft},
    {"outlook.com", &microsoft},
    {"hotmail.com", &microsoft},
    {"yahoodns.net", &yahoo},
    {"yahoo.com", &yahoo},
    {"aol.com", &aol},
    {"icloud.com", &apple},
    {"me.com", &apple},
    {"zoho.com", &zoho},
    {"zoho.eu", &zoho},
    {"messagingengine.com", &fastmail},
    {"protonmail.ch", &proton},
    {"yandex.net", &yandex},
    {"yandex.ru", &yandex},
    {"mail.ru", &mailru},
    {"gmx.net", &gmx},
    {"web.de", &gmx},
    {"mail.com", &gmx},
    {"qq.com", &qq},
    {"ovh.net", &ovh},
    {"secureserver.net", &godaddy},
    {"amazonaws.com", &amazon},
    {"pphosted.com", &proofpoint},
    {"ppe-hosted.com", &proofpoint},
    {"mimecast.com", &mimecast},
    {"mimecast.co.za", &mimecast},
    {"barracudanetworks.com", &barracuda},
    {"iphmx.com", &cisco},
    {"messagelabs.com", &symantec},
    {"trendmicro.com", &trendmicro},
    {"trendmicro.eu", &trendmicro},
    {"hydra.sophos.com", &sophos},
    {"mailcontrol.com", &forcepoint},
    {"fireeyecloud.com", &trellix},
    {"hornetsecurity.com", &hornetsecurity},
    {"antispamcloud.com", &spamexperts},
};

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* True when host[0..len) equals suffix or ends with "." + suffix. */
static bool ends_with_label(const char *host, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    if (len < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(host[len - n + i]) != suffix[i])
            return false;
    return len == n || host[len - n - 1] == '.';
}

const mp_provider *mp_provider_from_mx(const char *host, size_t len)
{
    if (!host)
        return NULL;
    if (len && host[len - 1] == '.')
        len--;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (ends_with_label(host, len, table[i].suffix))
            return table[i].provider;
    return NULL;
}
