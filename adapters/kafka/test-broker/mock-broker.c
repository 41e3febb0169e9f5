/*
 * mock-broker: a real-Kafka-protocol test broker for Eddy's Kafka tests.
 *
 * Runs librdkafka's mock cluster (patched, see patches/) in its own process:
 *
 *   mock-broker [--brokers N] [--rebalance-delay-ms MS] [--debug]
 *               [topic:partitions[:replication]] ...
 *
 * The first stdout line is the bootstrap list ("127.0.0.1:port,...").
 * Then each stdin line is a command answered by exactly one stdout line,
 * "ok <command> ..." or "error <command>: <reason>" (see `help`).
 * The process exits when stdin closes, so a crashed test run leaves no
 * broker behind.
 *
 * Built by build.sh against librdkafka.a.
 */

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdkafka.h"
#include "rdkafka_mock.h"

#define MAX_ARGS 64

static rd_kafka_mock_cluster_t *mcluster;
static int broker_cnt = 1;

static const struct {
        const char *name;
        int16_t key;
} api_names[] = {
    {"Produce", 0},
    {"Fetch", 1},
    {"ListOffsets", 2},
    {"Metadata", 3},
    {"OffsetCommit", 8},
    {"OffsetFetch", 9},
    {"FindCoordinator", 10},
    {"JoinGroup", 11},
    {"Heartbeat", 12},
    {"LeaveGroup", 13},
    {"SyncGroup", 14},
    {"DescribeGroups", 15},
    {"ListGroups", 16},
    {"ApiVersions", 18},
    {"CreateTopics", 19},
    {"DeleteTopics", 20},
    {"InitProducerId", 22},
    {"OffsetForLeaderEpoch", 23},
    {"AddPartitionsToTxn", 24},
    {"AddOffsetsToTxn", 25},
    {"EndTxn", 26},
    {"TxnOffsetCommit", 28},
    {"CreatePartitions", 37},
};

static void reply(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stdout, fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
        fflush(stdout);
}

/** Parses a whole decimal integer; returns 0 on success. */
static int parse_int(const char *s, long *out) {
        char *end;
        if (!s || !*s)
                return -1;
        errno = 0;
        *out  = strtol(s, &end, 10);
        return errno || *end ? -1 : 0;
}

/** ApiKey by name (case-insensitive) or number, -1 if unknown. */
static int parse_api(const char *s) {
        long v;
        size_t i;
        if (!parse_int(s, &v))
                return v >= 0 && v < 1000 ? (int)v : -1;
        for (i = 0; i < sizeof(api_names) / sizeof(*api_names); i++)
                if (!strcasecmp(api_names[i].name, s))
                        return api_names[i].key;
        return -1;
}

/** Error code by name (e.g. NOT_LEADER_OR_FOLLOWER) or number;
 *  returns 0 on success. */
static int parse_err(const char *s, rd_kafka_resp_err_t *out) {
        const struct rd_kafka_err_desc *descs;
        size_t cnt, i;
        long v;

        if (!parse_int(s, &v)) {
                *out = (rd_kafka_resp_err_t)v;
                return 0;
        }
        if (!strncasecmp(s, "RD_KAFKA_RESP_ERR_", 18))
                s += 18;
        /* Kafka's newer name for NOT_LEADER_FOR_PARTITION */
        if (!strcasecmp(s, "NOT_LEADER_OR_FOLLOWER")) {
                *out = RD_KAFKA_RESP_ERR_NOT_LEADER_OR_FOLLOWER;
                return 0;
        }
        rd_kafka_get_err_descs(&descs, &cnt);
        for (i = 0; i < cnt; i++) {
                if (descs[i].name && !strcasecmp(descs[i].name, s)) {
                        *out = descs[i].code;
                        return 0;
                }
        }
        return -1;
}

static const char *help =
    "ok commands: ping | bootstrap | create-topic <topic> <partitions> [rf] | "
    "delete-topic <topic> | add-partitions <topic> <total> | "
    "broker-down <id> | broker-up <id> | rtt <broker> <ms> | "
    "leader <topic> <partition> <broker> | "
    "coordinator <group|transaction> <key> <broker> | "
    "errors <api> <error>... | clear-errors <api> | "
    "delete-records <topic> <partition> <before-offset>";

/** Replies for an rd_kafka_resp_err_t result. */
static void reply_result(rd_kafka_resp_err_t err,
                         const char *cmd,
                         char **argv,
                         int argc) {
        char args[1024] = "";
        size_t of       = 0;
        int i;

        for (i = 1; i < argc && of < sizeof(args) - 1; i++)
                of += snprintf(args + of, sizeof(args) - of, " %s", argv[i]);

        if (err)
                reply("error %s: %s (%s)", cmd, rd_kafka_err2str(err),
                      rd_kafka_err2name(err));
        else
                reply("ok %s%s", cmd, args);
}

