// Render BENCHMARKS.md again from the raw figures a run saved beside it
// (BENCHMARKS.json), without measuring anything:
//   node dist/bench/render.js [BENCHMARKS.json] [OUT.md]
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { markdown, type BenchData } from './report';

const ROOT = path.resolve(__dirname, '../..');
const src = process.argv[2] ?? path.join(ROOT, 'BENCHMARKS.json');
const out = process.argv[3] ?? src.replace(/\.json$/, '.md');
const data = JSON.parse(readFileSync(src, 'utf8')) as BenchData;
writeFileSync(out, markdown(data));
process.stdout.write(`rendered ${out} from ${src}\n`);
