/**
 * The VexFS configuration schema: one JSON schema, every key documented with its default.
 * `docs/configuration.md` is generated from it (`vexfs validate --print-docs`), and
 * `loadConfig` validates a file + environment against it once at startup.
 */
export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    node: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9._-]+$', description: 'Node name stamped on every event; seq and hash chain are per node. Default: the host name.' },
    dataDir: { type: 'string', minLength: 1, default: '.vexfs/data', description: 'Where the journal, vector snapshots, chDB data, keys and positions live.' },
    mount: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Serve the FUSE mount in `vexfs up`.' },
        backing: { type: 'string', minLength: 1, default: '.vexfs/backing', description: 'Backing directory holding the real files.' },
        mountpoint: { type: 'string', minLength: 1, default: '.vexfs/mnt', description: 'Where the filesystem is mounted.' },
        attrTimeout: { type: 'number', minimum: 0, maximum: 3600, default: 1, description: 'Seconds the kernel caches attributes (0 = every stat reaches VexFS and emits an event).' },
        entryTimeout: { type: 'number', minimum: 0, maximum: 3600, default: 1, description: 'Seconds the kernel caches name lookups.' },
        kernelCache: { type: 'boolean', default: false, description: 'Keep page cache across opens (faster re-reads; reads served from cache emit no event).' },
        contentHash: { type: 'boolean', default: false, description: 'Add SHA-256 of written data to write events (enables `audit cat --at`).' },
      },
    },
    journal: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        fsync: { type: 'string', enum: ['lazy', 'strict'], default: 'lazy', description: 'lazy: group fsync every lazyIntervalMs; strict: fsync before each acknowledgement.' },
        lazyIntervalMs: { type: 'integer', minimum: 1, maximum: 10000, default: 10, description: 'Group-commit interval of the lazy policy.' },
        segmentBytes: { type: 'integer', minimum: 65536, default: 67108864, description: 'Roll to a new segment file after this many bytes.' },
        retentionBytes: { type: 'integer', minimum: 0, default: 0, description: 'Delete the oldest shipped segments beyond this total size (0 = keep all).' },
        retentionMs: { type: 'integer', minimum: 0, default: 0, description: 'Delete shipped segments older than this (0 = keep all).' },
      },
    },
    kafka: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        brokers: { type: 'array', items: { type: 'string', pattern: '^[^\\s:]+:[0-9]{1,5}$' }, default: [], description: 'Kafka bootstrap brokers (host:port). Empty = embedded mode (journal only). Env KAFKA_BROKERS (comma-separated).' },
        clientId: { type: 'string', default: 'vexfs', description: 'Kafka client id.' },
        topicPrefix: { type: 'string', pattern: '^[A-Za-z0-9._-]+$', default: 'vexfs', description: 'Topics are <prefix>.<kind>.v1.' },
        partitions: { type: 'integer', minimum: 1, maximum: 1000, default: 3, description: 'Partitions of topics VexFS creates.' },
        groupId: { type: 'string', default: 'vexfs-processors', description: 'Consumer group of `vexfs process`.' },
        schemaRegistryUrl: { type: 'string', default: '', description: 'When set, Kafka values use Confluent framing (magic byte + schema id) instead of Avro single-object encoding. Env SCHEMA_REGISTRY_URL.' },
      },
    },
    clickhouse: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        url: { type: 'string', default: '', description: 'ClickHouse server URL (http://host:8123). Empty = embedded chDB under dataDir. Env CLICKHOUSE_URL.' },
        database: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', default: 'vexfs', description: 'Database holding the VexFS tables.' },
        username: { type: 'string', default: 'default', description: 'Server user.' },
        password: { type: 'string', default: '', description: 'Server password. Env CLICKHOUSE_PASSWORD.' },
      },
    },
    processors: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        windowSize: { type: 'integer', minimum: 1, maximum: 10000000, default: 10000, description: 'Sliding window length in events (seed 003).' },
        historySize: { type: 'integer', minimum: 1, maximum: 100000000, default: 100000, description: 'Events of history kept for baselines (seed 003).' },
        windowMs: { type: 'integer', minimum: 1, default: 10000, description: 'Time window length for rate statistics.' },
        sensitivity: { type: 'number', exclusiveMinimum: 0, maximum: 10, default: 1, description: 'Scales the σ thresholds of dynamic detectors (warn 2σ, critical 3σ at 1).' },
        contamination: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 0.5, default: 0.05, description: 'Isolation forest expected outlier fraction (seed 003).' },
        anomalyWindow: { type: 'integer', minimum: 2, default: 1000, description: 'Isolation forest training window (seed 003).' },
        minSamples: { type: 'integer', minimum: 1, default: 50, description: 'Samples before a detector may fire (seed 003).' },
        batchSize: { type: 'integer', minimum: 1, maximum: 100000, default: 100, description: 'Bridge batch size.' },
        maxBatch: { type: 'integer', minimum: 1, maximum: 1000000, default: 10000, description: 'Most events in one sink write: batches queued behind a write in flight are sent together.' },
        flushMs: { type: 'integer', minimum: 1, maximum: 60000, default: 10, description: 'Bridge flush interval.' },
      },
    },
    vector: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        defaultCollection: { type: 'string', pattern: '^[A-Za-z0-9._-]+$', default: 'files', description: 'Collection used for file embeddings without user.vexfs.collection.' },
        defaultDim: { type: 'integer', minimum: 1, maximum: 65536, default: 384, description: 'Dimension of the default collection (created on first use).' },
        defaultMetric: { type: 'string', enum: ['l2', 'cosine', 'ip'], default: 'cosine', description: 'Metric of the default collection.' },
        similarK: { type: 'integer', minimum: 1, maximum: 1000, default: 10, description: 'Entries listed in .vexfs/similar/<path>.' },
      },
    },
    api: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Serve the HTTP API and web page in `vexfs up`.' },
        host: { type: 'string', default: '127.0.0.1', description: 'Listen address of the HTTP API.' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 7070, description: 'Listen port of the HTTP API (0 = any free port). Env VEXFS_API_PORT.' },
        tokens: {
          type: 'object', default: {}, additionalProperties: { type: 'string', enum: ['admin', 'operator', 'viewer'] },
          description: 'Bearer tokens and their roles, e.g. {"s3cret": "admin"}. Empty = a random admin token is generated and printed at start.',
        },
        bodyLimit: { type: 'integer', minimum: 1024, default: 8388608, description: 'Largest accepted request body in bytes.' },
      },
    },
    audit: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        checkpointEvery: { type: 'integer', minimum: 0, default: 10000, description: 'Write a signed checkpoint every N events (0 = off).' },
        checkpointIntervalMs: { type: 'integer', minimum: 0, default: 60000, description: 'And at least every T ms while events flow (0 = off).' },
      },
    },
  },
} as const;

