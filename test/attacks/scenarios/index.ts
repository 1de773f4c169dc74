// The scenarios, one per detection row, in row order.
import type { Scenario } from '../lib/types';
import { d01 } from './d01-release-agent';
import { d02 } from './d02-usermode-helper';
import { d03 } from './d03-namespace-change';
import { d04 } from './d04-mount';
import { d05 } from './d05-runtime-socket';
import { d06 } from './d06-raw-device';
import { d07 } from './d07-module-load';
import { d08 } from './d08-runtime-overwrite';
import { d09 } from './d09-ptrace';
import { d10 } from './d10-bpf';
import { d11 } from './d11-stratum-url';
import { d12 } from './d12-known-miner';
import { d13 } from './d13-pool-port';
import { d14 } from './d14-pool-dns';
import { d15 } from './d15-dns-config';
import { d16 } from './d16-terminal-shell';
import { d17 } from './d17-server-shell';
import { d18 } from './d18-reverse-shell';
import { d19 } from './d19-tmp-drift';
import { d20 } from './d20-fileless';
import { d21 } from './d21-tools';
import { d22 } from './d22-auth-files';
import { d23 } from './d23-sa-token';
import { d24 } from './d24-key-search';
import { d25 } from './d25-metadata';
import { d26 } from './d26-log-removal';
import { d27 } from './d27-sensitive-link';
import { d28 } from './d28-persistence';
import { d29 } from './d29-binary-dirs';
import { d30 } from './d30-apiserver';

export const SCENARIOS: Scenario[] = [
  d01, d02, d03, d04, d05, d06, d07, d08, d09, d10, d11, d12, d13, d14, d15,
  d16, d17, d18, d19, d20, d21, d22, d23, d24, d25, d26, d27, d28, d29, d30,
];
