import { RpcFault } from './errors';

/**
 * A request's `params`, read the way jsonrpcs' `rpc->scan` reads them: positionally from an
 * array, or by name from an object. Integers may come as JSON numbers or decimal strings (kamcli
 * sends plain arguments as strings), strings may come as numbers.
 */
export class RpcParams {
  private readonly values: unknown[];

  /** @param raw the request's `params`; @param names the method's parameter names, in order. */
  constructor(raw: unknown, private readonly names: readonly string[]) {
    if (raw === undefined || raw === null) this.values = [];
    else if (Array.isArray(raw)) this.values = raw;
    else if (typeof raw === 'object') {
      const byName = raw as Record<string, unknown>;
      this.values = names.map((n) => byName[n]);
    } else throw new RpcFault(-32602, 'Invalid Parameters: params must be an array or an object');
  }

  get length(): number {
    return this.values.length;
  }

  /** The raw value at `index`, or a 400 fault naming the missing parameter. */
  required(index: number): unknown {
    const v = this.values[index];
    if (v === undefined || v === null) {
      throw new RpcFault(400, `Missing parameter ${index + 1} (${this.names[index] ?? 'value'})`);
    }
    return v;
  }

  string(index: number): string {
    const v = this.required(index);
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new RpcFault(400, `Parameter ${index + 1} (${this.names[index]}) must be a string`);
  }

  int(index: number): number {
    const v = this.required(index);
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)) return Number.parseInt(v, 10);
    throw new RpcFault(400, `Parameter ${index + 1} (${this.names[index]}) must be an integer, got ${JSON.stringify(v)}`);
  }

  /** A number or a string, as it came (for `cfg.set`, which takes the type from the value). */
  scalar(index: number): number | string {
    const v = this.required(index);
    if (typeof v === 'number' || typeof v === 'string') return v;
    throw new RpcFault(400, `Parameter ${index + 1} (${this.names[index]}) must be a number or a string`);
  }
}
