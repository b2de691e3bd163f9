/* mx.c — `mailprobe mx`: show how the prober resolves mail hosts.
 *
 * Prints one JSON line per domain, in the order given, with exactly what the
 * verifier would use: the result, the hosts in the order they would be
 * tried, the permitted addresses and how many addresses the target policy
 * refused. All domains are resolved concurrently on one loop. */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "dns.h"
#include "prober_options.h"

typedef struct mx_job {
    const char *input;         /* as given on the command line */
    char ascii[MP_DOMAIN_MAX + 1];
    char *json;                /* the printed line, once answered */
    size_t *remaining;
    struct event_base *base;
} mx_job;

static void usage(FILE *to)
{
    fprintf(to,
            "usage: mailprobe mx [--dns HOST[:PORT]] [--allow-net CIDR]... [--timeout DURATION] DOMAIN...\n"
            "\n"
            "Resolves each DOMAIN's mail hosts as `mailprobe verify` would and prints\n"
            "one JSON object per line: result (ok, nxdomain, null_mx, no_mail_host,\n"
            "error, blocked_target), implicit_mx, hosts in the order they would be\n"
            "tried with their permitted addresses and the count of refused ones.\n"
            "\n"
            "  --dns HOST[:PORT]   ask this resolver (an IP address) instead of the system's\n"
            "  --allow-net CIDR    permit connections into a refused range (repeatable)\n"
            "  --timeout DURATION  per-query timeout (default 3s; 500ms, 8s...; a bare number means seconds)\n"
            "  --stats             print the resolver's counters as JSON on stderr\n"
            "\n"
            "Exit status: 0 when every domain was looked up (whatever the result), 2 usage.\n");
}

static char *answer_to_json(const char *domain, const mp_mx_answer *a)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "domain", domain);
    cJSON_AddStringToObject(o, "result", mp_dns_result_name(a->result));
    cJSON_AddBoolToObject(o, "implicit_mx", a->implicit_mx);
    cJSON_AddNumberToObject(o, "ttl", a->ttl);
    cJSON *hosts = cJSON_AddArrayToObject(o, "hosts");
    for (size_t i = 0; hosts && i < a->nhosts; i++) {
        const mp_mx_host *h = &a->hosts[i];
        cJSON *jh = cJSON_CreateObject();
        if (!jh)
            break;
        cJSON_AddStringToObject(jh, "name", h->name);
        cJSON_AddNumberToObject(jh, "preference", h->preference);
        cJSON *addrs = cJSON_AddArrayToObject(jh, "addresses");
        for (size_t j = 0; addrs && j < h->naddrs; j++) {
            char text[INET6_ADDRSTRLEN];
            if (mp_address_text(&h->addrs[j], text, sizeof text))
                cJSON_AddItemToArray(addrs, cJSON_CreateString(text));
        }
        cJSON_AddNumberToObject(jh, "blocked", (double)h->nblocked);
        cJSON_AddItemToArray(hosts, jh);
    }
    if (a->result != MP_DNS_OK)
        cJSON_AddStringToObject(o, "error", a->error);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

static void on_answer(const mp_mx_answer *answer, void *arg)
{
    mx_job *job = arg;
    job->json = answer_to_json(job->input, answer);
    if (--*job->remaining == 0)
        event_base_loopexit(job->base, NULL);
}

/* The ASCII (A-label) form of a domain given on the command line; non-ASCII
 * input goes through the core's IDNA mapping. */
static bool to_ascii_domain(const char *input, char *out, size_t outlen)
{
    bool ascii = true;
    for (const char *p = input; *p; p++)
        if ((unsigned char)*p >= 0x80)
            ascii = false;
    if (ascii) {
        int n = snprintf(out, outlen, "%s", input);
        return n > 0 && (size_t)n < outlen;
    }
    char address[MP_INPUT_MAX + 1];
    int n = snprintf(address, sizeof address, "x@%s", input);
    if (n <= 0 || (size_t)n >= sizeof address)
        return false;
    static mp_syntax syntax; /* large; this command runs once per process */
    mp_parse(address, (size_t)n, NULL, &syntax);
    if (!syntax.valid || !syntax.ascii_domain[0])
        return false;
    snprintf(out, outlen, "%s", syntax.ascii_domain);
    return true;
}

