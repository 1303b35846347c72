/**
 * `Symbol.dispose`, or the registry symbol that stands for it where the platform lacks it (Node
 * 20, older browsers): what resource classes, guest and host, are disposed through. One
 * definition, so that every class of the runtime agrees on the key.
 */
export const symbolDispose: typeof Symbol.dispose =
  (Symbol as { dispose?: typeof Symbol.dispose }).dispose ?? (Symbol.for('Symbol.dispose') as typeof Symbol.dispose);
