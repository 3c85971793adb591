/** The public surface of src/log: the EventLog port and its adapters (journal, kafka), the shipper. */
export type { EventLog, LoggedEvent, ReadOptions } from './event-log.js';
export { openJournal, readJournal, repairJournal, verifyJournal, resolveJournalOptions, JOURNAL_DEFAULTS } from './journal/index.js';
export type { Journal, JournalOptions, RetentionOptions, SegmentInfo, RepairReport, LogSink } from './journal/index.js';
export { createKafkaLog, readKafkaTopic, topicOf, resolveKafkaOptions, KAFKA_DEFAULTS } from './kafka/index.js';
export type { KafkaLog, KafkaLogOptions, KafkaOptions, TopicReadOptions, TopicRecord, BackoffOptions } from './kafka/index.js';
export { createShipper } from './shipper.js';
export type { Shipper, ShipperOptions } from './shipper.js';
