// kafkajs' own modules, which adapters/kafka/kafkajs-client.ts uses untyped (edge-kafka.ts compiles them into a Worker).
declare module "kafkajs/src/*" {
  const module: unknown;
  export default module;
}
