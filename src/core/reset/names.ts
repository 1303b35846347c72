/**
 * The reserved names of resettable modules (rewrite.ts makes them, tracker.ts and the linker read
 * them): apart, so that reading them does not load the rewriter.
 */

/** The namespace of the host functions that size and grow imported memories. */
export const RESET_MODULE = 'isowasm:reset';
/** Prefixes of the reserved exports (followed by the index in the module's own index space). */
export const RESET_MEMORY = 'isowasm:memory:';
export const RESET_VSIZE = 'isowasm:vsize:';
export const RESET_GLOBAL = 'isowasm:global:';
export const RESET_TABLE = 'isowasm:table:';
