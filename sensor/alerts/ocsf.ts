// OCSF 1.x Detection Finding (class 2004) for SIEMs that speak OCSF
// (architecture.md, decision 7). Falco-style output fields map onto OCSF
// objects (actor.process, file, endpoints, container); whatever has no OCSF
// home goes to `unmapped` under its Falco name, so nothing is lost.
import type { FieldValue } from '../decode/fields';
import type { AlertFormatter } from '../sinks/types';
import { attacksFromTags, isMitreTag } from './mitre';
import { jsonLine, wellFormed, wellFormedFields } from './json';
import { PRODUCT, Product } from './product';
import type { Alert, Priority } from './types';

export const OCSF_VERSION = '1.1.0';

const CLASS_UID = 2004;
const CATEGORY_UID = 2;
const ACTIVITY_CREATE = 1;

/** OCSF severity_id: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical, 6 Fatal. */
export const OCSF_SEVERITY: Readonly<Record<Priority, readonly [number, string]>> = Object.freeze({
  Emergency: [6, 'Fatal'],
  Alert: [5, 'Critical'],
  Critical: [5, 'Critical'],
  Error: [4, 'High'],
  Warning: [3, 'Medium'],
  Notice: [2, 'Low'],
  Informational: [1, 'Informational'],
  Debug: [1, 'Informational'],
});

type Obj = Record<string, unknown>;

/** Reads output fields and remembers which were used; the rest is `unmapped`. */
class Fields {
  private readonly used = new Set<string>();
  constructor(private readonly f: Readonly<Record<string, FieldValue>>) {}

  private raw(k: string): FieldValue | undefined {
    const v = this.f[k];
    if (v === undefined) return undefined;
    this.used.add(k);
    return v;
  }
  str(k: string): string | undefined {
    const v = this.raw(k);
    if (v === null || v === undefined || v === '') return undefined;
    return typeof v === 'string' ? v : Array.isArray(v) ? v.join(' ') : typeof v === 'object' ? undefined : String(v);
  }
  int(k: string): number | undefined {
    const v = this.raw(k);
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN;
    return Number.isSafeInteger(n) ? n : undefined;
  }
  peek(k: string): FieldValue | undefined {
    return this.f[k];
  }
  rest(): Record<string, FieldValue> {
    const out: Record<string, FieldValue> = {};
    for (const [k, v] of Object.entries(this.f)) if (!this.used.has(k)) out[k] = v;
    return out;
  }
}

/** Drops undefined members; returns undefined when nothing is left. */
function compact(o: Obj): Obj | undefined {
  let any = false;
  for (const k of Object.keys(o)) {
    if (o[k] === undefined) delete o[k];
    else any = true;
  }
  return any ? o : undefined;
}

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 && i < p.length - 1 ? p.slice(i + 1) : p;
}

function processObject(f: Fields): Obj | undefined {
  const exe = f.str('proc.exepath');
  const uid = f.str('user.uid');
  const parent = compact({
    pid: f.int('proc.ppid'),
    name: f.str('proc.pname'),
    cmd_line: f.str('proc.pcmdline'),
    file: (() => {
      const p = f.str('proc.pexepath');
      return p ? { path: p, name: basename(p), type_id: 1 } : undefined;
    })(),
  });
  return compact({
    pid: f.int('proc.pid'),
    tid: f.int('proc.tid'),
    name: f.str('proc.name'),
    cmd_line: f.str('proc.cmdline'),
    cwd: f.str('proc.cwd'),
    file: exe ? { path: exe, name: basename(exe), type_id: 1 } : undefined,
    user: uid !== undefined ? { uid } : undefined,
    parent_process: parent,
  });
}

/** fd.name is a file path only for file descriptors; for sockets it is the
 *  connection tuple, which the endpoints carry. */
function fileObject(f: Fields): Obj | undefined {
  const kind = f.peek('fd.typechar');
  const name = f.peek('fd.name');
  const isFile = kind === 'f' || kind === 'd' || (kind === undefined && typeof name === 'string' && name.startsWith('/'));
  if (!isFile) return undefined;
  const p = f.str('fd.name');
  if (!p) return undefined;
  return { path: p, name: basename(p), type_id: kind === 'd' ? 2 : kind === 'f' ? 1 : 0 };
}

