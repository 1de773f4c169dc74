// One BPF object file: open, settings, load, attach, maps, close. The only
// lifecycle the loader knows: open -> configure -> load -> attach -> close
// (close detaches and frees in reverse order).
import { existsSync } from 'node:fs';
import koffi from 'koffi';
import * as bpf from './libbpf';
import { errno, strerror } from './libc';
import { errnoName } from '../decode/names';

export interface ObjectConfig {
  /** The agent's own tgid: its events never leave the kernel. 0 = trace it too. */
  selfTgid?: number;
  /** Wake the reader only past this backlog in bytes (0: every record). */
  wakeupBytes?: number;
}

export interface OpenOptions {
  /** Size of the object's ring buffer in bytes (power of two, >= page size). */
  ringSize?: number;
  config?: ObjectConfig;
}

export class BpfError extends Error {
  constructor(message: string, readonly code: number, readonly log: string[] = []) {
    super(message);
    this.name = 'BpfError';
  }
}

/** Lines libbpf printed while the current object was being loaded. */
const loadLog: string[] = [];
let logSink: ((level: number, msg: string) => void) | null = null;

bpf.setLibbpfPrint((level, msg) => {
  loadLog.push(msg);
  if (loadLog.length > 400) loadLog.splice(0, loadLog.length - 400);
  logSink?.(level, msg);
});

/** Where libbpf's own messages go (verifier logs at LIBBPF_WARN on failure). */
export function setLibbpfLogger(sink: ((level: number, msg: string) => void) | null): void {
  logSink = sink;
}

function describe(code: number): string {
  return `${strerror(code)} (${errnoName(code)})`;
}

const kernelFuncs = new Map<string, boolean>();

/** Whether the running kernel's BTF has a function (a kfunc) of this name. */
export function kernelHasFunc(name: string): boolean {
  const known = kernelFuncs.get(name);
  if (known !== undefined) return known;
  let found = false;
  const btf = bpf.btfLoadVmlinux();
  if (btf) {
    found = (bpf.btfFindByNameKind(btf, name, bpf.BTF_KIND_FUNC) as number) > 0;
    bpf.btfFree(btf);
  }
  kernelFuncs.set(name, found);
  return found;
}

export class BpfObject {
  private obj: bpf.Ptr;
  private links: bpf.Ptr[] = [];
  private loaded = false;
  readonly name: string;

