/** The typed VexFS API client (used by the CLI and the tests). */
export { createClient, ApiClientError, type ClientOptions, type Subscription, type VexfsClient } from './client.js';
export type * from './types.js';
