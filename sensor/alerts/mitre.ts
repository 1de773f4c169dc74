// MITRE ATT&CK identifiers in rule tags (e.g. "T1611", "T1565.001",
// "TA0004", Falco's "mitre_privilege_escalation") turned into technique and
// tactic objects. Names cover the techniques a runtime sensor on Linux and
// containers can see; an unknown ID keeps its uid and has no name.

export interface Tactic {
  uid: string;
  name: string;
}

export const TACTICS: Readonly<Record<string, Tactic>> = Object.freeze({
  TA0001: { uid: 'TA0001', name: 'Initial Access' },
  TA0002: { uid: 'TA0002', name: 'Execution' },
  TA0003: { uid: 'TA0003', name: 'Persistence' },
  TA0004: { uid: 'TA0004', name: 'Privilege Escalation' },
  TA0005: { uid: 'TA0005', name: 'Defense Evasion' },
  TA0006: { uid: 'TA0006', name: 'Credential Access' },
  TA0007: { uid: 'TA0007', name: 'Discovery' },
  TA0008: { uid: 'TA0008', name: 'Lateral Movement' },
  TA0009: { uid: 'TA0009', name: 'Collection' },
  TA0010: { uid: 'TA0010', name: 'Exfiltration' },
  TA0011: { uid: 'TA0011', name: 'Command and Control' },
  TA0040: { uid: 'TA0040', name: 'Impact' },
  TA0042: { uid: 'TA0042', name: 'Resource Development' },
  TA0043: { uid: 'TA0043', name: 'Reconnaissance' },
});

/** Falco's tactic tags: "mitre_" + the tactic name in snake case. */
const TACTIC_BY_TAG: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(
    Object.values(TACTICS).map((t) => [`mitre_${t.name.toLowerCase().replace(/ /g, '_')}`, t.uid]),
  ),
);

/** Technique ID → [name, the tactic it most often serves]. */
const TECHNIQUES: Readonly<Record<string, readonly [string, string]>> = Object.freeze({
  T1003: ['OS Credential Dumping', 'TA0006'],
  'T1003.007': ['Proc Filesystem', 'TA0006'],
  'T1003.008': ['/etc/passwd and /etc/shadow', 'TA0006'],
  T1005: ['Data from Local System', 'TA0009'],
  T1014: ['Rootkit', 'TA0005'],
  T1021: ['Remote Services', 'TA0008'],
  'T1021.004': ['SSH', 'TA0008'],
  T1027: ['Obfuscated Files or Information', 'TA0005'],
  T1036: ['Masquerading', 'TA0005'],
  'T1036.005': ['Match Legitimate Name or Location', 'TA0005'],
  T1040: ['Network Sniffing', 'TA0006'],
  T1041: ['Exfiltration Over C2 Channel', 'TA0010'],
  T1046: ['Network Service Discovery', 'TA0007'],
  T1048: ['Exfiltration Over Alternative Protocol', 'TA0010'],
  T1053: ['Scheduled Task/Job', 'TA0003'],
  'T1053.003': ['Cron', 'TA0003'],
  T1055: ['Process Injection', 'TA0004'],
  'T1055.008': ['Ptrace System Calls', 'TA0004'],
  T1057: ['Process Discovery', 'TA0007'],
  T1059: ['Command and Scripting Interpreter', 'TA0002'],
  'T1059.004': ['Unix Shell', 'TA0002'],
  'T1059.006': ['Python', 'TA0002'],
  T1068: ['Exploitation for Privilege Escalation', 'TA0004'],
  T1070: ['Indicator Removal', 'TA0005'],
  'T1070.002': ['Clear Linux or Mac System Logs', 'TA0005'],
  'T1070.003': ['Clear Command History', 'TA0005'],
  'T1070.004': ['File Deletion', 'TA0005'],
  T1071: ['Application Layer Protocol', 'TA0011'],
  'T1071.004': ['DNS', 'TA0011'],
  T1078: ['Valid Accounts', 'TA0001'],
  T1082: ['System Information Discovery', 'TA0007'],
  T1083: ['File and Directory Discovery', 'TA0007'],
  T1087: ['Account Discovery', 'TA0007'],
  T1090: ['Proxy', 'TA0011'],
  T1095: ['Non-Application Layer Protocol', 'TA0011'],
  T1098: ['Account Manipulation', 'TA0003'],
  'T1098.004': ['SSH Authorized Keys', 'TA0003'],
  T1105: ['Ingress Tool Transfer', 'TA0011'],
  T1133: ['External Remote Services', 'TA0001'],
  T1136: ['Create Account', 'TA0003'],
  T1190: ['Exploit Public-Facing Application', 'TA0001'],
  T1204: ['User Execution', 'TA0002'],
  T1219: ['Remote Access Software', 'TA0011'],
  T1222: ['File and Directory Permissions Modification', 'TA0005'],
  'T1222.002': ['Linux and Mac File and Directory Permissions Modification', 'TA0005'],
  T1485: ['Data Destruction', 'TA0040'],
  T1486: ['Data Encrypted for Impact', 'TA0040'],
  T1489: ['Service Stop', 'TA0040'],
  T1496: ['Resource Hijacking', 'TA0040'],
  T1499: ['Endpoint Denial of Service', 'TA0040'],
  T1529: ['System Shutdown/Reboot', 'TA0040'],
  T1543: ['Create or Modify System Process', 'TA0003'],
  'T1543.002': ['Systemd Service', 'TA0003'],
  T1546: ['Event Triggered Execution', 'TA0003'],
  'T1546.004': ['Unix Shell Configuration Modification', 'TA0003'],
  T1547: ['Boot or Logon Autostart Execution', 'TA0003'],
  'T1547.006': ['Kernel Modules and Extensions', 'TA0003'],
  T1548: ['Abuse Elevation Control Mechanism', 'TA0004'],
  'T1548.001': ['Setuid and Setgid', 'TA0004'],
  'T1548.003': ['Sudo and Sudo Caching', 'TA0004'],
  T1552: ['Unsecured Credentials', 'TA0006'],
  'T1552.001': ['Credentials In Files', 'TA0006'],
  'T1552.004': ['Private Keys', 'TA0006'],
  'T1552.005': ['Cloud Instance Metadata API', 'TA0006'],
  'T1552.007': ['Container API', 'TA0006'],
  T1556: ['Modify Authentication Process', 'TA0006'],
  T1562: ['Impair Defenses', 'TA0005'],
  'T1562.001': ['Disable or Modify Tools', 'TA0005'],
  'T1562.004': ['Disable or Modify System Firewall', 'TA0005'],
  'T1562.006': ['Indicator Blocking', 'TA0005'],
  T1564: ['Hide Artifacts', 'TA0005'],
  'T1564.001': ['Hidden Files and Directories', 'TA0005'],
  T1565: ['Data Manipulation', 'TA0040'],
  'T1565.001': ['Stored Data Manipulation', 'TA0040'],
  T1571: ['Non-Standard Port', 'TA0011'],
  T1572: ['Protocol Tunneling', 'TA0011'],
  T1574: ['Hijack Execution Flow', 'TA0005'],
  'T1574.006': ['Dynamic Linker Hijacking', 'TA0005'],
  T1609: ['Container Administration Command', 'TA0002'],
  T1610: ['Deploy Container', 'TA0005'],
  T1611: ['Escape to Host', 'TA0004'],
  T1612: ['Build Image on Host', 'TA0005'],
  T1613: ['Container and Resource Discovery', 'TA0007'],
  T1620: ['Reflective Code Loading', 'TA0005'],
});

