// Records the kernel's verifier answer for every case of the verifier corpus
// (test/verifier/corpus): each program of test/verifier/corpus/*/*.o, and
// every XDP program of examples/*.o, test/fixtures/objects/*.o and
// test/fixtures/refused/*.o. Needs root, BPF and cc + libbpf.
//
//   npm run corpus:record                    writes test/verifier/corpus/kernel.json
//   npm run corpus:record -- --disagreements writes test/verifier/corpus/disagreements.json:
//       every case where xdpsim's verifyObject differs from kernel.json (no kernel needed)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { caseName, compareAll } from '../test/verifier/corpus/compare.js';
import { CORPUS_DIR, REPO_ROOT, kernelVerdict, type KernelRecord, xdpPrograms } from '../test/verifier/corpus/kernel.js';

const KERNEL_JSON = join(CORPUS_DIR, 'kernel.json');
const DISAGREEMENTS_JSON = join(CORPUS_DIR, 'disagreements.json');
const OBJECT_DIRS = ['examples', 'test/fixtures/objects', 'test/fixtures/refused'];

function cases(): Array<{ file: string; program: string }> {
  const out: Array<{ file: string; program: string }> = [];
  for (const folder of readdirSync(CORPUS_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const f of readdirSync(join(CORPUS_DIR, folder)).filter((f) => f.endsWith('.o')).sort()) {
      out.push({ file: relative(REPO_ROOT, join(CORPUS_DIR, folder, f)), program: f.slice(0, -2) });
    }
  }
  for (const dir of OBJECT_DIRS) {
    for (const f of readdirSync(join(REPO_ROOT, dir)).filter((f) => f.endsWith('.o')).sort()) {
      const file = `${dir}/${f}`;
      for (const program of xdpPrograms(file)) out.push({ file, program });
    }
  }
  return out;
}

function record(): void {
  const list = cases();
  const records: KernelRecord[] = [];
  for (const [i, c] of list.entries()) {
    const r = kernelVerdict(c.file, c.program);
    records.push(r);
    process.stdout.write(`${i + 1}/${list.length} ${caseName(c)}: ${r.accepted ? 'accepted' : `${r.errno} ${r.error ?? ''}`}\n`);
  }
  writeFileSync(KERNEL_JSON, JSON.stringify(records, null, 1) + '\n');
  console.log(`wrote ${relative(REPO_ROOT, KERNEL_JSON)}: ${records.length} cases, ${records.filter((r) => r.accepted).length} accepted`);
}

/** Why xdpsim differs from the kernel on the cases it knowingly does, written beside each in disagreements.json. */
const LEGACY_MAPS = "libbpf 1.x refuses legacy 'maps' sections; xdpsim loads them as iproute2 does (LoadOptions.strict refuses them)";
const KNOWN_CAUSES: Readonly<Record<string, string>> = {
  'maps/map_ptr_read': "reading a map's kernel struct (bpf_htab) needs the running kernel's BTF, which xdpsim does not load",
  'maps/map_ptr_write': "the kernel names the map's kernel struct from its BTF (bpf_htab), which xdpsim does not load",
  'examples/xdp_legacy_maps.o:xdp_legacy': LEGACY_MAPS,
  'test/fixtures/objects/legacy.bpf.o:xdp_legacy': LEGACY_MAPS,
  'test/fixtures/objects/legacy_iproute2.bpf.o:xdp_acl': LEGACY_MAPS,
};

async function disagreements(): Promise<void> {
  const records = JSON.parse(readFileSync(KERNEL_JSON, 'utf8')) as KernelRecord[];
  const causes = (await compareAll(records)).map((c) => c.cause);
  const out: Record<string, string> = {};
  for (const [i, r] of records.entries()) {
    const why = causes[i];
    const name = caseName(r);
    if (why !== undefined) out[name] = KNOWN_CAUSES[name] ? `${why} [cause: ${KNOWN_CAUSES[name]}]` : why;
  }
  writeFileSync(DISAGREEMENTS_JSON, JSON.stringify(out, null, 1) + '\n');
  console.log(`wrote ${relative(REPO_ROOT, DISAGREEMENTS_JSON)}: ${Object.keys(out).length} of ${records.length} cases disagree`);
}

if (process.argv.includes('--disagreements')) await disagreements();
else record();
