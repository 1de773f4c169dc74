// The cgroup path parser against every layout the kubelet, CRI-O, containerd
// and Docker produce, and against paths a workload could make up.
import { strict as assert } from 'node:assert';
import { ContainerRef, MAX_CGROUP_INPUT, parseCgroupPath, parseProcCgroup } from '../../sensor/enrich/cgroup-path';

const ID = 'a3f1c2e4b5d6978812345678abcdef0123456789abcdef0123456789abcdef01';
const ID2 = 'ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100';
const UID = '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b';
const UID_ = UID.replace(/-/g, '_');
const STATIC_UID = '5d41402abc4b2a76b9719d911017c592';

const pod = (qos: ContainerRef['qos'], runtime: ContainerRef['runtime'] = 'unknown', id = ID, podUid = UID): ContainerRef => {
  const r: ContainerRef = { runtime, id, podUid };
  if (qos) r.qos = qos;
  return r;
};

describe('enrich: parseCgroupPath', function () {
  const matches: [string, string, ContainerRef][] = [
    // kubelet, cgroupfs driver
    ['cgroupfs besteffort', `/kubepods/besteffort/pod${UID}/${ID}`, pod('besteffort')],
    ['cgroupfs burstable', `/kubepods/burstable/pod${UID}/${ID}`, pod('burstable')],
    ['cgroupfs guaranteed', `/kubepods/pod${UID}/${ID}`, pod('guaranteed')],
    ['cgroupfs static pod uid', `/kubepods/burstable/pod${STATIC_UID}/${ID}`, pod('burstable', 'unknown', ID, STATIC_UID)],
    ['cgroupfs CRI-O', `/kubepods/besteffort/pod${UID}/crio-${ID}`, pod('besteffort', 'cri-o')],
    // kubelet, systemd driver
    ['systemd containerd besteffort',
      `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/cri-containerd-${ID}.scope`,
      pod('besteffort', 'containerd')],
    ['systemd CRI-O burstable',
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-${ID}.scope`,
      pod('burstable', 'cri-o')],
    ['systemd docker guaranteed', `/kubepods.slice/kubepods-pod${UID_}.slice/docker-${ID}.scope`, pod('guaranteed', 'docker')],
    ['systemd static pod uid',
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${STATIC_UID}.slice/cri-containerd-${ID}.scope`,
      pod('burstable', 'containerd', ID, STATIC_UID)],
    // plain Docker
    ['docker cgroupfs', `/docker/${ID}`, { runtime: 'docker', id: ID }],
    ['docker systemd', `/system.slice/docker-${ID}.scope`, { runtime: 'docker', id: ID }],
    ['docker in docker: the outer one', `/docker/${ID}/docker/${ID2}`, { runtime: 'docker', id: ID }],
    // /proc/<pid>/cgroup lines
    ['v1 memory line', `12:memory:/kubepods/besteffort/pod${UID}/${ID}`, pod('besteffort')],
    ['v1 named hierarchy line', `1:name=systemd:/kubepods/burstable/pod${UID}/${ID}`, pod('burstable')],
    ['v1 multi-controller line', `3:cpu,cpuacct:/docker/${ID}`, { runtime: 'docker', id: ID }],
    ['v2 line', `0::/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${ID}.scope`, pod('guaranteed', 'containerd')],
    ['line with trailing newline', `0::/kubepods/pod${UID}/${ID}\n`, pod('guaranteed')],
    // nested cgroup namespaces: the kubepods level is out of sight
    ['cgroupns, systemd', `0::/../../kubepods-besteffort-pod${UID_}.slice/cri-containerd-${ID}.scope`, pod('besteffort', 'containerd')],
    ['cgroupns, systemd guaranteed', `0::/../../../kubepods-pod${UID_}.slice/crio-${ID}.scope`, pod('guaranteed', 'cri-o')],
    ['cgroupns, cgroupfs', `0::/../../pod${UID}/${ID}`, pod(undefined)],
    ['cgroupns, cgroupfs with qos', `0::/../besteffort/pod${UID}/${ID}`, pod('besteffort')],
    // prefixes: kind (kubelet inside a Docker container), custom roots
    ['kind on v1', `/docker/${ID2}/kubepods/besteffort/pod${UID}/${ID}`, pod('besteffort')],
    ['kind on v2',
      `/system.slice/docker-${ID2}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${UID_}.slice/cri-containerd-${ID}.scope`,
      pod('besteffort', 'containerd')],
    ['k3s-style prefix', `/k3s/kubepods/burstable/pod${UID}/${ID}`, pod('burstable')],
    // a workload's own sub-cgroups do not change its identity
    ['nested cgroups below the container', `/kubepods/besteffort/pod${UID}/${ID}/init/sub`, pod('besteffort')],
    ['a forged pod below the container',
      `/kubepods/besteffort/pod${UID}/${ID}/kubepods/besteffort/pod${UID.replace('1f', '99')}/${ID2}`, pod('besteffort')],
    ['a forged docker cgroup below a pod container', `/kubepods/pod${UID}/${ID}/docker/${ID2}`, pod('guaranteed')],
    ['a path with ":" in a name', `4:memory:/kubepods/pod${UID}/${ID}/a:b`, pod('guaranteed')],
  ];
  for (const [name, input, want] of matches) {
    it(`finds the container: ${name}`, function () {
      assert.deepEqual(parseCgroupPath(input), want);
    });
  }

  const misses: [string, string][] = [
    ['the root', '/'],
    ['v2 root line', '0::/'],
    ['empty', ''],
    ['a host service', '/system.slice/sshd.service'],
    ['a user session', '/user.slice/user-0.slice/session-3.scope'],
    ['a pod without a container (cgroupfs)', `/kubepods/besteffort/pod${UID}`],
    ['a pod without a container (systemd)', `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice`],
    ['the QoS level', '/kubepods.slice/kubepods-burstable.slice'],
    ['CRI-O conmon', `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/crio-conmon-${ID}.scope`],
    ['CRI-O conmon, cgroupfs', `/kubepods/besteffort/pod${UID}/crio-conmon-${ID}`],
    ['conmon with a forged container below', `/kubepods/pod${UID}/crio-conmon-${ID}/${ID2}`],
    ['a 63-digit id', `/kubepods/besteffort/pod${UID}/${ID.slice(1)}`],
    ['a 65-digit id', `/kubepods/besteffort/pod${UID}/${ID}0`],
    ['a short docker id', `/docker/${ID.slice(0, 12)}`],
    ['a non-hex id', `/kubepods/besteffort/pod${UID}/${ID.slice(0, 63)}g`],
    ['an uppercase id', `/docker/${ID.toUpperCase()}`],
    ['a non-hex docker scope', `/system.slice/docker-${'z'.repeat(64)}.scope`],
    ['a short pod uid', `/kubepods/besteffort/pod${UID.slice(1)}/${ID}`],
    ['a pod uid with misplaced dashes', `/kubepods/besteffort/pod${UID.replace('-', '')}-/${ID}`],
    ['a systemd pod uid with dashes', `/kubepods.slice/kubepods-pod${UID}.slice/cri-containerd-${ID}.scope`],
    ['an unknown QoS level', `/kubepods/gold/pod${UID}/${ID}`],
    ['a pod outside kubepods', `/user.slice/pod${UID}/${ID}`],
    ['a pod slice not under its parent', `/kubepods.slice/kubepods-burstable.slice/kubepods-besteffort-pod${UID_}.slice/crio-${ID}.scope`],
    ['a pod slice of another tree', `/system.slice/system-pod${UID_}.slice/crio-${ID}.scope`],
    ['unknown runtime prefix', `/kubepods/pod${UID}/rkt-${ID}`],
    ['".." after a name', `/kubepods/besteffort/pod${UID}/${ID}/..`],
    ['".." climbing into a pod', `/kubepods/besteffort/pod${UID}/../pod${UID}/${ID}`],
    ['"." component', `/kubepods/./besteffort/pod${UID}/${ID}`],
    ['a relative path', `kubepods/besteffort/pod${UID}/${ID}`],
    ['a malformed line', `x:memory:/docker/${ID}`],
    ['a line with no path', `12:memory:docker/${ID}`],
    ['an embedded newline', `/docker/${ID}\n0::/`],
    ['a NUL byte', `/docker/${ID}\0`],
    ['an over-long name', `/${'d'.repeat(300)}/docker/${ID}`],
  ];
  for (const [name, input] of misses) {
    it(`finds no container: ${name}`, function () {
      assert.equal(parseCgroupPath(input), null);
    });
  }

  it('rejects over-long input quickly, and never throws on junk', function () {
    const t0 = process.hrtime.bigint();
    assert.equal(parseCgroupPath(`/kubepods/besteffort/pod${UID}/${ID}/${'a/'.repeat(MAX_CGROUP_INPUT)}`), null);
    assert.equal(parseCgroupPath('/' + 'x'.repeat(10_000_000)), null);
    // Just under the limit: thousands of components, still linear.
    const deep = `/kubepods/besteffort/pod${UID}/${'a/'.repeat(2000)}${ID}`;
    assert.ok(deep.length <= MAX_CGROUP_INPUT);
    assert.equal(parseCgroupPath(deep), null);
    const slices = '/' + 'kubepods-'.repeat(27) + 'pod' + UID_ + '.slic/' + ID;
    assert.equal(parseCgroupPath(slices), null);
    for (const junk of [undefined, null, 42, {}, ':', '::', '0:', '99999999999:x:/docker/' + ID, '/'.repeat(4000)]) {
      assert.equal(parseCgroupPath(junk as unknown as string), null);
    }
    assert.ok(Number(process.hrtime.bigint() - t0) / 1e6 < 500, 'bounded work');
  });
});