static void command(char *line) {
        char *argv[MAX_ARGS];
        int argc = 0;
        char *tok, *save = NULL;
        const char *cmd;
        long a, b, c;

        for (tok = strtok_r(line, " \t\r\n", &save); tok && argc < MAX_ARGS;
             tok = strtok_r(NULL, " \t\r\n", &save))
                argv[argc++] = tok;

        if (argc == 0) {
                reply("error : empty command");
                return;
        }
        cmd = argv[0];

#define USAGE(u)                                                               \
        do {                                                                   \
                reply("error %s: usage: %s", cmd, u);                          \
                return;                                                        \
        } while (0)

        if (!strcmp(cmd, "ping")) {
                reply("ok pong");

        } else if (!strcmp(cmd, "help")) {
                reply("%s", help);

        } else if (!strcmp(cmd, "bootstrap")) {
                reply("ok bootstrap %s",
                      rd_kafka_mock_cluster_bootstraps(mcluster));

        } else if (!strcmp(cmd, "create-topic")) {
                if (argc < 3 || argc > 4 || parse_int(argv[2], &a) || a < 1 ||
                    (argc == 4 && (parse_int(argv[3], &b) || b < 1)))
                        USAGE("create-topic <topic> <partitions> [rf]");
                if (argc == 3)
                        b = broker_cnt < 3 ? broker_cnt : 3;
                reply_result(rd_kafka_mock_topic_create(mcluster, argv[1],
                                                        (int)a, (int)b),
                             cmd, argv, argc);

        } else if (!strcmp(cmd, "delete-topic")) {
                if (argc != 2)
                        USAGE("delete-topic <topic>");
                reply_result(rd_kafka_mock_topic_delete(mcluster, argv[1]),
                             cmd, argv, argc);

        } else if (!strcmp(cmd, "add-partitions")) {
                /* Goes through the mock thread's op queue: the topic's
                 * partition array is only touched on that thread. */
                if (argc != 3 || parse_int(argv[2], &a) || a < 1)
                        USAGE("add-partitions <topic> <total>");
                reply_result(rd_kafka_mock_topic_create_partitions(
                                 mcluster, argv[1], (int)a),
                             cmd, argv, argc);

        } else if (!strcmp(cmd, "broker-down") || !strcmp(cmd, "broker-up")) {
                if (argc != 2 || parse_int(argv[1], &a))
                        USAGE("broker-down|broker-up <id>");
                reply_result(cmd[7] == 'd'
                                 ? rd_kafka_mock_broker_set_down(mcluster,
                                                                 (int32_t)a)
                                 : rd_kafka_mock_broker_set_up(mcluster,
                                                               (int32_t)a),
                             cmd, argv, argc);

        } else if (!strcmp(cmd, "rtt")) {
                if (argc != 3 || parse_int(argv[1], &a) ||
                    parse_int(argv[2], &b) || b < 0)
                        USAGE("rtt <broker> <ms>");
                reply_result(rd_kafka_mock_broker_set_rtt(mcluster, (int32_t)a,
                                                          (int)b),
                             cmd, argv, argc);

        } else if (!strcmp(cmd, "leader")) {
                if (argc != 4 || parse_int(argv[2], &a) ||
                    parse_int(argv[3], &b))
                        USAGE("leader <topic> <partition> <broker>");
                reply_result(rd_kafka_mock_partition_set_leader(
                                 mcluster, argv[1], (int32_t)a, (int32_t)b),
                             cmd, argv, argc);

        } else if (!strcmp(cmd, "coordinator")) {
                if (argc != 4 || parse_int(argv[3], &a) ||
                    (strcmp(argv[1], "group") && strcmp(argv[1], "transaction")))
                        USAGE("coordinator <group|transaction> <key> <broker>");
                reply_result(rd_kafka_mock_coordinator_set(
                                 mcluster, argv[1], argv[2], (int32_t)a),
                             cmd, argv, argc);

        } else if (!strcmp(cmd, "errors")) {
                rd_kafka_resp_err_t errs[MAX_ARGS];
                int api, i;
                if (argc < 3 || (api = parse_api(argv[1])) < 0)
                        USAGE("errors <api> <error>...");
                for (i = 2; i < argc; i++) {
                        if (parse_err(argv[i], &errs[i - 2])) {
                                reply("error %s: unknown error code %s", cmd,
                                      argv[i]);
                                return;
                        }
                }
                rd_kafka_mock_push_request_errors_array(
                    mcluster, (int16_t)api, (size_t)(argc - 2), errs);
                reply_result(RD_KAFKA_RESP_ERR_NO_ERROR, cmd, argv, argc);

        } else if (!strcmp(cmd, "clear-errors")) {
                int api;
                if (argc != 2 || (api = parse_api(argv[1])) < 0)
                        USAGE("clear-errors <api>");
                rd_kafka_mock_clear_request_errors(mcluster, (int16_t)api);
                reply_result(RD_KAFKA_RESP_ERR_NO_ERROR, cmd, argv, argc);

        } else if (!strcmp(cmd, "delete-records")) {
                if (argc != 4 || parse_int(argv[2], &a) ||
                    parse_int(argv[3], &c))
                        USAGE("delete-records <topic> <partition> <before>");
                reply_result(rd_kafka_mock_partition_delete_records(
                                 mcluster, argv[1], (int32_t)a, (int64_t)c),
                             cmd, argv, argc);

        } else {
                reply("error %s: unknown command (try help)", cmd);
        }
#undef USAGE
}

