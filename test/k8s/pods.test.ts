// PodCache against a faithful fake API server, through @kubernetes/client-node
// itself: list, watch, MODIFIED statuses, grace after deletion, 410 Gone,
// restarts and outages. Conditions are polled, never slept on blindly.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import { PodCache, PodCacheOptions } from '../../sensor/enrich/k8s/pods';
import { parseContainerId } from '../../sensor/enrich/k8s/extract';
import { FakeApiServer, FakeApiServerOptions, Pod } from './fake-apiserver';

const NODE = 'node-a';
const FAST = { backoff: { initialMs: 50, maxMs: 400, jitter: 0.2 } };

/** A deterministic 64-hex container ID. */
function cid(n: string): string {
  return createHash('sha256').update(n).digest('hex');
}

interface C {
  name: string;
  image?: string;
  id?: string;
  runtime?: string;
  previousId?: string;
  securityContext?: object;
}

function pod(name: string, o: { node?: string; ns?: string; containers?: C[]; init?: C[]; ephemeral?: C[]; labels?: Record<string, string>; spec?: object; uid?: string } = {}): Pod {
  const containers = o.containers ?? [{ name: 'main', id: cid(name) }];
  const specs = (cs: C[] | undefined) => cs?.map((c) => ({ name: c.name, image: c.image ?? `registry.example/${c.name}:1`, securityContext: c.securityContext }));
  const statuses = (cs: C[] | undefined) =>
    cs
      ?.filter((c) => c.id)
      .map((c) => ({
        name: c.name,
        image: c.image ?? `registry.example/${c.name}:1`,
        imageID: `registry.example/${c.name}@sha256:${cid('img' + c.name)}`,
        containerID: `${c.runtime ?? 'containerd'}://${c.id}`,
        ready: true,
        restartCount: c.previousId ? 1 : 0,
        lastState: c.previousId ? { terminated: { exitCode: 1, containerID: `${c.runtime ?? 'containerd'}://${c.previousId}` } } : {},
      }));
  return {
    metadata: { name, namespace: o.ns ?? 'default', uid: o.uid, labels: o.labels ?? { app: name } },
    spec: {
      nodeName: o.node ?? NODE,
      serviceAccountName: `${name}-sa`,
      containers: specs(containers)!,
      initContainers: specs(o.init),
      ephemeralContainers: specs(o.ephemeral),
      ...o.spec,
    } as Pod['spec'],
    status: {
      phase: 'Running',
      containerStatuses: statuses(containers),
      initContainerStatuses: statuses(o.init),
      ephemeralContainerStatuses: statuses(o.ephemeral),
    } as Pod['status'],
  };
}

