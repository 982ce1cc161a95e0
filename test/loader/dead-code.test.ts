// Dead code: the kernel refuses a malformed instruction or a call it would not
// make only where its walk reaches it, and replaces what no path reaches
// before the program runs (sanitize_dead_code). Corpus cases the kernel
// accepts (kernel.json records it), loaded and run here.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attachObject, loadObject } from '../../src/loader/load.js';
import { CORPUS_DIR } from '../verifier/corpus/kernel.js';

describe('dead code', () => {
  for (const file of ['cfg/dead_reserved_fields_ok.o', 'helpers/dead_unknown_helper_ok.o']) {
    it(`loads and runs ${file}, its unreachable instructions never checked or run`, () => {
      const obj = loadObject(join(CORPUS_DIR, file));
      const prog = obj.program();
      expect(prog.run(new Uint8Array(64)).verdict).toBe(2);
      // Another thread takes the dead code up as the loading thread found it, and runs the same program.
      const shared = obj.share();
      expect(shared.deadCode[0]).toEqual(file.startsWith('cfg/') ? [2] : [2, 3]);
      expect(attachObject(shared).program().run(new Uint8Array(64)).verdict).toBe(2);
    });
  }
});
