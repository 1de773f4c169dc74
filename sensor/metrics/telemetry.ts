// The sensor's own metrics through the OpenTelemetry SDK: one MeterProvider
// with a Prometheus reader (scraped from our HTTP server, which also serves
// the probes) and, when a collector is configured, a periodic OTLP push.
// The readers pull: every figure is read from the stages' counters at
// collection time, so the event path pays nothing for being measured.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';

export interface TelemetryOptions {
  /** Resource attributes: service.name, host.name, k8s.node.name, ... */
  resource: Record<string, string>;
  /** OTLP http/protobuf collector (the exporter appends /v1/metrics). */
  otlpEndpoint?: string;
  otlpIntervalMs?: number;
  otlpHeaders?: Record<string, string>;
}

export interface Telemetry {
  meter: Meter;
  /** Serves the Prometheus text format. */
  handleScrape(req: IncomingMessage, res: ServerResponse): void;
  /** Push once more over OTLP (if configured) and stop. */
  shutdown(): Promise<void>;
}

export function createTelemetry(o: TelemetryOptions): Telemetry {
  const prometheus = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const readers: IMetricReader[] = [prometheus];
  if (o.otlpEndpoint) {
    const url = o.otlpEndpoint.replace(/\/+$/, '') + '/v1/metrics';
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url, headers: o.otlpHeaders ?? {} }),
        exportIntervalMillis: o.otlpIntervalMs ?? 30_000,
        exportTimeoutMillis: Math.min(10_000, o.otlpIntervalMs ?? 30_000),
      }),
    );
  }
  const provider = new MeterProvider({ resource: resourceFromAttributes(o.resource), readers });
  return {
    meter: provider.getMeter('kestrel-sensor'),
    handleScrape: (req, res) => prometheus.getMetricsRequestHandler(req, res),
    shutdown: async () => {
      try {
        await provider.shutdown();
      } catch {
        // a collector that is down at exit: its last push is lost, nothing else
      }
    },
  };
}
