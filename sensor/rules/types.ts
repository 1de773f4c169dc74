// Rules after loading: every list expanded, every name checked, exceptions
// folded into the condition. This is what the compiler and the
// json-rules-engine reference both take.
import type { Priority } from '../alerts/types';

export interface FactCondition {
  fact: string;
  operator: string;
  /** Literal, array (lists expanded), or { fact: NAME } for another field. */
  value: unknown;
}
export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { condition: string }
  | FactCondition;

export interface Location {
  file: string;
  line: number;
  col: number;
}

export interface RuleSpec {
  name: string;
  desc: string;
  /** evt.type values, classes expanded. */
  events: string[];
  condition: Condition;
  output: string;
  priority: Priority;
  tags: string[];
  enabled: boolean;
  source: Location;
}

export interface RuleSetSpec {
  rules: RuleSpec[];
  /** Macros by name, in the order they were declared. */
  macros: Map<string, Condition>;
  lists: Map<string, unknown[]>;
  files: string[];
}

export interface Problem {
  severity: 'error' | 'warning';
  file: string;
  line: number;
  col: number;
  message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.severity}: ${p.message}`;
}
