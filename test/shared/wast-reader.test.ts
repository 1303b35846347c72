/**
 * The `.wast` script reader of the spec suite (test/harness/wast.ts): the forms the async scripts
 * use, the text it hands to `jco parse`, and clear errors for what it does not read.
 */
import { deepEqual, equal, throws } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import { jsValue } from '../harness/wast-runner.js';
import { readWast } from '../harness/wast.js';

describe('.wast reader', () => {
  it('reads definitions, instances, invokes and assertions, skipping both kinds of comment', () => {
    const script = [
      ';; a line comment (with a paren',
      '(component definition $T (core module $m) (; a (; nested ;) block comment ;))',
      '(component instance $i $T)',
      '(assert_return (invoke "run" (u32.const 0x10) (bool.const true)) (s64.const -2))',
      '(assert_trap (invoke $i "f") "cannot \\"enter\\"")',
      '(assert_invalid (component (type (stream char))) "`stream<char>` is not valid")',
      '(component $c)',
    ].join('\n');
    const c = readWast(script);
    deepEqual(c.map((x) => [x.kind, x.line]), [['definition', 2], ['instance', 3], ['assert_return', 4], ['assert_trap', 5], ['assert_invalid', 6], ['component', 7]]);
    const def = c[0] as Extract<(typeof c)[number], { kind: 'definition' }>;
    equal(def.name, '$T');
    // the script word goes; the component text stays as written, comments included
    equal(def.text, '(component  $T (core module $m) (; a (; nested ;) block comment ;))');
    deepEqual(c[1], { kind: 'instance', name: '$i', definition: '$T', line: 3 });
    const ret = c[2] as Extract<(typeof c)[number], { kind: 'assert_return' }>;
    deepEqual(ret.invoke, { instance: undefined, name: 'run', args: [{ type: 'u32', value: 16 }, { type: 'bool', value: true }] });
    deepEqual(ret.results, [{ type: 's64', value: -2n }]);
    const trap = c[3] as Extract<(typeof c)[number], { kind: 'assert_trap' }>;
    equal(trap.invoke.instance, '$i');
    equal(trap.message, 'cannot "enter"');
    // components are numbered in order, whatever form holds them
    deepEqual(c.filter((x) => 'component' in x).map((x) => (x as { component: number }).component), [0, 1, 2]);
  });

  it('reads record fields with bare values, variants, enums and lists, and turns them into JS values', () => {
    const [cmd] = readWast('(invoke "run" (list.const (variant.const "poll" (record.const (field "slot" u8.const 3) (field "event-kind" enum.const "stream-write"))) (variant.const "none")))');
    const args = (cmd as Extract<typeof cmd, { kind: 'invoke' }>).invoke.args;
    deepEqual(args.map(jsValue), [[{ tag: 'poll', val: { slot: 3, eventKind: 'stream-write' } }, { tag: 'none' }]]);
  });

  it('refuses what it does not read, naming the line', () => {
    throws(() => readWast('(component)\n(register "x")'), { message: /line 2: the command `register` is not supported/ });
    throws(() => readWast('(component binary "\\00asm")'), { message: /`\(component binary` is not supported/ });
    throws(() => readWast('(invoke "f" (u8.const 256))'), { message: /256 is out of range for u8/ });
    throws(() => readWast('(invoke "f" (flags.const "a"))'), { message: /`flags.const` is not supported/ });
    throws(() => readWast('(component (; never closed'), { message: /block comment `\(;` is never closed/ });
    throws(() => readWast('(component'), { message: /`\(` is never closed/ });
  });
});
