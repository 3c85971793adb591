/** Public exports of the HTTP API. */
export { createApiServer, startApiServer, type RunningApi } from './server.js';
export type * from './deps.js';
export { resolveApiOptions, API_DEFAULTS, ROLES, roleAllows, type ApiOptions, type Role } from './options.js';
export { ApiErrorCodes, httpStatusOf, type ApiErrorBody } from './http-errors.js';
export { createLiveHub, pumpLogIntoHub, type LiveHub } from './live-hub.js';
export { createEventStats, type EventStatsOptions } from './event-stats.js';
export { createAnomalyFeed, isAnomaly } from './anomaly-feed.js';
export { eventToJson } from './event-json.js';
export { assertReadOnlySql } from './sql-guard.js';
export { sqlPortFromStore, storeReadiness } from './sql-port.js';