/** Environment variables VexFS reads, and the config key each sets. Any other VEXFS_* variable is refused as a typo. */
export const ENV_KEYS: Record<string, { key: string; parse: (v: string) => unknown }> = {
  VEXFS_CONFIG: { key: '(config file path)', parse: (v) => v },
  VEXFS_NODE: { key: 'node', parse: (v) => v },
  VEXFS_DATA_DIR: { key: 'dataDir', parse: (v) => v },
  VEXFS_BACKING: { key: 'mount.backing', parse: (v) => v },
  VEXFS_MOUNTPOINT: { key: 'mount.mountpoint', parse: (v) => v },
  VEXFS_FSYNC: { key: 'journal.fsync', parse: (v) => v },
  VEXFS_API_PORT: { key: 'api.port', parse: (v) => (/^\d+$/.test(v) ? Number(v) : v) },
  VEXFS_API_HOST: { key: 'api.host', parse: (v) => v },
  VEXFS_API_TOKEN: { key: 'api.tokens', parse: (v) => ({ [v]: 'admin' }) },
  VEXFS_DEBUG: { key: '(print stack traces of CLI errors)', parse: (v) => v },
  VEXFS_TOKEN: { key: '(token the CLI sends to a running daemon)', parse: (v) => v },
  KAFKA_BROKERS: { key: 'kafka.brokers', parse: (v) => v.split(',').map((s) => s.trim()).filter(Boolean) },
  SCHEMA_REGISTRY_URL: { key: 'kafka.schemaRegistryUrl', parse: (v) => v },
  CLICKHOUSE_URL: { key: 'clickhouse.url', parse: (v) => v },
  CLICKHOUSE_PASSWORD: { key: 'clickhouse.password', parse: (v) => v },
};
