// The kernel-user contract: bpf/include/events.h compiled by a C compiler
// must agree with sensor/decode/layout.ts in every size and offset.
import { strict as assert } from 'node:assert';
import * as layout from '../../sensor/decode/layout';
import { capture, helper } from '../support';

interface CLayout {
  [struct: string]: { size: number; fields: Record<string, [number, number]> };
}

const TS: Record<string, { table: Record<string, number>; names: Record<string, string> }> = {
  event_header: {
    table: layout.Header,
    names: { op: 'op', flags: 'flags', size: 'recordSize', ktime_ns: 'ktimeNs', start_ns: 'startNs', cgroup_id: 'cgroupId', pid: 'pid', tid: 'tid', ppid: 'ppid', vpid: 'vpid', uid: 'uid', gid: 'gid', auid: 'auid', mntns: 'mntns', pidns: 'pidns', netns: 'netns', comm: 'comm' },
  },
  exec_event: {
    table: layout.Exec,
    names: { argc: 'argc', args_size: 'argsSize', filename_size: 'filenameSize', exe_size: 'exeSize', cwd_size: 'cwdSize', flags: 'flags', ruid: 'ruid', old_pid: 'oldPid', tty: 'tty' },
  },
  fork_event: { table: layout.Fork, names: { parent_tid: 'parentTid' } },
  exit_event: { table: layout.Exit, names: { exit_code: 'exitCode' } },
  open_event: {
    table: layout.Open,
    names: { ret: 'ret', flags: 'flags', ino: 'ino', dev: 'dev', mode: 'mode', dirfd: 'dirfd', i_mode: 'iMode', syscall: 'syscall', raw_size: 'rawSize', path_size: 'pathSize', path_flags: 'pathFlags' },
  },
  net_event: {
    table: layout.Net,
    names: { ret: 'ret', fd: 'fd', family: 'family', protocol: 'protocol', sock_type: 'sockType', local_port: 'localPort', remote_port: 'remotePort', unix_path_size: 'unixPathSize', flags: 'flags', local_addr: 'localAddr', remote_addr: 'remoteAddr' },
  },
  syscall_event: {
    table: layout.Syscall,
    names: { ret: 'ret', args: 'args', syscall: 'syscall', flags: 'flags', str_size: 'strSize', base_size: 'baseSize', aux: 'aux', aux2: 'aux2' },
  },
  dns_event: {
    table: layout.Dns,
    names: { dev_netns: 'devNetns', ifindex: 'ifindex', dir: 'dir', family: 'family', sport: 'sport', dport: 'dport', dns_len: 'dnsLen', captured: 'captured', saddr: 'saddr', daddr: 'daddr' },
  },
};

describe('layout: C structs and TypeScript offsets agree', function () {
  const c = JSON.parse(capture(helper('layout'), [])) as CLayout & { constants: Record<string, number>; ops: Record<string, number> };

  for (const [struct, ts] of Object.entries(TS)) {
    it(`struct ${struct}`, function () {
      assert.ok(c[struct], `layout helper knows ${struct}`);
      assert.equal(ts.table.size, c[struct].size, `sizeof(struct ${struct})`);
      for (const [cname, tsname] of Object.entries(ts.names)) {
        assert.ok(cname in c[struct].fields, `${struct}.${cname} exists in C`);
        assert.equal(ts.table[tsname], c[struct].fields[cname][0], `offsetof(${struct}, ${cname})`);
      }
    });
  }

  it('constants', function () {
    assert.equal(layout.EV_PATH_MAX, c.constants.EV_PATH_MAX);
    assert.equal(layout.EV_ARGS_MAX, c.constants.EV_ARGS_MAX);
    assert.equal(layout.EV_COMM_LEN, c.constants.EV_COMM_LEN);
    assert.equal(layout.DROP_REASONS, c.constants.EV_DROP_REASONS);
    assert.deepEqual(layout.Op, {
      EXEC: c.constants.EV_OP_EXEC,
      FORK: c.constants.EV_OP_FORK,
      EXIT: c.constants.EV_OP_EXIT,
      OPEN: c.constants.EV_OP_OPEN,
      CONNECT: c.ops.EV_OP_CONNECT,
      ACCEPT: c.ops.EV_OP_ACCEPT,
      SYSCALL: c.ops.EV_OP_SYSCALL,
      DNS: c.ops.EV_OP_DNS,
    });
    assert.equal(layout.SYSCALL_NAMES.length, c.ops.SC_MAX, 'one name per enum sec_syscall');
  });
});
