// What a scenario is: one detection row, performed for real. Its attack, its
// evasive variants (the same behaviour spelled another way) and its benign
// twin (what must stay silent) are cases; each case runs in a pod of its own,
// so its alerts are told apart by container id.
import type { PodOptions } from './pod';

/** How a variant dodges a naive rule (the spellings of detections.md). */
export type Evasion =
  | 'relative path' | '..' | 'symlink' | 'dirfd' | 'rename-over' | 'hard link' | 'renamed binary'
  | 'another shell' | 'argv[0] spoofing' | 'another tool' | 'raw syscall' | 'attempt' | 'case' | 'encoding'
  | 'busybox applet' | 'another path' | 'another port' | 'another location' | 'in memory';

/** Fields of the alert a case must raise. A RegExp must match, anything else be equal. */
export interface Expected {
  rule: string;
  /** proc.name */
  proc: string | RegExp;
  /** proc.cmdline */
  cmdline?: RegExp;
  /** proc.pname; default "sh" (the pod's script runs every step as its child) */
  pname?: string | RegExp | null;
  fields?: Record<string, unknown>;
  /** Tags the alert must carry instead of the scenario's MITRE and category (a row with two techniques). */
  tags?: string[];
}

/** An event a benign twin causes after its benign steps, that raises a known alert of another row. */
export type MarkerKind = 'file' | 'file2' | 'exec' | 'exec2' | 'connect' | 'connect2' | 'dns' | 'dns2' | 'syscall' | 'syscall2';

export interface Case {
  kind: 'attack' | 'variant' | 'benign';
  name: string;
  evasion?: Evasion[];
  pod?: PodOptions | ((w: WorldView) => PodOptions);
  /** Run by /bin/sh -c as the pod's process. */
  script?: string | ((w: WorldView) => string);
  /** Instead of a script: drive the pod another way (e.g. `runc exec -t`). */
  drive?: (p: DriveContext) => Promise<void>;
  /** attack and variant: the alerts it must raise. */
  expect?: Expected[];
  /** benign: the marker that proves the sensor saw it (default 'file'). */
  marker?: MarkerKind;
  /**
   * Run on the host, not in a pod: the script runs in a copy of dash by this
   * name (in a scratch directory under /tmp, $SCRATCH; the helpers are in
   * $HELPERS), and its alerts are known by it (proc.name or proc.pname).
   */
  hostProcName?: string;
  /** Why this case cannot run here, or null. */
  unavailable?: (w: WorldView) => string | null;
  /**
   * A known miss: a limitation documented in rules/README.md ("What the
   * events cannot show") or a sensor defect reported for the kernel or
   * enrichment side. The case runs; while it is not detected it is reported
   * as a gap, and it passes once it is.
   */
  gap?: string;
}

export interface Scenario {
  row: string;
  /** The behaviour, as detections.md states it. */
  title: string;
  /** The rules of the row: a benign twin must raise none of them. */
  rules: string[];
  /** MITRE technique every alert of the row carries, and its category tag. */
  mitre: string;
  category: string;
  cases: Case[];
  /** Why the whole row cannot be observed on this machine, or null. */
  unavailable?: (w: WorldView) => string | null;
}

/** What scenarios may read of the running world. */
export interface WorldView {
  /** Host directory with a Unix socket server at docker.sock and containerd.sock. */
  socketDir: string;
  /** Host directory holding a decoy `runc` (not the real one). */
  decoyBinDir: string;
  /** The host's first disk, e.g. /dev/vda, or null. */
  hostDisk: string | null;
  /** A block device the host lets root open for reading (the disk, else zram or loop), or null. */
  readableBlockDevice: string | null;
  /** A scratch directory on the host for host-side twins. */
  hostScratch: string;
}

export interface DriveContext {
  /** Start the pod running argv (a long-lived process to exec into). */
  start(argv: string[]): Promise<void>;
  /** `runc exec` into it; with tty, under script(1) so runc hands the process a terminal. */
  exec(argv: string[], opts?: { tty?: boolean }): Promise<string>;
  /** Stop it (SIGKILL) and wait. */
  stop(): Promise<void>;
}