int mp_cmd_mx(int argc, char **argv)
{
    mp_target_policy targets;
    memset(&targets, 0, sizeof targets);
    mp_dns_config cfg = {.server = NULL, .timeout_ms = 3000, .tries = 2, .cache_max = 0, .targets = &targets};
    int first_domain = argc;
    bool stats = false;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(arg, "--stats")) {
            stats = true;
        } else if (!strcmp(arg, "--dns") && val) {
            cfg.server = val;
            i++;
        } else if (!strcmp(arg, "--allow-net") && val) {
            if (!mp_target_allow(&targets, val)) {
                fprintf(stderr, "mailprobe mx: bad or too many --allow-net '%s'\n", val);
                return 2;
            }
            i++;
        } else if (!strcmp(arg, "--timeout") && val) {
            /* The same rule as the prober's --dns-timeout. */
            static const mp_duration_rule rule = {100, 60000, 1, false};
            int64_t ms;
            if (!mp_option_duration_arg("mx", "--timeout", val, &rule, &ms))
                return 2;
            cfg.timeout_ms = (int)ms;
            i++;
        } else if (!strcmp(arg, "--")) {
            first_domain = i + 1;
            break;
        } else if (arg[0] == '-') {
            fprintf(stderr, "mailprobe mx: unknown option or missing value: %s\n", arg);
            usage(stderr);
            return 2;
        } else {
            first_domain = i;
            break;
        }
    }
    size_t njobs = first_domain < argc ? (size_t)(argc - first_domain) : 0;
    if (njobs == 0) {
        usage(stderr);
        return 2;
    }
    for (int i = first_domain; i < argc; i++)
        if (argv[i][0] == '-') {
            fprintf(stderr, "mailprobe mx: options go before the domains: %s\n", argv[i]);
            return 2;
        }

    int status = 2;
    char err[256];
    mx_job *jobs = calloc(njobs, sizeof *jobs);
    struct event_base *base = event_base_new();
    mp_dns *dns = base ? mp_dns_new(base, &cfg, err, sizeof err) : NULL;
    if (!jobs || !base || !dns) {
        fprintf(stderr, "mailprobe mx: %s\n", dns || !base ? "out of memory" : err);
        goto done;
    }

    size_t remaining = njobs;
    for (size_t i = 0; i < njobs; i++) {
        mx_job *job = &jobs[i];
        job->input = argv[first_domain + (int)i];
        job->remaining = &remaining;
        job->base = base;
        if (!to_ascii_domain(job->input, job->ascii, sizeof job->ascii))
            job->ascii[0] = '\0';         /* the resolver answers "not a valid domain name" */
        mp_dns_resolve_mail_hosts(dns, job->ascii, on_answer, job);
    }
    event_base_dispatch(base);

    for (size_t i = 0; i < njobs; i++)
        printf("%s\n", jobs[i].json ? jobs[i].json : "{\"error\":\"out of memory\"}");
    if (stats) {
        mp_dns_stats st;
        mp_dns_stats_get(dns, &st);
        fprintf(stderr, "{\"queries_sent\":%llu,\"cache_hits\":%llu,\"cache_misses\":%llu,\"errors\":%llu}\n",
                (unsigned long long)st.queries_sent, (unsigned long long)st.cache_hits,
                (unsigned long long)st.cache_misses, (unsigned long long)st.errors);
    }
    status = 0;

done:
    mp_dns_free(dns);
    if (jobs)
        for (size_t i = 0; i < njobs; i++)
            cJSON_free(jobs[i].json);
    free(jobs);
    if (base)
        event_base_free(base);
    return status;
}