int main(int argc, char **argv) {
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        char errstr[512];
        char line[8192];
        int rebalance_delay_ms = 200;
        int debug              = 0;
        int i;

        /* A reader that went away must not kill us mid-write: we exit on
         * stdin EOF instead. */
        signal(SIGPIPE, SIG_IGN);

        for (i = 1; i < argc; i++) {
                long v;
                if (!strcmp(argv[i], "--brokers") && i + 1 < argc) {
                        if (parse_int(argv[++i], &v) || v < 1 || v > 100) {
                                fprintf(stderr, "mock-broker: bad --brokers\n");
                                return 2;
                        }
                        broker_cnt = (int)v;
                } else if (!strcmp(argv[i], "--rebalance-delay-ms") &&
                           i + 1 < argc) {
                        if (parse_int(argv[++i], &v) || v < 0) {
                                fprintf(stderr,
                                        "mock-broker: bad "
                                        "--rebalance-delay-ms\n");
                                return 2;
                        }
                        rebalance_delay_ms = (int)v;
                } else if (!strcmp(argv[i], "--debug")) {
                        debug = 1;
                } else if (argv[i][0] == '-') {
                        fprintf(stderr,
                                "usage: mock-broker [--brokers N] "
                                "[--rebalance-delay-ms MS] [--debug] "
                                "[topic:partitions[:replication]]...\n");
                        return 2;
                }
        }

        conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "log_level", debug ? "7" : "3", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            (debug && rd_kafka_conf_set(conf, "debug", "mock", errstr,
                                        sizeof(errstr)) != RD_KAFKA_CONF_OK)) {
                fprintf(stderr, "mock-broker: %s\n", errstr);
                return 1;
        }

        /* The mock cluster runs on a client instance's thread pool. */
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "mock-broker: %s\n", errstr);
                return 1;
        }

        mcluster = rd_kafka_mock_cluster_new(rk, broker_cnt);
        if (!mcluster) {
                fprintf(stderr, "mock-broker: failed to create mock cluster\n");
                return 1;
        }

        /* Clients that ask for the controller (kafkajs admin, idempotent
         * producers) need a real broker id, not the default -1. */
        rd_kafka_mock_set_controller_id(mcluster, 1);

        /* LeaveGroup v3+ (batched members) is advertised but not parsed. */
        rd_kafka_mock_set_apiversion(mcluster, 13 /* LeaveGroup */, 0, 2);

        rd_kafka_mock_group_initial_rebalance_delay_ms(mcluster,
                                                       rebalance_delay_ms);
        /* A join ends once every known member has joined (as on a real
         * broker) rather than after session.timeout.ms - 1 s. */
        rd_kafka_mock_group_classic_fast_join(mcluster, 1);

        for (i = 1; i < argc; i++) {
                char *spec, *name, *parts, *rf, *save = NULL;
                long p = 1, r = broker_cnt < 3 ? broker_cnt : 3;
                rd_kafka_resp_err_t err;

                if (argv[i][0] == '-') {
                        if (strcmp(argv[i], "--debug"))
                                i++; /* skip the option's value */
                        continue;
                }

                spec  = strdup(argv[i]);
                name  = strtok_r(spec, ":", &save);
                parts = strtok_r(NULL, ":", &save);
                rf    = strtok_r(NULL, ":", &save);
                if (!name || (parts && (parse_int(parts, &p) || p < 1)) ||
                    (rf && (parse_int(rf, &r) || r < 1))) {
                        fprintf(stderr, "mock-broker: bad topic spec %s\n",
                                argv[i]);
                        return 2;
                }
                err = rd_kafka_mock_topic_create(mcluster, name, (int)p,
                                                 (int)r);
                if (err) {
                        fprintf(stderr, "mock-broker: topic %s: %s\n", name,
                                rd_kafka_err2str(err));
                        return 1;
                }
                free(spec);
        }

        reply("%s", rd_kafka_mock_cluster_bootstraps(mcluster));

        while (fgets(line, sizeof(line), stdin))
                command(line);

        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        return 0;
}
