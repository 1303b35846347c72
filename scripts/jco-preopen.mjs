// Preload for running jco's tools in Node (`node --import ./scripts/jco-preopen.mjs ...`): with
// preview2-shim 0.26 the shim starts with no preopens, so `jco componentize` can't read its own
// files. This grants the shim that jco runs on a "/" preopen (jco only; never the library's host).
import { filesystem } from '@bytecodealliance/preview2-shim';

filesystem._setPreopens({ '/': '/' });
