// Who made an alert: the product name, vendor and version that OCSF metadata
// and OTLP resources carry. The version is read once from package.json, found
// by walking up from this file (the same code runs from sensor/ and dist/).
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export interface Product {
  name: string;
  vendor: string;
  version: string;
}

function packageVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'kestrel-sensor' && typeof pkg.version === 'string') return pkg.version;
      } catch {
        // an unreadable package.json is no reason to fail; the version is informational
      }
    }
    dir = path.dirname(dir);
  }
  return '0.0.0';
}

export const PRODUCT: Product = Object.freeze({
  name: 'kestrel-sensor',
  vendor: 'Kestrel',
  version: packageVersion(),
});