function endpoint(f: Fields, ip: string, port: string): Obj | undefined {
  return compact({ ip: f.str(ip), port: f.int(port) });
}

function containerObject(f: Fields): Obj | undefined {
  const id = f.peek('container.id');
  if (id === undefined || id === null || id === 'host') return undefined;
  const short = f.str('container.id');
  const full = f.str('container.full_id');
  const image = f.str('container.image');
  const podUid = f.str('k8s.pod.uid');
  return compact({
    uid: full ?? short,
    name: f.str('container.name'),
    image: image ? { name: image } : undefined,
    runtime: f.str('container.runtime'),
    pod_uuid: podUid,
    orchestrator: podUid || f.peek('k8s.pod.name') ? 'Kubernetes' : undefined,
  });
}

function epochMillis(t: string | undefined): number | undefined {
  if (t === undefined) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The Detection Finding as a plain object, strings made well-formed. */
export function toOcsf(alert: Alert, product: Product = PRODUCT): Obj {
  const fields = new Fields(wellFormedFields(alert.output_fields));
  const rule = wellFormed(alert.rule);
  const output = wellFormed(alert.output);
  const tags = alert.tags.map(wellFormed);
  const [severityId, severity] = OCSF_SEVERITY[alert.priority] ?? [0, 'Unknown'];
  const time = epochMillis(alert.time) ?? Date.now();
  const first = epochMillis(alert.first_time);
  const last = epochMillis(alert.last_time);
  const attacks = attacksFromTags(tags);
  const types = tags.filter((t) => !isMitreTag(t));

  const process = processObject(fields);
  const out: Obj = {
    class_uid: CLASS_UID,
    class_name: 'Detection Finding',
    category_uid: CATEGORY_UID,
    category_name: 'Findings',
    activity_id: ACTIVITY_CREATE,
    activity_name: 'Create',
    type_uid: CLASS_UID * 100 + ACTIVITY_CREATE,
    type_name: 'Detection Finding: Create',
    severity_id: severityId,
    severity,
    status_id: 1,
    status: 'New',
    time,
    time_dt: alert.time,
    message: output,
    finding_info: compact({
      uid: alert.uuid,
      title: rule,
      desc: output,
      types: types.length ? types : undefined,
      analytic: { name: rule, uid: rule, type_id: 1, type: 'Rule' },
      attacks: attacks.length ? attacks : undefined,
      created_time: time,
      first_seen_time: first,
      last_seen_time: last,
    }),
    metadata: {
      version: OCSF_VERSION,
      uid: alert.uuid,
      product: { name: product.name, vendor_name: product.vendor, version: product.version },
      original_time: alert.time,
      labels: [`source:${wellFormed(alert.source)}`, `priority:${alert.priority}`],
    },
    device: { hostname: wellFormed(alert.hostname), type_id: 0 },
    actor: process ? { process } : undefined,
    file: fileObject(fields),
    src_endpoint: endpoint(fields, 'fd.sip', 'fd.sport'),
    dst_endpoint: endpoint(fields, 'fd.dip', 'fd.dport'),
    container: containerObject(fields),
    count: alert.count,
    start_time: first,
    end_time: last,
  };
  // A DNS name is evidence of what was looked up (OCSF DNS Query object).
  const dns = fields.str('dns.name');
  if (dns) out.evidences = [{ query: compact({ hostname: dns, type: fields.str('dns.qtype') }) }];
  const unmapped = fields.rest();
  if (Object.keys(unmapped).length) out.unmapped = unmapped;
  return compact(out)!;
}

/** One line of OCSF JSON, without the trailing newline. */
export function createOcsfFormatter(product: Product = PRODUCT): AlertFormatter {
  return (a) => jsonLine(toOcsf(a, product));
}

export const formatOcsf: AlertFormatter = createOcsfFormatter();