  private constructor(readonly path: string, obj: bpf.Ptr) {
    this.obj = obj;
    this.name = path.replace(/^.*\//, '').replace(/\.bpf\.o$/, '');
  }

  static open(path: string, opts: OpenOptions = {}): BpfObject {
    const obj = bpf.objectOpenFile(path, null);
    if (!obj) {
      const code = errno();
      throw new BpfError(`cannot open BPF object ${path}: ${describe(code)}`, code);
    }
    const o = new BpfObject(path, obj);
    try {
      if (opts.ringSize !== undefined) o.setRingSize(opts.ringSize);
      o.writeConfig(opts.config ?? {});
    } catch (err) {
      o.close();
      throw err;
    }
    return o;
  }

  private map(name: string): bpf.Ptr {
    const m = bpf.objectFindMap(this.obj, name);
    if (!m) throw new BpfError(`${this.name}: no map named ${name}`, 2);
    return m;
  }

  private setRingSize(size: number): void {
    if (!Number.isInteger(size) || size < 4096 || (size & (size - 1)) !== 0) {
      throw new BpfError(`${this.name}: ring size ${size} must be a power of two of at least 4096 bytes`, 22);
    }
    const r = bpf.mapSetMaxEntries(this.map('events'), size);
    if (r < 0) throw new BpfError(`${this.name}: cannot set ring size: ${describe(-r)}`, -r);
  }

  private writeConfig(cfg: ObjectConfig): void {
    const size = [0];
    const ptr = bpf.mapInitialValue(this.map('.rodata.config'), size);
    if (!ptr || size[0] < 8) throw new BpfError(`${this.name}: no .rodata.config section`, 2);
    const view = new DataView(koffi.view(ptr, size[0]));
    view.setUint32(0, cfg.selfTgid ?? 0, true);
    view.setUint32(4, cfg.wakeupBytes ?? 0, true);
  }

  /**
   * Before load: leave out programs whose classic tracepoint this kernel
   * does not have (init_module without CONFIG_MODULES, say), so that one
   * missing hook does not fail the whole object. Returns what was left out.
   */
  disableMissingTracepoints(tracefs = '/sys/kernel/tracing'): { program: string; reason: string }[] {
    const skipped: { program: string; reason: string }[] = [];
    let prog: bpf.Ptr = null;
    while ((prog = bpf.objectNextProgram(this.obj, prog))) {
      const sec = bpf.programSectionName(prog) as string;
      const m = /^tracepoint\/([^/]+)\/([^/]+)$/.exec(sec);
      if (!m || existsSync(`${tracefs}/events/${m[1]}/${m[2]}`)) continue;
      bpf.programSetAutoload(prog, false);
      skipped.push({ program: bpf.programName(prog) as string, reason: `no tracepoint ${m[1]}/${m[2]} on this kernel` });
    }
    return skipped;
  }

  /**
   * Before load: a program named compat_X stands in for exit_X on kernels
   * that lack what exit_X needs. Keep one of each pair.
   */
  chooseCompat(compat: boolean): void {
    const names = new Set<string>();
    let prog: bpf.Ptr = null;
    while ((prog = bpf.objectNextProgram(this.obj, prog))) names.add(bpf.programName(prog) as string);
    while ((prog = bpf.objectNextProgram(this.obj, prog))) {
      const name = bpf.programName(prog) as string;
      const m = /^compat_(.+)$/.exec(name);
      if (m && names.has(`exit_${m[1]}`)) bpf.programSetAutoload(prog, compat);
      else if (name.startsWith('exit_') && names.has(`compat_${name.slice(5)}`)) bpf.programSetAutoload(prog, !compat);
    }
  }

  load(): void {
    loadLog.length = 0;
    const r = bpf.objectLoad(this.obj);
    if (r < 0) {
      const code = -r;
      const tail = loadLog.slice(-30);
      let hint = '';
      if (code === 1) hint = ' (run as root with CAP_BPF and CAP_PERFMON, or on kernels before 5.8 with CAP_SYS_ADMIN; see SECURITY.md)';
      throw new BpfError(`cannot load ${this.path}: ${describe(code)}${hint}\n${tail.join('\n')}`, code, tail);
    }
    this.loaded = true;
  }

  /** Attach every program of the object; any failure detaches them all. */
  attach(): void {
    if (!this.loaded) throw new BpfError(`${this.name}: attach before load`, 22);
    let prog: bpf.Ptr = null;
    while ((prog = bpf.objectNextProgram(this.obj, prog))) {
      if (bpf.programFd(prog) < 0) continue; // not loaded (autoload off)
      const link = bpf.programAttach(prog);
      if (!link) {
        const code = errno();
        const name = bpf.programName(prog) as string;
        this.detach();
        const hint = code === 2 ? ' (is tracefs mounted at /sys/kernel/tracing?)' : '';
        throw new BpfError(`${this.name}: cannot attach ${name}: ${describe(code)}${hint}`, code);
      }
      this.links.push(link);
    }
  }

  get attachedPrograms(): number {
    return this.links.length;
  }

  mapFd(name: string): number {
    const fd = bpf.mapFd(this.map(name));
    if (fd < 0) throw new BpfError(`${this.name}: map ${name} has no fd (not loaded?)`, -fd);
    return fd;
  }

  private hasWake: boolean | undefined;

  /**
   * After load: tell the programs whether the reader is idle (the
   * ".data.wake" global). Written with a map update: libbpf before 1.5 does
   * not map global data shared with the kernel outside skeletons. False when
   * this object has no such global or the update fails: the caller then
   * keeps polling fast.
   */
  setReaderIdle(idle: boolean): boolean {
    if (!this.obj) return false;
    this.hasWake ??= this.hasMap('.data.wake');
    if (!this.hasWake) return false;
    const value = Buffer.alloc(4);
    value.writeUInt32LE(idle ? 1 : 0, 0);
    try {
      this.mapUpdate('.data.wake', Buffer.alloc(4), value);
      return true;
    } catch {
      return false;
    }
  }

  hasMap(name: string): boolean {
    return !!bpf.objectFindMap(this.obj, name);
  }

  /** Create or replace one entry (key and value as the map's C types). */
  mapUpdate(name: string, key: Buffer, value: Buffer): void {
    const r = bpf.mapUpdateElem(this.mapFd(name), key, value, bpf.BPF_ANY) as number;
    if (r < 0) throw new BpfError(`${this.name}: cannot update map ${name}: ${describe(-r)}`, -r);
  }

  /** Delete one entry; false when there was none. */
  mapDelete(name: string, key: Buffer): boolean {
    const r = bpf.mapDeleteElem(this.mapFd(name), key) as number;
    if (r < 0 && r !== -2) throw new BpfError(`${this.name}: cannot delete from map ${name}: ${describe(-r)}`, -r);
    return r === 0;
  }

  /** Every key of a hash map, as bytes. */
  mapKeys(name: string, keySize: number): Buffer[] {
    const fd = this.mapFd(name);
    const keys: Buffer[] = [];
    let prev: Buffer | null = null;
    for (;;) {
      const next = Buffer.alloc(keySize);
      const r = bpf.mapGetNextKey(fd, prev, next) as number;
      if (r === -2) return keys; // ENOENT: no more
      if (r < 0) throw new BpfError(`${this.name}: cannot list map ${name}: ${describe(-r)}`, -r);
      keys.push(next);
      prev = next;
    }
  }

  mapMaxEntries(name: string): number {
    return bpf.mapMaxEntries(this.map(name)) as number;
  }

  /** Sum over CPUs of a per-CPU u64 array map, one number per key. */
  readPercpuCounters(name: string, keys: number): number[] {
    const fd = this.mapFd(name);
    const cpus = bpf.numPossibleCpus() as number;
    const value = Buffer.alloc(8 * Math.max(cpus, 1));
    const key = Buffer.alloc(4);
    const out: number[] = [];
    for (let k = 0; k < keys; k++) {
      key.writeUInt32LE(k, 0);
      if (bpf.mapLookupElem(fd, key, value) !== 0) {
        out.push(0);
        continue;
      }
      let sum = 0;
      for (let c = 0; c < cpus; c++) sum += Number(value.readBigUInt64LE(c * 8));
      out.push(sum);
    }
    return out;
  }

  /** Remove every attachment; maps stay readable until close(). */
  detach(): void {
    for (const link of this.links.reverse()) bpf.linkDestroy(link);
    this.links = [];
  }

  /**
   * detach() on the libuv thread pool, every link at once. Destroying a
   * syscall tracepoint's link waits for an RCU grace period (about 65 ms
   * here); one after another, the 50 of the syscalls object took 3 s of a
   * pod's termination grace period. Concurrent waits share grace periods.
   */
  detachAsync(): Promise<void> {
    const links = this.links.reverse();
    this.links = [];
    return Promise.all(
      links.map(
        (link) =>
          new Promise<void>((resolve) => {
            bpf.linkDestroy.async(link, () => resolve());
          }),
      ),
    ).then(() => undefined);
  }

  close(): void {
    if (!this.obj) return;
    this.detach();
    bpf.objectClose(this.obj);
    this.obj = null;
  }
}
