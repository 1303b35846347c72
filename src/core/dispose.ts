/**
 * `Symbol.dispose`, or the registry symbol that stands for it where the platform lacks it (Node
 * 20, older browsers): what resource classes, guest and host, are disposed through. One
 * definition, so that every class of the runtime agrees on the key.
 */

declare global {
  interface SymbolConstructor {
    /**
     * `Symbol.dispose` (explicit resource management), declared here so that isowasm's types
     * check in projects whose `lib` predates it (ES2022 with DOM, no @types/node).
     */
    readonly dispose: unique symbol;
  }
}

export const symbolDispose: typeof Symbol.dispose =
  (Symbol as { dispose?: typeof Symbol.dispose }).dispose ?? (Symbol.for('Symbol.dispose') as typeof Symbol.dispose);
