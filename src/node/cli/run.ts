/** `isowasm run`: run a command component (wasi:cli/run) with what the options grant, like `wasmtime run`. */
import { ComponentError, IsowasmError } from '../../core/index.js';
import { exitCodeOf } from '../../core/errors.js';
import { loadComponent } from '../index.js';
import { processStdin } from '../stdio.js';
import { type CommandLine, isOptionOf } from './command-line.js';
import { grantsFrom } from './grants.js';
import { instanceLimits } from './limits.js';
import { loadImports } from './imports.js';
import { reportDenial } from './messages.js';

/** Runs the component; resolves to its exit code. */
export async function run(line: CommandLine): Promise<number> {
  const component = await loadComponent(line.file);
  const runExport = component.exports.find((e) => e.kind === 'instance' && /^wasi:cli\/run(@|$)/.test(e.name));
  if (!runExport) {
    throw new IsowasmError('LINK_ERROR', `${line.file} is not a command component (it exports no wasi:cli/run); \`isowasm call\` calls its other exports (\`isowasm inspect ${line.file}\` lists them)`);
  }
  const capabilities = grantsFrom(line, [line.file, ...line.rest]);
  const limits = instanceLimits(line);
  const { exports } = await component.instantiate({
    ...(limits ? { limits } : {}),
    ...(line.options.has('--imports') ? { imports: await loadImports(line.options.get('--imports')!) } : {}),
    capabilities: { ...capabilities, stdio: { stdin: processStdin() } },
    onCapabilityDenied: reportDenial,
  });
  let code: number;
  try {
    await exports[runExport.name].run();
    code = 0;
  } catch (e) {
    const exit = exitCodeOf(e);
    // run returned err: wasmtime reports that as 1 too
    if (exit === null && !(e instanceof ComponentError)) throw e;
    code = exit ?? 1;
  }
  const misplaced = line.rest.find((a) => isOptionOf('run', a));
  if (code !== 0 && misplaced !== undefined) {
    // wasmtime's rule gave the guest what may have been meant for isowasm: say so, once it failed
    process.stderr.write(`isowasm: note: ${misplaced} came after the component file, so it went to the component as an argument; isowasm's options go before the file (isowasm run ${misplaced} ... ${line.file} ...)\n`);
  }
  return code;
}