const TECHNIQUE_ID = /^T\d{4}(?:\.\d{3})?$/;
const TACTIC_ID = /^TA\d{4}$/;

export interface Technique {
  uid: string;
  name?: string;
}

export interface Attack {
  technique: Technique;
  sub_technique?: Technique;
  tactic?: Tactic;
}

function technique(uid: string): Technique {
  const known = TECHNIQUES[uid];
  return known ? { uid, name: known[0] } : { uid };
}

/**
 * One attack per technique tag, in tag order. The tactic is the one the tags
 * name (a TA ID or a mitre_* tag), else the technique's usual tactic.
 */
export function attacksFromTags(tags: readonly string[]): Attack[] {
  let tagged: Tactic | undefined;
  for (const t of tags) {
    const up = t.toUpperCase();
    const uid = TACTIC_ID.test(up) ? up : TACTIC_BY_TAG[t.toLowerCase()];
    if (uid && TACTICS[uid]) {
      tagged = TACTICS[uid];
      break;
    }
  }
  const out: Attack[] = [];
  const seen = new Set<string>();
  for (const t of tags) {
    const id = t.toUpperCase();
    if (!TECHNIQUE_ID.test(id) || seen.has(id)) continue;
    seen.add(id);
    const parent = id.slice(0, 5);
    const attack: Attack = { technique: technique(parent) };
    if (id.length > 5) attack.sub_technique = technique(id);
    const usual = TECHNIQUES[id]?.[1] ?? TECHNIQUES[parent]?.[1];
    const tactic = tagged ?? (usual ? TACTICS[usual] : undefined);
    if (tactic) attack.tactic = { ...tactic };
    out.push(attack);
  }
  return out;
}

/** True for tags that are ATT&CK identifiers or Falco tactic tags. */
export function isMitreTag(tag: string): boolean {
  const t = tag.toUpperCase();
  return TECHNIQUE_ID.test(t) || TACTIC_ID.test(t) || TACTIC_BY_TAG[tag.toLowerCase()] !== undefined;
}
