// The scenarios' container image: one read-only directory every pod's rootfs
// is an overlay of (as containerd does), built once per run before the
// sensor starts, so nothing in it counts as drift. A busybox base with every
// applet, dash and bash (another shell, and `exec -a`), the test helpers
// under the names the scenarios need, and the files attacks go after.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HELPERS } from '../../support';
import { NET } from './net-plan';

export const BUSYBOX = '/bin/busybox';

/** Host programs copied in with the libraries they load. */
const HOST_PROGRAMS = ['/bin/dash', '/bin/bash'];

/** Helper binaries (dist/helpers) and where the image has them. */
const HELPER_COPIES: [string, string, number][] = [
  ['attackops', '/usr/local/bin/attackops', 0o755],
  ['secops', '/usr/local/bin/secops', 0o755],
  // A stand-in miner (attackops mines when given -o URL).
  ['attackops', '/usr/local/bin/xmrig', 0o755],
  // Allowlisted by name: an API client, a debugger, a log rotator.
  ['attackops', '/usr/local/bin/kube-proxy', 0o755],
  ['secops', '/usr/bin/strace', 0o755],
  ['attackops', '/usr/sbin/logrotate', 0o755],
  // A port scanner (attackops scans when called nmap).
  ['attackops', '/usr/bin/nmap', 0o755],
  // The workload itself, and a file of the image that is not executable.
  ['attackops', '/app/server', 0o755],
  ['attackops', '/opt/tools/report', 0o644],
  // A compiled CGI program (not a shell).
  ['attackops', '/www/cgi-bin/status', 0o755],
];

export const TOKEN = 'eyJhbGciOiJSUzI1NiIsImtpZCI6Imtlc3RyZWwifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YXR0YWNrczpkZWZhdWx0In0.a2VzdHJlbA';

const FILES: Record<string, string> = {
  '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nwww-data:x:33:33:www-data:/var/www:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  '/etc/group': 'root:x:0:\ndaemon:x:1:\nwww-data:x:33:\nnogroup:x:65534:\n',
  '/etc/shadow': 'root:$6$kestrel$Wm0e4pP8Yc2u1Zl0d3mYf1aBq0r5bXb1ZsE0m0L1x2y3z4:19800:0:99999:7:::\ndaemon:*:19800:0:99999:7:::\nwww-data:*:19800:0:99999:7:::\nnobody:*:19800:0:99999:7:::\n',
  '/etc/gshadow': 'root:*::\nnogroup:*::\n',
  '/etc/sudoers': 'root ALL=(ALL:ALL) ALL\n',
  '/etc/pam.d/common-auth': 'auth required pam_unix.so\n',
  '/etc/hosts': '127.0.0.1 localhost\n',
  '/etc/resolv.conf': `nameserver ${NET.dns}\nsearch attacks.svc.cluster.local svc.cluster.local cluster.local\n`,
  '/etc/nsswitch.conf': 'passwd: files\ngroup: files\nhosts: files dns\n',
  '/etc/hostname': 'app\n',
  '/etc/motd': 'welcome\n',
  '/etc/crontab': 'SHELL=/bin/sh\n17 * * * * root cd / && run-parts /etc/cron.hourly\n',
  '/etc/cron.d/.placeholder': '',
  '/etc/ld.so.conf': 'include /etc/ld.so.conf.d/*.conf\n',
  '/etc/systemd/system/.keep': '',
  '/etc/kestrel/config.yaml': 'mode: demo\n',
  '/root/.ssh/authorized_keys': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKestrelAdminKey admin@example\n',
  '/root/.ash_history': 'ls\ncat /etc/motd\n',
  '/root/.bash_history': 'ls -la\nexit\n',
  '/root/.aws/credentials': '[default]\naws_access_key_id = AKIAKESTRELEXAMPLE00\naws_secret_access_key = kestrel/fake/secret\n',
  '/home/app/.ssh/id_rsa': '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAkestrel\n-----END OPENSSH PRIVATE KEY-----\n',
  '/home/app/notes.txt': 'TODO: rotate the keys\n',
  '/var/log/app.log': 'started\n',
  '/var/log/auth.log': 'session opened for user root\n',
  '/var/spool/cron/crontabs/.keep': '',
  '/usr/share/doc/app/README': 'app\n',
  '/www/index.html': '<html>hello</html>\n',
  // A web shell: runs what the query says (+ for spaces).
  '/www/cgi-bin/exec.cgi': '#!/bin/sh\necho "Content-Type: text/plain"\necho\ncmd=$(echo "$QUERY_STRING" | sed "s/+/ /g")\nsh -c "$cmd"\n',
  // The same through bash, starting dash under another argv[0].
  '/www/cgi-bin/bash.cgi': '#!/bin/bash\necho "Content-Type: text/plain"\necho\nexec -a php-worker /bin/dash -c "id; uname -a"\n',
};

