import { configError, intOption, refuseUnknown, stderrLog, type LogSink } from '../journal/options.js';

/** Options of the Kafka adapter (producer side and topic layout). */
export interface KafkaOptions {
  /** Bootstrap brokers, host:port. Required, at least one. */
  brokers: string[];
  /** Kafka client id (default 'vexfs'). */
  clientId?: string;
  /** Topics are <topicPrefix>.<kind>.v1 (default 'vexfs'). */
  topicPrefix?: string;
  /** Partitions of topics this adapter creates (default 3). Existing topics are left as they are. */
  partitions?: number;
  /** Replication factor of created topics; -1 = the broker's default (default -1). */
  replicationFactor?: number;
  /** Create the four kind topics at connect (default true). */
  createTopics?: boolean;
  /**
   * When set, values use Confluent framing (magic 0 + 4-byte schema id + Avro body) and the
   * schema is registered under <topic>-value at this URL. Default '' = Avro single-object encoding.
   */
  schemaRegistryUrl?: string;
  /** TCP connect timeout per broker in ms (default 3000). */
  connectionTimeoutMs?: number;
  /** Request timeout in ms (default 30000). */
  requestTimeoutMs?: number;
  /** Where broker up/down transitions are reported (default stderr). */
  log?: LogSink;
}

export type ResolvedKafkaOptions = Required<KafkaOptions>;

export const KAFKA_DEFAULTS = Object.freeze({
  clientId: 'vexfs', topicPrefix: 'vexfs', partitions: 3, replicationFactor: -1, createTopics: true,
  schemaRegistryUrl: '', connectionTimeoutMs: 3000, requestTimeoutMs: 30000,
});

export const KAFKA_KEYS = ['brokers', 'clientId', 'topicPrefix', 'partitions', 'replicationFactor', 'createTopics', 'schemaRegistryUrl', 'connectionTimeoutMs', 'requestTimeoutMs', 'log'] as const;

/** Validates the shared Kafka options (extra keys of a caller are passed in `alsoAllowed`). */
export function resolveKafkaOptions(opts: KafkaOptions, component = 'kafka', alsoAllowed: readonly string[] = []): ResolvedKafkaOptions {
  const C = component;
  if (opts === null || typeof opts !== 'object') throw configError(C, '(options)', opts, 'an object with at least brokers');
  refuseUnknown(C, '', opts, [...KAFKA_KEYS, ...alsoAllowed]);
  if (!Array.isArray(opts.brokers) || opts.brokers.length === 0 || !opts.brokers.every((b) => typeof b === 'string' && /^[^\s:]+:\d{1,5}$/.test(b))) {
    throw configError(C, 'brokers', opts.brokers, 'a non-empty array of host:port strings');
  }
  const clientId = opts.clientId ?? KAFKA_DEFAULTS.clientId;
  if (typeof clientId !== 'string' || clientId.length === 0) throw configError(C, 'clientId', opts.clientId, 'a non-empty string');
  const topicPrefix = opts.topicPrefix ?? KAFKA_DEFAULTS.topicPrefix;
  if (typeof topicPrefix !== 'string' || !/^[A-Za-z0-9._-]+$/.test(topicPrefix)) throw configError(C, 'topicPrefix', opts.topicPrefix, 'letters, digits, ".", "_" or "-"');
  const createTopics = opts.createTopics ?? true;
  if (typeof createTopics !== 'boolean') throw configError(C, 'createTopics', opts.createTopics, 'true or false');
  const url = opts.schemaRegistryUrl ?? '';
  if (typeof url !== 'string' || (url !== '' && !/^https?:\/\/\S+$/.test(url))) throw configError(C, 'schemaRegistryUrl', opts.schemaRegistryUrl, "'' or an http(s):// URL");
  const replicationFactor = opts.replicationFactor ?? -1;
  if (!Number.isInteger(replicationFactor) || (replicationFactor < 1 && replicationFactor !== -1)) throw configError(C, 'replicationFactor', opts.replicationFactor, '-1 (broker default) or an integer >= 1');
  const log = opts.log ?? stderrLog(component);
  return Object.freeze({
    brokers: [...opts.brokers], clientId, topicPrefix, createTopics, schemaRegistryUrl: url.replace(/\/+$/, ''), replicationFactor, log,
    partitions: intOption(C, 'partitions', opts.partitions, KAFKA_DEFAULTS.partitions, 1, 10_000),
    connectionTimeoutMs: intOption(C, 'connectionTimeoutMs', opts.connectionTimeoutMs, KAFKA_DEFAULTS.connectionTimeoutMs, 100, 600_000),
    requestTimeoutMs: intOption(C, 'requestTimeoutMs', opts.requestTimeoutMs, KAFKA_DEFAULTS.requestTimeoutMs, 100, 600_000),
  });
}
