// Compiles src/core/abi/transcode.wat and writes its bytes (base64, without custom sections)
// into src/core/abi/transcode.ts, between the BEGIN/END markers. Run it after editing the WAT:
//   node scripts/build-transcoder.mjs          (writes)
//   node scripts/build-transcoder.mjs --check  (exits 1 if transcode.ts is stale)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from '@bytecodealliance/jco';

const wat = fileURLToPath(new URL('../src/core/abi/transcode.wat', import.meta.url));
const ts = fileURLToPath(new URL('../src/core/abi/transcode.ts', import.meta.url));

/** The module's bytes without custom sections (names): they only add size. */
export async function transcoderBase64() {
  const bytes = await parse(readFileSync(wat, 'utf8'));
  const out = [...bytes.subarray(0, 8)];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    let size = 0;
    let shift = 0;
    let p = at + 1;
    for (;;) {
      const b = bytes[p++];
      size |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) break;
    }
    if (id !== 0) out.push(...bytes.subarray(at, p + size));
    at = p + size;
  }
  return Buffer.from(out).toString('base64');
}

const source = readFileSync(ts, 'utf8');
const marked = /(\/\/ BEGIN transcoder bytes\n)[^]*?(\n *\/\/ END transcoder bytes)/;
if (!marked.test(source)) throw new Error(`${ts} has no BEGIN/END transcoder bytes markers`);
const b64 = await transcoderBase64();
const lines = b64.match(/.{1,96}/g).map((l) => `  '${l}'`).join(' +\n');
const next = source.replace(marked, `$1${lines};$2`);
if (process.argv.includes('--check')) {
  if (next !== source) {
    console.error('src/core/abi/transcode.ts is stale: run node scripts/build-transcoder.mjs');
    process.exit(1);
  }
} else if (next !== source) {
  writeFileSync(ts, next);
  console.log(`transcode.ts: ${Buffer.from(b64, 'base64').length} bytes`);
}
