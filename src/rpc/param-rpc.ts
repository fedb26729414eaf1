/**
 * `tls.options`, `cfg.get` and `cfg.set_*` over the parameter store: values as Kamailio's RPC
 * shows them (booleans as 0/1), key passwords never shown, every refusal a 400 naming the
 * parameter.
 */
import { RpcFault } from './errors';
import type { ParamValue } from './host';
import { DEFAULT_LOW_MEM_THRESHOLD1_KB, DEFAULT_LOW_MEM_THRESHOLD2_KB } from '../low-memory';
import { ParamError, ParamStore, findCfgParam, findParam, findRuntimeParam, type ParamSpec } from '../params';

/** Parameters whose value `tls.options` and `cfg.get` hide. */
const SECRET_PARAMS = new Set(['private_key_password', 'private_key_password2']);

/** Kamailio's `tls.options` calls ssl_freelist_max_len `ssl_freelist_max` (its cfg name). */
const OPTIONS_ALIASES: Readonly<Record<string, string>> = { ssl_freelist_max_len: 'ssl_freelist_max' };

/** What -1 stands for: Kamailio writes the threshold in force back, and its RPC shows that. */
const RESOLVED_DEFAULTS: Readonly<Record<string, number>> = {
  low_mem_threshold1: DEFAULT_LOW_MEM_THRESHOLD1_KB,
  low_mem_threshold2: DEFAULT_LOW_MEM_THRESHOLD2_KB,
};

function shown(spec: ParamSpec, value: unknown): ParamValue {
  if (SECRET_PARAMS.has(spec.name)) return value ? '********' : '';
  if (value === -1 && spec.name in RESOLVED_DEFAULTS) return RESOLVED_DEFAULTS[spec.name];
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value as ParamValue;
}

/** The names `tls.options` may already show a parameter under. */
function optionNames(spec: ParamSpec): string[] {
  const names = [spec.name, spec.name.replace(/^tls_/, '')];
  if (spec.runtime?.startsWith('tls.')) names.push(spec.runtime.slice(4));
  const alias = OPTIONS_ALIASES[spec.name];
  if (alias) names.push(alias);
  return names;
}

/** Kamailio's `tls.options` fields in its order, then every other parameter by its module name. */
export function tlsOptions(store: ParamStore): Record<string, ParamValue> {
  const result: Record<string, ParamValue> = {};
  for (const [field, value] of Object.entries(store.options())) {
    const spec = findCfgParam(field, 'tls');
    result[field] = spec ? shown(spec, value) : value;
  }
  for (const { spec, value } of store.list()) {
    if (optionNames(spec).some((n) => n in result)) continue;
    result[spec.name] = shown(spec, value);
  }
  return result;
}

/** The spec `cfg.get GROUP NAME` means: the runtime name first, then the module name. */
function lookup(group: string, name: string): ParamSpec {
  const spec = findRuntimeParam(name, group) ?? (group === 'tls' ? findParam(name) ?? findParam(`tls_${name}`) : undefined);
  if (!spec) throw new RpcFault(400, `unknown parameter '${group}.${name}'`);
  return spec;
}

export function cfgGet(store: ParamStore, group: string, name: string): ParamValue {
  const spec = lookup(group, name);
  return shown(spec, store.get(spec.name));
}

/** Sets a runtime parameter, validated as at start. @throws RpcFault 400 with the store's reason. */
export function cfgSet(store: ParamStore, group: string, name: string, value: ParamValue): void {
  try {
    const spec = findRuntimeParam(name, group);
    if (spec) store.setRuntime(name, value, group);
    else store.setRuntime(lookup(group, name).name, value);
  } catch (err) {
    if (err instanceof ParamError) throw new RpcFault(400, err.message);
    throw err;
  }
}
