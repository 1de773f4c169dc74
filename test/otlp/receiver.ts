// A faithful OTLP logs receiver for tests: a real HTTP(S) server speaking
// OTLP/HTTP protobuf (POST /v1/logs) or a real gRPC server (LogsService/
// Export), decoding what the OpenTelemetry exporters send with the OTLP
// protobuf schema (proto.ts). Failures are injected per request, as a
// collector under load would return them.
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import {
  ExportLogsServiceRequest,
  ExportLogsServiceResponse,
  LOGS_EXPORT_PATH,
  RawExportLogsServiceRequest,
} from './proto';

export interface ReceivedRequest {
  /** HTTP headers or gRPC metadata, keys lower case. */
  headers: Record<string, string>;
  raw: Buffer;
  /** The ExportLogsServiceRequest as a plain object (protobufjs toObject). */
  decoded: Record<string, unknown>;
  /** Whether the receiver answered with an injected failure. */
  failed: boolean;
}

export interface ReceivedLog {
  resource: Record<string, unknown>;
  scope: { name: string; version: string };
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: unknown;
  attributes: Record<string, unknown>;
  droppedAttributesCount: number;
}

/** An OTLP AnyValue as a JS value: kvlist → object, array → array, empty → null. */
export function anyValue(v: Record<string, unknown> | undefined | null): unknown {
  if (!v) return null;
  if ('string_value' in v) return v.string_value;
  if ('bool_value' in v) return v.bool_value;
  if ('int_value' in v) {
    const n = BigInt(v.int_value as string);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  if ('double_value' in v) return v.double_value;
  if ('array_value' in v) {
    const values = ((v.array_value as { values?: Record<string, unknown>[] }).values ?? []);
    return values.map(anyValue);
  }
  if ('kvlist_value' in v) return keyValues((v.kvlist_value as { values?: Record<string, unknown>[] }).values);
  if ('bytes_value' in v) return v.bytes_value;
  return null;
}

export function keyValues(kvs: Record<string, unknown>[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of kvs ?? []) out[kv.key as string] = anyValue(kv.value as Record<string, unknown>);
  return out;
}

const TO_OBJECT: import('protobufjs').IConversionOptions = { longs: String, enums: Number, bytes: Buffer, defaults: false, oneofs: false };

/** Paths of string fields whose bytes are not valid UTF-8 (empty when all are). */
export function invalidUtf8Strings(raw: Buffer): string[] {
  const bad: string[] = [];
  const dec = new TextDecoder('utf-8', { fatal: true });
  const walk = (v: unknown, path: string): void => {
    if (v instanceof Uint8Array) {
      if (/(trace_id|span_id|bytes_value)$/.test(path)) return;
      try {
        dec.decode(v);
      } catch {
        bad.push(path);
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
  };
  walk(RawExportLogsServiceRequest.toObject(RawExportLogsServiceRequest.decode(raw), TO_OBJECT), '');
  return bad;
}

/** How to fail a request: an HTTP status, a gRPC status code, or no answer at all. */
export type Failure = { http?: number; grpc?: number; hang?: boolean };

export class OtlpReceiver {
  readonly requests: ReceivedRequest[] = [];
  private failures: Failure[] = [];
  private failAlways: Failure | null = null;
  private waiters: (() => void)[] = [];

  private constructor(
    readonly endpoint: string,
    private readonly stop: () => Promise<void>,
  ) {}

  /** OTLP/HTTP on 127.0.0.1 (HTTPS when tls is given). */
  static async http(tls?: https.ServerOptions): Promise<OtlpReceiver> {
    let self: OtlpReceiver | undefined;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : String(v);
        if (req.method !== 'POST' || req.url !== '/v1/logs') {
          res.writeHead(404).end();
          return;
        }
        if (headers['content-type'] !== 'application/x-protobuf') {
          res.writeHead(415).end();
          return;
        }
        const f = self!.take(body, headers);
        if (f?.hang) return;
        const fail = f?.http;
        if (fail) {
          res.writeHead(fail, { 'content-type': 'text/plain' }).end('injected failure');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.from(ExportLogsServiceResponse.encode({}).finish()));
      });
    };
    const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    self = new OtlpReceiver(`${tls ? 'https' : 'http'}://127.0.0.1:${port}`, async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return self;
  }

  /** OTLP/gRPC on 127.0.0.1, plaintext. */
  static async grpc(): Promise<OtlpReceiver> {
    let self: OtlpReceiver | undefined;
    const id = (b: Buffer): Buffer => b;
    const server = new grpc.Server();
    server.addService(
      {
        Export: {
          path: LOGS_EXPORT_PATH,
          requestStream: false,
          responseStream: false,
          requestSerialize: id,
          requestDeserialize: id,
          responseSerialize: id,
          responseDeserialize: id,
        },
      },
      {
        Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(call.metadata.getMap())) headers[k] = String(v);
          const f = self!.take(call.request, headers);
          if (f?.hang) return;
          if (f?.grpc) return cb({ code: f.grpc, details: 'injected failure' });
          cb(null, Buffer.from(ExportLogsServiceResponse.encode({}).finish()));
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    self = new OtlpReceiver(`http://127.0.0.1:${port}`, async () => {
      server.forceShutdown();
    });
    return self;
  }

  /** The next n requests fail as given; later ones succeed. */
  failNext(n: number, f: Failure): void {
    for (let i = 0; i < n; i++) this.failures.push(f);
  }

  /** Every request fails as given, until failAlwaysWith(null). */
  failAlwaysWith(f: Failure | null): void {
    this.failAlways = f;
  }

  /** Log records of the requests that were accepted, in arrival order. */
  records(): ReceivedLog[] {
    const out: ReceivedLog[] = [];
    for (const r of this.requests) {
      if (r.failed) continue;
      for (const rl of (r.decoded.resource_logs as Record<string, any>[]) ?? []) {
        const resource = keyValues(rl.resource?.attributes);
        for (const sl of (rl.scope_logs as Record<string, any>[]) ?? []) {
          const scope = { name: sl.scope?.name ?? '', version: sl.scope?.version ?? '' };
          for (const lr of (sl.log_records as Record<string, any>[]) ?? []) {
            out.push({
              resource,
              scope,
              timeUnixNano: BigInt(lr.time_unix_nano ?? 0),
              observedTimeUnixNano: BigInt(lr.observed_time_unix_nano ?? 0),
              severityNumber: lr.severity_number ?? 0,
              severityText: lr.severity_text ?? '',
              body: anyValue(lr.body),
              attributes: keyValues(lr.attributes),
              droppedAttributesCount: lr.dropped_attributes_count ?? 0,
            });
          }
        }
      }
    }
    return out;
  }

  /** Resolves once at least n records were accepted; rejects after timeoutMs. */
  async waitForRecords(n: number, timeoutMs = 10_000): Promise<ReceivedLog[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const recs = this.records();
      if (recs.length >= n) return recs;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`OTLP receiver: ${recs.length} of ${n} records after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    await this.stop();
  }

  private take(raw: Buffer, headers: Record<string, string>): Failure | undefined {
    const decoded = ExportLogsServiceRequest.toObject(ExportLogsServiceRequest.decode(raw), TO_OBJECT);
    const fail = this.failAlways ?? this.failures.shift();
    this.requests.push({ headers, raw, decoded, failed: fail !== undefined });
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
    return fail;
  }
}

/** A local port with nothing listening on it: a receiver that is down. */
export async function deadEndpoint(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