describe('enrich: parseProcCgroup', function () {
  it('prefers the v2 line', function () {
    const text = `12:memory:/kubepods/besteffort/pod${UID}/${ID2}\n0::/kubepods/besteffort/pod${UID}/${ID}\n`;
    const r = parseProcCgroup(text);
    assert.equal(r.v2Path, `/kubepods/besteffort/pod${UID}/${ID}`);
    assert.equal(r.container?.id, ID);
  });

  it('falls back to v1 lines when v2 says root (v1-only and hybrid hosts)', function () {
    const text = ['9:name=systemd:/', `4:memory:/docker/${ID}`, `3:cpu,cpuacct:/docker/${ID}`, '0::/', ''].join('\n');
    const r = parseProcCgroup(text);
    assert.equal(r.v2Path, '/');
    assert.deepEqual(r.container, { runtime: 'docker', id: ID });
    assert.equal(r.path, `/docker/${ID}`);
  });

  it('reports a host process with its path and no container', function () {
    assert.deepEqual(parseProcCgroup('4:memory:/process_api/x\n0::/init.scope\n'), { v2Path: '/init.scope', path: '/init.scope', container: null });
    assert.deepEqual(parseProcCgroup('4:memory:/user.slice\n'), { v2Path: null, path: '/user.slice', container: null });
    assert.deepEqual(parseProcCgroup(''), { v2Path: null, path: null, container: null });
    assert.deepEqual(parseProcCgroup('garbage\n\n'), { v2Path: null, path: null, container: null });
  });
});