const DIRS: [string, number][] = [
  ['/proc', 0o555], ['/sys', 0o555], ['/dev', 0o755], ['/tmp', 0o1777], ['/var/tmp', 0o1777], ['/run', 0o755],
  ['/mnt', 0o755], ['/srv', 0o755], ['/opt/app', 0o755], ['/etc/cron.hourly', 0o755], ['/etc/ld.so.conf.d', 0o755],
  ['/usr/local/sbin', 0o755], ['/root/.ssh', 0o700],
];

/** The shared libraries a host program loads (ldd), as absolute paths. */
function libsOf(program: string): string[] {
  const r = spawnSync('ldd', [program], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ldd ${program}: ${r.stderr}`);
  return [...r.stdout.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]);
}

function copy(src: string, root: string, dest: string, mode: number): void {
  const to = path.join(root, dest);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(src, to);
  fs.chmodSync(to, mode);
}

/** Why the image cannot be built here, or null. */
export function imageUnavailable(): string | null {
  if (!fs.existsSync(BUSYBOX)) return 'busybox-static is not installed';
  for (const p of HOST_PROGRAMS) if (!fs.existsSync(p)) return `${p} is missing`;
  for (const [h] of HELPER_COPIES) if (!fs.existsSync(path.join(HELPERS, h))) return `${path.join(HELPERS, h)} is not built (npm run build)`;
  return null;
}

export function buildImage(dir: string): void {
  for (const [d, mode] of DIRS) {
    fs.mkdirSync(path.join(dir, d), { recursive: true });
    fs.chmodSync(path.join(dir, d), mode);
  }
  copy(BUSYBOX, dir, '/bin/busybox', 0o755);
  const applets = spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter((a) => /^[\w.-]+$/.test(a));
  for (const a of applets) if (a !== 'busybox') fs.symlinkSync('busybox', path.join(dir, 'bin', a));
  for (const p of HOST_PROGRAMS) {
    copy(p, dir, p, 0o755);
    for (const lib of libsOf(p)) if (!fs.existsSync(path.join(dir, lib))) copy(lib, dir, lib, 0o755);
  }
  for (const lib of libsOf(path.join(HELPERS, 'secops'))) if (!fs.existsSync(path.join(dir, lib))) copy(lib, dir, lib, 0o755);
  for (const [h, dest, mode] of HELPER_COPIES) copy(path.join(HELPERS, h), dir, dest, mode);
  for (const [f, text] of Object.entries(FILES)) {
    const to = path.join(dir, f);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.writeFileSync(to, text);
  }
  for (const cgi of ['exec.cgi', 'bash.cgi']) fs.chmodSync(path.join(dir, 'www/cgi-bin', cgi), 0o755);
  fs.chmodSync(path.join(dir, 'etc/shadow'), 0o640);
  fs.chmodSync(path.join(dir, 'etc/gshadow'), 0o640);
  fs.chmodSync(path.join(dir, 'root/.ssh/authorized_keys'), 0o600);
  fs.chmodSync(path.join(dir, 'root/.ash_history'), 0o600);
  fs.chmodSync(path.join(dir, 'root/.bash_history'), 0o600);
  // As in Debian and Alpine images: /var/run is /run.
  fs.symlinkSync('../run', path.join(dir, 'var/run'));
}

/**
 * A projected service-account volume as the kubelet writes it (atomic
 * writer): token -> ..data/token, ..data -> ..<timestamp>.
 */
export function buildTokenVolume(dir: string): void {
  const ts = '..2025_06_01_12_00_00.000000001';
  fs.mkdirSync(path.join(dir, ts), { recursive: true });
  fs.writeFileSync(path.join(dir, ts, 'token'), TOKEN);
  fs.writeFileSync(path.join(dir, ts, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nkestrel\n-----END CERTIFICATE-----\n');
  fs.writeFileSync(path.join(dir, ts, 'namespace'), 'attacks');
  fs.symlinkSync(ts, path.join(dir, '..data'));
  for (const f of ['token', 'ca.crt', 'namespace']) fs.symlinkSync(`..data/${f}`, path.join(dir, f));
}
