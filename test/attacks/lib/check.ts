// Does an alert show what a case expects? The rule, the row's MITRE and
// category tags, the container and its pod, the process and its parent.
import type { AlertLine } from '../../sensor-run';
import { NAMESPACE } from './pod';
import type { Expected, Scenario } from './types';

export interface Who {
  /** container.id (12 characters), or 'host'. */
  containerId: string;
  /** The pod's name; absent on the host. */
  pod?: string;
}

function matches(want: unknown, got: unknown): boolean {
  if (want instanceof RegExp) return typeof got === 'string' && want.test(got);
  if (want === null) return got === null || got === undefined;
  return JSON.stringify(want) === JSON.stringify(got);
}

function show(v: unknown): string {
  return v instanceof RegExp ? String(v) : JSON.stringify(v);
}

/**
 * proc.name of a busybox applet's exec: Debian's busybox-static runs applets
 * from its shell by exec'ing /proc/self/exe (FEATURE_SH_STANDALONE), which the
 * kernel names "exe" until busybox renames itself to the applet. (Its NOEXEC
 * applets, mv, ln, rm, find..., do not exec at all: the shell forks and runs
 * them, so their events carry the shell's command line and the applet's name.)
 */
export function applet(name: string): RegExp {
  return new RegExp(`^(${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|exe)$`);
}

/** Problems of one alert against what is expected; empty when it fits. */
export function mismatches(a: AlertLine, e: Expected, sc: Scenario, who: Who): string[] {
  const f = a.output_fields;
  const want: Record<string, unknown> = {
    'container.id': who.containerId,
    'proc.name': e.proc,
    ...(e.cmdline ? { 'proc.cmdline': e.cmdline } : {}),
    ...(e.pname !== null ? { 'proc.pname': e.pname ?? 'sh' } : {}),
    ...(who.pod ? { 'k8s.pod.name': who.pod, 'k8s.ns.name': NAMESPACE } : {}),
    ...e.fields,
  };
  const out: string[] = [];
  for (const [k, v] of Object.entries(want)) if (!matches(v, f[k])) out.push(`${k}: want ${show(v)}, got ${show(f[k])}`);
  for (const t of [sc.row, ...(e.tags ?? [sc.mitre, sc.category])]) if (!a.tags.includes(t)) out.push(`tags ${JSON.stringify(a.tags)} lack ${t}`);
  return out;
}

/** The alerts of one container (or host process name). */
export function alertsOf(all: AlertLine[], who: Who, hostProcName?: string): AlertLine[] {
  return all.filter(
    (a) => a.output_fields['container.id'] === who.containerId && (hostProcName === undefined || a.output_fields['proc.name'] === hostProcName),
  );
}

export interface Verdict {
  /** null when some alert fits, else why not. */
  problem: string | null;
}

/** For each expectation: whether some alert fits it. */
export function judgeAll(alerts: AlertLine[], expected: Expected[], sc: Scenario, who: Who): Verdict[] {
  return expected.map((e) => {
    const same = alerts.filter((a) => a.rule === e.rule);
    if (!same.length) {
      const got = [...new Set(alerts.map((a) => a.rule))];
      return { problem: `no "${e.rule}" alert for this pod (its alerts: ${got.length ? got.map((r) => JSON.stringify(r)).join(', ') : 'none'})` };
    }
    const problems = same.map((a) => mismatches(a, e, sc, who));
    if (problems.some((p) => p.length === 0)) return { problem: null };
    return { problem: `"${e.rule}" fired, but not as expected: ${problems[0].join('; ')}` };
  });
}

/** For each expectation: null when some alert fits it, else why not. */
export function judge(alerts: AlertLine[], expected: Expected[], sc: Scenario, who: Who): (string | null)[] {
  return judgeAll(alerts, expected, sc, who).map((v) => v.problem);
}

/** A short line for a report: rule, process, parent, the sentence. */
export function describeAlert(a: AlertLine): string {
  const f = a.output_fields;
  const what = f['fd.name'] ?? f['dns.name'] ?? f['evt.arg.request'] ?? f['evt.arg.target'] ?? '';
  return `${a.rule} [${a.priority}] ${String(f['evt.type'])} ${String(what)} proc=${String(f['proc.name'])} parent=${String(f['proc.pname'])} cmdline=${JSON.stringify(f['proc.cmdline'])}`;
}
