/**
 * The items a component instance holds while it is linked: functions, instances, types, components
 * and core modules.
 */
import type { ComponentCall } from '../abi/functions.js';
import type { FuncType } from '../abi/types.js';
import type { ComponentModel } from '../binary/model.js';
import type { RuntimeType } from './type-env.js';

/** A component-level function value: a JS-value calling convention plus its type. */
export interface FuncItem {
  readonly sort: 'func';
  readonly type: FuncType;
  readonly call: ComponentCall;
  /** with JSPI: a variant that may suspend on host promises and returns a promise */
  readonly callAsync?: ComponentCall;
  /** with JSPI: whether calling it may return a promise (an async host import, or a guest
   * function whose instance has one); its callers must then suspend */
  readonly async?: boolean;
}

export interface InstanceItem {
  readonly sort: 'instance';
  readonly exports: ReadonlyMap<string, Item>;
}

export interface TypeItem {
  readonly sort: 'type';
  readonly type: RuntimeType;
}

/** A component definition closed over the instance it was defined in (for outer aliases). */
export interface ComponentItem {
  readonly sort: 'component';
  readonly model: ComponentModel;
  readonly outer: unknown;
}

export interface CoreModuleItem {
  readonly sort: 'core-module';
  readonly module: WebAssembly.Module;
}

/** Anything a component can import, export or pass to `instantiate`. */
export type Item = FuncItem | InstanceItem | TypeItem | ComponentItem | CoreModuleItem;
