import { registry } from '../../metrics/registry.js';

/** A scrape response: the body and its Content-Type. */
export interface MetricsResponse {
  contentType: string;
  body: string;
}

/**
 * Renders the VexFS registry in the Prometheus text format, for GET /metrics.
 * The HTTP API (or any server) sends `body` with `contentType`.
 */
export async function metricsHandler(): Promise<MetricsResponse> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
