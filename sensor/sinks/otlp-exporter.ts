// The OpenTelemetry exporter an OtlpSink sends through: http/protobuf
// (exporter-logs-otlp-proto, POST {endpoint}/v1/logs) or gRPC
// (exporter-logs-otlp-grpc, LogsService/Export), with headers, TLS files and
// a timeout. The HTTP exporter retries 429/502/503/504 and network errors
// within its timeout; the gRPC one does not retry (otlp-retry.ts adds
// bounded attempts on top of both).
import { readFileSync } from 'node:fs';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { OtlpSinkOptions, TlsFiles } from './options';

/** The URL the HTTP exporter posts to: the endpoint's path + /v1/logs,
 *  unless the endpoint already names it. */
export function httpLogsUrl(endpoint: string): string {
  const u = new URL(endpoint);
  if (!/\/v1\/logs\/?$/.test(u.pathname)) u.pathname = u.pathname.replace(/\/+$/, '') + '/v1/logs';
  return u.toString();
}

interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

function readTls(tls: TlsFiles | undefined): TlsMaterial {
  const out: TlsMaterial = {};
  if (tls?.ca) out.ca = readFileSync(tls.ca);
  if (tls?.cert) out.cert = readFileSync(tls.cert);
  if (tls?.key) out.key = readFileSync(tls.key);
  return out;
}

function grpcExporter(o: OtlpSinkOptions): LogRecordExporter {
  // @grpc/grpc-js comes with exporter-logs-otlp-grpc; loaded only when used.
  const grpc = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(o.headers)) metadata.set(k.toLowerCase(), v);
  const secure = o.endpoint.startsWith('https://');
  const m = readTls(o.tls);
  const verify = o.tls?.rejectUnauthorized === false ? { rejectUnauthorized: false } : undefined;
  const credentials = secure
    ? grpc.credentials.createSsl(m.ca ?? null, m.key ?? null, m.cert ?? null, verify)
    : grpc.credentials.createInsecure();
  return new GrpcLogExporter({ url: o.endpoint, metadata, credentials, timeoutMillis: o.timeoutMs });
}

function httpExporter(o: OtlpSinkOptions): LogRecordExporter {
  const m = readTls(o.tls);
  return new ProtoLogExporter({
    url: httpLogsUrl(o.endpoint),
    headers: { ...o.headers },
    timeoutMillis: o.timeoutMs,
    httpAgentOptions: {
      keepAlive: true,
      ...m,
      ...(o.tls?.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
      ...(o.tls?.servername ? { servername: o.tls.servername } : {}),
    },
  });
}

/** Throws when a TLS file cannot be read: a start-up error. */
export function createOtlpExporter(o: OtlpSinkOptions): LogRecordExporter {
  return o.protocol === 'grpc' ? grpcExporter(o) : httpExporter(o);
}
