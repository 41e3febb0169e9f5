/**
 * Kafka for jobs on Durable Objects: Eddy's Kafka client (kafkajs) compiled into the Worker, its
 * TCP connections made through workerd's `node:net`, which runs on `cloudflare:sockets`. The
 * Worker needs the `nodejs_compat` compatibility flag; `eddy bundle` imports this module into
 * the Worker it writes and sets the flag. A Worker bundled otherwise answers Kafka specs 501.
 */
/// <reference path="./kafkajs-modules.d.ts" />
import kafkajs from "kafkajs";
import cluster from "kafkajs/src/cluster/index.js";
import batch from "kafkajs/src/consumer/batch.js";
import loggers from "kafkajs/src/loggers/index.js";
import loggerConsole from "kafkajs/src/loggers/console.js";
import socketFactory from "kafkajs/src/network/socketFactory.js";
import requestQueue from "kafkajs/src/network/requestQueue/index.js";
import retry from "kafkajs/src/retry/index.js";
import eosManager from "kafkajs/src/producer/eosManager/index.js";
import protocolError from "kafkajs/src/protocol/error.js";
import coordinatorTypes from "kafkajs/src/protocol/coordinatorTypes.js";
import { provideKafkajsModules } from "../kafka/kafkajs-client.ts";
import { type KafkaRuntime, defaultKafkaRuntime } from "../../server/kafka.ts";

/** Kafka sources and sinks of specs, on the kafkajs modules compiled into the Worker. */
export function edgeKafkaRuntime(): KafkaRuntime {
  provideKafkajsModules({
    kafkajs,
    "kafkajs/src/cluster/index.js": cluster,
    "kafkajs/src/consumer/batch.js": batch,
    "kafkajs/src/loggers/index.js": loggers,
    "kafkajs/src/loggers/console.js": loggerConsole,
    "kafkajs/src/network/socketFactory.js": socketFactory,
    "kafkajs/src/network/requestQueue/index.js": requestQueue,
    "kafkajs/src/retry/index.js": retry,
    "kafkajs/src/producer/eosManager/index.js": eosManager,
    "kafkajs/src/protocol/error.js": protocolError,
    "kafkajs/src/protocol/coordinatorTypes.js": coordinatorTypes,
  });
  return defaultKafkaRuntime({ load: () => import("../kafka/index.ts") });
}