async function eventually(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('k8s PodCache', function () {
  let fake: FakeApiServer;
  let cache: PodCache | undefined;

  async function setup(fo: FakeApiServerOptions = {}, pods: Pod[] = []): Promise<void> {
    fake = new FakeApiServer(fo);
    await fake.start();
    for (const p of pods) fake.addPod(p);
  }

  async function startCache(o: Partial<PodCacheOptions> = {}): Promise<PodCache> {
    cache = new PodCache({ nodeName: NODE, kubeconfig: fake.writeKubeconfig(), ...FAST, ...o });
    await cache.start();
    assert.equal(await cache.waitForSync(10_000), true, 'the cache should sync');
    return cache;
  }

  afterEach(async () => {
    cache?.stop();
    cache = undefined;
    await fake?.stop();
  });

  it('indexes every container of the initial list with its pod, labels, image and security context', async () => {
    await setup({ token: 'sekret' }, [
      pod('web', {
        labels: { app: 'web', tier: 'front' },
        containers: [
          { name: 'nginx', image: 'nginx:1.27', id: cid('nginx'), securityContext: { privileged: true, capabilities: { add: ['NET_ADMIN', 'SYS_PTRACE'], drop: ['ALL'] }, runAsUser: 0 } },
          { name: 'sidecar', id: cid('sidecar'), runtime: 'cri-o' },
        ],
        spec: { hostPID: true, hostNetwork: true, securityContext: { runAsUser: 1000, runAsNonRoot: true } },
      }),
    ]);
    fake.updatePod('default', 'web', (p) => {
      p.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d9c', uid: 'rs', controller: true }];
    });
    const c = await startCache();

    const nginx = c.lookupContainer(cid('nginx'));
    assert.ok(nginx, 'nginx resolves');
    assert.equal(nginx.id, cid('nginx'));
    assert.equal(nginx.runtime, 'containerd');
    assert.equal(nginx.name, 'nginx');
    assert.equal(nginx.kind, 'container');
    assert.equal(nginx.image, 'nginx:1.27');
    assert.equal(nginx.imageId, `registry.example/nginx@sha256:${cid('imgnginx')}`);
    assert.deepEqual(nginx.security, {
      privileged: true,
      allowPrivilegeEscalation: undefined,
      runAsUser: 0,
      runAsNonRoot: true,
      readOnlyRootFilesystem: false,
      capabilitiesAdded: ['NET_ADMIN', 'SYS_PTRACE'],
      capabilitiesDropped: ['ALL'],
    });
    const web = fake.getPod('default', 'web')!;
    assert.deepEqual(nginx.pod, {
      uid: web.metadata!.uid,
      namespace: 'default',
      name: 'web',
      nodeName: NODE,
      labels: { app: 'web', tier: 'front' },
      serviceAccount: 'web-sa',
      hostPID: true,
      hostNetwork: true,
      hostIPC: false,
      owner: { kind: 'ReplicaSet', name: 'web-5d9c' },
    });

    const sidecar = c.lookupContainer(`cri-o://${cid('sidecar')}`);
    assert.equal(sidecar?.runtime, 'cri-o', 'a lookup may carry the scheme');
    assert.equal(sidecar?.security.runAsUser, 1000, "the pod's runAsUser applies when the container sets none");
    assert.equal(sidecar?.security.privileged, false);
    assert.equal(c.lookupContainer(cid('nginx').toUpperCase())?.name, 'nginx', 'IDs compare without case');
    assert.equal(c.lookupPod(web.metadata!.uid!)?.name, 'web');
    assert.equal(c.lookupPod(web.metadata!.uid!.replace(/-/g, '_'))?.name, 'web', "the systemd driver's spelling of the UID");
    assert.throws(() => ((nginx.pod.labels as Record<string, string>).app = 'x'), TypeError, 'records are frozen');

    const s = c.stats();
    assert.equal(s.pods, 1);
    assert.equal(s.containers, 2);
    assert.equal(s.relists, 0);
    assert.equal(s.watchErrors, 0);
    assert.equal(s.hits, 5);
    assert.ok(s.lastSyncAge !== null && s.lastSyncAge < 5000);
    assert.ok(fake.requests.every((r) => r.authorization === 'Bearer sekret'), 'the kubeconfig token is sent');
  });

  it('asks only for its node and never sees pods of other nodes, even ones that move', async () => {
    await setup({}, [pod('mine'), pod('theirs', { node: 'node-b' }), pod('pending', { node: '', containers: [{ name: 'main' }] })]);
    const c = await startCache();
    assert.ok(c.lookupContainer(cid('mine')));
    assert.equal(c.lookupContainer(cid('theirs')), undefined);
    assert.equal(c.stats().pods, 1);

    // Scheduled onto this node: for a per-node watch, the binding is an ADDED.
    fake.updatePod('default', 'pending', (p) => {
      p.spec!.nodeName = NODE;
    });
    await eventually('the pod bound to this node is seen', () => c.stats().pods === 2);
    fake.updatePod('default', 'theirs', (p) => {
      p.metadata!.labels = { changed: 'yes' };
    });
    fake.addPod(pod('elsewhere', { node: 'node-c' }));
    fake.addPod(pod('later'));
    await eventually('a later pod of this node arrives', () => c.lookupContainer(cid('later')) !== undefined);
    assert.equal(c.lookupContainer(cid('elsewhere')), undefined);
    assert.equal(c.lookupContainer(cid('theirs')), undefined);
    assert.equal(c.stats().pods, 3);

    assert.ok(fake.requests.length >= 2);
    for (const r of fake.requests) {
      assert.equal(r.path, '/api/v1/pods');
      assert.equal(r.query.fieldSelector, `spec.nodeName=${NODE}`, `request ${JSON.stringify(r.query)} carries the field selector`);
    }
    const watches = fake.requests.filter((r) => r.watch);
    assert.ok(watches.length >= 1);
    assert.equal(watches[0].query.allowWatchBookmarks, 'true');
    assert.ok(Number(watches[0].query.timeoutSeconds) > 0);
  });

  it('resolves a container ID once MODIFIED brings the status that names it', async () => {
    await setup();
    const c = await startCache();
    const added = fake.addPod(pod('fresh', { containers: [{ name: 'app' }] }));
    const uid = added.metadata!.uid!;
    await eventually('the pod is known by UID', () => c.lookupPod(uid) !== undefined);
    assert.equal(c.lookupContainer(cid('fresh-app')), undefined, 'no container ID before the status');
    const missesBefore = c.stats().misses;

    fake.updatePod('default', 'fresh', (p) => {
      p.status!.containerStatuses = [{ name: 'app', image: 'registry.example/app:1', imageID: '', containerID: `containerd://${cid('fresh-app')}`, ready: false, restartCount: 0 }];
    });
    await eventually('the container ID resolves', () => c.lookupContainer(cid('fresh-app')) !== undefined);
    const info = c.lookupContainer(cid('fresh-app'))!;
    assert.equal(info.pod.uid, uid);
    assert.equal(info.name, 'app');
    assert.equal(info.image, 'registry.example/app:1');
    assert.ok(c.stats().misses >= missesBefore);
  });

  it('indexes init and ephemeral containers, other runtimes, and the previous ID of a restarted container', async () => {
    await setup({}, [
      pod('job', {
        init: [{ name: 'setup', id: cid('setup'), runtime: 'docker' }],
        containers: [{ name: 'work', id: cid('work'), previousId: cid('work-before') }],
        ephemeral: [{ name: 'debugger', image: 'busybox', id: cid('debugger'), securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }],
      }),
    ]);
    const c = await startCache();
    assert.deepEqual(
      [cid('setup'), cid('work'), cid('work-before'), cid('debugger')].map((id) => {
        const i = c.lookupContainer(id);
        return i && [i.name, i.kind, i.runtime];
      }),
      [
        ['setup', 'init', 'docker'],
        ['work', 'container', 'containerd'],
        ['work', 'container', 'containerd'],
        ['debugger', 'ephemeral', 'containerd'],
      ],
    );
    assert.deepEqual(c.lookupContainer(cid('debugger'))?.security.capabilitiesAdded, ['SYS_ADMIN']);
    assert.equal(c.lookupContainer(cid('debugger'))?.image, 'busybox');
    assert.equal(c.stats().containers, 4);
  });

  it('finds a static pod by the UID its cgroups carry (the mirror annotation)', async () => {
    const hash = '6c5b9a3f1e2d4c7b8a9f0e1d2c3b4a59';
    const p = pod('kube-proxy-node-a', { ns: 'kube-system' });
    p.metadata!.annotations = { 'kubernetes.io/config.mirror': hash };
    await setup({}, [p]);
    const c = await startCache();
    assert.equal(c.lookupPod(hash)?.name, 'kube-proxy-node-a');
    assert.equal(c.lookupPod(fake.getPod('kube-system', 'kube-proxy-node-a')!.metadata!.uid!)?.name, 'kube-proxy-node-a');
  });

  it('keeps a deleted pod for the grace period and forgets it after', async () => {
    let now = 1_000_000;
    await setup({}, [pod('short'), pod('stays')]);
    const c = await startCache({ now: () => now, graceMs: 60_000 });
    const uid = fake.getPod('default', 'short')!.metadata!.uid!;
    fake.deletePod('default', 'short');
    await eventually('the deletion arrives', () => c.stats().pods === 1);

    assert.equal(c.lookupContainer(cid('short'))?.pod.name, 'short', 'a late event still gets its pod');
    assert.equal(c.lookupPod(uid)?.name, 'short');
    assert.equal(c.stats().graceHits, 2);
    assert.equal(c.stats().gonePods, 1);
    assert.equal(c.stats().goneContainers, 1);

    now += 59_999;
    assert.ok(c.lookupContainer(cid('short')), 'still within grace');
    now += 1;
    const misses = c.stats().misses;
    assert.equal(c.lookupContainer(cid('short')), undefined, 'gone after the grace');
    assert.equal(c.lookupPod(uid), undefined);
    assert.equal(c.stats().misses, misses + 2);
    assert.equal(c.stats().gonePods + c.stats().goneContainers, 0, 'expired entries are freed');
    assert.ok(c.lookupContainer(cid('stays')), 'other pods are untouched');
  });

  it('bounds the grace cache and counts what leaves it early', async () => {
    await setup({}, [pod('a'), pod('b'), pod('c')]);
    const c = await startCache({ maxGone: 2 });
    for (const n of ['a', 'b', 'c']) fake.deletePod('default', n);
    await eventually('all deleted', () => c.stats().pods === 0);
    const s = c.stats();
    assert.equal(s.gonePods + s.goneContainers, 2);
    assert.equal(s.graceEvicted, 4);
    assert.ok(c.lookupContainer(cid('c')), 'the newest gone entry stays');
  });

  for (const expiredWatch of ['event', 'http'] as const) {
    it(`recovers from 410 Gone (${expiredWatch === 'event' ? 'ERROR event on the stream' : 'HTTP 410'}) without stale or lost pods`, async () => {
      let now = 5_000_000;
      await setup({ expiredWatch }, [pod('a'), pod('b'), pod('c', { containers: [{ name: 'main', id: cid('c-old') }] })]);
      const c = await startCache({ now: () => now });
      const oldCUid = fake.getPod('default', 'c')!.metadata!.uid!;

      // The sensor is cut off while the cluster moves on and etcd compacts.
      await fake.setUnreachable('refuse');
      await eventually('the cache notices', () => c.stats().watchErrors > 0);
      fake.deletePod('default', 'a');
      fake.addPod(pod('d'));
      fake.addPod(pod('e'));
      fake.deletePod('default', 'e');
      fake.updatePod('default', 'b', (p) => {
        p.metadata!.labels = { app: 'b', version: '2' };
      });
      fake.deletePod('default', 'c');
      fake.addPod(pod('c', { containers: [{ name: 'main', id: cid('c-new') }] }));
      fake.expireHistory();
      assert.ok(c.lookupContainer(cid('a')), 'while cut off, what is known still answers');
      await fake.setUnreachable(false);

      await eventually('the relist brings d', () => c.lookupContainer(cid('d')) !== undefined);
      const s = c.stats();
      assert.ok(s.relists >= 1, 'a relist happened');
      assert.ok(s.expired >= 1, '410 was counted');
      assert.equal(s.pods, 3, 'b, c (new) and d');
      assert.equal(c.lookupContainer(cid('e')), undefined, 'a pod born and gone in the gap is simply unknown');
      assert.deepEqual(c.lookupContainer(cid('b'))?.pod.labels, { app: 'b', version: '2' }, 'no stale labels');
      const newC = c.lookupContainer(cid('c-new'));
      assert.ok(newC && newC.pod.uid !== oldCUid, 'the namesake is a new pod');
      assert.equal(c.lookupContainer(cid('c-old'))?.pod.uid, oldCUid, 'the replaced pod is in grace');
      assert.ok(c.lookupContainer(cid('a')), 'the pod deleted in the gap is in grace');
      assert.ok(c.stats().graceHits >= 2);
      now += 5 * 60_000;
      assert.equal(c.lookupContainer(cid('a')), undefined);
      assert.equal(c.lookupContainer(cid('c-old')), undefined);
      assert.equal(c.lookupPod(oldCUid), undefined);

      // And it keeps watching from the relist's resourceVersion.
      fake.addPod(pod('f'));
      await eventually('a pod after the recovery arrives', () => c.lookupContainer(cid('f')) !== undefined);
    });
  }

  it('resumes after an API server restart, relisting when the new watch cache has no history', async () => {
    await setup({}, [pod('a'), pod('b')]);
    const c = await startCache();

    // A restart that keeps history: the watch resumes, nothing to relist.
    await fake.stop();
    fake.addPod(pod('x'));
    await fake.restart({ keepHistory: true });
    await eventually('x arrives through the resumed watch', () => c.lookupContainer(cid('x')) !== undefined);
    assert.equal(c.stats().relists, 0);

    // A restart with a fresh watch cache: 410 on resume, then a relist.
    await fake.stop();
    fake.deletePod('default', 'b');
    fake.addPod(pod('y'));
    await fake.restart();
    await eventually('y arrives after the relist', () => c.lookupContainer(cid('y')) !== undefined);
    await eventually('b is deleted', () => c.stats().pods === 3);
    assert.equal(c.stats().relists, 1);
    assert.ok(c.stats().expired >= 1);
  });

  it('answers from what it knows while the API server refuses, counts the failures, and comes back', async () => {
    let now = 9_000_000;
    await setup({}, [pod('known')]);
    const c = await startCache({ now: () => now });
    await fake.setUnreachable('refuse');
    await eventually('several failed reconnects', () => c.stats().watchErrors >= 3);
    now += 120_000;
    assert.equal(c.lookupContainer(cid('known'))?.pod.name, 'known');
    const misses = c.stats().misses;
    assert.equal(c.lookupContainer(cid('unknown')), undefined);
    assert.equal(c.lookupContainer('not even an id'), undefined);
    assert.equal(c.stats().misses, misses + 2);
    assert.ok(c.stats().lastSyncAge! >= 120_000, 'the age says how stale the view is');
    assert.equal(c.synced, true, 'synced once stays synced');

    // The backoff grows but stays bounded: the 400 ms cap allows a handful of attempts a second.
    const before = c.stats().watchErrors;
    await new Promise((r) => setTimeout(r, 1000));
    const perSecond = c.stats().watchErrors - before;
    assert.ok(perSecond >= 1 && perSecond <= 8, `reconnect attempts per second under backoff: ${perSecond}`);

    fake.addPod(pod('new'));
    await fake.setUnreachable(false);
    await eventually('the new pod arrives once the server is back', () => c.lookupContainer(cid('new')) !== undefined);
    assert.ok(c.stats().lastSyncAge! < 1000);
  });

  it('gives up on a server that accepts and never answers, and recovers when it does', async () => {
    await setup({}, [pod('known')]);
    const c = await startCache({ requestTimeoutMs: 300, watchTimeoutSeconds: 1 });
    await fake.setUnreachable('hang');
    // The open watch goes silent; the watchdog ends it, and new requests time out.
    await eventually('timeouts are counted as errors', () => c.stats().watchErrors >= 2, 15_000);
    assert.ok(c.lookupContainer(cid('known')));
    fake.addPod(pod('during'));
    await fake.setUnreachable(false);
    await eventually('the pod added during the outage arrives', () => c.lookupContainer(cid('during')) !== undefined, 15_000);
  });

  it('honours watch timeouts and resumes from the last BOOKMARK without relisting', async () => {
    await setup({ bookmarkIntervalMs: 100 }, [pod('a')]);
    const c = await startCache({ watchTimeoutSeconds: 1 });
    // A change on another node moves the resourceVersion; only a bookmark tells this watch.
    fake.addPod(pod('other', { node: 'node-b' }));
    const rv = fake.resourceVersion;
    await eventually('two watches timed out and were resumed', () => fake.requests.filter((r) => r.watch).length >= 3, 10_000);
    const watches = fake.requests.filter((r) => r.watch);
    assert.equal(watches[watches.length - 1].query.resourceVersion, rv, 'the resumed watch starts at the bookmark');
    assert.equal(fake.requests.filter((r) => !r.watch).length, 1, 'one list only');
    assert.equal(c.stats().relists, 0);
    assert.equal(c.stats().watchErrors, 0);
    fake.addPod(pod('b'));
    await eventually('changes still arrive', () => c.lookupContainer(cid('b')) !== undefined);
  });

  it('refuses bad configuration at start-up, saying what to change', async () => {
    await setup();
    assert.throws(() => new PodCache({ nodeName: '' }), /nodeName .*downward API/);
    assert.throws(() => new PodCache({ nodeName: 'n,spec.x=y' }), /nodeName/);
    assert.throws(() => new PodCache({ nodeName: 'n', graceMs: -1 }), /graceMs/);
    assert.throws(() => new PodCache({ nodeName: 'n', backoff: { initialMs: 100, maxMs: 10 } }), /maxMs/);
    await assert.rejects(new PodCache({ nodeName: 'n', kubeconfig: '/nonexistent/kubeconfig' }).start(), /kubeconfig \/nonexistent\/kubeconfig.*readable/);
    const file = fake.writeKubeconfig();
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(file, readFileSync(file, 'utf8').replace('    insecure-skip-tls-verify: true\n', ''));
    await assert.rejects(new PodCache({ nodeName: 'n', kubeconfig: file }).start(), /insecure-skip-tls-verify/);
    if (!process.env.KUBERNETES_SERVICE_HOST) {
      await assert.rejects(new PodCache({ nodeName: 'n' }).start(), /KUBERNETES_SERVICE_HOST.*kubeconfig/);
    }
  });

  it('never throws on lookups, whatever it is given', async () => {
    const c = new PodCache({ nodeName: NODE });
    for (const bad of [undefined, null, 42, {}, '', '://', 'containerd://']) {
      assert.equal(c.lookupContainer(bad as unknown as string), undefined);
      assert.equal(c.lookupPod(bad as unknown as string), undefined);
    }
    assert.equal(c.stats().misses, 14);
    assert.equal(c.stats().lastSyncAge, null);
    assert.equal(c.synced, false);
  });
});

describe('k8s container IDs', () => {
  it('strips the runtime scheme', () => {
    assert.deepEqual(parseContainerId(`containerd://${'ab'.repeat(32)}`), { runtime: 'containerd', id: 'ab'.repeat(32) });
    assert.deepEqual(parseContainerId(`cri-o://${'CD'.repeat(32)}`), { runtime: 'cri-o', id: 'cd'.repeat(32) });
    assert.deepEqual(parseContainerId(`docker://${'ef'.repeat(32)}`), { runtime: 'docker', id: 'ef'.repeat(32) });
    assert.equal(parseContainerId(''), undefined);
    assert.equal(parseContainerId(undefined), undefined);
    assert.equal(parseContainerId('containerd://'), undefined);
  });
});

describe('k8s fake API server', () => {
  let fake: FakeApiServer;
  beforeEach(async () => {
    fake = new FakeApiServer();
    await fake.start();
  });
  afterEach(() => fake.stop());

  function get(path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      http
        .get(fake.url + path, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });
  }

  it('lists with a resourceVersion, by namespace and field selector, and refuses unknown fields', async () => {
    fake.addPod(pod('a', { ns: 'one' }));
    fake.addPod(pod('b', { ns: 'two', node: 'node-b' }));
    const all = JSON.parse((await get('/api/v1/pods')).body);
    assert.equal(all.kind, 'PodList');
    assert.equal(all.metadata.resourceVersion, fake.resourceVersion);
    assert.equal(all.items.length, 2);
    assert.equal(JSON.parse((await get('/api/v1/namespaces/one/pods')).body).items.length, 1);
    const sel = JSON.parse((await get('/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-b')).body);
    assert.deepEqual(sel.items.map((p: Pod) => p.metadata!.name), ['b']);
    const bad = await get('/api/v1/pods?fieldSelector=spec.bogus%3Dx');
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).message, /field label not supported/);
    const old = fake.resourceVersion;
    fake.deletePod('one', 'a');
    const exact = JSON.parse((await get(`/api/v1/pods?resourceVersion=${old}&resourceVersionMatch=Exact`)).body);
    assert.equal(exact.items.length, 2, 'an exact list shows the past');
    fake.expireHistory();
    const gone = await get(`/api/v1/pods?resourceVersion=${old}&resourceVersionMatch=Exact`);
    assert.equal(gone.status, 410);
    assert.equal(JSON.parse(gone.body).reason, 'Expired');
  });

  it('replays history on a watch and answers a too old resourceVersion with a 410 ERROR event', async () => {
    const start = fake.resourceVersion;
    fake.addPod(pod('a'));
    fake.updatePod('default', 'a', (p) => (p.metadata!.labels = { v: '2' }));
    fake.deletePod('default', 'a');
    const watch = await new Promise<string[]>((resolve, reject) => {
      http
        .get(`${fake.url}/api/v1/pods?watch=true&resourceVersion=${start}&timeoutSeconds=1`, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (d: string) => (body += d));
          res.on('end', () => resolve(body.trim().split('\n')));
        })
        .on('error', reject);
    });
    const events = watch.map((l) => JSON.parse(l) as { type: string; object: Pod });
    assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
    const rvs = events.map((e) => Number(e.object.metadata!.resourceVersion));
    assert.ok(rvs[0] < rvs[1] && rvs[1] < rvs[2], 'resourceVersions only grow');

    fake.expireHistory();
    const expired = (await get(`/api/v1/pods?watch=true&resourceVersion=${start}`)).body.trim();
    const ev = JSON.parse(expired);
    assert.equal(ev.type, 'ERROR');
    assert.equal(ev.object.code, 410);
    assert.equal(ev.object.kind, 'Status');
  });
});
