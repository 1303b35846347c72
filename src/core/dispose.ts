/**
 * `Symbol.dispose`, or the registry symbol that stands for it where the platform lacks it (Node
 * 20, older browsers): what resource classes, guest and host, are disposed through. One
 * definition, so that every class of the runtime agrees on the key. With it, the declarations of
 * the globals isowasm's shipped types name, for projects whose `lib` lacks them.
 */

declare global {
  interface SymbolConstructor {
    /**
     * `Symbol.dispose` (explicit resource management), declared here so that isowasm's types
     * check in projects whose `lib` predates it (ES2022 with DOM, no @types/node).
     */
    readonly dispose: unique symbol;
  }
  /**
   * The WebAssembly types isowasm's declarations name, for Node projects compiled without the
   * DOM library (@types/node does not declare them); empty, so they merge with the full ones.
   */
  namespace WebAssembly {
    interface Module {}
    interface Memory {}
  }
}

export const symbolDispose: typeof Symbol.dispose =
  (Symbol as { dispose?: typeof Symbol.dispose }).dispose ?? (Symbol.for('Symbol.dispose') as typeof Symbol.dispose);
