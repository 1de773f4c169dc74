/*
 * A Kafka cluster for the tests: librdkafka's mock cluster, which speaks the
 * real protocol, in a process of its own (in the same process as kafkajs a
 * 3-broker cluster hung; environment.md).
 *
 *   kafkamock [brokers]     (default 3)
 *
 * Prints the bootstrap servers on stdout as one line, then reads commands on
 * stdin, one a line, and answers each with one line, "ok ..." or "error ...":
 *
 *   down <id|all>                     refuse connections (broker ids are 1..N)
 *   up <id|all>                       accept them again
 *   topic <name> <partitions> <rf>    create a topic
 *   errors <apikey> <err>...          the next requests of that API (any broker)
 *                                     fail with these Kafka error codes, one each
 *                                     (e.g. "errors 0 10": one Produce gets
 *                                     MESSAGE_TOO_LARGE)
 *   quit                              exit (so does end of input)
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int broker_id(const char *s)
{
	if (strcmp(s, "all") == 0)
		return -1;
	char *end;
	long id = strtol(s, &end, 10);
	return (*s && !*end && id > 0) ? (int)id : 0;
}

static void answer(rd_kafka_resp_err_t err, const char *what)
{
	if (err)
		printf("error %s: %s\n", what, rd_kafka_err2str(err));
	else
		printf("ok %s\n", what);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int brokers = argc > 1 ? atoi(argv[1]) : 3;
	if (brokers < 1 || brokers > 64) {
		fprintf(stderr, "kafkamock: broker count must be 1..64\n");
		return 2;
	}
	char errstr[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	/* The handle only hosts the cluster; keep it quiet. */
	rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!rk) {
		fprintf(stderr, "kafkamock: rd_kafka_new: %s\n", errstr);
		return 1;
	}
	rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
	if (!mc) {
		fprintf(stderr, "kafkamock: rd_kafka_mock_cluster_new failed\n");
		rd_kafka_destroy(rk);
		return 1;
	}
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);

	char line[1024];
	while (fgets(line, sizeof(line), stdin)) {
		char cmd[32], a[256], b[32], c[32];
		int n = sscanf(line, "%31s %255s %31s %31s", cmd, a, b, c);
		if (n < 1)
			continue;
		if (strcmp(cmd, "quit") == 0) {
			printf("ok quit\n");
			fflush(stdout);
			break;
		} else if ((strcmp(cmd, "down") == 0 || strcmp(cmd, "up") == 0) && n == 2 && broker_id(a)) {
			int id = broker_id(a);
			answer(cmd[0] == 'd' ? rd_kafka_mock_broker_set_down(mc, id)
					     : rd_kafka_mock_broker_set_up(mc, id),
			       line[0] == 'd' ? "down" : "up");
		} else if (strcmp(cmd, "errors") == 0 && n >= 3) {
			rd_kafka_resp_err_t errs[16];
			size_t cnt = 0;
			char *tok = strtok(line, " \t\n"); /* "errors" */
			tok = strtok(NULL, " \t\n");   /* api key */
			int16_t api = (int16_t)atoi(tok);
			while ((tok = strtok(NULL, " \t\n")) && cnt < 16)
				errs[cnt++] = (rd_kafka_resp_err_t)atoi(tok);
			rd_kafka_mock_push_request_errors_array(mc, api, cnt, errs);
			answer(RD_KAFKA_RESP_ERR_NO_ERROR, "errors");
		} else if (strcmp(cmd, "topic") == 0 && n == 4 && atoi(b) > 0 && atoi(c) > 0) {
			answer(rd_kafka_mock_topic_create(mc, a, atoi(b), atoi(c)), "topic");
		} else {
			printf("error unknown command\n");
			fflush(stdout);
		}
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
